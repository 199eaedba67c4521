"""Sweeps end to end: local workers, a Dask cluster, a worker killed mid-sweep, resume,
restart, and the DuckDB store, on a small model whose cases solve in milliseconds."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.sweep import sweep
from sopopt.analysis.sweep_cases import load_sweep
from sopopt.cli import app
from sopopt.results.store import StoreError

runner = CliRunner()

MODEL = """\
name: small
periods: {labels: ["1", "2", "3", "4"]}
products:
  a:
    production_cost: 10
    holding_cost: 1
    price: 40
    backlog: {cost: 4, limit: 80}
    lost_sales: {cost: 30}
    sites: {plant: {make: true, initial_backlog: 5}}
  b:
    production_cost: 12
    holding_cost: 1
    lost_sales: {cost: 25}
    sites: {plant: {make: true}}
  c:
    production_cost: 8
    holding_cost: 0.5
    sites: {plant: {make: true, initial_inventory: 20}}
sites: {plant: {}}
resources:
  line: {site: plant, hours: 200, usage: {a: 1, b: 1, c: 2}, overtime: {cost: 5, capacity: 20}}
demand:
  a: {plant: [60, 90, 120, 50]}
  b: {plant: [40, 60, 80, 30]}
  c: {plant: [20, 30, 40, 20]}
"""

#: 5 x 4 = 20 cases; with no line hours product c (no backlog, no lost sales) cannot be
#: made: those 5 cases are infeasible.
SWEEP = """\
name: small grid
base: ../scenarios/base.yaml
grid:
  demand_a: {target: demand, product: a, multiply: [0.8, 0.9, 1.0, 1.1, 1.2]}
  hours: {target: resource_hours, resource: line, set: [200, 150, 120, 0]}
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """models/, scenarios/ and sweeps/ in a temporary workspace (the current folder)."""
    root = tmp_path / "ws"
    for folder in ("models", "scenarios", "sweeps"):
        (root / folder).mkdir(parents=True)
    (root / "models" / "small.yaml").write_text(MODEL)
    (root / "scenarios" / "base.yaml").write_text("model: ../models/small.yaml\n")
    (root / "scenarios" / "surge.yaml").write_text(
        "extend: base.yaml\nadjust:\n  - {target: demand, product: b, multiply: 1.5}\n")
    (root / "sweeps" / "grid.yaml").write_text(SWEEP)
    (tmp_path / "outside.yaml").write_text(MODEL)
    monkeypatch.chdir(root)
    return root


def _cases(store: Path) -> dict[str, dict]:
    with duckdb.connect(str(store), read_only=True) as con:
        frame = con.execute("SELECT * FROM cases").df()
    assert frame["case_id"].is_unique
    return {row["case_id"]: row for row in frame.to_dict("records")}


def test_grid_on_two_local_workers_equals_separate_solves(workspace):
    result = runner.invoke(app, ["sweep", "sweeps/grid.yaml", "--store", "results.duckdb", "--workers", "2",
                                 "--export-cases", "cases", "--keep", "plan,production"])
    assert result.exit_code == 0, result.output
    stored = _cases(workspace / "results.duckdb")
    exported = sorted((workspace / "cases").glob("*.yaml"))
    assert len(stored) == len(exported) == 20
    for path in exported:
        plan = sopopt.solve(path, raise_on_failure=False)
        row = stored[path.stem]
        assert row["status"] == plan.status.value
        if plan.status.has_plan:
            assert row["objective"] == pytest.approx(plan.objective, rel=1e-7, abs=1e-7)
            assert row["cost_production"] == pytest.approx(plan.costs["production"], rel=1e-7)
            assert row["fill_rate"] == pytest.approx(plan.kpis["fill_rate"], rel=1e-7)
            assert row["profit"] == pytest.approx(plan.kpis["profit"], rel=1e-7)
        else:
            assert row["objective"] is None or row["objective"] != row["objective"]
            assert "infeasible" in row["message"]
    statuses = [row["status"] for row in stored.values()]
    assert statuses.count("infeasible") == 5 and statuses.count("optimal") == 15
    assert len({row["worker"] for row in stored.values()}) == 2
    # each worker builds once; every later case re-solves its LP in place
    assert sum(bool(row["reused_lp"]) for row in stored.values()) == 18
    with duckdb.connect(str(workspace / "results.duckdb"), read_only=True) as con:
        kept = con.execute("SELECT case_id, count(*) FROM plan GROUP BY case_id").fetchall()
        production = con.execute("SELECT sum(value) FROM production WHERE case_id = ?",
                                 [next(iter(stored))]).fetchone()
    assert len(kept) == 15 and {n for _, n in kept} == {12}  # 3 items x 4 periods, optimal cases only
    assert production[0] is not None


