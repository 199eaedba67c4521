"""Supplier contracts and price tiers (sopopt/model/contracts.py), solved by hand (issue 32)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import sopopt
from sopopt.model.build_arrays import build_lp

DATA = Path(__file__).parent / "data" / "options"


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_take_or_pay_pays_160_a_period_and_30_is_never_delivered(how: str) -> None:
    plan = sopopt.solve(DATA / "take_or_pay.yaml", how=how)
    assert plan.objective == pytest.approx(320.0, abs=1e-6)
    assert plan.costs["materials"] == pytest.approx(320.0, abs=1e-6)
    table = plan.table("contracts").set_index("period")
    assert table["ordered"].tolist() == pytest.approx([50.0, 50.0])
    assert table["paid_for"].tolist() == pytest.approx([80.0, 80.0])
    assert table["not_delivered"].tolist() == pytest.approx([30.0, 30.0])
    # The minimum binds: one unit less of it would save the contract price, 2.
    limits = plan.shadow_prices[plan.shadow_prices["kind"] == "take_or_pay"]
    assert limits["shadow_price"].abs().tolist() == pytest.approx([2.0, 2.0])


def test_total_minimum_is_paid_over_the_horizon(tmp_path: Path) -> None:
    data = yaml.safe_load((DATA / "take_or_pay.yaml").read_text())
    data["suppliers"]["mill"]["contract"] = {"total_minimum": 130, "price": 2}
    path = tmp_path / "total.yaml"
    path.write_text(yaml.safe_dump(data))
    plan = sopopt.solve(path)
    # 100 ordered, 130 paid for: 260.
    assert plan.objective == pytest.approx(260.0, abs=1e-6)
    assert plan.table("contracts")["not_delivered"].sum() == pytest.approx(30.0)


def test_rising_tiers_cost_450_for_250_as_an_lp() -> None:
    case = sopopt.load_case(DATA / "tiers.yaml")
    assert not build_lp(case.data).integrality.any()
    plan = sopopt.solve(case)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(450.0, abs=1e-6)
    assert plan.table("tier_purchases")["value"].tolist() == pytest.approx([100.0, 100.0, 50.0])


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_falling_tiers_need_yes_no_decisions(how: str) -> None:
    plan = sopopt.solve(DATA / "tiers_falling.yaml", how=how)
    assert plan.status == "optimal_within_gap"
    assert plan.objective == pytest.approx(900.0, abs=1e-6)
    bought = plan.table("tier_purchases").pivot(index="tier", columns="period", values="value")
    assert np.allclose(bought.to_numpy(), [[100.0, 100.0], [150.0, 150.0]])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": 1}, r"suppliers\.mill\.price.*replace 'price'"),
        ({"price_tiers": [{"price": 1}, {"up_to": 5, "price": 2}]}, r"price_tiers.*every tier but the last"),
        ({"price_tiers": [{"up_to": 50, "price": 1}, {"up_to": 20, "price": 2}, {"price": 3}]}, r"must increase"),
    ],
)
def test_bad_tiers_are_reported_with_their_field(tmp_path: Path, change: dict[str, object], message: str) -> None:
    data = yaml.safe_load((DATA / "tiers.yaml").read_text())
    data["suppliers"]["mill"].update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(sopopt.ScenarioError, match=message):
        sopopt.load_case(path)
