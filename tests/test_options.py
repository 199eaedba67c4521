"""Capacity options (sopopt/model/options.py), solved by hand (issue 32).

tests/data/options/line.yaml: demand 100 in each of two periods, a 60 h line (1 h per
unit), production cost 1, lost-sale cost 20; an option adds 50 h from the first period
(lead time 0) for 300 once and 100 per period. Taken: 300 + 200 + 200 = 700. Without
it: 120 production + 80 lost x 20 = 1,720. At a one-off cost of 2,000 it is not taken.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest
import yaml

import sopopt
from sopopt.analysis.members import BOUND_SPECS, ROW_SPECS, Describer
from sopopt.model.build_arrays import build_lp
from sopopt.model.contracts import CONTRACT_PAID
from sopopt.model.materials import SUPPLIER_CAPACITY
from sopopt.model.options import OPTION_DECISION
from sopopt.model.resources import RESOURCE_CAPACITY
from sopopt.model.storage import STORAGE_CAPACITY
from sopopt.model.workforce import HEADCOUNT

DATA = Path(__file__).parent / "data" / "options"


@functools.cache
def _solved(name: str) -> sopopt.Plan:
    """A case of tests/data/options solved once for every test that reads it."""
    return sopopt.solve(DATA / name)


def _variant(tmp_path: Path, case: str, **option: object) -> Path:
    """``case`` with its one option's fields replaced, written to tmp_path."""
    data = yaml.safe_load((DATA / case).read_text())
    ((_name, fields),) = data["options"].items()
    fields.update(option)
    path = tmp_path / case
    path.write_text(yaml.safe_dump(data))
    return path


def _table(plan: sopopt.Plan) -> dict[str, object]:
    return plan.table("options").set_index("option").iloc[0].to_dict()


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_option_taken_costs_700_against_1720(how: str) -> None:
    plan = _solved("line.yaml") if how == "fast" else sopopt.solve(DATA / "line.yaml", how=how)
    assert plan.objective == pytest.approx(700.0, abs=1e-6)
    assert plan.costs["options"] == pytest.approx(500.0, abs=1e-6)
    assert plan.costs["lost_sales"] == pytest.approx(0.0, abs=1e-6)
    row = _table(plan)
    assert (row["chosen"], row["decided_in"], row["available_from"]) == (True, "P1", "P1")
    assert row["cost"] == pytest.approx(500.0)
    # With 110 h for 100 units the line has slack: the option's hours are worth 0 at the margin.
    assert row["value"] == pytest.approx(0.0)
    assert row["adds"] == "50 hours of resource line"


def test_option_at_2000_is_not_taken_and_its_hours_are_priced() -> None:
    plan = _solved("line_costly.yaml")
    assert plan.objective == pytest.approx(1720.0, abs=1e-6)
    row = _table(plan)
    assert (row["chosen"], row["decided_in"], row["cost"]) == (False, "", 0.0)
    # An hour of the line is worth 20 - 1 = 19 in both periods: 50 h x 2 x 19.
    assert row["value"] == pytest.approx(1900.0)


def test_lead_time_makes_it_available_a_period_later(tmp_path: Path) -> None:
    # Decided in P1, available in P2: P1 makes 60 and loses 40 (60 + 800), P2 makes 100
    # (100), the option costs 300 + 100: 1,360 < 1,720.
    plan = sopopt.solve(_variant(tmp_path, "line.yaml", lead_time=1))
    assert plan.objective == pytest.approx(1360.0, abs=1e-6)
    row = _table(plan)
    assert (row["decided_in"], row["available_from"], row["cost"]) == ("P1", "P2", 400.0)


@pytest.mark.parametrize(
    ("fields", "cost", "available"),
    [
        ({}, 800.0, [1, 1, 1]),  # irreversible: 300 + 3 x 100 + 200
        ({"reversible": True}, 600.0, [1, 0, 0]),  # given up after P1: 300 + 100 + 200
        ({"reversible": True, "min_periods": 2}, 700.0, [1, 1, 0]),  # kept two periods
    ],
)
def test_reversible_options_are_given_up_after_min_periods(
    tmp_path: Path, fields: dict[str, object], cost: float, available: list[int]
) -> None:
    plan = sopopt.solve(_variant(tmp_path, "seasonal.yaml", **fields))
    assert plan.objective == pytest.approx(cost, abs=1e-6)
    assert plan.table("option_available")["value"].round().tolist() == available


