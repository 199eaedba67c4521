"""A priority solve stopped between or during its allocation stages (issue 28) is handled
like a solve: an interrupted status and no plan, never the plan of a cost stage that
skipped the priorities left (tests/data/levers/classes_priority.yaml: key 80 / retail 20
when every stage runs)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopopt.analysis.planner import Planner
from sopopt.cli import app
from sopopt.errors import Interrupted
from sopopt.inputs.case import load_case
from sopopt.solver.elastic import ElasticSession
from sopopt.solver.options import SolveOptions
from sopopt.solver.progress import Phase, Progress
from sopopt.solver.status import SolveStatus

CASE = Path(__file__).parent / "data" / "levers" / "classes_priority.yaml"


def test_every_stage_runs_without_a_stop() -> None:
    plan = Planner(SolveOptions(stop=threading.Event())).solve(CASE)
    assert plan.status is SolveStatus.OPTIMAL
    assert (plan.info["stage_0_priority_1_units"], plan.info["stage_1_priority_2_units"]) == (
        pytest.approx(80.0), pytest.approx(20.0))


def test_a_stop_during_the_stages_gives_no_plan() -> None:
    """The stop flag is set as the first stage starts: the stages end there and the cost
    stage never runs (it would serve the classes by cost alone)."""
    stop = threading.Event()

    def progress(report: Progress) -> None:
        if report.phase is Phase.PRESOLVE:
            stop.set()

    plan = Planner(SolveOptions(stop=stop, on_progress=progress)).solve(load_case(CASE), raise_on_failure=False)
    assert plan.status is SolveStatus.INTERRUPTED and plan.objective is None and not plan.status.has_plan
    assert plan.info["highs_status"] == f"allocation stages ended early: {SolveStatus.INTERRUPTED.label}"
    assert "allocation" not in plan.tables


def test_a_signal_during_a_stage_interrupts_the_solve() -> None:
    """SIGINT while HiGHS solves the first stage (its second run, after the plan by cost
    whose basis starts the final solve): HiGHS is stopped through its callback and the
    solve raises Interrupted naming the stage, as a plain solve does."""
    runs: list[int] = []

    def progress(report: Progress) -> None:
        if report.phase is Phase.PRESOLVE:  # each run's first report
            runs.append(1)
            if len(runs) == 2:
                os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(Interrupted) as caught:
        Planner(SolveOptions(on_progress=progress)).solve(CASE)
    assert caught.value.signum == signal.SIGINT and "allocation stage 1 (priority 1)" in caught.value.what


def test_ctrl_c_between_stages_exits_130_without_a_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT arrives as the second stage starts (set_costs runs in Python between the
    stages' HiGHS runs): exit 130, 'no plan', the out folder never written."""
    calls: list[int] = []
    original = ElasticSession.set_costs

    def set_costs(self: ElasticSession, cost: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)
        original(self, cost)  # type: ignore[arg-type]

    monkeypatch.setattr(ElasticSession, "set_costs", set_costs)
    result = CliRunner().invoke(app, ["solve", str(CASE), "-q", "--out", str(tmp_path / "out")])
    assert result.exit_code == 130, result.output
    assert "interrupted by SIGINT" in result.stderr and "status interrupted, no plan" in result.stderr
    assert not (tmp_path / "out").exists() and "Traceback" not in result.output
