"""The handling-capacity family (sopopt/model/handling.py), solved by hand.

tests/data/levers/handling.yaml: a DC handles 20 hours a period, one hour per unit
received and one per unit delivered; demand 10 then 30 (hard). Period 2 needs at least
30 hours for deliveries alone, so overtime is unavoidable there (2/hour); overtime in
period 1 costs 0.5/hour. Receiving x extra units early costs 0.5 (overtime) + 1 (holding)
instead of 2: the plan receives all 40 units in period 1.

    cost = production 40 + transport 40 + holding 30 + overtime (30 * 0.5 + 10 * 2) = 145
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_fast_build import assert_same_lp

import sopopt
from sopopt.model.build_arrays import build_lp

CASE = Path(__file__).parent / "data" / "levers" / "handling.yaml"


def test_handling_hours_bind_and_overtime_pays_by_hand() -> None:
    plan = sopopt.solve(CASE)
    assert plan.objective == pytest.approx(145.0, abs=1e-9)
    assert plan.costs["overtime"] == pytest.approx(35.0, abs=1e-9)
    assert plan.costs["holding"] == pytest.approx(30.0, abs=1e-9)
    overtime = plan.table("handling_overtime").set_index("period")["value"]
    assert overtime.to_dict() == pytest.approx({"1": 30.0, "2": 10.0})
    shipments = plan.table("shipments").set_index("period")["value"]
    assert shipments.to_dict() == pytest.approx({"1": 40.0, "2": 0.0})
    limits = plan.shadow_prices[plan.shadow_prices["kind"] == "handling"].set_index("period")
    assert limits["shadow_price"].to_dict() == pytest.approx({"1": 0.5, "2": 2.0})
    assert limits["binding"].all()


def test_both_paths_build_the_same_handling_rows() -> None:
    data = sopopt.load_case(CASE).data
    assert_same_lp(data)
    rows = [key for key in build_lp(data).row_keys() if key[0] == "handling_capacity"]
    assert rows == [("handling_capacity", ("dc", 0)), ("handling_capacity", ("dc", 1))]


def _variant(tmp_path: Path, change: dict) -> Path:
    net = yaml.safe_load(CASE.read_text())
    net["sites"]["dc"]["handling"].update(change)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(net))
    return path


def test_ample_handling_hours_cost_nothing(tmp_path: Path) -> None:
    plan = sopopt.solve(_variant(tmp_path, {"hours": 1000}))
    assert plan.objective == pytest.approx(80.0, abs=1e-9)  # production 40 + transport 40, shipped just in time
    limits = plan.shadow_prices[plan.shadow_prices["kind"] == "handling"]
    assert len(limits) == 2 and not limits["binding"].any()
    assert limits["slack"].tolist() == pytest.approx([1000 - 20, 1000 - 60])


def test_zero_usage_gives_no_handling_rows_or_overtime(tmp_path: Path) -> None:
    data = sopopt.load_case(_variant(tmp_path, {"usage": {"A": 0}})).data
    assert_same_lp(data)
    lp = build_lp(data)
    names = {name for name, _ in lp.row_keys()} | {name for name, _ in lp.column_keys()}
    assert "handling_capacity" not in names and "handling_overtime" not in names


def test_hard_demand_beyond_the_hours_without_overtime_is_infeasible(tmp_path: Path) -> None:
    path = _variant(tmp_path, {"overtime": None})
    with pytest.raises(sopopt.InfeasibleError):
        sopopt.solve(path)


def test_handling_usage_of_a_product_not_stocked_there_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(sopopt.ScenarioError, match=r"sites\.dc\.handling\.usage\.B.*not stocked at site 'dc'"):
        sopopt.load_case(_variant(tmp_path, {"usage": {"A": 1, "B": 1}}))


ACME = Path(__file__).parents[1] / "models" / "acme.yaml"


def test_acme_dc_handling_rows_exist_with_slack_and_change_nothing(tmp_path: Path) -> None:
    """models/acme.yaml gives dc_indy handling hours that never bind this year."""
    plan = sopopt.solve(ACME)
    limits = plan.shadow_prices[plan.shadow_prices["kind"] == "handling"]
    assert list(limits["name"].unique()) == ["dc_indy"]
    assert len(limits) == len(plan.labels) == 12
    assert (limits["slack"] > 1000).all() and not limits["binding"].any()
    assert (limits["shadow_price"] == 0).all()
    assert plan.table("handling_overtime")["value"].abs().max() == 0
    net = yaml.safe_load(ACME.read_text())
    del net["sites"]["dc_indy"]["handling"]
    (tmp_path / "acme_demand.csv").write_bytes((ACME.parent / "acme_demand.csv").read_bytes())
    (tmp_path / "acme.yaml").write_text(yaml.safe_dump(net, sort_keys=False))
    without = sopopt.solve(tmp_path / "acme.yaml")
    assert plan.objective == pytest.approx(without.objective, rel=1e-12)
    assert plan.costs.to_dict() == pytest.approx(without.costs.to_dict(), rel=1e-9, abs=1e-6)
