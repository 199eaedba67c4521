"""Multi-level bills (sopopt/model/bills.py), solved by hand.

tests/data/levers/bills.yaml: P needs 2 of Q. Q is made at plant_a (3 per unit) and
shipped to plant_b (1 per unit, no lead time), where P is made (5 per unit). Demand for
P is 10, so plant_b needs 20 Q:

    cost = 10 * 5 + 20 * 3 + 20 * 1 = 130,  dependent demand for Q at plant_b: 20
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_fast_build import assert_same_lp

import sopopt
from sopopt.model.build_arrays import build_lp
from tests.conftest import variant

CASE = Path(__file__).parent / "data" / "levers" / "bills.yaml"


def _variant(tmp_path: Path, change: Callable[[dict], object]) -> Path:
    return variant(CASE, tmp_path, change)


def test_two_level_bill_by_hand() -> None:
    plan = sopopt.solve(CASE)
    assert plan.objective == pytest.approx(130.0, abs=1e-9)
    assert plan.costs["production"] == pytest.approx(110.0, abs=1e-9)
    assert plan.costs["transport"] == pytest.approx(20.0, abs=1e-9)
    rows = plan.table("plan").set_index(["product", "site"])
    assert rows.loc[("Q", "plant_b"), "dependent_demand"] == pytest.approx(20.0)
    assert rows.loc[("Q", "plant_b"), "arrivals"] == pytest.approx(20.0)
    assert rows.loc[("Q", "plant_a"), "production"] == pytest.approx(20.0)
    assert rows.loc[("P", "plant_b"), "dependent_demand"] == 0.0
    # Dependent demand is not demand: only P's 10 units count in the service KPIs.
    assert plan.kpis["total_demand"] == pytest.approx(10.0) and plan.kpis["fill_rate"] == pytest.approx(1.0)
    assert list(plan.service["product"]) == ["P"]


def test_both_paths_build_the_same_bill_coefficients() -> None:
    data = sopopt.load_case(CASE).data
    assert_same_lp(data)
    lp = build_lp(data)
    rows, cols = lp.row_keys(), lp.column_keys()
    r = rows.index(("inventory_balance", ("Q", "plant_b", 0)))
    c = cols.index(("production", ("P", "plant_b", 0)))
    entries = range(lp.a_start[c], lp.a_start[c + 1])
    assert {int(lp.a_index[k]): float(lp.a_value[k]) for k in entries}[r] == 2.0


def test_a_short_component_loses_sales_of_the_product_only(tmp_path: Path) -> None:
    """Q's plant makes at most 8: P can be made 4 times, 6 P are lost (cost 50 each)."""

    def change(n: dict) -> None:
        n["products"]["Q"]["sites"]["plant_a"]["max_production"] = 8
        n["products"]["P"]["lost_sales"] = {"cost": 50}

    plan = sopopt.solve(_variant(tmp_path, change))
    assert plan.objective == pytest.approx(4 * 5 + 8 * 3 + 8 * 1 + 6 * 50, abs=1e-9)
    assert plan.kpis["lost_units"] == pytest.approx(6.0)
    assert plan.kpis["total_demand"] == pytest.approx(10.0)
    assert plan.kpis["fill_rate"] == pytest.approx(0.4)


def test_independent_demand_of_a_component_counts(tmp_path: Path) -> None:
    plan = sopopt.solve(_variant(tmp_path, lambda n: n["demand"].update(Q={"plant_b": 5})))
    assert plan.objective == pytest.approx(130.0 + 5 * 4, abs=1e-9)
    assert plan.kpis["total_demand"] == pytest.approx(15.0)
    rows = plan.table("plan").set_index(["product", "site"])
    assert rows.loc[("Q", "plant_b"), ["demand", "dependent_demand", "delivered"]].tolist() == [5.0, 20.0, 5.0]


def test_a_cycle_in_the_bill_is_refused_with_its_line(tmp_path: Path) -> None:
    def change(n: dict) -> None:
        n["products"]["Q"]["components"] = {"P": 1}
        n["products"]["P"]["sites"]["plant_a"] = {}

    with pytest.raises(sopopt.ScenarioError) as err:
        sopopt.load_case(_variant(tmp_path, change))
    text = str(err.value)
    assert "variant.yaml:" in text and "cycle in the bill: " in text
    assert "P -> Q -> P" in text or "Q -> P -> Q" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: n["products"]["P"].update(components={"R": 1}), r"products\.P\.components\.R: unknown product 'R'"),
        (lambda n: n["products"]["Q"]["sites"].pop("plant_b") and n["lanes"].clear(),
         r"products\.P\.components\.Q: component 'Q' is not stocked at 'plant_b', where 'P' is made"),
        (lambda n: n["products"]["P"].update(components={"P": 1}), r"cycle in the bill: P -> P"),
    ],
)
def test_bad_bills_are_reported_with_their_field(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(sopopt.ScenarioError, match=message):
        sopopt.load_case(_variant(tmp_path, change))
