"""The ``sopopt`` command line: parses arguments, calls the library, turns errors into exits.

Rendering lives in :mod:`sopopt.report.terminal` (and its siblings), the work in the
library; the consoles and the exits in :mod:`sopopt.cli.exits`. No traceback is shown
for any error that sopopt raises on purpose: one line per problem, naming the file.
Exit codes (:data:`sopopt.errors.EXIT_CODES`):
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from sopopt.analysis.cases import Sweep, input_hash, load_sweep
from sopopt.analysis.cases import export_cases as write_cases
from sopopt.analysis.explain_plan import explain as explain_case
from sopopt.analysis.hedge import hedge, write_hedge
from sopopt.analysis.planner import Planner
from sopopt.analysis.planner import solve as solve_case
from sopopt.analysis.replan import replan, write_replan
from sopopt.analysis.sources import plans_to_compare, plans_to_report
from sopopt.analysis.sweep import sweep as run_sweep
from sopopt.cli import store as store_commands
from sopopt.cli.exits import (
    check_targets,
    console,
    error,
    errors,
    exit_for,
    fail,
    interrupt_behind,
    invalid,
    quiet_stdout,
    stopped,
)
from sopopt.cli.progress import ProgressDisplay, SweepBar, signals_raise_interrupted
from sopopt.errors import EXIT_CODES, ExitCode, SopoptError, StrictError
from sopopt.inputs.case import load_case
from sopopt.inputs.generate import size_for_variables, write_instance
from sopopt.inputs.views import diff_cases, json_schema, show_yaml, sweep_json_schema
from sopopt.io.paths import display_path
from sopopt.io.writer import check_replaceable, output_error, write_text
from sopopt.report.compare import write_comparison
from sopopt.report.excel import write_workbook
from sopopt.report.html import write_html_report
from sopopt.report.terminal import (
    print_first_lines,
    print_plan_warnings,
    print_sentences,
    print_summary,
    print_warnings,
)
from sopopt.report.terminal_analysis import print_differences, print_hedge, print_replan, sweep_summary
from sopopt.report.terminal_compare import print_comparison
from sopopt.results.folders import write_outputs
from sopopt.results.plan import Plan
from sopopt.results.store import Store
from sopopt.solver.options import SolveOptions
from sopopt.version import __version__

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
app.add_typer(store_commands.app, name="store")


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
    help="Scenario YAML files or result folders written by 'sopopt solve --out'. The first is the baseline.",
    exists=True)]


def _show_plan(plan: Plan) -> None:
    """The summary (the answer first), why there is no plan when there is none, and
    the warnings grouped by code."""
    print_summary(console, plan)
    if plan.info.get("explanation_error"):
        error(str(plan.info["explanation_error"]))
    elif plan.explanation is not None and not plan.status.has_plan:
        print_sentences(console, plan.explanation.sentences())


@app.command()
def solve(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the CSV tables and run.json "
                                             "(replaced whole; must be a result folder if it exists).")] = None,
    time_limit: TimeLimitOpt = None,
    threads: ThreadsOpt = None,
    method: Annotated[Method | None, typer.Option(help="LP algorithm.")] = None,
    build: Annotated[BuildPath, typer.Option(help="Build the LP with numpy (fast) or as a Pyomo model.")] = BuildPath.fast,
    verbose: VerboseOpt = False,
    time_budget: TimeBudgetOpt = 60.0,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    store: Annotated[Path | None, typer.Option(
        help="Also add the result to the 'runs' table of this DuckDB database (created if absent).",
        dir_okay=False)] = None,
    label: Annotated[str | None, typer.Option(help="Label of the run in --store, e.g. the planning cycle.")] = None,
    quiet: QuietOption = False,
) -> None:
    """Solve a scenario: print the answer, the summary and write every table (an
    infeasible case: why it has no plan, see ``sopopt explain``)."""
    display = ProgressDisplay(f"solving {scenario.name}", console=errors, enabled=not quiet and not verbose)
    try:
        if out is not None:
            check_replaceable(out)  # refuse before solving, not after
        with signals_raise_interrupted():
            with display:
                case = load_case(scenario, workspace=workspace, strict=strict)
                options = SolveOptions.from_settings(
                    case.solver, time_limit=time_limit, threads=threads,
                    method=method.value if method else None, verbose=verbose or None, on_progress=display.update,
                )
                plan = Planner(options, build.value, time_budget=time_budget).solve(case, raise_on_failure=False)
            _show_plan(plan)
            if strict and plan.warnings:
                raise StrictError(list(plan.warnings))
            print_warnings(errors, plan.warnings)
            written = write_outputs(plan, out) if out is not None else []
    except KeyboardInterrupt as exc:
        raise stopped(exc, display, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    if out is not None:
        what = f"{len(written)} files" if plan.status.has_plan else "run.json only (no plan, so no tables)"
        console.print(f"Wrote {what} to {out}", highlight=False)
    if store is not None:
        try:
            with Store(store) as db:
                run_id = db.add_run(plan, display_path(case.source), input_hash(case, options.time_limit), label)
        except SopoptError as exc:
            raise fail(exc) from None
        console.print(f"Stored as run {run_id} in {store}" + (f" (label {label})" if label else ""), highlight=False)
    exit_for([plan])


@app.command()
def explain(
    scenario: ScenarioArg,
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    period: Annotated[str | None, typer.Option(help="Only this period.")] = None,
    resource: Annotated[str | None, typer.Option(help="Only this resource.")] = None,
    crew: Annotated[str | None, typer.Option(help="Only this workforce pool.")] = None,
    time_budget: TimeBudgetOpt = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    strict: StrictOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Explain a case: why it has no plan (the conflicting limits with the file and line
    that set them, and what would have to give), or why its plan is what it is."""
    try:
        result = explain_case(load_case(scenario, workspace=workspace, strict=strict), product=product, site=site,
                              period=period, resource=resource, crew=crew, time_budget=time_budget)
    except SopoptError as exc:
        raise fail(exc) from None
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        print_sentences(console, result.sentences())


