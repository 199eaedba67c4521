"""What it would take (issue 23, part 2): each limit relaxed alone, solved by hand.

tests/data/fixes/base.yaml: widget needs 1 steel and 1 hour of dayton (100 hours);
steel from acme (3 per unit, up to 40) or bolt (5 per unit, up to 10); production 1 per
unit; 30 widgets wanted; a lost sale costs 50.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sopopt.analysis.explain import PlanExplanation, explain_plan
from sopopt.analysis.fixes import INTEGERS_HELD

DATA = Path(__file__).parent / "data" / "fixes"


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def acme_out() -> PlanExplanation:
    return explain_plan(DATA / "acme_out.yaml", product="widget", site="plant", period="1")


def test_a_supplier_set_to_zero_is_the_cheapest_fix_with_its_file_line(acme_out: PlanExplanation) -> None:
    # acme set to 0 by the scenario: bolt's 10 units make 10 widgets, 20 are lost.
    # Plan: 10 x 5 + 10 x 1 + 20 x 50 = 1,060.
    assert acme_out.plan.objective == pytest.approx(1060.0)
    cell = acme_out.cells[0]
    assert cell.value == pytest.approx(20.0) and cell.fixes is not None
    first, second = cell.fixes.fixes
    # acme alone: 20 units more; plan 20 x 3 + 10 x 5 + 30 x 1 = 140, i.e. 920 less.
    assert (first.name, first.quantity, first.unit, first.at_zero) == ("acme", pytest.approx(20.0), "unit", True)
    assert first.cost_change == pytest.approx(140.0 - 1060.0)
    adjusted = _line(DATA / "acme_out.yaml", "target: supplier_capacity")
    assert first.place.startswith("adjustment at ") and first.place.endswith(
        f"fixes/acme_out.yaml:{adjusted}, of tests/data/fixes/base.yaml:{_line(DATA / 'base.yaml', 'acme:')}")
    # bolt alone: 20 units more at 5; plan 30 x 5 + 30 x 1 = 180, i.e. 880 less.
    assert (second.name, second.quantity, second.at_zero) == ("bolt", pytest.approx(20.0), False)
    assert second.cost_change == pytest.approx(180.0 - 1060.0)
    text = "\n".join(acme_out.sentences())
    assert "1. 20 units more for supplier capacity acme in 1 (set by adjustment at" in text
    assert "now at zero): the best plan serving it costs 920 USD less." in text


def test_a_line_with_zero_hours_is_named_as_the_cause() -> None:
    explained = explain_plan(DATA / "dayton_down.yaml", product="widget", site="plant", period="1")
    # dayton at 0 hours: all 30 widgets lost, 30 x 50 = 1,500.
    assert explained.plan.objective == pytest.approx(1500.0)
    cell = explained.cells[0]
    assert cell.fixes is not None and len(cell.fixes.fixes) == 1
    fix = cell.fixes.fixes[0]
    # 30 hours more; plan 30 x 3 (acme) + 30 x 1 = 120, i.e. 1,380 less.
    assert (fix.name, fix.quantity, fix.unit, fix.at_zero) == ("dayton", pytest.approx(30.0), "hour", True)
    assert fix.cost_change == pytest.approx(120.0 - 1500.0)
    adjusted = _line(DATA / "dayton_down.yaml", "target: resource_hours")
    assert fix.place.startswith("adjustment at ") and f"fixes/dayton_down.yaml:{adjusted}, of " in fix.place
    assert explained.to_dict()["cells"][0]["fixes"][0]["quantity"] == pytest.approx(30.0)


def test_a_plan_with_integer_decisions_gets_its_fixes_with_the_setups_held() -> None:
    # tests/data/fixes/lots_acme_out.yaml: a lot of at least 5 with a setup of 10 (a MIP);
    # acme at 0. Plan: one lot of 10 from bolt, 10 x 5 + 10 x 1 + 10 + 20 x 50 = 1,070.
    explained = explain_plan(DATA / "lots_acme_out.yaml", product="widget", site="plant", period="1")
    assert explained.plan.objective == pytest.approx(1070.0)
    cell = explained.cells[0]
    assert cell.value == pytest.approx(20.0) and cell.fixes is not None
    assert cell.fixes.note == INTEGERS_HELD
    first, second = cell.fixes.fixes
    # The setup held (made): acme +20 gives 20 x 3 + 10 x 5 + 30 x 1 + 10 = 150, 920 less;
    # bolt +20 gives 30 x 5 + 30 + 10 = 190, 880 less.
    assert (first.name, first.quantity, first.at_zero) == ("acme", pytest.approx(20.0), True)
    assert first.cost_change == pytest.approx(150.0 - 1070.0)
    assert first.place.endswith(f"fixes/lots_acme_out.yaml:{_line(DATA / 'lots_acme_out.yaml', 'acme:')}")
    assert (second.name, second.quantity) == ("bolt", pytest.approx(20.0))
    assert second.cost_change == pytest.approx(190.0 - 1070.0)
    assert f"cheapest first ({INTEGERS_HELD}):" in "\n".join(explained.sentences())
    assert explained.to_dict()["cells"][0]["fixes_note"] == INTEGERS_HELD
