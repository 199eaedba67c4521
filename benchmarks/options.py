"""Benchmark capacity options (issue 32): the generated 1e4 LP network with 10 options
(``sopopt generate --variables 1e4 --options 10``) must reach a MIP gap of at most 1%
within 60 s.

    python benchmarks/options.py [--size 1e4] [--options 10] [--time-limit 60] [--out benchmarks/options_results.json]

Solves the instance once, in this process, with ``mip_gap`` 0.01 and the time limit,
and reports the LP size, the status, the solve time, the gap reached, the options
chosen and the machine's load average (the machine is shared: say so with any number).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run(size: float, count: int, time_limit: float) -> dict[str, Any]:
    """Generate, solve and measure one instance."""
    import sopopt
    from sopopt.inputs.case import load_case
    from sopopt.inputs.generate import size_for_variables, write_instance
    from sopopt.model.options import OPTIONS_TABLE

    products, sites, periods = size_for_variables(size)
    with tempfile.TemporaryDirectory() as tmp:
        model = write_instance(tmp, products, sites, periods, 0, options=count)
        case = load_case(model, workspace=model.parent)
        options = sopopt.SolveOptions.from_settings(case.solver, time_limit=time_limit, mip_gap=0.01)
        plan = sopopt.Planner(options=options, explain=False).solve(case, raise_on_failure=False)
    table = plan.tables.get(OPTIONS_TABLE)
    info = plan.info
    return {
        "size": size, "options": count, "products": products, "sites": sites, "periods": periods,
        "rows": info.get("rows"), "columns": info.get("columns"), "status": plan.status.value,
        "status_text": plan.status_text, "objective": plan.objective, "solve_seconds": info.get("solve_seconds"),
        "mip_gap": info.get("mip_gap"), "mip_nodes": info.get("mip_nodes"),
        "chosen": [] if table is None else table.loc[table["chosen"], "option"].tolist(),
        "load_average": os.getloadavg(), "python": platform.python_version(),
    }


def main() -> None:
    """Run the benchmark and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=float, default=1e4)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "options_results.json")
    args = parser.parse_args()
    result = run(args.size, args.options, args.time_limit)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
