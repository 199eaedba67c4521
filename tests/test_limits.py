"""Bounded resources: file size, YAML nesting depth and alias expansion are limited, the
checks run while composing (before any value is built), and going beyond a limit is an
input error at file and line (exit 2), never a hang or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.errors import ScenarioError
from sopopt.inputs.generate import size_for_variables, write_instance
from sopopt.io import limits, yaml_schema
from sopopt.io import reader as loading
from tests.conftest import TINY_MODEL

runner = CliRunner()


def _bomb(levels: int = 9) -> str:
    """A billion-laughs document: each level is a list of ten aliases of the one before."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_its_line_without_hanging(workspace) -> None:
    """Used to hang ``validate``: the aliases expand to 10^10 values."""
    root = workspace({"bomb.yaml": _bomb()})
    result = runner.invoke(app, ["validate", str(root / "bomb.yaml")])
    assert result.exit_code == 2
    # Line 6 (a5, ten aliases of a4's 111,111 values) takes the total past 1,000,000.
    assert "bomb.yaml:6:" in result.stderr
    assert "aliases expand to more than 1,000,000 values" in result.stderr
    assert "Traceback" not in result.output


def test_deep_nesting_is_refused_at_its_line_not_a_recursion_error(workspace) -> None:
    """5,000 nested brackets used to end in a RecursionError traceback."""
    root = workspace({"deep.yaml": "name: x\nperiods: " + "[" * 5000 + "]" * 5000 + "\n"})
    result = runner.invoke(app, ["validate", str(root / "deep.yaml")])
    assert result.exit_code == 2
    assert f"deep.yaml:2:{10 + limits.MAX_DEPTH - 1}: nested more than {limits.MAX_DEPTH} levels deep" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_alias_inside_its_own_value_is_refused(workspace) -> None:
    root = workspace({"loop.yaml": "name: x\nperiods: &p {labels: [a, *p]}\n"})
    with pytest.raises(ScenarioError, match=r"loop\.yaml:2:26: alias '\*p' refers to a value that contains it"):
        sopopt.load_case(root / "loop.yaml")


def test_ordinary_aliases_and_merge_keys_stay_within_the_limits(workspace) -> None:
    products = "\n".join(f"  p{i}:\n    <<: *defaults\n    production_cost: {10 + i}" for i in range(200))
    model = TINY_MODEL.replace("products:\n", "defaults: &defaults {family: tools, holding_cost: 1}\nproducts:\n")
    root = workspace({"m.yaml": model})
    data, _ = loading.read_yaml(root / "m.yaml")
    assert data["products"]["widget"]["holding_cost"] == 1
    (root / "many.yaml").write_text(f"base: &defaults {{a: 1, b: [1, 2, 3]}}\nproducts:\n{products}\n")
    data, _ = loading.read_yaml(root / "many.yaml")
    assert data["products"]["p199"] == {"a": 1, "b": [1, 2, 3], "production_cost": 209}


@pytest.mark.parametrize("kind", ["yaml", "csv"])
def test_files_over_the_size_limit_are_refused_at_the_line_naming_them(
    workspace, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(loading, "MAX_YAML_BYTES", 4096)
    monkeypatch.setattr(loading, "MAX_TABLE_BYTES", 4096)
    table = "product,site,1,2,3\n" + "widget,plant,50,150,100\n" * 300
    model = TINY_MODEL[: TINY_MODEL.index("demand:")] + "demand: {file: demand.csv}\n"
    if kind == "yaml":
        model += "# padding\n" * 500
    root = workspace({"m.yaml": model, "demand.csv": table})
    with pytest.raises(ScenarioError) as caught:
        sopopt.load_case(root / "m.yaml")
    text = str(caught.value)
    if kind == "yaml":
        assert "m.yaml: the file is larger than the 4 KiB limit" in text
    else:
        assert "m.yaml:17:10: demand.file: 'demand.csv' is larger than the 4 KiB limit" in text


def test_a_fifo_is_refused_without_being_opened(workspace) -> None:
    import os

    root = workspace({"s.yaml": "extend: pipe.yaml\nmodel: m.yaml\n", "m.yaml": TINY_MODEL})
    os.mkfifo(root / "pipe.yaml")
    with pytest.raises(ScenarioError, match=r"s\.yaml:1:1: extend: 'pipe\.yaml' is not a regular file"):
        sopopt.load_case(root / "s.yaml")


def test_the_limits_hold_what_generate_writes_for_a_million_variables(tmp_path: Path) -> None:
    """``sopopt generate --variables 1e6`` writes files far inside every limit."""
    products, sites, periods = size_for_variables(1e6)
    path = write_instance(tmp_path, products, sites, periods, seed=0)
    assert path.stat().st_size * 10 < limits.MAX_YAML_BYTES
    assert (tmp_path / "demand.csv").stat().st_size * 10 < limits.MAX_TABLE_BYTES
    composer = yaml_schema.FastLoader(path.read_text())
    composer.get_single_node()
    assert 3 <= composer._deepest and composer._deepest * 5 < limits.MAX_DEPTH
    assert composer._alias_nodes * 1000 < limits.MAX_ALIAS_NODES


def test_the_limits_are_documented() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "format.md").read_text()
    for needle in ("64 MiB", "256 MiB", f"{limits.MAX_DEPTH} levels", "1,000,000 values"):
        assert needle in text
