"""Benchmark: `sopopt risk` on a generated network (issue 29: 1,000 draws on 1e4 in at most 5 minutes).

    python benchmarks/risk.py --variables 1e4 --samples 1000

Generates the network in a temporary folder, runs `sopopt.analysis.risk.risk` once with
all periods committed and a demand CV of 0.15, and prints the wall time, the draws per
second, the batch size and the load average; numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import sopopt
from sopopt.analysis.risk import RiskSettings, batch_size, risk
from sopopt.inputs.generate import size_for_variables, write_instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variables", type=float, default=1e4)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--commit", default="all")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "net"
        model = write_instance(folder, *size_for_variables(args.variables))
        case = sopopt.load_case(model, workspace=folder)
        commit = None if args.commit == "all" else int(args.commit)
        start = time.perf_counter()
        result = risk(case, RiskSettings(samples=args.samples, seed=1, cv=0.15, commit=commit, workers=args.workers))
        seconds = time.perf_counter() - start
    columns = int(result.plan.info.get("columns") or 0)
    batch = batch_size(columns)
    total = result.summary[result.summary["level"] == "total"].iloc[0]
    print(f"{args.variables:g} variables ({columns:,} LP columns), {args.samples} draws, commit {args.commit}, "
          f"{args.workers} worker(s): {seconds:.1f} s ({args.samples / seconds:.1f} draws/s), batches of {batch}; "
          f"statuses {result.statuses}; fill {total['fill_rate']:.2%}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
