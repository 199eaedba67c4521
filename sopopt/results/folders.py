"""A result folder: a Plan written as CSV tables and ``run.json``, and read back.

A result folder is written whole: every file goes into a new hidden sibling folder,
which is then swapped in (the old folder renamed aside, the new one renamed in, the old
one deleted) while holding a lock beside it, so concurrent writers take turns and a
reader sees one run's files or another's, never a mix. An interrupted or failed write
removes its new folder and leaves the previous result whole.

CSV files are formula-safe: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return (a name such as ``=cmd|' /C calc'!A0``) is written with a leading
``'``, so a spreadsheet opening the file shows it as text instead of running it (the
Excel output stores such cells as text too). :func:`read_plan` removes that ``'`` again.
Numbers are never changed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock

from sopopt.errors import DataWarning, Location, OutputError, Problem, ScenarioError
from sopopt.io.files import display_path, make_folder, why_not_written
from sopopt.model.registry import COST_CATEGORIES
from sopopt.results.plan import Info, Plan
from sopopt.solver.status import SolveStatus


def cost_table(plan: Plan) -> pd.DataFrame:
    """Cost breakdown with each category's share of the total."""
    frame = plan.costs.rename("cost").reset_index()
    total = float(plan.costs.sum())
    frame["share"] = frame["cost"] / total if total else 0.0
    return frame


def kpi_table(plan: Plan) -> pd.DataFrame:
    """KPIs as a two-column table."""
    return pd.DataFrame({"kpi": list(plan.kpis), "value": list(plan.kpis.values())})


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def metadata(plan: Plan) -> dict[str, Any]:
    """The run's metadata: scenario, status, objective, costs, KPIs, solver, versions."""
    from importlib.metadata import version

    from sopopt.version import __version__

    return _clean({
        "scenario": plan.info.get("scenario"),
        "name": plan.name,
        "status": plan.status.value,
        "status_text": plan.status_text,
        "optimal": plan.is_optimal,
        "objective": plan.objective,
        "currency": plan.currency,
        "costs": {k: float(v) for k, v in plan.costs.items()},
        "kpis": plan.kpis,
        "targets": plan.tables["targets"].to_dict("records") if "targets" in plan.tables else [],
        "warnings": [w.as_dict() for w in plan.warnings],
        "periods": plan.labels,
        "adjustments": list(plan.adjustments),
        "inputs": plan.inputs,
        "solver": {k: v for k, v in plan.info.items() if k != "scenario"},
        "explanation": plan.explanation.to_dict() if plan.explanation is not None else None,
        "versions": {
            "sopopt": __version__,
            "pyomo": version("pyomo"),
            "highspy": version("highspy"),
            "highs": plan.info.get("solver_version"),
            "python": platform.python_version(),
            "pandas": pd.__version__,
        },
    })


def output_tables(plan: Plan) -> dict[str, pd.DataFrame]:
    """Every table written by ``sopopt solve``, by file stem."""
    tables = dict(plan.tables)
    tables["costs"] = cost_table(plan)
    tables["kpis"] = kpi_table(plan)
    tables["service"] = plan.service
    tables["utilization"] = plan.utilization
    tables["shadow_prices"] = plan.shadow_prices
    return tables


#: Starts of a cell that a spreadsheet would read as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a leading ``'`` on every text cell that starts like a formula."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text:
        return frame
    frame = frame.copy()
    for column in text:
        frame[column] = frame[column].map(
            lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v
        )
    return frame


