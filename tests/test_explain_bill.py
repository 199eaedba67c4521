"""explain follows a shortage down the bill (issue 31): a product short because a
component (or the material of a component) is short names the component and its limit.

tests/data/bills/three_levels.yaml: P needs 2 Q, Q needs 3 R, R needs 1 steel and acme
sells at most 12 steel, so 12 R, 4 Q and 2 P are made and 8 P are lost (cost 838). One
more unit of steel makes 1/6 P more: the supplier's rate on the shortage is -1/6 and its
price (100 - 5 - 2 * 1 - 6 * 1) / 6 - 1 = 13.5.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sopopt.analysis.explain import explain_plan
from sopopt.analysis.explain_bill import bill_paths
from tests.conftest import variant

CASE = Path(__file__).parent / "data" / "bills" / "three_levels.yaml"


def _variant(tmp_path: Path, change: Callable[[dict], object]) -> Path:
    return variant(CASE, tmp_path, change)


def test_bill_paths_are_the_shortest_way_down() -> None:
    bill = {"P": {"Q": 2, "R": 1}, "Q": {"R": 3, "S": 4}}
    assert bill_paths(bill, "P") == {"Q": [("Q", 2)], "R": [("R", 1)], "S": [("Q", 2), ("S", 4)]}
    assert bill_paths(bill, "S") == {}


def test_a_shortage_is_followed_down_three_levels_to_the_material() -> None:
    result = explain_plan(CASE, product="P")
    assert result.plan.objective == pytest.approx(838.0, abs=1e-9)
    (cell,) = result.cells
    assert cell.value == pytest.approx(8.0) and cell.cost == pytest.approx(800.0)
    (cause,) = cell.causes
    assert (cause.name, cause.kind, cause.rate) == ("acme", "supplier", pytest.approx(-1 / 6))
    assert cause.shadow_price == pytest.approx(13.5)
    assert cell.through == ("Down the bill: P is short because its component Q (2 per unit) is short, because its "
                            "component R (3 per unit) is short: R is held back by acme (supplier) in 1.",)
    assert f"  {cell.through[0]}" in result.sentences()


def test_the_component_whose_own_limit_binds_is_named(tmp_path: Path) -> None:
    """Q's plant makes at most 4 (steel is plenty): R is made only as Q needs it, so the
    limit is Q's, not R's, though R's making moves with it too."""

    def change(net: dict) -> None:
        net["suppliers"]["acme"]["capacity"] = 1000
        net["products"]["Q"]["sites"]["plant"]["max_production"] = 4

    (cell,) = explain_plan(_variant(tmp_path, change), product="P").cells
    assert cell.value == pytest.approx(8.0)
    assert cell.through == ("Down the bill: P is short because its component Q (2 per unit) is short: Q is held "
                            "back by Q/plant (max_production) in 1.",)


def test_a_products_own_limit_is_not_down_the_bill(tmp_path: Path) -> None:
    def change(net: dict) -> None:
        net["suppliers"]["acme"]["capacity"] = 1000
        net["products"]["P"]["sites"]["plant"]["max_production"] = 2

    (cell,) = explain_plan(_variant(tmp_path, change), product="P").cells
    assert cell.value == pytest.approx(8.0) and [c.name for c in cell.causes] == ["P/plant"]
    assert cell.through == ()
