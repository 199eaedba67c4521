"""The per-period big-M of the lot family (sopopt/model/lots.py) is exact: by hand on the
three-period lot case, and on small random networks with lots the optimum with the
tightening equals the optimum without it (both solved to gap 0)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import lot_networks, write_network

import sopopt
from sopopt.model import lots
from sopopt.solver.options import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
EXACT = SolveOptions(threads=1, mip_gap=0.0)


def test_the_bound_falls_to_what_is_still_needed_but_never_below_the_lot() -> None:
    # Demand 10 a period, lot 20: the horizon bound is 30 everywhere; from period 2 on
    # 20 is still needed, and in period 3 only 10, but a lot is at least 20.
    case = sopopt.load_case(ROOT / "tests" / "data" / "integer" / "lots.yaml")
    assert lots.lot_caps(case.data, per_period=False)["widget", "plant"].tolist() == [30.0, 30.0, 30.0]
    assert lots.lot_caps(case.data)["widget", "plant"].tolist() == [30.0, 20.0, 20.0]


def test_backlog_keeps_earlier_demand_in_the_bound(tmp_path: Path) -> None:
    net = {
        "name": "backlog",
        "periods": {"labels": ["1", "2", "3"]},
        "products": {
            "w": {
                "holding_cost": 1,
                "backlog": {"cost": 1},
                "sites": {"plant": {"make": True, "lot": {"min": 5, "setup_cost": 10}}},
            }
        },
        "sites": {"plant": {}},
        "demand": {"w": {"plant": [10, 10, 10]}},
    }
    case = write_network(net, tmp_path)
    # Anything made later can still serve the earlier demand carried as backlog.
    assert lots.lot_caps(case.data)["w", "plant"].tolist() == [30.0, 30.0, 30.0]


def _optimum(net: dict[str, Any]) -> float | None:
    with tempfile.TemporaryDirectory() as folder:
        case = write_network(net, Path(folder))
        plan = sopopt.solve(case, EXACT, raise_on_failure=False, explain=False)
    if not plan.is_optimal:
        return None
    assert plan.info.get("mip_gap", 0.0) <= 1e-9
    return plan.objective


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lot_networks())
def test_the_optimum_is_the_same_with_and_without_the_per_period_bound(net: dict[str, Any]) -> None:
    tight = _optimum(net)
    with mock.patch.object(lots, "lot_caps", functools.partial(lots.lot_caps, per_period=False)):
        loose = _optimum(net)
    assert (tight is None) == (loose is None)
    if tight is not None and loose is not None:
        assert tight == pytest.approx(loose, rel=1e-6, abs=1e-6)
