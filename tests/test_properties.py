"""Property tests on generated networks (tests/strategies.py).

Both build paths emit the same LP on every generated network and on each degenerate
input; and the plan obeys relations that must hold for any valid input: more capacity
never costs more, scaling every cost scales the objective, names and order do not
matter, a fixed thread count gives identical tables, and a dearer unlimited supplier
never helps unless a supplier capacity binds. The ``ci`` profile (tests/conftest.py)
keeps the whole file to about 30 s.
"""

from __future__ import annotations

import copy
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import example, given
from strategies import DEGENERATE, networks, write_network
from test_fast_build import assert_same_lp

import sopopt
from sopopt.solver.options import SolveOptions

ONE_THREAD = SolveOptions(threads=1)


def _plan(net: dict[str, Any]) -> sopopt.Plan:
    with tempfile.TemporaryDirectory() as folder:
        case = write_network(net, Path(folder))
    plan = sopopt.solve(case, ONE_THREAD)
    assert plan.is_optimal, plan.status
    return plan


def _degenerate(test: Callable[..., None]) -> Callable[..., None]:
    """Run the test on every degenerate input as an explicit example."""
    for net in DEGENERATE.values():
        test = example(net)(test)
    return test


def _scaled(value: Any, factor: float) -> Any:
    """A series (number or list) times a factor."""
    if isinstance(value, list):
        return [v * factor for v in value]
    return value * factor


def _scale_fields(net: dict[str, Any], paths: list[tuple[str, ...]], factor: float) -> dict[str, Any]:
    """Multiply every field at ``paths`` (``*`` matches every key of a mapping) by a factor."""
    out = copy.deepcopy(net)

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if not isinstance(node, dict) or not path:
            return
        head, rest = path[0], path[1:]
        keys = list(node) if head == "*" else [head] if head in node else []
        for key in keys:
            if rest:
                walk(node[key], rest)
            elif node[key] is not None:
                node[key] = _scaled(node[key], factor)

    for path in paths:
        walk(out, path)
    return out


COSTS = [
    ("products", "*", "production_cost"), ("products", "*", "holding_cost"), ("products", "*", "lost_sales", "cost"),
    ("products", "*", "backlog", "cost"), ("products", "*", "subcontract", "cost"),
    ("products", "*", "safety_stock_cost"), ("products", "*", "price"),
    ("sites", "*", "storage", "cost"), ("sites", "*", "storage", "overflow", "cost"),
    ("resources", "*", "overtime", "cost"), ("workforce", "*", "wage"), ("workforce", "*", "overtime", "cost"),
    ("workforce", "*", "hiring", "cost"), ("workforce", "*", "layoffs", "cost"),
    ("materials", "*", "holding_cost"), ("suppliers", "*", "price"), ("lanes", "*", "cost"),
    ("products", "*", "sites", "*", "routings", "*", "cost"), ("products", "*", "scrap_cost"),
]
CAPACITIES = [
    ("resources", "*", "hours"), ("resources", "*", "overtime", "capacity"), ("workforce", "*", "hours_per_worker"),
    ("sites", "*", "storage", "capacity"), ("sites", "*", "storage", "overflow", "capacity"),
    ("lanes", "*", "capacity"), ("suppliers", "*", "capacity"), ("products", "*", "subcontract", "capacity"),
]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-7)


def _same_costs(a: sopopt.Plan, b: sopopt.Plan) -> None:
    tolerance = 1e-7 * max(1.0, abs(a.objective or 0.0))
    diff = (a.costs - b.costs).abs()
    assert (diff <= tolerance).all(), pd.concat([a.costs, b.costs], axis=1)[diff > tolerance]


