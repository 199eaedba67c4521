"""The results store: the one module that touches DuckDB.

A DuckDB database of results: the cases of sweeps and single solves side by side. Only
the calling process writes it (workers send their results back; a cluster never touches
the file). Tables (documented in docs/sweeps.md):

- ``cases``: one row per sweep case, written in batches as cases finish, keyed by ``case_id``;
- ``runs``: one row per ``sopopt solve --store``, with the scenario, a label (e.g. the
  planning cycle) and a timestamp;
- with ``--keep``, each kept plan table (``plan``, ``production``, ...): its long rows
  with a leading ``case_id`` column.

Both result tables have one ``cost_<category>`` column per cost category and one column
per KPI of ``plan.kpis`` (added when a KPI first appears). Cases are written in
batches, one transaction per batch (:meth:`Store.add_cases`): a case is stored with all
its kept rows, or not at all, and a crash loses at most the batch not yet written.

The store holds like the result folders do:

- a path that exists and is not a DuckDB database (a CSV file, a folder) is refused
  before anything runs (:func:`check_store`, exit 2 naming the file), so no result is
  written into a view of someone's file and lost;
- a store held by another process is waited for (up to ``wait`` seconds, saying so),
  then refused as busy (exit 5): two runs take turns, nothing is lost or solved twice;
- ``sopopt_meta`` records the schema version (:data:`SCHEMA_VERSION`); an older store is
  migrated in place on first open, with a copy of it kept beside it; a newer one is
  refused;
- every DuckDB or OS error is one line: a damaged or unusable database exit 2, a write
  that failed (disk full, permission) exit 5. Writes pass the one writer's fault hook
  (:func:`sopopt.io.writer.fault_point`), so a full disk can be simulated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from sopopt.errors import ExitCode, OutputError, SopoptError
from sopopt.io.paths import display_path
from sopopt.io.writer import fault_point, output_error
from sopopt.model.catalogue import COST_CATEGORIES, VARIABLES
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
    "tolerance": "DOUBLE",
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
    tolerance = plan.info.get("tolerance")
    row["tolerance"] = None if tolerance is None else float(tolerance)
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




class StoreError(SopoptError):
    """The results database cannot be used as asked (not a database, damaged, written by
    a newer sopopt, or it holds a case computed from other inputs): exit 2."""

    exit_code = ExitCode.INVALID


#: Version of the tables' layout, recorded in ``sopopt_meta``. 1: before the version was
#: recorded; 2: case ids name the sweep and every adjustment in full, ``tolerance`` column.
SCHEMA_VERSION = 2
#: Default seconds to wait for a store another process holds (``--store-wait``).
STORE_WAIT = 60.0
#: DuckDB's magic bytes, at offset 8 of every database file.
_MAGIC = b"DUCK"
_F = TypeVar("_F", bound=Callable[..., Any])


def check_store(path: str | Path) -> Path:
    """Refuse a store path that exists and is not a DuckDB database (a CSV or JSON file,
    a folder, an empty file), before anything runs.

    Raises:
        StoreError: naming the file (exit 2).
    """
    path = Path(path)
    name = display_path(path)
    if path.is_dir():
        raise StoreError(f"{name}: the results store is a folder, not a DuckDB database file")
    if path.exists():
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
        except OSError as exc:
            raise StoreError(f"{name}: cannot read the results store: {exc.strerror or exc}") from None
        if head[8:12] != _MAGIC:
            raise StoreError(f"{name}: not a DuckDB database; refusing to use it as the results store "
                             "(give a new file name, e.g. results.duckdb)")
    return path


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _holder(message: str) -> str:
    found = re.search(r"\(PID (\d+)\)", message)
    return f"process {found.group(1)}" if found else "another process"


def store_error(path: Path, exc: BaseException) -> SopoptError:
    """One line for a DuckDB or OS error on the store: exit 5 when writing failed (disk
    full, permission, I/O), exit 2 when the database itself cannot be used."""
    import duckdb

    if isinstance(exc, OSError):
        return output_error(path, exc)
    text = _first_line(exc)
    if isinstance(exc, duckdb.IOException) or "No space left" in text:
        reason = "no space left on the device (disk full)" if "No space left" in text else text
        return OutputError(display_path(path), reason)
    return StoreError(f"{display_path(path)}: cannot use the results store: {text}")


def _guarded(method: _F) -> _F:
    """Run a store method with every DuckDB/OS error turned into one line (see
    :func:`store_error`)."""

    @functools.wraps(method)
    def run(self: Store, *args: Any, **kwargs: Any) -> Any:
        import duckdb

        try:
            return method(self, *args, **kwargs)
        except (duckdb.Error, OSError) as exc:
            raise store_error(self.path, exc) from None

    return run  # type: ignore[return-value]


def _connect(path: Path, wait: float, say: Callable[[str], None] | None, read_only: bool) -> Any:
    """Open the database, waiting up to ``wait`` seconds while another process holds it
    (a line through ``say`` when the wait starts and every 10 s).

    Raises:
        OutputError: still held after ``wait`` seconds ("store busy", exit 5).
    """
    import duckdb

    start = time.monotonic()
    said = -10.0
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            waited = time.monotonic() - start
            holder = _holder(str(exc))
            if waited >= wait:
                raise OutputError(display_path(path), f"store busy: {holder} holds it; gave up after waiting "
                                  f"{wait:g} s (--store-wait)") from None
            if say is not None and waited - said >= 10.0:
                said = waited
                say(f"waiting for the results store {display_path(path)}: {holder} holds it "
                    f"({waited:.0f} of {wait:g} s, --store-wait)")
            time.sleep(min(0.2, max(wait - waited, 0.01)))


class Store:
    """A results database, opened by this process only (others wait for it).

    Args:
        path: the DuckDB file (created if absent, unless ``read_only``).
        wait: seconds to wait while another process holds the store.
        say: where to tell the user about a wait or a migration (one line each).
        read_only: open for queries only (the file must exist).

    Raises:
        StoreError: not a DuckDB database, damaged, or from a newer sopopt (exit 2).
        OutputError: busy after ``wait`` seconds, or it cannot be created (exit 5).
    """

    def __init__(self, path: str | Path, *, wait: float = STORE_WAIT, say: Callable[[str], None] | None = None,
                 read_only: bool = False) -> None:
        import duckdb

        self.path = check_store(path)
        self.say = say
        self.read_only = read_only
        if read_only and not self.path.is_file():
            raise StoreError(f"{display_path(self.path)}: no such results store")
        try:
            if not read_only:
                fault_point(self.path)
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = _connect(self.path, wait, say, read_only)
        except (duckdb.Error, OSError) as exc:
            raise store_error(self.path, exc) from None
        #: Columns of each table this process has created or seen, to add KPI columns once.
        self._known: dict[str, set[str]] = {}
        self.version = self._check_version(wait)

    def close(self) -> None:
        """Close the database (everything written is already committed)."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ schema version

    @_guarded
    def _check_version(self, wait: float) -> int:
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "sopopt_meta" in tables:
            (value,) = self.con.execute("SELECT value FROM sopopt_meta WHERE key = 'schema_version'").fetchone() \
                or ("1",)
            version = int(value)
        else:
            version = 1 if tables & {"cases", "runs"} else SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise StoreError(f"{display_path(self.path)}: written by a newer sopopt (store schema {version}; this "
                             f"sopopt knows {SCHEMA_VERSION}): use that version, or another store")
        if self.read_only:
            return version
        if version < SCHEMA_VERSION:
            self._migrate(version, wait)
        elif "sopopt_meta" not in tables:
            self._write_version()
        return SCHEMA_VERSION

    def _write_version(self) -> None:
        fault_point(self.path)
        self.con.execute("CREATE TABLE IF NOT EXISTS sopopt_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        self.con.execute("INSERT OR REPLACE INTO sopopt_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    def _migrate(self, version: int, wait: float) -> None:
        """Bring a store of schema ``version`` up to :data:`SCHEMA_VERSION` in place, after
        keeping a copy of it beside it (``<name>.v<version>.bak``)."""
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        self.con.execute("CHECKPOINT")
        self.con.close()
        fault_point(backup)
        shutil.copy2(self.path, backup)
        self.con = _connect(self.path, wait, self.say, False)
        self.con.execute("BEGIN TRANSACTION")
        try:
            for table in ("cases", "runs"):
                if self.has_table(table):
                    self.con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS tolerance DOUBLE")
            self._write_version()
            self.con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self.con.execute("ROLLBACK")
            raise
        if self.say is not None:
            self.say(f"migrated the results store {display_path(self.path)} from schema {version} to "
                     f"{SCHEMA_VERSION}; the old one is kept as {display_path(backup)} (cases stored before keep "
                     "their old ids: a rerun of their sweep solves them again)")

    # ------------------------------------------------------------------ writing

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

    @_guarded
    def has_table(self, table: str) -> bool:
        """True when the database has the table."""
        rows = self.con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()
        return bool(rows)

    @_guarded
    def create(self, table: str, columns: Mapping[str, str]) -> None:
        """Create a table with these columns (name -> SQL type) unless it exists."""
        self._create(table, columns)

    @_guarded
    def append(self, table: str, row: Mapping[str, Any]) -> None:
        """Append one row (columns by name)."""
        names = ", ".join(_quote(k) for k in row)
        marks = ", ".join("?" for _ in row)
        self.con.execute(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", list(row.values()))

    @_guarded
    def append_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Append a frame's rows, creating the table from its columns when absent."""
        self._append_rows(table, frame)

    def _append_rows(self, table: str, frame: pd.DataFrame) -> None:
        self.con.register("_sopopt_rows", frame)
        try:
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_quote(table)} AS SELECT * FROM _sopopt_rows LIMIT 0")
            self.con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM _sopopt_rows")
        finally:
            self.con.unregister("_sopopt_rows")

    @_guarded
    def execute(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one SQL statement."""
        return self.con.execute(query, params or []).fetchall()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything in the block is committed together, or not at all; on a failure the
        failure (not a rollback error, e.g. behind a full disk) is what is raised."""
        fault_point(self.path)
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self.con.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ sweep cases

    @_guarded
    def stored_cases(self) -> dict[str, str]:
        """``case_id -> input_hash`` of every stored case."""
        if self.read_only and not self.has_table("cases"):
            return {}
        if not self.read_only:
            self._create("cases", CASE_COLUMNS)
        return dict(self.con.execute("SELECT case_id, input_hash FROM cases").fetchall())

    @_guarded
    def kept_tables(self) -> list[str]:
        """Names of the tables that hold kept plan rows by case."""
        rows = self.con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'case_id' "
            "AND table_name NOT IN ('cases', 'runs')").fetchall()
        return sorted(r[0] for r in rows)

    @_guarded
    def delete_cases(self, case_ids: Iterable[str]) -> None:
        """Remove these cases and their kept rows (``--restart`` passes its own sweep's)."""
        ids = list(case_ids)
        if not ids:
            return
        tables = ["cases", *self.kept_tables()]
        with self.transaction():
            for table in tables:
                self.con.execute(f"DELETE FROM {_quote(table)} WHERE case_id IN (SELECT unnest(?))", [ids])

    def add_case(self, row: Mapping[str, Any], tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        """Store one finished case (and its kept tables) in one transaction."""
        self.add_cases([(row, tables or {})])

    @_guarded
    def add_cases(self, cases: Sequence[tuple[Mapping[str, Any], Mapping[str, pd.DataFrame]]]) -> None:
        """Store a batch of finished cases (each a row and its kept tables) in one
        transaction: all of them, or none."""
        if not cases:
            return
        self._create("cases", CASE_COLUMNS)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with self.transaction():
            for row, tables in cases:
                record = {**row, "finished_at": now}
                if isinstance(record.get("variation"), dict):
                    record["variation"] = json.dumps(record["variation"], sort_keys=True)
                self._add_columns("cases", record)
                self._insert("cases", record)
                for name, frame in tables.items():
                    self._add_rows(name, row["case_id"], frame)

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

    @_guarded
    def add_run(self, plan: Plan, scenario: str, input_hash: str, label: str | None = None,
                tables: Mapping[str, pd.DataFrame] | None = None) -> int:
        """Store one solve in ``runs`` (and ``tables``, each row tagged with the run number,
        e.g. a risk run's ``risk`` and ``risk_by_period``) in one transaction; returns its
        run number."""
        self._create("runs", RUN_COLUMNS)
        with self.transaction():
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
            self._add_columns("runs", record)
            self._insert("runs", record)
            for name, frame in (tables or {}).items():
                rows = frame.copy()
                rows.insert(0, "run_id", run_id)
                self._append_rows(name, rows)
        return run_id

    # ------------------------------------------------------------------ reading

    @_guarded
    def frame(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """The result of a SQL query as a DataFrame (e.g. ``SELECT * FROM cases``)."""
        return self.con.execute(query, params or []).df()

    @_guarded
    def tables(self) -> dict[str, int]:
        """Every table of the store with its number of rows (``sopopt_meta`` left out)."""
        names = [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name <> 'sopopt_meta' "
            "ORDER BY table_name").fetchall()]
        counts: dict[str, int] = {}
        for name in names:
            (count,) = self.con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone() or (0,)
            counts[name] = int(count)
        return counts
