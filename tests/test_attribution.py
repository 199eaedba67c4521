"""Why two scenarios differ (issue 23, part 1): shares of two interacting adjustments,
solved by hand.

tests/data/attribution: 30 widgets wanted, 100 hours (1 per widget), production 1 per
unit, a lost sale 50. Adjustment 1 doubles demand, adjustment 2 sets the hours to 40:
  v({})     = 30 made:                      cost 30,    lost 0
  v({1})    = 60 made:                      cost 60,    lost 0
  v({2})    = 30 made:                      cost 30,    lost 0
  v({1, 2}) = 40 made, 20 lost: 40 + 1,000 = cost 1,040, lost 20
Shapley: cost 1 -> (30 + 1,010) / 2 = 520, 2 -> (0 + 980) / 2 = 490; lost 10 and 10.
Sequential (file order): cost 30 and 980; lost 0 and 20. Both add up to 1,010 and 20.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopopt.analysis import attribution
from sopopt.analysis.attribution import Attribution, attribute
from sopopt.analysis.attribution_scope import Scope
from sopopt.cli import app

DATA = Path(__file__).parent / "data" / "attribution"


@pytest.fixture(scope="module")
def shapley() -> Attribution:
    return attribute(DATA / "base.yaml", DATA / "other.yaml")


def test_shapley_shares_of_two_interacting_adjustments(shapley: Attribution) -> None:
    assert shapley.method == "shapley" and shapley.solves == 4
    assert shapley.total["total_cost"] == pytest.approx(1010.0) and shapley.total["lost_units"] == pytest.approx(20.0)
    first, second = shapley.shares
    assert (first.note, second.note) == ("promotion", "line half down")
    assert first.shares["total_cost"] == pytest.approx(520.0) and second.shares["total_cost"] == pytest.approx(490.0)
    assert first.shares["lost_units"] == pytest.approx(10.0) and second.shares["lost_units"] == pytest.approx(10.0)
    assert first.place.endswith("other.yaml:5:5") and second.place.endswith("other.yaml:6:5")
    assert first.lands == ("widget at plant, 1: 10 units more short",)


def test_sequential_shares_differ_and_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attribution, "SHAPLEY_LIMIT", 1)
    sequential = attribute(DATA / "base.yaml", DATA / "other.yaml")
    assert sequential.method == "sequential" and sequential.solves == 3
    first, second = sequential.shares
    assert first.shares["total_cost"] == pytest.approx(30.0) and second.shares["total_cost"] == pytest.approx(980.0)
    assert first.shares["lost_units"] == pytest.approx(0.0) and second.shares["lost_units"] == pytest.approx(20.0)


def test_cli_explain_two_files_prints_the_shares() -> None:
    result = CliRunner().invoke(app, ["explain", str(DATA / "base.yaml"), str(DATA / "other.yaml")])
    assert result.exit_code == 0, result.output
    assert "pair other against pair base: total cost 1,010 USD more" in result.output
    assert "1. demand product widget x 2 (promotion)" in result.output


def test_the_cell_options_narrow_the_shares_to_the_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """widget at plant in period 1 is the pair's only cell, so its lost units are the
    whole plan's: Shapley 10 and 10 of 20; its fill rate 1 -> 40/60, each -1/6; in file
    order 0 and 20. The line never works overtime: 0 and 0."""
    args = ["explain", str(DATA / "base.yaml"), str(DATA / "other.yaml")]
    result = CliRunner().invoke(app, [*args, "--product", "widget", "--site", "plant", "--period", "1", "--json"])
    assert result.exit_code == 0, result.output
    cell = json.loads(result.output)
    assert cell["scope"] == "for widget at plant in 1" and cell["method"] == "shapley" and cell["solves"] == 4
    assert set(cell["total"]) == {"lost_units", "backlog_unit_periods", "fill_rate"}
    assert cell["total"]["lost_units"] == pytest.approx(20.0) and cell["total"]["fill_rate"] == pytest.approx(-1 / 3)
    for share in cell["shares"]:
        assert share["shares"]["lost_units"] == pytest.approx(10.0)
        assert share["shares"]["fill_rate"] == pytest.approx(-1 / 6)
    monkeypatch.setattr(attribution, "SHAPLEY_LIMIT", 1)
    sequential = attribute(DATA / "base.yaml", DATA / "other.yaml", scope=Scope(product="widget", period="1"))
    assert sequential.sentences()[0].startswith("pair other against pair base for widget in 1: units lost 20")
    assert [s.shares["lost_units"] for s in sequential.shares] == pytest.approx([0.0, 20.0])
    line = attribute(DATA / "base.yaml", DATA / "other.yaml", scope=Scope(resource="line"))
    assert line.total == {"overtime_hours": 0.0} and [s.shares for s in line.shares] == [{"overtime_hours": 0.0}] * 2
    for wrong in (["--product", "gadget"], ["--site", "plant"], ["--resource", "line", "--site", "plant"],
                  ["--product", "widget", "--class", "retail"]):
        refused = CliRunner().invoke(app, [*args, *wrong])
        assert refused.exit_code == 2, (wrong, refused.output)


def test_the_shipped_disruption_is_all_its_two_adjustments_and_lands_on_motor_products() -> None:
    import sopopt

    explained = sopopt.explain("scenarios/base.yaml", "scenarios/supplier_disruption.yaml")
    assert isinstance(explained, Attribution) and explained.method == "shapley" and explained.solves == 4
    assert [s.note for s in explained.shares] == ["supplier plant closed after a fire, no orders accepted",
                                                  "restart at half volume"]
    for key, change in explained.total.items():
        assert sum(s.shares[key] for s in explained.shares) == pytest.approx(change, abs=1e-6)
    assert explained.total["profit"] == pytest.approx(explained.other.kpis["profit"] - explained.base.kpis["profit"])
    motors = {p for p, product in sopopt.load_case("scenarios/base.yaml").network.products.items()
              if "motor" in (product.materials or {})}
    outage = explained.shares[0]
    assert outage.lands and all(land.split(" at ")[0] in motors for land in outage.lands)
    assert "more short" in outage.lands[0]


def test_compare_why_prints_the_shares_after_the_comparison() -> None:
    result = CliRunner().invoke(app, ["compare", str(DATA / "base.yaml"), str(DATA / "other.yaml"), "--why"])
    assert result.exit_code == 0, result.output
    assert "pair other against pair base: total cost 1,010 USD more" in result.output
    assert "2. resource_hours resource line set to 40 (line half down)" in result.output


def test_a_reports_comparison_opens_with_why_they_differ(tmp_path: Path) -> None:
    """``report --why``: the hand-solved Shapley shares (cost 520 and 490 of 1,010; lost
    10 and 10 of 20) in the comparison, before its table; only scenario files."""
    result = CliRunner().invoke(app, ["report", str(DATA / "base.yaml"), str(DATA / "other.yaml"), "--why",
                                      "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    section = (tmp_path / "r.html").read_text(encoding="utf-8").split('id="compare"', 1)[1]
    why = section[section.index("<h3>Why they differ</h3>"):section.index('class="data compare"')]
    rows = [[cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]] for row in why.split("<tr>")[2:]]
    assert [row[0] for row in rows] == ["demand product widget x 2 (promotion)", "resource_hours resource line set to "
                                        "40 (line half down)", "total"]
    heads = why.split("<tr>")[1]
    cost, lost = (heads.split("</th>").index(next(h for h in heads.split("</th>") if h.endswith(name)))
                  for name in ("total cost (USD)", "units lost (units)"))
    assert [(row[cost], row[lost]) for row in rows] == [("+520", "+10.0"), ("+490", "+10.0"), ("+1,010", "+20.0")]
    assert "Shapley shares" in why and "(4 solves)" in why
    refused = CliRunner().invoke(app, ["report", str(DATA / "base.yaml"), str(tmp_path), "--why", "--out",
                                       str(tmp_path / "x.html")])
    assert refused.exit_code == 2 and not (tmp_path / "x.html").exists()
