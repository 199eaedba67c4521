"""Runs every ``sopopt ...`` line of the README's code blocks, as written, in a copy of the
repository (see tests/test_readme.py); the session fixture ``readme_run`` of conftest
runs them once for every test that reads what they wrote (the README test, and the
browser test that prints the README's report)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class ReadmeRun:
    """The copy the README's commands ran in, each command's expected exit code and what
    each one did (``command``, ``code``, ``stderr``)."""

    copy: Path
    expected: dict[str, int]
    records: list[dict]
    output: str


def run_readme(copy: Path) -> ReadmeRun:
    """Copy the shipped files into ``copy`` and run the README's commands there, in order,
    in one process."""
    for name in ("scenarios", "models", "sweeps"):
        shutil.copytree(ROOT / name, copy / name)
    shutil.copytree(ROOT / "tests" / "infeasible", copy / "tests" / "infeasible")
    shutil.copy(ROOT / "README.md", copy / "README.md")
    expected = dict(readme_commands((copy / "README.md").read_text(encoding="utf-8")))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    run = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(list(expected)),
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    records = [json.loads(line) for line in run.stderr.splitlines() if line.startswith('{"command"')]
    return ReadmeRun(copy, expected, records, run.stderr[-2000:])
