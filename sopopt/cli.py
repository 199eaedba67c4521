"""The ``sopopt`` command line: a thin layer over the library.

Exit codes: 0 success; 2 invalid input (every problem listed with file, line and field);
3 no plan (infeasible, unbounded, time limit without a plan, solver error); 4 a plan was
found but is not proven optimal (time limit). No traceback is shown for any error that
sopopt raises on purpose.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sopopt.errors import ScenarioError, SolverError, SopoptError
from sopopt.results import Plan
from sopopt.solve import SolveOptions

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="sopopt: least-cost sales & operations plans from YAML models (Pyomo + HiGHS).",
)
console = Console()
errors = Console(stderr=True)

EXIT_INVALID = 2
EXIT_NO_PLAN = 3
EXIT_NOT_OPTIMAL = 4


class Method(StrEnum):
    """LP algorithm choices."""

    auto = "auto"
    simplex = "simplex"
    ipm = "ipm"
    pdlp = "pdlp"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario (or model) YAML file.", exists=True, dir_okay=False)]


def fail(exc: SopoptError) -> typer.Exit:
    """Print a sopopt error without a traceback and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    if isinstance(exc, ScenarioError):
        return typer.Exit(EXIT_INVALID)
    if isinstance(exc, SolverError):
        return typer.Exit(EXIT_NO_PLAN)
    return typer.Exit(exc.exit_code)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def print_summary(plan: Plan, top: int = 10) -> None:
    """Status, total cost, breakdown, KPIs and the top bottlenecks."""
    style = "green" if plan.is_optimal else "yellow"
    console.print(f"[bold]{plan.name}[/]: status [{style}]{plan.status.label}[/]")
    if plan.objective is None:
        return
    console.print(f"Total cost: [bold]{_money(plan.objective)} {plan.currency}[/]")
    costs = Table(title="Cost breakdown", show_footer=True)
    costs.add_column("category", footer="total")
    costs.add_column("cost", justify="right", footer=_money(float(plan.costs.sum())))
    costs.add_column("share", justify="right")
    total = float(plan.costs.sum()) or 1.0
    for category, value in plan.costs.items():
        if abs(value) > 1e-9:
            costs.add_row(str(category), _money(value), f"{value / total:.1%}")
    console.print(costs)
    kpis = Table(title="KPIs")
    kpis.add_column("kpi")
    kpis.add_column("value", justify="right")
    percent = {"fill_rate", "service_level"}
    for name, value in plan.kpis.items():
        kpis.add_row(name, f"{value:.1%}" if name in percent else f"{value:,.2f}")
    console.print(kpis)
    top_limits = plan.bottlenecks(top)
    if not top_limits.empty:
        table = Table(title=f"Top bottlenecks (money saved by one more unit, {plan.currency})")
        for column in ("kind", "name", "period", "shadow price", "per"):
            table.add_column(column, justify="right" if column == "shadow price" else "left")
        for row in top_limits.itertuples(index=False):
            table.add_row(row.kind, row.name, row.period, _money(row.shadow_price), row.unit)
        console.print(table)


@app.command()
def solve(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the CSV tables and run.json.")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds before the solver stops.", min=0.001)] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads.", min=1)] = None,
    method: Annotated[Method | None, typer.Option(help="LP algorithm.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the HiGHS log.")] = False,
) -> None:
    """Solve a scenario: print the summary and write every table."""
    from sopopt.planning import solve as solve_case
    from sopopt.report.tables import write_outputs
    from sopopt.scenarios import load_case

    try:
        case = load_case(scenario)
        options = SolveOptions.from_settings(
            case.solver, time_limit=time_limit, threads=threads,
            method=method.value if method else None, verbose=verbose or None,
        )
        plan = solve_case(case, options, raise_on_failure=False)
    except SopoptError as exc:
        raise fail(exc) from None
    print_summary(plan)
    if out is not None:
        written = write_outputs(plan, out)
        console.print(f"Wrote {len(written)} files to {out}")
    if not plan.status.has_plan:
        raise typer.Exit(EXIT_NO_PLAN)
    if not plan.is_optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario without solving; list every problem found."""
    from sopopt.scenarios import load_case

    try:
        case = load_case(scenario)
    except SopoptError as exc:
        raise fail(exc) from None
    n = case.network
    console.print(
        f"[green]valid[/]: {case.source} ({len(case.labels)} periods, {len(n.products)} products, "
        f"{len(n.sites)} sites, {len(n.resources)} resources, {len(n.workforce)} workforce pools, "
        f"{len(n.suppliers)} suppliers, {len(n.lanes)} lanes)"
    )


@app.command()
def show(scenario: ScenarioArg) -> None:
    """Print the fully resolved scenario as YAML (after every extend and adjustment)."""
    from sopopt.scenarios import load_case
    from sopopt.views import show_yaml

    try:
        case = load_case(scenario)
    except SopoptError as exc:
        raise fail(exc) from None
    sys.stdout.write(show_yaml(case))


@app.command()
def diff(a: ScenarioArg, b: ScenarioArg) -> None:
    """List every input that differs between two resolved scenarios."""
    from sopopt.scenarios import load_case
    from sopopt.views import diff_cases

    try:
        differences = diff_cases(load_case(a), load_case(b))
    except SopoptError as exc:
        raise fail(exc) from None
    if not differences:
        console.print("no differences")
        return
    table = Table(title=f"{a} -> {b}: {len(differences)} differences")
    for column in ("input", "period", str(a.name), str(b.name)):
        table.add_column(column)
    for d in differences:
        table.add_row(d.path, d.period, "-" if d.a is None else str(d.a), "-" if d.b is None else str(d.b))
    console.print(table)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the file format (for editor autocompletion)."""
    from sopopt.loading import atomic_write
    from sopopt.views import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    with atomic_write(out) as handle:
        handle.write(text)
    console.print(f"Wrote {out}")


def main() -> None:
    """Entry point of the ``sopopt`` script."""
    app()


if __name__ == "__main__":
    main()
