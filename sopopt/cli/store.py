"""``sopopt store``: read a results database without a separate DuckDB program.

``store show DB`` lists what a database holds (the sweeps with their cases by status,
the best cases, the stored runs); ``store query DB "SQL"`` runs one query. Both open
the database read-only, through :class:`sopopt.results.store.Store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from sopopt.cli.app import app
from sopopt.cli.cycle import add_commands as add_cycle_commands
from sopopt.cli.exits import console, fail
from sopopt.errors import SopoptError
from sopopt.report.terminal import grid, show
from sopopt.report.terminal_analysis import sweep_summary
from sopopt.results.store import Store

group = typer.Typer(help="Results databases: sweeps and runs (show, query), the monthly cycle's plans of record, "
                    "sign-off and accuracy (record, plans, accuracy; docs/store.md).",
                    no_args_is_help=True)
add_cycle_commands(group)  # record, plans, accuracy (the monthly cycle)
app.add_typer(group, name="store")

DatabaseArg = Annotated[Path, typer.Argument(help="DuckDB results database.", exists=True, dir_okay=False)]


def print_frame(frame: pd.DataFrame, title: str | None = None) -> None:
    """A query result as a table (numbers right-aligned, names never cut)."""
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    numeric = [str(name) for name in frame.columns
               if pd.api.types.is_numeric_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name])]
    rows = [tuple(row) for row in text.itertuples(index=False)]
    show(console, grid(console, title or "", [str(name) for name in frame.columns], rows, numeric=numeric))


@group.command("show")
def show_store(
    database: DatabaseArg,
    sweep: Annotated[str | None, typer.Option(help="Only this sweep.")] = None,
    top: Annotated[int, typer.Option(help="Cases listed per sweep (best first).", min=0)] = 5,
) -> None:
    """What the database holds: each sweep's cases by status, spreads and best cases;
    the runs stored by 'sopopt solve --store'."""
    try:
        with Store(database, read_only=True) as db:
            tables = set(db.frame("SELECT table_name FROM information_schema.tables")["table_name"])
            cases = db.frame("SELECT * FROM cases") if "cases" in tables else pd.DataFrame()
            runs = db.frame("SELECT * FROM runs ORDER BY run_id") if "runs" in tables else pd.DataFrame()
    except SopoptError as exc:
        raise fail(exc) from None
    if sweep is not None:
        cases = cases[cases["sweep"] == sweep] if not cases.empty else cases
    for name, group in cases.groupby("sweep", sort=True) if not cases.empty else []:
        lines = sweep_summary(group, "")
        console.print(f"[bold]sweep {name}[/]: {lines[0]}", highlight=False)
        for line in lines[1:]:
            console.print(line, highlight=False, markup=False)
        measure = "profit" if group["profit"].notna().any() else "objective"
        best = group.sort_values(measure, ascending=measure == "objective").head(top)
        print_frame(best[["case_id", "status", measure, "fill_rate", "variation"]]
                    if "fill_rate" in best else best[["case_id", "status", measure, "variation"]])
    if sweep is None and not runs.empty:
        shown = [c for c in ("run_id", "timestamp", "scenario", "label", "status", "objective", "profit", "fill_rate")
                 if c in runs]
        print_frame(runs[shown], f"{len(runs)} stored runs")
    if cases.empty and (runs.empty or sweep is not None):
        console.print("nothing stored" + (f" for sweep {sweep}" if sweep is not None else ""), highlight=False)


@group.command("query")
def query_store(database: DatabaseArg, sql: Annotated[str, typer.Argument(help="One SQL query (read-only).")]) -> None:
    """Run one SQL query on the database (opened read-only) and print the result."""
    try:
        with Store(database, read_only=True) as db:
            frame = db.frame(sql)
    except SopoptError as exc:
        raise fail(exc) from None
    print_frame(frame)
