"""The command line: outputs, exit codes, and no tracebacks for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sopopt.cli import app

ROOT = Path(__file__).parents[1]
runner = CliRunner()


def test_solve_prints_summary_and_writes_every_table(tmp_path, tiny_path):
    result = runner.invoke(app, ["solve", str(tiny_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "status optimal" in result.output
    assert "3,050.00" in result.output
    assert "Top bottlenecks" in result.output
    out = tmp_path / "out"
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "optimal" and meta["optimal"] is True
    assert meta["objective"] == pytest.approx(3050.0)
    assert sum(meta["costs"].values()) == pytest.approx(meta["objective"])
    assert {"sopopt", "pyomo", "highspy", "python"} <= set(meta["versions"])
    plan = pd.read_csv(out / "plan.csv")
    assert list(plan["production"]) == [100, 100, 100]
    for name in ("production", "inventory", "costs", "kpis", "shadow_prices", "utilization", "service"):
        assert (out / f"{name}.csv").is_file()
    # no temporary files are left behind
    assert not list(out.glob(".*tmp"))


def test_invalid_input_exits_2_without_traceback(tmp_path, tiny_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(tiny_path.read_text().replace("hours: 100", "hours: -1").replace("site: plant", "site: plnt"))
    for command in ("solve", "validate", "show"):
        result = runner.invoke(app, [command, str(bad)])
        assert result.exit_code == 2, (command, result.output)
        assert "Traceback" not in result.output
        assert re.search(r"bad\.yaml:\d+:\d+: resources\.line\.hours", result.output), result.output


def test_infeasible_exits_3_and_says_so(tmp_path, tiny_path):
    path = tmp_path / "m.yaml"
    path.write_text(tiny_path.read_text().replace("hours: 100", "hours: 10"))
    result = runner.invoke(app, ["solve", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "infeasible" in result.output
    meta = json.loads((tmp_path / "out" / "run.json").read_text())
    assert meta["status"] in ("infeasible", "infeasible_or_unbounded") and meta["objective"] is None


def test_validate_show_diff_schema(tmp_path, tiny_path):
    assert runner.invoke(app, ["validate", str(tiny_path)]).exit_code == 0
    shown = runner.invoke(app, ["show", str(tiny_path)])
    assert shown.exit_code == 0
    assert yaml.safe_load(shown.stdout)["demand"]["widget"]["plant"] == [50, 150, 100]
    other = tmp_path / "other.yaml"
    other.write_text(tiny_path.read_text().replace("holding_cost: 1", "holding_cost: 2"))
    diff = runner.invoke(app, ["diff", str(tiny_path), str(other)])
    assert diff.exit_code == 0 and "products.widget.holding_cost" in diff.output
    schema = runner.invoke(app, ["schema"])
    assert schema.exit_code == 0 and "products" in json.loads(schema.output)["properties"]


def test_readme_example_model_solves(tmp_path):
    """The complete example in the README is valid and solves to an optimal plan."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The file format in one example", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    path = tmp_path / "mini.yaml"
    path.write_text(block)
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 0, result.output
    assert "status optimal" in result.output


def test_readme_quickstart_scenario_exists():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2, "the quickstart has exactly two set-up commands"
    scenario = re.search(r"sopopt solve (\S+)", commands[0]).group(1)
    assert (ROOT / scenario).is_file()
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci, "CI runs the README's test command"


def test_outputs_get_normal_permissions(tmp_path, tiny_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["solve", str(tiny_path), "--out", str(tmp_path / "out")])
    finally:
        os.umask(old)
    assert result.exit_code == 0
    mode = stat.S_IMODE((tmp_path / "out" / "plan.csv").stat().st_mode)
    assert mode == 0o644


def test_readme_python_api_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    code = readme.split("### Python API", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    code = code.replace('"report.html"', repr(str(tmp_path / "report.html")))
    code = code.replace('"plan.xlsx"', repr(str(tmp_path / "plan.xlsx")))
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert (tmp_path / "report.html").stat().st_size > 0
    assert (tmp_path / "plan.xlsx").stat().st_size > 0
    assert len(namespace["plans"]) == 2
    # the comparison compares two different cases
    assert Path(str(namespace["case"].source)).name == "base.yaml"  # type: ignore[attr-defined]
    assert namespace["surge"].name != namespace["case"].network.name  # type: ignore[attr-defined]


def test_generate_writes_a_deterministic_instance_that_solves(tmp_path):
    for folder in ("a", "b"):
        result = runner.invoke(app, ["generate", "--out", str(tmp_path / folder), "--products", "6",
                                     "--sites", "3", "--periods", "8", "--seed", "3"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a/model.yaml").read_text() == (tmp_path / "b/model.yaml").read_text()
    assert (tmp_path / "a/demand.csv").read_text() == (tmp_path / "b/demand.csv").read_text()
    solved = runner.invoke(app, ["solve", str(tmp_path / "a/model.yaml")])
    assert solved.exit_code == 0, solved.output
    missing = runner.invoke(app, ["generate", "--out", str(tmp_path / "c"), "--products", "6"])
    assert missing.exit_code == 2
