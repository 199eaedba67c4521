"""The command line's two consoles and how every error and result becomes an exit code.

Results go to stdout (:data:`console`), errors, warnings and progress to stderr
(:data:`errors`). A closed pipe (``sopopt ... | head``) ends quietly with exit 0. The
exit codes are :class:`sopopt.errors.ExitCode` (listed with their meaning in
:data:`sopopt.errors.EXIT_CODES`); each error carries its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from sopopt.errors import ExitCode, Interrupted, SopoptError
from sopopt.io.writer import check_file_target, check_replaceable, was_swapped_in
from sopopt.results.plan import Plan
from sopopt.results.store import check_store


def quiet_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit after a closed pipe
    raises nothing more."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class PipeConsole(Console):
    """A console that ends quietly with exit 0 when its reader goes away (``| head``)."""

    def on_broken_pipe(self) -> None:
        """Stop printing and exit 0: the reader has all it wanted."""
        self.quiet = True
        quiet_stdout()
        raise SystemExit(ExitCode.OK)


console = PipeConsole()
errors = PipeConsole(stderr=True)


def error(message: str) -> None:
    """Print one error line on stderr (no markup in ``message``)."""
    errors.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)


def say(line: str) -> None:
    """One line on stderr (a wait for the store, a migration)."""
    errors.print(line, markup=False, highlight=False, soft_wrap=True)


def fail(exc: SopoptError) -> typer.Exit:
    """Print a sopopt error without a traceback and return the exit to raise."""
    error(str(exc))
    return typer.Exit(int(exc.exit_code))


def invalid(message: str) -> typer.Exit:
    """Print an error about the arguments and return the exit to raise (2)."""
    error(message)
    return typer.Exit(ExitCode.INVALID)


def stopped(exc: KeyboardInterrupt, display: object | None = None, out: Path | None = None) -> typer.Exit:
    """Print the one line that says what a signal stopped; the exit to raise (130/143)."""
    interrupted = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
    if out is not None and was_swapped_in(out):  # stopped after the new folder was in place
        errors.print(f"sopopt: interrupted by {interrupted.signal_name} after writing {out}: the new result is in "
                     "place", markup=False, highlight=False, soft_wrap=True)
        return typer.Exit(interrupted.exit_code)
    what = interrupted.what
    last = getattr(display, "last", None)
    if not what and last is not None:
        what = f"{last.phase.value}" + (f", {last.iterations} iterations" if last.iterations is not None else "")
    kept = f"; {out} left as it was" if out is not None else ""
    errors.print(f"sopopt: interrupted by {interrupted.signal_name} during {what or 'start-up'}: "
                 f"status interrupted, no plan{kept}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(interrupted.exit_code)


def check_targets(folders: Sequence[Path | None] = (), files: dict[str, Path | None] | None = None,
                  stores: Sequence[Path | None] = ()) -> None:
    """Refuse output targets before any work: a folder that is not sopopt's own, a file
    target that is a folder (see :mod:`sopopt.io.writer`), a store that is not a DuckDB
    database (see :mod:`sopopt.results.store`)."""
    for store in stores:
        if store is not None:
            check_store(store)
    for folder in folders:
        if folder is not None:
            check_replaceable(folder)
    for option, path in (files or {}).items():
        if path is not None:
            check_file_target(path, option)


def exit_for(plans: Sequence[Plan]) -> None:
    """Exit 3 if a plan is missing, 4 if a plan is not proven optimal; else return."""
    if any(not p.status.has_plan for p in plans):
        raise typer.Exit(ExitCode.NO_PLAN)
    if any(not p.is_optimal for p in plans):
        raise typer.Exit(ExitCode.NOT_OPTIMAL)


def interrupt_behind(exc: BaseException) -> Interrupted | None:
    """The :class:`Interrupted` that led to ``exc`` (click turns it into "Aborted!")."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None or isinstance(seen, Interrupted):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