def test_a_dask_cluster_gives_the_same_results(workspace):
    distributed = pytest.importorskip("distributed")
    loaded = load_sweep("sweeps/grid.yaml")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        addresses = set(cluster.scheduler_info["workers"])
        result = sweep(loaded, "dask.duckdb", scheduler=cluster.scheduler_address)
    assert result.solved == 20 and not result.interrupted
    remote = _cases(workspace / "dask.duckdb")
    assert set(remote) == {case.case_id for case in loaded.cases}
    for case in loaded.cases:
        plan = sopopt.solve(loaded.load(case), raise_on_failure=False)
        row = remote[case.case_id]
        assert row["status"] == plan.status.value
        if plan.status.has_plan:
            assert row["objective"] == pytest.approx(plan.objective, rel=1e-7)
    workers = {row["worker"] for row in remote.values()}
    assert workers <= addresses and len(workers) >= 1


def test_a_killed_worker_loses_only_its_case(workspace):
    killed: list[tuple[str, str]] = []
    loaded = load_sweep("sweeps/grid.yaml")
    once, twice = loaded.cases[4].case_id, loaded.cases[9].case_id  # two feasible cases

    def kill(counts):
        for case_id, worker in list(counts.running.items()):
            if (case_id == twice or (case_id == once and not any(c == once for c, _ in killed))) \
                    and (case_id, worker) not in killed:
                killed.append((case_id, worker))
                os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)

    result = sweep(loaded, "results.duckdb", workers=2, progress=kill)
    stored = _cases(workspace / "results.duckdb")
    assert len(stored) == 20 and result.solved == 20
    assert [c for c, _ in killed].count(once) == 1 and [c for c, _ in killed].count(twice) == 2
    assert stored[once]["status"] == "optimal" and stored[once]["attempts"] == 2
    assert stored[twice]["status"] == "failed" and stored[twice]["attempts"] == 2
    assert "died" in stored[twice]["message"]
    others = [row for case_id, row in stored.items() if case_id not in (once, twice)]
    assert all(row["attempts"] == 1 for row in others)


def test_resume_solves_only_what_is_missing(workspace):
    first = sweep("sweeps/grid.yaml", "results.duckdb", workers=1)
    assert first.solved == 20 and first.skipped == 0
    stored = _cases(workspace / "results.duckdb")
    gone = sorted(stored)[:3]
    with duckdb.connect(str(workspace / "results.duckdb")) as con:
        con.execute("DELETE FROM cases WHERE case_id IN (SELECT unnest(?))", [gone])
    solved: set[str] = set()
    again = sweep("sweeps/grid.yaml", "results.duckdb", workers=1,
                  progress=lambda counts: solved.update(counts.running))
    assert again.solved == 3 and again.skipped == 17
    assert solved == set(gone)
    after = _cases(workspace / "results.duckdb")
    for case_id, row in stored.items():
        if case_id not in gone:
            assert after[case_id]["finished_at"] == row["finished_at"]
    assert sweep("sweeps/grid.yaml", "results.duckdb").solved == 0


def test_ctrl_c_keeps_every_finished_case(workspace):
    def interrupt(counts):
        if counts.done == 5:
            raise KeyboardInterrupt

    stopped = sweep("sweeps/grid.yaml", "results.duckdb", workers=1, progress=interrupt)
    assert stopped.interrupted and stopped.solved == 5
    stored = _cases(workspace / "results.duckdb")
    assert len(stored) == 5 and all(row["status"] in ("optimal", "infeasible") for row in stored.values())
    rest = sweep("sweeps/grid.yaml", "results.duckdb", workers=1)
    assert rest.solved == 15 and rest.skipped == 5 and not rest.interrupted
    assert len(_cases(workspace / "results.duckdb")) == 20


#: 4 x 2 = 8 cases, stored in batches of 4.
KILLED_GRID = """\
name: killed
base: ../scenarios/base.yaml
grid:
  demand_a: {target: demand, product: a, multiply: [0.9, 1.0, 1.1, 1.2]}
  hours: {target: resource_hours, resource: line, set: [200, 150]}
"""

KILLED_SWEEP = """\
import os
import sopopt.analysis.sweep as sweeps

sweeps.BATCH_CASES, sweeps.BATCH_SECONDS = 4, 1e9


def die(counts):
    if counts.done == 7:  # case 1 stored at once, then cases 2-5 as a batch; 6 and 7 not yet
        os._exit(9)


sweeps.sweep("sweeps/killed.yaml", "results.duckdb", workers=1, progress=die)
"""


def test_a_sweep_killed_between_batches_resumes_without_losing_or_duplicating(workspace):
    import subprocess
    import sys

    (workspace / "sweeps" / "killed.yaml").write_text(KILLED_GRID)
    env = {**os.environ, "PYTHONPATH": str(Path(sopopt.__file__).parents[1])}
    killed = subprocess.run([sys.executable, "-c", KILLED_SWEEP], cwd=workspace, env=env, timeout=120)
    assert killed.returncode == 9
    assert len(_cases(workspace / "results.duckdb")) == 5
    rest = sweep("sweeps/killed.yaml", "results.duckdb", workers=1)
    assert rest.skipped == 5 and rest.solved == 3
    stored = _cases(workspace / "results.duckdb")  # case ids unique (checked there)
    assert sorted(stored) == sorted(c.case_id for c in load_sweep("sweeps/killed.yaml").cases)


