"""The ``sopopt`` command line: parses arguments, calls the library, turns errors into exits.

No traceback is shown for any error that sopopt raises on purpose: one line per problem,
naming the file. Exit codes (:data:`sopopt.errors.EXIT_CODES`):
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from sopopt.cli.cycle import add_commands as add_cycle_commands
from sopopt.errors import (
    EXIT_CODES,
    DataWarning,
    ExitCode,
    Interrupted,
    Location,
    Problem,
    ScenarioError,
    SolverError,
    SopoptError,
    StrictError,
)
from sopopt.results.plan import Plan
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import SolveStatus

if TYPE_CHECKING:
    import pandas as pd

    from sopopt.analysis.cases import Sweep
    from sopopt.analysis.explain_plan import PlanExplanation
    from sopopt.analysis.frontier import Frontier
    from sopopt.analysis.hedge import HedgedPlan
    from sopopt.analysis.replan import Replanned
    from sopopt.analysis.sweep import SweepProgress
    from sopopt.inputs.case import Case

__doc__ = (__doc__ or "") + "".join(f"\n- {code} {meaning};" for code, meaning in EXIT_CODES.items())


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
                sys.exit(int(getattr(exc, "exit_code", EXIT_INVALID)))
            ctx = getattr(exc, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            message = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split())
            errors.print(f"[bold red]error:[/] {escape(message)}{where}", markup=True, highlight=False,
                         soft_wrap=True)
            sys.exit(int(getattr(exc, "exit_code", EXIT_INVALID)))
        except typer.Abort:
            errors.print("aborted", markup=False)
            sys.exit(1)
        except BrokenPipeError:
            raise
        except OSError as exc:  # an OS error no command turned into its own message: still one line
            from sopopt.io.writer import output_error

            errors.print(f"error: {output_error(exc.filename or '?', exc)}", markup=False, highlight=False,
                         soft_wrap=True)
            sys.exit(ExitCode.OUTPUT)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    add_completion=False,
    help="sopopt: least-cost sales & operations plans from YAML models (Pyomo + HiGHS).",
)
class _PipeConsole(Console):
    """A console that ends quietly with exit 0 when its reader goes away (``| head``)."""

    def on_broken_pipe(self) -> None:
        """Stop printing and exit 0: the reader has all it wanted."""
        self.quiet = True
        _quiet_stdout()
        raise SystemExit(ExitCode.OK)


console = _PipeConsole()
errors = _PipeConsole(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        from sopopt.version import __version__

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

EXIT_INVALID = ExitCode.INVALID
EXIT_NO_PLAN = ExitCode.NO_PLAN
EXIT_NOT_OPTIMAL = ExitCode.NOT_OPTIMAL


class BuildPath(StrEnum):
    """How the LP is built (both give the same LP)."""

    fast = "fast"
    pyomo = "pyomo"


class RangesChoice(StrEnum):
    """Which limits a solve ranges (see docs/kpis.md)."""

    shown = "shown"
    all = "all"


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


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario (or model) YAML file.", exists=True, dir_okay=False)]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Treat every warning (odd but valid input, end-of-horizon run-down) as an "
                 "error: exit 2."),
]
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        help="Folder that every file named inside the scenario (extend, model, tables) must lie in. "
        "Default: the current folder when the scenario lies below it, else the scenario's folder.",
        exists=True, file_okay=False,
    ),
]


def fail(exc: SopoptError) -> typer.Exit:
    """Print a sopopt error without a traceback and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(int(exc.exit_code))


def print_warnings(warnings: Sequence[DataWarning], prefix: str = "") -> None:
    """Print warnings on stderr, one line each with file:line where there is one."""
    for warning in warnings:
        errors.print(f"[bold yellow]warning:[/] {escape(f'{prefix}{warning}')}", markup=True, highlight=False,
                     soft_wrap=True)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def mip_line(plan: Plan) -> str:
    """One line on a plan with integer decisions: the gap reached against the gap asked
    for, and what its shadow prices are."""
    gap, asked = plan.info.get("mip_gap"), plan.info.get("mip_gap_tolerance")
    reached = "unknown" if gap is None else f"{100 * gap:.4g}%"
    prices = plan.info.get("duals_from")
    where = f"; shadow prices from the {prices}" if prices else ""
    return (f"Integer decisions (whole workers, lot sizes): MIP gap reached {reached} "
            f"(asked {100 * (asked or 0):.4g}%), {plan.info.get('mip_nodes', 0)} branch-and-bound nodes{where}")


def print_summary(plan: Plan, top: int = 10) -> None:
    """Status, total cost, breakdown, KPIs and the top bottlenecks."""
    style = "green" if plan.is_optimal else "yellow"
    console.print(f"[bold]{plan.name}[/]: status [{style}]{plan.status_text}[/]")
    if plan.info.get("mip"):
        console.print(mip_line(plan))
    size = solve_size_line(plan)
    if size is not None:
        console.print(size, highlight=False)
    if plan.objective is None:
        return
    console.print(f"Total cost: [bold]{_money(plan.objective)} {plan.currency}[/]")
    if "profit" in plan.kpis:
        console.print(f"Profit: [bold]{_money(plan.kpis['profit'])} {plan.currency}[/] "
                      f"(revenue {_money(plan.kpis['revenue'])}; a lost sale counts once, as revenue not earned)")
    print_costs_and_kpis(plan)
    print_bottlenecks(plan, top)
    if "targets" in plan.tables:
        from sopopt.results.targets import target_sentences

        print_sentences(target_sentences(plan.tables["targets"], plan.currency))


def print_costs_and_kpis(plan: Plan) -> None:
    """The cost breakdown and the KPIs, named and united as ``sopopt compare`` shows them."""
    from sopopt.model.registry import COST_LABELS
    from sopopt.report.compare import format_value, kpi_metrics

    costs = Table(title=f"Cost breakdown ({plan.currency})", show_footer=True)
    costs.add_column("category", footer="Total cost")
    costs.add_column("cost", justify="right", footer=_money(float(plan.costs.sum())))
    costs.add_column("share", justify="right")
    total = float(plan.costs.sum()) or 1.0
    for category, value in plan.costs.items():
        if abs(value) > 1e-9:
            costs.add_row(COST_LABELS.get(str(category), str(category)), _money(value), f"{value / total:.1%}")
    console.print(costs)
    kpis = Table(title="KPIs")
    kpis.add_column("measure")
    kpis.add_column("value", justify="right")
    kpis.add_column("unit")
    known = {m.key: (m.label, m.unit) for m in kpi_metrics(plan.currency, [plan])}
    for key, value in plan.kpis.items():
        label, unit = known.get(key) or _plain_metric(key, plan.currency)
        kpis.add_row(label, format_value(value, unit), unit)
    console.print(kpis)


