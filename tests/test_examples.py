"""The shipped example business (models/acme.yaml) and its scenarios (scenarios/).

These are end-to-end checks on a realistic case: every scenario solves to a proven
optimum whose cost breakdown adds up; across the four shipped scenarios every planning
lever is used somewhere (so the example shows what the engine can do); the base plan
builds stock ahead of the holiday peak; and each scenario really changes what its
file says it changes, read back from the plan's own tables.

Each scenario is solved once per test session (well under a second each).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sopopt
from sopopt import Plan, SolveStatus
from sopopt.inputs.periods import period_indices

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MAIN = ("base", "surge", "supplier_disruption", "promotion")

#: A lever counts as used when its table sums above this (units, hours, workers, m3).
USED = 1.0


def scenario_files() -> list[Path]:
    """Every scenario YAML under scenarios/, except textbook instances (they have
    their own tests)."""
    return sorted(p for p in SCENARIOS.rglob("*.yaml") if "textbook" not in p.relative_to(SCENARIOS).parts)


@functools.cache
def _solve(path: str) -> Plan:
    return sopopt.solve(path)


def solved(path: Path) -> Plan:
    """The plan of a scenario file, solved once per session."""
    return _solve(str(path.resolve()))


def plan_of(name: str) -> Plan:
    """The plan of one of the shipped scenarios by name."""
    return solved(SCENARIOS / f"{name}.yaml")


def adjustments(name: str) -> list[dict]:
    """The ``adjust`` list of a scenario file, as written."""
    data = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))
    return data.get("adjust", [])


def demand_by(plan: Plan) -> pd.Series:
    """Demand per (product, site, period) from the plan table."""
    return plan.table("plan").set_index(["product", "site", "period"])["demand"]


# --------------------------------------------------------------------------- (a)


def test_the_shipped_scenarios_are_found():
    names = {p.stem for p in scenario_files()}
    assert set(MAIN) <= names, f"missing scenarios: {set(MAIN) - names}"


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.relative_to(SCENARIOS).as_posix())
def test_scenario_solves_optimal_and_costs_add_up(path: Path):
    plan = solved(path)
    assert plan.status is SolveStatus.OPTIMAL, plan.status.label
    assert plan.objective is not None
    assert plan.costs.notna().all(), plan.costs
    assert (plan.costs >= -1e-6).all(), f"negative cost category:\n{plan.costs}"
    assert math.isclose(plan.costs.sum(), plan.objective, rel_tol=1e-7), (
        f"cost breakdown {plan.costs.sum():,.4f} != objective {plan.objective:,.4f}"
    )


# --------------------------------------------------------------------------- (b)


def _total(*tables: str) -> Callable[[Plan], float]:
    return lambda plan: float(sum(plan.table(t)["value"].sum() for t in tables))


#: Lever -> (where it shows in the plan, how much of it a plan uses).
LEVERS: dict[str, tuple[str, Callable[[Plan], float]]] = {
    "resource overtime": ("tables['resource_overtime'].value (machine hours)", _total("resource_overtime")),
    "labour overtime": ("tables['labour_overtime'].value (labour hours)", _total("labour_overtime")),
    "hiring": ("tables['hires'].value (workers)", _total("hires")),
    "layoffs": ("tables['layoffs'].value (workers)", _total("layoffs")),
    "subcontracting": ("tables['subcontracting'].value (units)", _total("subcontracting")),
    "backlog": ("tables['backlog'].value (units owed at period close)", _total("backlog")),
    "lost sales": ("tables['lost_sales'].value (units)", _total("lost_sales")),
    "overflow storage": ("tables['overflow_storage'].value (m3 rented)", _total("overflow_storage")),
    "shipments": ("tables['shipments'].value (units)", _total("shipments")),
    "safety-stock shortfall": ("tables['safety_stock'].shortfall (units)",
                               lambda plan: float(plan.tables["safety_stock"]["shortfall"].sum())),
    "purchases": ("tables['purchases'].value (units of material)", _total("purchases")),
}


@pytest.mark.parametrize("lever", list(LEVERS))
def test_every_lever_is_used_in_some_scenario(lever: str):
    where, amount = LEVERS[lever]
    used = {name: amount(plan_of(name)) for name in MAIN}
    assert max(used.values()) > USED, (
        f"no shipped scenario uses {lever}: {where} sums to "
        + ", ".join(f"{name}={value:g}" for name, value in used.items())
        + "; retune models/acme.yaml or the scenarios"
    )


def test_every_supplier_gets_orders_in_some_scenario():
    """Both motor suppliers (and both resin sources) are used, not just the cheapest."""
    ordered = pd.concat(
        [plan_of(name).table("purchases").groupby("supplier")["value"].sum().rename(name) for name in MAIN],
        axis=1,
    )
    idle = ordered[ordered.max(axis=1) <= USED]
    assert idle.empty, f"suppliers never ordered from (tables['purchases'] by supplier):\n{idle}"


# --------------------------------------------------------------------------- (c)


def stock_builds(plan: Plan) -> list[str]:
    """Products whose stock (all sites together) rose three months running to its
    highest level before the product's peak demand month, by at least a quarter of
    the peak month's demand."""
    table = plan.table("plan")
    labels = plan.labels
    found = []
    for product, rows in table.groupby("product"):
        demand = rows.groupby("period")["demand"].sum().reindex(labels).to_numpy()
        stock = rows.groupby("period")["inventory"].sum().reindex(labels).to_numpy()
        peak = int(demand.argmax())
        if peak < 4:
            continue
        top = int(stock[:peak].argmax())
        if top < 3:
            continue
        window = stock[top - 3 : top + 1]
        if np.all(np.diff(window) > 0) and window[-1] - window[0] >= 0.25 * demand[peak]:
            found.append(
                f"{product}: {window[0]:.0f} ({labels[top - 3]}) -> {window[-1]:.0f} ({labels[top]}), "
                f"peak demand {demand[peak]:.0f} in {labels[peak]}"
            )
    return found


