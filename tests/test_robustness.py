"""The newer commands hold like ``solve`` does (issue 22): the results store, sweeps,
hedge, replan, compare and report under hostile or broken input, signals, full disks and
concurrent runs. Each test names the bullet of the issue's "Why" it covers; each of those
failed on the code before the change.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from sopopt.analysis.sweep import BATCH_CASES, sweep
from sopopt.analysis.sweep_cases import load_sweep
from sopopt.errors import Interrupted
from sopopt.io import writer
from sopopt.results.store import SCHEMA_VERSION, Store, StoreError
from tests.conftest import TINY_MODEL

runner = CliRunner()

LOW = "model: tiny.yaml\nname: low\nadjust:\n  - {target: demand, multiply: 0.8}\n"
GRID = "name: grid\nbase: low.yaml\ngrid:\n  level: {target: demand, multiply: [0.8, 0.9, 1.0]}\n"
#: Same base and axis name as GRID, another target: its cases are other cases.
OTHER = "name: grid\nbase: low.yaml\ngrid:\n  level: {target: resource_hours, resource: line, multiply: [0.8, 0.9, 1.0]}\n"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in {"tiny.yaml": TINY_MODEL, "low.yaml": LOW, "grid.yaml": GRID, "other.yaml": OTHER}.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    text = " ".join(result.stderr.split())
    for needle in needles:
        assert needle in text, text
    assert "Traceback" not in result.output
    return text


# ---------------------------------------------------------------- Why: silent loss of every result


@pytest.mark.parametrize("kind", ["csv", "json", "folder", "empty"])
@pytest.mark.parametrize("command", ["solve", "sweep"])
def test_a_store_that_is_not_a_duckdb_database_is_refused_before_anything_runs(ws: Path, kind: str,
                                                                               command: str) -> None:
    target = ws / f"results.{kind}"
    content = {"csv": "a,b\n1,2\n", "json": '{"a": 1}\n', "empty": ""}.get(kind)
    if content is None:
        target.mkdir()
    else:
        target.write_text(content)
    args = ["solve", "tiny.yaml", "-q"] if command == "solve" else ["sweep", "grid.yaml", "-q"]
    result = runner.invoke(app_(), [*args, "--store", str(target)])
    # typer refuses a folder for a dir_okay=False option itself (exit 2, one line)
    assert result.exit_code == 2, result.output
    assert "results." in result.stderr and "Traceback" not in result.output
    assert "Stored" not in result.stdout and "Results in" not in result.stdout
    if content is not None:
        assert target.read_text() == content


def app_():
    from sopopt.cli import app

    return app


# ---------------------------------------------------------------- Why: one sweep deletes another's results


def test_two_sweeps_with_an_axis_of_the_same_name_keep_their_own_cases(ws: Path) -> None:
    first, second = load_sweep("grid.yaml"), load_sweep("other.yaml")
    assert not {c.case_id for c in first.cases} & {c.case_id for c in second.cases}
    assert sweep(first, "s.duckdb", workers=1).solved == 3
    assert sweep(second, "s.duckdb", workers=1).solved == 3  # not "solved from other inputs"
    assert sweep(second, "s.duckdb", workers=1, restart=True).solved == 3
    with duckdb.connect("s.duckdb") as con:
        ids = {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}
    assert ids == {c.case_id for c in first.cases} | {c.case_id for c in second.cases}  # --restart kept the first


def test_a_case_id_covers_every_adjustment_in_full(ws: Path) -> None:
    (ws / "scoped.yaml").write_text(GRID.replace("{target: demand,", "{target: demand, product: widget,"))
    plain, scoped = load_sweep("grid.yaml"), load_sweep("scoped.yaml")
    assert [c.variation for c in plain.cases] == [c.variation for c in scoped.cases]
    assert not {c.case_id for c in plain.cases} & {c.case_id for c in scoped.cases}


# ---------------------------------------------------------------- Why: concurrent runs are dropped

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_a_store_held_by_another_process_is_waited_for(ws: Path) -> None:
    Store(ws / "s.duckdb").close()
    holder = _hold(ws / "s.duckdb", 1.5)
    try:
        result = runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--store", "s.duckdb", "--store-wait", "30"])
    finally:
        holder.wait(30)
    assert result.exit_code == 0, result.output
    assert "waiting for the results store s.duckdb" in result.stderr
    with Store(ws / "s.duckdb") as db:
        assert len(db.frame("SELECT * FROM runs")) == 1  # nothing lost


def test_a_store_still_busy_after_the_wait_is_one_line_exit_5(ws: Path) -> None:
    Store(ws / "s.duckdb").close()
    holder = _hold(ws / "s.duckdb", 20)
    try:
        result = runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb", "--store-wait", "0.5"])
    finally:
        holder.kill()
        holder.wait(10)
    one_line(result, 5, "s.duckdb", "store busy", "--store-wait")


# ---------------------------------------------------------------- Why: tracebacks (store, disk, cluster)


def test_a_store_of_the_old_layout_is_migrated_with_a_copy_kept(ws: Path) -> None:
    path = ws / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # as sopopt wrote it before the version was recorded
        con.execute("CREATE TABLE cases (case_id VARCHAR PRIMARY KEY, sweep VARCHAR, input_hash VARCHAR, "
                    "status VARCHAR, objective DOUBLE)")
        con.execute("INSERT INTO cases VALUES ('c1', 'grid', 'h', 'optimal', 12.5)")
    said: list[str] = []
    with Store(path, say=said.append) as db:
        assert db.version == SCHEMA_VERSION
        row = db.frame("SELECT case_id, objective, tolerance FROM cases").iloc[0]
        assert (row["case_id"], row["objective"]) == ("c1", 12.5) and row.isna()["tolerance"]
    assert len(said) == 1 and "migrated" in said[0] and "old.duckdb.v1.bak" in said[0]
    with duckdb.connect(str(ws / "old.duckdb.v1.bak")) as con:
        assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'sopopt_meta'"
                           ).fetchone() == (0,)
    with Store(path, say=said.append):
        assert len(said) == 1  # once only


def test_a_store_from_a_newer_sopopt_or_damaged_is_one_line(ws: Path) -> None:
    with Store(ws / "new.duckdb") as db:
        db.con.execute("UPDATE sopopt_meta SET value = '99'")
    with pytest.raises(StoreError, match="newer sopopt"):
        Store(ws / "new.duckdb")
    damaged = ws / "damaged.duckdb"
    with Store(damaged):
        pass
    data = damaged.read_bytes()
    damaged.write_bytes(data[:16] + b"\0" * 4096 + data[4112:8192])  # the magic stays, the rest is wrong
    result = runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--store", "damaged.duckdb"])
    assert result.exit_code in (2, 5), result.output
    assert "damaged.duckdb" in result.stderr and "Traceback" not in result.output


def test_a_full_disk_during_a_sweep_says_so_in_one_line(ws: Path) -> None:
    with writer.fault(errno.ENOSPC):
        result = runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb"])
    one_line(result, 5, "s.duckdb", "no space left on the device (disk full)")


def test_a_full_disk_while_storing_a_case_is_the_error_not_a_rollback(ws: Path) -> None:
    with Store(ws / "s.duckdb") as db:
        with writer.fault(errno.ENOSPC), pytest.raises(writer.OutputError, match="disk full"):
            db.add_case({"case_id": "x", "status": "optimal"})
        assert db.stored_cases() == {}


def test_a_scheduler_address_that_is_malformed_or_unreachable_is_one_line(ws: Path) -> None:
    result = runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb", "--scheduler", "nonsense"])
    one_line(result, 2, "--scheduler", "'nonsense' is not a Dask scheduler address")
    import socket

    with socket.socket() as silent:  # accepts and never answers: not a scheduler
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        free = socket.socket()
        free.bind(("127.0.0.1", 0))
        closed = free.getsockname()[1]
        free.close()
        start = time.monotonic()
        result = runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb", "--scheduler",
                                        f"tcp://127.0.0.1:{closed}", "--connect-timeout", "1"])
        one_line(result, 5, f"tcp://127.0.0.1:{closed}", "cannot reach the Dask scheduler")
        result = runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb", "--scheduler",
                                        f"tcp://127.0.0.1:{port}", "--connect-timeout", "1"])
        one_line(result, 5, f"tcp://127.0.0.1:{port}", "Dask scheduler")
        assert time.monotonic() - start < 15


# ---------------------------------------------------------------- Why: damaged result folders


@pytest.fixture
def folder(ws: Path) -> Path:
    assert runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--out", "res"]).exit_code == 0
    return ws / "res"


def _damage(folder: Path, how: str) -> str:
    run = json.loads((folder / "run.json").read_text())
    if how == "missing table":
        (folder / "plan.csv").unlink()
        return "plan.csv"
    if how == "wrong types":
        run["objective"], run["kpis"] = "cheap", ["x"]
        (folder / "run.json").write_text(json.dumps(run))
        return "objective"
    if how == "no status":
        del run["status"]
        (folder / "run.json").write_text(json.dumps(run))
        return "status"
    text = (folder / "run.json").read_text()
    (folder / "run.json").write_text(text[: len(text) // 2])  # truncated
    return "not valid JSON"


@pytest.mark.parametrize("how", ["missing table", "wrong types", "no status", "truncated"])
@pytest.mark.parametrize("command", ["compare", "report", "replan"])
def test_a_damaged_result_folder_is_one_line_naming_file_and_field(folder: Path, how: str, command: str) -> None:
    needle = _damage(folder, how)
    args = {"compare": ["compare", "res"], "report": ["report", "res", "--out", "r.html"],
            "replan": ["replan", "res", "tiny.yaml"]}[command]
    line = " ".join(runner.invoke(app_(), args).stderr.split())
    result = runner.invoke(app_(), args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "res/" in line and needle in line, line
    assert not (folder.parent / "r.html").exists()


# ---------------------------------------------------------------- Why: hangs on globs


def test_a_glob_leaving_the_workspace_is_refused_before_it_walks(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (ws / "far.yaml").write_text('name: far\nscenarios: ["../../../**/x.yaml"]\n')

    def no_walk(*args: object, **kwargs: object) -> None:
        raise AssertionError("walked")

    monkeypatch.setattr(os, "walk", no_walk)
    result = runner.invoke(app_(), ["sweep", "far.yaml", "--store", "s.duckdb"])
    assert result.exit_code == 2, result.output
    assert "far.yaml:2" in result.output and "is outside the workspace" in result.output


def test_a_symlink_out_of_the_workspace_is_not_followed(ws: Path) -> None:
    (ws / "sub").mkdir()
    (ws / "sub" / "low.yaml").write_text(LOW.replace("tiny.yaml", "../tiny.yaml"))
    (ws / "sub" / "root").symlink_to("/")  # walking it would take the whole filesystem
    (ws / "all.yaml").write_text('name: all\nscenarios: ["sub/**/*.yaml"]\n')
    start = time.monotonic()
    loaded = load_sweep("all.yaml")
    assert [c.scenario for c in loaded.cases] == ["sub/low.yaml"]
    assert time.monotonic() - start < 10


# ---------------------------------------------------------------- Why: signals


def test_sigterm_stops_a_sweep_with_143_and_workers_print_no_traceback(ws: Path, capfd) -> None:
    def stop(counts) -> None:
        if counts.done >= 1:
            raise Interrupted(signal.SIGTERM)

    result = sweep("grid.yaml", "s.duckdb", workers=2, progress=stop)
    assert result.interrupted and result.stop_code == 143
    time.sleep(0.5)
    assert "Traceback" not in capfd.readouterr().err
    rest = sweep("grid.yaml", "s.duckdb", workers=1)
    assert rest.skipped + rest.solved == 3 and rest.skipped == result.solved


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_stop_at_the_swap_and_its_message_agree(folder: Path, when: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old = json.loads((folder / "run.json").read_text())["objective"]
    (folder.parent / "tiny.yaml").write_text(TINY_MODEL.replace("production_cost: 10", "production_cost: 11"))
    monkeypatch.setitem(writer.SWAP_HOOKS, when, [lambda _: os.kill(os.getpid(), signal.SIGINT)])
    result = runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--out", "res"])
    assert result.exit_code == 130, result.output
    new = json.loads((folder / "run.json").read_text())["objective"]
    lines = [line for line in result.stderr.splitlines() if line.startswith("sopopt: interrupted")]
    assert len(lines) == 1 and "Traceback" not in result.output
    if when == "before":
        assert new == old and "res left as it was" in lines[0]
    else:
        assert new == pytest.approx(old + 300) and "the new result is in place" in lines[0]
    assert sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(".res")) == [".res.lock"]


def _stop_after_closing(prefix: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Send SIGINT from another thread in the instant after ``os.close`` closes a folder
    whose name starts with ``prefix`` (once): the stop lands where ``shutil.rmtree`` has
    closed a folder's descriptor but not yet noted it, as a real Ctrl-C can (HiGHS's
    threads receive it, the main thread acts on it at its next instruction)."""
    real_close, hits = os.close, []

    def close(fd: int) -> None:
        try:
            name = Path(os.readlink(f"/proc/self/fd/{fd}")).name
        except OSError:
            name = ""
        real_close(fd)
        if name.startswith(prefix) and not hits:
            hits.append(name)
            sender = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT))
            sender.start()
            sender.join()
            time.sleep(0.05)  # the main thread runs the handler at its next check, here or just after

    monkeypatch.setattr(os, "close", close)
    return hits


