"""Demand classes (issue 28), solved by hand.

The issue's case (tests/data/levers/classes_priority.yaml and classes_fair.yaml): 100
units on hand at a DC, no production, lost-sale cost 10 for every class; key wants 80,
retail 60, so 40 units are lost whoever loses them (cost 400 in every allocation).

- priority (key 1, retail 2): key 80, retail 20;
- fair share (equal priority): both filled 100/140 = 71.43%: key 57.14, retail 42.86;
- priority with ``min_fill: 0.5`` on retail: the floors come first (retail 30), then key
  gets the remaining 70;
- reordering the demand table's rows changes nothing (the LP is the same).

tests/data/levers/classes_cost.yaml (allocation by cost, two periods, production at most
50 a period, 20 on hand, backlog allowed): demand 105 then 40, supply 70 then 50. Key's
penalties (lost 30, backlog 5) exceed retail's and default's (the product's: lost 10,
backlog 2), so key is served in full; of the 35 units short in period 1, 10 are
backlogged (2 each) and delivered in period 2's spare 10, 25 are lost (10 each):
cost = production 100 + backlog 20 + lost 250 = 370.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sopopt
from sopopt.errors import ScenarioError
from sopopt.model.build_arrays import build_lp

DATA = Path(__file__).parent / "data"
LEVERS = DATA / "levers"


def _by_class(plan: sopopt.Plan, column: str = "delivered") -> dict[str, float]:
    table = plan.table("allocation")
    return table.groupby("class")[column].sum().to_dict()


def _variant(tmp_path: Path, source: Path, **changes: object) -> Path:
    data = yaml.safe_load(source.read_text())
    for dotted, value in changes.items():
        node = data
        *head, last = dotted.split("__")
        for key in head:
            node = node[key]
        node[last] = value
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data))
    return path


def test_priority_serves_key_first_by_hand() -> None:
    plan = sopopt.solve(LEVERS / "classes_priority.yaml")
    assert _by_class(plan) == pytest.approx({"key": 80.0, "retail": 20.0}, abs=1e-6)
    assert _by_class(plan, "lost") == pytest.approx({"key": 0.0, "retail": 40.0}, abs=1e-6)
    assert plan.objective == pytest.approx(400.0, rel=1e-9)
    # The stages' totals, each kept to 1e-9 relative by the next.
    assert plan.info["stage_0_priority_1_units"] == pytest.approx(80.0, rel=1e-12)
    assert plan.info["stage_1_priority_2_units"] == pytest.approx(20.0, abs=1e-6)
    service = plan.table("class_service").set_index("class")
    assert service.loc["retail", "fill_rate"] == pytest.approx(20 / 60, abs=1e-6)
    assert service.loc["retail", "short"] == pytest.approx(40.0, abs=1e-6)


def test_fair_share_gives_equal_fill_by_hand() -> None:
    plan = sopopt.solve(LEVERS / "classes_fair.yaml")
    assert _by_class(plan) == pytest.approx({"key": 8000 / 140, "retail": 6000 / 140}, abs=1e-6)
    fill = plan.table("allocation").set_index("class")["fill"]
    assert fill.to_dict() == pytest.approx({"key": 100 / 140, "retail": 100 / 140}, abs=1e-9)
    assert round(100 * fill["key"], 2) == 71.43


def test_min_fill_floor_comes_before_priority(tmp_path: Path) -> None:
    case = _variant(tmp_path, LEVERS / "classes_priority.yaml",
                    demand_classes__retail={"priority": 2, "min_fill": 0.5})
    plan = sopopt.solve(case)
    assert _by_class(plan) == pytest.approx({"key": 70.0, "retail": 30.0}, abs=1e-6)
    assert plan.info["stage_0_floors_units"] == pytest.approx(30.0, rel=1e-12)


def test_priority_uses_dear_levers_for_higher_classes_cost_does_not(tmp_path: Path) -> None:
    """Subcontracting at 100 a unit beats losing a sale at 10 only under priority: every
    class is served before the cost is looked at."""
    sub = {"cost": 100, "capacity": 50}
    case = _variant(tmp_path, LEVERS / "classes_priority.yaml", products__widget__subcontract=sub)
    plan = sopopt.solve(case)
    assert _by_class(plan) == pytest.approx({"key": 80.0, "retail": 60.0}, abs=1e-6)
    # Each stage keeps its total less 1e-9 relative: the cost stage may save ~1e-7 units.
    assert plan.costs["subcontracting"] == pytest.approx(4000.0, abs=1e-4)
    by_cost = sopopt.solve(_variant(tmp_path, case, allocation="cost"))
    assert by_cost.objective == pytest.approx(400.0, rel=1e-9)
    assert sum(_by_class(by_cost).values()) == pytest.approx(100.0, abs=1e-6)


def test_cost_allocation_by_class_penalties_by_hand() -> None:
    plan = sopopt.solve(LEVERS / "classes_cost.yaml")
    assert plan.objective == pytest.approx(370.0, rel=1e-12)
    assert plan.costs["lost_sales"] == pytest.approx(250.0, rel=1e-12)
    assert plan.costs["backlog"] == pytest.approx(20.0, rel=1e-12)
    table = plan.table("allocation").set_index(["class", "period"])
    assert table.loc[("key", "1"), "delivered"] == pytest.approx(60.0, abs=1e-6)
    assert table.loc[("key", "2"), "delivered"] == pytest.approx(30.0, abs=1e-6)
    # Retail and default share the 35 short units of period 1 (same penalties).
    short = table.xs("1", level="period")
    assert (short.loc["retail", "lost"] + short.loc["default", "lost"]) == pytest.approx(25.0, abs=1e-6)
    # One more unit of demand in period 1 is one more unit lost (10); in period 2 it
    # turns a backlogged unit of period 1 into a lost one (10 - 2).
    assert table["unit_value"].xs("1", level="period").tolist() == pytest.approx([10.0] * 3)
    assert table["unit_value"].xs("2", level="period").tolist() == pytest.approx([8.0] * 3)
    # The item's own columns are the totals over its classes.
    item = plan.table("plan").set_index("period")
    assert item.loc["1", "lost"] == pytest.approx(25.0, abs=1e-6)
    assert item.loc["1", "backlog"] == pytest.approx(10.0, abs=1e-6)
    assert plan.table("allocation").groupby("period")["delivered"].sum().to_dict() == pytest.approx(
        item["delivered"].to_dict(), abs=1e-6)


def test_reordering_the_demand_table_changes_nothing() -> None:
    first, second = (sopopt.load_case(DATA / "classes" / f"{n}.yaml") for n in ("reorder", "reordered"))
    a, b = build_lp(first.data), build_lp(second.data)
    assert a.column_keys() == b.column_keys()
    assert np.array_equal(a.a_value, b.a_value) and np.array_equal(a.row_lower, b.row_lower)
    plans = [sopopt.solve(c) for c in (first, second)]
    pd.testing.assert_frame_equal(plans[0].table("allocation"), plans[1].table("allocation"))
    assert _by_class(plans[0]) == pytest.approx({"key": 8000 / 140, "retail": 6000 / 140}, abs=1e-6)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"demand_classes__default": {"priority": 1}}, "demand_classes", "'default' is the class"),
    ({"demand_classes__1": {"priority": 3}}, "demand_classes.1", "named like a period label"),
    ({"demand__widget__dc__vip": [5]}, "demand.widget.dc.vip", "unknown demand class 'vip'"),
])
def test_bad_classes_are_reported_with_their_field(tmp_path: Path, change: dict, field: str, message: str) -> None:
    case = _variant(tmp_path, LEVERS / "classes_priority.yaml", **change)
    with pytest.raises(ScenarioError) as caught:
        sopopt.load_case(case)
    text = str(caught.value)
    assert field in text and message in text
    assert "classes_priority.yaml:" in text


def test_adjustment_scoped_to_a_class(tmp_path: Path) -> None:
    """Retail's demand x 0.25 = 15: with key's 80, the 100 on hand serve everyone."""
    (tmp_path / "model.yaml").write_text((LEVERS / "classes_priority.yaml").read_text())
    scenario = tmp_path / "quiet_retail.yaml"
    scenario.write_text("model: model.yaml\nadjust:\n  - {target: demand, class: retail, multiply: 0.25}\n")
    plan = sopopt.solve(sopopt.load_case(scenario, workspace=tmp_path))
    assert _by_class(plan, "demand") == pytest.approx({"key": 80.0, "retail": 15.0})
    assert _by_class(plan, "lost") == pytest.approx({"key": 0.0, "retail": 0.0}, abs=1e-6)
    scenario.write_text("model: model.yaml\nadjust:\n  - {target: demand, class: vip, multiply: 2}\n")
    with pytest.raises(ScenarioError, match=r"quiet_retail.yaml:3:\d+: adjust.0.class: unknown class 'vip'"):
        sopopt.load_case(scenario, workspace=tmp_path)


def test_independent_recomputation_catches_a_wrong_class_split() -> None:
    """tests/recompute.py rechecks every class balance and the item totals: moving a unit
    from one class to another breaks both class balances."""
    from recompute import check_plan

    case = sopopt.load_case(LEVERS / "classes_priority.yaml")
    plan = sopopt.solve(case)
    check_plan(case, plan)
    tables = {name: frame.copy() for name, frame in plan.tables.items()}
    sales = tables["class_sales"]
    sales.loc[sales["class"] == "key", "value"] -= 1.0
    sales.loc[sales["class"] == "retail", "value"] += 1.0
    with pytest.raises(AssertionError, match="class balance class key of widget@dc period 1"):
        check_plan(case, dataclasses.replace(plan, tables=tables))


def test_a_sweep_solves_each_case_by_its_stages(tmp_path: Path) -> None:
    """The sweep's resolver re-runs the stages for every case on its one session."""
    from sopopt.analysis.resolver import Resolver

    (tmp_path / "model.yaml").write_text((LEVERS / "classes_priority.yaml").read_text())
    scenario = tmp_path / "more_key.yaml"
    scenario.write_text("model: model.yaml\nadjust:\n  - {target: demand, class: key, set: 90}\n")
    resolver = Resolver(sopopt.load_case(tmp_path / "model.yaml", workspace=tmp_path))
    first = resolver.solve()
    second = resolver.solve(sopopt.load_case(scenario, workspace=tmp_path))
    assert _by_class(first) == pytest.approx({"key": 80.0, "retail": 20.0}, abs=1e-6)
    assert _by_class(second) == pytest.approx({"key": 90.0, "retail": 10.0}, abs=1e-6)
    assert second.info["stage_0_priority_1_units"] == pytest.approx(90.0, rel=1e-12)
    with pytest.raises(ValueError, match="demand by class"):
        resolver.solve({("widget", "dc"): np.array([10.0])})


