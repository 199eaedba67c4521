"""``sopopt store record | plans | accuracy``: the monthly cycle's plans of record
(see :mod:`sopopt.results.cycle` and docs/store.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sopopt.cli.exits import console, fail, invalid
from sopopt.errors import SopoptError
from sopopt.io.writer import replacing_folder
from sopopt.report.cycle import accuracy_sentence, print_accuracy
from sopopt.results.cycle import (
    CycleReview,
    accuracy,
    adherence,
    approve_plan,
    approved_version,
    load_version,
    plan_versions,
    read_actuals,
    record_plan,
    review_cycle,
    store_accuracy,
)
from sopopt.results.store import Store

DatabaseArg = Annotated[Path, typer.Argument(help="DuckDB results database (created if absent).", dir_okay=False)]
CycleOpt = Annotated[str, typer.Option("--cycle", help="The planning cycle, e.g. 2027-03.")]



def record(
    database: DatabaseArg,
    folder: Annotated[Path, typer.Argument(help="Result folder of the plan (solve --out).", exists=True,
                                           file_okay=False)],
    cycle: CycleOpt,
    approve: Annotated[bool, typer.Option("--approve", help="Approve this version (supersedes the cycle's "
                                          "approved one).")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who records (and approves).")] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the record.")] = None,
    version: Annotated[int | None, typer.Option(help="Approve this stored version instead of recording "
                                                "FOLDER again.", min=1)] = None,
) -> None:
    """Store a result folder as a version of a planning cycle (append-only; --approve signs it off)."""
    try:
        with Store(database) as db:
            if version is not None:
                approve_plan(db, cycle, version, by, note)
                number = version
            else:
                number = record_plan(db, folder, cycle, approve=approve, by=by, note=note)
            status = "approved" if approved_version(db, cycle) == number else "draft"
    except SopoptError as exc:
        raise fail(exc) from None
    console.print(f"{cycle} version {number}: {status}" + (f" by {by}" if by else ""),
                  highlight=False)

def plans(
    database: Annotated[Path, typer.Argument(help="DuckDB results database.", exists=True, dir_okay=False)],
    cycle: Annotated[str | None, typer.Option("--cycle", help="Only this cycle.")] = None,
) -> None:
    """The stored versions with their status (draft, approved, superseded), who, when and the note."""
    try:
        with Store(database) as db:
            frame = plan_versions(db, cycle)
    except SopoptError as exc:
        raise fail(exc) from None
    table = Table(title=f"{len(frame)} plan versions" + (f" of cycle {cycle}" if cycle else ""))
    for name in ("cycle", "version", "status", "recorded", "by", "approved", "by ", "note", "plan"):
        table.add_column(name)
    for row in frame.itertuples():
        table.add_row(escape(str(row.cycle)), str(row.version), row.status, f"{row.recorded_at:%Y-%m-%d %H:%M}",
                      escape(str(row.recorded_by or "")),
                      f"{row.approved_at:%Y-%m-%d %H:%M}" if row.approved_at == row.approved_at else "",
                      escape(str(row.approved_by or "")) if row.approved_by == row.approved_by else "",
                      escape(str(row.note)) if row.note == row.note and row.note else "", escape(str(row.name)))
    console.print(table)

def accuracy_command(
    database: Annotated[Path, typer.Argument(help="DuckDB results database.", exists=True, dir_okay=False)],
    cycle: CycleOpt,
    actuals: Annotated[Path, typer.Option(help="CSV or Excel: product, site, period, demand and/or produced.",
                                          exists=True, dir_okay=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for accuracy.csv and "
                                             "adherence.csv.")] = None,
) -> None:
    """Forecast accuracy (WAPE, bias, MAPE) and production adherence of a cycle's approved plan."""
    try:
        actual = read_actuals(actuals)
        with Store(database) as db:
            version = approved_version(db, cycle)
            plan = load_version(db, cycle, version)
            assert version is not None
            forecast, production = accuracy(plan, actual), adherence(plan, actual)
            store_accuracy(db, cycle, version, "accuracy", forecast)
            store_accuracy(db, cycle, version, "adherence", production)
        if out is not None:
            with replacing_folder(out) as folder:
                folder.csv("accuracy", forecast)
                folder.csv("adherence", production)
    except SopoptError as exc:
        raise fail(exc) from None
    console.print(f"{cycle} (approved version {version}): {accuracy_sentence(forecast, production)}", highlight=False)
    print_accuracy(console, forecast, production)


def add_commands(group: typer.Typer) -> None:
    """Register the cycle commands on the ``store`` command group."""
    group.command("record")(record)
    group.command("plans")(plans)
    group.command("accuracy")(accuracy_command)


def last_cycle(store: Path | None, cycle: str | None, sources: list[Path]) -> tuple[CycleReview | None, list[Path]]:
    """What ``sopopt report --store DB --cycle L`` opens with (the cycle's plan of record
    against actuals) and the sources to report: the cycle's approved plan when none is
    named.

    Raises:
        typer.Exit: one of --store and --cycle without the other, or no source at all (exit 2).
        StoreError: not a results store, or the cycle has no approved plan (exit 2).
    """
    if (store is None) != (cycle is None):
        raise invalid("give --store DB and --cycle LABEL together")
    if store is None or cycle is None:
        if not sources:
            raise invalid("give a scenario file or result folder to report (or --store DB --cycle LABEL)")
        return None, sources
    with Store(store, read_only=True) as db:
        review = review_cycle(db, cycle)
    return review, sources or [Path(f"{store}:{cycle}:{review.version}")]
