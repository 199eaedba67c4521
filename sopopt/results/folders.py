"""A result folder: a Plan written as CSV tables and ``run.json``, and read back.

A result folder is written whole through the one writer (:mod:`sopopt.io.writer`):
every file goes into a new hidden sibling folder, swapped in under a lock, only over a
folder sopopt wrote; CSV text cells are formula-safe (:func:`read_plan` removes the
leading ``'`` again). :func:`read_plan` checks ``run.json`` and the tables it reads, and
refuses a damaged folder with one line naming the file and the field.
"""

from __future__ import annotations

import contextlib
import json
import math
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sopopt.errors import DataWarning, Location, Problem, ScenarioError
from sopopt.io.paths import display_path
from sopopt.io.writer import FolderWriter, reading_folder, replacing_folder, unformula
from sopopt.model.catalogue import COST_CATEGORIES
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


def write_result(folder: FolderWriter, plan: Plan) -> None:
    """Write the plan's tables (when it has a plan) and ``run.json`` into ``folder``."""
    if plan.status.has_plan:
        for name, frame in output_tables(plan).items():
            folder.csv(name, frame)
        if plan.warnings:  # every warning, one row each (the terminal and the report group them by code)
            folder.csv("warnings", warning_table(plan))
    folder.json("run.json", metadata(plan))


#: Columns of ``warnings.csv``, as :meth:`~sopopt.errors.DataWarning.as_dict` names them.
WARNING_COLUMNS = ("code", "file", "line", "column", "field", "message", "hint")


def warning_table(plan: Plan) -> pd.DataFrame:
    """Every warning of a plan, one row each (``warnings.csv``)."""
    return pd.DataFrame([w.as_dict() for w in plan.warnings], columns=list(WARNING_COLUMNS))


def write_outputs(plan: Plan, out_dir: Path) -> list[Path]:
    """Write the plan's result folder and return the paths written.

    With a plan: every table as CSV and ``run.json``. Without one (infeasible, stopped
    before a plan, solver error): ``run.json`` only, with the status and warnings, so
    no empty tables pass for a plan. The folder is written whole (see the module doc).

    Raises:
        OutputError: ``out_dir`` exists and is not a sopopt result folder.
    """
    with replacing_folder(Path(out_dir)) as folder:
        write_result(folder, plan)
    return folder.written


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
        "routing",
    }
)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    for column in frame.columns:
        if column in _TEXT_COLUMNS:
            frame[column] = frame[column].map(unformula)
            continue
        if column == "binding":
            frame[column] = frame[column].map({"True": True, "False": False})
        else:
            # A column of names this reader does not know stays text.
            with contextlib.suppress(ValueError, TypeError):
                frame[column] = pd.to_numeric(frame[column].replace("", np.nan), errors="raise").astype(float)
            if not pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = frame[column].map(unformula)
    return frame


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


#: Fields of ``run.json`` that :func:`read_plan` reads, with the JSON types each may have
#: (None: may be null or absent). ``status`` is required.
_RUN_FIELDS: dict[str, tuple[type, ...]] = {
    "status": (str,),
    "name": (str, type(None)),
    "scenario": (str, type(None)),
    "objective": (int, float, type(None)),
    "currency": (str, type(None)),
    "costs": (dict, type(None)),
    "kpis": (dict, type(None)),
    "periods": (list, type(None)),
    "adjustments": (list, type(None)),
    "inputs": (dict, type(None)),
    "warnings": (list, type(None)),
    "solver": (dict, type(None)),
}
_JSON_TYPES = {str: "text", int: "a number", float: "a number", dict: "a mapping", list: "a list",
               type(None): "null"}


def _run_problems(run: Any, where: Location) -> list[Problem]:
    """What is wrong with a ``run.json``'s content: a missing status, wrong types,
    non-numbers among the costs and KPIs, a status this version does not know."""
    if not isinstance(run, dict):
        return [Problem(where, "", "run.json must hold a JSON object")]
    problems = []
    if "status" not in run:
        problems.append(Problem(where, "status", "missing (every run.json has the solve's status)"))
    for field, kinds in _RUN_FIELDS.items():
        value = run.get(field)
        if field in run and (not isinstance(value, kinds) or isinstance(value, bool)):
            wanted = " or ".join(dict.fromkeys(_JSON_TYPES[k] for k in kinds))
            problems.append(Problem(where, field, f"must be {wanted}, got {type(value).__name__} {value!r:.40}"))
    for field in ("costs", "kpis"):
        for key, value in (run.get(field) or {}).items() if isinstance(run.get(field), dict) else ():
            if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
                problems.append(Problem(where, f"{field}.{key}", f"must be a number, got {value!r:.40}"))
    if isinstance(run.get("status"), str):
        try:
            SolveStatus(run["status"])
        except ValueError:
            problems.append(Problem(where, "status", f"unknown status '{run['status']:.40}'"))
    return problems


def _read_run(run_file: Path) -> dict[str, Any]:
    """``run.json``, checked (see :func:`_run_problems`).

    Raises:
        ScenarioError: naming the file, and the field or the line of the damage.
    """
    name = display_path(run_file)
    try:
        run = json.loads(run_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScenarioError([Problem(Location(name, exc.lineno, exc.colno), "",
                                     f"not valid JSON ({exc.msg}): the file is damaged or cut short")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(Location(name), "", f"cannot read it: {exc}")]) from None
    problems = _run_problems(run, Location(name))
    if problems:
        raise ScenarioError(problems)
    return run


def _read_table(path: Path) -> pd.DataFrame:
    """One table of a result folder, or a ScenarioError naming the file."""
    try:
        return _read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScenarioError([Problem(Location(display_path(path)), "", f"not a readable table ({detail})")]) \
            from None


def _read_files(folder: Path, run_file: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame],
                                                        dict[str, pd.DataFrame]]:
    run = _read_run(run_file)
    if SolveStatus(run["status"]).has_plan and not (folder / "plan.csv").is_file():
        raise ScenarioError([Problem(Location(display_path(folder / "plan.csv")), "",
                                     f"missing: run.json says '{run['status']}' (a plan), so the plan table must "
                                     "be there")])
    tables = {path.stem: _read_table(path) for path in sorted(folder.glob("*.csv"))
              if path.stem not in (*_SUMMARY_FILES, "warnings")}
    summaries = {
        stem: _read_table(folder / f"{stem}.csv") if (folder / f"{stem}.csv").is_file() else pd.DataFrame()
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
        with reading_folder(folder):
            run, tables, summaries = _read_files(folder, run_file)
    except OSError as exc:
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