def _plain_metric(key: str, currency: str) -> tuple[str, str]:
    """Label and unit of a KPI that the comparison does not list (e.g. ``shipped_units``)."""
    words = key.split("_")
    unit = {"units": "units", "value": currency, "hours": "hours", "cost": currency}.get(words[-1], "")
    if unit == "units":
        words = words[:-1]
    return " ".join(words).capitalize(), unit


def _range_end(value: float) -> str:
    if math.isnan(value):
        return "unknown"
    return "no end" if math.isinf(value) else f"{value:+,.2f}"


def print_bottlenecks(plan: Plan, top: int = 10) -> None:
    """The dearest binding limits with the range over which each price holds."""
    top_limits = plan.bottlenecks(top)
    if top_limits.empty:
        return
    table = Table(title=f"Top bottlenecks (money saved by one unit more room, {plan.currency})")
    for column in ("kind", "name", "period", "shadow price", "per", "holds from", "to"):
        table.add_column(column, justify="right" if column in ("shadow price", "holds from", "to") else "left")
    for row in top_limits.itertuples(index=False):
        per = f"{row.unit} less" if getattr(row, "sense", "max") == "min" else row.unit
        table.add_row(row.kind, row.name, row.period, _money(row.shadow_price), per,
                      _range_end(float(row.range_down)), _range_end(float(row.range_up)))
    console.print(table)
    notes = sorted({str(n) for n in top_limits["range_note"] if str(n)})
    for note in notes:
        console.print(f"Ranges: {note}.")


StoreWaitOpt = Annotated[float, typer.Option(
    help="Seconds to wait for a --store that another run holds, then exit 5 (store busy).", min=0, max=86400)]
#: Default of ``--store-wait``.
STORE_WAIT = 60.0

QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress line while solving.")]


def stopped(exc: KeyboardInterrupt, display: object | None = None, out: Path | None = None) -> typer.Exit:
    """Print the one line that says what a signal stopped; the exit to raise (130/143)."""
    import signal

    interrupted = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
    what = interrupted.what
    last = getattr(display, "last", None)
    if not what and last is not None:
        what = f"{last.phase.value}" + (f", {last.iterations} iterations" if last.iterations is not None else "")
    from sopopt.io.writer import was_swapped_in

    if out is not None and was_swapped_in(out):  # stopped after the new folder was in place
        errors.print(f"sopopt: interrupted by {interrupted.signal_name} after writing {out}: the new result is in "
                     "place", markup=False, highlight=False, soft_wrap=True)
        return typer.Exit(interrupted.exit_code)
    kept = f"; {out} left as it was" if out is not None else ""
    errors.print(f"sopopt: interrupted by {interrupted.signal_name} during {what or 'start-up'}: "
                 f"status interrupted, no plan{kept}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(interrupted.exit_code)


def solve_size_line(plan: Plan) -> str | None:
    """LP size, algorithm, iterations and time of a solve, in one line."""
    info = plan.info
    if not info.get("columns"):
        return None
    algorithm = {"ipm": "interior point", "simplex": "simplex", "choose": "dual simplex", "pdlp": "PDLP"}.get(
        str(info.get("highs_solver")), str(info.get("highs_solver")))
    iterations = max(0, int(info.get("ipm_iterations") or 0)) or int(info.get("simplex_iterations") or 0)
    return (f"LP {info['rows']:,} x {info['columns']:,} ({info.get('nonzeros', 0):,} nonzeros), {algorithm}: "
            f"{iterations:,} iterations in {float(info.get('solve_seconds', 0.0)):.1f} s "
            f"({float(info.get('total_seconds', 0.0)):.1f} s in all)")


@app.command()
def solve(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the CSV tables and run.json "
                                             "(replaced whole; must be a result folder if it exists).")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds before the solver stops (at most 1e7).")] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads (at most the usable cores).")] = None,
    method: Annotated[Method | None, typer.Option(help="LP algorithm.")] = None,
    build: Annotated[BuildPath, typer.Option(help="Build the LP with numpy (fast) or as a Pyomo model.")] = BuildPath.fast,
    ranges: Annotated[RangesChoice, typer.Option(
        help="Range the limits shown (the bottlenecks) or all binding limits (every range in shadow_prices.csv)."
    )] = RangesChoice.shown,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the HiGHS log.")] = False,
    time_budget: Annotated[
        float, typer.Option(help="Seconds to find the conflict of an infeasible case.", min=0.0)
    ] = 60.0,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    store: Annotated[Path | None, typer.Option(
        help="Also add the result to the 'runs' table of this DuckDB database (created if absent).",
        dir_okay=False)] = None,
    label: Annotated[str | None, typer.Option(help="Label of the run in --store, e.g. the planning cycle.")] = None,
    store_wait: StoreWaitOpt = STORE_WAIT,
    quiet: QuietOption = False,
) -> None:
    """Solve a scenario: print the summary and write every table (an infeasible case:
    why it has no plan, see ``sopopt explain``)."""
    from sopopt.analysis.planner import Planner
    from sopopt.cli.progress import ProgressDisplay, signals_raise_interrupted
    from sopopt.inputs.case import load_case
    from sopopt.results.folders import write_outputs

    display = ProgressDisplay(f"solving {scenario.name}", console=errors, enabled=not quiet and not verbose)
    try:
        _check_targets(folders=[out], stores=[store])  # refuse before solving, not after
        with signals_raise_interrupted():
            with display:
                case = load_case(scenario, workspace=workspace, strict=strict)
                options = SolveOptions.from_settings(
                    case.solver, time_limit=time_limit, threads=threads,
                    method=method.value if method else None, verbose=verbose or None, on_progress=display.update,
                )
                planner = Planner(options, build.value, time_budget=time_budget, ranges=ranges.value)
                plan = planner.solve(case, raise_on_failure=False)
            print_summary(plan)
            if strict and plan.warnings:
                raise StrictError(list(plan.warnings))
            print_warnings(plan.warnings)
            _print_explanation(plan)
            written = write_outputs(plan, out) if out is not None else []
    except KeyboardInterrupt as exc:
        raise stopped(exc, display, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    if out is not None:
        what = f"{len(written)} files" if plan.status.has_plan else "run.json only (no plan, so no tables)"
        console.print(f"Wrote {what} to {out}")
    if store is not None:
        _store_run(store, case, plan, label, options.time_limit, store_wait)
    if not plan.status.has_plan:
        raise typer.Exit(EXIT_NO_PLAN)
    if not plan.is_optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)


def _say(line: str) -> None:
    """One line on stderr (a wait for the store, a migration)."""
    errors.print(line, markup=False, highlight=False, soft_wrap=True)


