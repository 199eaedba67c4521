"""The ``sopopt`` command line: parses arguments, calls the library, turns errors into exits.

Rendering lives in :mod:`sopopt.report.terminal` (and its siblings), the work in the
library; the consoles and the exits in :mod:`sopopt.cli.exits`. No traceback is shown
for any error that sopopt raises on purpose: one line per problem, naming the file.
Exit codes (:data:`sopopt.errors.EXIT_CODES`):
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sopopt.analysis.explain import explain as explain_case
from sopopt.analysis.planner import Planner
from sopopt.analysis.sources import attributions, plans_to_compare, plans_to_report
from sopopt.analysis.sweep_cases import input_hash
from sopopt.cli.app import (
    STORE_WAIT,
    BuildPath,
    InfeasibleCause,
    Method,
    QuietOption,
    RangesChoice,
    ScenarioArg,
    SourcesArg,
    StoreWaitOpt,
    StrictOpt,
    ThreadsOpt,
    TimeBudgetOpt,
    TimeLimitOpt,
    VerboseOpt,
    WorkspaceOpt,
    app,
)
from sopopt.cli.cycle import last_cycle
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
    say,
    stopped,
)
from sopopt.cli.progress import ProgressDisplay, signals_raise_interrupted
from sopopt.errors import EXIT_CODES, ExitCode, SopoptError, StrictError
from sopopt.inputs.case import load_case
from sopopt.inputs.generate import size_for_variables, write_instance
from sopopt.inputs.views import diff_cases, json_schema, show_yaml, sweep_json_schema
from sopopt.io.paths import display_path
from sopopt.io.writer import check_replaceable, write_text
from sopopt.report.compare import write_comparison
from sopopt.report.cycle import print_review
from sopopt.report.excel import write_workbook
from sopopt.report.html import write_html_report
from sopopt.report.terminal import (
    print_first_lines,
    print_plan_warnings,
    print_sentences,
    print_summary,
    print_warnings,
)
from sopopt.report.terminal_analysis import print_differences
from sopopt.report.terminal_compare import print_comparison
from sopopt.results.cycle import record_solved
from sopopt.results.folders import write_outputs
from sopopt.results.plan import Plan
from sopopt.results.store import Store
from sopopt.results.targets import target_sentences
from sopopt.solver.options import SolveOptions

__doc__ = (__doc__ or "") + "".join(f"\n- {code} {meaning};" for code, meaning in EXIT_CODES.items())


def _show_plan(plan: Plan) -> None:
    """The summary (the answer first), why there is no plan when there is none, and
    the warnings grouped by code."""
    print_summary(console, plan)
    if "targets" in plan.tables:
        print_sentences(console, target_sentences(plan.tables["targets"], plan.currency))
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
    ranges: Annotated[RangesChoice, typer.Option(
        help="Range the limits shown (the bottlenecks) or all binding limits (every range in shadow_prices.csv)."
    )] = RangesChoice.shown,
    verbose: VerboseOpt = False,
    time_budget: TimeBudgetOpt = 60.0,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    store: Annotated[Path | None, typer.Option(
        help="Also add the result to the 'runs' table of this DuckDB database (created if absent).",
        dir_okay=False)] = None,
    label: Annotated[str | None, typer.Option(help="Label of the run in --store, e.g. the planning cycle.")] = None,
    store_wait: StoreWaitOpt = STORE_WAIT,
    quiet: QuietOption = False,
) -> None:
    """Solve a scenario: print the answer, the summary and write every table (an
    infeasible case: why it has no plan, see ``sopopt explain``)."""
    display = ProgressDisplay(f"solving {scenario.name}", console=errors, enabled=not quiet and not verbose)
    try:
        check_targets(folders=[out], stores=[store])  # refuse before solving, not after
        with signals_raise_interrupted():
            with display:
                case = load_case(scenario, workspace=workspace, strict=strict)
                options = SolveOptions.from_settings(
                    case.solver, time_limit=time_limit, threads=threads,
                    method=method.value if method else None, verbose=verbose or None, on_progress=display.update,
                )
                plan = Planner(options, build.value, time_budget=time_budget, ranges=ranges.value).solve(
                    case, raise_on_failure=False)
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
            with Store(store, wait=store_wait, say=say) as db:
                run_id = db.add_run(plan, display_path(case.source), input_hash(case, options.time_limit), label)
                version = record_solved(db, plan, label) if label and plan.status.has_plan else None
        except SopoptError as exc:
            raise fail(exc) from None
        console.print(f"Stored as run {run_id} in {store}" + (f" (label {label})" if label else ""), highlight=False)
        if version is not None:
            console.print(f"Recorded as draft version {version} of cycle {label} (sopopt store plans {store})",
                          highlight=False)
    exit_for([plan])


@app.command()
def explain(
    scenario: ScenarioArg,
    other: Annotated[Path | None, typer.Argument(
        help="A second scenario: why it differs from the first (each of its own adjustments' share).",
        exists=True, dir_okay=False)] = None,
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    period: Annotated[str | None, typer.Option(help="Only this period.")] = None,
    resource: Annotated[str | None, typer.Option(help="Only this resource.")] = None,
    crew: Annotated[str | None, typer.Option(help="Only this workforce pool.")] = None,
    klass: Annotated[str | None, typer.Option("--class", help="Only this demand class (its units short).")] = None,
    time_budget: TimeBudgetOpt = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    strict: StrictOpt = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Explain a case: why it has no plan (the conflicting limits with the file and line
    that set them, and what would have to give), or why its plan is what it is; with a
    second scenario, why the two differ."""
    try:
        second = None if other is None else load_case(other, workspace=workspace, strict=strict)
        result = explain_case(load_case(scenario, workspace=workspace, strict=strict), second, product=product,
                              site=site, period=period, resource=resource, crew=crew, time_budget=time_budget,
                              klass=klass)
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
    routings: Annotated[int, typer.Option(help="Alternate routings per made product on a third of the products "
                                          "(2 or more).", min=0)] = 0,
    levels: Annotated[int, typer.Option(help="Depth of the bill (products made from products) on a third of the "
                                        "products.", min=1)] = 1,
    classes: Annotated[int, typer.Option(help="Split every demand row into this many demand classes.", min=0)] = 0,
    options: Annotated[int, typer.Option(help="Add this many capacity options (yes/no decisions: a MIP).", min=0)] = 0,
) -> None:
    """Write a synthetic, seeded S&OP instance that uses every lever of the model."""
    if variables is not None:
        products, sites, periods = size_for_variables(variables)
    if products is None or sites is None or periods is None:
        raise invalid("give --products, --sites and --periods, or --variables")
    try:
        check_replaceable(out)
        path = write_instance(out, products, sites, periods, seed, infeasible=infeasible.value if infeasible else None,
                              integer=integer, routings=routings, levels=levels, classes=classes,
                              options=options)
    except SopoptError as exc:
        raise fail(exc) from None
    planted = (f", infeasible: {infeasible.value}" if infeasible else "") + (", integer" if integer else "")
    planted += f", {routings} routings" if routings >= 2 else ""
    planted += f", {levels}-level bills" if levels >= 2 else ""
    planted += f", {classes} demand classes" if classes else ""
    planted += f", {options} options" if options else ""
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
    why: Annotated[bool, typer.Option("--why", help="Also share each scenario's change against the first among "
                                      "its own adjustments (as 'sopopt explain BASE OTHER').")] = False,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Solve (or read back) several plans and print them side by side: one sentence per
    plan against the baseline first."""
    try:
        check_targets(folders=[out], files={"--xlsx": xlsx, "--html": html})
        plans = plans_to_compare(sources, workspace, strict)
        print_comparison(console, plans, top)
        if why:
            _print_why(sources, workspace)
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


def _print_why(sources: list[Path], workspace: Path | None) -> None:
    """``compare --why``: each scenario file's change against the first, shared among its adjustments."""
    for result in attributions(sources, workspace):
        print_sentences(console, result.sentences())


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write (self-contained, opens offline).")],
    sources: Annotated[list[Path] | None, typer.Argument(
        help="Scenario YAML files, result folders written by 'sopopt solve --out', or stored plans of record "
        "DB:CYCLE[:VERSION]. The first is the baseline. None with --cycle: the cycle's approved plan.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write an Excel workbook here.")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    store: Annotated[Path | None, typer.Option(help="DuckDB results database holding the plans of record "
                                               "(read only; with --cycle).", dir_okay=False)] = None,
    cycle: Annotated[str | None, typer.Option(help="Open the report with this cycle's plan of record against "
                                              "actuals (sopopt store accuracy); needs --store.")] = None,
    why: Annotated[bool, typer.Option("--why", help="Open the comparison with why each scenario file differs from "
                                      "the first: its change shared among its own adjustments (scenario files only; "
                                      "2^n solves for n adjustments, n <= 6).")] = False,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Write an HTML report (and optionally a workbook) for one or several plans; with
    --store and --cycle it opens with that cycle's plan of record against actuals."""
    try:
        check_targets(files={"--out": out, "--xlsx": xlsx})
        review, sources = last_cycle(store, cycle, sources or [])
        plans, analyses = plans_to_report(sources, workspace, strict, why)
        write_html_report(plans, out, title, analyses, review)
        if xlsx is not None:
            write_workbook(plans, xlsx)
    except SopoptError as exc:
        raise fail(exc) from None
    if review is not None:
        print_review(console, review, plans[0].currency)
    print_first_lines(console, plans)
    print_plan_warnings(errors, plans)
    console.print(f"Wrote {out}" + (f" and {xlsx}" if xlsx is not None else ""), highlight=False)
    exit_for(plans)


# The commands of the other modules come after these in the help.
from sopopt.cli import analyses as _analyses  # noqa: E402, F401  (registers hedge, risk, sweep, replan)
from sopopt.cli import frontier as _frontier  # noqa: E402, F401  (registers ``sopopt frontier``)
from sopopt.cli import store as _store  # noqa: E402, F401  (registers the store group)


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
