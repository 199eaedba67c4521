"""Causes of a cell of a feasible plan (issue 13): hand-built cases where a shortage has
exactly one and exactly two causes, with the rates derived in the files' comments
(``tests/data/ranges/``) and checked against a re-solve."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sopopt
from sopopt.analysis.explain import explain_plan
from sopopt.analysis.planner import Planner
from sopopt.solver.options import SolveOptions
from sopopt.solver.session import HighsSession

RANGES = Path(__file__).parent / "data" / "ranges"
EXACT = {"rel": 1e-9, "abs": 1e-9}


def shortage_after(case: sopopt.Case, key: tuple[str, tuple], on: str, delta: float) -> float:
    """Units lost after moving one limit (a row or a column's upper bound) by delta."""
    session = HighsSession(Planner().build(case), SolveOptions(method="simplex"))
    if on == "row":
        session.shift_row_bounds(np.array([session.row_positions()[key]]), np.array([delta]))
    else:
        j = session.col_positions()[key]
        upper = float(session.highs.getLp().col_upper_[j])
        session.set_col_upper(np.array([j]), np.array([upper + delta]))
    return session.run().values["lost"]["widget", "plant", 0]


def test_a_shortage_with_exactly_one_cause() -> None:
    explanation = explain_plan(RANGES / "one_cause.yaml", product="widget", site="plant", period="1")
    (cell,) = explanation.cells
    assert (cell.what, cell.value, cell.unit) == ("shortage", pytest.approx(50.0, **EXACT), "units")
    (cause,) = cell.causes
    assert (cause.kind, cause.name, cause.period) == ("capacity", "line", "1")
    assert cause.rate == pytest.approx(-1.0, **EXACT)
    assert cause.effect == pytest.approx(50.0, **EXACT)
    assert (cause.shadow_price, cause.range_up, cause.range_down) == pytest.approx((40.0, 50.0, -100.0), **EXACT)
    text = explanation.sentences()
    assert "widget at plant in 1: 50 units of shortage, costing 2,500 USD." in text
    assert text[2] == ("  1. Each extra hour of line (capacity) in 1 removes 1 unit of shortage. "
                       "One more hour of line (capacity) in 1 saves 40 USD, for up to 50 hours more; "
                       "one hour less costs 40 USD, for up to 100 hours less.")
    # What it would take: 50 more hours serve the 50 units, each saving 40 (50 less 10 to make).
    assert text[3] == "  What it would take, each limit relaxed alone, cheapest first:"
    assert text[4].startswith("    1. 50 hours more for resource hours line in 1 (set at ")
    assert text[4].endswith("one_cause.yaml:10): the best plan serving it costs 2,000 USD less.")


def test_a_shortage_with_exactly_two_causes_fastest_first_and_rates_match_a_resolve() -> None:
    case = sopopt.load_case(RANGES / "two_causes.yaml")
    explanation = explain_plan(case, product="widget", site="plant", period="1")
    (cell,) = explanation.cells
    assert cell.value == pytest.approx(30.0, **EXACT)
    assert [(c.kind, c.rate, c.effect, c.shadow_price) for c in cell.causes] == [
        ("subcontract", pytest.approx(-1.0, **EXACT), pytest.approx(30.0, **EXACT), pytest.approx(25.0, **EXACT)),
        ("capacity", pytest.approx(-0.5, **EXACT), pytest.approx(30.0, **EXACT), pytest.approx(20.0, **EXACT)),
    ]
    # The rates are what a re-solve shows: 4 more hours remove 2 lost units, 4 more
    # subcontracted units remove 4.
    assert shortage_after(case, ("resource_capacity", ("line", 0)), "row", 4.0) == pytest.approx(28.0, **EXACT)
    assert shortage_after(case, ("subcontract", ("widget", "plant", 0)), "column", 4.0) == pytest.approx(26.0, **EXACT)
    text = explanation.sentences()
    assert any("Each extra hour of line (capacity) in 1 removes 0.5 units of shortage" in line for line in text)


def test_no_cell_lists_the_costliest_cells_with_their_top_cause() -> None:
    explanation = explain_plan(RANGES / "two_causes.yaml")
    assert explanation.request == dict.fromkeys(("product", "site", "period", "resource", "crew"))
    (cell,) = explanation.cells  # one shortage cell and no overtime in this plan
    assert cell.cost == pytest.approx(30 * 50.0, **EXACT)
    assert cell.label == "widget at plant in 1"
    text = explanation.sentences()
    assert text[1] == "The 1 costliest shortage and overtime cells, each with its top cause:"
    assert text[2] == "widget at plant in 1: 30 units of shortage, costing 1,500 USD."
    assert text[3].startswith("  Top cause: Each extra unit subcontracted of widget/plant (subcontract) in 1 removes 1 ")
    assert len(text) == 4
    data = explanation.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["cells"][0]["causes"][0]["kind"] == "subcontract"


def test_overtime_cell_and_a_cell_with_nothing_to_explain() -> None:
    # subcontract.yaml: 20 h of line overtime; the overtime is basic (its cap of 40 h is
    # not reached), so it moves with the regular hours (-1 per hour) and with the
    # subcontract capacity (-1 per unit).
    explanation = explain_plan(RANGES / "subcontract.yaml", resource="line", period="1")
    (cell,) = explanation.cells
    assert (cell.what, cell.value) == ("machine overtime", pytest.approx(20.0, **EXACT))
    assert sorted((c.kind, c.rate) for c in cell.causes) == [
        ("capacity", pytest.approx(-1.0, **EXACT)), ("subcontract", pytest.approx(-1.0, **EXACT))]
    nothing = explain_plan(RANGES / "capacity.yaml", product="a", site="plant", period="1")
    assert nothing.cells[0].causes == ()
    assert "a at plant in 1: no shortage or stock build; nothing to explain." in nothing.sentences()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"product": "gadget"}, "unknown product 'gadget'"),
        ({"product": "widget", "period": "7"}, "unknown period '7'"),
        ({"period": "1"}, "say which cell"),
        ({"product": "widget", "resource": "line"}, "give one of"),
    ],
)
def test_a_cell_that_is_not_there_is_a_typed_error(request_: dict[str, str], message: str) -> None:
    with pytest.raises(sopopt.ScenarioError, match=message):
        explain_plan(RANGES / "one_cause.yaml", **request_)


