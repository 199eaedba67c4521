"""Solver options by allow-list, and threads and time limit capped the same everywhere.

A scenario may only set documented HiGHS tuning options; every other option HiGHS has
(those that name files, write output or change logging, and the rest) is refused by
``validate`` at its file and line. ``threads`` is capped at the usable cores whether it is
a flag, a ``solver`` field or a ``solver.options`` entry.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import highspy
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.errors import ScenarioError
from sopopt.inputs.schema.solver_options import CAPPED_OPTIONS, SOLVER_OPTIONS, OptionSpec, usable_cores
from tests.conftest import TINY_MODEL

runner = CliRunner()

_KIND = {
    "bool": highspy.HighsOptionType.kBool,
    "int": highspy.HighsOptionType.kInt,
    "float": highspy.HighsOptionType.kDouble,
    "choice": highspy.HighsOptionType.kString,
}


def _highs() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@pytest.fixture(scope="module")
def highs_option_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every option name highspy exposes: the attributes of ``Highs().getOptions()``
    and the names ``writeOptions`` lists (the two overlap but neither holds all)."""
    h = _highs()
    names = {n for n in dir(h.getOptions()) if not n.startswith("_")}
    listing = tmp_path_factory.mktemp("highs") / "options.txt"
    h.writeOptions(str(listing))
    for line in listing.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=")[0].strip())
    assert len(names) > 90  # highspy 1.16 exposes about 120
    return names


def _scenario_with_options(root: Path, options: list[str]) -> Path:
    text = "model: models/tiny.yaml\nsolver:\n  options:\n" + "".join(f"    {o}\n" for o in options)
    (root / "models").mkdir(exist_ok=True)
    (root / "models" / "tiny.yaml").write_text(TINY_MODEL)
    (root / "s.yaml").write_text(text)
    return root / "s.yaml"


def test_every_highs_option_off_the_allow_list_is_refused_at_its_line(
    highs_option_names: set[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    refused = sorted(highs_option_names - set(SOLVER_OPTIONS) - set(CAPPED_OPTIONS))
    assert {"solution_file", "write_solution_to_file", "log_file", "write_model_file", "output_flag"} <= set(refused)
    scenario = _scenario_with_options(tmp_path, [f"{name}: 1" for name in refused])
    with pytest.raises(ScenarioError) as caught:
        sopopt.load_case(scenario)
    by_field = {p.field: p for p in caught.value.problems}
    for line, name in enumerate(refused, start=4):
        problem = by_field[f"solver.options.{name}"]
        assert problem.location is not None
        assert (problem.location.file, problem.location.line) == ("s.yaml", line)
        assert name in problem.message
    assert len(caught.value.problems) == len(refused)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("solution_file: /tmp/owned.txt", "'solution_file' names a file"),
        ("write_solution_to_file: true", "'write_solution_to_file' writes or changes output"),
        ("log_file: /tmp/owned.log", "'log_file' names a file"),
        ("output_flag: true", "'output_flag' changes logging"),
        ("presolv: 'off'", "'presolv' is not a solver option a scenario may set (did you mean 'presolve'?)"),
        ("no_such_thing: 3", "'no_such_thing' is not a solver option a scenario may set"),
        ("presolve: maybe", "Input should be 'off', 'choose' or 'on' (got 'maybe')"),
        ("mip_rel_gap: -1", "Input should be greater than or equal to 0 (got -1)"),
    ],
)
def test_validate_refuses_options_at_file_and_line(workspace, option: str, message: str) -> None:
    root = workspace({})
    scenario = _scenario_with_options(root, ["random_seed: 1", option])
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2, result.output
    assert f"s.yaml:5:5: solver.options.{option.split(':')[0]}: {message}" in result.output
    assert "Traceback" not in result.output


def test_a_scenario_cannot_write_a_file_through_the_solver(workspace) -> None:
    root = workspace({})
    target = root / "owned.sol"
    scenario = _scenario_with_options(root, ["write_solution_to_file: true", f"solution_file: {target}"])
    result = runner.invoke(app, ["solve", str(scenario)])
    assert result.exit_code == 2
    assert not target.exists()


def _extremes(spec: OptionSpec) -> list[object]:
    """Every choice, both booleans, or the lowest and highest value accepted."""
    if spec.kind == "choice":
        return list(spec.choices)
    if spec.kind == "bool":
        return [True, False]
    convert = int if spec.kind == "int" else float
    return [convert(spec.low), convert(spec.high)]


