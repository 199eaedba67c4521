"""Every planning lever on a tiny case solved by hand (STYLE.md, "Test in layers" (c)).

Each case lives in ``tests/data/levers/<name>.yaml``; the comment of its test derives the
optimum. The tests assert the exact objective, the decisions, that the lever's limit
binds, what its cost category counts and, where the dual is unique, the shadow price of
the binding limit (money saved by one more unit of the limit).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sopopt

LEVERS = Path(__file__).parent / "data" / "levers"
EXACT = {"rel": 1e-9, "abs": 1e-9}


def solve_lever(name: str) -> sopopt.Plan:
    plan = sopopt.solve(LEVERS / f"{name}.yaml")
    assert plan.status is sopopt.SolveStatus.OPTIMAL
    return plan


def values(plan: sopopt.Plan, table: str, **where: str) -> list[float]:
    """A decision by period (0 where the table has no row), after filtering columns."""
    frame = plan.tables[table]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    by_period = dict(zip(frame["period"], frame["value"], strict=True))
    return [float(by_period.get(label, 0.0)) for label in plan.labels]


def periods(plan: sopopt.Plan, table: str, **where: str) -> list[str]:
    """Periods for which the table has a row."""
    frame = plan.tables[table]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return list(frame["period"])


def flows(plan: sopopt.Plan, column: str, product: str = "widget", site: str = "plant") -> list[float]:
    """A column of the plan table for one product at one site, by period."""
    frame = plan.tables["plan"]
    frame = frame[(frame["product"] == product) & (frame["site"] == site)]
    return [float(v) for v in frame[column]]


def assert_costs(plan: sopopt.Plan, objective: float, **costs: float) -> None:
    """Exact objective; the named categories at their value, every other one zero."""
    assert plan.objective == pytest.approx(objective, rel=1e-9)
    assert set(costs) <= set(plan.costs.index)
    expected = {category: costs.get(category, 0.0) for category in plan.costs.index}
    assert plan.costs.to_dict() == pytest.approx(expected, **EXACT)
    assert float(plan.costs.sum()) == pytest.approx(objective, rel=1e-9)


def limits(plan: sopopt.Plan, kind: str, name: str) -> pd.DataFrame:
    """Shadow-price rows of one limit, indexed by period."""
    sp = plan.shadow_prices
    return sp[(sp["kind"] == kind) & (sp["name"] == name)].set_index("period")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- production


def test_production_cost_and_min_max_production() -> None:
    # demand [10, 30, 10], max 20/period, min 15 in period 3, cost [4, 4, 6], holding 1.
    # P2 needs 30 > 20: 10 made in P1 (X1 = 20 = max, I1 = 10). X2 = 20 = max.
    # P3: X3 >= 15 (min) > demand 10, so I3 = 5 (charged holding in the last period).
    # production 4*20 + 4*20 + 6*15 = 250; holding 10 + 0 + 5 = 15; total 265.
    plan = solve_lever("production")
    assert_costs(plan, 265.0, production=250.0, holding=15.0)
    assert values(plan, "production") == pytest.approx([20, 20, 15], **EXACT)
    assert values(plan, "inventory") == pytest.approx([10, 0, 5], **EXACT)


def test_resource_capacity_and_overtime() -> None:
    # 2 h/unit, 100 regular h (50 units), overtime <= 40 h (20 units) at 3/h (6/unit);
    # production 10/unit, holding 5; demand [40, 90].
    # P2 needs 40 units beyond its 50 regular: cheapest first -
    #   10 spare regular units of P1 carried (5/unit), 20 P2 overtime units (6/unit, cap
    #   binds at 40 h), the last 10 in P1 overtime carried (6 + 5 = 11/unit).
    # X = [60, 70], overtime hours [20, 40], I1 = 20.
    # production 1300, overtime 3*60 = 180, holding 5*20 = 100; total 1580.
    # Shadow price: one more P1 hour replaces 0.5 unit of P1 overtime (0.5*6 = 3); one
    # more P2 hour replaces 0.5 unit of P1 overtime + carry (0.5*11 = 5.5).
    plan = solve_lever("resource")
    assert_costs(plan, 1580.0, production=1300.0, overtime=180.0, holding=100.0)
    assert values(plan, "production") == pytest.approx([60, 70], **EXACT)
    assert values(plan, "resource_overtime", resource="line") == pytest.approx([20, 40], **EXACT)
    assert values(plan, "inventory") == pytest.approx([20, 0], **EXACT)
    rows = limits(plan, "capacity", "line")
    assert rows["binding"].all()
    assert rows["shadow_price"].to_list() == pytest.approx([3.0, 5.5], **EXACT)
    assert rows["unit"].eq("hour").all()
    util = plan.utilization.set_index("period")
    assert util["used_hours"].to_list() == pytest.approx([120, 140], **EXACT)
    assert util["utilization"].to_list() == pytest.approx([1.2, 1.4], **EXACT)


# --------------------------------------------------------------------------- workforce


def test_labour_capacity_wage_and_overtime_per_worker() -> None:
    # 10 workers (no hiring/layoffs), 8 h each, wage 100, 1 labour h/unit, overtime
    # 5/h up to 2 h per worker (20 h); demand 110, lost sale 50/unit.
    # 80 regular + 20 overtime units (overtime limit binds), 10 lost.
    # regular_labour 1000, overtime 100, lost_sales 500; total 1600.
    # Shadow prices: one more labour hour makes a unit instead of losing it (50);
    # one more overtime hour allowed makes a unit for 5 instead of losing it (45).
    plan = solve_lever("workforce_overtime")
    assert_costs(plan, 1600.0, regular_labour=1000.0, overtime=100.0, lost_sales=500.0)
    assert values(plan, "headcount", workforce="crew") == pytest.approx([10], **EXACT)
    assert values(plan, "labour_overtime", workforce="crew") == pytest.approx([20], **EXACT)
    assert values(plan, "production") == pytest.approx([100], **EXACT)
    assert values(plan, "lost_sales") == pytest.approx([10], **EXACT)
    labour, overtime = limits(plan, "workforce", "crew"), limits(plan, "overtime", "crew")
    assert labour["binding"].all()
    assert overtime["binding"].all()
    assert labour["shadow_price"].to_list() == pytest.approx([50.0], **EXACT)
    assert overtime["shadow_price"].to_list() == pytest.approx([45.0], **EXACT)


def test_hiring_cost_and_max_per_period() -> None:
    # No initial workers, 10 h each, wage 20, hire 30, at most [5, 3] hires; demand
    # [80, 80], lost sale 100, holding 1000 (no building ahead). A worker (50 in P1)
    # saves 10 lost units (1000), so hire the most: W = [5, 8], H = [5, 3] (max binds
    # both periods; hires work in the period they are hired).
    # P1 makes 50 and loses 30; P2 makes 80.
    # regular_labour 20*(5+8) = 260, hiring 30*8 = 240, lost_sales 100*30 = 3000: 3500.
    # Shadow price of P1 labour: one more hour saves one lost unit (100).
    plan = solve_lever("hiring")
    assert_costs(plan, 3500.0, regular_labour=260.0, hiring=240.0, lost_sales=3000.0)
    assert values(plan, "hires", workforce="crew") == pytest.approx([5, 3], **EXACT)
    assert values(plan, "headcount", workforce="crew") == pytest.approx([5, 8], **EXACT)
    assert values(plan, "production") == pytest.approx([50, 80], **EXACT)
    assert values(plan, "lost_sales") == pytest.approx([30, 0], **EXACT)
    labour = limits(plan, "workforce", "crew")
    assert labour["binding"].all()
    assert labour.loc["1", "shadow_price"] == pytest.approx(100.0, **EXACT)


def test_layoffs_min_headcount_and_min_ending_headcount() -> None:
    # 10 workers, wage 10, 10 h each, layoff 5 (at most 3/period), min headcount 8 in
    # P2, min ending headcount 4; demand [100, 20, 20, 20] (10 workers needed in P1 only).
    # A layoff in P2/P3/P4 saves 30/20/10 of wages for 5: lay off as early as allowed.
    # P2: W >= 8 (min binds) -> 2; P3: 8 - 3 = 5 (max layoffs binds); P4: ending 4 -> 1.
    # Wages are paid on headcount, used or not: 10*(10+8+5+4) = 270; layoffs 5*6 = 30.
    plan = solve_lever("layoffs")
    assert_costs(plan, 300.0, regular_labour=270.0, layoffs=30.0)
    assert values(plan, "headcount", workforce="crew") == pytest.approx([10, 8, 5, 4], **EXACT)
    assert values(plan, "layoffs", workforce="crew") == pytest.approx([0, 2, 3, 1], **EXACT)
    assert values(plan, "production") == pytest.approx([100, 20, 20, 20], **EXACT)
    assert plan.tables["hires"].empty  # hiring not allowed: no variable at all


def test_max_headcount_and_max_ending_headcount() -> None:
    # No workers at start, free hiring, wage 10, 10 h each; max headcount [2, 100], max
    # ending headcount 6; demand [0, 80], holding 1.
    # P2 can make at most 6*10 = 60 (ending cap binds); the other 20 are made in P1 by
    # W1 = 2 (max binds) and held. wages 10*(2+6) = 80, holding 20; total 100.
    plan = solve_lever("headcount_max")
    assert_costs(plan, 100.0, regular_labour=80.0, holding=20.0)
    assert values(plan, "headcount", workforce="crew") == pytest.approx([2, 6], **EXACT)
    assert values(plan, "hires", workforce="crew") == pytest.approx([2, 4], **EXACT)
    assert values(plan, "production") == pytest.approx([20, 60], **EXACT)
    assert limits(plan, "workforce", "crew")["binding"].all()


# --------------------------------------------------------------------------- inventory


def test_holding_initial_and_ending_inventory() -> None:
    # initial stock 30, demand [10, 10], ending inventory 15, production 5, holding 2.
    # I1 = 20 from the initial stock; P2 would close at 10 < 15, so X2 = 5 (not X1:
    # that would add holding). Holding is charged on the last period's closing stock too.
    # production 25, holding 2*(20 + 15) = 70; total 95.
    plan = solve_lever("holding")
    assert_costs(plan, 95.0, production=25.0, holding=70.0)
    assert values(plan, "production") == pytest.approx([0, 5], **EXACT)
    assert values(plan, "inventory") == pytest.approx([20, 15], **EXACT)
    assert flows(plan, "opening_inventory") == pytest.approx([30, 20], **EXACT)


def test_min_and_max_inventory() -> None:
    # production cost [1, 5, 10], holding 1, demand 10 each period, max inventory 15,
    # min inventory 5 in P3. Making early is cheaper (1 + holding < 5 < 10) up to the
    # stock cap: X1 = 25 (I1 = 15, max binds); X2 = 10 (I2 = 15, max binds) covers P3
    # and the P3 minimum (I3 = 5, min binds) more cheaply than X3 (5 + 2 < 10 + 1).
    # production 25 + 50 = 75; holding 15 + 15 + 5 = 35; total 110.
    plan = solve_lever("inventory_bounds")
    assert_costs(plan, 110.0, production=75.0, holding=35.0)
    assert values(plan, "production") == pytest.approx([25, 10, 0], **EXACT)
    assert values(plan, "inventory") == pytest.approx([15, 15, 5], **EXACT)


def test_scheduled_receipts() -> None:
    # receipts [30, 0] arrive whatever the plan; demand [10, 25]; production 1, holding 1.
    # I1 = 20 (held, charged 20); P2 makes the missing 5. production 5; total 25.
    plan = solve_lever("scheduled_receipts")
    assert_costs(plan, 25.0, production=5.0, holding=20.0)
    assert values(plan, "production") == pytest.approx([0, 5], **EXACT)
    assert values(plan, "inventory") == pytest.approx([20, 0], **EXACT)
    assert flows(plan, "scheduled_receipts") == pytest.approx([30, 0], **EXACT)


def test_safety_stock_shortfall_penalty() -> None:
    # target 20, penalty [3, 1.5] per unit short, holding 2, production 1 (max 15),
    # demand [10, 10]. In P1 a unit of stock costs 2 and saves 3 (it replaces a P2 unit
    # at the same production cost): stock all that capacity allows, X1 = 15, I1 = 5,
    # shortfall 15. In P2 a unit of stock costs 1 + 2 and saves 1.5: none, shortfall 20.
    # production 15 + 5 = 20; holding 10; safety_stock 3*15 + 1.5*20 = 75; total 105.
    plan = solve_lever("safety_stock")
    assert_costs(plan, 105.0, production=20.0, holding=10.0, safety_stock=75.0)
    assert values(plan, "production") == pytest.approx([15, 5], **EXACT)
    assert values(plan, "inventory") == pytest.approx([5, 0], **EXACT)
    assert list(plan.tables["safety_stock"]["shortfall"]) == pytest.approx([15, 20], **EXACT)
    assert set(plan.tables["safety_stock"]["method"]) == {"units"}
    assert flows(plan, "safety_shortfall") == pytest.approx([15, 20], **EXACT)


def test_storage_capacity_cost_and_overflow() -> None:
    # volume 2/unit; storage 40 volume at 0.5/volume, overflow up to 10 volume at 1 more;
    # production [1, 20], holding 1, demand [0, 50]. Carrying a unit costs 1 + 1 + 1 = 3
    # (regular space) or 5 (overflow), both below 20: store 20 units in regular space and
    # 5 in overflow (both limits bind), make the other 25 in P2.
    # production 25 + 500 = 525; holding 25; storage 0.5*50 + 1*10 = 35; total 585.
    # Shadow price: one more volume unit stores 0.5 unit more, saving 0.5*(20 - 3) = 8.5.
    plan = solve_lever("storage")
    assert_costs(plan, 585.0, production=525.0, holding=25.0, storage=35.0)
    assert values(plan, "production") == pytest.approx([25, 25], **EXACT)
    assert values(plan, "inventory") == pytest.approx([25, 0], **EXACT)
    assert values(plan, "overflow_storage", site="plant") == pytest.approx([10, 0], **EXACT)
    rows = limits(plan, "storage", "plant")
    assert rows["binding"].to_list() == [True, False]
    assert rows["shadow_price"].to_list() == pytest.approx([8.5, 0.0], **EXACT)


def test_subcontracting_capacity_and_cost() -> None:
    # max production 30 at 10, holding 2, subcontract 15/unit up to 5/period, demand
    # [20, 50]. P2 needs 20 beyond its 30: 10 spare P1 units carried (12/unit), 5
    # subcontracted in P2 (15, cap binds), 5 subcontracted in P1 and carried (17, cap
    # binds). production 600, subcontracting 150, holding 2*15 = 30; total 780.
    plan = solve_lever("subcontract")
    assert_costs(plan, 780.0, production=600.0, subcontracting=150.0, holding=30.0)
    assert values(plan, "production") == pytest.approx([30, 30], **EXACT)
    assert values(plan, "subcontracting") == pytest.approx([5, 5], **EXACT)
    assert values(plan, "inventory") == pytest.approx([15, 0], **EXACT)
    assert flows(plan, "subcontracted") == pytest.approx([5, 5], **EXACT)


# --------------------------------------------------------------------------- demand


def test_backlog_cost_limit_forbid_at_end_and_initial_backlog() -> None:
    # initial backlog 5, demand [10, 40, 10], max production 25 at 1, holding 4, backlog
    # 1/unit/period up to 5, none left at the end (forbid).
    # Owed by P2: 55 > capacity 50, so B2 >= 5; backlogging (1) beats holding (4) but the
    # limit stops at 5 (binds), so P1 builds 10 ahead: X = [25, 25, 15], I1 = 10,
    # B = [0, 5, 0]. Keeping the initial backlog in P1 would only add holding.
    # production 65, holding 40, backlog 5; total 110.
    plan = solve_lever("backlog")
    assert_costs(plan, 110.0, production=65.0, holding=40.0, backlog=5.0)
    assert values(plan, "production") == pytest.approx([25, 25, 15], **EXACT)
    assert values(plan, "backlog") == pytest.approx([0, 5, 0], **EXACT)
    assert values(plan, "sales") == pytest.approx([15, 35, 15], **EXACT)
    assert values(plan, "inventory") == pytest.approx([10, 0, 0], **EXACT)
    assert flows(plan, "delivered") == pytest.approx([15, 35, 15], **EXACT)


def test_backlog_at_end_charged_the_lost_sale_cost() -> None:
    # max production 10 at 1, holding 1, demand [0, 30], backlog free, at_end
    # lost_sale_cost, lost sale 50. Make 20 (10 held from P1); the missing 10 are either
    # lost in P2 or left in backlog at the end, both charged 50: the split is a tie.
    # production 20, holding 10, lost_sales 500; total 530.
    plan = solve_lever("backlog_at_end")
    assert_costs(plan, 530.0, production=20.0, holding=10.0, lost_sales=500.0)
    assert values(plan, "production") == pytest.approx([10, 10], **EXACT)
    end = values(plan, "backlog")[-1] + values(plan, "lost_sales")[-1]
    assert end == pytest.approx(10.0, **EXACT)


def test_backlog_at_end_without_lost_sale_cost_forbid(tmp_path: Path) -> None:
    # Same case with at_end: forbid - nothing may stay in backlog; the 10 units are lost.
    text = (LEVERS / "backlog_at_end.yaml").read_text().replace("at_end: lost_sale_cost", "at_end: forbid")
    plan = sopopt.solve(write(tmp_path, text))
    assert_costs(plan, 530.0, production=20.0, holding=10.0, lost_sales=500.0)
    assert values(plan, "backlog")[-1] == pytest.approx(0.0, **EXACT)
    assert values(plan, "lost_sales")[-1] == pytest.approx(10.0, **EXACT)


def test_backlog_at_end_lost_sale_cost_needs_lost_sales(tmp_path: Path) -> None:
    # Documented: "allowed and charged the lost-sale cost per unit (needs lost_sales)".
    # Without lost_sales the end backlog would be free: the input must be rejected.
    text = """
