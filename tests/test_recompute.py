"""Invariants recomputed from the output tables (STYLE.md, "Test in layers" (e)).

Every lever case of ``tests/data/levers`` and ``tests/data/tiny.yaml`` is solved and
checked by :func:`recompute.check_plan`, which rebuilds every balance, limit and cost
from the plan's tables and the case, without the Pyomo model. The second half shows the
check has teeth: a plan corrupted in one value fails it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from recompute import check_plan, expand

import sopopt

DATA = Path(__file__).parent / "data"
CASES = [*sorted(DATA.glob("levers/*.yaml")), DATA / "tiny.yaml"]


@functools.cache
def solved(path: Path) -> tuple[sopopt.Case, sopopt.Plan]:
    case = sopopt.load_case(path)
    return case, sopopt.solve(case)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_passes_independent_recomputation(path: Path) -> None:
    case, plan = solved(path)
    assert plan.is_optimal
    check_plan(case, plan)


def test_every_lever_case_is_checked() -> None:
    assert len(CASES) >= 20


# --------------------------------------------------------------------------- teeth


def _copy(plan: sopopt.Plan, **changes: object) -> sopopt.Plan:
    tables = {name: frame.copy() for name, frame in plan.tables.items()}
    fields = {"tables": tables, "costs": plan.costs.copy(), "shadow_prices": plan.shadow_prices.copy()}
    fields.update(changes)
    return dataclasses.replace(plan, **fields)


def _bump(plan: sopopt.Plan, table: str, row: int, column: str = "value", by: float = 1.0) -> sopopt.Plan:
    bad = _copy(plan)
    frame = bad.tables[table]
    frame.loc[frame.index[row], column] = frame.loc[frame.index[row], column] + by
    return bad


def _cost(plan: sopopt.Plan, category: str, by: float) -> sopopt.Plan:
    costs = plan.costs.copy()
    costs[category] += by
    return _copy(plan, costs=costs)


def _ship_after_horizon(plan: sopopt.Plan) -> sopopt.Plan:
    bad = _copy(plan)
    extra = pd.DataFrame([{"lane": "slow", "product": "A", "period": "2", "value": 1.0}])
    bad.tables["shipments"] = pd.concat([bad.tables["shipments"], extra], ignore_index=True)
    return bad


def _flip_shadow_price(plan: sopopt.Plan) -> sopopt.Plan:
    bad = _copy(plan)
    bad.shadow_prices["shadow_price"] = -bad.shadow_prices["shadow_price"]
    return bad


CORRUPTIONS: dict[str, tuple[str, Callable[[sopopt.Plan], sopopt.Plan], str]] = {
    "inventory value": ("production", lambda p: _bump(p, "inventory", 0), "inventory balance"),
    "production value": ("production", lambda p: _bump(p, "production", 2, by=-1.0), "inventory balance"),
    "plan delivered": ("tiny", lambda p: _bump(p, "plan", 1, "delivered"), r"plan\.delivered"),
    "holding cost": ("holding", lambda p: _cost(p, "holding", 1e-3), "cost 'holding'"),
    "objective": ("tiny", lambda p: _copy(p, objective=p.objective + 1.0), "objective"),
    "backlog value": ("backlog", lambda p: _bump(p, "backlog", 1, by=-1.0), "backlog"),
    "headcount value": ("layoffs", lambda p: _bump(p, "headcount", 2), "headcount balance"),
    "purchase value": ("materials_lead", lambda p: _bump(p, "purchases", 1), "material balance"),
    "shipment after horizon": ("lanes", _ship_after_horizon, "does not exist"),
    "resource overtime": ("resource", lambda p: _bump(p, "resource_overtime", 1, by=-1.0), "capacity"),
    "shadow price sign": ("resource", _flip_shadow_price, "must be >= 0"),
    "overflow value": ("storage", lambda p: _bump(p, "overflow_storage", 0, by=-1.0), "storage capacity"),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_check_fails_on_a_corrupted_plan(corruption: str) -> None:
    name, corrupt, message = CORRUPTIONS[corruption]
    path = DATA / "tiny.yaml" if name == "tiny" else DATA / "levers" / f"{name}.yaml"
    case, plan = solved(path)
    check_plan(case, plan)  # the genuine plan passes
    with pytest.raises(AssertionError, match=message):
        check_plan(case, corrupt(plan))


def test_check_refuses_a_plan_without_values(tmp_path: Path) -> None:
    path = tmp_path / "hard.yaml"
    path.write_text(
        'periods: {labels: ["1"]}\n'
        "products: {w: {max_production: 10, sites: {plant: {make: true}}}}\n"
        "sites: {plant: {}}\n"
        "demand: {w: {plant: 20}}\n"
    )
    case = sopopt.load_case(path)
    plan = sopopt.solve(case, raise_on_failure=False)
    with pytest.raises(AssertionError, match="no plan"):
        check_plan(case, plan)


def test_series_expansion_of_the_checker() -> None:
    labels = ["a", "b", "c", "d"]
    assert expand(None, labels, 7.0) == [7.0] * 4
    assert expand(2, labels) == [2.0] * 4
    assert expand([1, 2, 3, 4], labels) == [1.0, 2.0, 3.0, 4.0]
    assert expand({"default": 1, "b..c": 5, "d": 9}, labels) == [1.0, 5.0, 5.0, 9.0]
    with pytest.raises(ValueError, match="without a value"):
        expand({"a": 1}, labels)
