"""Comparing plans: the side-by-side table against the individual solves, the cost
bridge, plan differences, result folders read back, and the ``compare`` / ``report``
commands."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.planner import load_plans
from sopopt.cli import app
from sopopt.model.catalogue import COST_CATEGORIES
from sopopt.report.compare import (
    compare_plans,
    cost_bridge,
    plan_differences,
    plan_names,
    write_comparison,
)
from sopopt.report.html import render_html
from sopopt.results.folders import read_plan, write_outputs
from sopopt.results.plan import Plan

DATA = Path(__file__).parent / "data"
BASE = DATA / "report_base.yaml"
SURGE = DATA / "report_surge.yaml"

#: The tiny model with too few hours to meet demand and no backlog or lost sales.
INFEASIBLE = """\
name: starved
currency: EUR
periods: {labels: ["1", "2", "3"]}
products:
  widget:
    production_cost: 10
    sites:
      plant: {make: true}
sites:
  plant: {}
resources:
  line: {site: plant, hours: 10, usage: {widget: 1}}
demand:
  widget: {plant: [50, 150, 100]}
"""


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    """The base case and the demand surge, solved once."""
    return [sopopt.solve(BASE), sopopt.solve(SURGE)]


def test_both_plans_are_distinct_and_optimal(plans: list[Plan]) -> None:
    base, surge = plans
    assert base.is_optimal
    assert surge.is_optimal
    assert plan_names(plans) == ["report-demo", "report-demo-surge"]
    assert surge.objective > base.objective
    # The cases exercise overtime, workforce, a binding supplier and backlog.
    assert surge.kpis["overtime_hours"] > 0
    assert base.kpis["backlog_unit_periods"] > 0
    assert not surge.tables["purchases"].empty


def test_costs_add_up_to_the_objective(plans: list[Plan]) -> None:
    for plan in plans:
        assert float(plan.costs.sum()) == pytest.approx(plan.objective, rel=1e-9)


def test_compare_values_match_the_individual_solves(plans: list[Plan]) -> None:
    table = compare_plans(plans)
    names = plan_names(plans)
    for plan, name in zip(plans, names, strict=True):
        column = table[name]
        assert column["status"] == plan.status.label
        assert column["total_cost"] == pytest.approx(plan.objective)
        for category in COST_CATEGORIES:
            assert column[f"cost:{category}"] == pytest.approx(plan.costs[category])
        for kpi in (
            "fill_rate",
            "service_level",
            "lost_units",
            "backlog_unit_periods",
            "overtime_hours",
            "peak_headcount",
            "hires",
            "layoffs",
            "average_inventory",
            "days_of_cover",
            "revenue",
            "profit",
        ):
            assert column[kpi] == pytest.approx(plan.kpis[kpi]), kpi
        util = plan.utilization
        for (kind, resource), rows in util.groupby(["kind", "name"]):
            assert column[f"peak_utilization:{kind}:{resource}"] == pytest.approx(rows["utilization"].max())
    base, other = names
    for key in table.index.drop("status"):
        a, b = table.at[key, base], table.at[key, other]
        assert table.at[key, f"{other} Δ"] == pytest.approx(b - a), key
        expected = (b - a) / abs(a) if a else math.nan
        assert table.at[key, f"{other} Δ%"] == pytest.approx(expected, nan_ok=True), key
    assert table.at["total_cost", f"{other} Δ%"] == pytest.approx(plans[1].objective / plans[0].objective - 1)
    assert {"group", "metric", "unit", "better"} <= set(table.columns)
    assert table.at["total_cost", "unit"] == "EUR"


def test_single_plan_has_no_delta_columns(plans: list[Plan]) -> None:
    table = compare_plans(plans[:1])
    assert list(table.columns) == ["group", "metric", "unit", "better", "report-demo"]


def test_same_plan_twice_gets_distinct_names_and_zero_deltas(plans: list[Plan]) -> None:
    names = plan_names([plans[0], plans[0]])
    assert len(set(names)) == 2
    table = compare_plans([plans[0], plans[0]])
    deltas = table[f"{names[1]} Δ"].drop("status").astype(float)
    assert np.allclose(deltas.fillna(0.0), 0.0)


def test_cost_bridge_walks_from_base_total_to_other_total(plans: list[Plan]) -> None:
    base, other = plans
    bridge = cost_bridge(base, other)
    assert bridge.iloc[0]["kind"] == "total"
    assert bridge.iloc[-1]["kind"] == "total"
    assert bridge.iloc[0]["amount"] == pytest.approx(base.objective)
    assert bridge.iloc[-1]["amount"] == pytest.approx(other.objective)
    changes = bridge[bridge["kind"] == "change"]
    assert base.objective + changes["amount"].sum() == pytest.approx(other.objective)
    assert changes.iloc[-1]["end"] == pytest.approx(other.objective)
    # Each step starts where the previous one ended.
    assert np.allclose(changes["start"].to_numpy()[1:], changes["end"].to_numpy()[:-1])
    for row in changes.itertuples(index=False):
        assert row.amount == pytest.approx(other.costs[row.category] - base.costs[row.category])
    unchanged = [c for c in COST_CATEGORIES if abs(other.costs[c] - base.costs[c]) <= 1e-6]
    assert not set(unchanged) & set(changes["category"])


def test_cost_bridge_of_a_plan_with_itself_has_no_steps(plans: list[Plan]) -> None:
    bridge = cost_bridge(plans[0], plans[0])
    assert list(bridge["kind"]) == ["total", "total"]


def test_plan_differences_are_the_largest_changes(plans: list[Plan]) -> None:
    base, other = plans
    diff = plan_differences(base, other, top=5)
    assert len(diff) == 5
    assert list(diff.columns) == ["product", "site", "period", "measure", "a", "b", "change"]
    sizes = diff["change"].abs().to_numpy()
    assert (np.diff(sizes) <= 1e-12).all()
    full = plan_differences(base, other, top=None)
    assert full["change"].abs().min() > 1e-6
    assert sizes[-1] >= full["change"].abs().iloc[5:].max() - 1e-12
    key = ["product", "site", "period"]
    left, right = base.tables["plan"].set_index(key), other.tables["plan"].set_index(key)
    for row in full.itertuples(index=False):
        columns = ["backlog", "lost"] if row.measure == "shortage" else [row.measure]
        assert row.a == pytest.approx(left.loc[(row.product, row.site, row.period), columns].sum())
        assert row.b == pytest.approx(right.loc[(row.product, row.site, row.period), columns].sum())
        assert row.change == pytest.approx(row.b - row.a)
    assert plan_differences(base, base).empty
    with pytest.raises(ValueError, match="unknown measure"):
        plan_differences(base, other, measures=("profit",))


def test_result_folder_reads_back_as_the_same_plan(plans: list[Plan], tmp_path: Path) -> None:
    plan = plans[1]
    write_outputs(plan, tmp_path / "surge")
    again = read_plan(tmp_path / "surge")
    assert again.name == plan.name
    assert again.status is plan.status
    assert again.labels == plan.labels
    assert again.objective == pytest.approx(plan.objective)
    pd.testing.assert_series_equal(again.costs, plan.costs, check_dtype=False)
    for name, table in plan.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table, check_dtype=False, obj=name)
    for name in ("shadow_prices", "utilization", "service"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(plan, name), check_dtype=False, obj=name)
    left, right = compare_plans([plans[0], plan]), compare_plans([plans[0], again])
    pd.testing.assert_frame_equal(
        left.drop(index="status").astype({c: float for c in left.columns[4:]}),
        right.drop(index="status").astype({c: float for c in right.columns[4:]}),
    )


def test_text_names_survive_the_round_trip(workspace, tmp_path: Path) -> None:
    """Period labels that look like numbers stay text when a folder is read back."""
    root = workspace({"tiny.yaml": (DATA / "tiny.yaml").read_text(encoding="utf-8")})
    plan = sopopt.solve(root / "tiny.yaml")
    write_outputs(plan, tmp_path / "out")
    again = read_plan(tmp_path / "out")
    assert list(again.tables["plan"]["period"]) == list(plan.tables["plan"]["period"]) == ["1", "2", "3"]


def test_not_a_result_folder_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(sopopt.ScenarioError, match=r"run\.json is missing"):
        read_plan(tmp_path)


def test_a_plan_without_solution_shows_in_the_comparison(plans: list[Plan], workspace) -> None:
    root = workspace({"starved.yaml": INFEASIBLE})
    starved = load_plans([root / "starved.yaml"])[0]
    assert not starved.status.has_plan
    table = compare_plans([plans[0], starved])
    assert table.at["status", "starved"].startswith("infeasible")
    assert math.isnan(table.at["total_cost", "starved"])
    assert plan_differences(plans[0], starved).empty
    with pytest.raises(sopopt.SopoptError, match="two plans with a solution"):
        cost_bridge(plans[0], starved)
    page = render_html([plans[0], starved])
    assert "No plan: infeasible" in page


def test_write_comparison_files(plans: list[Plan], tmp_path: Path) -> None:
    written = write_comparison(plans, tmp_path)
    assert {p.name for p in written} >= {"comparison.csv", "cost_bridge.csv", "differences.csv", "run.json"}
    bridge = pd.read_csv(tmp_path / "cost_bridge.csv")
    assert bridge["end"].iloc[-1] == pytest.approx(plans[1].objective)
    folders = sorted(p.name for p in (tmp_path / "plans").iterdir() if not p.name.startswith("."))
    assert folders == ["report-demo", "report-demo-surge"]
    # the plans are written with the comparison, as one whole folder: no locks inside
    hidden = sorted(p.name for p in (tmp_path / "plans").iterdir() if p.name.startswith("."))
    assert hidden == []
    assert read_plan(tmp_path / "plans" / "report-demo").objective == pytest.approx(plans[0].objective)


def test_html_escapes_names(plans: list[Plan]) -> None:
    page = render_html(plans, title="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Nothing is fetched: plotly.js is inline, and outside it no address appears at all.
    assert page.count(get_plotlyjs()) == 1
    own = page.replace(get_plotlyjs(), "")
    assert "http:" not in own
    assert "https:" not in own
    assert "<script src" not in own


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_compare_prints_the_table_and_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = runner.invoke(
        app,
        [
            "compare",
            str(BASE),
            str(SURGE),
            "--out",
            str(out),
            "--xlsx",
            str(tmp_path / "c.xlsx"),
            "--html",
            str(tmp_path / "c.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Total cost" in result.output
    assert "report-demo-surge" in result.output
    assert "16,812" in result.output and "16,812.22" not in result.output  # whole currency units
    assert "▲+3,476" in result.output
    assert "Biggest changes" in result.output
    assert (out / "comparison.csv").is_file()
    assert (tmp_path / "c.xlsx").is_file()
    assert (tmp_path / "c.html").read_text(encoding="utf-8").count("plotly-graph-div") > 5
    # A result folder can stand in for a scenario file.
    again = runner.invoke(app, ["compare", str(out / "plans" / "report-demo"), str(SURGE)])
    assert again.exit_code == 0, again.output
    assert "▲+3,476" in again.output


def test_cli_report_writes_html_and_workbook(tmp_path: Path) -> None:
    html_path, xlsx_path = tmp_path / "r" / "report.html", tmp_path / "plan.xlsx"
    result = runner.invoke(app, ["report", str(BASE), "--out", str(html_path), "--xlsx", str(xlsx_path)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    page = html_path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Plan: report-demo" in page
    assert xlsx_path.stat().st_size > 0
    assert not [p for p in html_path.parent.iterdir() if p.name.startswith(".")]


def test_cli_compare_reports_errors_without_traceback(tmp_path: Path, workspace) -> None:
    root = workspace({"starved.yaml": INFEASIBLE, "bad.yaml": "name: [unclosed\n"})
    result = runner.invoke(app, ["compare", str(BASE), str(root / "starved.yaml")])
    assert result.exit_code == 3
    assert "infeasible" in result.output
    result = runner.invoke(app, ["compare", str(BASE), str(root / "bad.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "run.json is missing" in result.output
    assert not (tmp_path / "r.html").exists()
