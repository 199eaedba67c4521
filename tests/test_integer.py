"""Plans people can execute: whole workers, minimum lot sizes with setups, smooth
production. Each optimum is worked out by hand (see the case files) and every plan passes
the independent recomputation, which also checks integrality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from recompute import check_plan

import sopopt

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "integer"
RED_TOMATO = ROOT / "models" / "textbook" / "red_tomato.yaml"


def _values(plan: sopopt.Plan, table: str) -> list[float]:
    return plan.tables[table]["value"].tolist()


def _write(root: Path, name: str, data: dict) -> Path:
    path = root / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whole_red_tomato(tmp_path_factory: pytest.TempPathFactory) -> tuple[sopopt.Case, sopopt.Plan]:
    """Red Tomato with whole workers (nothing fixed by hand): the later editions' model."""
    data = yaml.safe_load(RED_TOMATO.read_text(encoding="utf-8"))
    data["workforce"]["staff"]["whole_workers"] = True
    root = tmp_path_factory.mktemp("whole")
    case = sopopt.load_case(_write(root, "red_tomato_whole.yaml", data), workspace=root)
    return case, sopopt.solve(case)


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_red_tomato_with_whole_workers_costs_the_published_422660(
    whole_red_tomato: tuple[sopopt.Case, sopopt.Plan], how: str
) -> None:
    case, plan = whole_red_tomato
    if how == "pyomo":
        plan = sopopt.solve(case, how="pyomo")
    assert plan.objective == pytest.approx(422_660.0, abs=0.005)  # to the cent
    for table in ("headcount", "hires", "layoffs"):
        values = np.array(_values(plan, table))
        assert np.allclose(values, np.rint(values), atol=1e-6), table
    # 16 workers leave in all (the book: 16 laid off in January, 64 all year; HiGHS may
    # find the tied plan laying off 15 then 1, at the same cost).
    assert sum(_values(plan, "layoffs")) == pytest.approx(16)
    assert _values(plan, "headcount")[-1] == pytest.approx(64)
    assert plan.info["mip"] is True
    check_plan(case, plan, cents=True)


def test_red_tomato_without_the_flag_stays_the_lp_optimum() -> None:
    plan = sopopt.solve(RED_TOMATO)
    assert plan.objective == pytest.approx(422_275.0, abs=0.005)
    assert plan.info["mip"] is False
    assert not np.allclose(_values(plan, "headcount"), np.rint(_values(plan, "headcount")))


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_lot_size_skips_a_period_and_pays_the_setups(how: str) -> None:
    case = sopopt.load_case(DATA / "lots.yaml")
    plan = sopopt.solve(case, how=how)
    assert plan.objective == pytest.approx(600.0)
    assert _values(plan, "production") == pytest.approx([20.0, 0.0, 20.0])
    assert _values(plan, "setups") == pytest.approx([1.0, 0.0, 1.0])
    assert plan.costs["setups"] == pytest.approx(200.0)
    assert plan.costs["holding"] == pytest.approx(400.0)
    check_plan(case, plan)


@pytest.mark.parametrize(
    ("cost", "production", "objective", "smoothing", "holding"),
    [
        # Changes cost more than stock: production is levelled at 20 a period.
        (5.0, [20.0, 20.0, 20.0], 20.0, 0.0, 20.0),
        # Cheaper changes: level the first two periods, drop to 10 (10 units of change).
        (0.4, [20.0, 20.0, 10.0], 14.0, 4.0, 10.0),
    ],
)
def test_smoothing_levels_production(
    tmp_path: Path, cost: float, production: list[float], objective: float, smoothing: float, holding: float
) -> None:
    data = yaml.safe_load((DATA / "smoothing.yaml").read_text(encoding="utf-8"))
    data["products"]["widget"]["sites"]["plant"]["smoothing_cost"] = cost
    case = sopopt.load_case(_write(tmp_path, "smoothing.yaml", data), workspace=tmp_path)
    for how in ("fast", "pyomo"):
        plan = sopopt.solve(case, how=how)
        assert plan.objective == pytest.approx(objective)
        assert _values(plan, "production") == pytest.approx(production)
        assert plan.costs["smoothing"] == pytest.approx(smoothing)
        assert plan.costs["holding"] == pytest.approx(holding)
        assert plan.info["mip"] is False  # smoothing keeps the model an LP
        check_plan(case, plan)


