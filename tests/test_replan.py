"""Re-planning: frozen zone, change costs, what changed, rolling horizons.

The hand-solved change-cost case: products a and b, three periods, production 10 per
unit (at most 100 a period), holding 1, demand 50 a period each. The previous plan makes
50 of each in every period (cost 3,000). In the new case period 3 costs 13.5 for a and
11.5 for b. Without change costs both make period 3's demand in period 2 (10 + 1 hold
beats 13.5 and 11.5): cost 2 x (1,000 + 500 + 50) = 3,100. With a change cost of 1 per
unit, moving a unit changes two periods (cost 2): for a that still saves 13.5 - 11 - 2 =
0.5 per unit (it moves all 50), for b it would lose 1.5 (it keeps last month's
production). Cost: a 500 + 1,000 + 50 hold + 100 changes = 1,650; b 1,500 + 75 (the
dearer period 3) = 1,575; total 3,225 of which plan changes 100.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.replan import ReplanInfeasible, replan
from sopopt.cli import app
from sopopt.model.catalogue import COMMITTED_DECISIONS, VARIABLES
from sopopt.results.folders import write_outputs

DATA = Path(__file__).parent / "data"
runner = CliRunner()

TWO = """\
name: two products
periods: {{labels: ["1", "2", "3"]}}
products:
  a:
    production_cost: {cost_a}
    holding_cost: 1
    max_production: {cap}
    sites:
      plant: {{make: true}}
  b:
    production_cost: {cost_b}
    holding_cost: 1
    max_production: 100
    sites:
      plant: {{make: true}}
sites:
  plant: {{}}
demand:
  a: {{plant: [{first}, 50, 50]}}
  b: {{plant: [50, 50, 50]}}
{extra}"""


def _two(root: Path, name: str, cost_a: str = "10", cost_b: str = "10", cap: int = 100, first: int = 50,
         extra: str = "") -> Path:
    path = root / f"{name}.yaml"
    path.write_text(TWO.format(cost_a=cost_a, cost_b=cost_b, cap=cap, first=first, extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """The previous plan's result folder (50 of each product in every period)."""
    plan = sopopt.solve(_two(tmp_path, "v1"))
    assert plan.objective == pytest.approx(3000)
    write_outputs(plan, tmp_path / "prev")
    return tmp_path / "prev"


def _production(plan: sopopt.Plan, product: str) -> list[float]:
    table = plan.table("production")
    return table[table["product"] == product]["value"].tolist()


def test_change_cost_keeps_last_months_production_by_hand(previous: Path, tmp_path: Path) -> None:
    new = _two(tmp_path, "v2", cost_a="[10, 10, 13.5]", cost_b="[10, 10, 11.5]")
    free = replan(previous, new)
    assert free.plan.objective == pytest.approx(3100, abs=1e-6)
    assert "plan_changes" not in free.plan.costs.index
    result = sopopt.replan(previous, new, change_cost={"production": 1})
    assert result.plan.objective == pytest.approx(3225, abs=1e-6)
    assert result.plan.costs["plan_changes"] == pytest.approx(100, abs=1e-6)
    assert _production(result.plan, "a") == pytest.approx([50, 100, 0], abs=1e-6)
    assert _production(result.plan, "b") == pytest.approx([50, 50, 50], abs=1e-6)
    assert result.nervousness == pytest.approx(
        {"nervousness_production_units": 100, "nervousness_headcount_workers": 0})
    # compare and report work on the pair of folders
    out = tmp_path / "new"
    assert runner.invoke(app, ["replan", str(previous), str(new), "--change-cost", "production=1",
                               "--out", str(out)]).exit_code == 0
    compared = runner.invoke(app, ["compare", str(previous), str(out)])
    assert compared.exit_code == 0 and "Plan changes" in compared.output
    html = tmp_path / "r.html"
    assert runner.invoke(app, ["report", str(out), "--out", str(html)]).exit_code == 0
    text = html.read_text()
    assert "Plan to plan" in text and "production moved by 100.0 units" in text
    # The same cost from the scenario file; the flag wins over it.
    in_file = _two(tmp_path, "v3", cost_a="[10, 10, 13.5]", cost_b="[10, 10, 11.5]",
                   extra="replan: {change_cost: {production: 1}}\n")
    assert replan(previous, in_file).plan.objective == pytest.approx(3225, abs=1e-6)
    assert replan(previous, in_file, change_cost={"production": 0}).plan.objective == pytest.approx(3100, abs=1e-6)


