"""The monthly cycle: plans of record with sign-off, and how the approved plan compared
with what happened (docs/store.md).

A *plan of record* is a result folder stored whole in the results database as a version
of a planning cycle (``2027-03``, ``March S&OP``): every file of the folder (all tables,
``run.json`` with its inputs, adjustments and warnings). Versions are numbered 1, 2, ...
within a cycle. Sign-off is an append-only log of events: ``recorded``, ``approved`` and
``superseded``; approving a version supersedes the cycle's former approved version, and
both events are kept. Nothing is ever overwritten or deleted. A version's status is read
from the log: ``approved`` (the last approved), ``superseded`` (approved before it) or
``draft``.

Accuracy compares actuals (product, site, period, and ``demand`` and/or ``produced``)
with the approved plan of a cycle over the cells present in both:

- forecast accuracy (the plan's demand F against actual demand A), by product, family
  and in total: WAPE = sum|A - F| / sum A; bias = sum(F - A) / sum A (positive: the
  forecast was too high); MAPE = mean of |A - F| / A over cells with A > 0;
- production adherence = 1 - sum|produced - planned| / sum planned (blank, with a note,
  when nothing was planned).

Every database access goes through :class:`~sopopt.results.store.Store`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.io.paths import display_path
from sopopt.io.reader import number_cell, read_table
from sopopt.io.writer import is_own_folder, write_text
from sopopt.results.folders import read_plan
from sopopt.results.plan import Plan
from sopopt.results.store import Store, StoreError

VERSIONS = {"cycle": "VARCHAR", "version": "INTEGER", "recorded_at": "TIMESTAMP", "source": "VARCHAR",
            "name": "VARCHAR", "status_at_solve": "VARCHAR", "objective": "DOUBLE"}
EVENTS = {"cycle": "VARCHAR", "version": "INTEGER", "event": "VARCHAR", "happened_at": "TIMESTAMP",
          "person": "VARCHAR", "note": "VARCHAR"}
FILES = {"cycle": "VARCHAR", "version": "INTEGER", "file": "VARCHAR", "content": "VARCHAR"}
ACCURACY_COLUMNS = ("level", "name", "cells", "actual", "forecast", "wape", "bias", "mape")
ADHERENCE_COLUMNS = ("level", "name", "cells", "planned", "produced", "adherence", "note")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_plan(store: Store, folder: Path, cycle: str, *, approve: bool = False, by: str | None = None,
                note: str | None = None) -> int:
    """Store the result folder ``folder`` as the next version of ``cycle``; with
    ``approve``, approve it too. Returns the version number.

    Raises:
        ScenarioError: ``folder`` is not a result folder that reads back.
    """
    plan = read_plan(folder)  # refuses a damaged folder before anything is stored
    if not is_own_folder(folder):
        raise ScenarioError([Problem(Location(display_path(folder)), "", "not a sopopt result folder")])
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in {".csv", ".json"})
    with store.transaction():
        store.create("plan_versions", VERSIONS)
        store.create("plan_events", EVENTS)
        store.create("plan_files", FILES)
        (last,) = store.execute("SELECT coalesce(max(version), 0) FROM plan_versions WHERE cycle = ?", [cycle])[0]
        version = int(last) + 1
        at = _now()
        store.append("plan_versions", {"cycle": cycle, "version": version, "recorded_at": at,
                                       "source": display_path(folder), "name": plan.name,
                                       "status_at_solve": plan.status.value, "objective": plan.objective})
        for path in files:
            store.append("plan_files", {"cycle": cycle, "version": version, "file": path.name,
                                        "content": path.read_text(encoding="utf-8")})
        store.append("plan_events", {"cycle": cycle, "version": version, "event": "recorded", "happened_at": at, "person": by,
                                     "note": note})
        if approve:
            _approve(store, cycle, version, by, note)
    return version


def approve_plan(store: Store, cycle: str, version: int, by: str | None = None, note: str | None = None) -> None:
    """Approve a stored version; the cycle's former approved version is superseded."""
    with store.transaction():
        _approve(store, cycle, version, by, note)


