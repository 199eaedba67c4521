"""Every command that takes ``--out`` writes through the one writer (issue 21): a user's
folder is never replaced, a folder output is never written over a file, a read-only place
and a full disk end in one line and exit 5, and nothing of the user's changes.

The commands come from the CLI's own registry (typer's click group), so a new command
with ``--out`` is walked too: it fails :func:`test_every_out_command_has_a_sample` until
it gets a sample invocation below. All runs are in-process; the full disk and (as root,
where permissions do not stop a write) the read-only folder are simulated by the
writer's fault hook.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sopopt.cli import app
from sopopt.io import writer
from tests.conftest import TINY_MODEL

runner = CliRunner()

SURGE = "model: tiny.yaml\nname: surge\nadjust:\n  - {target: demand, multiply: 0.8}\n"
GRID = "name: grid\nbase: surge.yaml\ngrid:\n  demand: {target: demand, multiply: [0.9, 1.0]}\n"


@dataclass(frozen=True)
class Sample:
    """How to run a command without its ``--out``, and what ``--out`` names."""

    args: tuple[str, ...]
    folder: bool  # --out is a folder (written whole) rather than a file
    writes: str  # a file the command writes (a user's folder may hold one of that name)


#: One working invocation per command that takes --out (``{case}``: a sweep case id).
SAMPLES: dict[str, Sample] = {
    "solve": Sample(("solve", "tiny.yaml", "-q"), True, "run.json"),
    "generate": Sample(("generate", "--products", "2", "--sites", "2", "--periods", "3"), True, "model.yaml"),
    "schema": Sample(("schema",), False, "schema.json"),
    "compare": Sample(("compare", "previous", "surge.yaml"), True, "comparison.csv"),
    "report": Sample(("report", "previous"), False, "report.html"),
    "hedge": Sample(("hedge", "tiny.yaml", "surge.yaml", "-q"), True, "commitment.csv"),
    "sweep": Sample(("sweep", "grid.yaml", "--case", "{case}"), True, "run.json"),
    "replan": Sample(("replan", "previous", "tiny.yaml", "--freeze", "1"), True, "changes.csv"),
    "risk": Sample(("risk", "tiny.yaml", "--samples", "20", "--demand-cv", "0.1"), True, "risk.csv"),
    "frontier": Sample(("frontier", "tiny.yaml", "--measure", "units", "--from", "200", "--to", "400", "--step",
                        "100", "-q"), True, "frontier.csv"),
}


def out_commands() -> dict[str, typer.core.TyperCommand]:
    """Every command of the CLI that has an ``--out`` option, from the app's registry."""
    group = typer.main.get_command(app)
    return {name: command for name, command in group.commands.items()  # type: ignore[attr-defined]
            if any("--out" in param.opts for param in command.params)}


def test_every_out_command_has_a_sample() -> None:
    commands = out_commands()
    assert {"solve", "compare", "hedge", "replan", "report"} <= set(commands)
    assert set(commands) == set(SAMPLES), "give each command with --out a sample invocation in SAMPLES"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the tiny model, a surge scenario, a sweep and a previous plan."""
    from sopopt.analysis.sweep_cases import load_sweep

    folder = tmp_path_factory.mktemp("outputs")
    (folder / "tiny.yaml").write_text(TINY_MODEL)
    (folder / "surge.yaml").write_text(SURGE)
    (folder / "grid.yaml").write_text(GRID)
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        assert runner.invoke(app, ["solve", "tiny.yaml", "-q", "--out", "previous"]).exit_code == 0
        (folder / "case_id").write_text(load_sweep("grid.yaml").cases[0].case_id)
    finally:
        os.chdir(cwd)
    return folder


@pytest.fixture
def here(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder holding links to the shared workspace's inputs; the test runs in it."""
    for name in ("tiny.yaml", "surge.yaml", "grid.yaml", "previous", "case_id"):
        (tmp_path / name).symlink_to(root / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(command: str, out: Path | str):
    case = (Path.cwd() / "case_id").resolve().read_text() if command == "sweep" else ""
    args = [a.replace("{case}", case) for a in SAMPLES[command].args]
    return runner.invoke(app, [*args, "--out", str(out)])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (hidden files included)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 5, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(SAMPLES))
def test_a_users_folder_with_a_file_of_the_same_name_is_kept(command: str, here: Path) -> None:
    sample = SAMPLES[command]
    mine = here / "mine"
    mine.mkdir()
    (mine / sample.writes).write_text("the user's own file\n")
    (mine / "notes.txt").write_text("keep\n")
    before = snapshot(here)
    result = run(command, mine)
    one_line_error(result, "mine")
    assert snapshot(here) == before


