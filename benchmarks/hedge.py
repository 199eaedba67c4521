"""Hedge benchmark: one hedged plan over 5 demand cases against 5 separate solves.

    python benchmarks/hedge.py [--variables 1e4] [--cases 5] [--commit 3] [--repeat 3] [--out F]

Generates one seeded instance (``sopopt.inputs.generate``) and ``--cases`` scenario files on it,
each scaling every demand by its own factor (0.8 to 1.25). Then, ``--repeat`` times:

- ``separate``: :func:`sopopt.solve` on each case (load, build, solve, extract), summed;
- ``hedge``: :func:`sopopt.hedge` on the cases (load, build, the stacked LP's solve,
  extraction of every case's plan, each case alone for EVPI, the expected-value plan
  and its commitment re-solved in every case for VSS), with the stacked solve's own
  HiGHS time.

Prints the medians and the ratio hedge / separate, and writes a JSON of every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sopopt
from sopopt.inputs.generate import size_for_variables, write_instance

ROOT = Path(__file__).resolve().parents[1]
FACTORS = (0.8, 0.9, 1.0, 1.1, 1.25)


def write_cases(root: Path, model: Path, count: int) -> list[Path]:
    """Scenario files on ``model``, each scaling all demand by a factor of :data:`FACTORS`."""
    paths = []
    for k in range(count):
        factor = FACTORS[k % len(FACTORS)] + 0.01 * (k // len(FACTORS))
        path = root / f"case{k + 1}.yaml"
        path.write_text(f"model: {model.name}\nname: case {k + 1}\nadjust:\n"
                        f"  - {{target: demand, multiply: {factor}}}\n", encoding="utf-8")
        paths.append(path)
    return paths


def measure(paths: list[Path], commit: int) -> dict[str, float]:
    """One round: the separate solves, then the hedge."""
    start = time.perf_counter()
    separate = [sopopt.solve(sopopt.load_case(p, workspace=p.parent)) for p in paths]
    separate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    cases = [sopopt.load_case(p, workspace=p.parent) for p in paths]
    result = sopopt.hedge(cases, commit=commit)
    hedge_seconds = time.perf_counter() - start
    return {
        "separate_seconds": separate_seconds,
        "separate_solver_seconds": sum(p.info["solve_seconds"] for p in separate),
        "hedge_seconds": hedge_seconds,
        "stacked_solve_seconds": result.info["solve_seconds"],
        "stacked_columns": result.info["columns"],
        "stacked_rows": result.info["rows"],
        "committed_decisions": result.info["committed_decisions"],
        "expected_cost": result.expected_cost,
        "evpi": result.evpi,
        "vss": result.vss,
        "mean_separate_cost": statistics.mean(p.objective for p in separate),
    }


def main() -> None:
    """Run the benchmark and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variables", type=float, default=1e4)
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--commit", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "hedge.json")
    args = parser.parse_args()
    products, sites, periods = size_for_variables(args.variables)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = write_instance(root, products, sites, periods, args.seed)
        paths = write_cases(root, model, args.cases)
        rounds = [measure(paths, args.commit) for _ in range(args.repeat)]
    medians = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    medians["ratio_hedge_to_separate"] = medians["hedge_seconds"] / medians["separate_seconds"]
    medians["ratio_stacked_solve_to_separate_solves"] = (
        medians["stacked_solve_seconds"] / medians["separate_solver_seconds"])
    report = {"variables": args.variables, "products": products, "sites": sites, "periods": periods,
              "cases": args.cases, "commit": args.commit, "repeat": args.repeat, "medians": medians,
              "rounds": rounds}
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for key, value in medians.items():
        sys.stdout.write(f"{key:40s} {value:,.4f}\n")


if __name__ == "__main__":
    main()