def _store_run(store: Path, case: Case, plan: Plan, label: str | None, time_limit: float | None,
               wait: float) -> None:
    """Add a solve to the ``runs`` table of a results database (waiting up to ``wait``
    seconds while another process holds it)."""
    from sopopt.analysis.cases import input_hash
    from sopopt.io.paths import display_path
    from sopopt.results.cycle import record_solved
    from sopopt.results.store import Store

    try:
        with Store(store, wait=wait, say=_say) as db:
            run_id = db.add_run(plan, display_path(case.source), input_hash(case, time_limit), label)
            version = record_solved(db, plan, label) if label and plan.status.has_plan else None
    except SopoptError as exc:
        raise fail(exc) from None
    console.print(f"Stored as run {run_id} in {store}" + (f" (label {label})" if label else ""))
    if version is not None:
        console.print(f"Recorded as draft version {version} of cycle {label} (sopopt store plans {store})")


def _print_explanation(plan: Plan) -> None:
    """Print why an infeasible case has no plan (the planner's explanation), or why it
    could not be explained."""
    if plan.explanation is not None:
        print_sentences(plan.explanation.sentences())
    elif error := plan.info.get("explanation_error"):
        errors.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)


def _with_explanation(plan: Plan, workspace: Path | None = None) -> Plan:
    """An infeasible plan solved from a scenario file, carrying why it has no plan."""
    from sopopt.analysis.planner import EXPLAINED, Planner
    from sopopt.inputs.case import load_case

    scenario = plan.info.get("scenario")
    if plan.explanation is not None or not scenario or plan.status not in EXPLAINED:
        return plan
    return Planner().explained(load_case(scenario, workspace=workspace), plan)


