"""Time outside HiGHS of a whole ``sopopt.solve``, before/after a change, and against
HiGHS alone.

    python benchmarks/outside.py --size 1e4 --repeat 3 [--against /path/to/other/checkout] [--highs]

Generates one seeded instance, then runs ``sopopt.solve`` on it in a fresh process per
repeat and reads ``plan.info``: load, build, hand-off, ranging, extraction, the HiGHS
call (``solve_seconds``) and the total; ``outside`` is the total minus the HiGHS call and
``ranking_share`` the ranging over the total (the bottleneck ranking is in every solve).
With ``--against`` the other checkout runs interleaved with this one, run by run, so that
machine load hits both alike; it prints medians and the ratio this / other. With
``--highs`` HiGHS alone (read the LP's MPS file with sopopt's options, then run; the file
and options written once by this checkout before the timed runs) runs in the same
rotation, and ``over_highs`` is each checkout's median total over HiGHS alone's median
(read + run), the 1.10x of issue 25; ``over_highs_cpu`` the same with CPU seconds of
each process (less moved by other work on a shared machine). Each run prints a line as it ends (load average
included), so a run cut short still leaves figures.
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
import json, sys, time
import sopopt
cpu = time.process_time()
plan = sopopt.solve(sys.argv[1])
cpu = time.process_time() - cpu
info = dict(plan.info)
print(json.dumps({**{k: float(info.get(k, 0.0)) for k in json.loads(sys.argv[2])}, "cpu_seconds": cpu}))
"""


#: Writes the LP as MPS and HiGHS's options as sopopt sets them, instead of solving.
EXPORT = """
import sys
import highspy
import sopopt

class Written(Exception):
    pass

def write(self):
    self.writeModel(sys.argv[2])
    self.writeOptions(sys.argv[3])
    raise Written

highspy.Highs.run = write
try:
    sopopt.solve(sys.argv[1])
except Written:
    pass
"""

#: HiGHS alone: read the options and the MPS file, run; read + run timed.
HIGHS = """
import json, sys, time
import highspy
h = highspy.Highs()
h.readOptions(sys.argv[2])
h.setOptionValue("output_flag", False)
cpu = time.process_time()
start = time.perf_counter()
h.readModel(sys.argv[1])
read = time.perf_counter()
h.run()
end = time.perf_counter()
print(json.dumps({"total_seconds": end - start, "read_seconds": read - start, "solve_seconds": end - read,
                  "cpu_seconds": time.process_time() - cpu, "objective": h.getInfo().objective_function_value}))
"""


def _highs(checkout: Path, mps: Path, options: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", HIGHS, str(mps), str(options)], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run(checkout: Path, model: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", WORKER, str(model), json.dumps(STAGES)], capture_output=True, text=True, env=env,
                          check=True, cwd=model.parent)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["outside"] = out["total_seconds"] - out["solve_seconds"]
    out["ranking_share"] = out["ranging_seconds"] / out["total_seconds"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--highs", action="store_true", help="also HiGHS alone with sopopt's options")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sopopt.inputs.generate import size_for_variables, write_instance

    with tempfile.TemporaryDirectory() as folder:
        model = Path(write_instance(Path(folder), *size_for_variables(args.size), seed=args.seed))
        checkouts = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
        if args.highs:
            mps, options = Path(folder) / "lp.mps", Path(folder) / "options.txt"
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            subprocess.run([sys.executable, "-c", EXPORT, str(model), str(mps), str(options)], env=env, check=True,
                           capture_output=True, cwd=model.parent)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in [*checkouts, *(["highs"] if args.highs else [])]}
        for k in range(args.repeat):
            for name, checkout in checkouts.items():
                runs[name].append(_run(checkout, model))
                _say(k, name, runs[name][-1])
            if args.highs:
                runs["highs"].append(_highs(ROOT, mps, options))
                _say(k, "highs", runs["highs"][-1])
        result: dict[str, object] = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                                     for name, rs in runs.items()}
        if args.against:
            this, other = result["this"], result["other"]
            result["ratio"] = {k: this[k] / other[k] for k in this if other[k]}  # type: ignore[index]
        if args.highs:
            alone = result["highs"]["total_seconds"]  # type: ignore[index]
            result["over_highs"] = {name: result[name]["total_seconds"] / alone for name in checkouts}  # type: ignore[index]
            cpu = result["highs"]["cpu_seconds"]  # type: ignore[index]
            # CPU seconds (this process and its threads): less moved by other work on a shared machine.
            result["over_highs_cpu"] = {name: result[name]["cpu_seconds"] / cpu for name in checkouts}  # type: ignore[index]
        result["load_average"] = os.getloadavg()
        sys.stdout.write(json.dumps(result, indent=2) + "\n")


def _say(k: int, name: str, run: dict[str, float]) -> None:
    shown = {key: round(value, 3) for key, value in run.items() if key in ("total_seconds", "solve_seconds",
                                                                          "ranging_seconds", "outside", "cpu_seconds")}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    sys.stdout.write(f"run {k + 1} {name}: {shown} (load {load})\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