def test_forced_out_and_forced_in(tmp_path: Path) -> None:
    assert sopopt.solve(_variant(tmp_path, "line.yaml", force=False)).objective == pytest.approx(1720.0, abs=1e-6)
    forced = sopopt.solve(_variant(tmp_path, "line.yaml", one_off_cost=2000, force=True))
    assert forced.objective == pytest.approx(2400.0, abs=1e-6)


def test_headcount_option_raises_the_largest_crew() -> None:
    plan = _solved("crew.yaml")
    assert plan.objective == pytest.approx(500.0, abs=1e-6)
    assert plan.table("headcount")["value"].tolist() == pytest.approx([10.0, 10.0])
    limits = plan.shadow_prices[plan.shadow_prices["kind"] == "max_headcount"]
    assert limits["binding"].all() and len(limits) == 2


def test_option_on_unknown_resource_is_reported_with_its_field(tmp_path: Path) -> None:
    path = _variant(tmp_path, "line.yaml", adds={"resource": "lathe", "hours": 5})
    with pytest.raises(sopopt.ScenarioError, match=r"options\.second_line\.adds\.resource.*unknown resource 'lathe'"):
        sopopt.load_case(path)
    path = _variant(tmp_path, "line.yaml", adds={"resource": "line", "capacity": 5})
    with pytest.raises(sopopt.ScenarioError, match=r"give exactly one of"):
        sopopt.load_case(path)


def test_explain_says_what_forcing_in_or_dropping_an_option_costs() -> None:
    costly = sopopt.explain(DATA / "line_costly.yaml")
    assert "Forcing option 'second_line' in costs 680.00 USD more (2,400.00 against 1,720.00)." in costly.sentences()
    (effect,) = costly.options
    assert (effect.chosen, effect.difference) == (False, pytest.approx(680.0))
    taken = sopopt.explain(DATA / "line.yaml")
    assert "Dropping option 'second_line' costs 1,020.00 USD more (1,720.00 against 700.00)." in taken.sentences()


def test_generated_options_build_the_same_lp_both_ways(tmp_path: Path) -> None:
    from test_fast_build import assert_same_lp

    from sopopt.inputs.generate import write_instance

    model = write_instance(tmp_path, 4, 3, 6, seed=5, options=4)
    case = sopopt.load_case(model, workspace=tmp_path)
    assert case.data is not None and len(case.data.options) == 4
    assert {o.kind for o in case.data.options.values()} >= {"resource", "supplier"}
    assert_same_lp(case.data)


def test_report_first_screen_names_the_options_taken() -> None:
    from sopopt.report.summary import scenario_cards

    assert "Options taken: second_line (from P1)" in scenario_cards([_solved("line.yaml")])
    assert "Options taken: none" in scenario_cards([_solved("line_costly.yaml")])


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.stem)
def test_plan_passes_independent_recomputation(path: Path) -> None:
    """tests/recompute.py rebuilds every balance, limit and cost of the issue's cases from
    the plan's tables: capacity raised by the options available, option costs, contract
    and tier material costs, take-or-pay minimums (its teeth: the corruption tests below)."""
    from recompute import check_plan

    check_plan(sopopt.load_case(path), _solved(path.name))


