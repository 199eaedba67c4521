"""The one planner: ``sopopt.solve()`` gives the plan ``sopopt solve`` gives, the
explanation of an infeasible case included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.planner import Planner
from sopopt.cli import app
from sopopt.errors import InfeasibleError
from sopopt.solver.progress import Phase

LANE = Path(__file__).parent / "infeasible" / "lane.yaml"


def test_api_and_cli_give_the_same_explained_plan(tmp_path: Path) -> None:
    plan = sopopt.solve(LANE, raise_on_failure=False)
    assert plan.status.value == "infeasible"
    assert plan.explanation is not None
    members = sorted(m.text for m in plan.explanation.members)
    assert plan.explanation.repair.totals["lane"] == pytest.approx(50.0)
    result = CliRunner().invoke(app, ["solve", str(LANE), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert sorted(m["text"] for m in run["explanation"]["members"]) == members
    assert run["explanation"]["repair"]["totals"] == pytest.approx(plan.explanation.repair.totals)


def test_raising_solve_raises_before_explaining_and_explain_can_be_off() -> None:
    with pytest.raises(InfeasibleError):
        sopopt.solve(LANE)
    plan = Planner(explain=False).solve(LANE, raise_on_failure=False)
    assert plan.status.value == "infeasible" and plan.explanation is None


def test_progress_reports_every_step_of_an_explained_solve() -> None:
    phases: list[Phase] = []
    options = sopopt.SolveOptions(on_progress=lambda p: phases.append(p.phase))
    plan = Planner(options).solve(LANE, raise_on_failure=False)
    assert plan.explanation is not None
    assert phases[:2] == [Phase.LOAD, Phase.BUILD]
    assert phases[-2:] == [Phase.EXTRACT, Phase.EXPLAIN]


def test_the_steps_give_the_plan_of_the_whole_recipe() -> None:
    planner = Planner()
    case = sopopt.load_case("scenarios/base.yaml")
    whole = planner.solve(case)
    # The case's data: its allocation stages, and the limits its bottleneck ranking ranges.
    solution = planner.run(planner.build(case), planner.options_for(case), ranged=True, data=case.data)
    parts = planner.extract(case, solution)
    assert parts.objective == pytest.approx(whole.objective, rel=1e-9)
    assert parts.shadow_prices.equals(whole.shadow_prices)
    assert parts.table("plan").equals(whole.table("plan"))
