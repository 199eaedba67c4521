"""Time outside HiGHS up to the solve, before/after a change: load, build, hand-off.

    python benchmarks/build.py --size 1e5 --repeat 5 [--against /path/to/other/checkout]

Generates one seeded instance (as benchmarks/run.py does), then runs each repeat in a
fresh process: ``load_case`` (read, validate, check, compile), ``build_lp`` (the fast
array build) and ``pass_lp`` (hand-off into ``highspy.Highs``), timing each stage (the imports apart: they are paid once per process, not per case). With
``--against`` the same instance is timed with another checkout too (its ``sopopt`` first
on ``PYTHONPATH``), the two interleaved run by run so that machine load hits both alike;
it prints the median of each stage and the ratio this checkout / other. Each run's
figures go to stderr as it ends. Extraction and the rest of a whole solve:
``benchmarks/outside.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import json, sys, time
t0 = time.perf_counter()
try:
    from sopopt.inputs.case import load_case
    from sopopt.model.build_arrays import build_lp
    from sopopt.solver.highs import new_highs, pass_lp
except ImportError:  # a checkout from before the packages followed the layers (issue 21)
    from sopopt.case import load_case
    from sopopt.model.fast import build_lp
    from sopopt.solver import new_highs, pass_lp
t_import, t0 = time.perf_counter() - t0, time.perf_counter()
case = load_case(sys.argv[1])
t1 = time.perf_counter()
lp = build_lp(case.data)
t2 = time.perf_counter()
h = new_highs()
pass_lp(h, lp)
t3 = time.perf_counter()
print(json.dumps({"import": t_import, "load": t1 - t0, "build": t2 - t1, "handoff": t3 - t2, "columns": lp.num_col}))
"""



def _run(checkout: Path, model: Path, worker: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", worker, str(model)], capture_output=True, text=True, env=env,
                          check=True, cwd=model.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict[str, float]]) -> dict[str, float]:
    stages = ("load", "build", "handoff")
    shown = (*stages, "import")
    out = {s: statistics.median(r[s] for r in runs) for s in shown}
    out["outside HiGHS"] = statistics.median(sum(r[s] for s in stages) for r in runs)
    out["build+handoff"] = statistics.median(r["build"] + r["handoff"] for r in runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sopopt.inputs.generate import size_for_variables, write_instance

    with tempfile.TemporaryDirectory() as folder:
        model = write_instance(Path(folder), *size_for_variables(args.size), seed=args.seed)
        checkouts = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
        for _ in range(args.repeat):
            for name, checkout in checkouts.items():
                runs[name].append(_run(checkout, Path(model), WORKER))
                sys.stderr.write(f"{name}: {json.dumps(runs[name][-1])}\n")
                sys.stderr.flush()
        result = {name: _summary(r) for name, r in runs.items()}
        result["columns"] = runs["this"][0]["columns"]
        if args.against:
            result["ratio"] = {k: result["this"][k] / result["other"][k] for k in result["this"]}
        sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