def print_sentences(sentences: list[str]) -> None:
    """Print an explanation's sentences (plain text, no markup)."""
    for line in sentences:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def explain(
    scenario: ScenarioArg,
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    period: Annotated[str | None, typer.Option(help="Only this period.")] = None,
    resource: Annotated[str | None, typer.Option(help="Only this resource.")] = None,
    crew: Annotated[str | None, typer.Option(help="Only this workforce pool.")] = None,
    time_budget: Annotated[
        float, typer.Option(help="Seconds to find the conflict of an infeasible case.", min=0.0)
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    strict: StrictOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Explain a case: why it has no plan (the conflicting limits with the file and line
    that set them, and what would have to give), or why its plan is what it is."""
    from sopopt.analysis.explain_plan import explain as explain_case
    from sopopt.inputs.case import load_case

    try:
        result = explain_case(
            load_case(scenario, workspace=workspace, strict=strict), product=product, site=site, period=period, resource=resource, crew=crew,
            time_budget=time_budget,
        )
    except SopoptError as exc:
        raise fail(exc) from None
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        print_sentences(result.sentences())


@app.command()
def validate(scenario: ScenarioArg, workspace: WorkspaceOpt = None, strict: StrictOpt = False) -> None:
    """Check a scenario without solving; list every problem found, then every warning."""
    from sopopt.inputs.case import load_case

    try:
        case = load_case(scenario, workspace=workspace, strict=strict)
    except SopoptError as exc:
        raise fail(exc) from None
    n = case.network
    console.print(
        f"[green]valid[/]: {case.source} ({len(case.labels)} periods, {len(n.products)} products, "
        f"{len(n.sites)} sites, {len(n.resources)} resources, {len(n.workforce)} workforce pools, "
        f"{len(n.suppliers)} suppliers, {len(n.lanes)} lanes)"
    )
    print_warnings(case.warnings)


@app.command()
def show(scenario: ScenarioArg, workspace: WorkspaceOpt = None, strict: StrictOpt = False) -> None:
    """Print the fully resolved scenario as YAML (after every extend and adjustment)."""
    from sopopt.inputs.case import load_case
    from sopopt.inputs.views import show_yaml

    try:
        case = load_case(scenario, workspace=workspace, strict=strict)
    except SopoptError as exc:
        raise fail(exc) from None
    sys.stdout.write(show_yaml(case))
    print_warnings(case.warnings)


@app.command()
def diff(a: ScenarioArg, b: ScenarioArg, workspace: WorkspaceOpt = None, strict: StrictOpt = False) -> None:
    """List every input that differs between two resolved scenarios."""
    from sopopt.inputs.case import load_case
    from sopopt.inputs.views import diff_cases

    try:
        differences = diff_cases(load_case(a, workspace=workspace, strict=strict),
                                 load_case(b, workspace=workspace, strict=strict))
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
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write model.yaml and demand.csv into.")],
    products: Annotated[int | None, typer.Option(help="Number of products.", min=1)] = None,
    sites: Annotated[int | None, typer.Option(help="Number of sites (a third are plants).", min=1)] = None,
    periods: Annotated[int | None, typer.Option(help="Number of periods.", min=1)] = None,
    variables: Annotated[float | None, typer.Option(help="Pick products/sites/periods for about this many LP columns.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same instance).")] = 0,
    infeasible: Annotated[
        InfeasibleCause | None, typer.Option(help="Plant a conflict of this kind: the case has no feasible plan.")
    ] = None,
    integer: Annotated[
        bool, typer.Option("--integer", help="Whole workers and minimum lot sizes with setups (a MIP).")
    ] = False,
    routings: Annotated[
        int, typer.Option(help="Alternate routings per made product on a third of the products (2 or more).", min=0)
    ] = 0,
    levels: Annotated[
        int, typer.Option(help="Depth of the bill (products made from products) on a third of the products.", min=1)
    ] = 1,
) -> None:
    """Write a synthetic, seeded S&OP instance that uses every lever of the model."""
    from sopopt.inputs.generate import size_for_variables, write_instance
    from sopopt.io.writer import check_replaceable

    if variables is not None:
        products, sites, periods = size_for_variables(variables)
    if products is None or sites is None or periods is None:
        errors.print("[bold red]error:[/] give --products, --sites and --periods, or --variables")
        raise typer.Exit(EXIT_INVALID)
    try:
        check_replaceable(out)
        path = write_instance(out, products, sites, periods, seed, infeasible=infeasible.value if infeasible else None,
                              integer=integer, routings=routings, levels=levels)
    except SopoptError as exc:
        raise fail(exc) from None
    planted = (f", infeasible: {infeasible.value}" if infeasible else "") + (", integer" if integer else "")
    planted += f", {routings} routings" if routings >= 2 else ""
    planted += f", {levels}-level bills" if levels >= 2 else ""
    for written in (path, path.parent / "demand.csv"):
        console.print(f"Wrote {written}", highlight=False)
    console.print(f"{products} products x {sites} sites x {periods} periods, seed {seed}{planted}", highlight=False)
    console.print(_lp_size(path), highlight=False)


def _lp_size(path: Path) -> str:
    """The size of the LP a generated case builds (by building it)."""
    from sopopt.analysis.planner import Planner
    from sopopt.inputs.case import load_case

    try:
        lp = Planner().build(load_case(path, workspace=path.parent))
    except SopoptError as exc:
        return f"LP not built: {exc}"
    return f"LP: {lp.num_row:,} rows x {lp.num_col:,} columns, {lp.nonzeros:,} nonzeros"


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    sweep: Annotated[bool, typer.Option("--sweep", help="The schema of sweep files instead.")] = False,
) -> None:
    """Print the JSON Schema of the file format (for editor autocompletion)."""
    from sopopt.inputs.views import json_schema, sweep_json_schema
    from sopopt.io.writer import write_text

    text = json.dumps(sweep_json_schema() if sweep else json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        write_text(out, text)
    except SopoptError as exc:
        raise fail(exc) from None
    console.print(f"Wrote {out}")


SourcesArg = Annotated[
    list[Path],
    typer.Argument(help="Scenario YAML files, result folders written by 'sopopt solve --out', or stored plans "
                        "of record DB:CYCLE[:VERSION]. The first is the baseline."),
]


def _print_plan_warnings(plans: list[Plan]) -> None:
    """Every plan's warnings, each line prefixed with the plan's name."""
    for plan in plans:
        print_warnings(plan.warnings, f"{plan.name}: ")


def _exit_for(plans: list[Plan]) -> None:
    """Exit 3 if a plan is missing, 4 if a plan is not proven optimal."""
    if any(not p.status.has_plan for p in plans):
        raise typer.Exit(EXIT_NO_PLAN)
    if any(not p.is_optimal for p in plans):
        raise typer.Exit(EXIT_NOT_OPTIMAL)


def _fitting_pages(build: Callable[[list[str]], Table], names: list[str], width: int) -> list[list[str]]:
    """Split ``names`` into pages, each as many as fit ``width`` at their natural width
    when ``build`` makes a table of them (at least one per page)."""
    from rich.measure import Measurement

    pages: list[list[str]] = []
    page: list[str] = []
    for name in names:
        trial = [*page, name]
        if page and Measurement.get(console, console.options.update(width=10_000), build(trial)).maximum > width:
            pages.append(page)
            trial = [name]
        page = trial
    return [*pages, page]


def _number_column(table: Table, header: str, cells: list[str]) -> None:
    """A right-aligned column never narrower than its longest number (so numbers are
    never cut); its header and any text cells wrap instead."""
    numbers = [c for c in cells if c and (c[-1].isdigit() or c.endswith(("%", "pts")))]
    table.add_column(header, justify="right", min_width=max(map(len, numbers), default=1))


def _comparison_cells(frame: pd.DataFrame, key: str, name: str, baseline: bool) -> list[str]:
    """The cells of one plan in one row: value, or value, change and relative change."""
    from sopopt.report.compare import format_relative, format_value, judge

    row = frame.loc[key]
    unit = str(row["unit"])
    cells = [format_value(row[name], unit)]
    if baseline:
        return cells
    if key == "status":
        return [*cells, "", ""]
    colour = {"better": "green", "worse": "red"}.get(judge(row[f"{name} Δ"], str(row["better"])), "")
    change = format_value(row[f"{name} Δ"], unit, delta=True)
    relative = "" if unit == "%" else format_relative(row[f"{name} Δ%"])
    return [*cells, f"[{colour}]{change}[/]" if colour else change, f"[{colour}]{relative}[/]" if colour else relative]


def _comparison_table(frame: pd.DataFrame, names: list[str], others: list[str], keys: list[str], title: str) -> Table:
    """The side-by-side table of the baseline and the plans ``others``."""
    from rich import box
    from rich.text import Text

    from sopopt.report.compare import GROUP_TITLES

    table = Table(title=title, box=box.SIMPLE_HEAD,
                  caption="cost categories that are zero in every plan are hidden; green better, red worse")
    table.add_column("measure", min_width=16, max_width=30)
    table.add_column("unit", style="dim", no_wrap=True)
    columns: list[tuple[str, list[str]]] = [(f"{names[0]} (baseline)", [])]
    for name in others:
        columns += [(name, []), ("change", []), ("%", [])]
    body: list[list[str] | None] = []
    group = None
    for key in keys:
        if frame.loc[key, "group"] != group:
            group = frame.loc[key, "group"]
            body.append(None)
            body.append([f"[bold]{GROUP_TITLES.get(str(group), str(group))}[/]"])
        cells = _comparison_cells(frame, key, names[0], True)
        for name in others:
            cells += _comparison_cells(frame, key, name, False)
        for (_, column), cell in zip(columns, cells, strict=True):
            column.append(Text.from_markup(cell).plain if key != "status" else "")
        body.append([str(frame.loc[key, "metric"]), str(frame.loc[key, "unit"]), *cells])
    for header, cells in columns:
        _number_column(table, header, cells)
    for cells in body:
        if cells is None:
            table.add_section()
        else:
            table.add_row(*cells)
    return table


def print_comparison(plans: list[Plan], top: int = 10) -> None:
    """The side-by-side table (deltas against the first plan) and the biggest changes.

    Fits the terminal: the plans are paged (the measures and the baseline repeated on
    each page) rather than any number cut or a row wrapped past the edge.
    """
    from sopopt.report.compare import compare_plans, plan_names

    frame = compare_plans(plans)
    names = plan_names(plans)
    zero = {k for k in frame.index if k.startswith("cost:")
            and all(isinstance(v, float) and (v != v or abs(v) < 1e-9) for v in frame.loc[k, names])}
    keys = [k for k in frame.index if k not in zero]
    heading = f"{len(plans)} plans; changes against the baseline {names[0]}"
    pages = _fitting_pages(lambda others: _comparison_table(frame, names, others, keys, heading), names[1:],
                           console.width)
    for number, others in enumerate(pages, 1):
        title = heading + (f" (page {number} of {len(pages)})" if len(pages) > 1 else "")
        console.print(_comparison_table(frame, names, others, keys, title))
    for plan, name in zip(plans[1:], names[1:], strict=True):
        _print_changes(plans[0], plan, names[0], name, top)


def _print_changes(base: Plan, plan: Plan, base_name: str, name: str, top: int) -> None:
    """Where ``plan`` differs most from the baseline, product by product."""
    from sopopt.report.compare import plan_differences

    diff = plan_differences(base, plan, top=top)
    if diff.empty:
        return
    changes = Table(title=f"Biggest changes: {name} against {base_name} (units)")
    for column in ("product", "site", "period", "measure"):
        changes.add_column(column)
    numbers = [[f"{r.a:,.1f}" for r in diff.itertuples()], [f"{r.b:,.1f}" for r in diff.itertuples()],
               [f"{r.change:+,.1f}" for r in diff.itertuples()]]
    for header, cells in zip((base_name, name, "change"), numbers, strict=True):
        _number_column(changes, header, cells)
    for row, a, b, change in zip(diff.itertuples(index=False), *numbers, strict=True):
        changes.add_row(str(row.product), str(row.site), str(row.period), str(row.measure), a, b, change)
    console.print(changes)


@app.command()
def compare(
    sources: SourcesArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for comparison.csv, cost_bridge.csv, "
                                             "differences.csv and each plan's tables.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write an Excel workbook here.")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    top: Annotated[int, typer.Option(help="Rows of biggest changes to print per plan.", min=0)] = 10,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Solve (or read back) several plans and print them side by side."""
    from sopopt.report.compare import write_comparison
    from sopopt.report.excel import write_workbook
    from sopopt.report.html import write_html_report

    try:
        _check_targets(folders=[out], files={"--xlsx": xlsx, "--html": html})
        plans = [plan for source in sources for plan in _compare_plans(source, workspace, strict)]
        print_comparison(plans, top)
        written = write_comparison(plans, out) if out is not None else []
        if xlsx is not None:
            written.append(write_workbook(plans, xlsx))
        if html is not None:
            written.append(write_html_report(plans, html))
    except SopoptError as exc:
        raise fail(exc) from None
    _print_plan_warnings(plans)
    if out is not None:
        console.print(f"Wrote {len(written) - (xlsx is not None) - (html is not None)} files to {out}")
    for path in (xlsx, html):
        if path is not None:
            console.print(f"Wrote {path}")
    _exit_for(plans)


def _check_targets(folders: Sequence[Path | None] = (), files: dict[str, Path | None] | None = None,
                   stores: Sequence[Path | None] = ()) -> None:
    """Refuse output targets before any work: a folder that is not sopopt's own, a file
    target that is a folder (see :mod:`sopopt.io.writer`), a store that is not a DuckDB
    database (a CSV or JSON file: see :mod:`sopopt.results.store`)."""
    from sopopt.io.writer import check_file_target, check_replaceable
    from sopopt.results.store import check_store

    for store in stores:
        if store is not None:
            check_store(store)

    for folder in folders:
        if folder is not None:
            check_replaceable(folder)
    for option, path in (files or {}).items():
        if path is not None:
            check_file_target(path, option)


def _compare_plans(source: Path, workspace: Path | None, strict: bool) -> list[Plan]:
    """The plans a compare source stands for: every case of a hedge folder, else one."""
    from sopopt.analysis.hedge import is_hedge_folder, read_hedge
    from sopopt.analysis.planner import load_plans

    if source.is_dir() and is_hedge_folder(source):
        return read_hedge(source).plans
    return load_plans([source], workspace=workspace, strict=strict)


def _report_sources(
    sources: list[Path], workspace: Path | None, strict: bool = False
) -> tuple[list[Plan], list[HedgedPlan | PlanExplanation | Replanned | Frontier]]:
    """Plans to report, in order, and the analysis results among the sources: a folder
    written by ``sopopt hedge --out`` gives its hedged plan and every case's plan; one
    written by ``sopopt replan --out`` its changes, the previous plan and the new one; a
    scenario file its plan and the causes of its costliest shortages and overtime.
    With ``strict``, a plan with warnings raises :class:`~sopopt.errors.StrictError`."""
    from sopopt.analysis.frontier import is_frontier_folder, read_frontier
    from sopopt.analysis.hedge import is_hedge_folder, read_hedge
    from sopopt.analysis.planner import load_plans
    from sopopt.analysis.replan import is_replan_folder, read_replan

    plans: list[Plan] = []
    analyses: list[HedgedPlan | PlanExplanation | Replanned | Frontier] = []
    for source in sources:
        if source.is_dir() and is_hedge_folder(source):
            result = read_hedge(source)
            analyses.append(result)
            plans.extend(result.plans)
        elif source.is_dir() and is_frontier_folder(source):
            drawn = read_frontier(source)
            analyses.append(drawn)
            plans.extend([drawn.plan] if drawn.plan is not None else [])
        elif source.is_dir() and is_replan_folder(source):
            replanned = read_replan(source)
            analyses.append(replanned)
            plans.extend([replanned.previous, replanned.plan] if replanned.previous is not replanned.plan
                         else [replanned.plan])
        elif source.is_dir():
            plans.extend(_with_explanation(plan, workspace)
                         for plan in load_plans([source], workspace=workspace, strict=strict))
        else:
            plan, explanation = _explained(source, workspace, strict)
            plans.append(plan)
            if explanation is not None:
                analyses.append(explanation)
    return plans, analyses


def _explained(source: Path, workspace: Path | None, strict: bool = False) -> tuple[Plan, PlanExplanation | None]:
    """A scenario's plan with the causes of its costliest cells (one solve: the
    explanation keeps the basis); a case without an optimal plan gets no causes. With
    ``strict``, warnings of the case or its plan raise :class:`~sopopt.errors.StrictError`."""
    from sopopt.analysis.explain_plan import explain_plan
    from sopopt.analysis.planner import solve as solve_case
    from sopopt.inputs.case import load_case

    case = load_case(source, workspace=workspace, strict=strict)
    try:
        explanation = explain_plan(case)
    except SolverError:  # infeasible, unbounded, stopped by the time limit
        return _with_explanation(solve_case(case, raise_on_failure=False, strict=strict), workspace), None
    if strict and explanation.plan.warnings:
        raise StrictError(list(explanation.plan.warnings))
    return explanation.plan, explanation


@app.command()
def report(
    sources: SourcesArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write (self-contained, opens offline).")],
    xlsx: Annotated[Path | None, typer.Option(help="Also write an Excel workbook here.")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Write an HTML report (and optionally a workbook) for one or several plans."""
    from sopopt.report.excel import write_workbook
    from sopopt.report.html import write_html_report

    try:
        _check_targets(files={"--out": out, "--xlsx": xlsx})
        plans, analyses = _report_sources(sources, workspace, strict)
        write_html_report(plans, out, title, analyses)
        if xlsx is not None:
            write_workbook(plans, xlsx)
    except SopoptError as exc:
        raise fail(exc) from None
    for plan in plans:
        style = "green" if plan.is_optimal else "yellow"
        console.print(f"[bold]{plan.name}[/]: [{style}]{plan.status_text}[/]"
                      + (f", total cost {_money(plan.objective)} {plan.currency}" if plan.objective is not None else ""))
    _print_plan_warnings(plans)
    console.print(f"Wrote {out}" + (f" and {xlsx}" if xlsx is not None else ""))
    _exit_for(plans)


def _parse_weights(text: str | None) -> list[float] | None:
    """``0.5,0.3,0.2`` as numbers (exit 2 on a malformed list)."""
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        errors.print(f"[bold red]error:[/] --weights: expected numbers separated by commas, got {text!r}",
                     highlight=False)
        raise typer.Exit(EXIT_INVALID) from None


def print_hedge(result: HedgedPlan) -> None:
    """The hedged plan's status, commitment, per-case figures, EVPI and VSS."""
    from sopopt.report.sentences import hedge_sentences

    style = "green" if result.status is SolveStatus.OPTIMAL else "yellow"
    console.print(f"[bold]hedged plan[/] over {len(result.names)} cases, committing "
                  f"{result.commit} period(s): status [{style}]{result.status.label}[/]")
    if not result.has_plan:
        for sentence in hedge_sentences(result)[1:]:
            console.print(sentence, highlight=False)
        return
    cur = result.currency
    table = Table(title=f"Cases ({cur})")
    for column in ("case", "weight", "cost", "cost on its own", "profit", "fill rate", "lost", "backlogged"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for row in result.figures().itertuples(index=False):
        table.add_row(row.case, f"{row.weight:.3f}", _money(row.cost), _optional_money(row.own_cost),
                      _optional_money(row.profit), f"{row.fill_rate:.1%}", f"{row.lost_units:,.1f}",
                      f"{row.backlogged_units:,.1f}")
    console.print(table)
    commitment = result.commitment
    if not commitment.empty:
        totals = commitment.groupby(["decision", "period"], sort=False)["value"].sum().reset_index()
        summary = Table(title="Commitment (totals; every row in commitment.csv)")
        for column in ("decision", "period", "total"):
            summary.add_column(column, justify="right" if column == "total" else "left")
        for row in totals.itertuples(index=False):
            summary.add_row(str(row.decision), str(row.period), f"{row.value:,.2f}")
        console.print(summary)
    for sentence in hedge_sentences(result):
        console.print(sentence, highlight=False)


def _optional_money(value: float | None) -> str:
    return "-" if value is None or value != value else _money(value)


@app.command("hedge")
def hedge_command(
    scenarios: Annotated[list[Path], typer.Argument(help="Two or more scenario files: the demand cases.",
                                                    exists=True, dir_okay=False)],
    weights: Annotated[str | None, typer.Option(help="One weight per case, e.g. 0.5,0.3,0.2 (normalised). "
                                                "Default: equal.")] = None,
    commit: Annotated[int, typer.Option(help="Periods committed now, the same in every case.", min=0)] = 1,
    firm_headcount: Annotated[bool, typer.Option("--firm-headcount",
                                                 help="Hires and layoffs common over the whole horizon.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for hedge.json, commitment.csv and "
                                             "one result folder per case.")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds before the solver stops (at most 1e7).")] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads (at most the usable cores).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the HiGHS log.")] = False,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOption = False,
) -> None:
    """One plan across demand cases: commit the first periods now, with EVPI and VSS."""
    from sopopt.analysis.hedge import hedge, write_hedge
    from sopopt.cli.progress import ProgressDisplay, signals_raise_interrupted
    from sopopt.inputs.case import load_case

    parsed = _parse_weights(weights)
    display = ProgressDisplay(f"hedging {len(scenarios)} cases", console=errors, enabled=not quiet and not verbose)
    try:
        _check_targets(folders=[out])
        with signals_raise_interrupted(), display:
            cases = [load_case(path, workspace=workspace, strict=strict) for path in scenarios]
            options = SolveOptions.from_settings(cases[0].solver, time_limit=time_limit, threads=threads,
                                                 verbose=verbose or None, on_progress=display.update)
            result = hedge(cases, parsed, commit, firm_headcount=firm_headcount, options=options)
    except KeyboardInterrupt as exc:
        raise stopped(exc, display, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    print_hedge(result)
    print_warnings([w for case in cases for w in case.warnings])
    if out is not None:
        try:
            written = write_hedge(result, out)
        except SopoptError as exc:
            raise fail(exc) from None
        console.print(f"Wrote {len(written)} files to {out}")
    _exit_for(result.plans)


@app.command("risk")
def risk_command(
    scenario: ScenarioArg,
    samples: Annotated[int, typer.Option(help="Demand draws.", min=1, max=1_000_000)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the draws: the same seed gives the same numbers.", min=0)] = 0,
    demand_cv: Annotated[float | None, typer.Option(help="Forecast error as a share of the forecast, e.g. 0.2.",
                                                    min=0.0, max=100.0)] = None,
    errors_table: Annotated[Path | None, typer.Option("--errors", help="CSV or Excel table of forecast errors: "
                                                      "columns product, site, sd.", exists=True,
                                                      dir_okay=False)] = None,
    commit: Annotated[str, typer.Option(help="Periods whose decisions stay as planned: a number, or 'all'.")] = "all",
    correlation: Annotated[float, typer.Option(help="Correlation of demand across products and sites (one common "
                                               "factor per period), 0 to below 1.", min=0.0, max=0.999)] = 0.0,
    workers: Annotated[int, typer.Option(help="Local worker processes.", min=1, max=256)] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Address of a running Dask scheduler.")] = None,
    to_hedge: Annotated[int | None, typer.Option("--to-hedge", help="Write this many scenario files standing for "
                                                 "the draws (and their weights) into OUT/hedge_cases/.",
                                                 min=1, max=50)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Result folder: the plan, risk.csv and "
                                             "risk_by_period.csv.")] = None,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOption = False,
) -> None:
    """How the plan holds when demand misses the forecast: fill, lost units and cost over demand draws."""
    from sopopt.analysis.risk import RiskSettings, risk, write_risk
    from sopopt.cli.progress import signals_raise_interrupted
    from sopopt.inputs.case import load_case
    from sopopt.io.writer import check_replaceable

    if (demand_cv is None) == (errors_table is None):
        errors.print("[bold red]error:[/] give one of --demand-cv or --errors", highlight=False)
        raise typer.Exit(EXIT_INVALID)
    if commit != "all" and not commit.isdigit():
        errors.print(f"[bold red]error:[/] --commit: a number of periods or 'all', got {commit!r}", highlight=False)
        raise typer.Exit(EXIT_INVALID)
    try:
        if out is not None:
            check_replaceable(out)  # refuse before solving, not after
        with signals_raise_interrupted():
            case = load_case(scenario, workspace=workspace, strict=strict)
            errors_by_item = _forecast_errors(errors_table, case.workspace) if errors_table is not None else None
            settings = RiskSettings(samples, seed, demand_cv, errors_by_item, None if commit == "all" else int(commit),
                                    correlation, workers, scheduler)
            result = risk(case, settings)
            written = write_risk(result, out, scenario, to_hedge) if out is not None else []
    except KeyboardInterrupt as exc:
        raise stopped(exc, None, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    print_risk(result)
    print_warnings(list(result.plan.warnings))
    if written:
        console.print(f"Wrote {len(written)} files to {out}")


def _forecast_errors(path: Path, workspace: Path) -> dict[tuple[str, str], float]:
    from sopopt.inputs.scenarios.tables import read_forecast_errors
    from sopopt.io.paths import check_inside

    table = check_inside(path, workspace, None, "--errors", str(path))
    return read_forecast_errors(table, None, None, "--errors")


def print_risk(result: Any) -> None:
    """The risk's first line (the answer), then the products with the most lost units."""
    from sopopt.report.sentences import risk_sentence

    console.print(risk_sentence(result.summary, result.settings.samples, result.plan.currency), highlight=False,
                  soft_wrap=True)
    products = result.summary[result.summary["level"] == "product"].sort_values("expected_lost", ascending=False)
    table = Table(title="Most units lost on average")
    for column in ("product", "expected lost (units)", "fill (pooled)", "fill P10", "P(stockout)"):
        table.add_column(column, justify="left" if column == "product" else "right")
    for row in products.head(10).itertuples():
        table.add_row(escape(str(row.name)), f"{row.expected_lost:,.1f}", f"{row.fill_rate:.1%}", f"{row.fill_p10:.1%}",
                      f"{row.stockout_probability:.0%}")
    console.print(table)
    other = {k: v for k, v in result.statuses.items() if k != "optimal"}
    if other:
        errors.print("draws without an optimal recourse: " + ", ".join(f"{v} {k}" for k, v in other.items()),
                     highlight=False)


# ---------------------------------------------------------------------------- sweeps

SweepArg = Annotated[Path, typer.Argument(help="Sweep YAML file (see sweeps/ and docs/sweeps.md).", exists=True,
                                          dir_okay=False)]


class SweepBar:
    """The sweep's progress on stderr: cases done, failed, rate and time left.

    On a terminal a live bar (rich); otherwise a plain line at most every 10 seconds.
    """

    def __init__(self, quiet: bool = False) -> None:
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._clock = time.monotonic
        self.quiet = quiet
        self.live = errors.is_terminal and not quiet
        self.start = self._clock()
        self.last_line = 0.0
        self.progress = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                 TimeElapsedColumn(), console=errors, disable=not self.live)
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
            errors.print(f"sweep: {counts.done}/{counts.todo} cases, {info}", highlight=False, soft_wrap=True)


@app.command()
def sweep(
    spec: SweepArg,
    store: Annotated[Path | None, typer.Option(help="DuckDB database for the results (created if absent; "
                                               "rerunning resumes).", dir_okay=False)] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes. Default: one per usable core, "
                                                "fewer if memory is short.", min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on an existing Dask cluster at this address "
                                                  "(tcp://host:8786) instead of local processes.")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per case before the solver stops "
                                                     "(at most 1e7).")] = None,
    restart: Annotated[bool, typer.Option("--restart", help="Solve every case again, replacing stored results "
                                          "(needed after an input changed).")] = False,
    keep: Annotated[str | None, typer.Option(help="Plan tables to store per case, comma separated "
                                             "(plan,production,...).")] = None,
    max_cases: Annotated[int | None, typer.Option(help="Allow up to this many cases (default: the file's "
                                                  "max_cases, 10,000).", min=1)] = None,
    export_cases: Annotated[Path | None, typer.Option(help="Write each case as DIR/<case_id>.yaml.",
                                                      file_okay=False)] = None,
    case: Annotated[str | None, typer.Option("--case", help="Solve only this case (with --out), as "
                                             "'sopopt solve --out' would.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="With --case: folder for its tables.")] = None,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    store_wait: StoreWaitOpt = STORE_WAIT,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to reach --scheduler before giving up (exit 5).",
                                                   min=0.1, max=3600)] = 10.0,
) -> None:
    """Solve many cases (scenario files, or a grid over adjustments) into one database."""
    from sopopt.analysis.cases import export_cases as write_cases
    from sopopt.analysis.cases import load_sweep

    try:
        _check_targets(folders=[out, export_cases], stores=[store])
        loaded = load_sweep(spec, max_cases=max_cases, time_limit=time_limit, workspace=workspace, strict=strict)
        if export_cases is not None:
            written = write_cases(loaded, export_cases)
            console.print(f"Wrote {len(written)} case files to {export_cases}")
    except SopoptError as exc:
        raise fail(exc) from None
    if case is not None:
        _solve_sweep_case(loaded, case, out)
        return
    if store is None:
        if export_cases is not None:
            return
        errors.print("[bold red]error:[/] give --store results.duckdb (or --export-cases DIR, or --case ID --out DIR)")
        raise typer.Exit(EXIT_INVALID)
    _run_sweep(loaded, store, SweepRun(workers, scheduler, restart, keep, quiet, store_wait, connect_timeout))


def _solve_sweep_case(loaded: Sweep, case_id: str, out: Path | None) -> None:
    """Solve one case of a sweep and write its tables, as ``sopopt solve --out`` does."""
    from sopopt.analysis.planner import solve as solve_case
    from sopopt.results.folders import write_outputs

    try:
        case = loaded.load(loaded.case(case_id))
        plan = solve_case(case, SolveOptions.from_settings(case.solver, time_limit=loaded.time_limit),
                          raise_on_failure=False)
        print_summary(plan)
        if out is not None:
            written = write_outputs(plan, out)
            console.print(f"Wrote {len(written)} files to {out}")
    except SopoptError as exc:
        raise fail(exc) from None
    if not plan.status.has_plan:
        raise typer.Exit(EXIT_NO_PLAN)
    if not plan.is_optimal:
        raise typer.Exit(EXIT_NOT_OPTIMAL)


@dataclass(frozen=True)
class SweepRun:
    """How ``sopopt sweep`` runs its cases (its flags)."""

    workers: int | None
    scheduler: str | None
    restart: bool
    keep: str | None
    quiet: bool
    store_wait: float
    connect_timeout: float


def _run_sweep(loaded: Sweep, store: Path, how: SweepRun) -> None:
    from sopopt.analysis.sweep import sweep as run
    from sopopt.results.store import Store

    tables = [t.strip() for t in how.keep.split(",") if t.strip()] if how.keep is not None else None
    try:
        with Store(store, wait=how.store_wait, say=_say) as db, SweepBar(how.quiet) as bar:
            result = run(loaded, db, workers=how.workers, scheduler=how.scheduler, restart=how.restart,
                         keep=tables, progress=bar, connect_timeout=how.connect_timeout)
    except SopoptError as exc:
        raise fail(exc) from None
    if tables and result.skipped:
        _say(f"warning: --keep {','.join(tables)} applies to the {result.solved} cases solved now; the "
             f"{result.skipped} already stored keep the tables they were stored with (--restart solves and keeps "
             "them all)")
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.statuses.items())) or "nothing to solve"
    rate = result.solved / result.seconds * 60 if result.seconds else 0.0
    console.print(f"[bold]{result.name}[/]: {result.cases} cases; solved now: {result.solved} ({counts}) in "
                  f"{result.seconds:,.1f} s ({rate:,.1f} cases/min); already stored: {result.skipped}")
    if result.workers:
        console.print(f"Workers: {', '.join(result.workers)}")
    console.print(f"Results in {store} (table 'cases'; see docs/sweeps.md)")
    if result.interrupted:
        signal_name = "SIGTERM" if result.stop_code == 143 else "SIGINT"
        errors.print(f"interrupted by {signal_name}: {result.solved} finished cases stored; run the same command "
                     "again to go on")
        raise typer.Exit(result.stop_code)