@app.command()
def validate(scenario: ScenarioArg, workspace: WorkspaceOpt = None, strict: StrictOpt = False) -> None:
    """Check a scenario without solving; list every problem found, then every warning."""
    try:
        case = load_case(scenario, workspace=workspace, strict=strict)
    except SopoptError as exc:
        raise fail(exc) from None
    n = case.network
    console.print(
        f"[green]valid[/]: {escape(str(case.source))} ({len(case.labels)} periods, {len(n.products)} products, "
        f"{len(n.sites)} sites, {len(n.resources)} resources, {len(n.workforce)} workforce pools, "
        f"{len(n.suppliers)} suppliers, {len(n.lanes)} lanes)", highlight=False)
    print_warnings(errors, case.warnings)


@app.command()
def show(scenario: ScenarioArg, workspace: WorkspaceOpt = None, strict: StrictOpt = False) -> None:
    """Print the fully resolved scenario as YAML (after every extend and adjustment)."""
    try:
        case = load_case(scenario, workspace=workspace, strict=strict)
    except SopoptError as exc:
        raise fail(exc) from None
    sys.stdout.write(show_yaml(case))
    print_warnings(errors, case.warnings)


@app.command()
def diff(a: ScenarioArg, b: ScenarioArg, workspace: WorkspaceOpt = None, strict: StrictOpt = False) -> None:
    """List every input that differs between two resolved scenarios."""
    try:
        differences = diff_cases(load_case(a, workspace=workspace, strict=strict),
                                 load_case(b, workspace=workspace, strict=strict))
    except SopoptError as exc:
        raise fail(exc) from None
    print_differences(console, differences, a.name, b.name)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write model.yaml and demand.csv into.")],
    products: Annotated[int | None, typer.Option(help="Number of products.", min=1)] = None,
    sites: Annotated[int | None, typer.Option(help="Number of sites (a third are plants).", min=1)] = None,
    periods: Annotated[int | None, typer.Option(help="Number of periods.", min=1)] = None,
    variables: Annotated[float | None, typer.Option(help="Pick products/sites/periods for about this many LP "
                                                    "columns.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same instance).")] = 0,
    infeasible: Annotated[InfeasibleCause | None, typer.Option(
        help="Plant a conflict of this kind: the case has no feasible plan.")] = None,
    integer: Annotated[bool, typer.Option("--integer", help="Whole workers and minimum lot sizes with setups "
                                          "(a MIP).")] = False,
) -> None:
    """Write a synthetic, seeded S&OP instance that uses every lever of the model."""
    if variables is not None:
        products, sites, periods = size_for_variables(variables)
    if products is None or sites is None or periods is None:
        raise invalid("give --products, --sites and --periods, or --variables")
    try:
        check_replaceable(out)
        path = write_instance(out, products, sites, periods, seed, infeasible=infeasible.value if infeasible else None,
                              integer=integer)
    except SopoptError as exc:
        raise fail(exc) from None
    planted = (f", infeasible: {infeasible.value}" if infeasible else "") + (", integer" if integer else "")
    for written in (path, path.parent / "demand.csv"):
        console.print(f"Wrote {written}", highlight=False)
    console.print(f"{products} products x {sites} sites x {periods} periods, seed {seed}{planted}", highlight=False)
    try:
        lp = Planner().build(load_case(path, workspace=path.parent))
        size = f"LP: {lp.num_row:,} rows x {lp.num_col:,} columns, {lp.nonzeros:,} nonzeros"
    except SopoptError as exc:
        size = f"LP not built: {exc}"
    console.print(size, highlight=False, markup=False)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    sweep: Annotated[bool, typer.Option("--sweep", help="The schema of sweep files instead.")] = False,
) -> None:
    """Print the JSON Schema of the file format (for editor autocompletion)."""
    text = json.dumps(sweep_json_schema() if sweep else json_schema(), indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    try:
        write_text(out, text)
    except SopoptError as exc:
        raise fail(exc) from None
    console.print(f"Wrote {out}", highlight=False)


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
    """Solve (or read back) several plans and print them side by side: one sentence per
    plan against the baseline first."""
    try:
        check_targets(folders=[out], files={"--xlsx": xlsx, "--html": html})
        plans = plans_to_compare(sources, workspace, strict)
        print_comparison(console, plans, top)
        written = write_comparison(plans, out) if out is not None else []
        files = [write_workbook(plans, xlsx)] if xlsx is not None else []
        files += [write_html_report(plans, html)] if html is not None else []
    except SopoptError as exc:
        raise fail(exc) from None
    print_plan_warnings(errors, plans)
    if out is not None:
        console.print(f"Wrote {len(written)} files to {out}", highlight=False)
    for path in files:
        console.print(f"Wrote {path}", highlight=False)
    exit_for(plans)


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
    try:
        check_targets(files={"--out": out, "--xlsx": xlsx})
        plans, analyses = plans_to_report(sources, workspace, strict)
        write_html_report(plans, out, title, analyses)
        if xlsx is not None:
            write_workbook(plans, xlsx)
    except SopoptError as exc:
        raise fail(exc) from None
    print_first_lines(console, plans)
    print_plan_warnings(errors, plans)
    console.print(f"Wrote {out}" + (f" and {xlsx}" if xlsx is not None else ""), highlight=False)
    exit_for(plans)


def _parse_weights(text: str | None) -> list[float] | None:
    """``0.5,0.3,0.2`` as numbers (exit 2 on a malformed list)."""
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise invalid(f"--weights: expected numbers separated by commas, got {text!r}") from None


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
    time_limit: TimeLimitOpt = None,
    threads: ThreadsOpt = None,
    verbose: VerboseOpt = False,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOption = False,
) -> None:
    """One plan across demand cases: commit the first periods now, with EVPI and VSS."""
    parsed = _parse_weights(weights)
    display = ProgressDisplay(f"hedging {len(scenarios)} cases", console=errors, enabled=not quiet and not verbose)
    try:
        check_targets(folders=[out])
        with signals_raise_interrupted(), display:
            cases = [load_case(path, workspace=workspace, strict=strict) for path in scenarios]
            options = SolveOptions.from_settings(cases[0].solver, time_limit=time_limit, threads=threads,
                                                 verbose=verbose or None, on_progress=display.update)
            result = hedge(cases, parsed, commit, firm_headcount=firm_headcount, options=options)
    except KeyboardInterrupt as exc:
        raise stopped(exc, display, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    print_hedge(console, result)
    print_warnings(errors, [w for case in cases for w in case.warnings])
    if out is not None:
        try:
            written = write_hedge(result, out)
        except SopoptError as exc:
            raise fail(exc) from None
        console.print(f"Wrote {len(written)} files to {out}", highlight=False)
    exit_for(result.plans)


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="Sweep YAML file (see sweeps/ and docs/sweeps.md).", exists=True,
                                         dir_okay=False)],
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
) -> None:
    """Solve many cases (scenario files, or a grid over adjustments) into one database,
    then summarise what came out."""
    try:
        check_targets(folders=[out, export_cases])
        loaded = load_sweep(spec, max_cases=max_cases, time_limit=time_limit, workspace=workspace, strict=strict)
        if export_cases is not None:
            written = write_cases(loaded, export_cases)
            console.print(f"Wrote {len(written)} case files to {export_cases}", highlight=False)
    except SopoptError as exc:
        raise fail(exc) from None
    if case is not None:
        _solve_sweep_case(loaded, case, out)
    elif store is not None:
        _run_sweep(loaded, store, workers, scheduler, restart, keep, quiet)
    elif export_cases is None:
        raise invalid("give --store results.duckdb (or --export-cases DIR, or --case ID --out DIR)")