@pytest.mark.parametrize("command", sorted(SAMPLES))
def test_an_existing_file(command: str, here: Path) -> None:
    target = here / "taken"
    target.write_text("keep me\n")
    result = run(command, target)
    if SAMPLES[command].folder:
        one_line_error(result, "taken", "it is a file, not a folder")
        assert target.read_text() == "keep me\n"
    else:  # a file output replaces the file it is given, whole
        assert result.exit_code == 0, result.output
        assert target.read_text() != "keep me\n" and target.stat().st_size > 100
    assert sorted(p.name for p in here.iterdir() if p.name.startswith(".taken")) == []


@pytest.mark.parametrize("command", sorted(SAMPLES))
def test_a_read_only_folder(command: str, here: Path) -> None:
    place = here / "locked"
    place.mkdir()
    place.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root writes anyway: simulate what the folder would refuse
            with writer.fault(errno.EACCES):
                result = run(command, place / "out")
        else:
            result = run(command, place / "out")
    finally:
        place.chmod(0o755)
    one_line_error(result, "permission denied")
    assert list(place.iterdir()) == []


@pytest.mark.parametrize("command", sorted(SAMPLES))
def test_a_full_disk_leaves_the_previous_output_whole(command: str, here: Path) -> None:
    previous = here / "result"
    if SAMPLES[command].folder:  # a folder sopopt wrote earlier (its marker), to be replaced whole
        previous.mkdir()
        (previous / writer.MARKER).write_text("{}\n")
        (previous / SAMPLES[command].writes).write_text("from an earlier run\n")
    else:
        previous.write_text("from an earlier run\n")
    before = snapshot(here)
    with writer.fault(errno.ENOSPC):
        result = run(command, "result")
    one_line_error(result, "result", "no space left on the device (disk full)")
    assert snapshot(here) == before
    assert [p.name for p in here.iterdir() if p.name.startswith(".result") and not p.name.endswith(".lock")] == []


# ---------------------------------------------------------------- --store targets (issue 22)

#: One working invocation per command that takes --store.
STORE_SAMPLES: dict[str, tuple[str, ...]] = {
    "solve": ("solve", "tiny.yaml", "-q"),
    "sweep": ("sweep", "grid.yaml", "-q", "--workers", "1"),
    "risk": ("risk", "tiny.yaml", "--samples", "20", "--demand-cv", "0.1"),
    "frontier": ("frontier", "tiny.yaml", "--measure", "units", "--from", "200", "--to", "400", "--step", "100",
                 "-q", "--out", "frontier_out"),
    "report": ("report", "previous", "--cycle", "c1", "--out", "report.html"),
}
#: Commands that only read their --store: a missing one is refused (exit 2), never created.
READ_STORES = {"report"}


def store_commands() -> set[str]:
    """Every command of the CLI that has a ``--store`` option, from the app's registry."""
    group = typer.main.get_command(app)
    return {name for name, command in group.commands.items()  # type: ignore[attr-defined]
            if any("--store" in param.opts for param in command.params)}


def test_every_store_command_has_a_sample() -> None:
    assert store_commands() == set(STORE_SAMPLES), "give each command with --store a sample in STORE_SAMPLES"


@pytest.mark.parametrize("kind", ["csv", "json", "empty", "folder"])
@pytest.mark.parametrize("command", sorted(STORE_SAMPLES))
def test_a_store_that_is_a_users_file_is_refused_and_kept(command: str, kind: str, here: Path) -> None:
    target = here / f"results.{kind}"
    content = {"csv": "=cmd|' /C calc'!A0,b\n1,2\n", "json": '{"a": 1}\n', "empty": ""}.get(kind)
    if content is None:
        target.mkdir()
    else:
        target.write_text(content)
    result = runner.invoke(app, [*STORE_SAMPLES[command], "--store", str(target)])
    assert result.exit_code == 2, result.output
    assert f"results.{kind}" in " ".join(result.stderr.split()) and "Traceback" not in result.output
    if content is not None:
        assert target.read_text() == content


@pytest.mark.parametrize(("code", "reason"), [(errno.ENOSPC, "no space left on the device (disk full)"),
                                              (errno.EACCES, "permission denied")])
@pytest.mark.parametrize("command", sorted(set(STORE_SAMPLES) - READ_STORES))
def test_a_store_on_a_full_disk_or_read_only_place(command: str, code: int, reason: str, here: Path) -> None:
    with writer.fault(code):
        result = runner.invoke(app, [*STORE_SAMPLES[command], "--store", "s.duckdb"])
    one_line_error(result, "s.duckdb", reason)
    assert not (here / "s.duckdb").exists()


@pytest.mark.parametrize("command", sorted(READ_STORES))
def test_a_store_read_only_is_never_created(command: str, here: Path) -> None:
    result = runner.invoke(app, [*STORE_SAMPLES[command], "--store", "s.duckdb"])
    assert result.exit_code == 2, result.output
    assert "s.duckdb: no such results store" in " ".join(result.stderr.split()) and "Traceback" not in result.output
    assert not (here / "s.duckdb").exists() and not (here / "report.html").exists()
