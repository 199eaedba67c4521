"""A DuckDB database of results: the cases of sweeps and single solves side by side.

Only the calling process writes it (workers send their results back; a cluster never
touches the file). Tables (documented in docs/sweeps.md):

- ``cases``: one row per sweep case, written as the case finishes, keyed by ``case_id``;
- ``runs``: one row per ``sopopt solve --store``, with the scenario, a label (e.g. the
  planning cycle) and a timestamp;
- with ``--keep``, each kept plan table (``plan``, ``production``, ...): its long rows
  with a leading ``case_id`` column.

Both result tables have one ``cost_<category>`` column per cost category and one column
per KPI of ``plan.kpis`` (added when a KPI first appears). Each case is written in one
transaction: a case is stored with all its kept rows, or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sopopt.errors import ExitCode, SopoptError
from sopopt.model.registry import COST_CATEGORIES, VARIABLES
from sopopt.results.plan import Plan

#: Plan tables that ``--keep`` can store, keyed by case.
KEEPABLE = ("plan", *dict.fromkeys(spec.table for spec in VARIABLES))

#: Fixed leading columns of ``cases`` (the KPI columns follow, added as they appear).
CASE_COLUMNS: dict[str, str] = {
    "case_id": "VARCHAR PRIMARY KEY",
    "sweep": "VARCHAR",
    "variation": "VARCHAR",
    "input_hash": "VARCHAR",
    "status": "VARCHAR",
    "objective": "DOUBLE",
    "profit": "DOUBLE",
    **{f"cost_{c}": "DOUBLE" for c in COST_CATEGORIES},
    "solve_seconds": "DOUBLE",
    "case_seconds": "DOUBLE",
    "worker": "VARCHAR",
    "reused_lp": "BOOLEAN",
    "warm_start": "BOOLEAN",
    "attempts": "INTEGER",
    "message": "VARCHAR",
    "finished_at": "TIMESTAMP",
}

#: Columns of ``runs``: a run number, when, which scenario and label, then as ``cases``.
RUN_COLUMNS: dict[str, str] = {
    "run_id": "INTEGER PRIMARY KEY",
    "timestamp": "TIMESTAMP",
    "scenario": "VARCHAR",
    "label": "VARCHAR",
    **{k: v.replace(" PRIMARY KEY", "") for k, v in CASE_COLUMNS.items() if k not in ("sweep", "finished_at")},
}


class StoreError(SopoptError):
    """The results database cannot be used as asked (locked, not a database, or it
    holds a case computed from other inputs)."""

    exit_code = ExitCode.INVALID


def plan_row(plan: Plan) -> dict[str, Any]:
    """The result columns of one plan: status, objective, profit, costs, KPIs, timings."""
    has_plan = plan.status.has_plan
    row: dict[str, Any] = {
        "status": plan.status.value,
        "objective": plan.objective,
        "profit": _profit(plan.kpis) if has_plan else None,
    }
    for category in COST_CATEGORIES:
        value = float(plan.costs.get(category, math.nan)) if has_plan else math.nan
        row[f"cost_{category}"] = None if math.isnan(value) else value
    for key, value in plan.kpis.items():
        if key != "profit" and f"cost_{key}" not in row:
            row[key] = None if value is None or math.isnan(value) else float(value)
    row["solve_seconds"] = plan.info.get("solve_seconds")
    row["warm_start"] = bool(plan.info.get("warm_start", False))
    row["message"] = "" if plan.is_optimal else plan.status.label
    return row


def _profit(kpis: Mapping[str, float]) -> float | None:
    """The plan's ``profit`` KPI (revenue less cost, see docs/kpis.md; older plans:
    ``margin``); None when products have no prices."""
    for key in ("profit", "margin"):
        if key in kpis:
            return float(kpis[key])
    return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Store:
    """A results database, opened for writing by this process only (or, with
    ``read_only``, for reading: ``sopopt store show/query``)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"cannot open the results database {self.path}: {_first_line(exc)}") from None
        #: Columns of each table this process has created or seen, to add KPI columns once.
        self._known: dict[str, set[str]] = {}

    def close(self) -> None:
        """Close the database (everything written is already committed)."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self, table: str, columns: Mapping[str, str]) -> None:
        if table in self._known:
            return
        spec = ", ".join(f"{_quote(name)} {kind}" for name, kind in columns.items())
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} ({spec})")
        rows = self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
        self._known[table] = {r[0] for r in rows}

    def _add_columns(self, table: str, row: Mapping[str, Any]) -> None:
        """Add a DOUBLE column for every KPI the table does not have yet."""
        known = self._known[table]
        for name in [k for k in row if k not in known]:
            self.con.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(name)} DOUBLE")
            known.add(name)

    def _insert(self, table: str, row: Mapping[str, Any]) -> None:
        names = ", ".join(_quote(k) for k in row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT OR REPLACE INTO {_quote(table)} ({names}) VALUES ({marks})", list(row.values()))

    # ------------------------------------------------------------------ plain tables

    def has_table(self, table: str) -> bool:
        """True when the database has the table."""
        rows = self.con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()
        return bool(rows)

    def create(self, table: str, columns: Mapping[str, str]) -> None:
        """Create a table with these columns (name -> SQL type) unless it exists."""
        self._create(table, columns)

    def append(self, table: str, row: Mapping[str, Any]) -> None:
        """Append one row (columns by name)."""
        names = ", ".join(_quote(k) for k in row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", list(row.values()))

    def append_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Append a frame's rows, creating the table from its columns when absent."""
        self.con.register("_sopopt_rows", frame)
        try:
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} AS SELECT * FROM _sopopt_rows LIMIT 0")
            self.con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM _sopopt_rows")
        finally:
            self.con.unregister("_sopopt_rows")

    def execute(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one SQL statement."""
        return self.con.execute(query, params or []).fetchall()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything in the block is committed together, or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # ------------------------------------------------------------------ sweep cases

    def stored_cases(self) -> dict[str, str]:
        """``case_id -> input_hash`` of every stored case."""
        self._create("cases", CASE_COLUMNS)
        return dict(self.con.execute("SELECT case_id, input_hash FROM cases").fetchall())

    def kept_tables(self) -> list[str]:
        """Names of the tables that hold kept plan rows by case."""
        rows = self.con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'case_id' "
            "AND table_name NOT IN ('cases', 'runs')").fetchall()
        return sorted(r[0] for r in rows)

    def delete_cases(self, case_ids: Iterable[str]) -> None:
        """Remove cases and their kept rows (used by ``--restart``)."""
        ids = list(case_ids)
        if not ids:
            return
        self.con.execute("BEGIN TRANSACTION")
        for table in ["cases", *self.kept_tables()]:
            self.con.execute(f"DELETE FROM {_quote(table)} WHERE case_id IN (SELECT unnest(?))", [ids])
        self.con.execute("COMMIT")

    def add_case(self, row: Mapping[str, Any], tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Store one finished case (and its kept tables) in one transaction."""
        self._create("cases", CASE_COLUMNS)
        record = {**row, "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
        if isinstance(record.get("variation"), dict):
            record["variation"] = json.dumps(record["variation"], sort_keys=True)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._add_columns("cases", record)
            self._insert("cases", record)
            for name, frame in (tables or {}).items():
                self._add_rows(name, row["case_id"], frame)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _add_rows(self, table: str, case_id: str, frame: pd.DataFrame) -> None:
        data = frame.copy()
        data.insert(0, "case_id", case_id)
        self.con.register("_sopopt_rows", data)
        try:
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} AS SELECT * FROM _sopopt_rows LIMIT 0")
            self.con.execute(f"DELETE FROM {_quote(table)} WHERE case_id = ?", [case_id])
            self.con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM _sopopt_rows")
        finally:
            self.con.unregister("_sopopt_rows")

    # ------------------------------------------------------------------ single runs

    def add_run(self, plan: Plan, scenario: str, input_hash: str, label: str | None = None) -> int:
        """Store one solve in ``runs``; returns its run number."""
        self._create("runs", RUN_COLUMNS)
        (last,) = self.con.execute("SELECT coalesce(max(run_id), 0) FROM runs").fetchone() or (0,)
        run_id = int(last) + 1
        record = {
            "run_id": run_id,
            "timestamp": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "scenario": scenario,
            "label": label,
            "case_id": "r" + input_hash[:11],
            "variation": json.dumps({"scenario": scenario}),
            "input_hash": input_hash,
            **plan_row(plan),
            "worker": plan.info.get("worker"),
            "reused_lp": False,
            "case_seconds": plan.info.get("total_seconds"),
            "attempts": 1,
        }
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._add_columns("runs", record)
            self._insert("runs", record)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return run_id

    def frame(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """The result of a SQL query as a DataFrame (e.g. ``SELECT * FROM cases``).

        Raises:
            StoreError: the query fails (a typo, an unknown table, a write to a
                database opened read-only); the message is DuckDB's first line.
        """
        import duckdb

        try:
            return self.con.execute(query, params or []).df()
        except duckdb.Error as exc:
            raise StoreError(f"query failed on {self.path}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