def _unescape(value: str) -> str:
    """Undo :func:`formula_safe` on one cell read back."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


#: Files that mark a folder as a sopopt result folder (a plan's or a hedge's).
RESULT_MARKERS = ("run.json", "hedge.json")
#: Seconds a writer waits for another writer of the same folder before giving up.
LOCK_TIMEOUT = 600.0


def is_result_folder(folder: Path) -> bool:
    """True for a folder written by sopopt (it holds ``run.json`` or ``hedge.json``)."""
    return any((folder / marker).is_file() for marker in RESULT_MARKERS)


def check_replaceable(folder: Path) -> None:
    """Raise :class:`OutputError` unless ``folder`` may be (re)written as a result folder:
    absent, empty, or a result folder. Commands check before they start working."""
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise OutputError(display_path(folder), "it is a file, not a folder")
    if not is_result_folder(folder) and any(folder.iterdir()):
        raise OutputError(
            display_path(folder),
            f"it exists and is not a sopopt result folder (no {' or '.join(RESULT_MARKERS)}); not replacing it: "
            "choose another --out folder",
        )


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a few renames, so a stop cannot fall between them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _sibling(folder: Path, kind: str) -> Path:
    """A new hidden, uniquely named, empty folder beside ``folder`` (usual permissions)."""
    while True:
        path = folder.parent / f".{folder.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _swap_in(new: Path, folder: Path) -> None:
    """Put ``new`` in the place of ``folder``: old aside, new in, old deleted."""
    old = None
    with _signals_held():
        if folder.exists():
            old = _sibling(folder, "old")
            os.replace(folder, old / folder.name)
        os.replace(new, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def replacing_folder(folder: Path) -> Iterator[Path]:
    """Write a whole result folder: yields a new empty sibling folder to write into and,
    once the block succeeds, swaps it in as ``folder`` under a lock beside it
    (``.<name>.lock``, kept for the next writer).

    Raises:
        OutputError: ``folder`` exists and is not a result folder (nor empty), or the
            lock was not released within :data:`LOCK_TIMEOUT` seconds.
    """
    folder = Path(folder)
    make_folder(folder.parent)
    lock = FileLock(str(folder.parent / f".{folder.name}.lock"), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except TimeoutError:
        raise OutputError(display_path(folder), "another run is writing it; gave up waiting") from None
    except OSError as exc:
        raise OutputError(display_path(folder), why_not_written(exc)) from None
    try:
        check_replaceable(folder)
        try:
            new = _sibling(folder, "new")
        except OSError as exc:
            raise OutputError(display_path(folder), why_not_written(exc)) from None
        try:
            yield new
            _swap_in(new, folder)
        except OSError as exc:
            raise OutputError(display_path(folder), why_not_written(exc)) from None
        finally:
            shutil.rmtree(new, ignore_errors=True)
    finally:
        lock.release()


@contextlib.contextmanager
def _reading(folder: Path) -> Iterator[None]:
    """Hold the folder's lock while reading it, so no writer swaps it mid-read. A folder
    no writer has locked (no lock file beside it) or whose lock cannot be opened (a
    read-only location) is read without one."""
    path = folder.parent / f".{folder.name}.lock"
    lock = FileLock(str(path), timeout=LOCK_TIMEOUT)
    try:
        if not path.exists():
            raise FileNotFoundError(path)
        lock.acquire()
    except (OSError, TimeoutError):
        yield
        return
    try:
        yield
    finally:
        lock.release()


def write_outputs(plan: Plan, out_dir: Path) -> list[Path]:
    """Write the plan's result folder and return the paths written.

    With a plan: every table as CSV and ``run.json``. Without one (infeasible, stopped
    before a plan, solver error): ``run.json`` only, with the status and warnings, so
    no empty tables pass for a plan. The folder is written whole (see the module doc).

    Raises:
        OutputError: ``out_dir`` exists and is not a sopopt result folder.
    """
    out_dir = Path(out_dir)
    tables = output_tables(plan) if plan.status.has_plan else {}
    with replacing_folder(out_dir) as new:
        for name, frame in tables.items():
            with (new / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
                formula_safe(frame).to_csv(handle, index=False, lineterminator="\n")
        with (new / "run.json").open("w", encoding="utf-8") as handle:
            json.dump(metadata(plan), handle, indent=2)
            handle.write("\n")
    return [out_dir / f"{name}.csv" for name in tables] + [out_dir / "run.json"]


_SUMMARY_FILES = ("costs", "kpis", "service", "utilization", "shadow_prices")
#: Columns of written tables that hold names, never numbers.
_TEXT_COLUMNS = frozenset(
    {
        "product",
        "site",
        "period",
        "family",
        "lane",
        "supplier",
        "material",
        "resource",
        "workforce",
        "kind",
        "name",
        "unit",
        "category",
        "kpi",
        "sense",
        "range_note",
        "target",
        "measure",
        "enforce",
    }
)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    for column in frame.columns:
        if column in _TEXT_COLUMNS:
            frame[column] = frame[column].map(_unescape)
            continue
        if column == "binding":
            frame[column] = frame[column].map({"True": True, "False": False})
        else:
            # A column of names this reader does not know stays text.
            with contextlib.suppress(ValueError, TypeError):
                frame[column] = pd.to_numeric(frame[column].replace("", np.nan), errors="raise").astype(float)
            if not pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = frame[column].map(_unescape)
    return frame


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _read_files(folder: Path, run_file: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame],
                                                        dict[str, pd.DataFrame]]:
    run = json.loads(run_file.read_text(encoding="utf-8"))
    SolveStatus(run["status"])  # a status this version does not know is an error
    tables = {path.stem: _read_csv(path) for path in sorted(folder.glob("*.csv")) if path.stem not in _SUMMARY_FILES}
    summaries = {
        stem: _read_csv(folder / f"{stem}.csv") if (folder / f"{stem}.csv").is_file() else pd.DataFrame()
        for stem in _SUMMARY_FILES
    }
    return run, tables, summaries


def read_plan(folder: Path) -> Plan:
    """Re-read a result folder written by ``sopopt solve --out`` as a :class:`Plan`.

    Raises:
        ScenarioError: the folder has no ``run.json`` or a file cannot be read.
    """
    where = Location(display_path(folder))
    run_file = folder / "run.json"
    if not run_file.is_file():
        raise ScenarioError(
            [
                Problem(
                    where,
                    "",
                    "not a result folder: run.json is missing",
                    "give a scenario file or a folder written by 'sopopt solve --out'",
                )
            ]
        )
    try:
        with _reading(folder):
            run, tables, summaries = _read_files(folder, run_file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScenarioError([Problem(where, "", f"cannot read the result folder: {exc}")]) from None
    status = SolveStatus(run["status"])

    costs = pd.Series(
        {c: _number(run.get("costs", {}).get(c)) for c in dict.fromkeys([*COST_CATEGORIES, *run.get("costs", {})])},
        name="cost",
        dtype=float,
    )
    costs.index.name = "category"
    info = dict(run.get("solver") or {})
    info["scenario"] = run.get("scenario")
    info["result_folder"] = str(folder)
    return Plan(
        name=str(run.get("name") or folder.name),
        status=status,
        objective=None if run.get("objective") is None else float(run["objective"]),
        costs=costs,
        kpis={k: _number(v) for k, v in (run.get("kpis") or {}).items()},
        tables=tables,
        shadow_prices=summaries["shadow_prices"],
        service=summaries["service"],
        utilization=summaries["utilization"],
        info=Info(info),
        labels=[str(label) for label in run.get("periods") or []],
        currency=str(run.get("currency") or "USD"),
        adjustments=tuple(run.get("adjustments") or ()),
        inputs=dict(run.get("inputs") or {}),
        warnings=tuple(DataWarning.from_dict(w) for w in run.get("warnings") or () if isinstance(w, dict)),
    )