def _approve(store: Store, cycle: str, version: int, by: str | None, note: str | None) -> None:
    known = store.execute("SELECT 1 FROM plan_versions WHERE cycle = ? AND version = ?", [cycle, version]) \
        if store.has_table("plan_versions") else []
    if not known:
        raise StoreError(f"cycle {cycle!r} has no version {version}")
    current = approved_version(store, cycle)
    if current == version:
        return
    at = _now()
    if current is not None:
        store.append("plan_events", {"cycle": cycle, "version": current, "event": "superseded", "happened_at": at, "person": by,
                                     "note": f"by version {version}"})
    store.append("plan_events", {"cycle": cycle, "version": version, "event": "approved", "happened_at": at, "person": by,
                                 "note": note})


def approved_version(store: Store, cycle: str) -> int | None:
    """The cycle's approved version (the last one approved), or None."""
    if not store.has_table("plan_events"):
        return None
    rows = store.execute("SELECT version FROM plan_events WHERE cycle = ? AND event = 'approved' "
                         "ORDER BY happened_at DESC, rowid DESC LIMIT 1", [cycle])
    return int(rows[0][0]) if rows else None


def plan_versions(store: Store, cycle: str | None = None) -> pd.DataFrame:
    """Every stored version (of one cycle) with its status, who recorded and who approved
    it, when, and the notes."""
    columns = ["cycle", "version", "status", "recorded_at", "recorded_by", "approved_at", "approved_by", "note",
               "name", "objective", "source"]
    if not store.has_table("plan_versions"):
        return pd.DataFrame(columns=columns)
    where, params = ("WHERE v.cycle = ?", [cycle]) if cycle is not None else ("", [])
    frame = store.frame(
        "SELECT v.cycle, v.version, v.recorded_at, v.name, v.objective, v.source, "
        "r.person AS recorded_by, r.note AS note, a.happened_at AS approved_at, a.person AS approved_by "
        "FROM plan_versions v "
        "LEFT JOIN plan_events r ON r.cycle = v.cycle AND r.version = v.version AND r.event = 'recorded' "
        "LEFT JOIN (SELECT cycle, version, max(happened_at) AS happened_at, "
        "arg_max(person, happened_at) AS person FROM plan_events "
        "WHERE event = 'approved' GROUP BY cycle, version) a ON a.cycle = v.cycle AND a.version = v.version "
        f"{where} ORDER BY v.cycle, v.version", params)
    approved = {c: approved_version(store, c) for c in frame["cycle"].unique()}
    frame["status"] = [
        "approved" if approved[c] == v else ("superseded" if pd.notna(at) else "draft")
        for c, v, at in zip(frame["cycle"], frame["version"], frame["approved_at"], strict=True)
    ]
    return frame[columns]


def load_version(store: Store, cycle: str, version: int | None = None) -> Plan:
    """A stored version as a :class:`Plan` (the approved one when ``version`` is None),
    read back exactly as from the result folder it came from."""
    if version is None:
        version = approved_version(store, cycle)
        if version is None:
            raise StoreError(f"cycle {cycle!r} has no approved plan: approve a version, or name one (DB:CYCLE:N)")
    rows = store.execute("SELECT file, content FROM plan_files WHERE cycle = ? AND version = ?", [cycle, version]) \
        if store.has_table("plan_files") else []
    if not rows:
        raise StoreError(f"cycle {cycle!r} has no version {version}")
    with tempfile.TemporaryDirectory(prefix="sopopt-cycle-") as tmp:
        folder = Path(tmp) / f"{cycle}-v{version}"
        folder.mkdir()
        for name, content in rows:
            write_text(folder / Path(name).name, content)
        return read_plan(folder)


# ---------------------------------------------------------------------- accuracy


