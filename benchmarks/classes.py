"""Demand classes at scale (issue 28): solve time per LP column with and without classes.

    python benchmarks/classes.py --size 1e5 [--classes 3] [--seed 0]

Generates one seeded instance twice (``sopopt generate``'s recipe): without classes and
with every demand row split into ``--classes`` classes (``--classes N``), then solves
the plain case and the classed case under ``allocation: cost``, ``fair_share`` and
``priority``, one fresh process each, and prints the HiGHS time, the LP columns, the time
per column relative to the plain case, and for priority each stage's time (the stages
and the final cost solve together against one plain solve). Reports the load average:
the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import json, sys, time
from sopopt.analysis.planner import solve
from sopopt.solver.options import SolveOptions
from sopopt.solver.progress import Phase
T0 = time.perf_counter()
def progress(report):  # a HiGHS run starts (and interior point reports presolve again at its end)
    if report.phase is Phase.PRESOLVE:
        print(f"    HiGHS presolve report {time.perf_counter() - T0:.1f} s after the worker started",
              file=sys.stderr, flush=True)
plan = solve(sys.argv[1], SolveOptions(on_progress=progress), raise_on_failure=False)
info = dict(plan.info)
stages = {k: v for k, v in info.items() if k.startswith("stage_") and k.endswith("_seconds")}
print(json.dumps({"status": str(plan.status), "solve": info.get("solve_seconds"), "columns": info.get("columns"),
                  "rows": info.get("rows"), "stages": stages, "objective": plan.objective,
                  "highs_solver": info.get("highs_solver"), "total": info.get("total_seconds")}))
"""


def _run(model: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", WORKER, str(model)], check=True, stdout=subprocess.PIPE, text=True,
                         env=env, cwd=model.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _with_allocation(model: Path, allocation: str) -> Path:
    data = yaml.safe_load(model.read_text())
    data["allocation"] = allocation
    path = model.with_name(f"model_{allocation}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=float, default=1e5, help="about this many LP columns (without classes)")
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", nargs="+", default=["plain", "cost", "fair_share", "priority"],
                        choices=["plain", "cost", "fair_share", "priority"], help="which solves, in order")
    parser.add_argument("--out", type=Path, help="also write the figures here (JSON)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sopopt.inputs.generate import size_for_variables, write_instance

    products, sites, periods = size_for_variables(args.size)
    with tempfile.TemporaryDirectory() as folder:
        plain = write_instance(Path(folder) / "plain", products, sites, periods, args.seed)
        classed = write_instance(Path(folder) / "classed", products, sites, periods, args.seed, classes=args.classes)
        results: dict = {"size": [products, sites, periods]}
        print(f"{products} products x {sites} sites x {periods} periods, {args.classes} classes", flush=True)
        for name in args.runs:
            model = plain if name == "plain" else _with_allocation(classed, name)
            results[name] = r = _run(model)
            r["load_average"] = os.getloadavg()
            _measured(results, name)
    print(json.dumps(results, indent=1), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def _measured(results: dict, name: str) -> None:
    """Print one run as soon as it ends (with its ratios to the plain run, when known)."""
    r = results[name]
    stage_seconds = {k: v for k, v in r["stages"].items() if k.endswith("_seconds")}
    total = r["solve"] + sum(stage_seconds.values())
    line = (f"{name}: HiGHS {total:.2f} s ({r['columns']} columns, {r['highs_solver']}; final solve {r['solve']:.2f} s"
            + "".join(f", {k.removesuffix('_seconds')} {v:.2f} s" for k, v in stage_seconds.items())
            + f"); whole solve {r['total']:.2f} s")
    plain = results.get("plain")
    if plain is not None:
        base = plain["solve"] / plain["columns"]
        r["per_column_ratio"] = (total / r["columns"]) / base
        r["total_over_plain_solve"] = total / plain["solve"]
        line += f"; per column {r['per_column_ratio']:.2f}x plain, {r['total_over_plain_solve']:.2f}x one plain solve"
    print(f"{line}; load {r['load_average'][0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