def _parse_change_costs(items: list[str]) -> dict[str, float]:
    """``production=2.5`` items as a mapping (exit 2 on a malformed item)."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            errors.print(f"[bold red]error:[/] --change-cost: expected DECISION=COST (e.g. production=2.5), "
                         f"got {item!r}", highlight=False)
            raise typer.Exit(EXIT_INVALID) from None
    return out


def print_replan(result: Replanned, top: int = 10) -> None:
    """The new plan's summary, then what changed against the previous plan."""
    from sopopt.report.sentences import replan_sentences

    print_summary(result.plan)
    for sentence in replan_sentences(result):
        console.print(sentence, highlight=False)
    changes = result.changes
    if changes.empty or not result.plan.status.has_plan:
        return
    moved = changes[changes["change"].abs() > 1e-9]
    moved = moved.reindex(moved["change"].abs().sort_values(ascending=False).index).head(top)
    if moved.empty:
        console.print("No decision changed against the previous plan.")
        return
    table = Table(title="Biggest changes against the previous plan")
    index = [c for c in ("product", "site", "crew", "lane", "supplier", "resource") if (moved[c] != "").any()]
    for column in ("decision", *index, "period", "previous", "new", "change"):
        table.add_column(column, justify="right" if column in ("previous", "new", "change") else "left")
    for row in moved.to_dict("records"):
        table.add_row(str(row["decision"]), *(str(row[c]) for c in index), str(row["period"]),
                      f"{row['previous']:,.2f}", f"{row['new']:,.2f}", f"{row['change']:+,.2f}")
    console.print(table)


