"""Alternate routings (sopopt/model/routings.py), solved by hand.

tests/data/levers/routings.yaml: line A has 50 h (1 h per unit, no extra cost), line B
100 h (1.5 h per unit, +2 per unit); a hard demand of 80. A is cheaper, so it is full:

    50 on A, 30 on B (45 h of B's 100);  cost = production 80 * 1 + extra 30 * 2 = 140

One more hour on A moves a unit from B to A and saves the extra 2: A's shadow price is 2.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_fast_build import assert_same_lp

import sopopt
from sopopt.model.build_arrays import build_lp
from tests.conftest import variant

CASE = Path(__file__).parent / "data" / "levers" / "routings.yaml"


def _variant(tmp_path: Path, change: Callable[[dict], object]) -> Path:
    return variant(CASE, tmp_path, change)


def test_production_splits_across_routings_by_hand() -> None:
    plan = sopopt.solve(CASE)
    assert plan.objective == pytest.approx(140.0, abs=1e-9)
    assert plan.costs["production"] == pytest.approx(140.0, abs=1e-9)  # 80 + extra routing cost 60
    routed = plan.table("routings").set_index("routing")["value"]
    assert routed.to_dict() == pytest.approx({"on_a": 50.0, "on_b": 30.0})
    assert plan.table("production")["value"].tolist() == pytest.approx([80.0])
    limits = plan.shadow_prices.set_index("name")
    assert limits.loc["line_a", "binding"] and limits.loc["line_a", "shadow_price"] == pytest.approx(2.0)
    assert not limits.loc["line_b", "binding"] and limits.loc["line_b", "slack"] == pytest.approx(55.0)
    util = plan.utilization.set_index("name")["used_hours"]
    assert util.to_dict() == pytest.approx({"line_a": 50.0, "line_b": 45.0})
    load = plan.table("load").set_index("routing")["hours"]
    assert load.to_dict() == pytest.approx({"on_a": 50.0, "on_b": 45.0})


def test_both_paths_build_the_same_routing_rows() -> None:
    data = sopopt.load_case(CASE).data
    assert_same_lp(data)
    lp = build_lp(data)
    rows = [key for key in lp.row_keys() if key[0] in {"routing_split", "resource_capacity"}]
    assert rows == [("routing_split", ("P", "plant", 0)), ("resource_capacity", ("line_a", 0)),
                    ("resource_capacity", ("line_b", 0))]


def test_ample_cheap_line_costs_no_extra(tmp_path: Path) -> None:
    plan = sopopt.solve(_variant(tmp_path, lambda n: n["resources"]["line_a"].update(hours=1000)))
    assert plan.objective == pytest.approx(80.0, abs=1e-9)
    assert plan.table("routings").set_index("routing")["value"].to_dict() == pytest.approx({"on_a": 80.0, "on_b": 0.0})


def test_beyond_both_lines_is_infeasible(tmp_path: Path) -> None:
    with pytest.raises(sopopt.InfeasibleError):
        sopopt.solve(_variant(tmp_path, lambda n: n["demand"]["P"].update(plant=200)))


def test_a_product_with_routings_listed_in_the_resource_usage_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, lambda n: n["resources"]["line_b"].update(usage={"P": 1}))
    with pytest.raises(sopopt.ScenarioError) as err:
        sopopt.load_case(path)
    text = str(err.value)
    assert "variant.yaml:" in text and "resources.line_b.usage.P" in text and "drop it from this usage" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: n["products"]["P"]["sites"]["plant"]["routings"]["on_a"]["usage"].update(line_c=1),
         r"routings\.on_a\.usage\.line_c: unknown resource 'line_c'"),
        (lambda n: n["products"]["P"]["sites"]["plant"].update(make=False),
         r"sites\.plant\.routings: routings of 'P' at 'plant', where it is not made"),
    ],
)
def test_bad_routings_are_reported_with_their_field(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(sopopt.ScenarioError, match=message):
        sopopt.load_case(_variant(tmp_path, change))


def test_generated_routings_build_the_same_lp_in_both_paths(tmp_path: Path) -> None:
    from sopopt.inputs.generate import write_instance

    data = sopopt.load_case(write_instance(tmp_path, 9, 4, 3, 5, routings=2)).data
    assert {k for _p, _s, k in data.routings} == {"route1", "route2"}
    for (p, _s, _k), routing in data.routings.items():
        assert all(p not in data.resources[r].usage for r in routing.usage)
    assert_same_lp(data)
