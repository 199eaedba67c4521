"""Shelf life (sopopt/model/shelf_life.py), solved by hand.

tests/data/levers/shelf_life.yaml: demand 100 in period 3 only, at most 40 made a period
at 1 each, holding 0.1 per unit and period, a lost sale costs 10.

- without a shelf life: 20 made in period 1, 40 in 2, 40 in 3:
  cost = 100 + 0.1 * (20 + 60) = 108;
- with ``shelf_life: 1`` a unit made in period 1 is scrapped at the close of period 2:
  nothing is made in period 1, 40 in 2 and 40 in 3, 20 lost:
  cost = 80 + 0.1 * 40 + 20 * 10 = 284.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_fast_build import assert_same_lp

import sopopt
from sopopt.analysis.planner import Planner
from sopopt.analysis.resolver import Resolver

CASE = Path(__file__).parent / "data" / "levers" / "shelf_life.yaml"


def _variant(tmp_path: Path, change: object, name: str = "variant.yaml") -> Path:
    net = yaml.safe_load(CASE.read_text())
    change(net)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(net, sort_keys=False))
    return path


def _solve(path: Path) -> sopopt.Plan:
    case = sopopt.load_case(path)
    assert_same_lp(case.data)
    return sopopt.solve(case)


def _by_period(plan: sopopt.Plan, table: str) -> list[float]:
    frame = plan.table(table)
    return [float(frame.loc[frame["period"] == label, "value"].sum()) for label in plan.labels]


def test_shelf_life_of_one_period_by_hand() -> None:
    plan = _solve(CASE)
    assert plan.objective == pytest.approx(284.0, abs=1e-9)
    assert _by_period(plan, "production") == pytest.approx([0.0, 40.0, 40.0])
    assert _by_period(plan, "lost_sales") == pytest.approx([0.0, 0.0, 20.0])
    assert plan.costs["scrap"] == 0.0
    ages = plan.table("stock_by_age")
    assert ages["age"].tolist() == [0, 0, 0] and ages["value"].tolist() == pytest.approx([0.0, 40.0, 0.0])


def test_without_shelf_life_stock_is_built_from_period_one(tmp_path: Path) -> None:
    plan = _solve(_variant(tmp_path, lambda n: n["products"]["P"].pop("shelf_life")))
    assert plan.objective == pytest.approx(108.0, abs=1e-9)
    assert _by_period(plan, "production") == pytest.approx([20.0, 40.0, 40.0])
    assert plan.table("stock_by_age").empty and plan.table("scrap").empty


def test_old_opening_stock_is_scrapped_at_its_cost(tmp_path: Path) -> None:
    """30 units one period old at the start serve period 1 only; demand comes in period 2."""

    def change(n: dict) -> None:
        n["products"]["P"].update(initial_inventory=30, initial_age=1, scrap_cost=2)
        n["demand"]["P"]["plant"] = [0, 30, 0]

    plan = _solve(_variant(tmp_path, change))
    assert plan.objective == pytest.approx(30 * 2 + 30 * 1, abs=1e-9)  # scrap 60, make 30 in period 2
    assert plan.costs["scrap"] == pytest.approx(60.0)
    assert _by_period(plan, "scrap") == pytest.approx([30.0, 0.0, 0.0])
    rows = plan.table("plan")
    assert rows["scrap"].tolist() == pytest.approx([30.0, 0.0, 0.0])
    assert rows["inventory"].tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_new_opening_stock_lasts_its_shelf_life(tmp_path: Path) -> None:
    def change(n: dict) -> None:
        n["products"]["P"].update(initial_inventory=30, scrap_cost=2)
        n["demand"]["P"]["plant"] = [0, 30, 0]

    plan = _solve(_variant(tmp_path, change))
    assert plan.objective == pytest.approx(30 * 0.1, abs=1e-9)  # held one period, then sold
    assert plan.costs["scrap"] == 0.0


def _network(life: int | None, lead: int) -> dict:
    """A plant making at most 10 a period (1 each) for a DC whose demand is 20 in period 3."""
    product: dict = {"production_cost": 1, "holding_cost": 0.1, "max_production": 10, "lost_sales": {"cost": 10},
                     "sites": {"plant": {"make": True}, "dc": {}}}
    if life is not None:
        product["shelf_life"] = life
    return {"name": "transit", "periods": {"labels": ["1", "2", "3"], "days": 7}, "products": {"P": product},
            "sites": {"plant": {}, "dc": {}},
            "lanes": {"truck": {"origin": "plant", "destination": "dc", "lead_time": lead}},
            "demand": {"P": {"dc": [0, 0, 20]}}}


@pytest.mark.parametrize(
    ("life", "cost", "served"),
    [
        (None, 20 + 0.1 * 10, 20.0),  # made in periods 1 and 2, 10 held a period
        (2, 20 + 0.1 * 10, 20.0),  # made in period 1, two periods old in period 3: still sold
        (1, 10 + 10 * 10, 10.0),  # only units made in period 2 reach the DC young enough
    ],
)
def test_time_in_transit_counts(tmp_path: Path, life: int | None, cost: float, served: float) -> None:
    path = tmp_path / "transit.yaml"
    path.write_text(yaml.safe_dump(_network(life, 1), sort_keys=False))
    plan = _solve(path)
    assert plan.objective == pytest.approx(cost, abs=1e-9)
    assert plan.kpis["delivered"] == pytest.approx(served)


def test_a_lane_slower_than_the_shelf_life_carries_nothing_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text(yaml.safe_dump(_network(0, 1), sort_keys=False))
    case = sopopt.load_case(path)
    found = [w for w in case.warnings if w.code == "shelf-life-lead-time"]
    assert len(found) == 1 and found[0].field == "products.P.shelf_life"
    assert "lane 'truck'" in found[0].message and "slow.yaml:" in str(found[0])
    plan = _solve(path)
    assert plan.objective == pytest.approx(200.0, abs=1e-9)  # all 20 lost
    assert plan.table("shipments")["value"].sum() == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: n["products"]["P"].update(initial_inventory=5, initial_age=2),
         r"products\.P\.initial_age: opening stock 2 periods old is past its shelf life \(1\)"),
        (lambda n: n["products"]["P"].pop("shelf_life") and n["products"]["P"].update(initial_age=1),
         r"products\.P\.initial_age: initial_age needs a shelf_life on the product"),
    ],
)
def test_bad_ages_are_reported_with_their_field(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(sopopt.ScenarioError, match=message):
        sopopt.load_case(_variant(tmp_path, change))


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_demand_changed_in_place_matches_a_fresh_solve(tmp_path: Path, how: str) -> None:
    """No shelf-life row holds demand: a re-solve that only shifts the balance's demand
    (sweeps, hedging) gives the fresh optimum."""
    other = sopopt.load_case(_variant(tmp_path, lambda n: n["demand"]["P"].update(plant=[30, 0, 60]), "other.yaml"))
    resolver = Resolver(sopopt.load_case(CASE), Planner(how=how))
    assert resolver.solve().objective == pytest.approx(284.0, abs=1e-9)
    plan = resolver.solve(other)
    assert plan.info["reused_lp"]
    assert plan.objective == pytest.approx(sopopt.solve(other).objective, rel=1e-12)
    assert plan.objective == pytest.approx(30 + 60 + 0.1 * 20, abs=1e-9)  # made 30, 20, 40: 20 held in period 2