def test_without_smoothing_the_plan_chases_demand(tmp_path: Path) -> None:
    data = yaml.safe_load((DATA / "smoothing.yaml").read_text(encoding="utf-8"))
    del data["products"]["widget"]["sites"]["plant"]["smoothing_cost"]
    plan = sopopt.solve(_write(tmp_path, "plain.yaml", data), workspace=tmp_path)
    assert _values(plan, "production") == pytest.approx([10.0, 30.0, 10.0])
    assert "smoothing" not in plan.costs.index


def test_a_mip_plan_is_labelled_with_its_gap_never_plain_optimal(
    whole_red_tomato: tuple[sopopt.Case, sopopt.Plan],
) -> None:
    _case, plan = whole_red_tomato
    assert plan.status is sopopt.SolveStatus.OPTIMAL_WITHIN_GAP
    assert plan.status_text == "optimal (gap ≤ 0.01%)"
    assert plan.is_optimal  # finished to the gap asked for: exit 0
    assert 0 <= plan.info["mip_gap"] <= 1e-4
    # Shadow prices come from the LP with the whole-worker decisions fixed, and say so.
    assert plan.info["duals_from"] == "LP with the integer decisions fixed at their plan values"
    assert not plan.shadow_prices.empty


def test_a_time_limited_mip_plan_is_feasible_with_its_gap(whole_red_tomato: tuple[sopopt.Case, sopopt.Plan]) -> None:
    import dataclasses

    _case, plan = whole_red_tomato
    stopped = dataclasses.replace(
        plan, status=sopopt.SolveStatus.TIME_LIMIT_FEASIBLE, info={**plan.info, "mip_gap": 0.0231}
    )
    assert stopped.status_text == "feasible, gap 2.31% (time limit reached)"
    assert not stopped.is_optimal  # exit 4


def test_cli_solve_prints_the_gap(whole_red_tomato: tuple[sopopt.Case, sopopt.Plan]) -> None:
    from typer.testing import CliRunner

    from sopopt.cli import app

    case, _plan = whole_red_tomato
    result = CliRunner().invoke(app, ["solve", str(case.source), "--workspace", str(case.source.parent)])
    assert result.exit_code == 0, result.output
    assert "optimal (gap ≤ 0.01%)" in result.output
    assert "MIP gap reached" in result.output


def test_whole_workers_need_a_whole_opening_headcount(tmp_path: Path) -> None:
    data = yaml.safe_load(RED_TOMATO.read_text(encoding="utf-8"))
    data["workforce"]["staff"].update(whole_workers=True, initial_headcount=80.5)
    path = _write(tmp_path, "half.yaml", data)
    with pytest.raises(sopopt.ScenarioError) as info:
        sopopt.load_case(path, workspace=tmp_path)
    (problem,) = info.value.problems
    assert problem.field == "workforce.staff.initial_headcount"
    assert problem.location is not None and problem.location.file.endswith("half.yaml") and problem.location.line > 0
    assert "80.5 is not a whole number of workers" in problem.message


def test_generated_integer_instance_is_an_executable_plan(tmp_path: Path) -> None:
    from sopopt.inputs.generate import write_instance

    path = write_instance(tmp_path, 4, 3, 4, seed=2, integer=True)
    case = sopopt.load_case(path, workspace=tmp_path)
    plan = sopopt.solve(case)
    assert plan.status is sopopt.SolveStatus.OPTIMAL_WITHIN_GAP
    assert plan.costs["setups"] > 0
    check_plan(case, plan)  # whole workers, lots of at least the minimum, setups paid