periods: {labels: ["1"]}
products:
  widget:
    max_production: 10
    backlog: {at_end: lost_sale_cost}
    sites: {plant: {make: true}}
sites: {plant: {}}
demand: {widget: {plant: 20}}
"""
    with pytest.raises(sopopt.ScenarioError, match="needs lost_sales"):
        sopopt.load_case(write(tmp_path, text))


def test_lost_sales_without_price() -> None:
    # max production 30 at 4, holding 3, lost sale 5, demand [0, 50]. Building ahead for
    # P2 costs 4 + 3 = 7 > 5: lose the 20 units P2 cannot make.
    # production 120, lost_sales 100; total 220.
    plan = solve_lever("lost_sales")
    assert_costs(plan, 220.0, production=120.0, lost_sales=100.0)
    assert values(plan, "production") == pytest.approx([0, 30], **EXACT)
    assert values(plan, "lost_sales") == pytest.approx([0, 20], **EXACT)
    assert flows(plan, "delivered") == pytest.approx([0, 30], **EXACT)


def test_lost_sales_with_price_charge_the_lost_margin() -> None:
    # As above with price 20 and demand [0, 80]: a lost unit is charged
    # max(5, 20) = 20 > 4 + 3, so P1 builds 30 ahead (max); P2 makes 30; 20 are lost.
    # production 240, holding 90, lost_sales 20*20 = 400; total 730. Against serving,
    # each lost unit costs the plan 20 - 4 = 16, its lost margin.
    plan = solve_lever("lost_sales_price")
    assert_costs(plan, 730.0, production=240.0, holding=90.0, lost_sales=400.0)
    assert values(plan, "production") == pytest.approx([30, 30], **EXACT)
    assert values(plan, "inventory") == pytest.approx([30, 0], **EXACT)
    assert values(plan, "lost_sales") == pytest.approx([0, 20], **EXACT)
    assert plan.kpis["revenue"] == pytest.approx(20 * 60, **EXACT)


HARD = """
periods: {labels: ["1"]}
products:
  widget:
    max_production: 10
    sites: {plant: {make: true}}