@pytest.mark.parametrize("when", ["cleaning up after a stop", "removing the old folder"])
def test_a_stop_while_a_folder_is_removed_is_a_stop_not_bad_file_descriptor(
        folder: Path, when: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: exit 5 "Bad file descriptor" (rmtree closed the descriptor again after the stop).
    old = json.loads((folder / "run.json").read_text())["objective"]
    (folder.parent / "tiny.yaml").write_text(TINY_MODEL.replace("production_cost: 10", "production_cost: 11"))
    if when == "cleaning up after a stop":  # a first Ctrl-C just before the swap, a second one in the clean-up
        monkeypatch.setitem(writer.SWAP_HOOKS, "before", [lambda _: os.kill(os.getpid(), signal.SIGINT)])
    hits = _stop_after_closing(".res.new-" if when == "cleaning up after a stop" else ".res.old-", monkeypatch)
    result = runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--out", "res"])
    assert hits, "the stop was not sent inside the folder's removal"
    assert result.exit_code == 130, result.output
    assert "Bad file descriptor" not in result.output and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("sopopt: interrupted")]
    new = json.loads((folder / "run.json").read_text())["objective"]
    if when == "cleaning up after a stop":
        assert new == old and len(lines) == 1 and "res left as it was" in lines[0]
    else:
        assert new == pytest.approx(old + 300) and len(lines) == 1 and "the new result is in place" in lines[0]
    assert sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(".res")) == [".res.lock"]


