"""Progress reports and stop requests through the HiGHS callbacks (library level), and
the status line that shows them (console level)."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

import sopopt
from sopopt.cli.progress import PLAIN_WIDTH, ProgressDisplay
from sopopt.inputs.generate import write_instance
from sopopt.solver.options import SolveOptions
from sopopt.solver.progress import Phase, Progress
from sopopt.solver.status import SolveStatus


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated case that dual simplex solves in thousands of iterations (about 1 s)."""
    return write_instance(tmp_path_factory.mktemp("medium"), 60, 5, 24, seed=1)


def _solve(path: Path, **kwargs: object) -> tuple[sopopt.Plan, list[Progress]]:
    reports: list[Progress] = []
    options = SolveOptions(method="simplex", threads=1, on_progress=reports.append, **kwargs)  # type: ignore[arg-type]
    return sopopt.solve(path, options, raise_on_failure=False), reports


@pytest.fixture(scope="module")
def full(medium: Path) -> tuple[sopopt.Plan, list[Progress]]:
    """The medium case solved to the end, with its progress reports."""
    return _solve(medium)


def test_progress_reports_every_phase_in_order_with_rising_iterations(full) -> None:
    plan, reports = full
    assert plan.is_optimal
    phases = list(dict.fromkeys(r.phase for r in reports))
    assert phases[:3] == [Phase.LOAD, Phase.BUILD, Phase.PRESOLVE]
    assert Phase.SIMPLEX in phases
    assert phases[-2:] == [Phase.SOLVED, Phase.EXTRACT]
    simplex = [r.iterations for r in reports if r.phase is Phase.SIMPLEX and r.iterations is not None]
    assert len(simplex) >= 2 and simplex == sorted(simplex)
    solved = next(r for r in reports if r.phase is Phase.SOLVED)
    assert solved.iterations == plan.info["simplex_iterations"]
    assert (solved.rows, solved.columns) == (plan.info["rows"], plan.info["columns"])
    times = [r.elapsed for r in reports]
    assert times == sorted(times)  # one clock from load to extract


def test_a_stop_request_interrupts_highs_and_is_reported_as_such(medium: Path, full) -> None:
    stop = threading.Event()
    reports: list[Progress] = []

    def receive(progress: Progress) -> None:
        reports.append(progress)
        if progress.phase is Phase.SIMPLEX and progress.iterations:
            stop.set()  # as a GUI's stop button or a watchdog thread would

    options = SolveOptions(method="simplex", threads=1, on_progress=receive, stop=stop)
    plan = sopopt.solve(medium, options, raise_on_failure=False)
    assert plan.status is SolveStatus.INTERRUPTED
    assert plan.status.label.startswith("interrupted")
    assert plan.objective is None and not plan.kpis
    assert 0 < plan.info["simplex_iterations"] < full[0].info["simplex_iterations"]
    with pytest.raises(sopopt.SolverError, match="interrupted"):
        sopopt.solve(medium, SolveOptions(stop=stop))


def test_a_failing_progress_receiver_never_breaks_the_solve(tiny_path: Path) -> None:
    def broken(progress: Progress) -> None:
        raise RuntimeError("display crashed")

    plan = sopopt.solve(tiny_path, SolveOptions(on_progress=broken))
    assert plan.is_optimal


def _plain(interval: float) -> tuple[ProgressDisplay, io.StringIO]:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=200)
    return ProgressDisplay("solving " + "a-very-long-scenario-name" * 4, console=console, interval=interval), stream


def test_plain_progress_is_one_short_line_per_interval() -> None:
    display, stream = _plain(0.05)
    with display:
        display.update(Progress(Phase.IPM, 1.0, 31, 64_681_547.2, 2.5e-3, 40_930, 104_850))
        time.sleep(0.32)
    lines = stream.getvalue().splitlines()
    assert 3 <= len(lines) <= 7  # one per 0.05 s, never more often
    for line in lines:
        assert len(line) < 100
        assert "interior point" in line and "iter 31" in line


def test_plain_progress_is_silent_for_short_work_and_when_quiet() -> None:
    display, stream = _plain(10.0)
    with display:
        display.update(Progress(Phase.PRESOLVE, 0.1))
    assert stream.getvalue() == ""
    quiet = ProgressDisplay("x", console=Console(file=io.StringIO(), force_terminal=True), enabled=False)
    with quiet:
        quiet.update(Progress(Phase.PRESOLVE, 0.1))
    assert quiet.console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_status_line_names_phase_iteration_objective_gap_size_and_time() -> None:
    clock = iter([100.0, 112.5]).__next__
    display = ProgressDisplay("solving big.yaml", console=Console(file=io.StringIO()), clock=clock)
    display.update(Progress(Phase.IPM, 12.0, 31, 64_681_547.2, 2.5e-3, 40_930, 104_850))
    assert display.line() == (
        "solving big.yaml: 12 s, interior point, iter 31, obj 6.4682e+07, gap 2.5e-03, LP 40,930x104,850"
    )
    assert len(_plain(10)[0].line()) <= PLAIN_WIDTH
