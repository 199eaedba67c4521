"""Every shipped model and scenario solves optimal and passes the independent check
(balances, limits, and every cost category to the cent)."""

from __future__ import annotations

from pathlib import Path

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
    case = sopopt.load_case(path)
    fast, plain = sopopt.solve(case, how="fast"), sopopt.solve(case, how="pyomo")
    assert fast.objective == pytest.approx(plain.objective, rel=1e-9)
    for category in plain.costs.index:
        assert fast.costs[category] == pytest.approx(plain.costs[category], rel=1e-9, abs=1e-6)
    for name in ("production", "inventory", "shipments", "headcount", "purchases"):
        a = fast.table(name).set_index(list(fast.table(name).columns[:-1]))["value"].sort_index()
        b = plain.table(name).set_index(list(plain.table(name).columns[:-1]))["value"].sort_index()
        assert list(a.index) == list(b.index)