def read_actuals(path: Path, where: Location | None = None) -> pd.DataFrame:
    """Actuals: columns product, site, period and ``demand`` and/or ``produced``; an empty
    cell is not given (it is left out, never read as 0).

    Raises:
        ScenarioError: a missing column or a cell that is not a number, at file:line.
    """
    name = display_path(path)
    rows = read_table(path, None, where or Location(name), "--actuals")
    header = list(rows[0][1]) if rows else []
    missing = [c for c in ("product", "site", "period") if c not in header]
    measures = [c for c in ("demand", "produced") if c in header]
    if missing or not measures:
        what = f"column '{missing[0]}'" if missing else "a 'demand' or 'produced' column"
        raise ScenarioError([Problem(Location(name, 1), "--actuals", f"the actuals table has no {what}",
                                     "columns: product, site, period, demand and/or produced")])
    records, problems = [], []
    for line, row in rows:
        record: dict[str, Any] = {k: row[k] for k in ("product", "site", "period")}
        for column in measures:
            text = row.get(column, "").strip()
            try:
                record[column] = number_cell(text, Location(name, line), column, column) if text else np.nan
            except ScenarioError as exc:
                problems.extend(exc.problems)
        records.append(record)
    if problems:
        raise ScenarioError(problems)
    return pd.DataFrame.from_records(records, columns=["product", "site", "period", *measures])


def _scopes(cells: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    scopes = [("product", str(p), g) for p, g in cells.groupby("product", sort=True)]
    scopes += [("family", str(f), g) for f, g in cells.groupby("family", sort=True) if f]
    return [*scopes, ("total", "all", cells)]


def _merged(plan: Plan, actuals: pd.DataFrame) -> pd.DataFrame:
    columns = ["product", "site", "period", "family", "demand", "production"]
    table = plan.tables["plan"][columns].rename(columns={"demand": "forecast", "production": "planned"})
    table = table.astype({"product": str, "site": str, "period": str})
    return table.merge(actuals.astype({"product": str, "site": str, "period": str}), on=["product", "site", "period"],
                       how="inner")


def accuracy(plan: Plan, actuals: pd.DataFrame) -> pd.DataFrame:
    """Forecast accuracy (WAPE, bias, MAPE) of the plan's demand against actual demand,
    by product, family and in total, over the cells present in both."""
    if "demand" not in actuals:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    cells = _merged(plan, actuals).dropna(subset=["demand"])
    out = []
    for level, name, group in _scopes(cells):
        a, f = group["demand"].to_numpy(float), group["forecast"].to_numpy(float)
        total = a.sum()
        positive = a > 0
        out.append({"level": level, "name": name, "cells": len(group), "actual": total, "forecast": f.sum(),
                    "wape": np.abs(a - f).sum() / total if total > 0 else np.nan,
                    "bias": (f - a).sum() / total if total > 0 else np.nan,
                    "mape": float(np.mean(np.abs(a - f)[positive] / a[positive])) if positive.any() else np.nan})
    return pd.DataFrame(out, columns=ACCURACY_COLUMNS)


def adherence(plan: Plan, actuals: pd.DataFrame) -> pd.DataFrame:
    """Production adherence (1 - sum|produced - planned| / sum planned), by product,
    family and in total, over the cells present in both."""
    if "produced" not in actuals:
        return pd.DataFrame(columns=ADHERENCE_COLUMNS)
    cells = _merged(plan, actuals).dropna(subset=["produced"])
    out = []
    for level, name, group in _scopes(cells):
        planned, produced = group["planned"].to_numpy(float), group["produced"].to_numpy(float)
        total = planned.sum()
        out.append({"level": level, "name": name, "cells": len(group), "planned": total, "produced": produced.sum(),
                    "adherence": 1 - np.abs(produced - planned).sum() / total if total > 0 else np.nan,
                    "note": "" if total > 0 else "nothing was planned"})
    return pd.DataFrame(out, columns=ADHERENCE_COLUMNS)


def store_accuracy(store: Store, cycle: str, version: int, table: str, frame: pd.DataFrame) -> None:
    """Keep an accuracy or adherence result with its cycle, version and time (appended)."""
    data = frame.copy()
    data.insert(0, "computed_at", _now())
    data.insert(0, "version", version)
    data.insert(0, "cycle", cycle)
    with store.transaction():
        store.append_frame(table, data)


# ---------------------------------------------------------------------- the last cycle


@dataclass(frozen=True)
class CycleReview:
    """A cycle's plan of record against what happened: the approved version (who signed
    it off, when) and the accuracy and adherence last computed for it (``sopopt store
    accuracy``), read from the store; what the report's "last cycle" section shows."""

    cycle: str
    version: int
    name: str
    objective: float
    approved_by: str | None
    approved_at: dt.datetime | None
    #: When the accuracy below was computed (None: no actuals were stored for this version).
    computed_at: dt.datetime | None = None
    accuracy: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ACCURACY_COLUMNS))
    adherence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ADHERENCE_COLUMNS))


