"""Targets (issue 27), solved by hand.

Test (a), ``tests/data/targets/budget*.yaml``: price 10, production cost 4, holding 0.5,
demand 120 in each of two months, a line of 80 h (1 h a unit) with overtime at 7/h up
to 30 h, lost-sale cost 10 (= the price: losing a unit costs exactly its revenue).

- Report only: a unit beyond the 80 regular ones costs 4 + 7 = 11 > 10 lost, so the
  plan makes 80 and loses 40 a month: revenue 800 (gap -200, -20%), cost 80 x 4 + 40 x
  10 = 720 a month, profit = revenue - cost + price x lost = 800 - 720 + 400 = 480.
- Hard (or soft at 0.2 per USD short): 1,000 USD needs 100 units, 20 overtime hours a
  month (stocking in January for February costs 0.5 more): cost 400 + 140 + 200 = 740,
  profit 1000 - 740 + 200 = 460 a month, 920 in all. One more USD of target is 0.1 unit
  more at 11 - 10 = 1: price 0.10 per USD, up to the overtime cap (10 more hours, +100
  USD); falling short saves 0.1 < 0.2, so the soft target is met too.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

import sopopt
from sopopt.errors import ScenarioError
from sopopt.report.html import render_html
from sopopt.results.folders import read_plan, write_outputs
from sopopt.results.targets import target_sentences

DATA = Path(__file__).parent / "data" / "targets"


def _target_rows(plan: sopopt.Plan) -> list[dict]:
    return plan.tables["targets"].to_dict("records")


def test_report_target_measures_the_gap() -> None:
    plan = sopopt.solve(DATA / "budget.yaml")
    assert plan.objective == pytest.approx(1440.0)
    assert plan.kpis["revenue"] == pytest.approx(1600.0)
    assert plan.kpis["profit"] == pytest.approx(960.0)
    assert list(plan.tables["pnl"]["profit"]) == pytest.approx([480.0, 480.0])
    rows = _target_rows(plan)
    assert [(r["period"], r["plan"], r["gap"], r["gap_pct"], r["met"]) for r in rows] == [
        ("2027-01", 800.0, -200.0, -20.0, False), ("2027-02", 800.0, -200.0, -20.0, False)]
    assert all(math.isnan(r["shadow_price"]) for r in rows)
    # A reported target adds no row to the LP.
    assert plan.shadow_prices[plan.shadow_prices["kind"] == "target"].empty


@pytest.mark.parametrize("name", ["budget_hard", "budget_soft"])
def test_enforced_target_buys_overtime(name: str) -> None:
    plan = sopopt.solve(DATA / f"{name}.yaml")
    assert plan.objective == pytest.approx(1480.0)
    assert plan.kpis["revenue"] == pytest.approx(2000.0)
    assert plan.kpis["profit"] == pytest.approx(920.0)
    assert list(plan.tables["pnl"]["profit"]) == pytest.approx([460.0, 460.0])
    overtime = plan.tables["resource_overtime"]
    assert list(overtime["value"]) == pytest.approx([20.0, 20.0])
    assert plan.costs["target_shortfall"] == 0.0
    for row in _target_rows(plan):
        assert (row["plan"], row["gap"], row["met"]) == (pytest.approx(1000.0), pytest.approx(0.0), True)
        assert row["shadow_price"] == pytest.approx(0.1)
        assert row["range_up"] == pytest.approx(100.0)
    prices = plan.shadow_prices[plan.shadow_prices["kind"] == "target"]
    assert list(prices["sense"]) == ["min", "min"] and prices["binding"].all()


def test_cheap_soft_target_is_left_short(tmp_path: Path) -> None:
    """At 0.05 per USD short, falling 200 USD short (10 USD) beats meeting it (20 USD)."""
    (tmp_path / "budget.yaml").write_text((DATA / "budget.yaml").read_text())
    (tmp_path / "cheap.yaml").write_text(
        "model: budget.yaml\ntargets:\n  - {name: revenue_budget, measure: revenue, value: 1000, "
        "enforce: soft, shortfall_cost: 0.05}\n")
    plan = sopopt.solve(tmp_path / "cheap.yaml")
    assert plan.objective == pytest.approx(1440.0 + 2 * 200 * 0.05)
    assert plan.costs["target_shortfall"] == pytest.approx(20.0)
    assert list(plan.tables["target_shortfall"]["value"]) == pytest.approx([200.0, 200.0])
    assert [r["gap"] for r in _target_rows(plan)] == pytest.approx([-200.0, -200.0])


def test_targets_of_every_measure() -> None:
    """Fill rate, units, revenue and profit rows on one case: each row's plan value is
    recomputed from the plan table, and every enforced one is met."""
    plan = sopopt.solve(DATA / "mixed.yaml")
    rows = {(r["target"], r["period"]): r for r in _target_rows(plan)}
    table = plan.tables["plan"]
    assert rows["volume", "2027-01..2027-03"]["plan"] == pytest.approx(table["delivered"].sum())
    assert rows["margin", "2027-01..2027-03"]["plan"] == pytest.approx(plan.kpis["profit"])
    core = table[(table["family"] == "core") & table["period"].isin(["2027-02", "2027-03"])]
    on_time = (core[["demand", "delivered"]].min(axis=1)).sum() / core["demand"].sum()
    assert rows["core_service", "2027-02..2027-03"]["plan"] == pytest.approx(100 * on_time)
    dc = table[(table["site"] == "dc") & (table["period"] == "2027-01")]
    assert rows["dc_revenue", "2027-01"]["plan"] == pytest.approx(12 * dc["delivered"].sum())
    assert all(r["met"] for r in rows.values() if r["enforce"] != "report")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: t, measure: revenue, value: 1, product: gadget}", "unknown product 'gadget'"),
        ("{name: t, measure: revenue, value: 1, periods: 2027-13}", "unknown period '2027-13'"),
        ("{name: t, measure: revenue, value: 1, enforce: soft}", "a soft target needs a shortfall_cost"),
        ("{name: t, measure: fill_rate, value: 95}", "between 0 and 1"),
        ("{name: t, measure: profit, value: 1, site: plant}", "a profit target is over the whole plan"),
    ],
)
def test_bad_targets_are_named_with_their_field(tmp_path: Path, entry: str, message: str) -> None:
    (tmp_path / "budget.yaml").write_text((DATA / "budget.yaml").read_text())
    (tmp_path / "bad.yaml").write_text(f"model: budget.yaml\ntargets:\n  - {entry}\n")
    with pytest.raises(ScenarioError, match=message) as info:
        sopopt.load_case(tmp_path / "bad.yaml")
    assert "bad.yaml:3" in str(info.value)


def test_targets_from_a_table(tmp_path: Path) -> None:
    plan = sopopt.solve(DATA / "budget_table.yaml")
    assert plan.objective == pytest.approx(1480.0)
    assert [r["shadow_price"] for r in _target_rows(plan)] == pytest.approx([0.1, 0.1])
    for name in ("budget.yaml", "budget_table.yaml"):
        (tmp_path / name).write_text((DATA / name).read_text())
    (tmp_path / "budget.csv").write_text("name,measure,value,periods\nb,revenue,1000,2027-01;2027-13\n")
    with pytest.raises(ScenarioError, match=r"budget.csv:2:4: targets.0.periods: unknown period '2027-13'"):
        sopopt.load_case(tmp_path / "budget_table.yaml")


def test_unreachable_hard_target_is_explained_with_the_targets_class(tmp_path: Path) -> None:
    """1,200 USD a month needs 120 units; the line makes at most 110. Alone, the target
    comes down by 200 USD (January 1,000; February's 120 units use 10 stocked in January)."""
    (tmp_path / "budget.yaml").write_text((DATA / "budget.yaml").read_text())
    too_high = ("model: budget.yaml\ntargets:\n"
                "  - {name: revenue_budget, measure: revenue, value: 1200, enforce: hard}\n")
    (tmp_path / "high.yaml").write_text(too_high)
    e = sopopt.explain(tmp_path / "high.yaml")
    assert any(m.kind == "hard target" and m.name == "revenue_budget" for m in e.members)
    assert list(e.repair.order).index("targets") == list(e.repair.order).index("demand") - 1
    alone = {c.repair_class: c for c in e.repair.by_class}
    assert alone["targets"].feasible and alone["targets"].total == pytest.approx(200.0)
    assert "the target revenue_budget comes down by 200" in alone["targets"].repairs[0].text
    # An order without 'targets' never brings a target down.
    (tmp_path / "s.yaml").write_text(too_high + "explain: {repair_order: [overtime, demand]}\n")
    e = sopopt.explain(tmp_path / "s.yaml")
    assert e.repair.order == ("overtime", "demand") and all(r.repair_class != "targets" for r in e.repair.repairs)


def test_target_value_is_adjusted_diffed_and_swept(tmp_path: Path) -> None:
    """``{target: target_value, name: ..., multiply: 0.9}``: a 900 USD target needs 90
    units, 10 overtime hours a month: cost 1480 - 2 x 10 x (11 - 10) = 1460."""
    from sopopt.analysis.planner import Planner
    from sopopt.analysis.resolver import Resolver
    from sopopt.inputs.views import flat_inputs

    (tmp_path / "budget.yaml").write_text((DATA / "budget.yaml").read_text())
    (tmp_path / "hard.yaml").write_text((DATA / "budget_hard.yaml").read_text())
    (tmp_path / "cut.yaml").write_text(
        "extend: hard.yaml\nadjust:\n  - {target: target_value, name: revenue_budget, multiply: 0.9}\n")
    cut = sopopt.load_case(tmp_path / "cut.yaml")
    # A target's value by the period of its row: diff shows it per period where it applies.
    assert flat_inputs(cut)["targets.revenue_budget.value"] == {"2027-01": 900.0, "2027-02": 900.0}
    assert sopopt.solve(cut).objective == pytest.approx(1460.0)
    hard = sopopt.load_case(tmp_path / "hard.yaml")
    # A sweep re-solves in place: only the target rows' right-hand sides change.
    resolver = Resolver(hard, Planner(explain=False))
    base, swept = resolver.solve(), resolver.solve(cut)
    assert (base.objective, swept.objective) == (pytest.approx(1480.0), pytest.approx(1460.0))
    assert swept.info["reused_lp"] is True
    (tmp_path / "bad.yaml").write_text(
        "extend: hard.yaml\nadjust:\n  - {target: target_value, name: budget, set: 1}\n")
    with pytest.raises(ScenarioError, match="unknown name 'budget'"):
        sopopt.load_case(tmp_path / "bad.yaml")


def test_gap_bridge_and_sentences() -> None:
    """Report only: 40 units lost a month at 10 USD (400 not earned) explain the 200 USD gap."""
    plan = sopopt.solve(DATA / "budget.yaml")
    bridge = plan.tables["target_gap"].to_dict("records")
    assert [(r["period"], r["product"], r["part"], r["units"], r["amount"], r["of_gap"]) for r in bridge] == [
        ("2027-01", "widget", "lost", 40.0, 400.0, 200.0), ("2027-02", "widget", "lost", 40.0, 400.0, 200.0)]
    # The top limit behind each part: the line's 80 regular hours (overtime at 7/h costs
    # more than the 10 a lost unit costs beyond its 4 of production).
    assert [r["limit"] for r in bridge] == ["line (capacity) in 2027-01", "line (capacity) in 2027-02"]
    hard = sopopt.solve(DATA / "budget_hard.yaml")
    assert hard.tables["target_gap"].empty
    sentences = target_sentences(hard.tables["targets"], hard.currency)
    assert ("One more USD of revenue target revenue_budget in 2027-01 costs 0.10 USD of profit, for up to "
            "+100.00 USD.") in sentences
    assert "Target revenue_budget in 2027-01: revenue 800.00 against 1,000.00, short by 200.00 USD (-20.0%)." in \
        target_sentences(plan.tables["targets"], plan.currency)


def test_gap_bridge_names_the_limit_behind_each_part(tmp_path: Path) -> None:
    """The line has 200 h but the plant makes at most 80 widgets in 2027-01 and 90 in
    2027-02: the parts are 40 and 30 units lost, each behind the production limit of its
    month; the limit is kept in target_gap.csv and shown in the report."""
    net = yaml.safe_load((DATA / "budget.yaml").read_text())
    net["resources"]["line"]["hours"] = 200
    net["products"]["widget"]["sites"]["plant"]["max_production"] = [80, 90]
    (tmp_path / "cap.yaml").write_text(yaml.safe_dump(net, sort_keys=False))
    plan = sopopt.solve(tmp_path / "cap.yaml")
    bridge = plan.tables["target_gap"]
    assert list(zip(bridge["period"], bridge["units"], bridge["limit"], strict=True)) == [
        ("2027-01", 40.0, "widget/plant (max_production) in 2027-01"),
        ("2027-02", 30.0, "widget/plant (max_production) in 2027-02")]
    write_outputs(plan, tmp_path / "out")
    assert list(read_plan(tmp_path / "out").tables["target_gap"]["limit"]) == list(bridge["limit"])
    assert "top limit behind it: widget/plant (max_production) in 2027-02" in render_html([plan])


def test_diff_shows_a_target_in_the_periods_it_applies_to(tmp_path: Path) -> None:
    """budget.yaml asks 1,000 in each month; a variant asks 1,100 in 2027-02 only, and a
    total of 2,500 over both months (one row, in the range's last period)."""
    from sopopt.inputs.views import diff_cases

    (tmp_path / "budget.yaml").write_text((DATA / "budget.yaml").read_text())
    (tmp_path / "feb.yaml").write_text(
        "model: budget.yaml\ntargets:\n  - {name: revenue_budget, measure: revenue, value: 1100, periods: 2027-02}\n"
        "  - {name: units_total, measure: units, value: 250, per: total}\n")
    base, feb = sopopt.load_case(tmp_path / "budget.yaml"), sopopt.load_case(tmp_path / "feb.yaml")
    found = {(d.path, d.period): (d.a, d.b) for d in diff_cases(base, feb)}
    assert found[("targets.revenue_budget.value", "2027-01")] == (1000, None)
    assert found[("targets.revenue_budget.value", "2027-02")] == (1000, 1100)
    assert found[("targets.units_total.value", "")] == (None, {"2027-02": 250})
    assert found[("targets.units_total.per", "")] == (None, "total")
