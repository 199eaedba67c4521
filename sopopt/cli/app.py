"""The ``sopopt`` command group: how usage errors print, ``--version``, and the
argument and option types that commands share."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from sopopt.cli.exits import console, errors
from sopopt.errors import ExitCode
from sopopt.io.writer import output_error
from sopopt.version import __version__


class _OneLineErrors(TyperGroup):
    """The command group, printing a usage error (a missing file, a bad flag value) as one
    line on stderr with exit code 2, like every other error, instead of a framed panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Run the command line; see :meth:`click.Command.main`."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as exc:  # typer's usage errors: bad or missing arguments
            if type(exc).__name__ == "NoArgsIsHelpError":  # the help was printed already
                sys.exit(int(getattr(exc, "exit_code", ExitCode.INVALID)))
            ctx = getattr(exc, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            message = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split())
            errors.print(f"[bold red]error:[/] {escape(message)}{where}", markup=True, highlight=False,
                         soft_wrap=True)
            sys.exit(int(getattr(exc, "exit_code", ExitCode.INVALID)))
        except typer.Abort:
            errors.print("aborted", markup=False)
            sys.exit(1)
        except BrokenPipeError:
            raise
        except OSError as exc:  # an OS error no command turned into its own message: still one line
            errors.print(f"error: {output_error(exc.filename or '?', exc)}", markup=False, highlight=False,
                         soft_wrap=True)
            sys.exit(ExitCode.OUTPUT)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(cls=_OneLineErrors, add_completion=False,
                  help="sopopt: least-cost sales & operations plans from YAML models (Pyomo + HiGHS).")


def _show_version(value: bool) -> None:
    if value:
        console.print(f"sopopt {__version__}", highlight=False)
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_show_version)] = False,
) -> None:
    """sopopt: least-cost sales & operations plans from YAML models (Pyomo + HiGHS)."""
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help(), highlight=False, markup=False)
        raise typer.Exit()


class BuildPath(StrEnum):
    """How the LP is built (both give the same LP)."""

    fast = "fast"
    pyomo = "pyomo"


class Method(StrEnum):
    """LP algorithm choices."""

    auto = "auto"
    simplex = "simplex"
    ipm = "ipm"
    pdlp = "pdlp"


class InfeasibleCause(StrEnum):
    """Conflicts ``sopopt generate --infeasible`` can plant."""

    capacity = "capacity"
    ending = "ending"
    hiring = "hiring"
    supplier = "supplier"
    lane = "lane"
    max_stock = "max-stock"


class RangesChoice(StrEnum):
    """Which limits a solve ranges (see docs/kpis.md)."""

    shown = "shown"
    all = "all"


StoreWaitOpt = Annotated[float, typer.Option(
    help="Seconds to wait for a --store that another run holds, then exit 5 (store busy).", min=0, max=86400)]
#: Default of ``--store-wait``.
STORE_WAIT = 60.0
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario (or model) YAML file.", exists=True, dir_okay=False)]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat every warning (odd but valid input, end-of-horizon "
                                         "run-down) as an error: exit 2.")]
WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", exists=True, file_okay=False,
    help="Folder that every file named inside the scenario (extend, model, tables) must lie in. "
    "Default: the current folder when the scenario lies below it, else the scenario's folder.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress line while solving.")]
TimeLimitOpt = Annotated[float | None, typer.Option(help="Seconds before the solver stops (at most 1e7).")]
ThreadsOpt = Annotated[int | None, typer.Option(help="Solver threads (at most the usable cores).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show the HiGHS log.")]
TimeBudgetOpt = Annotated[float, typer.Option(help="Seconds to find the conflict of an infeasible case.", min=0.0)]
SourcesArg = Annotated[list[Path], typer.Argument(
    help="Scenario YAML files, result folders written by 'sopopt solve --out', or stored plans of record "
    "DB:CYCLE[:VERSION]. The first is the baseline.")]


