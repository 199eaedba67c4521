"""Benchmark ranges and the five-cell explanation against the solve (issue 13).

    python benchmarks/explain.py [--size 1e5] [--repeat 3] [--workdir DIR] [--out benchmarks/explain_results.json]

Generates the seeded instance of :func:`sopopt.inputs.generate.size_for_variables` (as
``benchmarks/run.py`` does) and runs :func:`sopopt.analysis.explain.explain_plan`
with no cell (the five costliest shortage and overtime cells, each with its causes)
``--repeat`` times, each in a fresh process. Timed, per run:

- ``solve``: the HiGHS call (``Highs.run()``, as sopopt's method choice runs it);
- ``ranging``: ``Highs.getRanging`` and mapping the ranges of the limit rows and
  bounded variables to their components (:func:`sopopt.solver.ranging.compute_ranging`);
- ``explain``: the binding limits with their LP positions, one basis solve and one
  sparse product per cell, causes sorted (:func:`explain_plan` after the solve).

The target of issue 13 is (ranging + explain) / solve <= 25%, on medians.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(*parts: object) -> None:
    """Print to stdout (the driver's report)."""
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    sys.stdout.flush()


def worker(model: Path) -> dict[str, Any]:
    """One explanation of the instance; its timings in seconds."""
    from sopopt.analysis.explain import explain_plan
    from sopopt.inputs.case import load_case

    explanation = explain_plan(load_case(model))
    info = explanation.info
    plan = explanation.plan
    return {
        "solve_seconds": info["solve_seconds"],
        "ranging_seconds": info["ranging_seconds"],
        "explain_seconds": info["explain_seconds"],
        "method": plan.info.get("highs_solver"),
        "columns": plan.info.get("columns"),
        "rows": plan.info.get("rows"),
        "cells": len(explanation.cells),
        "causes": [len(cell.causes) for cell in explanation.cells],
        "binding_limits": int(plan.shadow_prices["binding"].astype(bool).sum()),
    }


def main() -> None:
    """Drive the runs and write the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "explain_results.json")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.stdout.write(json.dumps(worker(args.worker)) + "\n")
        return
    from sopopt.inputs.generate import size_for_variables, write_instance

    folder = args.workdir or Path(tempfile.mkdtemp(prefix="sopopt-explain-"))
    products, sites, periods = size_for_variables(args.size)
    model = folder / "model.yaml"
    if not model.exists():
        write_instance(folder, products, sites, periods, seed=0)
    runs = []
    for i in range(args.repeat):
        done = subprocess.run([sys.executable, __file__, "--worker", str(model)], capture_output=True, text=True,
                              check=False, cwd=ROOT)
        if done.returncode:
            raise SystemExit(f"run {i + 1} failed:\n{done.stderr}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = runs[-1]
        say(f"run {i + 1}: solve {r['solve_seconds']:.2f} s, ranging {r['ranging_seconds']:.2f} s, "
            f"explain {r['explain_seconds']:.3f} s")
    median = {key: statistics.median(r[key] for r in runs) for key in ("solve_seconds", "ranging_seconds",
                                                                        "explain_seconds")}
    ratio = (median["ranging_seconds"] + median["explain_seconds"]) / median["solve_seconds"]
    say(f"medians: solve {median['solve_seconds']:.2f} s, ranging {median['ranging_seconds']:.2f} s, "
        f"explain {median['explain_seconds']:.3f} s; (ranging + explain) / solve = {ratio:.1%} (target <= 25%)")
    result = {"size": args.size, "products": products, "sites": sites, "periods": periods, "runs": runs,
              "median": median, "ratio": ratio, "machine": {"python": platform.python_version(),
                                                            "processor": platform.processor()}}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
