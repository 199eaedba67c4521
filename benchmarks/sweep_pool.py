"""Sweep throughput: a grid of cases on local workers against sequential cold solves.

    python benchmarks/sweep_pool.py [--variables 1e4] [--cases 1000] [--workers 1,2] [--cold 100]
                                    [--out benchmarks/sweep_pool.json]

Generates one seeded instance (``sopopt generate``) and a sweep file over it: a grid of
three axes (all demand x every supplier's capacity x every resource's overtime capacity)
with about ``--cases`` combinations. Then:

- ``sopopt.sweep`` on ``--workers`` local processes (each count in its own fresh store),
  timed end to end from the call (loading the sweep file and starting the workers
  included); cases per minute, and the share of cases solved in place (``reused_lp``);
- sequential cold runs: ``sopopt.solve(path)`` of ``--cold`` exported case files (an
  evenly spaced sample), each loaded, built and solved from scratch, as a user without
  sweeps would run them; cases per minute.

Every cold objective is checked against the sweep's stored objective (relative 1e-7).
Prints the figures and writes a JSON of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

import sopopt
from sopopt.analysis.sweep_cases import export_cases, load_sweep
from sopopt.inputs.generate import size_for_variables, write_instance

ROOT = Path(__file__).resolve().parents[1]


def grid_values(cases: int) -> tuple[list[float], list[float], list[float]]:
    """Three axes with about ``cases`` combinations (a cube, demand longest)."""
    side = max(1, round(cases ** (1 / 3)))
    demand = list(np.round(np.linspace(0.85, 1.15, max(1, cases // (side * side))), 4))
    supply = list(np.round(np.linspace(0.6, 1.0, side), 4))
    overtime = list(np.round(np.linspace(0.0, 1.5, side), 4))
    return [float(x) for x in demand], [float(x) for x in supply], [float(x) for x in overtime]


def write_sweep(folder: Path, model: Path, cases: int) -> Path:
    demand, supply, overtime = grid_values(cases)
    path = folder / "sweep.yaml"
    path.write_text(
        "name: benchmark grid\n"
        f"base: {model.name}\n"
        "grid:\n"
        f"  demand: {{target: demand, multiply: {demand}}}\n"
        f"  supply: {{target: supplier_capacity, multiply: {supply}}}\n"
        f"  overtime: {{target: resource_overtime_capacity, multiply: {overtime}}}\n"
        "max_cases: 100000\n")
    return path


def run_sweep(path: Path, store: Path, workers: int) -> dict[str, object]:
    start, cpu = time.perf_counter(), time.process_time()
    result = sopopt.sweep(path, store, workers=workers)
    seconds = time.perf_counter() - start
    client = (time.process_time() - cpu) / seconds  # the client's own share of one core
    with duckdb.connect(str(store), read_only=True) as con:
        reused, warm, solve, case = con.execute(
            "SELECT avg(reused_lp::INT), avg(warm_start::INT), median(solve_seconds), median(case_seconds) "
            "FROM cases").fetchone()
    figures = {
        "workers": workers, "cases": result.solved, "seconds": seconds,
        "cases_per_minute": result.solved / seconds * 60, "statuses": result.statuses,
        "share_reused_lp": reused, "share_warm": warm, "median_solve_seconds": solve,
        "median_case_seconds": case, "worker_names": result.workers,
        "client_core_share": client, "median_case_over_highs": case / solve if solve else None,
    }
    print(f"sweep, {workers} worker(s): {result.solved} cases in {seconds:.1f} s = "
          f"{figures['cases_per_minute']:.1f} cases/min; re-solved in place {reused:.1%}, warm {warm:.1%}; "
          f"median case {case:.3f} s (HiGHS {solve:.3f} s, ratio {case / solve:.2f}); client {client:.1%} of one "
          f"core; {result.statuses}")
    return figures


def run_cold(folder: Path, store: Path, count: int) -> dict[str, object]:
    files = sorted(folder.glob("*.yaml"))
    sample = [files[i] for i in np.linspace(0, len(files) - 1, min(count, len(files))).astype(int)]
    with duckdb.connect(str(store), read_only=True) as con:
        stored = dict(con.execute("SELECT case_id, objective FROM cases").fetchall())
    start = time.perf_counter()
    worst = 0.0
    for path in sample:
        plan = sopopt.solve(path, raise_on_failure=False)
        expected = stored[path.stem]
        if plan.objective is not None and expected is not None:
            worst = max(worst, abs(plan.objective - expected) / max(1.0, abs(expected)))
    seconds = time.perf_counter() - start
    print(f"sequential cold sopopt.solve: {len(sample)} cases in {seconds:.1f} s = "
          f"{len(sample) / seconds * 60:.1f} cases/min; largest relative objective difference to the sweep "
          f"{worst:.1e}")
    assert worst <= 1e-7, "a sweep objective differs from the cold solve of its exported case"
    return {"cases": len(sample), "seconds": seconds, "cases_per_minute": len(sample) / seconds * 60,
            "largest_relative_difference": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=float, default=1e4)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--cold", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "sweep_pool.json")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sopopt-pool-"))
    products, sites, periods = size_for_variables(args.variables)
    model = write_instance(folder, products, sites, periods, args.seed)
    os.chdir(folder)
    spec = write_sweep(folder, model, args.cases)
    loaded = load_sweep(spec)
    columns = sopopt.solve(model).info["columns"]
    print(f"instance: {products} products, {sites} sites, {periods} periods, {columns} LP columns; "
          f"{len(loaded.cases)} cases; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sweeps = [run_sweep(spec, folder / f"w{n}.duckdb", int(n)) for n in args.workers.split(",")]
    export_cases(loaded, folder / "cases")
    cold = run_cold(folder / "cases", folder / f"w{args.workers.split(',')[0]}.duckdb", args.cold)
    for figures in sweeps:
        print(f"{figures['workers']} worker(s): {figures['cases_per_minute'] / cold['cases_per_minute']:.2f}x "
              "the cases per minute of sequential cold solves")
    report = {"instance": {"products": products, "sites": sites, "periods": periods, "columns": columns,
                           "cases": len(loaded.cases)},
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average_at_start": os.getloadavg()[0]},
              "sweeps": sweeps, "cold": cold}
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
