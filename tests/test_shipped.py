"""Every shipped model and scenario solves optimal and passes the independent check
(balances, limits, and every cost category to the cent)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from recompute import check_plan

import sopopt

ROOT = Path(__file__).parents[1]
SHIPPED = sorted(
    [*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("models/**/*.yaml")],
    key=lambda p: str(p),
)


@pytest.mark.parametrize("how", ["fast", "pyomo"])
@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_shipped_case_is_optimal_and_checks_to_the_cent(path, how):
    case = sopopt.load_case(path)
    plan = sopopt.solve(case, how=how)
    assert plan.status is sopopt.SolveStatus.OPTIMAL
    check_plan(case, plan, rel=1e-7, cents=True)


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_both_build_paths_give_the_same_plan(path):
    """Both paths hand HiGHS the same LP (same order), so every number is identical."""
    case = sopopt.load_case(path)
    fast, plain = sopopt.solve(case, how="fast"), sopopt.solve(case, how="pyomo")
    assert fast.objective == plain.objective
    pd.testing.assert_series_equal(fast.costs, plain.costs, check_exact=True)
    assert set(fast.tables) == set(plain.tables)
    for name, table in plain.tables.items():
        pd.testing.assert_frame_equal(fast.table(name), table, check_exact=True, obj=name)
    pd.testing.assert_frame_equal(fast.shadow_prices, plain.shadow_prices, check_exact=True)