def _solve_sweep_case(loaded: Sweep, case_id: str, out: Path | None) -> None:
    """Solve one case of a sweep and write its tables, as ``sopopt solve --out`` does."""
    try:
        case = loaded.load(loaded.case(case_id))
        plan = solve_case(case, SolveOptions.from_settings(case.solver, time_limit=loaded.time_limit),
                          raise_on_failure=False)
        print_summary(console, plan)
        if out is not None:
            written = write_outputs(plan, out)
            console.print(f"Wrote {len(written)} files to {out}", highlight=False)
    except SopoptError as exc:
        raise fail(exc) from None
    exit_for([plan])


def _run_sweep(loaded: Sweep, store: Path, workers: int | None, scheduler: str | None, restart: bool,
               keep: str | None, quiet: bool) -> None:
    """Run a sweep into ``store``, then print what came out: statuses, spreads, the
    best and the worst case."""
    tables = [t.strip() for t in keep.split(",") if t.strip()] if keep is not None else None
    try:
        with SweepBar(errors, quiet) as bar:
            result = run_sweep(loaded, store, workers=workers, scheduler=scheduler, restart=restart, keep=tables,
                               progress=bar)
        with Store(store) as db:
            cases = db.frame("SELECT * FROM cases WHERE sweep = ?", [result.name])
    except SopoptError as exc:
        raise fail(exc) from None
    currency = next(iter(loaded.bases.values())).network.currency if loaded.bases else ""
    lines = sweep_summary(cases, currency)
    console.print(f"[bold]{escape(result.name)}[/]: {lines[0]}", highlight=False)
    print_sentences(console, lines[1:])
    rate = result.solved / result.seconds * 60 if result.seconds else 0.0
    console.print(f"Solved now: {result.solved} in {result.seconds:,.1f} s ({rate:,.1f} cases/min); already stored: "
                  f"{result.skipped}" + (f"; workers: {', '.join(result.workers)}" if result.workers else ""),
                  highlight=False)
    console.print(f"Results in {store} (table 'cases'; 'sopopt store show {store}' lists them)", highlight=False)
    if result.interrupted:
        errors.print(f"interrupted: {result.solved} finished cases stored; run the same command again to go on")
        raise typer.Exit(130)


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
            raise invalid(f"--change-cost: expected DECISION=COST (e.g. production=2.5), got {item!r}") from None
    return out


