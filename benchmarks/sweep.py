"""Sweep benchmark: many demand cases on one built model vs cold runs.

    python benchmarks/sweep.py [--variables 1e5] [--cases 20] [--mix mixed|small] [--modes auto,warm,cold] [--out F]

Generates one seeded instance (``sopopt.inputs.generate``), then:

- cold: ``sopopt.solve`` end to end (load, build, solve, extract) on the base case,
  ``--cold-runs`` times in fresh Resolver-free calls; the median times ``--cases`` is the
  cost of solving every case from scratch;
- sweep: one :class:`sopopt.analysis.resolver.Resolver` solves ``--cases`` demand cases in turn
  (each a seeded random change of every product's demand: half small, 2-5%, half
  large, 10-30%), in the modes of ``--modes``: ``warm="auto"``, all warm, all cold.

Every sweep plan's objective is checked against a fresh solve of a sample of cases.
Prints the ratios and writes a JSON of every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import sopopt
from sopopt.analysis.resolver import WARM_THRESHOLD, Resolver
from sopopt.inputs.generate import size_for_variables, write_instance

ROOT = Path(__file__).resolve().parents[1]


def demand_cases(
    case: sopopt.Case, count: int, seed: int, mix: str = "mixed"
) -> list[dict[tuple[str, str], np.ndarray]]:
    """Seeded demand cases: every product's demand scaled by its own random factor,
    within 2-5% of the base (``small``), or alternately that and 10-30% (``mixed``)."""
    assert case.data is not None
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        small = mix == "small" or i % 2 == 0
        spread = rng.uniform(0.02, 0.05) if small else rng.uniform(0.10, 0.30)
        factors = {p: 1.0 + rng.uniform(-spread, spread) for p in case.data.products}
        cases.append({key: np.round(item.demand * factors[key[0]], 6) for key, item in case.data.items.items()})
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=float, default=1e5)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="auto,warm", help="sweep modes to run: auto, warm, cold")
    parser.add_argument("--mix", default="mixed", choices=["mixed", "small"], help="size of the demand changes")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "sweep_mixed.json")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sopopt-sweep-"))
    products, sites, periods = size_for_variables(args.variables)
    path = write_instance(folder, products, sites, periods, args.seed)
    case = sopopt.load_case(path)
    cases = demand_cases(case, args.cases, args.seed + 1, args.mix)

    cold = []
    for _ in range(args.cold_runs):
        start = time.perf_counter()
        plan = sopopt.solve(path)
        cold.append(time.perf_counter() - start)
    cold_median = statistics.median(cold)
    print(f"cold end-to-end run: median {cold_median:.2f} s of {args.cold_runs} ({plan.info['columns']} columns)")

    results: dict[str, dict[str, object]] = {}
    objectives: dict[str, list[float]] = {}
    modes = args.modes.split(",")
    for mode in modes:
        warm = {"auto": "auto", "warm": True, "cold": False}[mode]
        start = time.perf_counter()
        resolver = Resolver(case)
        setup = time.perf_counter() - start
        resolver.solve(warm=False)  # the base case, cold, gives the first basis
        per_case, used_warm, values, changes, starts = [], [], [], [], []
        for demand in cases:
            mark = time.perf_counter()
            plan = resolver.solve(demand, warm=warm)
            per_case.append(time.perf_counter() - mark)
            used_warm.append(bool(plan.info["warm_start"]))
            values.append(float(plan.objective))
            changes.append(float(plan.info["demand_change"]))
            starts.append(str(plan.info["warm_from"]))
        total = time.perf_counter() - start
        results[mode] = {
            "total_seconds": total,
            "setup_seconds": setup,
            "per_case_seconds": per_case,
            "demand_change": changes,
            "started_from": starts,
            "median_case_seconds": statistics.median(per_case),
            "warm_cases": sum(used_warm),
            "ratio_to_cold_runs": total / (cold_median * args.cases),
        }
        objectives[mode] = values
        print(f"sweep {mode:>4}: {total:7.2f} s for {args.cases} cases (+ base), median case "
              f"{statistics.median(per_case):.2f} s, {sum(used_warm)} warm; "
              f"ratio to {args.cases} cold runs {results[mode]['ratio_to_cold_runs']:.3f}")

    for mode in modes[1:]:
        worst = max(abs(a - b) / max(abs(b), 1.0) for a, b in zip(objectives[mode], objectives[modes[0]], strict=True))
        print(f"largest relative objective difference {modes[0]} vs {mode}: {worst:.2e}")
        assert worst <= 1e-7, f"{mode} sweep disagrees with {modes[0]}"
    # A fresh build of two of the cases gives the same optimum.
    for i in (0, len(cases) - 1):
        fresh = Resolver(case)
        plan = fresh.solve(cases[i], warm=False)
        assert abs(plan.objective - objectives[modes[0]][i]) <= 1e-7 * abs(plan.objective)

    report = {
        "instance": {"products": products, "sites": sites, "periods": periods, "seed": args.seed,
                     "columns": plan.info["columns"], "rows": plan.info["rows"]},
        "warm_threshold": WARM_THRESHOLD,
        "mix": args.mix,
        "cold_runs_seconds": cold,
        "cold_median_seconds": cold_median,
        "sweeps": results,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
