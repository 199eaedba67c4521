"""``sopopt frontier``: what each step of a target costs (see :mod:`sopopt.analysis.frontier`)."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sopopt.cli.app import QuietOption, ScenarioArg, WorkspaceOpt, app
from sopopt.cli.exits import check_targets, console, errors, fail, stopped
from sopopt.errors import ExitCode, SopoptError


class MeasureChoice(StrEnum):
    """What the frontier moves."""

    fill_rate = "fill_rate"
    revenue = "revenue"
    profit = "profit"
    units = "units"


def _cell(value: float, spec: str = ",.2f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


@app.command("frontier")
def frontier_command(
    scenario: ScenarioArg,
    measure: Annotated[MeasureChoice, typer.Option(help="The target moved across the range.")],
    start: Annotated[float, typer.Option("--from", help="First value of the target (fill rate as a share: 0.8).")],
    stop: Annotated[float, typer.Option("--to", help="Last value of the target (included).")],
    step: Annotated[float, typer.Option(help="Step between points (round((to - from) / step) + 1 points).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Result folder for frontier.csv, run.json (kind "
                                      "frontier) and the first point's plan tables.")],
    product: Annotated[list[str] | None, typer.Option(help="Products in scope (repeat). Absent: all.")] = None,
    family: Annotated[list[str] | None, typer.Option(help="Product families in scope (repeat).")] = None,
    site: Annotated[list[str] | None, typer.Option(help="Sites in scope (repeat).")] = None,
    store: Annotated[Path | None, typer.Option(help="Also add each point to the 'cases' table of this DuckDB "
                                                "database.", dir_okay=False)] = None,
    workspace: WorkspaceOpt = None,
    quiet: QuietOption = False,
) -> None:
    """Draw the cost of a target across a range: one row moved by warm re-solves
    (docs/targets.md). Points out of reach are kept, labelled infeasible with the reason."""
    from sopopt.analysis.frontier import frontier, store_frontier, write_frontier
    from sopopt.cli.progress import ProgressDisplay, signals_raise_interrupted
    from sopopt.inputs.case import load_case

    display = ProgressDisplay(f"frontier of {scenario.name}", console=errors, enabled=not quiet)
    scope = {"product": product or None, "family": family or None, "site": site or None}
    try:
        check_targets(folders=[out], stores=[store])  # refuse before solving, not after
        with signals_raise_interrupted(), display:
            case = load_case(scenario, workspace=workspace)
            try:
                result = frontier(case, measure.value, start, stop, step, scope=scope)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from None
        if store is not None:
            from sopopt.results.store import Store

            with Store(store) as db:
                stored = store_frontier(result, db)
        write_frontier(result, out)
    except KeyboardInterrupt as exc:
        raise stopped(exc, display, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    _print(result)
    console.print(f"Wrote frontier.csv and run.json to {out}" + (f"; stored {stored} points in {store}"
                                                                    if store is not None else ""))
    if not any(p.status == "optimal" for p in result.points):
        raise typer.Exit(ExitCode.NO_PLAN)


def _print(result: object) -> None:
    table = Table(title=f"Frontier of {result.measure} ({result.solves} solves, {result.seconds:.1f} s)")  # type: ignore[attr-defined]
    for header in ("target", "status", f"total cost ({result.currency})", "marginal / step",  # type: ignore[attr-defined]
                   f"per {result.unit}", "binding limit", "marginal lever"):  # type: ignore[attr-defined]
        table.add_column(header, overflow="fold")
    for p in result.points:  # type: ignore[attr-defined]
        table.add_row(f"{p.target:g}", p.status if not p.reason else f"{p.status}: {p.reason}", _cell(p.total_cost),
                      _cell(p.marginal_per_step), _cell(p.marginal_per_unit), p.binding_limit, p.marginal_lever)
    console.print(table)
