"""Benchmark executable plans (issue 16): whole workers and lot sizes on the generated
networks, solved as a MIP to the default gap of 1e-4 or stopped at a time limit.

    python benchmarks/integer.py [--sizes 1e4 1e5] [--time-limit 300] [--out benchmarks/integer_results.json]

For each size, generates the seeded instance of :func:`sopopt.inputs.generate.size_for_variables`
with ``integer=True`` (``sopopt generate --integer``: every crew in whole workers, every
product made in lots of at least a third of its average demand, with a setup cost) and
solves it once in a fresh process with ``solver.time_limit`` = ``--time-limit``.
Reports, per size: the LP size, the integer columns, the status, the solve time, the
MIP gap reached and the branch-and-bound nodes, what the start heuristic did (each
stage's name, plan cost and seconds; the valid rows kept), the load average before and
after (``uptime``: the machine is shared), and the same instance solved as an LP (no
integer decisions) for the cost of executability.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def worker(model: Path, time_limit: float) -> dict[str, Any]:
    """Solve the instance once; what the MIP reached."""
    import sopopt
    from sopopt.inputs.case import load_case

    case = load_case(model, workspace=model.parent)
    options = sopopt.SolveOptions.from_settings(case.solver, time_limit=time_limit)
    plan = sopopt.solve(case, options, raise_on_failure=False)
    info = plan.info
    return {
        "status": plan.status.value,
        "status_text": plan.status_text,
        "objective": plan.objective,
        "solve_seconds": info.get("solve_seconds"),
        "columns": info.get("columns"),
        "rows": info.get("rows"),
        "mip_gap": info.get("mip_gap"),
        "mip_nodes": info.get("mip_nodes"),
        "setups_cost": float(plan.costs.get("setups", 0.0)) if plan.objective is not None else None,
        **{key: info.get(key) for key in ("mip_start", "mip_start_objective", "mip_start_seconds", "mip_start_stages", "mip_cuts")},
    }


def _run(model: Path, time_limit: float) -> dict[str, Any]:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.integer import worker; "
            f"from pathlib import Path; print(json.dumps(worker(Path({str(model)!r}), {time_limit})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         timeout=time_limit * 3 + 600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the sizes and write the results JSON."""
    from sopopt.inputs.generate import size_for_variables, write_instance

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5])
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "integer_results.json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            products, sites, periods = size_for_variables(size)
            row: dict[str, Any] = {"size": size, "products": products, "sites": sites, "periods": periods,
                                   "load_average_start": os.getloadavg()}
            for integer in (True, False):
                model = write_instance(Path(folder) / f"{size:g}-{integer}", products, sites, periods, integer=integer)
                row["mip" if integer else "lp"] = _run(model, args.time_limit)
            say(json.dumps(row))
            results.append(row)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
               "load_average_end": os.getloadavg()}
    args.out.write_text(json.dumps({"time_limit": args.time_limit, "machine": machine, "results": results}, indent=2)
                        + "\n")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
