"""Profit: revenue of delivered units minus every cost, a lost sale counted once (issue 9).

The old ``margin`` was revenue minus total cost, and total cost already charges each lost
sale at (at least) its price, so lost revenue was counted twice. Each test here failed
on it (there was no ``profit`` KPI, and ``margin`` gave 16 instead of 96, -20,360 instead
of 180, -79,590 instead of 280).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

import sopopt
from sopopt.report.compare import compare_plans
from sopopt.results.folders import read_plan, write_outputs

TEXTBOOK = Path(__file__).resolve().parents[1] / "models" / "textbook"

ISSUE_EXAMPLE = """\
name: widgets
periods: {labels: ["1"], days: 30}
products:
  widget:
    price: 20
    production_cost: 4
    max_production: 6
    lost_sales: {cost: 0}
    sites: {plant: {make: true}}
sites: {plant: {}}
demand: {widget: {plant: 10}}
"""


def test_lost_revenue_is_counted_once(workspace):
    # 6 made and sold at 20, 4 lost: revenue 120, production 24, so profit 96. The cost
    # charges the 4 lost units at their price (80): the revenue not earned, not a cost.
    plan = sopopt.solve(workspace({"m.yaml": ISSUE_EXAMPLE}) / "m.yaml")
    assert plan.objective == pytest.approx(24 + 80)
    assert plan.kpis["revenue"] == pytest.approx(120)
    assert plan.kpis["profit"] == pytest.approx(96)
    assert "margin" not in plan.kpis
    assert plan.table("pnl")["profit"].sum() == pytest.approx(96)


def test_goodwill_penalty_above_the_price_is_a_cost(workspace):
    # Lost-sale cost 25 with price 20: the 5 above the price is goodwill, a real cost.
    plan = sopopt.solve(workspace({"m.yaml": ISSUE_EXAMPLE.replace("{cost: 0}", "{cost: 25}")}) / "m.yaml")
    assert plan.kpis["profit"] == pytest.approx(120 - 24 - 4 * 5)


def test_backlog_open_at_the_end_is_revenue_not_earned(workspace):
    # Backlog allowed and left open at the end at the lost-sale cost: 4 units owed at the
    # end are charged 20 each (the price), so they count like lost sales.
    text = ISSUE_EXAMPLE.replace("lost_sales: {cost: 0}", "lost_sales: {cost: 0}\n    backlog: {at_end: lost_sale_cost}")
    plan = sopopt.solve(workspace({"m.yaml": text}) / "m.yaml")
    assert plan.objective == pytest.approx(24 + 80)
    assert plan.kpis["profit"] == pytest.approx(96)


def published_mix(prices, unit_costs, usage, available, sell_limit) -> float:
    """The product-mix LP straight from the book, solved by scipy (no sopopt)."""
    profit = np.asarray(prices, float) - np.asarray(unit_costs, float)
    result = linprog(-profit, A_ub=np.asarray(usage, float), b_ub=available,
                     bounds=[(0, limit) for limit in sell_limit], method="highs")
    assert result.status == 0
    return -result.fun


@pytest.mark.parametrize(("model", "published", "independent"), [
    ("giapetto", 180.00, lambda: published_mix([27, 21], [24, 19], [[2, 1], [1, 1]], [100, 80], [40, None])),
    ("dakota", 280.00, lambda: published_mix([60, 30, 20], [0, 0, 0], [[8, 6, 1], [4, 2, 1.5], [2, 1.5, 0.5]],
                                             [48, 20, 8], [None, 5, None])),
])
def test_published_profit_maximisation_optimum_to_the_cent(model, published, independent, tmp_path):
    plan = sopopt.solve(TEXTBOOK / f"{model}.yaml")
    assert round(plan.kpis["profit"], 2) == published
    assert round(independent(), 2) == published
    # The figure travels: run.json, read back, the comparison table.
    write_outputs(plan, tmp_path)
    assert round(json.loads((tmp_path / "run.json").read_text())["kpis"]["profit"], 2) == published
    again = read_plan(tmp_path)
    assert round(compare_plans([again]).at["profit", again.name], 2) == published


def test_giapetto_decisions_match_the_book():
    plan = sopopt.solve(TEXTBOOK / "giapetto.yaml")
    made = plan.table("production").set_index("product")["value"]
    assert made["soldier"] == pytest.approx(20, abs=1e-6)
    assert made["train"] == pytest.approx(60, abs=1e-6)
