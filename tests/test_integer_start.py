"""The MIP start (sopopt/solver/mip_start.py, sopopt/solver/heuristics.py): the staged
heuristic (relaxation, rounding or relax-and-fix, fix-and-optimize) hands HiGHS a plan
before branch and bound, says so in the plan's info and on the progress line, and never
changes the optimum. The lot case (tests/data/integer/lots.yaml: demand 10 a period, lot
at least 20, setup 100, holding 20) is worked by hand at every stage."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

import sopopt
from sopopt.analysis.planner import Planner
from sopopt.cli.progress import describe
from sopopt.model.lp import LinearProgram
from sopopt.solver import heuristics, mip_start
from sopopt.solver.highs import option_value
from sopopt.solver.options import SolveOptions
from sopopt.solver.progress import Phase, Progress

ROOT = Path(__file__).resolve().parents[1]
LOTS = ROOT / "tests" / "data" / "integer" / "lots.yaml"
RED_TOMATO = ROOT / "models" / "textbook" / "red_tomato.yaml"


def test_a_small_mip_and_an_lp_get_no_start() -> None:
    assert "mip_start" not in sopopt.solve(LOTS).info  # 3 setups, under MIN_INTEGERS
    assert "mip_start" not in sopopt.solve(RED_TOMATO).info  # an LP


def test_the_lot_case_goes_through_every_stage_to_its_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    reports: list[Progress] = []
    plan = sopopt.solve(LOTS, SolveOptions(on_progress=reports.append))
    stages = plan.info["mip_start_stages"]
    cuts = f"{mip_start.CUTS} (2 rows, 1 rounds)"
    assert [stage["name"] for stage in stages] == [mip_start.RELAXATION, cuts, mip_start.ROUNDING,
                                                   "fix-and-optimize 1/2", "fix-and-optimize 2/2"]
    # Relaxed, 10 is made a period with setups 10/30, 10/20, 10/20 (the per-period M):
    # 100 x (1/3 + 1/2 + 1/2). The (k,l,S) rows it violates (X production, Y setups,
    # I stock): X1 <= 10 Y1 + I1, X1 + X2 <= 20 Y1 + 10 Y2 + I2, X3 <= 10 Y3 + I3.
    # Relaxed again: 20, 10, 0 made with setups 1, 1/2, 0 (lot minimum 20 Y2 <= X2),
    # holding 10 + 10: 150 + 400 = 550; the first and third rows bind and are kept.
    # Rounding: every setup the plain relaxation uses on (any threshold up to 0.3):
    # lots of 20 each period, holding 10 + 20 + 30: 1500; above 0.5 none: no plan (the
    # demand is hard). The strengthened relaxation's setups (1, 1/2, 0): on in periods
    # 1 and 2 (up to 0.3): 1000; only period 1 (0.5): one lot of 30, 100 + (20 + 10) x
    # 20 = 700, the cheapest. The period window (4 periods) frees all three: the
    # optimum; the item's window (every period) keeps it.
    assert [stage["objective"] for stage in stages] == pytest.approx([400.0 / 3.0, 550.0, 700.0, 600.0, 600.0])
    assert plan.info["mip_cuts"] == 2
    assert plan.info["mip_start"] == "fix-and-optimize"
    assert plan.info["mip_start_objective"] == pytest.approx(600.0)
    assert plan.info["mip_start_seconds"] >= sum(stage["seconds"] for stage in stages) - 1e-3
    assert plan.objective == pytest.approx(600.0)
    assert plan.tables["setups"]["value"].tolist() == pytest.approx([1.0, 0.0, 1.0])
    heuristic = [(r.stage, r.objective) for r in reports if r.phase is Phase.HEURISTIC]
    assert heuristic == [(stage["name"], pytest.approx(stage["objective"])) for stage in stages]
    line = describe(next(r for r in reports if r.stage == mip_start.ROUNDING), 1.0)
    assert line[1:3] == ["heuristic: rounding", "obj 700"]


def _lot_lp() -> LinearProgram:
    return Planner().build(sopopt.load_case(LOTS))


def test_relax_and_fix_by_single_periods_builds_the_optimum_of_the_lot_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heuristics, "RF_WINDOW", 1)
    stages: list[heuristics.Stage] = []
    x, cost = heuristics.relax_and_fix(_lot_lp(), SolveOptions(), 60.0, lambda: False, stages.append)
    # Period 1 must be set up (demand 10, no stock); a lot of 20 keeps 10 for period 2
    # and the relaxed period 3 makes its 10 with half a setup: 100 + 50 + 10 x 20 = 350.
    # Period 2 stays off (350 again); period 3 is then set up: 600.
    assert [(s.name, s.objective) for s in stages] == [
        ("relax-and-fix 1/3", pytest.approx(350.0)),
        ("relax-and-fix 2/3", pytest.approx(350.0)),
        ("relax-and-fix 3/3", pytest.approx(600.0)),
    ]
    assert cost == pytest.approx(600.0)
    assert x is not None


def test_fix_and_optimize_by_single_periods_drops_the_middle_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heuristics, "FO_WINDOW", 1)
    monkeypatch.setattr(heuristics, "FO_STEP", 1)
    lp = _lot_lp()
    every = Planner(SolveOptions()).run(dataclasses.replace(lp, col_lower=np.where(lp.integrality != 0, 1.0,
                                                                                    lp.col_lower)))
    plan = np.array([every.values[name][index] for name, index in lp.column_keys()])
    stages: list[heuristics.Stage] = []
    _x, cost = heuristics.fix_and_optimize(lp, SolveOptions(), 60.0, plan, 1500.0, lambda: False, stages.append)
    # Period 1 alone cannot change (its demand needs the setup); freeing period 2 saves
    # its lot (600); period 3 then stays set up (without it period 1 makes 30: 700).
    # The last window frees the one item (its setups in every period): still 600.
    assert [s.objective for s in stages] == pytest.approx([1500.0, 600.0, 600.0, 600.0])
    assert cost == pytest.approx(600.0)


def test_fix_and_optimize_windows_are_periods_then_groups_of_entities() -> None:
    lp = _lot_lp()
    windows = heuristics.Windows.of(lp)
    assert [key for j, key in enumerate(lp.column_keys()) if j in set(windows.integer.tolist())] == [
        ("setup", ("widget", "plant", t)) for t in range(3)]
    # Width 1: one window per period, then the one entity (widget at plant, about
    # 1 x 1/3 entities a group, at least one) in every period.
    masks = [mask.tolist() for mask in windows.free(1, 1)]
    assert masks == [[True, False, False], [False, True, False], [False, False, True], [True, True, True]]


def test_red_tomato_with_whole_workers_still_costs_422660_from_a_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    data = yaml.safe_load(RED_TOMATO.read_text(encoding="utf-8"))
    data["workforce"]["staff"]["whole_workers"] = True
    path = tmp_path / "red_tomato_whole.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    plan = sopopt.solve(path, workspace=tmp_path)
    assert plan.info["mip_start"] == mip_start.ROUNDING  # no 0-1 decision: rounding solves the MIP
    # The start is a feasible plan: never cheaper than the optimum.
    assert plan.info["mip_start_objective"] >= 422_660.0 - 0.005
    assert plan.objective == pytest.approx(422_660.0, abs=0.005)


def test_branch_and_bound_gets_the_rest_of_the_limit_and_the_limit_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    solved = Planner(SolveOptions(time_limit=50.0)).solve_live(LOTS)
    assert solved.plan.info["mip_start"] == "fix-and-optimize"
    assert float(option_value(solved.session.highs, "time_limit")) == pytest.approx(50.0)
    assert mip_start.budget(SolveOptions(time_limit=50.0)) == pytest.approx(37.5)
    assert mip_start.budget(SolveOptions()) == mip_start.NO_LIMIT_SECONDS


def test_a_stop_during_the_heuristic_ends_it_and_the_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    stop = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.phase is Phase.HEURISTIC:
            stop.set()

    plan = sopopt.solve(LOTS, SolveOptions(on_progress=on_progress, stop=stop), raise_on_failure=False)
    # Asked after the relaxation: no separation round, rounding ends, no window follows.
    names = [stage["name"] for stage in plan.info["mip_start_stages"]]
    assert names == [mip_start.RELAXATION, f"{mip_start.CUTS} (0 rows, 0 rounds)", mip_start.ROUNDING]
    assert plan.status is sopopt.SolveStatus.INTERRUPTED


def test_a_plan_within_the_gap_of_the_bound_is_not_improved_further(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mip_start, "MIN_INTEGERS", 1)
    # Rounding's 700 is within a gap of 200% of the strengthened bound 550 (<= 1650):
    # no fix-and-optimize window runs (the MIP then needs no more than its root).
    plan = sopopt.solve(LOTS, SolveOptions(mip_gap=2.0))
    names = [stage["name"] for stage in plan.info["mip_start_stages"]]
    assert names == [mip_start.RELAXATION, f"{mip_start.CUTS} (2 rows, 1 rounds)", mip_start.ROUNDING]
    assert plan.info["mip_start"] == mip_start.ROUNDING
