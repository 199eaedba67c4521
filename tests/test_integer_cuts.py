"""The lot family's (k,l,S) inequalities (sopopt/model/lots.py) are valid: no plan of the
MIP violates one. On small random networks with lots (backlog, lost sales, lanes with
lead times, subcontracting among the levers) the optimal plan found without them
satisfies every one (the separator, which finds the most violated S of each window,
finds none), and the optimum with them (separated before branch and bound) is the same."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import lot_networks, write_network

import sopopt
from sopopt.model import lots
from sopopt.model.families import separator
from sopopt.solver import mip_start, session
from sopopt.solver.status import OPTIMAL_STATUSES

EXACT = sopopt.SolveOptions(threads=1, mip_gap=0.0)


def _backlog_case(tmp_path: Path) -> sopopt.Case:
    net = {
        "name": "lane",
        "periods": {"labels": ["1", "2", "3"]},
        "products": {"w": {"holding_cost": 1, "backlog": {"cost": 2}, "lost_sales": {"cost": 100},
                           "sites": {"plant": {"make": True, "lot": {"min": 5, "setup_cost": 10}}, "dc": {}}}},
        "sites": {"plant": {}, "dc": {}},
        "lanes": {"truck": {"origin": "plant", "destination": "dc", "lead_time": 1}},
        "demand": {"w": {"dc": [0, 10, 10]}},
    }
    return write_network(net, tmp_path)


def test_a_window_counts_demand_from_its_start_and_the_backlog_carried_in(tmp_path: Path) -> None:
    case = _backlog_case(tmp_path)
    lp = sopopt.Planner().build(case)
    keys = lp.column_keys()
    separate = separator(case.data, lp)
    assert separate is not None
    # A relaxed plan making 10 in period 1 with a tenth of a setup, nothing in stock,
    # on the way or owed. Made in period 1, a unit is at the dc (lead time 1) in period
    # 2 at the earliest: by the close of period 1 it is in stock or on the truck
    # (X1 <= I(plant,1) + I(dc,1) + shipped in 1, no setup term); by the close of period
    # 2 it is in stock, on the way, sold to period 2's demand (10) or to what was owed at
    # the close of period 1: X1 <= 10 Y1 + I(plant,2) + I(dc,2) + shipped in 2 + B(dc,1).
    x = np.zeros(lp.num_col)
    x[keys.index(("production", ("w", "plant", 0)))] = 10.0
    x[keys.index(("setup", ("w", "plant", 0)))] = 0.1
    rows = separate(x)
    found = {(rows.upper[i], tuple(sorted((keys[j], v) for j, v in zip(rows.index[a:b], rows.value[a:b], strict=True))))
             for i, (a, b) in enumerate(zip(rows.start[:-1], rows.start[1:], strict=True))}
    window = (0.0, tuple(sorted([
        (("production", ("w", "plant", 0)), 1.0), (("setup", ("w", "plant", 0)), -10.0),
        (("inventory", ("w", "plant", 1)), -1.0), (("inventory", ("w", "dc", 1)), -1.0),
        (("shipment", ("truck", "w", 1)), -1.0), (("backlog", ("w", "dc", 0)), -1.0),
    ])))
    in_stock = (0.0, tuple(sorted([
        (("production", ("w", "plant", 0)), 1.0), (("inventory", ("w", "plant", 0)), -1.0),
        (("inventory", ("w", "dc", 0)), -1.0), (("shipment", ("truck", "w", 0)), -1.0),
    ])))
    assert window in found
    assert in_stock in found


def _optimal_values(case: sopopt.Case) -> tuple[float, np.ndarray] | None:
    planner = sopopt.Planner(EXACT)
    lp = planner.build(case)
    solution = planner.run(lp)
    if solution.status not in OPTIMAL_STATUSES:
        return None
    x = np.array([solution.values[name][index] for name, index in lp.column_keys()])
    return float(solution.objective), x


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=lot_networks())
def test_no_optimal_plan_violates_a_cut_and_the_optimum_stays(monkeypatch_module: Any, net: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case = write_network(net, Path(folder))
        found = _optimal_values(case)
        separate = separator(case.data, sopopt.Planner().build(case))
        if found is None or separate is None:
            return
        objective, x = found
        assert separate(x).count == 0
        with_cuts = sopopt.solve(case, EXACT, raise_on_failure=False, explain=False)
    assert with_cuts.is_optimal
    assert with_cuts.objective == pytest.approx(objective, rel=1e-6, abs=1e-6)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    """Every MIP gets the start and its cuts, however small."""
    patch = pytest.MonkeyPatch()
    patch.setattr(mip_start, "MIN_INTEGERS", 1)
    yield patch
    patch.undo()


def test_the_session_separates_only_for_the_planners_own_solve() -> None:
    assert session.separator is separator
    assert lots.FAMILY.cuts is lots.lot_cuts
