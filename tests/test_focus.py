"""What the report points at (issue 24): the exceptions table and the utilisation heat
map against a hand-solved plan, and the order charts open in (the most constrained pool,
the site with the largest gap first).

The case: one widget made on a line of 100 hours a period (1 h a unit; a press of 400
hours is hardly used), demand 50, 200, 100, safety stock 20 (0.50 a unit short of it),
lost sales 100 a unit. The line runs flat out: period 1 makes 100 and keeps 50 (above
safety stock); period 2 has 150 for a demand of 200, so 50 units are lost and no stock
is left (20 below safety stock); period 3 makes and sells 100 and again ends 20 below.
"""

from __future__ import annotations

import numpy as np
import pytest

import sopopt
from sopopt.report import focus, focus_charts
from sopopt.report.exceptions_table import exceptions_html

CASE = """\
name: focus
periods: {labels: ["1", "2", "3"]}
products:
  widget:
    family: tools
    production_cost: 10
    holding_cost: 1
    lost_sales: {cost: 100}
    sites:
      plant: {make: true, safety_stock: 20, safety_stock_cost: 0.5}
sites:
  plant: {}
resources:
  press: {site: plant, hours: 400, usage: {widget: 1}}
  line: {site: plant, hours: 100, usage: {widget: 1}}
demand:
  widget:
    plant: [50, 200, 100]
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("focus") / "focus.yaml"
    path.write_text(CASE)
    return sopopt.solve(path)


def test_the_hand_solved_plan(plan) -> None:
    table = plan.tables["plan"]
    assert list(table["lost"]) == pytest.approx([0, 50, 0])
    assert list(table["inventory"]) == pytest.approx([50, 0, 0])
    assert list(table["safety_shortfall"]) == pytest.approx([0, 20, 20])


def test_exceptions_count_the_periods_and_units_of_each_cell(plan) -> None:
    rows = focus.exceptions(plan).to_dict("records")
    assert rows == [{"product": "widget", "site": "plant", "periods_short": 1, "units_short": pytest.approx(50.0),
                     "periods_below_safety": 2, "units_below_safety": pytest.approx(40.0), "periods_over_max": 0}]
    html = exceptions_html([plan], ["focus"])
    assert '<td data-v="50">50</td>' in html and '<td data-v="40">40</td>' in html
    assert "screen-only" not in html  # fewer rows than print shows


def test_the_line_is_the_bottleneck_and_the_heat_map_is_its_load(plan) -> None:
    assert [name for _, name, _ in focus.pool_order(plan)] == ["line", "press"]
    fig = focus_charts.utilisation_heatmap(plan)
    heat = fig.data[0]
    assert list(heat.y) == ["line", "press"]
    # hours used over regular hours: the line 100/100 in every period, the press 100/400
    assert np.asarray(heat.z) == pytest.approx(np.array([[100.0] * 3, [25.0] * 3]))
    assert list(heat.text[0]) == ["100%", "100%", "100%"]
    util = plan.utilization.set_index(["name", "period"])
    assert 100 * util.at[("press", "2"), "used_hours"] / util.at[("press", "2"), "regular_hours"] == 25.0
    # the capacity chart opens on the line: its traces are the visible ones
    capacity = sopopt.report.charts.capacity_load(plan)
    visible = [(t.name, list(t.y)) for t in capacity.data if t.visible is not False]
    assert visible == [("tools", pytest.approx([100.0] * 3)), ("Regular capacity", pytest.approx([100.0] * 3))]
    assert capacity.layout.updatemenus[0].buttons[0].label.startswith("line ")


def test_small_multiples_need_two_entities(plan) -> None:
    multiples = focus_charts.capacity_multiples(plan)
    assert [a.text for a in multiples.layout.annotations] == ["line (machine hours)", "press (machine hours)"]
    assert focus_charts.stock_multiples(plan) is None  # one site: the chart itself prints
