"""Ranges of shadow prices (issue 13): hand-built, non-degenerate cases whose range ends
are derived in each file's comment (``tests/data/ranges/``).

For every range end the test re-solves the LP with the limit moved 0.5x and 0.99x of
the way to that end (the objective moves by exactly shadow price x change) and past the
end (it does not: the price has changed, or no plan is left).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sopopt
from sopopt.analysis.planner import Planner
from sopopt.results.folders import read_plan, write_outputs
from sopopt.results.plan import extract_plan
from sopopt.results.words import limit_sentence
from sopopt.solver.options import SolveOptions
from sopopt.solver.ranging import compute_ranging
from sopopt.solver.session import HighsSession
from sopopt.solver.solution import FIXED_MIP_LABEL
from sopopt.solver.status import SolveStatus

RANGES = Path(__file__).parent / "data" / "ranges"
LEVERS = Path(__file__).parent / "data" / "levers"
EXACT = {"rel": 1e-9, "abs": 1e-9}


def limit(plan: sopopt.Plan, kind: str) -> pd.Series:
    sp = plan.shadow_prices
    rows = sp[(sp["kind"] == kind) & sp["binding"].astype(bool)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def objective_with(case: sopopt.Case, key: tuple[str, tuple], on: str, side: str, delta: float) -> float | None:
    """Objective after moving one row's right-hand side or one column's bound by delta
    (None: no plan)."""
    session = HighsSession(Planner().build(case), SolveOptions(method="simplex"))
    h = session.highs
    if on == "row":
        session.shift_row_bounds(np.array([session.row_positions()[key]]), np.array([delta]))
    else:
        j = session.col_positions()[key]
        lp = h.getLp()
        lower, upper = float(lp.col_lower_[j]), float(lp.col_upper_[j])
        if side == "upper":
            upper += delta
        else:
            lower += delta
        h.changeColBounds(j, lower, upper)
    solution = session.run()
    return solution.objective if solution.status is SolveStatus.OPTIMAL else None


CASES = [
    # file, kind, LP location, on, side, price, range_up, range_down
    ("capacity", "capacity", ("resource_capacity", ("line", 0)), "row", "upper", 10.0, 40.0, -40.0),
    ("subcontract", "subcontract", ("subcontract", ("widget", "plant", 0)), "column", "upper", 5.0, 20.0, -20.0),
    ("subcontract", "capacity", ("resource_capacity", ("line", 0)), "row", "upper", 20.0, 20.0, -20.0),
    ("min_stock", "min_stock", ("inventory", ("widget", "plant", 0)), "column", "lower", 14.0, 90.0, -10.0),
]


@pytest.mark.parametrize(("name", "kind", "key", "on", "side", "price", "up", "down"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_range_ends_known_by_hand_and_the_price_holds_exactly_inside(
    name: str, kind: str, key: tuple[str, tuple], on: str, side: str, price: float, up: float, down: float
) -> None:
    case = sopopt.load_case(RANGES / f"{name}.yaml")
    plan = sopopt.solve(case)
    row = limit(plan, kind)
    assert row["shadow_price"] == pytest.approx(price, **EXACT)
    assert row["range_up"] == pytest.approx(up, **EXACT)
    assert row["range_down"] == pytest.approx(down, **EXACT)
    assert row["range_note"] == ""
    assert row["sense"] == ("max" if side == "upper" else "min")
    # Money saved per unit more room: a maximum gives room upwards, a minimum downwards.
    saving_per_unit_up = price if side == "upper" else -price
    base = plan.objective
    for end in (up, down):
        for share in (0.5, 0.99):
            delta = share * end
            moved = objective_with(case, key, on, side, delta)
            assert moved is not None
            assert base - moved == pytest.approx(saving_per_unit_up * delta, rel=1e-9, abs=1e-7)
        beyond = objective_with(case, key, on, side, 1.25 * end)
        assert beyond is None or abs((base - beyond) - saving_per_unit_up * 1.25 * end) > 1e-6


def test_a_limit_with_slack_keeps_price_zero_until_its_slack_is_used() -> None:
    # min_stock.yaml: the line has 200 - 110 = 90 h spare in period 1 and 200 in period 2.
    plan = sopopt.solve(RANGES / "min_stock.yaml")
    sp = plan.shadow_prices
    line = sp[sp["kind"] == "capacity"].set_index("period")
    assert not line["binding"].any()
    assert line["shadow_price"].to_list() == [0.0, 0.0]
    assert line["range_down"].to_list() == pytest.approx([-90.0, -200.0], **EXACT)
    assert np.isinf(line["range_up"]).all()


EXPECTED_KINDS = {
    "hiring": {("hiring", "max")},
    "layoffs": {("layoffs", "max"), ("min_headcount", "min"), ("ending_headcount", "min")},
    "headcount_max": {("ending_headcount", "max")},
    "holding": {("ending_stock", "min")},
    "inventory_bounds": {("max_stock", "max"), ("min_stock", "min")},
    "backlog": {("backlog_limit", "max"), ("max_production", "max")},
}


@pytest.mark.parametrize("lever", sorted(EXPECTED_KINDS))
def test_bound_limits_of_each_kind_are_reported_when_they_bind(lever: str) -> None:
    plan = sopopt.solve(LEVERS / f"{lever}.yaml")
    sp = plan.shadow_prices
    bound_kinds = {(k, s) for k, s, slack in zip(sp["kind"], sp["sense"], sp["slack"], strict=True)
                   if k not in {"lane", "storage", "capacity", "workforce", "overtime", "supplier"}}
    assert bound_kinds == EXPECTED_KINDS[lever]
    assert (sp["shadow_price"] >= 0).all()


def test_overflow_capacity_binds_with_its_price_and_range(workspace) -> None:
    # Storage 10 volume (1 per unit) + rented overflow at most 5 (cost 1/unit); stock
    # built in period 1 at 10/unit beats making in period 2 at 20/unit (holding 2):
    # 15 units held, overflow full. One more overflow unit saves 20 - 10 - 2 - 1 = 7,
    # up to +5 (then the demand of 20 is all built early) and down to -5.
    root = workspace({"case.yaml": """\
        name: overflow
        periods: {labels: ["1", "2"]}
        products:
          widget:
            production_cost: [10, 20]
            holding_cost: 2
            volume: 1
            sites: {plant: {make: true}}
        sites:
          plant: {storage: {capacity: 10, overflow: {cost: 1, capacity: 5}}}
        demand: {widget: {plant: [0, 20]}}
        """})
    plan = sopopt.solve(root / "case.yaml")
    row = limit(plan, "overflow")
    assert (row["shadow_price"], row["range_up"], row["range_down"]) == pytest.approx((7.0, 5.0, -5.0), **EXACT)
    storage = limit(plan, "storage")
    assert storage["shadow_price"] == pytest.approx(8.0, **EXACT)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (SolveOptions(method="ipm", options={"run_crossover": "off"}), "interior point without crossover"),
        (SolveOptions(method="pdlp"), "PDLP"),
    ],
    ids=["ipm-no-crossover", "pdlp"],
)
def test_range_unknown_without_a_basis_says_why(options: SolveOptions, reason: str) -> None:
    plan = sopopt.solve(RANGES / "capacity.yaml", options)
    sp = plan.shadow_prices
    row = sp[sp["kind"] == "capacity"].iloc[0]  # binding to the method's tolerance only
    assert row["shadow_price"] == pytest.approx(10.0, rel=1e-4)
    assert math.isnan(row["range_up"]) and math.isnan(row["range_down"])
    assert row["range_note"].startswith("range unknown: ")
    assert reason in row["range_note"]
    assert "range unknown" in limit_sentence(row.to_dict(), plan.currency)


def test_a_mip_plan_is_ranged_as_its_lp_with_the_integers_fixed() -> None:
    # The hook integer plans use: ranges of the LP with every integer decision fixed.
    # Fixing production of a (60) leaves b's production to take the hour: same ranges
    # on the up side; down, b's 40 units are the whole room (-40).
    case = sopopt.load_case(RANGES / "capacity.yaml")
    session = HighsSession(Planner().build(case), SolveOptions(method="simplex"))
    j = session.col_positions()["production", ("a", "plant", 0)]
    session.highs.changeColsIntegrality(1, np.array([j], dtype=np.int32), np.array([1], dtype=np.uint8))
    solution = session.run()
    assert solution.status is SolveStatus.OPTIMAL
    ranging = compute_ranging(session, solution)
    assert ranging.known and ranging.label == FIXED_MIP_LABEL
    plan = extract_plan(case.data, dataclasses.replace(solution, ranging=ranging), "mip", "USD")
    row = limit(plan, "capacity")
    assert (row["shadow_price"], row["range_up"], row["range_down"]) == pytest.approx((10.0, 40.0, -40.0), **EXACT)
    assert row["range_note"] == FIXED_MIP_LABEL
    assert "production" not in set(plan.shadow_prices["kind"])  # a fixed integer is no limit


def test_ranges_are_written_read_back_and_shown(tmp_path: Path) -> None:
    plan = sopopt.solve(RANGES / "subcontract.yaml")
    write_outputs(plan, tmp_path / "out")
    text = (tmp_path / "out" / "shadow_prices.csv").read_text().splitlines()
    assert text[0].endswith("sense,range_up,range_down,range_note")
    again = read_plan(tmp_path / "out")
    pd.testing.assert_frame_equal(again.shadow_prices, plan.shadow_prices, check_dtype=False)
    top = plan.bottlenecks(2)
    assert top["kind"].to_list() == ["capacity", "subcontract"]
    assert {"range_up", "range_down", "range_note"} <= set(top.columns)
    sentence = limit_sentence(top.iloc[0].to_dict(), plan.currency)
    assert sentence == ("One more hour of line (capacity) in 1 saves 20 USD, for up to 20 hours more; "
                        "one hour less costs 20 USD, for up to 20 hours less.")


def test_a_solve_ranges_the_shown_limits_exactly_and_the_rest_on_demand() -> None:
    from sopopt.results.limits import ON_DEMAND

    # The ranking ranges limits one at a time, largest money bound first, until its top
    # ten is exact, and leaves the rest to plan.ranges().
    shown = sopopt.solve("scenarios/base.yaml")
    full = Planner(ranges="all").solve("scenarios/base.yaml")
    assert shown.objective == full.objective
    columns = ["kind", "name", "period", "money", "shadow_price", "range_up", "range_down", "range_note"]
    pd.testing.assert_frame_equal(shown.bottlenecks()[columns], full.bottlenecks()[columns], rtol=1e-9)
    binding = shown.shadow_prices[shown.shadow_prices["binding"].astype(bool)]
    waiting = binding[binding["range_note"] == ON_DEMAND]
    assert len(waiting) > 0 and waiting["range_up"].isna().all()
    pd.testing.assert_frame_equal(shown.ranges(), full.shadow_prices, rtol=1e-9)
    assert shown.ranges() is shown.ranges()  # computed once


def test_cli_ranges_all_fills_every_range_of_the_csv(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sopopt.cli import app

    result = CliRunner().invoke(app, ["solve", str(RANGES / "subcontract.yaml"), "--ranges", "all", "-o",
                                      str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "shadow_prices.csv")
    binding = table[table["binding"].astype(bool)]
    assert len(binding) >= 2 and binding["range_up"].notna().all() and binding["range_down"].notna().all()