@app.command("replan")
def replan_command(
    previous: Annotated[Path, typer.Argument(help="Folder of the previous plan (written by solve, replan or a "
                                             "hedge case folder).", exists=True, file_okay=False)],
    scenario: ScenarioArg,
    freeze: Annotated[int, typer.Option(help="Periods kept exactly as in the previous plan.", min=0)] = 0,
    change_cost: Annotated[list[str] | None, typer.Option("--change-cost", help="Cost per unit of change beyond "
                           "the frozen zone: production=COST or headcount=COST (repeat for both).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the tables, run.json and "
                                             "changes.csv.")] = None,
    time_limit: TimeLimitOpt = None,
    threads: ThreadsOpt = None,
    verbose: VerboseOpt = False,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Re-plan from a previous plan: keep a frozen zone firm and charge changes beyond it."""
    costs = _parse_change_costs(change_cost or [])
    try:
        check_targets(folders=[out])
        case = load_case(scenario, workspace=workspace, strict=strict)
        options = SolveOptions.from_settings(case.solver, time_limit=time_limit, threads=threads,
                                             verbose=verbose or None)
        result = replan(previous, case, freeze, costs, options=options)
        print_replan(console, result)
        print_warnings(errors, case.warnings)
        if out is not None:
            written = write_replan(result, out)
            console.print(f"Wrote {len(written)} files to {out}", highlight=False)
    except SopoptError as exc:
        raise fail(exc) from None
    exit_for([result.plan])


def main() -> None:
    """Entry point of the ``sopopt`` script.

    SIGTERM stops every command as Ctrl-C does (temporary files are removed on the way
    out); a command stopped so exits 130 (SIGINT) or 143 (SIGTERM). A closed pipe ends
    quietly with exit 0.
    """
    with signals_raise_interrupted():
        try:
            app()
        except BrokenPipeError:  # the reader went away (``sopopt ... | head``): nothing more to say
            quiet_stdout()
            raise SystemExit(ExitCode.OK) from None
        except SystemExit as exc:
            # click turns a KeyboardInterrupt it did not expect into "Aborted!" and exit 1
            stop = interrupt_behind(exc) if exc.code == 1 else None
            if stop is not None:
                errors.print(f"sopopt: {stop}; nothing more was done", markup=False, highlight=False, soft_wrap=True)
                raise SystemExit(stop.exit_code) from None
            raise


if __name__ == "__main__":
    main()
