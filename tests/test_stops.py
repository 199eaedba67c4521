"""Long solves from the command line: live progress on a terminal, Ctrl-C and SIGTERM,
whole result folders.

One generated case that takes about 10 s to solve on one thread (interior point) is
solved once per session, uninterrupted and under a pseudo-terminal: its transcript is
the progress test, its iteration count the yardstick of the interrupted runs, and its
result folder the "previous result" they must leave whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")

ROOT = Path(__file__).resolve().parents[1]
#: LP columns of the slow case: about 10 s uninterrupted with one thread.
SLOW_SIZE = "1e5"


@dataclass
class Run:
    """A finished ``sopopt`` process: exit code, output streams and wall time."""

    code: int
    stdout: str
    stderr: str
    seconds: float


def _env() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "120", "PYTHONPATH": str(ROOT)}
    env.pop("NO_COLOR", None)
    return env


def run_sopopt(*args: str | Path, terminal: bool = False, stop: int | None = None, stop_after: float = 2.0,
               timeout: float = 30.0) -> Run:
    """Run ``python -m sopopt ARGS``; with ``terminal`` its stderr is a pseudo-terminal;
    with ``stop``, that signal is sent ``stop_after`` seconds after the start, once the
    solver is running (seen on the terminal) when ``terminal`` is set."""
    master, slave = pty.openpty() if terminal else (None, None)
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "sopopt", *map(str, args)], cwd=ROOT, env=_env(),
                               stdout=subprocess.PIPE, stderr=slave if terminal else subprocess.PIPE)
    transcript = b""
    if terminal:
        os.close(slave)
    while process.poll() is None:
        if time.monotonic() - start > timeout:
            process.kill()
            pytest.fail(f"sopopt {' '.join(map(str, args))} took over {timeout} s")
        if terminal:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    transcript += os.read(master, 65536)
                except OSError:  # the terminal closed
                    pass
        else:
            time.sleep(0.05)
        solving = not terminal or re.search(rb"presolve|interior point|simplex", transcript)
        if stop is not None and solving and time.monotonic() - start >= stop_after:
            process.send_signal(stop)
            stop = None
    stdout, stderr = process.communicate()
    if terminal:
        while select.select([master], [], [], 0.05)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            transcript += chunk
        os.close(master)
        stderr = transcript
    return Run(process.returncode, stdout.decode(), stderr.decode(errors="replace"), time.monotonic() - start)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of a folder and its hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def leftovers(parent: Path) -> list[str]:
    """Temporary files and half-swapped folders left in a folder tree."""
    return [str(p) for p in parent.rglob("*") if p.name.endswith(".tmp") or ".new-" in p.name or ".old-" in p.name]


@dataclass
class SlowCase:
    """The slow case, solved once without interruption into ``out``."""

    model: Path
    out: Path
    run: Run
    iterations: int


@pytest.fixture(scope="session")
def slow(tmp_path_factory: pytest.TempPathFactory) -> SlowCase:
    folder = tmp_path_factory.mktemp("slow")
    generated = run_sopopt("generate", "--variables", SLOW_SIZE, "--out", folder / "case")
    assert generated.code == 0, generated.stderr
    out = folder / "result"
    run = run_sopopt("solve", folder / "case" / "model.yaml", "--threads", "1", "--out", out, terminal=True,
                     timeout=120)
    assert run.code == 0, run.stderr
    info = json.loads((out / "run.json").read_text())["solver"]
    return SlowCase(folder / "case" / "model.yaml", out, run, info["ipm_iterations"] + info["simplex_iterations"])


def test_a_terminal_sees_live_progress_with_rising_iterations(slow: SlowCase) -> None:
    transcript = slow.run.stderr
    iterations = [int(n.replace(",", "")) for n in re.findall(r"iter ([\d,]+)", transcript)]
    rising = [n for i, n in enumerate(iterations) if i == 0 or n > iterations[i - 1]]
    assert len(rising) >= 3, transcript[-2000:]
    assert "interior point" in transcript and "LP 40," in transcript
    # the result comes after the progress, on stdout; the status line is gone by then
    assert "status optimal" in slow.run.stdout
    assert transcript.rstrip().endswith("\x1b[2K")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_solver_promptly_and_keeps_the_previous_result(slow: SlowCase, sig: int, code: int) -> None:
    before = snapshot(slow.out)
    run = run_sopopt("solve", slow.model, "--threads", "1", "--out", slow.out, terminal=True, stop=sig)
    assert run.code == code, run.stderr
    message = [line for line in run.stderr.replace("\r", "\n").splitlines() if "interrupted" in line]
    assert len(message) == 1, run.stderr
    assert f"interrupted by {signal.Signals(sig).name}" in message[0]
    assert "status interrupted" in message[0] and "left as it was" in message[0]
    stopped_at = int(re.search(r"(\d+) iterations", message[0])[1])  # type: ignore[index]
    assert stopped_at < slow.iterations
    assert snapshot(slow.out) == before
    assert leftovers(slow.out.parent) == []
    assert run.stdout == ""  # no summary of a plan that does not exist
