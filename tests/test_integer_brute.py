"""The MIP optimum of lot plans checked against brute force (issue 26): every pattern of
setup decisions is fixed in turn, the rest solved, and the cheapest pattern must cost
what branch and bound reports (the strengthened lot family included)."""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from strategies import lot_networks, write_network

import sopopt
from sopopt.model.lots import SETUP
from sopopt.model.lp import LinearProgram
from sopopt.solver.status import OPTIMAL_STATUSES

ROOT = Path(__file__).resolve().parents[1]
EXACT = sopopt.SolveOptions(threads=1, mip_gap=0.0)
#: At most 2**6 patterns a network: each is one tiny solve.
MOST_SETUPS = 6


def _setup_columns(lp: LinearProgram) -> np.ndarray:
    return np.array([j for j, (name, _i) in enumerate(lp.column_keys()) if name == SETUP.component], dtype=int)


def _fixed(lp: LinearProgram, cols: np.ndarray, pattern: tuple[int, ...]) -> LinearProgram:
    lower, upper = lp.col_lower.copy(), lp.col_upper.copy()
    lower[cols] = upper[cols] = np.array(pattern, dtype=float)
    return dataclasses.replace(lp, col_lower=lower, col_upper=upper)


def brute_force(case: sopopt.Case) -> dict[tuple[int, ...], float | None]:
    """Each pattern of setups (in column order) and its cost (None: no plan)."""
    planner = sopopt.Planner(EXACT)
    lp = planner.build(case)
    cols = _setup_columns(lp)
    costs: dict[tuple[int, ...], float | None] = {}
    for pattern in itertools.product((0, 1), repeat=cols.size):
        solution = planner.run(_fixed(lp, cols, pattern))
        costs[pattern] = solution.objective if solution.status in OPTIMAL_STATUSES else None
    return costs


def test_every_setup_pattern_of_the_lot_case_costs_what_the_hand_says() -> None:
    # Demand 10 a period, lot at least 20, setup 100, holding 20 (tests/data/integer/lots.yaml).
    case = sopopt.load_case(ROOT / "tests" / "data" / "integer" / "lots.yaml")
    costs = brute_force(case)
    assert costs == pytest.approx({
        (1, 0, 1): 600.0,   # 20, -, 20: holding 10 + 0 + 10
        (1, 0, 0): 700.0,   # 30 at once: holding 20 + 10
        (1, 1, 0): 1000.0,  # 20, 20, -: holding 10 + 20 + 10
        (1, 1, 1): 1500.0,  # 20 every period: holding 10 + 20 + 30
        (0, 0, 0): None, (0, 0, 1): None, (0, 1, 0): None, (0, 1, 1): None,  # period 1 is short
    })
    assert sopopt.solve(case, EXACT).objective == pytest.approx(min(c for c in costs.values() if c is not None))


def _mip_and_brute(net: dict[str, Any]) -> tuple[float | None, float | None]:
    with tempfile.TemporaryDirectory() as folder:
        case = write_network(net, Path(folder))
        lp = sopopt.Planner(EXACT).build(case)
        assume(1 <= _setup_columns(lp).size <= MOST_SETUPS)
        plan = sopopt.solve(case, EXACT, raise_on_failure=False, explain=False)
        found = [c for c in brute_force(case).values() if c is not None]
    return (plan.objective if plan.is_optimal else None), (min(found) if found else None)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(lot_networks())
def test_branch_and_bound_finds_the_cheapest_setup_pattern(net: dict[str, Any]) -> None:
    mip, brute = _mip_and_brute(net)
    assert (mip is None) == (brute is None)
    if mip is not None and brute is not None:
        assert mip == pytest.approx(brute, rel=1e-6, abs=1e-6)
