"""Explaining infeasible cases: six planted conflicts, each unique, with hand-derived
members (kind, name, period, source place) and repair quantities.

The cases (tests/infeasible/, each file's comment gives the arithmetic):

- capacity: 50 + 250 units due by period 2, 100 h of line a period: 100 h short;
- ending: 80 + 80 sold and 60 left at the end need 220 h, the line has 200: 20 short;
- hiring: 400 h of work in period 1, 2 workers x 100 h and at most 1 hire: 1 hire short;
- supplier: 100 units of steel needed in period 1, 50 in stock, the supplier is out
  (an adjustment sets its capacity to 0): 50 units short;
- lane: 50 + 200 units due at the DC, the lane carries 100 a period: 50 short;
- max_stock: 2 x 100 made, 2 x 20 sold, at most 150 in stock and no lane out: 10 too many.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.explain import explain
from sopopt.analysis.infeasible import Explanation
from sopopt.cli import app
from sopopt.errors import ScenarioError

DATA = Path(__file__).parent / "infeasible"  # outside tests/data: these cases have no plan


def _members(e: Explanation) -> set[tuple[str, str, str | None, str, int]]:
    out = set()
    for m in e.members:
        loc = m.place.location if m.place is not None else None
        out.add((m.kind, m.name, m.period, Path(loc.file).name if loc else "default", loc.line if loc else 0))
    return out


def _repairs(e: Explanation) -> list[tuple[str, str, str | None, float]]:
    assert e.repair is not None
    return [(r.repair_class, r.name, r.period, round(r.quantity, 6)) for r in e.repair.repairs]


def _alone(e: Explanation) -> dict[str, float | None]:
    assert e.repair is not None
    return {c.repair_class: (round(c.total, 6) if c.feasible else None) for c in e.repair.by_class}


CASES = {
    "capacity": (
        {
            ("hard demand", "widget at plant", "1", "capacity_demand.csv", 2),
            ("hard demand", "widget at plant", "2", "capacity_demand.csv", 2),
            ("resource hours", "line", "1", "capacity.yaml", 15),
            ("resource hours", "line", "2", "capacity.yaml", 15),
        },
        [("overtime", "line", "2", 100.0)],
        {"overtime": 100.0, "demand": 100.0},
    ),
    "ending": (
        {
            ("hard demand", "widget at plant", "1", "ending.yaml", 21),
            ("hard demand", "widget at plant", "2", "ending.yaml", 21),
            ("resource hours", "line", "1", "ending.yaml", 17),
            ("resource hours", "line", "2", "ending.yaml", 17),
            ("ending stock", "widget at plant", "2", "ending.yaml", 11),
        },
        [("overtime", "line", "2", 20.0)],
        {"overtime": 20.0, "stock": 20.0, "demand": 20.0},
    ),
    "hiring": (
        {
            ("hard demand", "widget at plant", "1", "hiring.yaml", 23),
            ("crew hours", "crew", "1", "hiring.yaml", 17),
            ("hiring limit", "crew", "1", "hiring.yaml", 20),
            ("opening headcount", "crew", "1", "hiring.yaml", 16),
        },
        [("staffing", "crew", "1", 1.0)],
        {"staffing": 1.0, "demand": 100.0},
    ),
    "supplier": (
        {
            ("hard demand", "widget at plant", "1", "supplier_model.yaml", 24),
            ("material balance", "steel at plant", "1", "supplier_model.yaml", 15),
            ("supplier capacity", "acme_steel", "1", "supplier.yaml", 5),
        },
        [("supplier", "acme_steel", "1", 50.0)],
        {"supplier": 50.0, "demand": 50.0},
    ),
    "lane": (
        {
            ("hard demand", "gadget at dc", "1", "lane.yaml", 23),
            ("hard demand", "gadget at dc", "2", "lane.yaml", 23),
            ("lane capacity", "plant_dc", "1", "lane.yaml", 20),
            ("lane capacity", "plant_dc", "2", "lane.yaml", 20),
        },
        [("lane", "plant_dc", "2", 50.0)],
        {"lane": 50.0, "demand": 50.0},
    ),
    "max_stock": (
        {
            ("hard demand", "widget at plant", "1", "max_stock.yaml", 18),
            ("hard demand", "widget at plant", "2", "max_stock.yaml", 18),
            ("minimum production", "widget at plant", "1", "max_stock.yaml", 12),
            ("minimum production", "widget at plant", "2", "max_stock.yaml", 12),
            ("maximum stock", "widget at plant", "2", "max_stock.yaml", 13),
        },
        [("production", "widget at plant", "1", 10.0)],
        # Leaving demand unmet leaves more in stock: demand alone cannot help.
        {"production": 10.0, "stock": 10.0, "demand": None},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_planted_conflict_members_and_repairs(name):
    members, repairs, alone = CASES[name]
    e = explain(DATA / f"{name}.yaml", time_budget=30)
    assert isinstance(e, Explanation)
    assert e.irreducible
    assert _members(e) == members
    assert _repairs(e) == repairs
    assert _alone(e) == alone
    assert e.plan is not None and e.plan.explanation is e
    assert e.plan.status is sopopt.SolveStatus.INFEASIBLE


def test_places_name_table_cells_adjustments_and_defaults():
    e = explain(DATA / "capacity.yaml")
    demand = {m.period: m for m in e.members if m.kind == "hard demand"}
    # Wide table: period 2 is the 4th column of line 2.
    assert demand["2"].place.location.column == 4
    assert "capacity_demand.csv:2, column 4" in demand["2"].text
    assert "no opening stock (default)" in demand["1"].text
    supplier = explain(DATA / "supplier.yaml")
    cap = next(m for m in supplier.members if m.kind == "supplier capacity")
    assert cap.value == 0.0
    assert cap.place.adjusted_from is not None
    assert cap.place.adjusted_from.location.line == 21
    assert str(cap.place).startswith("adjustment at ")


def test_absent_levers_are_named():
    texts = [a.text for a in explain(DATA / "capacity.yaml").absent]
    assert texts == ["no backlog or lost sales allowed for widget at plant", "no overtime allowed on line"]
    assert "no lane ships widget out of plant" in [a.text for a in explain(DATA / "max_stock.yaml").absent]


def test_repair_order_from_the_file_and_its_validation(workspace):
    e = explain(DATA / "hiring.yaml")
    assert e.repair.order == ("staffing", "demand")
    # The same case with the default order repairs with crew overtime (an absent lever).
    text = (DATA / "hiring.yaml").read_text()
    root = workspace({"s.yaml": text.replace("[staffing, demand]", "[overtime, staffing, demand]")})
    e = explain(root / "s.yaml")
    assert _repairs(e) == [("overtime", "crew", "1", 100.0)]
    bad = workspace({"bad.yaml": text.replace("[staffing, demand]", "[demand, demand]")})
    with pytest.raises(ScenarioError, match="given twice"):
        sopopt.load_case(bad / "bad.yaml")
    unknown = workspace({"unknown.yaml": text.replace("[staffing, demand]", "[magic]")})
    with pytest.raises(ScenarioError, match="repair_order"):
        sopopt.load_case(unknown / "unknown.yaml")


def test_time_budget_exhausted_is_labelled():
    e = explain(DATA / "ending.yaml", time_budget=0)
    assert not e.irreducible
    assert "not proven irreducible" in e.sentences()[0]
    # What was found is still infeasible and contains the whole conflict.
    assert CASES["ending"][0] <= _members(e)


def test_feasible_case_dispatches_to_plan_explanation(tiny_path):
    from sopopt.analysis.explain import PlanExplanation

    result = explain(tiny_path)
    assert isinstance(result, PlanExplanation)
    assert result.plan.status is sopopt.SolveStatus.OPTIMAL
    assert explain(result.plan).to_dict() == result.to_dict()


def test_cli_solve_exits_3_prints_and_records_the_explanation(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["solve", str(DATA / "lane.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == 3
    assert "lane plant_dc capacity in 2: 100 units" in result.output
    assert "+50 units on lane plant_dc in 2 (lane)" in result.output
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "infeasible"
    kinds = sorted(m["kind"] for m in run["explanation"]["members"])
    assert kinds == ["hard demand", "hard demand", "lane capacity", "lane capacity"]
    assert run["explanation"]["repair"]["totals"]["lane"] == pytest.approx(50.0)


def test_cli_explain(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["explain", str(DATA / "max_stock.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["irreducible"] is True
    assert {c["class"]: c["feasible"] for c in data["repair"]["by_class"]} == {
        "production": True, "stock": True, "demand": False,
    }
    text = runner.invoke(app, ["explain", str(DATA / "max_stock.yaml")])
    assert "maximum stock of widget at plant in 2: at most 150 units" in text.output
    assert "demand: cannot restore feasibility alone" in text.output


def test_facade_and_report_section(tmp_path):
    from sopopt.report.html import render_html

    e = sopopt.explain(DATA / "capacity.yaml")
    html = render_html([e.plan])
    assert "Why this case has no plan" in html
    assert "line hours in 2: 100 regular" in html
    assert "+100 h on line in 2 (overtime)" in html
    result = CliRunner().invoke(app, ["report", str(DATA / "lane.yaml"), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 3
    assert "lane plant_dc capacity in 2: 100 units" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("cause", ["capacity", "ending", "hiring", "supplier", "lane", "max-stock"])
def test_generate_plants_each_cause(tmp_path, cause):
    from sopopt.inputs.generate import write_instance

    twin = sopopt.solve(write_instance(tmp_path / "twin", 6, 4, 4))
    assert twin.status is sopopt.SolveStatus.OPTIMAL
    path = write_instance(tmp_path / cause, 6, 4, 4, infeasible=cause)
    plan = sopopt.solve(path, raise_on_failure=False)
    assert plan.status is sopopt.SolveStatus.INFEASIBLE
    if cause == "max-stock":
        e = explain(path, time_budget=10)
        kinds = {m.kind for m in e.members}
        assert {"maximum stock", "minimum production"} <= kinds
        assert "no lane ships SKU00001 out of PLANT1" in [a.text for a in e.absent]


def test_readme_and_docs_show_the_real_output(monkeypatch):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    shown = runner_output = CliRunner().invoke(app, ["solve", "tests/infeasible/capacity.yaml"])
    assert shown.exit_code == 3
    for doc, heading in ((root / "README.md", "### When a case has no plan"), (root / "docs/explain.md", "## Reading")):
        block = doc.read_text().split(heading, 1)[1].split("```text", 1)[1].split("```", 1)[0]
        lines = [line for line in block.strip().splitlines()[1:] if line]
        assert lines and all(line in runner_output.output for line in lines), doc
