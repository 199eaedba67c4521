"""Benchmark: a 5-point frontier against one solve of the same network.

    python benchmarks/frontier.py [--size 1e5] [--measure fill_rate] [--workdir DIR]
        [--out benchmarks/frontier_results.json]

Generates the seeded instance of :func:`sopopt.inputs.generate.size_for_variables`,
solves it once (load excluded: build, hand-off, solve, ranging and extraction, as
``sopopt solve`` does) and reads its fill rate ``f``; then draws the frontier of the
measure over 5 points from ``f`` up to ``f + 0.02`` (fill rate) or from the plan's
delivered units up 2% (units): one cold solve and four warm re-solves of the moved
target row (only the first plan ranged and extracted whole; a first point out of reach
adds one warm solve for its reason). Each point is printed as it is solved. Target (issue 27): frontier <= 3x one solve.
The machine may be loaded by other work: the load average is recorded with the times,
and the CPU time of the process (all threads) is recorded beside the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Time one solve and one 5-point frontier; write the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e5)
    parser.add_argument("--measure", choices=["fill_rate", "units"], default="fill_rate")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "frontier_results.json")
    args = parser.parse_args()
    from sopopt.analysis.frontier import frontier
    from sopopt.analysis.planner import Planner
    from sopopt.inputs.case import load_case
    from sopopt.inputs.generate import size_for_variables, write_instance
    from sopopt.results.plan import Plan

    folder = args.workdir or Path(tempfile.mkdtemp(prefix="sopopt-frontier-"))
    products, sites, periods = size_for_variables(args.size)
    model = folder / "model.yaml"
    if not model.exists():
        write_instance(folder, products, sites, periods, seed=0)
    case = load_case(model)
    start, cpu = time.perf_counter(), time.process_time()
    plan = Planner(explain=False).solve(case)
    solve_seconds, solve_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"one solve {solve_seconds:.2f} s (HiGHS {plan.info.get('solve_seconds', 0):.2f} s, "
          f"{plan.info.get('columns')} columns); load {os.getloadavg()[0]:.1f}", flush=True)
    if args.measure == "fill_rate":
        low = round(plan.kpis["fill_rate"], 4)
        high = min(1.0, low + 0.02)
    else:
        low = round(plan.kpis["delivered"])
        high = round(low * 1.02)
    step = (high - low) / 4
    start, cpu = time.perf_counter(), time.process_time()

    def on_point(k: int, point: Plan) -> None:
        info = point.info
        print(f"  point {k + 1}: {info.get('frontier_target'):.6g} {point.status.value}, HiGHS "
              f"{info.get('solve_seconds', 0):.2f} s ({info.get('simplex_iterations')} iterations, warm "
              f"{info.get('warm_start')}); {time.perf_counter() - start:.2f} s so far; load {os.getloadavg()[0]:.1f}",
              flush=True)

    result = frontier(case, args.measure, low, high, step, on_point=on_point)
    frontier_seconds, frontier_cpu = time.perf_counter() - start, time.process_time() - cpu
    record = {
        "size": args.size, "products": products, "sites": sites, "periods": periods,
        "columns": plan.info.get("columns"), "rows": plan.info.get("rows"), "measure": args.measure,
        "from": low, "to": high, "solve_seconds": solve_seconds, "frontier_seconds": frontier_seconds,
        "ratio": frontier_seconds / solve_seconds, "solve_cpu_seconds": solve_cpu,
        "frontier_cpu_seconds": frontier_cpu, "cpu_ratio": frontier_cpu / solve_cpu, "solves": result.solves,
        "points": result.table().to_dict("records"), "load_average": os.getloadavg(),
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "cpus": os.cpu_count()},
    }
    print(f"one solve {solve_seconds:.2f} s; {len(result.points)}-point frontier {frontier_seconds:.2f} s "
          f"({record['ratio']:.2f}x wall, {record['cpu_ratio']:.2f}x CPU; target <= 3x); "
          f"load {record['load_average'][0]:.1f}", flush=True)
    args.out.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
