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


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_shipped_case_is_optimal_and_checks_to_the_cent(path):
    case = sopopt.load_case(path)
    plan = sopopt.solve(case)
    assert plan.status is sopopt.SolveStatus.OPTIMAL
    check_plan(case, plan, rel=1e-7, cents=True)
