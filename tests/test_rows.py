"""A sweep's case row (issue 25): costs and KPIs computed from the solution's values with
no table built equal the whole plan's, and both equal the KPIs recomputed here from the
plan's own tables (docs/kpis.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sopopt.analysis.planner import Planner
from sopopt.inputs.case import load_case
from sopopt.results.store import plan_row

DATA = Path(__file__).parent / "data"
CASES = ["mini.yaml", "levers/hiring.yaml", "levers/lanes.yaml", "levers/lost_sales_price.yaml",
         "levers/backlog_at_end.yaml", "levers/workforce_overtime.yaml"]


def _recomputed(plan) -> dict[str, float]:
    """The KPIs from the plan table, the service table and the decision tables."""
    table, tables = plan.tables["plan"], plan.tables
    demand, delivered = table["demand"].to_numpy(), table["delivered"].to_numpy()
    days = plan.info["horizon_days"]
    average = float(table.groupby("period", sort=False)["inventory"].sum().mean())
    headcount = tables["headcount"]
    kpis = {
        "total_demand": demand.sum(),
        "delivered": delivered.sum(),
        "fill_rate": np.minimum(demand, delivered).sum() / demand.sum(),
        "service_level": float(plan.service["service_level"].mean()),
        "lost_units": table["lost"].sum(),
        "backlog_unit_periods": table["backlog"].sum(),
        "production_units": table["production"].sum(),
        "subcontracted_units": table["subcontracted"].sum(),
        "shipped_units": tables["shipments"]["value"].sum(),
        "average_inventory": average,
        "days_of_cover": average / (demand.sum() / days),
        "overtime_hours": tables["labour_overtime"]["value"].sum() + tables["resource_overtime"]["value"].sum(),
        "peak_headcount": float(headcount.groupby("period")["value"].sum().max()) if not headcount.empty else 0.0,
        "hires": tables["hires"]["value"].sum(),
        "layoffs": tables["layoffs"]["value"].sum(),
        "total_cost": plan.objective,
    }
    if "pnl" in tables and "revenue" in plan.kpis:
        kpis["revenue"] = tables["pnl"]["revenue"].sum()
        kpis["profit"] = tables["pnl"]["profit"].sum()
    return kpis


@pytest.mark.parametrize("name", CASES)
def test_a_case_row_has_the_whole_plans_costs_and_kpis(name):
    planner = Planner(explain=False)
    solved = planner.solve_live(DATA / name)
    whole = solved.plan
    case = load_case(DATA / name)
    row = planner.extract(case, solved.solution, detail="row")
    assert row.tables == {} and row.objective == whole.objective
    assert row.costs.to_dict() == pytest.approx(whole.costs.to_dict(), rel=1e-12)
    assert row.kpis.keys() == whole.kpis.keys()
    for key, value in _recomputed(whole).items():
        assert whole.kpis[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        assert row.kpis[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    expected = {k: v for k, v in plan_row(whole).items() if k != "solve_seconds"}
    assert {k: v for k, v in plan_row(row).items() if k != "solve_seconds"} == pytest.approx(expected, nan_ok=True)

