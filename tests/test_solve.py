"""Solver status mapping, options and honest reporting."""

from __future__ import annotations

import highspy
import pytest

import sopopt
from sopopt.solver.highs import STATUS_MAP, classify
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import OPTIMAL_STATUSES, SolveStatus

M = highspy.HighsModelStatus


@pytest.mark.parametrize(
    ("highs", "feasible", "expected"),
    [
        (M.kOptimal, True, SolveStatus.OPTIMAL),
        (M.kInfeasible, False, SolveStatus.INFEASIBLE),
        (M.kUnbounded, True, SolveStatus.UNBOUNDED),
        (M.kUnboundedOrInfeasible, False, SolveStatus.INFEASIBLE_OR_UNBOUNDED),
        (M.kTimeLimit, True, SolveStatus.TIME_LIMIT_FEASIBLE),
        (M.kTimeLimit, False, SolveStatus.TIME_LIMIT_NO_PLAN),
        (M.kIterationLimit, True, SolveStatus.ITERATION_LIMIT_FEASIBLE),
        (M.kIterationLimit, False, SolveStatus.ITERATION_LIMIT_NO_PLAN),
        (M.kSolutionLimit, True, SolveStatus.OTHER_LIMIT_FEASIBLE),
        (M.kObjectiveBound, False, SolveStatus.OTHER_LIMIT_NO_PLAN),
        (M.kInterrupt, False, SolveStatus.INTERRUPTED),
        # a user stop never reports a plan, even with a feasible point in hand
        (M.kInterrupt, True, SolveStatus.INTERRUPTED),
        (M.kSolveError, False, SolveStatus.ERROR),
        (M.kMemoryLimit, False, SolveStatus.ERROR),
        (M.kPresolveError, False, SolveStatus.ERROR),
        (M.kNotset, False, SolveStatus.ERROR),
    ],
)
def test_every_status_is_mapped_honestly(highs, feasible, expected):
    assert classify(highs, feasible) is expected


def test_only_optimal_is_optimal():
    assert [s for s in SolveStatus if s.label == "optimal"] == [SolveStatus.OPTIMAL]
    assert {s for s in SolveStatus if s.has_plan} == {
        SolveStatus.OPTIMAL,
        SolveStatus.OPTIMAL_WITHIN_GAP,
        SolveStatus.OPTIMAL_WITHIN_TOLERANCE,
        SolveStatus.TIME_LIMIT_FEASIBLE,
        SolveStatus.ITERATION_LIMIT_FEASIBLE,
        SolveStatus.OTHER_LIMIT_FEASIBLE,
    }
    # A plan with integer decisions is never called plain "optimal".
    assert "optimal" != SolveStatus.OPTIMAL_WITHIN_GAP.label
    for status in SolveStatus:
        if status.has_plan and status not in OPTIMAL_STATUSES:
            assert "NOT proven optimal" in status.label
    # each stop is labelled as what happened
    assert "iteration limit" in SolveStatus.ITERATION_LIMIT_NO_PLAN.label
    assert "time limit" not in SolveStatus.ITERATION_LIMIT_FEASIBLE.label
    assert "interrupted" in SolveStatus.INTERRUPTED.label
    # every status HiGHS can return that means "stopped early" maps to a limit status
    assert STATUS_MAP[M.kTimeLimit] is SolveStatus.TIME_LIMIT_NO_PLAN


def test_infeasible_hard_demand_raises_and_can_be_returned(tmp_path, tiny_path):
    text = tiny_path.read_text().replace("hours: 100", "hours: 10")
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(sopopt.InfeasibleError):
        sopopt.solve(path)
    plan = sopopt.solve(path, raise_on_failure=False)
    assert plan.status in (SolveStatus.INFEASIBLE, SolveStatus.INFEASIBLE_OR_UNBOUNDED)
    assert plan.objective is None
    assert not plan.is_optimal


def test_stopped_solve_is_never_reported_optimal(tiny_path):
    options = SolveOptions(options={"simplex_iteration_limit": 0, "presolve": "off"}, method="simplex")
    plan = sopopt.solve(tiny_path, options, raise_on_failure=False)
    assert plan.status in (SolveStatus.ITERATION_LIMIT_FEASIBLE, SolveStatus.ITERATION_LIMIT_NO_PLAN)
    assert not plan.is_optimal


def test_solver_options_pass_through_and_bad_options_are_refused(tiny_path):
    plan = sopopt.solve(tiny_path, SolveOptions(threads=1, time_limit=30, method="ipm", options={"presolve": "off"}))
    assert plan.objective == pytest.approx(3050.0, rel=1e-9)
    with pytest.raises(sopopt.ScenarioError, match=r"options\.no_such_option: 'no_such_option' is not a solver option"):
        SolveOptions(options={"no_such_option": 1})


def test_plan_tables_and_costs_of_tiny_case(tiny_path):
    plan = sopopt.solve(tiny_path)
    # demand 50,150,100 with 100 hours/period: make 100,100,100; carry 50 from 1 to 2
    assert plan.objective == pytest.approx(3050.0, rel=1e-12)
    assert plan.costs["production"] == pytest.approx(3000.0)
    assert plan.costs["holding"] == pytest.approx(50.0)
    assert plan.costs.sum() == pytest.approx(plan.objective, rel=1e-12)
    production = plan.table("production")
    assert list(production["value"]) == pytest.approx([100, 100, 100])
    assert list(plan.table("inventory")["value"]) == pytest.approx([50, 0, 0])
    # one more hour in period 2 saves one unit of holding (made in 2 instead of 1)
    sp = plan.shadow_prices.set_index("period")["shadow_price"]
    assert sp["2"] == pytest.approx(1.0)
    assert plan.kpis["fill_rate"] == 1.0


def test_auto_method_picks_by_size():
    from sopopt.solver.options import AUTO_IPM_COLUMNS, choose_method

    assert choose_method("auto", 1000) == "choose"
    assert choose_method("auto", AUTO_IPM_COLUMNS) == "ipm"
    assert choose_method("simplex", 10**7) == "simplex"
    assert choose_method("pdlp", 10) == "pdlp"


def test_plan_info_is_read_only_and_holds_the_run_information(tiny_path):
    plan = sopopt.solve(tiny_path)
    with pytest.raises(TypeError):
        plan.info["x"] = 1  # type: ignore[index]
    assert plan.info["build"] == "fast"
    assert plan.info["scenario"] == str(tiny_path)
    assert plan.info["total_seconds"] >= plan.info["build_seconds"] > 0
    assert "x" not in plan.info and "highs_status" in plan.info
