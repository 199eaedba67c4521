"""The workspace: files named inside a scenario (extend, model, tables) must lie in it.

The workspace is the current directory when the scenario given lies below it, else the
scenario's folder; ``--workspace DIR`` (API: ``load_case(path, workspace=...)``) sets it.
A refused file is never opened, and no message quotes a line of it.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.errors import ScenarioError
from tests.conftest import TINY_MODEL

runner = CliRunner()

#: A file outside the workspace that parses as a YAML mapping and as a CSV table.
SECRET = "period,secret_token\nhunter2,swordfish\nline three: private\n"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A workspace ``ws/`` (the current folder) and a secret file beside it, outside."""
    ws = _tree(tmp_path / "ws", {"models/tiny.yaml": TINY_MODEL})
    secret = tmp_path / "private" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    monkeypatch.chdir(ws)
    return ws, secret


def _tiny_with(replacement: str) -> str:
    """The tiny model with its demand replaced by ``replacement`` (one YAML line)."""
    head = TINY_MODEL[: TINY_MODEL.index("demand:")]
    return head + replacement + "\n"


def _validate(path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(path), *args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def _no_line_of(text: str, output: str) -> None:
    for line in text.splitlines():
        if line.strip():
            assert line.strip() not in output


REFUSALS = {
    # name: (scenario file text, line of the reference)
    "extend": ("extend: ../private/secret.yaml\nmodel: models/tiny.yaml\n", 1),
    "model": ("name: s\nmodel: ../private/secret.yaml\n", 2),
    "demand table": (None, 17),
    "series table": (None, 15),
}


def _scenario(ws: Path, kind: str) -> tuple[Path, int]:
    text, line = REFUSALS[kind]
    if kind == "demand table":
        (ws / "models" / "bad.yaml").write_text(_tiny_with("demand: {file: ../../private/secret.yaml}"))
        return ws / "models" / "bad.yaml", line
    if kind == "series table":
        model = TINY_MODEL.replace("hours: 100", "hours: {file: ../../private/secret.yaml, column: secret_token}")
        (ws / "models" / "bad.yaml").write_text(model)
        return ws / "models" / "bad.yaml", line
    (ws / "s.yaml").write_text(text)
    return ws / "s.yaml", line


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_a_file_outside_the_workspace_is_refused_at_file_and_line(split: tuple[Path, Path], kind: str) -> None:
    ws, _ = split
    scenario, line = _scenario(ws, kind)
    with pytest.raises(ScenarioError) as caught:
        sopopt.load_case(scenario)
    (problem,) = caught.value.problems
    assert problem.location is not None
    assert (problem.location.file, problem.location.line) == (str(scenario.relative_to(ws)), line)
    assert f"is outside the workspace '{ws}'" in problem.message
    assert "private/secret.yaml" in problem.message
    code, output = _validate(scenario)
    assert code == 2
    assert f"{scenario.relative_to(ws)}:{line}" in output
    _no_line_of(SECRET, output)
    assert "Traceback" not in output


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_a_symlink_leading_outside_is_refused_and_never_quoted(split: tuple[Path, Path], kind: str) -> None:
    ws, secret = split
    (ws / "inside.yaml").symlink_to(secret)
    scenario, line = _scenario(ws, kind)
    text = scenario.read_text().replace("../../private/secret.yaml", "../inside.yaml")
    scenario.write_text(text.replace("../private/secret.yaml", "inside.yaml"))
    code, output = _validate(scenario)
    assert code == 2
    assert f"{scenario.relative_to(ws)}:{line}" in output
    assert f"a link to '{secret}'" in output
    _no_line_of(SECRET, output)


def test_extend_to_a_system_file_is_refused(split: tuple[Path, Path]) -> None:
    ws, _ = split
    (ws / "s.yaml").write_text("extend: /proc/meminfo\nmodel: models/tiny.yaml\n")
    code, output = _validate(ws / "s.yaml")
    assert code == 2
    assert "s.yaml:1:1: extend: '/proc/meminfo' is outside the workspace" in output
    assert "MemTotal" not in output


def test_workspace_is_the_current_folder_when_the_scenario_is_below_it(
    workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace({"models/tiny.yaml": TINY_MODEL, "scenarios/s.yaml": "model: ../models/tiny.yaml\n"})
    case = sopopt.load_case("scenarios/s.yaml")
    assert case.workspace == root.resolve()
    elsewhere = tmp_path.parent / f"{tmp_path.name}_elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # Not below the current folder: the scenario's own folder is the workspace.
    with pytest.raises(ScenarioError, match=r"'\.\./models/tiny\.yaml' is outside the workspace '.*/scenarios'"):
        sopopt.load_case(root / "scenarios" / "s.yaml")
    # Given explicitly, it is used as is.
    case = sopopt.load_case(root / "scenarios" / "s.yaml", workspace=root)
    assert case.workspace == root.resolve()
    assert case.network.name == "s"  # named after the scenario file
    code, output = _validate(root / "scenarios" / "s.yaml", "--workspace", str(root))
    assert code == 0, output
    code, output = _validate(root / "scenarios" / "s.yaml", "--workspace", str(root / "scenarios"))
    assert code == 2
    assert "s.yaml:1:1: model:" in output


def test_the_scenario_itself_is_the_users_choice(split: tuple[Path, Path], tmp_path: Path) -> None:
    """A scenario outside the workspace given on the command line is read; what it names
    must still lie inside the workspace."""
    ws, _ = split
    outside = _tree(tmp_path / "other", {"m.yaml": TINY_MODEL})
    case = sopopt.load_case(outside / "m.yaml", workspace=ws)
    assert case.network.name == "tiny"


def test_a_missing_workspace_is_an_input_error(split: tuple[Path, Path]) -> None:
    ws, _ = split
    with pytest.raises(ScenarioError, match="the workspace must be an existing folder"):
        sopopt.load_case(ws / "models" / "tiny.yaml", workspace=ws / "nope")


def test_a_table_without_the_column_does_not_echo_its_header(workspace) -> None:
    root = workspace({
        "models/m.yaml": TINY_MODEL.replace("hours: 100", "hours: {file: notes.csv, column: line}"),
        "models/notes.csv": "api_key=abc123,other\n1,2\n",
    })
    code, output = _validate(root / "models" / "m.yaml")
    assert code == 2
    assert "notes.csv:1: resources.line.hours: table has no column 'period'" in output
    assert "abc123" not in output


def test_a_table_without_the_row_does_not_echo_its_first_column(workspace) -> None:
    root = workspace({
        "models/m.yaml": TINY_MODEL.replace("hours: 100", "hours: {file: notes.csv, row: line}"),
        "models/notes.csv": "api_key=abc123,other\n1,2\n",
    })
    code, output = _validate(root / "models" / "m.yaml")
    assert code == 2
    assert "notes.csv:1: resources.line.hours: no row named 'line' in the first column" in output
    assert "abc123" not in output


def test_readme_quickstart_still_works_from_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(repo)
    code, output = _validate(Path("scenarios/base.yaml"))
    assert code == 0, output
    assert sopopt.load_case("scenarios/promotion.yaml").workspace == repo
    assert os.path.samefile(sopopt.load_case(repo / "scenarios" / "surge.yaml").workspace, repo)
