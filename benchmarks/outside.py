"""Time outside HiGHS of a whole ``sopopt.solve``, before/after a change.

    python benchmarks/outside.py --size 1e4 --repeat 3 [--against /path/to/other/checkout]

Generates one seeded instance, then runs ``sopopt.solve`` on it in a fresh process per
repeat and reads ``plan.info``: load, build, hand-off, ranging, extraction, the HiGHS
call (``solve_seconds``) and the total; ``outside`` is the total minus the HiGHS call.
With ``--against`` the other checkout runs interleaved with this one, run by run, so that
machine load hits both alike; it prints medians and the ratio this / other.
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
STAGES = ("load_seconds", "build_seconds", "handoff_seconds", "solve_seconds", "ranging_seconds",
          "extract_seconds", "total_seconds")

WORKER = """
import json, sys
import sopopt
plan = sopopt.solve(sys.argv[1])
info = dict(plan.info)
print(json.dumps({k: float(info.get(k, 0.0)) for k in json.loads(sys.argv[2])}))
"""


def _run(checkout: Path, model: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", WORKER, str(model), json.dumps(STAGES)], capture_output=True, text=True, env=env,
                          check=True, cwd=model.parent)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["outside"] = out["total_seconds"] - out["solve_seconds"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sopopt.inputs.generate import size_for_variables, write_instance

    with tempfile.TemporaryDirectory() as folder:
        model = Path(write_instance(Path(folder), *size_for_variables(args.size), seed=args.seed))
        checkouts = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
        for _ in range(args.repeat):
            for name, checkout in checkouts.items():
                runs[name].append(_run(checkout, model))
        keys = (*STAGES, "outside")
        result: dict[str, object] = {name: {k: statistics.median(r[k] for r in rs) for k in keys}
                                     for name, rs in runs.items()}
        if args.against:
            this, other = result["this"], result["other"]
            result["ratio"] = {k: this[k] / other[k] for k in keys if other[k]}  # type: ignore[index]
        result["load_average"] = os.getloadavg()
        sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