def test_restart_after_an_input_change_solves_again(workspace):
    assert sweep("sweeps/grid.yaml", "results.duckdb", workers=1).solved == 20
    before = _cases(workspace / "results.duckdb")
    model = workspace / "models" / "small.yaml"
    model.write_text(MODEL.replace("production_cost: 10", "production_cost: 11"))
    with pytest.raises(StoreError, match="other inputs"):
        sweep("sweeps/grid.yaml", "results.duckdb", workers=1)
    result = runner.invoke(app, ["sweep", "sweeps/grid.yaml", "--store", "results.duckdb", "-q"])
    assert result.exit_code == 2, result.output
    assert "--restart" in result.output
    result = runner.invoke(app, ["sweep", "sweeps/grid.yaml", "--store", "results.duckdb", "--restart", "-q",
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    after = _cases(workspace / "results.duckdb")
    assert set(after) == set(before)
    for case_id, row in after.items():
        assert row["input_hash"] != before[case_id]["input_hash"]
        if row["status"] == "optimal":
            assert row["objective"] > before[case_id]["objective"]


def test_one_case_as_solve_out_and_runs_table(workspace):
    loaded = load_sweep("sweeps/grid.yaml")
    case_id = loaded.cases[0].case_id
    result = runner.invoke(app, ["sweep", "sweeps/grid.yaml", "--case", case_id, "--out", "one"])
    assert result.exit_code == 0, result.output
    assert (workspace / "one" / "plan.csv").is_file()
    expected = sopopt.solve(loaded.load(loaded.cases[0])).objective
    for label in ("2027-05", "2027-06"):
        result = runner.invoke(app, ["solve", "scenarios/surge.yaml", "--store", "runs.duckdb", "--label", label])
        assert result.exit_code == 0, result.output
    with duckdb.connect("runs.duckdb", read_only=True) as con:
        runs = con.execute("SELECT run_id, label, scenario, status, objective FROM runs ORDER BY run_id").fetchall()
    surge = sopopt.solve("scenarios/surge.yaml").objective
    assert [(r[0], r[1], r[2], r[3]) for r in runs] == [(1, "2027-05", "scenarios/surge.yaml", "optimal"),
                                                         (2, "2027-06", "scenarios/surge.yaml", "optimal")]
    assert runs[0][4] == pytest.approx(surge, rel=1e-9)
    assert expected != pytest.approx(surge)


def test_scenario_lists_globs_and_bad_sweep_files(workspace):
    (workspace / "sweeps" / "files.yaml").write_text('scenarios: ["../scenarios/*.yaml"]\n')
    loaded = load_sweep("sweeps/files.yaml")
    assert [c.scenario for c in loaded.cases] == ["scenarios/base.yaml", "scenarios/surge.yaml"]
    bad = {
        "outside.yaml": ('scenarios: ["../scenarios/*.yaml", "../../*.yaml"]\n', "outside the workspace"),
        "big.yaml": (SWEEP + "max_cases: 10\n", "20 cases, more than the cap of 10"),
        "typo.yaml": (SWEEP.replace("product: a", "product: z"), "unknown product 'z'"),
        "both.yaml": (SWEEP.replace("set: [200", "multiply: [1], set: [200"), "exactly one of"),
    }
    for name, (text, message) in bad.items():
        (workspace / "sweeps" / name).write_text(text)
        result = runner.invoke(app, ["sweep", f"sweeps/{name}", "--store", "x.duckdb"])
        assert result.exit_code == 2, (name, result.output)
        assert message in " ".join(result.output.split()), (name, result.output)
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["sweep", "sweeps/grid.yaml", "--store", "x.duckdb", "--max-cases", "5"])
    assert result.exit_code == 2 and "cap of 5" in result.output
    result = runner.invoke(app, ["sweep", "sweeps/grid.yaml", "--store", "x.duckdb", "--keep", "nonsense"])
    assert result.exit_code == 2 and "unknown plan table 'nonsense'" in result.output


def test_shipped_sweeps_load(monkeypatch):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    sizes = {path.name: len(load_sweep(path).cases) for path in sorted((root / "sweeps").glob("*.yaml"))}
    assert sizes == {"acme_risk.yaml": 36, "acme_scenarios.yaml": 4, "overtime.yaml": 12}
    readme = (root / "README.md").read_text()
    block = readme.split("### Many cases at once: sweeps", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert block == (root / "sweeps" / "overtime.yaml").read_text()