def test_every_allowed_option_exists_in_highs_with_its_type_and_range(highs_option_names: set[str]) -> None:
    h = _highs()
    for name, spec in SOLVER_OPTIONS.items():
        assert name in highs_option_names, name
        status, kind = h.getOptionType(name)
        assert status == highspy.HighsStatus.kOk, name
        assert kind == _KIND[spec.kind], name
        for value in _extremes(spec):
            assert h.setOptionValue(name, value) == highspy.HighsStatus.kOk, (name, value)
    for name in CAPPED_OPTIONS:
        assert name in highs_option_names


def test_allowed_options_reach_the_solver(workspace) -> None:
    root = workspace({})
    scenario = _scenario_with_options(root, ["presolve: 'off'", "simplex_strategy: 4", "random_seed: 7",
                                             "primal_feasibility_tolerance: 1e-9", "threads: 1"])
    case = sopopt.load_case(scenario)
    options = sopopt.SolveOptions.from_settings(case.solver)
    assert options.threads == 1
    assert options.options == {"presolve": "off", "simplex_strategy": 4, "random_seed": 7,
                               "primal_feasibility_tolerance": 1e-9}
    plan = sopopt.solve(case)
    assert plan.objective == pytest.approx(3050.0, rel=1e-9)


def _three_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sopopt.inputs.schema.solver_options.os.sched_getaffinity", lambda pid: {0, 1, 2})


@pytest.mark.parametrize("where", ["field", "option", "flag"])
def test_threads_are_capped_at_the_usable_cores_the_same_way(
    workspace, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    _three_cores(monkeypatch)
    assert usable_cores() == 3
    root = workspace({"models/tiny.yaml": TINY_MODEL})
    blocks = {"field": "solver:\n  threads: {n}\n", "option": "solver:\n  options:\n    threads: {n}\n", "flag": ""}
    for n, ok in ((3, True), (4, False)):
        (root / "s.yaml").write_text("model: models/tiny.yaml\n" + blocks[where].format(n=n))
        args = ["solve", "s.yaml"] + (["--threads", str(n)] if where == "flag" else [])
        result = runner.invoke(app, args)
        if ok:
            assert result.exit_code == 0, result.output
            continue
        assert result.exit_code == 2
        assert "threads: 4 is more than the 3 cores this process may use" in result.output
        if where != "flag":
            line = 3 if where == "field" else 4
            assert f"s.yaml:{line}:" in result.output


@pytest.mark.parametrize("value", ["0", "-5", "1e8", ".inf"])
def test_time_limit_is_capped_the_same_as_field_option_and_flag(workspace, value: str) -> None:
    root = workspace({"models/tiny.yaml": TINY_MODEL})
    outputs = []
    for block, flag in (("solver:\n  time_limit: {v}\n", []), ("solver:\n  options:\n    time_limit: {v}\n", []),
                        ("", ["--time-limit", value.replace(".inf", "inf")])):
        (root / "s.yaml").write_text("model: models/tiny.yaml\n" + block.format(v=value))
        result = runner.invoke(app, ["solve", "s.yaml", *flag])
        assert result.exit_code == 2, result.output
        outputs.append(result.output)
    assert all("the time limit must be above 0 and at most 1e+07 seconds" in out for out in outputs)


def test_an_absurd_thread_count_is_a_clear_error_not_an_abort(tiny_path: Path) -> None:
    """``--threads 100000`` used to abort the process (SIGABRT) in HiGHS's thread pool."""
    result = subprocess.run(
        [sys.executable, "-m", "sopopt", "solve", str(tiny_path), "--threads", "100000"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert f"threads: 100000 is more than the {usable_cores()} cores this process may use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["solve", "hedge", "replan", "sweep"])
@pytest.mark.parametrize("value", ["0", "2e7"])
def test_every_command_caps_the_time_limit_flag_the_same_way(workspace, command: str, value: str) -> None:
    root = workspace({"tiny.yaml": TINY_MODEL, "sweep.yaml": "scenarios: [tiny.yaml]\n"})
    (root / "previous").mkdir()
    args = {
        "solve": ["solve", "tiny.yaml"],
        "hedge": ["hedge", "tiny.yaml", "tiny.yaml"],
        "replan": ["replan", "previous", "tiny.yaml"],
        "sweep": ["sweep", "sweep.yaml", "--store", "x.duckdb"],
    }[command]
    result = runner.invoke(app, [*args, "--time-limit", value])
    assert result.exit_code == 2, result.output
    assert "time_limit: the time limit must be above 0 and at most 1e+07 seconds" in result.stderr
    assert "Traceback" not in result.output
