"""Every ``sopopt ...`` command in the README's code blocks runs as written, in a copy of
the repository, in the order the README gives them (the re-plan reads the folder the
first solve wrote). A command whose shown output opens with ``no plan`` must exit 3,
every other 0; a line marked ``needs a cluster`` is skipped."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_MARKER = "needs a cluster"


def readme_commands(text: str) -> list[tuple[str, int]]:
    """``(command, expected exit code)`` for each ``sopopt`` line of the code blocks:
    continuation lines joined, a ``$ `` prompt or a ``... && `` prefix dropped."""
    commands: list[tuple[str, int]] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        lines = block.replace("\\\n", " ").splitlines()
        for i, line in enumerate(lines):
            start = line.find("sopopt ")
            if start < 0 or SKIP_MARKER in line:
                continue
            head = line[:start].strip()
            if head not in ("", "$") and not head.endswith("&&"):
                continue  # mentioned inside a sentence or a YAML comment, not a command
            if line.lstrip().startswith("#"):
                continue
            command = line[start:].split("  #", 1)[0].strip()
            shown = lines[i + 1] if i + 1 < len(lines) else ""
            commands.append((command, 3 if ": no plan:" in shown else 0))
    return commands


def test_the_readme_lists_the_commands_it_shows() -> None:
    commands = [c for c, _ in readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))]
    verbs = {c.split()[1] for c in commands}
    assert {"solve", "report", "compare", "hedge", "replan", "sweep", "store"} <= verbs
    assert not any("duckdb results.duckdb" in c for c in commands)  # no separate DuckDB program


@pytest.fixture(scope="module")
def repository_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("repo")
    for name in ("scenarios", "models", "sweeps"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copytree(ROOT / "tests" / "infeasible", copy / "tests" / "infeasible")
    shutil.copy(ROOT / "README.md", copy / "README.md")
    return copy


def test_every_readme_command_runs_as_written(repository_copy: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    failures = []
    for command, expected in readme_commands((repository_copy / "README.md").read_text(encoding="utf-8")):
        args = shlex.split(command)[1:]
        run = subprocess.run([sys.executable, "-m", "sopopt", *args, *(["-q"] if args[0] == "solve" else [])],
                             cwd=repository_copy, env=env, capture_output=True, text=True, timeout=300)
        if run.returncode != expected or "Traceback" in run.stderr:
            failures.append((command, run.returncode, run.stderr[-500:]))
    assert failures == []
    assert (repository_copy / "out" / "replan" / "changes.csv").is_file()
    assert (repository_copy / "report.html").is_file() and (repository_copy / "results.duckdb").is_file()