# ---------------------------------------------------------------- Why: the report's embedded data


def test_embedded_data_cannot_end_its_script_block(ws: Path) -> None:
    hostile = "<!--<script>"
    (ws / "tiny.yaml").write_text(TINY_MODEL.replace("widget", f'"{hostile}"'))
    result = runner.invoke(app_(), ["report", "tiny.yaml", "--out", "r.html"])
    assert result.exit_code == 0, result.output
    page = (ws / "r.html").read_text()
    start = page.index('id="explorer-data">') + len('id="explorer-data">')
    payload = page[start : page.index("</script>", start)]
    assert "<" not in payload and ">" not in payload and "&" not in payload
    assert hostile in json.dumps(json.loads(payload), ensure_ascii=False)


# ---------------------------------------------------------------- Why: smaller


def test_hedge_refuses_one_case(ws: Path) -> None:
    one_line(runner.invoke(app_(), ["hedge", "tiny.yaml", "-q"]), 2, "two or more demand cases, got 1")


def test_keep_on_a_resumed_store_warns(ws: Path) -> None:
    assert runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb"]).exit_code == 0
    result = runner.invoke(app_(), ["sweep", "grid.yaml", "-q", "--store", "s.duckdb", "--keep", "production"])
    assert result.exit_code == 0, result.output
    assert "warning: --keep production applies to the 0 cases solved now; the 3 already stored" in " ".join(
        result.stderr.split())


