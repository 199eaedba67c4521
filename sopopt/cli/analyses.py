"""Commands that run analyses over several solves: ``hedge``, ``sweep`` and ``replan``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sopopt.analysis.hedge import hedge, write_hedge
from sopopt.analysis.planner import solve as solve_case
from sopopt.analysis.replan import replan, write_replan
from sopopt.analysis.risk import RiskResult, RiskSettings, risk, stored_tables, with_risk, write_risk
from sopopt.analysis.sources import previous_plan
from sopopt.analysis.sweep import sweep as run_sweep
from sopopt.analysis.sweep_cases import Sweep, input_hash, load_sweep
from sopopt.analysis.sweep_cases import export_cases as write_cases
from sopopt.cli.app import (
    STORE_WAIT,
    QuietOption,
    ScenarioArg,
    StoreWaitOpt,
    StrictOpt,
    ThreadsOpt,
    TimeLimitOpt,
    VerboseOpt,
    WorkspaceOpt,
    app,
)
from sopopt.cli.exits import check_targets, console, errors, exit_for, fail, invalid, say, stopped
from sopopt.cli.progress import ProgressDisplay, SweepBar, signals_raise_interrupted
from sopopt.errors import SopoptError
from sopopt.inputs.case import Case, load_case
from sopopt.inputs.scenarios.tables import read_forecast_errors
from sopopt.io.paths import check_inside, display_path
from sopopt.report.terminal import print_sentences, print_summary, print_warnings
from sopopt.report.terminal_analysis import print_hedge, print_replan, print_risk, sweep_summary
from sopopt.results.folders import write_outputs
from sopopt.results.store import Store
from sopopt.solver.options import SolveOptions


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
    store: Annotated[Path | None, typer.Option(
        help="Also add the base plan to the 'runs' table of this DuckDB database and the risk tables "
             "('risk', 'risk_by_period', by run_id).", dir_okay=False)] = None,
    label: Annotated[str | None, typer.Option(help="Label of the run in --store.")] = None,
    store_wait: StoreWaitOpt = STORE_WAIT,
    workspace: WorkspaceOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOption = False,
) -> None:
    """How the plan holds when demand misses the forecast: fill, lost units and cost over demand draws."""
    if (demand_cv is None) == (errors_table is None):
        raise invalid("give one of --demand-cv or --errors")
    if commit != "all" and not commit.isdigit():
        raise invalid(f"--commit: a number of periods or 'all', got {commit!r}")
    try:
        check_targets(folders=[out], stores=[store])  # refuse before solving, not after
        with signals_raise_interrupted():
            case = load_case(scenario, workspace=workspace, strict=strict)
            errors_by_item = None
            if errors_table is not None:
                table = check_inside(errors_table, case.workspace, None, "--errors", str(errors_table))
                errors_by_item = read_forecast_errors(table, None, None, "--errors")
            settings = RiskSettings(samples, seed, demand_cv, errors_by_item, None if commit == "all" else int(commit),
                                    correlation, workers, scheduler)
            result = risk(case, settings)
            written = write_risk(result, out, scenario, to_hedge) if out is not None else []
    except KeyboardInterrupt as exc:
        raise stopped(exc, None, out) from None
    except SopoptError as exc:
        raise fail(exc) from None
    print_risk(console, errors, result)
    print_warnings(errors, list(result.plan.warnings))
    if written:
        console.print(f"Wrote {len(written)} files to {out}", highlight=False)
    if store is not None:
        _store_risk(result, case, store, label, store_wait)


def _store_risk(result: RiskResult, case: Case, store: Path, label: str | None, store_wait: float) -> None:
    """Add the base plan to ``runs`` and the risk tables by its run number, together."""
    try:
        with Store(store, wait=store_wait, say=say) as db:
            run_id = db.add_run(with_risk(result), display_path(case.source), input_hash(case), label,
                                tables=stored_tables(result))
    except SopoptError as exc:
        raise fail(exc) from None
    console.print(f"Stored as run {run_id} in {store} (risk tables: risk, risk_by_period)", highlight=False)


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
    store_wait: StoreWaitOpt = STORE_WAIT,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to reach --scheduler before giving up (exit 5).",
                                                   min=0.1, max=3600)] = 10.0,
) -> None:
    """Solve many cases (scenario files, or a grid over adjustments) into one database,
    then summarise what came out."""
    try:
        check_targets(folders=[out, export_cases], stores=[store])
        loaded = load_sweep(spec, max_cases=max_cases, time_limit=time_limit, workspace=workspace, strict=strict)
        if export_cases is not None:
            written = write_cases(loaded, export_cases)
            console.print(f"Wrote {len(written)} case files to {export_cases}", highlight=False)
    except SopoptError as exc:
        raise fail(exc) from None
    if case is not None:
        _solve_sweep_case(loaded, case, out)
    elif store is not None:
        _run_sweep(loaded, store, SweepRun(workers, scheduler, restart, keep, quiet, store_wait, connect_timeout))
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
    """Run a sweep into ``store``, then print what came out: statuses, spreads, the
    best and the worst case."""
    tables = [t.strip() for t in how.keep.split(",") if t.strip()] if how.keep is not None else None
    try:
        with Store(store, wait=how.store_wait, say=say) as db, SweepBar(errors, how.quiet) as bar:
            result = run_sweep(loaded, db, workers=how.workers, scheduler=how.scheduler, restart=how.restart,
                               keep=tables, progress=bar, connect_timeout=how.connect_timeout)
            cases = db.frame("SELECT * FROM cases WHERE sweep = ?", [result.name])
    except SopoptError as exc:
        raise fail(exc) from None
    if tables and result.skipped:
        say(f"warning: --keep {','.join(tables)} applies to the {result.solved} cases solved now; the "
            f"{result.skipped} already stored keep the tables they were stored with (--restart solves and keeps "
            "them all)")
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
            raise invalid(f"--change-cost: expected DECISION=COST (e.g. production=2.5), got {item!r}") from None
    return out


@app.command("replan")
def replan_command(
    previous: Annotated[str, typer.Argument(help="Folder of the previous plan (written by solve, replan or a "
                                            "hedge case folder), or a stored plan of record DB:CYCLE[:VERSION] "
                                            "(the approved version by default).")],
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
        result = replan(previous_plan(previous), case, freeze, costs, options=options)
        print_replan(console, result)
        print_warnings(errors, case.warnings)
        if out is not None:
            written = write_replan(result, out)
            console.print(f"Wrote {len(written)} files to {out}", highlight=False)
    except SopoptError as exc:
        raise fail(exc) from None
    exit_for([result.plan])


