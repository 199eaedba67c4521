"""Tables out of a Plan: CSV files, the run's JSON metadata, and summary frames.

Every file is written atomically (temporary file, then rename), so an interrupted run
never leaves a truncated file in place of a good one.
"""

from __future__ import annotations

import json
import math
import platform
from pathlib import Path
from typing import Any

import pandas as pd

from sopopt.loading import atomic_write
from sopopt.results import Plan


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

    import sopopt

    return _clean({
        "scenario": plan.info.get("scenario"),
        "name": plan.name,
        "status": plan.status.value,
        "status_text": plan.status.label,
        "optimal": plan.is_optimal,
        "objective": plan.objective,
        "currency": plan.currency,
        "costs": {k: float(v) for k, v in plan.costs.items()},
        "kpis": plan.kpis,
        "periods": plan.labels,
        "solver": {k: v for k, v in plan.info.items() if k != "scenario"},
        "versions": {
            "sopopt": sopopt.__version__,
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


def write_outputs(plan: Plan, out_dir: Path) -> list[Path]:
    """Write every table as CSV and ``run.json``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in output_tables(plan).items():
        path = out_dir / f"{name}.csv"
        with atomic_write(path) as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(path)
    path = out_dir / "run.json"
    with atomic_write(path) as handle:
        json.dump(metadata(plan), handle, indent=2)
        handle.write("\n")
    written.append(path)
    return written