@app.command("replan")
def replan_command(
    previous: Annotated[str, typer.Argument(help="Folder of the previous plan (written by solve, replan or a "
                                            "hedge case folder), or a stored plan of record DB:CYCLE[:VERSION] "
                                            "(the approved version by default).")],
    scenario: ScenarioArg,
    freeze: Annotated[int, typer.Option(help="Periods kept exactly as in the previous plan.", min=0)] = 0,
    change_cost: Annotated[list[str] | None, typer.Option("--change-cost", help="Cost per unit of change beyond "
                           "the frozen zone: production=COST or headcount=COST (repeat for both).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the tables, run.json and changes.csv.")
                   ] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds before the solver stops (at most 1e7).")] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads (at most the usable cores).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the HiGHS log.")] = False,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Re-plan from a previous plan: keep a frozen zone firm and charge changes beyond it."""
    from sopopt.analysis.replan import replan, write_replan
    from sopopt.inputs.case import load_case

    costs = _parse_change_costs(change_cost or [])
    try:
        _check_targets(folders=[out])
        case = load_case(scenario, workspace=workspace, strict=strict)
        options = SolveOptions.from_settings(case.solver, time_limit=time_limit, threads=threads,
                                             verbose=verbose or None)
        result = replan(_previous_plan(previous), case, freeze, costs, options=options)
    except SopoptError as exc:
        raise fail(exc) from None
    print_replan(result)
    print_warnings(case.warnings)
    if out is not None:
        try:
            written = write_replan(result, out)
        except SopoptError as exc:
            raise fail(exc) from None
        console.print(f"Wrote {len(written)} files to {out}")
    _exit_for([result.plan])


def _previous_plan(text: str) -> Plan | Path:
    """A result folder (a path that exists is read as a path first), or the plan a
    ``DB:CYCLE[:VERSION]`` reference names."""
    from sopopt.results.cycle import stored_plan

    stored = None if Path(text).exists() else stored_plan(text)
    if stored is not None:
        return stored
    if not Path(text).is_dir():
        raise ScenarioError([Problem(Location(text), "previous", "not a result folder, nor a stored plan DB:CYCLE "
                                     "(the database file must exist)")])
    return Path(text)


store_app = typer.Typer(help="Results databases: the monthly cycle's plans of record, sign-off and accuracy "
                        "(docs/store.md).", no_args_is_help=True)
add_cycle_commands(store_app, console, fail)
app.add_typer(store_app, name="store")


def main() -> None:
    """Entry point of the ``sopopt`` script.

    SIGTERM stops every command as Ctrl-C does (temporary files are removed on the way
    out); a command stopped so exits 130 (SIGINT) or 143 (SIGTERM).
    """
    from sopopt.cli.progress import signals_raise_interrupted

    with signals_raise_interrupted():
        try:
            app()
        except BrokenPipeError:  # the reader went away (``sopopt ... | head``): nothing more to say
            _quiet_stdout()
            raise SystemExit(ExitCode.OK) from None
        except SystemExit as exc:
            # click turns a KeyboardInterrupt it did not expect into "Aborted!" and exit 1
            stop = _interrupt_behind(exc) if exc.code == 1 else None
            if stop is not None:
                errors.print(f"sopopt: {stop}; nothing more was done", markup=False, highlight=False, soft_wrap=True)
                raise SystemExit(stop.exit_code) from None
            raise


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit after a closed pipe
    raises nothing more."""
    import os

    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _interrupt_behind(exc: BaseException) -> Interrupted | None:
    """The :class:`Interrupted` that led to ``exc`` (click turns it into "Aborted!")."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None or isinstance(seen, Interrupted):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


from sopopt.cli import frontier as _frontier  # noqa: E402, F401  (registers ``sopopt frontier``)

if __name__ == "__main__":
    main()
