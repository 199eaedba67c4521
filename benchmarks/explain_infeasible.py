"""Benchmark: explaining an infeasible case against solving its feasible twin.

    python benchmarks/explain_infeasible.py [--size 1e5] [--causes capacity,lane] [--repeat 3]
                                 [--out benchmarks/explain_infeasible.json]

For each cause it generates the seeded instance of about ``--size`` LP columns twice
(:func:`sopopt.inputs.generate.write_instance`): the feasible twin, and the same case with the
conflict planted (``sopopt generate --infeasible CAUSE``). It then times, each in a fresh
process and as the median of ``--repeat`` runs:

- ``solve``: :func:`sopopt.solve` on the twin (load, build, HiGHS, extract);
- ``explain``: :func:`sopopt.explain` on the infeasible case (load, build, the solve
  that finds no plan, the conflict search with its verification, the lexicographic
  repair and each class alone).

The ratio printed is explain / solve (the issue asks for at most 2).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WORKER = """
import json, sys, time
sys.path.insert(0, {root!r})
import sopopt
from sopopt.analysis.explain import explain
start = time.perf_counter()
if {mode!r} == "solve":
    plan = sopopt.solve({path!r})
    out = {{"status": plan.status.value, "columns": plan.info.get("columns")}}
else:
    e = explain({path!r}, time_budget=600)
    out = {{"members": len(e.members), "irreducible": e.irreducible, "checks": e.checks,
           "repair_solves": e.repair.solves if e.repair else 0, "explain_seconds": e.seconds}}
out["seconds"] = time.perf_counter() - start
print(json.dumps(out))
"""


def _run(mode: str, path: Path) -> dict:
    code = _WORKER.format(root=str(ROOT), mode=mode, path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(size: float, cause: str, repeat: int, folder: Path) -> dict:
    """Median timings of solve (twin) and explain (infeasible) for one cause."""
    from sopopt.inputs.generate import size_for_variables, write_instance

    products, sites, periods = size_for_variables(size)
    twin = write_instance(folder / "twin", products, sites, periods)
    broken = write_instance(folder / cause, products, sites, periods, infeasible=cause)
    solves = [_run("solve", twin) for _ in range(repeat)]
    explains = [_run("explain", broken) for _ in range(repeat)]
    solve_s = statistics.median(r["seconds"] for r in solves)
    explain_s = statistics.median(r["seconds"] for r in explains)
    return {
        "size": size, "cause": cause, "instance": [products, sites, periods],
        "columns": solves[0]["columns"], "solve_seconds": solve_s, "explain_seconds": explain_s,
        "ratio": explain_s / solve_s, "explain": explains[0],
    }


def main() -> None:
    """Run the benchmark and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=float, default=1e5)
    parser.add_argument("--causes", default="capacity,ending,hiring,supplier,lane,max-stock")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "explain_infeasible.json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for cause in args.causes.split(","):
            row = bench(args.size, cause, args.repeat, Path(tmp))
            results.append(row)
            sys.stderr.write(
                f"{cause:10s} columns {row['columns']}: solve twin {row['solve_seconds']:.2f} s, "
                f"explain {row['explain_seconds']:.2f} s, ratio {row['ratio']:.2f}\n"
            )
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n", encoding="utf-8")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    main()
