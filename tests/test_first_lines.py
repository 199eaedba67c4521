"""Outputs lead with the answer: solve's first line, grouped warnings (and warnings.csv),
the store command group, sweep's closing summary, units in re-plan and hedge."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.errors import DataWarning, Location
from sopopt.report.warnings import group_warnings
from sopopt.results.folders import read_plan

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_solve_opens_with_profit_fill_shortage_and_the_binding_limits(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["solve", "scenarios/supplier_disruption.yaml", "-q"])
    assert result.exit_code == 0, result.output
    plan = sopopt.solve(ROOT / "scenarios" / "supplier_disruption.yaml")
    priced = plan.shadow_prices[plan.shadow_prices["shadow_price"].abs() > 1e-6]
    binding = priced.groupby(["kind", "sense", "name"]).size()  # each limit once (bottlenecks.csv)
    names = "workforce ohio_crew, subcontract desk_fan/dc_indy"  # the most money at stake
    lost = plan.kpis["lost_units"]
    assert lost == pytest.approx(13_220)  # demand 458,400 less 445,180 delivered, none owed at the end
    first = result.stdout.splitlines()[0]
    assert first == (f"acme supplier disruption: profit {plan.kpis['profit']:,.0f} USD, fill 97.1%, 13,220 units "
                     f"short, {len(binding)} limits binding (top: {names})")
    assert result.stdout.splitlines()[1] == "status optimal"


def test_an_infeasible_case_opens_with_no_plan_and_the_reason(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["solve", "tests/infeasible/capacity.yaml", "-q"])
    assert result.exit_code == 3
    assert result.stdout.splitlines()[0].startswith(
        "capacity: no plan: 4 limits conflict: hard demand of widget at plant in 1: 50 units")


def _warning(i: int) -> DataWarning:
    return DataWarning("run-down", Location("model.yaml", 10 + i, 3), f"products.p{i}.sites.dc",
                       f"closing stock {i}", "set ending_inventory")


def test_warnings_are_grouped_one_line_per_code() -> None:
    warnings = [*(_warning(i) for i in range(300)), DataWarning("no-demand", None, "products.x", "no demand")]
    groups = group_warnings(warnings)
    assert [(g.code, g.count) for g in groups] == [("run-down", 300), ("no-demand", 1)]
    line = groups[0].line()
    assert line.startswith("[run-down] 300 times: ")
    assert "products.p0.sites.dc (model.yaml:10); products.p1.sites.dc (model.yaml:11); products.p2.sites.dc " \
           "(model.yaml:12); and 297 more (set ending_inventory)" in line
    assert groups[1].line() == "products.x: no demand [no-demand]"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated network with many run-down warnings (a few seconds to solve)."""
    out = tmp_path_factory.mktemp("gen")
    assert runner.invoke(app, ["generate", "--out", str(out), "--products", "20", "--sites", "5",
                               "--periods", "12"]).exit_code == 0
    return out / "model.yaml"


def test_a_generated_network_prints_one_warning_line_and_writes_every_warning(generated, tmp_path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(generated), "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    plan = sopopt.solve(generated)
    count = sum(w.code == "run-down" for w in plan.warnings)
    assert count >= 20
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == len({w.code for w in plan.warnings})
    assert any(f"[run-down] {count} times" in line for line in lines)
    table = pd.read_csv(out / "warnings.csv")
    assert list(table.columns) == ["code", "file", "line", "column", "field", "message", "hint"]
    assert len(table) == len(plan.warnings) and (table["code"] == "run-down").sum() == count
    assert sorted(table["field"]) == sorted(w.field for w in plan.warnings)
    assert len(json.loads((out / "run.json").read_text())["warnings"]) == len(plan.warnings)
    again = read_plan(out)
    assert "warnings" not in again.tables and len(again.warnings) == len(plan.warnings)  # not a plan table


SMALL_SWEEP = """\
name: small_grid
base: {base}
grid: {{demand: {{target: demand, multiply: [0.5, 1.0, 1.5]}}}}
"""


def test_sweep_ends_with_its_summary_and_store_reads_it_back(tmp_path) -> None:
    spec = tmp_path / "sweep.yaml"
    (tmp_path / "tiny.yaml").write_text((ROOT / "tests" / "data" / "tiny.yaml").read_text())
    spec.write_text(SMALL_SWEEP.format(base="tiny.yaml"))
    db = tmp_path / "r.duckdb"
    result = runner.invoke(app, ["sweep", str(spec), "--store", str(db), "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    base = sopopt.solve(ROOT / "tests" / "data" / "tiny.yaml").objective
    text = _flat(result.stdout)
    # 1.5x the demand has no plan (tiny allows no lost sales); 0.5x costs less than the base
    assert text.startswith("small_grid: 3 cases: 2 optimal, 1 infeasible total cost min / P10 / median / P90 / max: ")
    assert f"/ {base:,.0f} USD fill rate min / P10" in text  # the dearest case with a plan: the base
    assert "best: " in text and "demand 0.5" in text.split("best: ")[1].split("worst: ")[0]
    assert "demand 1.0" in text.split("worst: ")[1]
    shown = runner.invoke(app, ["store", "show", str(db)])
    assert shown.exit_code == 0, shown.output
    assert "sweep small_grid: 3 cases: 2 optimal, 1 infeasible" in _flat(shown.stdout)
    queried = runner.invoke(app, ["store", "query", str(db), "SELECT count(*) AS n FROM cases"])
    assert queried.exit_code == 0 and " 3 " in queried.stdout
    refused = runner.invoke(app, ["store", "query", str(db), "DELETE FROM cases"])
    assert refused.exit_code == 2 and "read-only" in _flat(refused.output)
    assert runner.invoke(app, ["store", "query", str(db), "SELECT count(*) AS n FROM cases"]).stdout == queried.stdout


def test_bridges_are_coloured_like_the_cards_and_days_of_supply_have_a_decimal() -> None:
    from sopopt.report import charts, palette

    base, surge = (sopopt.solve(ROOT / "scenarios" / f"{name}.yaml") for name in ("base", "surge"))
    cost = charts.bridge_chart(base, surge).data[0]
    assert cost.increasing.marker.color == palette.BAD and cost.decreasing.marker.color == palette.GOOD
    profit = charts.profit_bridge(base, surge)
    assert profit is not None
    assert profit.data[0].increasing.marker.color == palette.GOOD
    assert profit.layout.uniformtext.minsize == 11 and cost.textfont.size >= 11
    stock = charts.inventory_sites(base)
    assert stock is not None and stock.layout.yaxis2.tickformat == ",.1f"
