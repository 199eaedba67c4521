"""Cost of the issue-23 explanations against one solve (ratios and medians).

    python benchmarks/attribution.py --size 1e4 --repeat 3

Generates one seeded instance and a scenario with 4 adjustments (demand, resource
hours, supplier capacity, production cost) on it, then measures, per repeat:

- ``solve``: one ``sopopt.solve`` of the scenario (total seconds, with ranging);
- ``ranking``: the bottleneck ranking's own cost as a share of that solve: ranging its
  candidate limits beyond the shown limits every solve ranges, plus the money table;
- ``attribution``: ``sopopt.explain(base, scenario)`` (Shapley, 16 subsets in one
  Resolver) in seconds and as a multiple of one solve.

Prints medians and the load average (the machine is shared: say so with any number).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = """\
model: {model}
name: four changes
adjust:
  - {{target: demand, multiply: 1.15, note: demand up}}
  - {{target: resource_hours, multiply: 0.85, note: hours down}}
  - {{target: supplier_capacity, multiply: 0.8, note: suppliers short}}
  - {{target: production_cost, multiply: 1.1, note: dearer production}}
"""


def _once(model: Path, scenario: Path) -> dict[str, float]:
    import sopopt
    from sopopt.results.bottlenecks import bottleneck_table
    from sopopt.results.limits import limit_records

    case = sopopt.load_case(scenario)
    planner = sopopt.Planner()
    live = planner.solve_live(case)
    plan, session, solution = live.plan, live.session, live.solution
    # The ranking's own cost: ranging its candidates (beyond the shown limits every solve
    # ranges) and the money table (limit_records is the shadow-price table's, not counted).
    mark = time.perf_counter()
    planner.ranged(session, solution)
    shown = time.perf_counter() - mark
    mark = time.perf_counter()
    ranged = planner.ranged(session, solution, case.data)
    candidates = time.perf_counter() - mark
    records = limit_records(case.data, ranged)
    mark = time.perf_counter()
    bottleneck_table(case.data, records, ranged.values)
    ranking = max(candidates - shown, 0.0) + time.perf_counter() - mark
    total = float(plan.info["total_seconds"])
    mark = time.perf_counter()
    explained = sopopt.explain(model, scenario)
    attribution = time.perf_counter() - mark
    return {"solve": total, "highs": float(plan.info["solve_seconds"]), "ranking": ranking,
            "ranking_share": ranking / total, "attribution": attribution, "attribution_ratio": attribution / total,
            "solves": float(explained.solves)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from sopopt.inputs.generate import size_for_variables, write_instance

    with tempfile.TemporaryDirectory() as folder:
        model = Path(write_instance(Path(folder), *size_for_variables(args.size), seed=args.seed))
        scenario = model.parent / "four.yaml"
        scenario.write_text(SCENARIO.format(model=model.name))
        runs = [_once(model, scenario) for _ in range(args.repeat)]
    medians = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(json.dumps({"size": args.size, "repeat": args.repeat, "load": os.getloadavg(), "median": medians},
                     indent=2))


if __name__ == "__main__":
    main()
