"""Long solves from the command line: live progress on a terminal, Ctrl-C and SIGTERM,
whole result folders.

One generated case that takes about 3 s to solve on one thread (interior point, some 40
iterations) is solved once per session, uninterrupted and under a pseudo-terminal: its
transcript is the progress test, its iteration count the yardstick of the interrupted
runs (stopped once the terminal shows iterations), and its result folder the "previous
result" they must leave whole.
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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.errors import OutputError
from sopopt.results.folders import read_plan, write_outputs

pty = pytest.importorskip("pty")

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
#: LP columns of the slow case: about 3 s of interior point with one thread.
SLOW_SIZE = "3e4"
#: How the slow case is solved: one thread, interior point (iterations to count).
SLOW_SOLVE = ("--threads", "1", "--method", "ipm")


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


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_sopopt(*args: str | Path, terminal: bool = False, stop: int | None = None, stop_after: float = 0.5,
               timeout: float = 30.0) -> Run:
    """Run ``python -m sopopt ARGS``; with ``terminal`` its stderr is a pseudo-terminal;
    with ``stop``, that signal is sent ``stop_after`` seconds after the start, once the
    solver is iterating (an iteration count seen on the terminal) when ``terminal`` is set."""
    master, slave = pty.openpty() if terminal else (None, None)
    start = time.monotonic()
    # A test run started in the background inherits SIGINT ignored (as sopopt then keeps
    # it): give the child the default handling a terminal would.
    process = subprocess.Popen([sys.executable, "-m", "sopopt", *map(str, args)], cwd=ROOT, env=_env(),
                               stdout=subprocess.PIPE, stderr=slave if terminal else subprocess.PIPE,
                               preexec_fn=_default_signals)
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
        solving = not terminal or re.search(rb"iter \d", transcript)
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
    # generous: about 5 s alone with start-up, much longer on a machine busy with other work
    run = run_sopopt("solve", folder / "case" / "model.yaml", *SLOW_SOLVE, "--out", out, terminal=True,
                     timeout=600)
    assert run.code == 0, run.stderr
    info = json.loads((out / "run.json").read_text())["solver"]
    return SlowCase(folder / "case" / "model.yaml", out, run, info["ipm_iterations"] + info["simplex_iterations"])


def test_a_terminal_sees_live_progress_with_rising_iterations(slow: SlowCase) -> None:
    transcript = slow.run.stderr
    iterations = [int(n.replace(",", "")) for n in re.findall(r"iter ([\d,]+)", transcript)]
    rising = [n for i, n in enumerate(iterations) if i == 0 or n > iterations[i - 1]]
    assert len(rising) >= 3, transcript[-2000:]
    size = json.loads((slow.out / "run.json").read_text())["solver"]
    assert "interior point" in transcript and f"LP {size['rows']:,}x{size['columns']:,}" in transcript
    # the result comes after the progress, on stdout; the status line is erased by then
    assert "status optimal" in slow.run.stdout
    assert "\x1b[2K" in transcript


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_solver_promptly_and_keeps_the_previous_result(slow: SlowCase, sig: int, code: int) -> None:
    before = snapshot(slow.out)
    run = run_sopopt("solve", slow.model, *SLOW_SOLVE, "--out", slow.out, terminal=True, stop=sig)
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


# --------------------------------------------------------------------------- whole result folders


def _plans(_root: Path) -> tuple[sopopt.Plan, sopopt.Plan]:
    base = sopopt.solve(ROOT / "scenarios" / "base.yaml")
    surge = sopopt.solve(ROOT / "scenarios" / "surge.yaml")
    return base, surge


def _from_one_run(folder: Path, references: dict[str, dict[str, str]]) -> str:
    """The name of the reference run whose files the folder holds exactly, else fail."""
    files = {name: digest for name, digest in snapshot(folder).items() if name != "run.json"}
    matches = [name for name, reference in references.items() if files == reference]
    assert len(matches) == 1, f"{folder} mixes runs: {sorted(files)}"
    run = json.loads((folder / "run.json").read_text())
    assert run["name"] == matches[0]
    return matches[0]


def test_concurrent_writers_take_turns_and_readers_never_see_a_mix(tmp_path: Path, tiny_path: Path) -> None:
    plans = _plans(tiny_path)
    references = {}
    for plan in plans:
        write_outputs(plan, tmp_path / "ref" / plan.name)
        references[plan.name] = {n: d for n, d in snapshot(tmp_path / "ref" / plan.name).items() if n != "run.json"}
    assert references[plans[0].name] != references[plans[1].name]
    target = tmp_path / "out"
    seen: list[str] = []
    errors: list[BaseException] = []

    def write(plan: sopopt.Plan) -> None:
        try:
            for _ in range(6):
                write_outputs(plan, target)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read() -> None:
        try:
            while any(w.is_alive() for w in writers):
                if target.exists():
                    seen.append(read_plan(target).name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(plan,)) for plan in plans]
    reader = threading.Thread(target=read)
    for thread in [*writers, reader]:
        thread.start()
    for thread in [*writers, reader]:
        thread.join(60)
    assert errors == []
    assert set(seen) <= set(references)
    assert _from_one_run(target, references) in references
    assert leftovers(tmp_path) == []


def test_two_solve_processes_into_one_folder_leave_one_whole_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    processes = [
        subprocess.Popen([sys.executable, "-m", "sopopt", "solve", str(ROOT / "scenarios" / name), "-q", "--out",
                          str(out)], cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for name in ("base.yaml", "surge.yaml")
    ]
    for process in processes:
        assert process.wait(60) == 0, process.stderr.read() if process.stderr else ""
    references = {}
    for plan in _plans(ROOT):
        write_outputs(plan, tmp_path / "ref" / plan.name)
        references[plan.name] = {n: d for n, d in snapshot(tmp_path / "ref" / plan.name).items() if n != "run.json"}
    _from_one_run(out, references)
    assert leftovers(tmp_path) == []


def test_a_folder_that_is_not_a_result_folder_is_never_replaced(tmp_path: Path, tiny_path: Path) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.md").write_text("years of work")
    result = runner.invoke(app, ["solve", str(tiny_path), "-q", "--out", str(precious)])
    assert result.exit_code == 5
    assert "status" not in result.stdout  # refused before solving
    message = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(message) == 1 and "not a sopopt result folder" in message[0]
    assert snapshot(precious) == {"chapter1.md": hashlib.sha256(b"years of work").hexdigest()}
    with pytest.raises(OutputError, match="not a sopopt result folder"):
        write_outputs(sopopt.solve(tiny_path), precious)
    # an empty folder holds nothing to lose: it is filled
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["solve", str(tiny_path), "-q", "--out", str(empty)]).exit_code == 0
    assert (empty / "run.json").is_file()


def test_no_plan_writes_run_json_only_and_says_so(tmp_path: Path, tiny_path: Path) -> None:
    infeasible = tmp_path / "m.yaml"
    infeasible.write_text(tiny_path.read_text().replace("hours: 100", "hours: 10"))
    out = tmp_path / "out"
    write_outputs(sopopt.solve(tiny_path), out)  # an older result with every table
    result = runner.invoke(app, ["solve", str(infeasible), "-q", "--out", str(out)])
    assert result.exit_code == 3
    assert "run.json only" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == [".sopopt", "run.json"]
    status = json.loads((out / "run.json").read_text())["status"]
    assert status in ("infeasible", "infeasible_or_unbounded")
    assert read_plan(out).status.value == status
