"""Every ``sopopt ...`` command in the README's code blocks runs as written, in a copy of
the repository, in the order the README gives them (the re-plan reads the folder the
first solve wrote). A command whose shown output opens with ``no plan`` must exit 3,
every other 0; a line marked ``needs a cluster`` is skipped.

The commands run one after the other in ONE fresh Python process, each through the
``sopopt`` script's own entry point (:func:`sopopt.cli.main`, with its signal and pipe
handling) and its own stderr: the package is imported once instead of once per line
(about 6 s a line on a loaded machine). A line the README shows twice (the quickstart's
solve and the same line above its output) runs once."""

from __future__ import annotations

import json
import os
import re
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


#: Runs the commands given as JSON on stdin, one by one in this process, and prints one
#: JSON record per command: its exit code and the end of its stderr.
DRIVER = """
import io, json, shlex, sys, traceback
from sopopt.cli import main
for command in json.load(sys.stdin):
    args = shlex.split(command)[1:]
    sys.argv = ["sopopt", *args, *(["-q"] if args[0] == "solve" else [])]
    err, sys.stderr = sys.stderr, io.StringIO()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = -1
    text, sys.stderr = sys.stderr.getvalue(), err
    print(json.dumps({"command": command, "code": code, "stderr": text[-500:]}), file=sys.__stderr__, flush=True)
"""


def test_every_readme_command_runs_as_written(repository_copy: Path) -> None:
    commands = dict(readme_commands((repository_copy / "README.md").read_text(encoding="utf-8")))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    run = subprocess.run([sys.executable, "-c", DRIVER], input=json.dumps(list(commands)), cwd=repository_copy,
                         env=env, capture_output=True, text=True, timeout=600)
    records = [json.loads(line) for line in run.stderr.splitlines() if line.startswith('{"command"')]
    assert [r["command"] for r in records] == list(commands), run.stderr[-2000:]
    failures = [(r["command"], r["code"], r["stderr"]) for r in records
                if r["code"] != commands[r["command"]] or "Traceback" in r["stderr"]]
    assert failures == []
    assert (repository_copy / "out" / "replan" / "changes.csv").is_file()
    assert (repository_copy / "report.html").is_file() and (repository_copy / "results.duckdb").is_file()
