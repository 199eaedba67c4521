"""Benchmark the supply-structure levers (issue 31): multi-level bills and alternate routings.

    python benchmarks/structure.py [--sizes 1e4 1e5] [--repeat 1] [--out benchmarks/structure_results.json]

For each size, generates the seeded instance of :func:`sopopt.inputs.generate.size_for_variables`
twice: plain, and with ``levels=3, routings=2`` (``sopopt generate --levels 3 --routings 2``:
a 3-level bill on a third of the products, two routings on another third). Each is
solved in a fresh process on the default path; reported: LP columns and rows, the HiGHS
call and the whole solve (load to plan), their medians over ``--repeat`` runs, and the
ratio of solve seconds per LP column, structured over plain (the issue asks for at most
1.5). The load average is recorded before and after: on a shared machine, read ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
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
    """Load, build and solve the instance once; its size and times."""
    import sopopt
    from sopopt.inputs.case import load_case

    start = time.perf_counter()
    case = load_case(model, workspace=model.parent)
    plan = sopopt.solve(case)
    total = time.perf_counter() - start
    return {"status": plan.status.value, "objective": plan.objective, "columns": plan.info.get("columns"),
            "rows": plan.info.get("rows"), "solve_seconds": plan.info.get("solve_seconds"), "total_seconds": total}


def _run(model: Path) -> dict[str, Any]:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.structure import worker; "
            f"from pathlib import Path; print(json.dumps(worker(Path({str(model)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(runs[0])
    for key in ("solve_seconds", "total_seconds"):
        out[key] = statistics.median(r[key] for r in runs)
    return out


def main() -> None:
    """Run the sizes and write the results JSON."""
    from sopopt.inputs.generate import size_for_variables, write_instance

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "structure_results.json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            products, sites, periods = size_for_variables(size)
            row: dict[str, Any] = {"size": size, "products": products, "sites": sites, "periods": periods,
                                   "load_before": os.getloadavg()[0]}
            for name, extra in (("plain", {}), ("structured", {"levels": 3, "routings": 2})):
                model = write_instance(Path(folder) / f"{size:g}-{name}", products, sites, periods, **extra)
                row[name] = _median([_run(model) for _ in range(args.repeat)])
            plain, structured = row["plain"], row["structured"]
            row["per_column_ratio"] = (structured["solve_seconds"] / structured["columns"]) / (
                plain["solve_seconds"] / plain["columns"])
            row["load_after"] = os.getloadavg()[0]
            say(json.dumps(row))
            results.append(row)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    args.out.write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
