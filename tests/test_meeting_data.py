"""The data behind the meeting report: the P&L projection, the load by family, the
overtime capacity and the inventory value, each recomputed from the plan's own tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sopopt
from sopopt.model.catalogue import COST_CATEGORIES
from sopopt.results.plan import Plan

DATA = Path(__file__).parent / "data"
PRICES = {"widget": 30.0, "gadget": 0.0}
PRODUCTION_COST = {"widget": 10.0, "gadget": 15.0}
USAGE = {"line": {"widget": 1.0, "gadget": 2.0}, "crew": {"widget": 0.5, "gadget": 1.0}}
FAMILY = {"widget": "core", "gadget": "extra"}


SHORT = """\
model: report_base.yaml
name: short
adjust:
  - {target: demand, product: widget, multiply: 2.5, note: "demand the plant cannot meet"}
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    root = tmp_path_factory.mktemp("short")
    (root / "report_base.yaml").write_text((DATA / "report_base.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "short.yaml").write_text(SHORT, encoding="utf-8")
    return sopopt.solve(root / "short.yaml")


def test_pnl_costs_add_up_to_each_category_and_profit_counts_lost_revenue_once(plan: Plan) -> None:
    pnl = plan.tables["pnl"]
    assert list(pnl["period"]) == plan.labels
    for category in COST_CATEGORIES:
        assert pnl[category].sum() == pytest.approx(plan.costs[category], abs=1e-6), category
    assert pnl["total_cost"].sum() == pytest.approx(plan.objective)
    table = plan.tables["plan"]
    revenue = (table["delivered"] * table["product"].map(PRICES)).groupby(table["period"], sort=False).sum()
    np.testing.assert_allclose(pnl["revenue"], revenue.reindex(plan.labels), atol=1e-6)
    unearned = (table["lost"] * table["product"].map(PRICES)).groupby(table["period"], sort=False).sum()
    expected = pnl["revenue"] - pnl["total_cost"] + unearned.reindex(plan.labels).to_numpy()
    np.testing.assert_allclose(pnl["profit"], expected, atol=1e-6)
    # The case loses widgets at a price of 30: profit differs from revenue - cost by that.
    assert plan.kpis["lost_units"] > 0 and unearned.sum() > 0


def test_load_by_family_adds_up_to_the_hours_used(plan: Plan) -> None:
    load = plan.tables["load"]
    production = plan.tables["production"]
    for name, usage in USAGE.items():
        mine = load[load["name"] == name]
        by_family = mine.groupby(["period", "family"])["hours"].sum()
        made = production.assign(family=production["product"].map(FAMILY),
                                 hours=production["value"] * production["product"].map(usage))
        expected = made.groupby(["period", "family"])["hours"].sum()
        pd.testing.assert_series_equal(by_family.sort_index(), expected.sort_index(), check_names=False)
        used = plan.utilization.set_index(["name", "period"])["used_hours"]
        for period, hours in mine.groupby("period")["hours"].sum().items():
            assert hours == pytest.approx(used[(name, period)])


@pytest.fixture(scope="module")
def base_plan() -> Plan:
    return sopopt.solve(DATA / "report_base.yaml")


def test_overtime_capacity_and_inventory_value(plan: Plan, base_plan: Plan) -> None:
    util = plan.utilization.set_index(["name", "period"])
    assert (util.loc["line", "overtime_capacity_hours"] == 40.0).all()
    headcount = plan.tables["headcount"].set_index("period")["value"]
    np.testing.assert_allclose(util.loc["crew", "overtime_capacity_hours"], 10.0 * headcount.reindex(plan.labels))
    assert (util["overtime_hours"] <= util["overtime_capacity_hours"] + 1e-6).all()
    table = base_plan.tables["plan"]
    value = (table["inventory"] * table["product"].map(PRODUCTION_COST)).sum() / len(base_plan.labels)
    assert base_plan.kpis["inventory_value"] == pytest.approx(value)
    assert base_plan.kpis["inventory_value"] > 0
    assert table["max_inventory"].isna().all()  # no maximum given: empty, never "inf"


def test_plan_carries_its_assumptions_and_they_survive_a_result_folder(base_plan: Plan, tmp_path: Path) -> None:
    from sopopt.inputs.flat import diff_inputs
    from sopopt.results.folders import read_plan, write_outputs

    surge = sopopt.solve(DATA / "report_surge.yaml")
    assert len(surge.adjustments) == 1
    adjustment = dict(surge.adjustments[0])
    where = adjustment.pop("where")
    assert adjustment == {
        "target": "demand",
        "scope": "product widget",
        "change": "x 1.3",
        "periods": "2027-02..2027-04",
        "note": "promotion surge",
    }
    assert where.endswith("report_surge.yaml:5:5")
    assert base_plan.adjustments == ()
    differences = diff_inputs(base_plan.inputs, base_plan.labels, surge.inputs, surge.labels)
    changed = {(d.path, d.period): (d.a, d.b) for d in differences if d.path != "name"}
    assert changed == {
        ("demand.widget.dc", "2027-02"): (150, 195),
        ("demand.widget.dc", "2027-03"): (200, 260),
        ("demand.widget.dc", "2027-04"): (120, 156),
    }
    write_outputs(surge, tmp_path / "surge")
    again = read_plan(tmp_path / "surge")
    assert again.adjustments == surge.adjustments
    assert again.adjustments[0]["where"] == where
    assert diff_inputs(again.inputs, again.labels, surge.inputs, surge.labels) == []
