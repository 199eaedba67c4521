"""Bottlenecks per limit, in money (issue 23, part 3), solved by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import sopopt
from sopopt.results.bottlenecks import runs

ROOT = Path(__file__).resolve().parents[1]

# A: line L1 (100 h every period) makes A at 1 h per unit; demand 120 every
# period, so L1 binds in all 6 periods and 20 units are lost each period. Each hour saves
# a lost sale (5) less its production (1): 4 per hour, holding over 20 hours, capped at
# 10% of L1's 100 hours: 6 x 4 x 10 = 240 at stake.
# B: line L2 has 100 h except 89 h in period 3, demand 90: one unit short in period 3
# only, 49 per hour (50 - 1) over 1 hour: 49 at stake. Holding is dear (100): no
# building ahead. L2's price is 12x L1's, yet L1 ranks first, and each line appears once.
CASE = """\
periods: {labels: ["1", "2", "3", "4", "5", "6"]}
products:
  A:
    production_cost: 1
    holding_cost: 100
    lost_sales: {cost: 5}
    sites: {plant: {make: true}}
  B:
    production_cost: 1
    holding_cost: 100
    lost_sales: {cost: 50}
    sites: {plant: {make: true}}
sites: {plant: {}}
resources:
  L1: {site: plant, hours: 100, usage: {A: 1}}
  L2: {site: plant, hours: [100, 100, 89, 100, 100, 100], usage: {B: 1}}
demand:
  A: {plant: [120, 120, 120, 120, 120, 120]}
  B: {plant: [90, 90, 90, 90, 90, 90]}
"""


def test_many_cheap_periods_outrank_one_dear_period(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(CASE)
    plan = sopopt.solve(path)
    # By hand: production 6 x 100 (A) + 5 x 90 + 89 (B) = 1139; lost sales 6 x 20 x 5 (A) + 1 x 50 (B) = 650.
    assert plan.objective == pytest.approx(600 + 600 + 539 + 50)
    top = plan.bottlenecks()
    assert list(top["name"]) == ["L1", "L2"]
    first, second = top.iloc[0], top.iloc[1]
    assert (first["money"], first["binding_periods"], first["period"]) == (pytest.approx(240.0), 6, "1..6")
    assert first["shadow_price"] == pytest.approx(4.0) and first["largest_level"] == pytest.approx(100.0)
    assert (second["money"], second["binding_periods"], second["period"]) == (pytest.approx(49.0), 1, "3")
    assert second["shadow_price"] == pytest.approx(49.0)
    # shadow_prices keeps every row as before: 12 capacity rows, 7 of them binding.
    assert len(plan.shadow_prices) == 12 and int(plan.shadow_prices["binding"].sum()) == 7


def test_runs_group_consecutive_periods() -> None:
    labels = ["a", "b", "c", "d", "e", "f"]
    assert runs([0, 1, 2, 4], labels) == "a..c, e"
    assert runs([5], labels) == "f"
    assert runs([], labels) == ""


def test_shipped_disruption_names_the_motor_supplier() -> None:
    plan = sopopt.solve(ROOT / "scenarios" / "supplier_disruption.yaml")
    top = plan.bottlenecks(10)
    assert "shenzhen_motorworks" in set(top["name"])
    assert top["name"].is_unique or not top[["name", "kind"]].duplicated().any()
    assert (top["money"].diff().dropna() <= 1e-9).all()