def test_some_scenario_builds_stock_ahead_of_a_peak():
    builds = {name: stock_builds(plan_of(name)) for name in MAIN}
    assert any(builds.values()), (
        "in no scenario does a product's inventory (tables['plan'].inventory, summed over sites) "
        "rise in the months before its peak demand month"
    )


def test_base_plan_builds_for_the_holidays_and_sells_it():
    """Total stock grows from summer to October and is sold in November-December."""
    stock = plan_of("base").table("plan").groupby("period")["inventory"].sum()
    assert stock["2027-10"] > 1.3 * stock["2027-07"], stock
    assert stock["2027-12"] < 0.6 * stock["2027-10"], stock


# --------------------------------------------------------------------------- (d)


def _scope(adj: dict, key: str) -> list[str] | None:
    value = adj.get(key)
    return [value] if isinstance(value, str) else value


def _expected_demand(name: str) -> pd.Series:
    """Base demand with the scenario's demand adjustments applied by hand."""
    base = plan_of("base")
    expected = demand_by(base).copy()
    family = base.table("plan").drop_duplicates("product").set_index("product")["family"]
    for adj in adjustments(name):
        if adj["target"] != "demand":
            continue
        assert set(adj) <= {"target", "family", "product", "site", "periods", "multiply", "note"}, adj
        periods = [base.labels[i] for i in period_indices(adj["periods"], base.labels)]
        products, families, sites = _scope(adj, "product"), _scope(adj, "family"), _scope(adj, "site")
        index = expected.index.to_frame(index=False)
        chosen = index["period"].isin(periods).to_numpy().copy()
        if products is not None:
            chosen &= index["product"].isin(products).to_numpy()
        if families is not None:
            chosen &= index["product"].map(family).isin(families).to_numpy()
        if sites is not None:
            chosen &= index["site"].isin(sites).to_numpy()
        assert chosen.any(), f"{name}: adjustment {adj} matches nothing"
        expected[chosen] = expected[chosen] * adj.get("multiply", 1.0)
    return expected


