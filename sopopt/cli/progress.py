"""Live progress of long-running commands on stderr, and Ctrl-C / SIGTERM handling.

Every command that solves (``solve``, ``compare``, ``sweep``, ``hedge``, ...) shows the
same status line: pass :meth:`ProgressDisplay.update` as ``SolveOptions.on_progress``
and run the work inside ``with ProgressDisplay(...)``. Run it inside
:func:`signals_raise_interrupted` so SIGTERM stops the command like Ctrl-C does (while
HiGHS runs, :class:`~sopopt.solver.session.HighsSession` stops HiGHS first, then raises the same
:class:`~sopopt.errors.Interrupted`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich import progress as bars
from rich.console import Console
from rich.live import Live
from rich.text import Text

from sopopt.errors import Interrupted
from sopopt.solver.progress import Progress
from sopopt.solver.signals import handling_stop_signals

if TYPE_CHECKING:
    from sopopt.analysis.sweep import SweepProgress

#: Longest plain progress line (log files, CI), in characters.
PLAIN_WIDTH = 99
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) < 1e7 else f"{value:.4e}"


def describe(progress: Progress | None, elapsed: float) -> list[str]:
    """The parts of a status line: time, phase, iteration, objective, gap, LP size."""
    parts = [f"{elapsed:.0f} s" if elapsed >= 10 else f"{elapsed:.1f} s"]
    if progress is None:
        return parts
    parts.append(str(progress.phase) if progress.stage is None else f"{progress.phase}: {progress.stage}")
    if progress.iterations is not None:
        parts.append(f"iter {progress.iterations:,}")
    if progress.objective is not None:
        parts.append(f"obj {_short(progress.objective)}")
    if progress.gap is not None:
        parts.append(f"gap {progress.gap:.1e}")
    if progress.columns:
        parts.append(f"LP {progress.rows or 0:,}x{progress.columns:,}")
    return parts


class ProgressDisplay:
    """Shows :class:`~sopopt.solver.progress.Progress` reports on stderr while work runs.

    On a terminal: a live status line (rich), redrawn four times a second with its own
    clock, so the time moves on while HiGHS is silent (presolve says nothing for a
    while). Elsewhere (a pipe, a log file, CI): one plain line of under 100 characters
    at most every ``interval`` seconds. ``enabled=False`` (the ``-q`` option) shows
    nothing. The line is gone once the block ends.
    """

    def __init__(
        self,
        title: str,
        *,
        console: Console | None = None,
        enabled: bool = True,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.title = title
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self.interval = interval
        self.clock = clock
        self.last: Progress | None = None
        self.updates = 0
        self.start = clock()
        self._live: Live | None = None
        self._ticker: threading.Thread | None = None
        self._done = threading.Event()

    def update(self, progress: Progress) -> None:
        """Take a progress report (pass this method as ``SolveOptions.on_progress``)."""
        self.last = progress
        self.updates += 1

    def elapsed(self) -> float:
        """Seconds since the display started."""
        return self.clock() - self.start

    def line(self) -> str:
        """The plain status line (under 100 characters)."""
        title = self.title if len(self.title) <= 30 else self.title[:27] + "..."
        text = f"{title}: " + ", ".join(describe(self.last, self.elapsed()))
        return text if len(text) <= PLAIN_WIDTH else text[: PLAIN_WIDTH - 3] + "..."

    def __rich__(self) -> Text:
        spinner = _SPINNER[int(self.elapsed() * 8) % len(_SPINNER)]
        text = Text.assemble((f"{spinner} ", "cyan"), (self.title, "bold"), "  ")
        text.append("  ·  ".join(describe(self.last, self.elapsed())))
        text.truncate(max(20, self.console.width - 1), overflow="ellipsis")
        return text

    def __enter__(self) -> ProgressDisplay:
        self.start = self.clock()
        if not self.enabled:
            return self
        if self.console.is_terminal:
            self._live = Live(self, console=self.console, transient=True, refresh_per_second=4,
                              redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        else:
            self._ticker = threading.Thread(target=self._tick, name="sopopt-progress", daemon=True)
            self._ticker.start()
        return self

    def _tick(self) -> None:
        while not self._done.wait(self.interval):
            self.console.print(self.line(), markup=False, highlight=False, soft_wrap=True)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._done.set()
        if self._live is not None:
            self._live.stop()
        if self._ticker is not None:
            self._ticker.join()


@contextlib.contextmanager
def signals_raise_interrupted() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`~sopopt.errors.Interrupted`
    (a KeyboardInterrupt) wherever the program is, so it can clean up and exit with
    130 or 143; while HiGHS runs, the solver session turns them into a HiGHS interrupt
    first. Signals the process ignores (e.g. SIGINT of a background job) stay ignored."""

    def handle(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    with handling_stop_signals(handle):
        yield


class SweepBar:
    """The sweep's progress on stderr: cases done, failed, rate and time left.

    On a terminal a live bar (rich); otherwise a plain line at most every 10 seconds.
    """

    def __init__(self, errors: Console, quiet: bool = False) -> None:
        self.errors = errors
        self._clock = time.monotonic
        self.quiet = quiet
        self.live = self.errors.is_terminal and not quiet
        self.start = self._clock()
        self.last_line = 0.0
        self.progress = bars.Progress(bars.TextColumn("sweep"), bars.BarColumn(), bars.MofNCompleteColumn(),
                                      bars.TextColumn("{task.fields[info]}"), bars.TimeElapsedColumn(),
                                      console=self.errors, disable=not self.live)
        self.task = self.progress.add_task("sweep", total=None, info="")

    def __enter__(self) -> SweepBar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def __call__(self, counts: SweepProgress) -> None:
        elapsed = max(self._clock() - self.start, 1e-9)
        rate = counts.done / elapsed
        left = counts.todo - counts.done
        eta = f"{left / rate:,.0f} s left" if rate > 0 else "starting"
        info = f"{counts.failed} failed, {counts.no_plan} without a plan, {rate * 60:,.1f} cases/min, {eta}"
        if self.live:
            self.progress.update(self.task, total=counts.todo, completed=counts.done, info=info)
        elif not self.quiet and (self._clock() - self.last_line >= 10 or counts.done == counts.todo):
            self.last_line = self._clock()
            self.errors.print(f"sweep: {counts.done}/{counts.todo} cases, {info}", highlight=False, soft_wrap=True)