def test_no_freeze_no_cost_equals_a_fresh_solve(tmp_path: Path) -> None:
    old = sopopt.solve(DATA / "report_base.yaml")
    fresh = sopopt.solve(DATA / "report_surge.yaml")
    result = replan(old, DATA / "report_surge.yaml")
    assert result.plan.objective == pytest.approx(fresh.objective, rel=1e-9, abs=1e-9)
    assert list(result.plan.costs.index) == list(fresh.costs.index)
    for category, value in fresh.costs.items():
        assert result.plan.costs[category] == pytest.approx(value, rel=1e-9, abs=1e-9), category


def _committed_rows(folder: Path, periods: list[str]) -> dict[str, pd.DataFrame]:
    out = {}
    for spec in VARIABLES:
        if spec.component in COMMITTED_DECISIONS:
            frame = pd.read_csv(folder / f"{spec.table}.csv", dtype={"period": str})
            index = [c for c in spec.columns]
            out[spec.table] = frame[frame["period"].isin(periods)].set_index(index)["value"].sort_index()
    return out


def test_frozen_decisions_are_exactly_the_previous_values(tmp_path: Path) -> None:
    prev = tmp_path / "prev"
    assert runner.invoke(app, ["solve", str(DATA / "report_base.yaml"), "--out", str(prev)]).exit_code == 0
    out = tmp_path / "new"
    result = runner.invoke(app, ["replan", str(prev), str(DATA / "report_surge.yaml"), "--freeze", "2",
                                 "--change-cost", "production=2.5", "--change-cost", "headcount=800",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    frozen = ["2027-01", "2027-02"]
    before, after = _committed_rows(prev, frozen), _committed_rows(out, frozen)
    assert sum(len(v) for v in before.values()) > 10
    for table in before:
        assert (before[table] == after[table]).all(), table  # exactly, not approximately
    # Beyond the frozen zone the surge does change the plan.
    changes = pd.read_csv(out / "changes.csv", dtype={"period": str})
    assert list(changes.columns) == ["decision", "product", "site", "crew", "lane", "supplier", "resource",
                                     "period", "previous", "new", "change"]
    assert (changes[changes["period"].isin(frozen) & changes["decision"].isin(before)]["change"] == 0).all()
    run = json.loads((out / "run.json").read_text())
    nerv = run["kpis"]["nervousness_production_units"]
    assert nerv == pytest.approx(changes[changes["decision"] == "production"]["change"].abs().sum())
    assert nerv > 0
    assert run["solver"]["replan"]["frozen_periods"] == frozen


def test_freeze_that_cannot_hold_exits_3(previous: Path, tmp_path: Path) -> None:
    # Demand for a in period 1 rises to 80 with no lost sales: the frozen 50 cannot serve it.
    tight = _two(tmp_path, "tight", first=80)
    with pytest.raises(ReplanInfeasible, match="frozen"):
        replan(previous, tight, freeze=1)
    result = runner.invoke(app, ["replan", str(previous), str(tight), "--freeze", "1"])
    assert result.exit_code == 3
    # Named at the file, line and field the frozen value was read from (header is line 1).
    line = _row_line(previous / "production.csv", "a", "1")
    text = " ".join(result.output.split())
    assert f"{previous / 'production.csv'}:{line}: value: frozen production of a, plant in 1 = 50" in text
    assert "Traceback" not in result.output
    assert replan(previous, tight, freeze=0).plan.is_optimal  # without the freeze it has a plan
    # A frozen value outside the new case's own limit.
    small = _two(tmp_path, "small", cap=40, first=40)
    result = runner.invoke(app, ["replan", str(previous), str(small), "--freeze", "1"])
    assert result.exit_code == 3
    text = " ".join(result.output.split())
    assert (f"{previous / 'production.csv'}:{line}: value: frozen production of a, plant in 1 = 50 lies outside "
            "its bounds [0, 40]") in text


def _row_line(table: Path, product: str, period: str) -> int:
    """The line of a product's row in a period in a result table (pandas' row + 2)."""
    frame = pd.read_csv(table, dtype=str)
    rows = frame.index[(frame["product"] == product) & (frame["period"] == period)].tolist()
    assert len(rows) == 1
    return rows[0] + 2


def test_previous_without_a_plan_exits_2(tmp_path: Path) -> None:
    none = sopopt.solve(_two(tmp_path, "none", cap=10), raise_on_failure=False)  # 10 a period cannot serve 50
    assert not none.status.has_plan
    write_outputs(none, tmp_path / "none_out")
    result = runner.invoke(app, ["replan", str(tmp_path / "none_out"), str(_two(tmp_path, "v2"))])
    assert result.exit_code == 2
    assert "no plan to start from" in result.output


@pytest.mark.parametrize(("flag", "message"), [("production", "DECISION=COST"), ("stock=2", "unknown decision"),
                                               ("production=-1", "greater than or equal to 0"),
                                               ("production=1e30", "less than or equal to 1000000000000"),
                                               ("headcount=nan", "finite number")])
def test_bad_change_cost_exits_2(previous: Path, tmp_path: Path, flag: str, message: str) -> None:
    result = runner.invoke(app, ["replan", str(previous), str(_two(tmp_path, "v2")), "--change-cost", flag])
    assert result.exit_code == 2
    assert message in result.output


# --- rolling horizon ------------------------------------------------------------------

MONTHS = [f"2027-{m:02d}" for m in range(1, 13)]
DEMAND = [60, 80, 120, 130, 90, 70, 130, 110, 100, 60, 80, 110]
COST = [10 + 0.5 * t for t in range(12)]  # rising: production just in time unless capacity binds

ROLLING = """\
name: rolling
periods: {{labels: {labels}}}
products:
  widget:
    production_cost: {cost}
    holding_cost: 1
    max_production: 100
    sites:
      plant: {{make: true, initial_inventory: {stock}}}
sites:
  plant: {{}}
demand:
  widget: {{plant: {demand}}}
"""


def _rolling(root: Path, name: str, start: int, stock: float) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(ROLLING.format(labels=json.dumps(MONTHS[start:]), cost=COST[start:], demand=DEMAND[start:],
                                   stock=stock), encoding="utf-8")
    return path


def test_rolling_replan_with_actuals_from_the_plan(tmp_path: Path) -> None:
    first = sopopt.solve(_rolling(tmp_path, "jan", 0, 0))
    production = first.table("production").set_index("period")["value"]
    stock = first.table("inventory").set_index("period")["value"]
    assert production["2027-03"] == pytest.approx(100) and stock["2027-03"] > 0  # capacity binds: builds ahead
    folder = tmp_path / "jan_out"
    write_outputs(first, folder)
    # Actuals: January went to plan, so February opens with the plan's January closing stock.
    result = replan(folder, _rolling(tmp_path, "feb", 1, float(stock["2027-01"])), freeze=2)
    assert result.frozen == ["2027-02", "2027-03"]
    new = result.plan.table("production").set_index("period")["value"]
    assert new["2027-02"] == production["2027-02"] and new["2027-03"] == production["2027-03"]
    later = MONTHS[1:]
    cost_2_12 = sum(COST[t] * production[m] + stock[m] for t, m in enumerate(MONTHS) if m in later)
    assert result.plan.objective == pytest.approx(cost_2_12, rel=1e-9)
    # A unique optimum (rising costs, holding above the rise): every decision is equal.
    assert new[later].to_numpy() == pytest.approx(production[later].to_numpy(), abs=1e-7)
    assert result.nervousness["nervousness_production_units"] == pytest.approx(0, abs=1e-6)


def test_replan_from_a_hedge_case_folder(tmp_path: Path) -> None:
    shutil.copy(DATA / "report_base.yaml", tmp_path / "model.yaml")
    (tmp_path / "low.yaml").write_text("model: model.yaml\nname: low\nadjust:\n  - {target: demand, multiply: 0.7}\n",
                                       encoding="utf-8")
    hedged = sopopt.hedge([tmp_path / "model.yaml", tmp_path / "low.yaml"])
    from sopopt.analysis.hedge import write_hedge

    write_hedge(hedged, tmp_path / "hedge")
    result = replan(tmp_path / "hedge" / "low", tmp_path / "model.yaml", freeze=1)
    committed = hedged.commitment
    production = result.plan.table("production")
    first = production[production["period"] == "2027-01"].set_index(["product", "site"])["value"]
    expected = committed[committed["decision"] == "production"].set_index(["product", "site"])["value"]
    assert first.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy(), abs=0)
