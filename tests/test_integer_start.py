"""The MIP start (sopopt/solver/mip_start.py): the LP-guided fix-and-solve heuristic
hands HiGHS a plan before branch and bound, says so in the plan's info, and never
changes the optimum."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import sopopt
from sopopt.analysis.planner import Planner
from sopopt.solver import mip_start
from sopopt.solver.highs import option_value
from sopopt.solver.options import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
LOTS = ROOT / "tests" / "data" / "integer" / "lots.yaml"
RED_TOMATO = ROOT / "models" / "textbook" / "red_tomato.yaml"


def test_a_small_mip_and_an_lp_get_no_start() -> None:
    assert "mip_start" not in sopopt.solve(LOTS).info  # 3 setups, under MIN_INTEGERS
    assert "mip_start" not in sopopt.solve(RED_TOMATO).info  # an LP


def test_the_lot_case_starts_from_the_heuristic_and_keeps_its_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    plan = sopopt.solve(LOTS)
    # The relaxation makes 10 a period with setups 10/30, 10/20, 10/20: none is whole,
    # so nothing is fixed and the sub-MIP is the whole MIP: its plan is the optimum.
    assert plan.info["mip_start"] == mip_start.HEURISTIC
    assert plan.info["mip_start_fixed"] == 0
    assert plan.info["mip_start_objective"] == pytest.approx(600.0)
    assert plan.info["mip_start_seconds"] >= 0.0
    assert plan.objective == pytest.approx(600.0)
    assert plan.tables["setups"]["value"].tolist() == pytest.approx([1.0, 0.0, 1.0])


def test_red_tomato_with_whole_workers_still_costs_422660_from_a_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    data = yaml.safe_load(RED_TOMATO.read_text(encoding="utf-8"))
    data["workforce"]["staff"]["whole_workers"] = True
    path = tmp_path / "red_tomato_whole.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    plan = sopopt.solve(path, workspace=tmp_path)
    assert plan.info["mip_start"] == mip_start.HEURISTIC
    # The start is a feasible plan: never cheaper than the optimum.
    assert plan.info["mip_start_objective"] >= 422_660.0 - 0.005
    assert plan.objective == pytest.approx(422_660.0, abs=0.005)


def test_branch_and_bound_gets_the_rest_of_the_limit_and_the_limit_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    solved = Planner(SolveOptions(time_limit=50.0)).solve_live(LOTS)
    assert solved.plan.info["mip_start"] == mip_start.HEURISTIC
    assert float(option_value(solved.session.highs, "time_limit")) == pytest.approx(50.0)
    assert mip_start.budget(SolveOptions(time_limit=50.0)) == pytest.approx(20.0)
    assert mip_start.budget(SolveOptions()) == mip_start.NO_LIMIT_SECONDS
