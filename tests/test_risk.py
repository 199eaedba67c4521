"""The risk of a plan across demand draws (issue 29): hand-computed measures, seeds,
error tables, hedge cases and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.risk import RiskSettings, draw_demand, risk
from sopopt.cli import app
from sopopt.results.store import Store
from tests.conftest import DATA

ONE = DATA / "risk" / "one.yaml"
runner = CliRunner()
DRAWS = 4000


@pytest.fixture(scope="module")
def one() -> sopopt.Case:
    return sopopt.load_case(ONE)


@pytest.fixture(scope="module")
def result(one: sopopt.Case):
    return risk(one, RiskSettings(samples=DRAWS, seed=11, cv=0.2))


def total(result) -> pd.Series:
    return result.summary[result.summary["level"] == "total"].iloc[0]


def test_committed_production_against_normal_demand_by_hand(result) -> None:
    # 100 made, demand ~ N(100, 20^2): E[lost] = 20 phi(0) = 7.979; pooled fill
    # (100 - 7.979) / 100; a shortage whenever demand exceeds 100: probability 1/2.
    # Bands: three standard errors at 4,000 draws.
    row = total(result)
    assert row["expected_lost"] == pytest.approx(20 / math.sqrt(2 * math.pi), abs=0.55)
    assert row["fill_rate"] == pytest.approx(0.9202, abs=0.0055)
    assert row["stockout_probability"] == pytest.approx(0.5, abs=0.024)
    assert result.statuses == {"optimal": DRAWS}


def test_costs_recomputed_from_the_draws(result) -> None:
    # Each draw pays the 100 units made (cost 1) and 10 per unit lost above them.
    demand = result.demand[:, 0, 0]
    cost = 100 + 10 * np.maximum(demand - 100, 0)
    row = total(result)
    assert [row["cost_p10"], row["cost_p50"], row["cost_p90"]] == pytest.approx(
        list(np.quantile(cost, [0.1, 0.5, 0.9])), rel=1e-9)
    on_time = np.minimum(demand, 100)
    assert row["fill_rate"] == pytest.approx(on_time.sum() / demand.sum(), rel=1e-9)
    assert row["expected_lost"] == pytest.approx(np.maximum(demand - 100, 0).mean(), rel=1e-9)


def test_same_seed_same_numbers_and_an_errors_table_equals_the_cv(one, result, tmp_path: Path) -> None:
    again = risk(one, RiskSettings(samples=DRAWS, seed=11, errors={("p", "plant"): 20.0}))
    pd.testing.assert_frame_equal(again.summary, result.summary)
    other = risk(one, RiskSettings(samples=200, seed=12, cv=0.2))
    assert total(other)["expected_lost"] != total(result)["expected_lost"]


def test_nothing_committed_lets_the_recourse_make_less(one) -> None:
    # With no period committed each draw makes min(demand, 100): never more than asked.
    free = risk(one, RiskSettings(samples=300, seed=3, cv=0.2, commit=0))
    assert total(free)["cost_p10"] < 100
    assert total(free)["expected_lost"] == pytest.approx(np.maximum(free.demand - 100, 0).mean(), rel=1e-9)


def test_correlated_draws() -> None:
    forecast = np.array([[100.0], [100.0]])
    draws = draw_demand(forecast, forecast * 0.1, 5000, seed=1, correlation=0.81)
    assert np.corrcoef(draws[:, 0, 0], draws[:, 1, 0])[0, 1] == pytest.approx(0.81, abs=0.03)
    assert draws.std(axis=0) == pytest.approx(10, rel=0.05)
    assert (draw_demand(forecast, forecast * 5, 100, seed=1) >= 0).all()  # truncated at 0


def test_infeasible_draws_are_counted_not_hidden(tmp_path: Path) -> None:
    # Demand is hard (no lost sales): a draw above the committed 100 has no recourse.
    case = tmp_path / "hard.yaml"
    case.write_text(ONE.read_text().replace("    lost_sales: {cost: 10}\n", ""))
    hard = risk(sopopt.load_case(case, workspace=tmp_path), RiskSettings(samples=40, seed=5, cv=0.2))
    above = int((hard.demand[:, 0, 0] > 100 + 1e-9).sum())
    assert hard.statuses.get("infeasible", 0) == above > 0
    assert hard.statuses.get("optimal", 0) == 40 - above


def test_cli_writes_the_result_folder_and_hedge_cases(tmp_path: Path) -> None:
    source = tmp_path / "one.yaml"
    source.write_text(ONE.read_text())
    out = tmp_path / "out"
    args = ["risk", str(source), "--samples", "400", "--seed", "2", "--demand-cv", "0.2", "--to-hedge", "3",
            "--out", str(out), "--workspace", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Across 400 demand draws: fill ")
    summary = pd.read_csv(out / "risk.csv")
    assert set(summary["level"]) == {"product", "total"}
    assert len(pd.read_csv(out / "risk_by_period.csv")) == 2
    assert '"kind": "risk"' in (out / "run.json").read_text()
    weights = [float(w) for w in (out / "hedge_cases" / "weights.txt").read_text().split(",")]
    assert sum(weights) == pytest.approx(1.0) and len(weights) == 3
    case = sopopt.load_case(out / "hedge_cases" / "case_01.yaml", workspace=tmp_path)
    assert case.data.items["p", "plant"].demand[0] > 0


def test_cli_stores_the_run_with_its_risk_tables_and_the_report_shows_the_card(tmp_path: Path) -> None:
    source = tmp_path / "one.yaml"
    source.write_text(ONE.read_text())
    store = tmp_path / "r.duckdb"
    for seed in (2, 3):
        args = ["risk", str(source), "--samples", "300", "--seed", str(seed), "--demand-cv", "0.2",
                "--store", str(store), "--workspace", str(tmp_path), *(["--out", str(tmp_path / "out")] * (seed == 2))]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert f"Stored as run {seed - 1} in" in result.output
    with Store(store, read_only=True) as db:
        stored = db.frame("SELECT * FROM risk ORDER BY run_id, level")
        runs = db.frame("SELECT run_id, objective FROM runs ORDER BY run_id")
    assert list(runs["run_id"]) == [1, 2] and runs["objective"].tolist() == pytest.approx([100.0, 100.0])
    first = stored[stored["run_id"] == 1].set_index("level")
    written = pd.read_csv(tmp_path / "out" / "risk.csv").set_index("level")
    assert first.loc["total", "fill_rate"] == pytest.approx(written.loc["total", "fill_rate"], rel=1e-12)
    assert first.loc["total", "expected_lost"] == pytest.approx(written.loc["total", "expected_lost"], rel=1e-12)
    assert set(stored["seed"]) == {2, 3} and set(stored["samples"]) == {300}
    assert stored[stored["run_id"] == 2].set_index("level").loc["total", "fill_rate"] != first.loc["total", "fill_rate"]
    report = runner.invoke(app, ["report", str(tmp_path / "out"), "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    page = (tmp_path / "r.html").read_text()
    fill = written.loc["total", "fill_rate"]
    assert "Risk across demand draws" in page and f"Across 300 demand draws: fill {fill:.1%}" in page
    assert 'href="#risk"' in page


@pytest.mark.parametrize("extra", [[], ["--demand-cv", "0.2", "--errors", "x.csv"], ["--demand-cv", "0.2",
                                                                                   "--commit", "two"]])
def test_cli_bad_options_exit_2_in_one_line(tmp_path: Path, extra: list[str]) -> None:
    (tmp_path / "x.csv").write_text("product,site,sd\np,plant,1\n")
    result = runner.invoke(app, ["risk", str(ONE), *extra])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cli_errors_table_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    (tmp_path / "errors.csv").write_text("product,site,sd\np,plant,20\n")
    result = runner.invoke(app, ["risk", str(ONE), "--errors", str(tmp_path / "errors.csv")])
    assert result.exit_code == 2
    assert "outside" in result.output or "workspace" in result.output