def test_recomputation_catches_a_wrong_option_or_contract_table() -> None:
    from recompute import check_plan

    case, plan = sopopt.load_case(DATA / "kinds.yaml"), _solved("kinds.yaml")
    available = plan.tables["option_available"].copy()
    available["value"] = 0.0  # no option available: the raised capacity is used beyond the plain one
    with pytest.raises(AssertionError, match="capacity"):
        check_plan(case, dataclasses.replace(plan, tables={**plan.tables, "option_available": available}))
    case, plan = sopopt.load_case(DATA / "take_or_pay.yaml"), _solved("take_or_pay.yaml")
    paid = plan.tables["contract_paid"].copy()
    paid["value"] = 50.0  # what is ordered, below the minimum of 80
    with pytest.raises(AssertionError, match="take-or-pay minimum"):
        check_plan(case, dataclasses.replace(plan, tables={**plan.tables, "contract_paid": paid}))


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_option_and_contract_row_is_described_in_words(path: Path) -> None:
    """The family contract for the issue's cases (no solve): every row and limiting
    bound of the LP has its family's words, with numbers and places filled in."""
    case = sopopt.load_case(path)
    lp = build_lp(case.data)
    describer = Describer(case)
    for component, key in lp.row_keys():
        assert component in ROW_SPECS, component
        member = describer.row(component, key)
        assert "{" not in member.text and member.kind and member.name, member.text
    ours = {OPTION_DECISION.component, CONTRACT_PAID.component}
    for j, (component, key) in enumerate(lp.column_keys()):
        for side, active in (("lower", lp.col_lower[j] > 0), ("upper", component in ours)):
            if active and (component, side) in BOUND_SPECS:
                member = describer.bound(component, key, side)
                assert member.value == pytest.approx(getattr(lp, f"col_{side}")[j]) and "{" not in member.text
        bound = lp.col_upper[j]
        if component == HEADCOUNT.component and np.isfinite(bound):  # raised pools: the bound as built
            assert describer.bound(component, key, "upper").value == pytest.approx(bound), key


def test_capacity_rows_name_the_options_that_add_to_them() -> None:
    """The extension hook's words: explanations of a capacity row say what the options
    available in its period add (one forced out adds nothing; before its lead time, nothing)."""
    describer = Describer(sopopt.load_case(DATA / "kinds.yaml"))
    line = describer.row(RESOURCE_CAPACITY.component, ("line", 1)).text
    assert line.startswith("line hours in P2: 60 regular (") and "plus 40 hours from option extra_line" in line
    assert "from option" not in describer.row(RESOURCE_CAPACITY.component, ("line", 0)).text  # lead time 1
    mill = describer.row(SUPPLIER_CAPACITY.component, ("mill", 0))
    assert "plus 50 units from option second_mill when it is available (" in mill.text and len(mill.places) == 2
    assert "from option" not in describer.row(STORAGE_CAPACITY.component, ("plant", 2)).text  # warehouse: force false


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == text)


def test_a_raised_pools_headcount_bound_is_stated_as_built() -> None:
    """kinds.yaml: night_shift raises crew's maximum (6) into a row, so the headcount
    column keeps only the ending bound: 9 in P4 (not min(6, 9) = 6), none before (no solve)."""
    path = DATA / "kinds.yaml"
    describer = Describer(sopopt.load_case(path))
    last = describer.bound(HEADCOUNT.component, ("crew", 3), "upper")
    assert last.value == 9.0 and last.kind == "maximum ending headcount"
    assert last.text.startswith("maximum ending headcount of crew in P4: at most 9 (")
    assert last.text.endswith(f"kinds.yaml:{_line(path, 'max_ending_headcount: 9')})")
    assert describer.bound(HEADCOUNT.component, ("crew", 1), "upper").value == np.inf


def test_a_conflict_names_the_raised_pools_ending_bound(tmp_path: Path) -> None:
    """crew.yaml with hard demand and an ending maximum of 8: P1's 100 units need 10
    workers (6 plus the option's 4); with no layoffs P2 keeps 10 > 8. The conflict names
    the column's bound as built, 8 at max_ending_headcount's line (it said "at most 6",
    the maximum the option moved into a row)."""
    data = yaml.safe_load((DATA / "crew.yaml").read_text())
    del data["products"]["widget"]["lost_sales"]
    data["workforce"]["crew"]["max_ending_headcount"] = 8
    path = tmp_path / "crew.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    plan = sopopt.solve(path, raise_on_failure=False)
    texts = [m.text for m in plan.explanation.members]
    assert f"maximum ending headcount of crew in P2: at most 8 ({path}:{_line(path, 'max_ending_headcount: 8')})" in texts
    assert not any("at most 6" in text for text in texts), texts


def test_an_option_forced_out_is_a_bound_in_words(tmp_path: Path) -> None:
    """A conflict that needs the option names the input that forbids it (no solve)."""
    path = _variant(tmp_path, "crew.yaml", force=False)
    line = _line(path, "force: false")
    member = Describer(sopopt.load_case(path)).bound(OPTION_DECISION.component, ("night_shift", 0), "upper")
    assert member.value == 0.0
    assert member.text == f"option night_shift is forced out: never decided, not in P1 either ({path}:{line})"