def test_a_plan_without_a_basis_is_optimal_within_the_tolerance(ws: Path) -> None:
    result = runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--method", "pdlp", "--out", "pd", "--store",
                                    "s.duckdb"])
    assert result.exit_code == 0, result.output
    assert "optimal within 1e-6" in result.stdout
    run = json.loads((ws / "pd" / "run.json").read_text())
    assert run["status"] == "optimal_within_tolerance" and run["solver"]["tolerance"] == 1e-6
    assert run["objective"] == pytest.approx(3050.0, rel=1e-6)
    with Store(ws / "s.duckdb") as db:
        assert db.frame("SELECT status, tolerance FROM runs").values.tolist() == [["optimal_within_tolerance", 1e-6]]
    simplex = runner.invoke(app_(), ["solve", "tiny.yaml", "-q", "--method", "simplex", "--out", "sx"])
    assert json.loads((ws / "sx" / "run.json").read_text())["status"] == "optimal" and simplex.exit_code == 0


# ---------------------------------------------------------------- SIGKILL at seeded moments, then resume

#: Sixteen cases: four kills after one to three finished cases each leave some for the
#: final resume.
KILL_GRID = ("name: kill\nbase: low.yaml\ngrid:\n  level: {target: demand, multiply: ["
             + ", ".join(f"{0.7 + 0.02 * i:.2f}" for i in range(24)) + "]}\n")