sites: {plant: {}}
demand: {widget: {plant: 20}}
"""


def test_hard_demand_that_cannot_be_met_raises_infeasible(tmp_path: Path) -> None:
    # Neither backlog nor lost sales: demand 20 > max production 10 has no plan.
    with pytest.raises(sopopt.InfeasibleError, match="infeasible"):
        sopopt.solve(write(tmp_path, HARD))


def test_hard_demand_infeasible_plan_when_not_raising(tmp_path: Path) -> None:
    plan = sopopt.solve(write(tmp_path, HARD), raise_on_failure=False)
    assert plan.status is sopopt.SolveStatus.INFEASIBLE
    assert not plan.is_optimal
    assert plan.objective is None
    assert plan.costs.isna().all()


def test_infeasible_plan_shows_no_invented_flows(tmp_path: Path) -> None:
    plan = sopopt.solve(write(tmp_path, HARD), raise_on_failure=False)
    table = plan.tables["plan"]
    decisions = ["production", "delivered", "inventory", "lost", "backlog"]
    assert table.empty or table[decisions].isna().all().all(), table[decisions].to_dict("records")


def test_time_limit_is_never_presented_as_optimal() -> None:
    # A time limit of 1 ns stops HiGHS before any plan exists.
    options = sopopt.SolveOptions(time_limit=1e-9)
    tiny = Path(__file__).parent / "data" / "tiny.yaml"
    plan = sopopt.solve(tiny, options, raise_on_failure=False)
    assert plan.status in (sopopt.SolveStatus.TIME_LIMIT_NO_PLAN, sopopt.SolveStatus.TIME_LIMIT_FEASIBLE)
    assert not plan.is_optimal
    if plan.status is sopopt.SolveStatus.TIME_LIMIT_NO_PLAN:
        assert plan.objective is None
        with pytest.raises(sopopt.SolverError, match="time limit"):
            sopopt.solve(tiny, options)


# --------------------------------------------------------------------------- materials


def test_bom_supplier_price_capacity_initial_stock_and_holding() -> None:
    # 2 steel per widget, demand [20, 20] (widget holding 10: no building ahead), steel
    # stock 10 at start, holding 0.5; supplier price [3, 5], at most 40 per period.
    # Steel needed [40, 40]. Buying in P1 for P2 costs 3.5 < 5, so buy the P1 maximum
    # (40, capacity binds): M1 = 10, then 30 in P2.
    # production 40, materials 3*40 + 5*30 = 270, holding 0.5*10 = 5; total 315.
    # Shadow price of P1 supplier capacity: 5 - 3 - 0.5 = 1.5 per unit of steel.
    plan = solve_lever("materials_bom")
    assert_costs(plan, 315.0, production=40.0, materials=270.0, holding=5.0)
    assert values(plan, "purchases", supplier="acme") == pytest.approx([40, 30], **EXACT)
    assert values(plan, "material_stock", material="steel") == pytest.approx([10, 0], **EXACT)
    assert values(plan, "production") == pytest.approx([20, 20], **EXACT)
    rows = limits(plan, "supplier", "acme")
    assert rows["binding"].to_list() == [True, False]
    assert rows["shadow_price"].to_list() == pytest.approx([1.5, 0.0], **EXACT)


def test_supplier_lead_time_and_material_receipts() -> None:
    # 1 steel per widget, demand [5, 10, 10], steel stock 5, receipts [0, 0, 3], price
    # [2, 2, 1], lead time 1: ordered in t, usable in t+1; no order in P3 (it would arrive
    # after the horizon) even though P3 is cheapest. Holding 1 on steel and widgets.
    # P1 uses the initial stock; order 10 in P1 for P2, 7 in P2 for P3 (+3 received).
    # production 25, materials 2*17 = 34; total 59.
    plan = solve_lever("materials_lead")
    assert_costs(plan, 59.0, production=25.0, materials=34.0)
    assert periods(plan, "purchases") == ["1", "2"]
    assert values(plan, "purchases", supplier="acme") == pytest.approx([10, 7, 0], **EXACT)
    assert values(plan, "production") == pytest.approx([5, 10, 10], **EXACT)
    assert values(plan, "material_stock", material="steel") == pytest.approx([0, 0, 0], **EXACT)


# --------------------------------------------------------------------------- transport


def test_lanes_cost_capacity_lead_time_and_products() -> None:
    # plant -> dc: "fast" (cost 5, lead 0, capacity 15), "slow" (cost 1, lead 1, only A).
    # Demand at dc in P2: A 10, B 20; production 1, holding 1 everywhere.
    # A: made and sent on slow in P1 (1 + 1 = 2, vs 6 on fast); slow has no P2 departure.
    # B may not use slow: 15 on fast in P2 (capacity binds), 5 on fast in P1 held at dc.
    # production 30, transport 10*1 + 20*5 = 110, holding 5; total 145.
    # Shadow price of fast in P2: one more unit saves one unit of dc holding (1).
    plan = solve_lever("lanes")
    assert_costs(plan, 145.0, production=30.0, transport=110.0, holding=5.0)
    assert values(plan, "shipments", lane="slow", product="A") == pytest.approx([10, 0], **EXACT)
    assert values(plan, "shipments", lane="fast", product="B") == pytest.approx([5, 15], **EXACT)
    assert values(plan, "shipments", lane="fast", product="A") == pytest.approx([0, 0], **EXACT)
    assert periods(plan, "shipments", lane="slow") == ["1"]  # would arrive after the horizon
    assert periods(plan, "shipments", lane="slow", product="B") == []  # product restriction
    assert flows(plan, "arrivals", "A", "dc") == pytest.approx([0, 10], **EXACT)
    assert flows(plan, "departures", "B", "plant") == pytest.approx([5, 15], **EXACT)
    assert values(plan, "inventory", product="B", site="dc") == pytest.approx([5, 0], **EXACT)
    rows = limits(plan, "lane", "fast")
    assert rows["binding"].to_list() == [False, True]
    assert rows["shadow_price"].to_list() == pytest.approx([0.0, 1.0], **EXACT)


# --------------------------------------------------------------------------- edge cases


def test_resource_with_only_zero_usage_is_no_limit(tmp_path: Path) -> None:
    # usage 0 is allowed by the schema (Number >= 0) and by checks (only 0 < v < 1e-6 is
    # rejected); the resource then limits nothing: make 20 at no cost. (Regression: the
    # row used to be a trivially-true Python bool and Pyomo raised InvalidConstraintError.)
    text = """
periods: {labels: ["1"]}
products:
  widget: {sites: {plant: {make: true}}}
sites: {plant: {}}
resources:
  line: {site: plant, hours: 10, usage: {widget: 0}}
demand: {widget: {plant: 20}}
"""
    plan = sopopt.solve(write(tmp_path, text))
    assert plan.objective == pytest.approx(0.0, abs=1e-9)
    assert values(plan, "production") == pytest.approx([20], **EXACT)
    assert plan.shadow_prices.empty  # no capacity row for a resource that limits nothing