def test_replan_runs_the_stages_of_the_new_case() -> None:
    from sopopt.analysis.replan import replan

    previous = sopopt.solve(LEVERS / "classes_priority.yaml")
    result = replan(previous, LEVERS / "classes_priority.yaml")
    assert _by_class(result.plan) == pytest.approx({"key": 80.0, "retail": 20.0}, abs=1e-6)
    assert result.plan.info["stage_0_priority_1_units"] == pytest.approx(80.0, rel=1e-12)


def test_explain_a_class_and_the_report_names_who_is_shorted() -> None:
    from sopopt.analysis.explain import explain_plan
    from sopopt.report.html import render_html

    result = explain_plan(sopopt.load_case(LEVERS / "classes_priority.yaml"), klass="retail")
    (cell,) = result.cells
    assert cell.value == pytest.approx(40.0, abs=1e-6)
    assert cell.cost == pytest.approx(400.0, abs=1e-4)
    with pytest.raises(ScenarioError, match="unknown class 'vip'"):
        explain_plan(sopopt.load_case(LEVERS / "classes_priority.yaml"), klass="vip")
    # Without a cell: the costliest cells price classed items by their classes' penalties.
    costliest = explain_plan(sopopt.load_case(LEVERS / "classes_cost.yaml"))
    assert costliest.cells[0].cost == pytest.approx(270.0, abs=1e-6)  # 25 lost x 10 + 10 backlogged x 2
    html = render_html([sopopt.solve(LEVERS / "classes_priority.yaml")])
    shorted = html[html.index("Who is shorted"):html.index("What holds the plan back")]
    assert "retail" in shorted and "33.3%" in shorted and "40.0" in shorted