#: ``sopopt sweep`` (the CLI's own entry point) in a child interpreter that appends one
#: byte to argv[1] each time the sweep has taken in a finished case (into its batch, or
#: stored), and stores in batches of argv[2] cases (the shipped BATCH_CASES, or small
#: batches so that a kill can land in a commit of several cases).
KILL_CHILD = """\
import os, sys
import sopopt.analysis.sweep as sweeps
from sopopt.cli import main

marks = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
sweeps.BATCH_CASES = int(sys.argv[2])
finished = sweeps._Recorder.finished


def counted(self, *args, **kwargs):
    finished(self, *args, **kwargs)
    os.write(marks, b".")


sweeps._Recorder.finished = counted
sys.argv = ["sopopt", *sys.argv[3:]]
main()
"""


def _kill_after_cases(child: subprocess.Popen, marks: Path, rng: random.Random, per_case: float) -> None:
    """SIGKILL the sweep at a seeded moment: after its first to third finished case
    (counted as the sweep takes each in), within the time one more case takes (so during
    a solve, a hand-over or a commit). The first finished case is always stored at once,
    so every killed run leaves at least one more case stored."""
    cases, times = rng.randint(1, 3), [time.monotonic()]
    while child.poll() is None and len(times) <= cases:
        if (marks.stat().st_size if marks.exists() else 0) >= len(times):
            times.append(time.monotonic())
        time.sleep(0.001)
    gap = times[-1] - times[-2] if len(times) > 2 else per_case
    time.sleep(rng.uniform(0.0, gap))
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait(30)


def _stored(store: Path) -> list[tuple[str, float]]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT case_id, objective FROM cases").fetchall()


def test_a_sweep_killed_at_seeded_moments_resumes_with_every_case_once(ws: Path) -> None:
    """Five ``sopopt sweep`` processes on one store, each killed with SIGKILL at a seeded
    moment after a seeded number of finished cases (:func:`_kill_after_cases`), some
    with the shipped batches and some storing pairs, each resuming what the last one
    stored: after every kill the store holds each case at most once with the objective
    of a fresh solve and at least one case more than before (the unstored batch is lost
    and solved again), and a final resume completes it with every case exactly once."""
    import statistics

    from sopopt.analysis.planner import solve as solve_case

    (ws / "kill.yaml").write_text(KILL_GRID)
    loaded = load_sweep("kill.yaml")
    fresh, seconds = {}, []
    for case in loaded.cases:
        start = time.perf_counter()
        fresh[case.case_id] = solve_case(loaded.load(case)).objective
        seconds.append(time.perf_counter() - start)
    per_case = 2 * statistics.median(seconds)  # a solve, its hand-over and its row, at today's load
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    store, counts = ws / "kill.duckdb", [0]
    for seed in range(5):
        batch = (BATCH_CASES, 2)[seed % 2]  # the shipped batches (first case at once, then 50 or 1 s), or pairs
        marks = ws / f"finished-{seed}"
        child = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(marks), str(batch), "sweep", "kill.yaml",
                                  "--store", str(store), "--workers", "1", "-q"], env=env, start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _kill_after_cases(child, marks, random.Random(seed), per_case)
        rows = _stored(store)
        assert len({r[0] for r in rows}) == len(rows), seed  # no case twice
        for case_id, objective in rows:
            assert objective == pytest.approx(fresh[case_id], rel=1e-9), (seed, case_id)
        counts.append(len(rows))
        # killed while it had cases left, after it stored some (stored counts 1, 4, 5, 8 in one run)
        assert child.returncode == -signal.SIGKILL, (seed, child.returncode)
        assert counts[-1] > counts[-2], counts
    resumed = sweep(loaded, store, workers=1)
    assert resumed.skipped + resumed.solved == len(fresh)
    rows = _stored(store)
    assert sorted(r[0] for r in rows) == sorted(fresh)  # every case exactly once
    for case_id, objective in rows:
        assert objective == pytest.approx(fresh[case_id], rel=1e-9), case_id