def test_cli_explain_feasible_case_summary_ranges_and_report(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sopopt.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["explain", str(RANGES / "two_causes.yaml"), "--product", "widget", "--site", "plant",
                                 "--period", "1"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "widget at plant in 1: 30 units of shortage, costing 1,500 USD." in result.output
    assert "2. Each extra hour of line (capacity) in 1 removes 0.5 units of shortage." in result.output
    bad = runner.invoke(app, ["explain", str(RANGES / "two_causes.yaml"), "--crew", "nobody"])
    assert bad.exit_code == 2 and "unknown crew 'nobody'" in bad.output and "Traceback" not in bad.output
    solved = runner.invoke(app, ["solve", str(RANGES / "two_causes.yaml")], env={"COLUMNS": "250"})
    assert solved.exit_code == 0
    line = next(row for row in solved.output.splitlines() if "subcontract" in row and "25.00" in row)
    assert "-20.00" in line and "+30.00" in line
    # The report: ranges in sentences, and the causes of the costliest cells.
    report = runner.invoke(app, ["report", str(RANGES / "two_causes.yaml"), "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    text = (tmp_path / "r.html").read_text()
    assert ("One more unit subcontracted of widget/plant (subcontract) in 1 saves 25 USD, for up to 30 units "
            "subcontracted more; one unit subcontracted less costs 25 USD, for up to 20 units subcontracted less.") in text
    assert "Why the costliest shortages and overtime happen" in text
    assert "widget at plant in 1: 30 units of shortage, costing 1,500 USD." in text
    assert "Each extra hour of line (capacity) in 1 removes 0.5 units of shortage." in text
