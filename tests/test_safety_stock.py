"""Safety stock from a policy (issue 29): targets by hand, hard and soft enforcement, the
safety_stock table, warnings and bad input at file:line."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.inputs.safety_stock import days_of_cover, fill_rate_factor, normal_loss, policy_target
from sopopt.inputs.schema.network import SafetyStockPolicy
from tests.conftest import DATA

POLICY = DATA / "safety" / "policy.yaml"
runner = CliRunner()


def _policy(**fields: object) -> SafetyStockPolicy:
    return SafetyStockPolicy.model_validate(fields)


def test_service_level_by_hand() -> None:
    # z(0.95) = 1.644854; 1.644854 * 200 * sqrt(1 + 1) = 465.23
    policy = _policy(service_level=0.95, forecast_error={"sd": 200}, lead_time=1, review=1)
    target = policy_target(policy, np.full(3, 1000.0), np.full(3, 30.0), 1, 200.0)
    assert target.target == pytest.approx([465.23] * 3, abs=0.01)
    assert target.method == "service_level"


def test_fill_rate_by_hand() -> None:
    # Expected shortage per cycle at most (1 - 0.99) * 1000 = 10 units: G(k) = 10 / (200 sqrt 2)
    # = 0.035355, so k = 1.4163 and the target 1.4163 * 282.84 = 400.6.
    policy = _policy(fill_rate=0.99, forecast_error={"sd": 200}, lead_time=1, review=1)
    target = policy_target(policy, np.full(3, 1000.0), np.full(3, 30.0), 1, 200.0)
    assert target.target == pytest.approx([400.6] * 3, abs=0.05)
    k = fill_rate_factor(10 / (200 * math.sqrt(2)))
    assert normal_loss(k) == pytest.approx(10 / (200 * math.sqrt(2)), rel=1e-9)


def test_days_of_cover_by_hand() -> None:
    # 15 days of the next 30-day period's 3,000 units: 1,500. The last period's cover
    # repeats the last period's demand past the horizon: 15/30 * 3,000.
    cover = days_of_cover(np.array([1000.0, 3000.0]), np.array([31.0, 30.0]), 15)
    assert cover == pytest.approx([1500.0, 1500.0])
    # 45 days from period 1: all of period 2 (30 days, 3,000) and 15 of the repeated 30.
    assert days_of_cover(np.array([0.0, 3000.0]), np.array([31.0, 30.0]), 45)[0] == pytest.approx(4500.0)


def test_cv_uses_the_demand_the_target_covers() -> None:
    # cv 0.1, L + R = 2: at the close of period 1 the target covers periods 2 and 3
    # (mean 300), sd 30; z(0.95) * 30 * sqrt(2) = 69.78.
    policy = _policy(service_level=0.95, forecast_error={"cv": 0.1}, lead_time=1)
    target = policy_target(policy, np.array([100.0, 200.0, 400.0]), np.full(3, 30.0), 1, None)
    z = 1.6448536269514722
    assert target.target == pytest.approx([z * 30 * math.sqrt(2), z * 40 * math.sqrt(2), z * 40 * math.sqrt(2)])


def test_hard_policy_plan_meets_the_target_and_pays_for_it() -> None:
    # Demand 1,000 a period at the DC, 1,500 on hand, lead time 1 from the plant (auto),
    # target 465.23 every period (hard). Production = 4 * 1,000 + 465.23 - 1,500 at 1,
    # transport 0.1 per unit, holding 0.5 on 500 (period 1) + 3 * 465.23.
    plan = sopopt.solve(POLICY)
    ss = 1.6448536269514722 * 200 * math.sqrt(2)
    made = 4000 + ss - 1500
    assert plan.objective == pytest.approx(made * 1.1 + 0.5 * (500 + 3 * ss), rel=1e-9)
    table = plan.tables["safety_stock"]
    assert list(table["method"]) == ["service_level"] * 4
    assert list(table["hard"]) == [True] * 4
    assert table["target"].to_numpy() == pytest.approx([ss] * 4, rel=1e-9)
    assert table["shortfall"].to_numpy() == pytest.approx([0.0] * 4, abs=1e-9)
    assert "lead time 1" in table["inputs"].iloc[0]
    # Closing stock sits exactly on the hard target once the opening 1,500 has run down.
    assert table["closing_stock"].to_numpy() == pytest.approx([500, ss, ss, ss], rel=1e-9)


def test_soft_policy_with_a_penalty_and_the_result_folder(tmp_path: Path) -> None:
    text = POLICY.read_text().replace("hard: true", "hard: false").replace(
        "initial_inventory: 1500", "initial_inventory: 1500\n        safety_stock_cost: 0.2")
    case = tmp_path / "soft.yaml"
    case.write_text(text)
    # Holding 0.5 a period costs more than the 0.2 penalty: the plan carries nothing
    # beyond period 1's leftover 500 and pays 0.2 per unit short in periods 2-4.
    plan = sopopt.solve(case, workspace=tmp_path)
    ss = 1.6448536269514722 * 200 * math.sqrt(2)
    shortfall = plan.tables["safety_stock"]["shortfall"].to_numpy()
    assert shortfall == pytest.approx([0.0, ss, ss, ss], rel=1e-9)
    assert plan.costs["safety_stock"] == pytest.approx(0.2 * 3 * ss, rel=1e-9)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(case), "--out", str(out), "--workspace", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (out / "safety_stock.csv").exists()
    assert not (out / "safety_stock_shortfall.csv").exists()
    assert "service_level" in (out / "safety_stock.csv").read_text()


def test_a_safety_stock_without_penalty_or_hard_is_a_warning(tmp_path: Path) -> None:
    case = tmp_path / "free.yaml"
    case.write_text(POLICY.read_text().replace(", hard: true", ""))
    loaded = sopopt.load_case(case, workspace=tmp_path)
    codes = [(w.code, w.location.line if w.location else None) for w in loaded.warnings]
    assert ("safety-stock-no-effect", 14) in codes


def test_forecast_errors_from_a_table(tmp_path: Path) -> None:
    (tmp_path / "errors.csv").write_text("product,site,sd\nkettle,dc,100\n")
    text = POLICY.read_text().replace("forecast_error: {sd: 200}", "forecast_error: {file: errors.csv}")
    case = tmp_path / "table.yaml"
    case.write_text(text)
    loaded = sopopt.load_case(case, workspace=tmp_path)
    assert loaded.data.safety_targets["kettle", "dc"].target == pytest.approx([1.6448536269514722 * 100 * math.sqrt(2)] * 4)
    (tmp_path / "errors.csv").write_text("product,site,sd\nkettle,plant,100\n")
    with pytest.raises(sopopt.ScenarioError, match="no row for kettle at dc"):
        sopopt.load_case(case, workspace=tmp_path)


def test_auto_lead_time_at_a_making_site_is_the_longest_supplier_lead_time(workspace) -> None:
    root = workspace({"m.yaml": """\
        name: m
        periods: {labels: [a, b, c]}
        products:
          p:
            materials: {steel: 1}
            sites:
              plant: {make: true, safety_stock: {service_level: 0.5, forecast_error: {sd: 10}}, safety_stock_cost: 1}
        materials: {steel: {}}
        suppliers:
          s1: {material: steel, sites: [plant], lead_time: 2, price: 1}
          s2: {material: steel, sites: [plant], lead_time: 3, price: 1}
        sites: {plant: {}}
        demand: {p: {plant: [1, 1, 1]}}
        """})
    case = sopopt.load_case(root / "m.yaml")
    assert "lead time 3" in case.data.safety_targets["p", "plant"].inputs
    # z(0.5) = 0: a 50% cycle service level needs no safety stock.
    assert case.data.safety_targets["p", "plant"].target == pytest.approx([0, 0, 0], abs=1e-12)


@pytest.mark.parametrize(("policy", "message"), [
    ("{service_level: 0.95}", "service_level needs forecast_error"),
    ("{service_level: 1.5, forecast_error: {sd: 1}}", "less than 1"),
    ("{days_of_cover: 5, fill_rate: 0.9, forecast_error: {sd: 1}}", "exactly one of"),
    ("{fill_rate: 0.9, forecast_error: {sd: 1, cv: 0.1}}", "exactly one of sd, cv or file"),
])
def test_bad_policies_are_named_at_file_and_line(tmp_path: Path, policy: str, message: str) -> None:
    case = tmp_path / "bad.yaml"
    case.write_text(POLICY.read_text().replace(
        "{service_level: 0.95, forecast_error: {sd: 200}, hard: true}", policy))
    result = runner.invoke(app, ["validate", str(case), "--workspace", str(tmp_path)])
    assert result.exit_code == 2
    assert "bad.yaml:14" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_a_period_named_like_a_policy_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "bad.yaml"
    case.write_text(POLICY.read_text().replace('"2027-04"', "fill_rate"))
    with pytest.raises(sopopt.ScenarioError, match="'fill_rate' names a safety-stock policy"):
        sopopt.load_case(case, workspace=tmp_path)


def test_show_lists_the_computed_targets() -> None:
    result = runner.invoke(app, ["show", str(POLICY)])
    assert result.exit_code == 0, result.output
    assert "# safety stock computed from policies" in result.output
    assert "kettle at dc: service level 0.95, sd 200, lead time 1, review 1, hard: [465.2" in result.output