@pytest.mark.parametrize("name", ["surge", "promotion", "supplier_disruption"])
def test_scenario_demand_is_base_demand_adjusted(name: str):
    """Demand in the plan equals base demand times each factor in the file, in its
    scope and periods, and base demand everywhere else."""
    actual = demand_by(plan_of(name))
    expected = _expected_demand(name)
    pd.testing.assert_series_equal(actual.sort_index(), expected.sort_index(), check_exact=False, rtol=1e-9)


def test_surge_raises_floorcare_demand_in_its_window():
    (adj,) = [a for a in adjustments("surge") if a["target"] == "demand"]
    assert adj["family"] == "floorcare"
    assert adj["multiply"] > 1
    labels = plan_of("base").labels
    periods = [labels[i] for i in period_indices(adj["periods"], labels)]
    base, surge = plan_of("base").table("plan"), plan_of("surge").table("plan")

    def family_total(table: pd.DataFrame) -> float:
        rows = table[(table["family"] == "floorcare") & table["period"].isin(periods)]
        return float(rows["demand"].sum())

    assert family_total(surge) == pytest.approx(adj["multiply"] * family_total(base), rel=1e-9)
    assert float(surge["demand"].sum()) > float(base["demand"].sum())
    # More floor-care demand costs more to serve.
    assert plan_of("surge").objective > plan_of("base").objective


def test_supplier_disruption_cuts_orders_from_the_supplier():
    disruption = plan_of("supplier_disruption")
    labels = disruption.labels
    cut = {}
    for adj in adjustments("supplier_disruption"):
        assert adj["target"] == "supplier_capacity"
        for i in period_indices(adj["periods"], labels):
            cut[(adj["supplier"], labels[i])] = adj
    base_case = sopopt.load_case(SCENARIOS / "base.yaml").data
    orders = disruption.table("purchases").groupby(["supplier", "period"])["value"].sum()
    for (supplier, period), adj in cut.items():
        limit = (
            adj["set"]
            if "set" in adj
            else adj["multiply"] * base_case.suppliers[supplier].capacity[labels.index(period)]
        )
        assert orders.get((supplier, period), 0.0) <= limit + 1e-6, (supplier, period, orders.get((supplier, period)))
    assert any(orders.get(key, 0.0) < 1e-6 for key in cut), "the disruption should stop orders entirely somewhere"
    # The plan reacts: more from the other motor supplier and finished fans bought in.
    base = plan_of("base")
    by_supplier = {
        name: plan_of(name).table("purchases").groupby("supplier")["value"].sum()
        for name in ("base", "supplier_disruption")
    }
    assert by_supplier["supplier_disruption"]["dynamo_motors"] > by_supplier["base"]["dynamo_motors"]
    assert disruption.table("subcontracting")["value"].sum() > base.table("subcontracting")["value"].sum()
    assert disruption.kpis["fill_rate"] < base.kpis["fill_rate"]
    assert disruption.objective > base.objective


def test_promotion_changes_prices_and_demand_of_promoted_products_only():
    base_case = sopopt.load_case(SCENARIOS / "base.yaml").data
    promo_case = sopopt.load_case(SCENARIOS / "promotion.yaml").data
    labels = promo_case.labels
    promoted = {p for adj in adjustments("promotion") for p in _scope(adj, "product") or []}
    assert promoted == {"desk_fan", "air_purifier"}
    for (product, site), item in promo_case.items.items():
        before = base_case.items[product, site].price
        if product in promoted:
            changed = [labels[i] for i in np.flatnonzero(item.price < before)]
            assert changed == ["2027-07", "2027-08"], (product, changed)
        elif before is None:
            assert item.price is None, product
        else:
            assert np.array_equal(item.price, before), product
    base, promo = plan_of("base"), plan_of("promotion")
    assert promo.kpis["total_demand"] > base.kpis["total_demand"]
    assert promo.table("subcontracting")["value"].sum() > base.table("subcontracting")["value"].sum()