def _latest(store: Store, table: str, cycle: str, version: int, columns: tuple[str, ...]) -> pd.DataFrame:
    """The rows of ``table`` computed last for the cycle's version (an empty frame when none)."""
    if not store.has_table(table):
        return pd.DataFrame(columns=columns)
    frame = store.frame(f"SELECT * FROM {table} WHERE cycle = ? AND version = ? AND computed_at = "
                        f"(SELECT max(computed_at) FROM {table} WHERE cycle = ? AND version = ?)",
                        [cycle, version, cycle, version])
    return frame.drop(columns=["cycle", "version"]).reset_index(drop=True)


def review_cycle(store: Store, cycle: str) -> CycleReview:
    """The cycle's approved plan of record and its last stored accuracy and adherence.

    Raises:
        StoreError: the cycle has no approved plan.
    """
    version = approved_version(store, cycle)
    if version is None:
        raise StoreError(f"cycle {cycle!r} has no approved plan: approve a version (sopopt store record ... --approve)")
    row = plan_versions(store, cycle).set_index("version").loc[version]
    forecast = _latest(store, "accuracy", cycle, version, ACCURACY_COLUMNS)
    production = _latest(store, "adherence", cycle, version, ADHERENCE_COLUMNS)
    stamps = [f["computed_at"].iloc[0] for f in (forecast, production) if not f.empty]
    return CycleReview(cycle, version, str(row["name"]), float(row["objective"]),
                       None if pd.isna(row["approved_by"]) else str(row["approved_by"]),
                       None if pd.isna(row["approved_at"]) else row["approved_at"].to_pydatetime(),
                       max(stamps) if stamps else None,
                       forecast.drop(columns="computed_at", errors="ignore")[list(ACCURACY_COLUMNS)],
                       production.drop(columns="computed_at", errors="ignore")[list(ADHERENCE_COLUMNS)])


# ---------------------------------------------------------------------- references


def stored_reference(text: str) -> tuple[Path, str, int | None] | None:
    """``DB:CYCLE`` or ``DB:CYCLE:VERSION`` as (database, cycle, version), when ``text``
    is not a path that exists and DB is a file; else None (a path is read as a path first)."""
    if Path(text).exists() or ":" not in text:
        return None
    database, _, rest = text.partition(":")
    if not Path(database).is_file() or not rest:
        return None
    cycle, _, version = rest.rpartition(":")
    if cycle and version.isdigit():
        return Path(database), cycle, int(version)
    return Path(database), rest, None


def stored_plan(text: str) -> Plan | None:
    """The plan a ``DB:CYCLE[:VERSION]`` reference names (the approved version when no
    version is given), or None when ``text`` is not such a reference."""
    reference = stored_reference(text)
    if reference is None:
        return None
    database, cycle, version = reference
    with Store(database) as store:
        return load_version(store, cycle, version)


def record_solved(store: Store, plan: Plan, cycle: str, note: str | None = None) -> int:
    """Record a plan just solved (no result folder yet) as a draft version of ``cycle``."""
    from sopopt.results.folders import write_outputs

    with tempfile.TemporaryDirectory(prefix="sopopt-record-") as tmp:
        folder = Path(tmp) / "plan"
        write_outputs(plan, folder)
        return record_plan(store, folder, cycle, note=note)
