"""The frontier (issue 27, test (b)), solved by hand.

``tests/data/targets/service.yaml``: one period, demand 100, 80 regular units at
production cost 1, overtime for 10 more at +5, subcontracting 10 at 9, lost-sale cost 3.
At fill rate f the plan delivers 100 f units; the cheapest way: 80 regular (lose the
rest at 3), then overtime (1 + 5 = 6 a unit, net 6 - 3 = 3 a point), then
subcontracting (9, net 6 a point). 0.80: 80 + 20 x 3 = 140; 0.85: 155; 0.90: 170; 0.95:
170 + 5 x 6 = 200; 1.00: 230. Up to 90% overtime is the lever and the line's regular
hours the binding limit; above, subcontracting is the lever and the 10-hour overtime
cap the binding limit.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.frontier import frontier, frontier_values, is_frontier_folder, read_frontier
from sopopt.analysis.planner import Planner
from sopopt.cli import app
from sopopt.solver.options import SolveOptions

CASE = Path(__file__).parent / "data" / "targets" / "service.yaml"


def test_frontier_values_include_both_ends() -> None:
    assert frontier_values(0.8, 1.0, 0.05) == [0.8, 0.85, 0.9, 0.95, 1.0]
    assert frontier_values(1, 1, 1) == [1]
    with pytest.raises(ValueError, match="positive"):
        frontier_values(0, 1, 0)


def test_fill_rate_frontier_by_hand() -> None:
    result = frontier(sopopt.load_case(CASE), "fill_rate", 0.8, 1.0, 0.05)
    table = result.table()
    assert list(table["total_cost"]) == pytest.approx([140, 155, 170, 200, 230])
    assert list(table["marginal_per_step"][1:]) == pytest.approx([15, 15, 30, 30])
    assert list(table["marginal_per_unit"][1:]) == pytest.approx([3, 3, 6, 6])
    assert list(table["binding_limit"]) == ["", *["capacity line in 2027-01"] * 2,
                                             *["machine_overtime line in 2027-01"] * 2]
    assert list(table["marginal_lever"]) == ["", *["resource_overtime line in 2027-01"] * 2,
                                             *["subcontracting widget/plant in 2027-01"] * 2]
    assert set(table["status"]) == {"optimal"}
    # One session: the first solve and four warm re-solves of the moved row.
    assert result.solves == 5
    assert [p.info["warm_start"] for p in result.plans] == [False, True, True, True, True]


def test_points_out_of_reach_are_labelled_not_dropped() -> None:
    """At most 100 units can be delivered (the demand): 105 and 110 are out of reach."""
    table = frontier(sopopt.load_case(CASE), "units", 95, 110, 5).table()
    assert list(table["target"]) == [95, 100, 105, 110]
    assert list(table["status"]) == ["optimal", "optimal", "infeasible", "infeasible"]
    assert list(table["total_cost"][:2]) == pytest.approx([200, 230])
    assert table["reason"][2] == table["reason"][3] == "out of reach: the most within reach is 100"


def test_cli_writes_a_frontier_folder_and_the_store(tmp_path: Path) -> None:
    out, db = tmp_path / "frontier", tmp_path / "results.duckdb"
    args = ["frontier", str(CASE), "--measure", "fill_rate", "--from", "0.8", "--to", "1", "--step", "0.1",
            "--out", str(out), "--store", str(db)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert is_frontier_folder(out)
    run = json.loads((out / "run.json").read_text())
    assert run["kind"] == "frontier" and run["measure"] == "fill_rate" and len(run["frontier"]) == 3
    back = read_frontier(out)
    assert [p.total_cost for p in back.points] == pytest.approx([140, 170, 230])
    assert back.plan is not None and back.plan.objective == pytest.approx(140)
    with duckdb.connect(str(db)) as con:
        rows = con.execute("SELECT objective FROM cases ORDER BY case_id").fetchall()
        kept = con.execute("SELECT count(*) FROM frontier").fetchone()
    assert [r[0] for r in rows] == pytest.approx([140, 170, 230]) and kept == (3,)
    page = tmp_path / "frontier.html"
    shown = CliRunner().invoke(app, ["report", str(out), "--out", str(page)])
    assert shown.exit_code == 0, shown.output
    text = page.read_text()
    assert "Frontier: the cost of the fill_rate target" in text and "Against target" in text
    bad = CliRunner().invoke(app, [*args[:-2], "--product", "gadget"])
    assert bad.exit_code == 2 and "unknown product 'gadget'" in bad.output


def test_interior_point_frontier_starts_from_the_case_without_its_row() -> None:
    """Under interior point the first solve runs with the frontier's (dense) row free, then
    every point is a warm re-solve: the same costs and limits, one solve more."""
    planner = Planner(options=SolveOptions(method="ipm"), explain=False)
    result = frontier(sopopt.load_case(CASE), "fill_rate", 0.8, 1.0, 0.05, planner=planner)
    table = result.table()
    assert list(table["total_cost"]) == pytest.approx([140, 155, 170, 200, 230])
    assert list(table["binding_limit"])[1:] == [*["capacity line in 2027-01"] * 2,
                                                *["machine_overtime line in 2027-01"] * 2]
    assert result.solves == 6 and all(p.info["warm_start"] for p in result.plans)
    out = frontier(sopopt.load_case(CASE), "units", 95, 110, 5, planner=planner).table()
    assert list(out["reason"][2:]) == ["out of reach: the most within reach is 100"] * 2


def test_out_of_reach_names_the_limits_that_hold_it_back() -> None:
    """Subcontracting capped at 5: at most 80 + 10 + 5 = 95 units. Each of the line's 80
    hours, its 10 overtime hours and the 5 subcontracted units adds one unit to the most
    within reach (price 1 each), so all three are named."""
    case = sopopt.load_case(CASE.with_name("service_short.yaml"))
    for measure, values, reach in (("units", (90, 100, 5), "95"), ("fill_rate", (0.9, 1.0, 0.05), "0.95")):
        table = frontier(case, measure, *values).table()
        assert list(table["status"]) == ["optimal", "optimal", "infeasible"]
        assert list(table["total_cost"][:2]) == pytest.approx([170, 200])
        assert table["reason"][2] == (f"out of reach: the most within reach is {reach}, held back by capacity line in "
                                      "2027-01; machine_overtime line in 2027-01; subcontract widget/plant in 2027-01")