@_degenerate
@given(networks())
def test_both_paths_build_the_same_lp(net: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case = write_network(net, Path(folder))
    assert_same_lp(case.data)


@_degenerate
@given(networks())
def test_more_capacity_never_costs_more(net: dict[str, Any]) -> None:
    base = _plan(net)
    more = _plan(_scale_fields(net, CAPACITIES, 1.5))
    assert more.objective <= base.objective * (1 + 1e-9) + 1e-7


@_degenerate
@given(networks())
def test_scaling_every_cost_scales_the_objective(net: dict[str, Any]) -> None:
    base, k = _plan(net), 3.0  # not a power of two: the scaled costs round differently
    scaled = _plan(_scale_fields(net, COSTS, k))
    assert _close(scaled.objective, k * base.objective), (scaled.objective, base.objective)


def _renamed(net: dict[str, Any]) -> dict[str, Any]:
    """Every product and site renamed and every mapping listed in reverse order."""
    prod = {p: f"item_{i}" for i, p in enumerate(reversed(list(net["products"])))}
    site = {s: f"place_{i}" for i, s in enumerate(reversed(list(net["sites"])))}
    out = copy.deepcopy(net)
    out["sites"] = {site[s]: v for s, v in reversed(list(net["sites"].items()))}
    out["products"] = {
        prod[p]: {**v, "sites": {site[s]: at for s, at in reversed(list(v["sites"].items()))},
                  **({"components": {prod[q]: x for q, x in v["components"].items()}} if "components" in v else {})}
        for p, v in reversed(list(net["products"].items()))
    }
    out["demand"] = {
        prod[p]: {site[s]: d for s, d in reversed(list(by.items()))} for p, by in reversed(list(net["demand"].items()))
    }
    for kind in ("resources", "workforce"):
        out[kind] = {
            name: {**pool, "site": site[pool["site"]], "usage": {prod[p]: r for p, r in pool["usage"].items()}}
            for name, pool in reversed(list(net.get(kind, {}).items()))
        }
    out["suppliers"] = {
        k: {**sup, "sites": [site[s] for s in reversed(sup["sites"])]} for k, sup in net.get("suppliers", {}).items()
    }
    out["lanes"] = {
        name: {**lane, "origin": site[lane["origin"]], "destination": site[lane["destination"]]}
        for name, lane in reversed(list(net.get("lanes", {}).items()))
    }
    return out


@_degenerate
@given(networks())
def test_renaming_and_reordering_change_nothing(net: dict[str, Any]) -> None:
    base, renamed = _plan(net), _plan(_renamed(net))
    assert _close(renamed.objective, base.objective)
    _same_costs(base, renamed)


@_degenerate
@given(networks())
def test_same_input_same_tables_at_a_fixed_thread_count(net: dict[str, Any]) -> None:
    first, second = _plan(net), _plan(net)
    assert first.objective == second.objective
    assert set(first.tables) == set(second.tables)
    for name, frame in first.tables.items():
        pd.testing.assert_frame_equal(frame, second.tables[name], check_exact=True)


@_degenerate
@given(networks())
def test_a_dearer_unlimited_supplier_never_helps_unless_a_capacity_binds(net: dict[str, Any]) -> None:
    suppliers = net.get("suppliers") or {}
    base = _plan(net)
    if not suppliers:
        return
    dearer = copy.deepcopy(net)
    dearer["suppliers"]["dearer"] = {
        "material": "m0",
        "sites": sorted({s for sup in suppliers.values() for s in sup["sites"]}),
        "price": max(float(sup.get("price", 0.0)) for sup in suppliers.values()) * 1.5 + 1.0,
        "lead_time": max(int(sup.get("lead_time", 0)) for sup in suppliers.values()),
    }
    more = _plan(dearer)
    assert more.objective <= base.objective * (1 + 1e-9) + 1e-7
    sp = base.shadow_prices
    binding = sp[(sp["kind"] == "supplier") & (sp["shadow_price"].abs() > 1e-9)] if not sp.empty else sp
    if binding.empty:
        assert _close(more.objective, base.objective)
        _same_costs(base, more)
