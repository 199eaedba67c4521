"""The hedge's stacked HiGHS call against five separate HiGHS calls (issue 25).

    python benchmarks/hedge_warm.py [--variables 1e4] [--rounds 3] [--variants simplex,warm,primal,devex,ipm]
                                    [--out benchmarks/hedge_warm.json]

Generates one seeded instance and five demand cases on it (benchmarks/hedge.py's
factors 0.8 .. 1.25, a commitment of 3 periods), builds their LPs once and stacks them
as :func:`sopopt.analysis.hedge.hedge` does. Each round, in turn:

- ``separate``: the five LPs solved one by one, cold, with sopopt's options (HiGHS seconds
  summed; the hedge solves each case alone for EVPI anyway);
- ``stacked``: the stacked LP cold (sopopt's options: the size-chosen method);
- ``stacked_simplex``: the stacked LP cold with dual simplex;
- ``stacked_warm``: the stacked LP from the members' optimal bases (the separate solves'),
  the commitment rows basic: dual feasible (each block's reduced costs times its
  weight), so dual simplex only repairs the commitment rows. Presolve is skipped
  (HiGHS runs from a given basis);
- ``stacked_primal``: the stacked LP cold with primal simplex (``simplex_strategy`` 4);
- ``stacked_devex``: cold dual simplex with devex pricing instead of steepest edge
  (``simplex_dual_edge_weight_strategy`` 1: cheaper iterations, usually more of them);
- ``stacked_ipm``: cold interior point with crossover (a basis, as the hedge needs).

``--variants`` picks which stacked runs follow ``separate`` and ``stacked`` in each
round (all are run in turn within a round, so load hits each alike).

Prints each figure's median and its ratio to ``separate``; every objective is checked
against the cold stacked one (1e-9 relative).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import highspy

import sopopt
from sopopt.analysis.hedge import committed_keys, normalise_weights
from sopopt.analysis.planner import Planner
from sopopt.inputs.generate import size_for_variables, write_instance
from sopopt.model.transforms.stack import stack
from sopopt.solver.options import SolveOptions

sys.path.insert(0, str(Path(__file__).parent))
from hedge import write_cases

ROOT = Path(__file__).resolve().parents[1]


def _solve(planner: Planner, lp, options: SolveOptions, basis=None) -> tuple[float, float, object]:
    session = planner.session(lp, options)
    if basis is not None:
        session.set_basis(basis)
    start = time.perf_counter()
    solution = session.run(warm=basis is not None, rows=False)
    return time.perf_counter() - start, float(solution.objective), session.basis()


def _stacked_basis(bases: list, n_links: int) -> object:
    """The members' bases on the block diagonal, every commitment row basic."""
    basis = highspy.HighsBasis()
    basis.col_status = [s for b in bases for s in b.col_status]
    basis.row_status = [s for b in bases for s in b.row_status] + [highspy.HighsBasisStatus.kBasic] * n_links
    basis.valid = True
    return basis


#: The stacked runs besides sopopt's own options: (method, HiGHS options, warm start).
VARIANTS = {
    "simplex": ("simplex", {}, False),
    "warm": ("simplex", {}, True),
    "primal": ("simplex", {"simplex_strategy": 4}, False),
    "devex": ("simplex", {"simplex_dual_edge_weight_strategy": 1}, False),
    "ipm": ("ipm", {}, False),
}


def one_round(planner: Planner, lps: list, stacked, options: SolveOptions, variants: list[str]) -> dict[str, float]:
    separate = [_solve(planner, lp, options) for lp in lps]
    figures = {"separate": sum(s[0] for s in separate)}
    seconds, cold, _ = _solve(planner, stacked, options)
    figures["stacked"] = seconds
    print(f"  separate {figures['separate']:.2f} s, stacked {seconds:.2f} s", end="", flush=True)
    n_links = stacked.num_row - int(stacked.row_offsets[-1])
    for name in variants:
        method, extra, warm = VARIANTS[name]
        chosen = dataclasses.replace(options, method=method, options={**options.options, **extra})
        basis = _stacked_basis([s[2] for s in separate], n_links) if warm else None
        seconds, value, _ = _solve(planner, stacked, chosen, basis)
        figures[f"stacked_{name}"] = seconds
        print(f", {name} {seconds:.2f} s", end="", flush=True)
        assert abs(value - cold) <= 1e-9 * max(1.0, abs(cold)), (name, value, cold)
    print(f" (load {os.getloadavg()[0]:.1f})", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=float, default=1e4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default="simplex,warm,primal,devex,ipm")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "hedge_warm.json")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sopopt-hedge-warm-"))
    model = write_instance(folder, *size_for_variables(args.variables), 0)
    cases = [sopopt.load_case(p, workspace=folder) for p in write_cases(folder, model, 5)]
    planner = Planner(explain=False)
    lps = [planner.build(case) for case in cases]
    options = planner.options_for(cases[0])
    common = committed_keys(lps[0], 3, False)
    stacked = stack(lps, normalise_weights(None, len(lps)), common)
    load = os.getloadavg()
    print(f"{len(lps)} cases of {lps[0].num_col} columns; stacked {stacked.num_col} x {stacked.num_row}, "
          f"{len(common)} common decisions; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    rounds = [one_round(planner, lps, stacked, options, args.variants.split(",")) for _ in range(args.rounds)]
    medians = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    ratios = {k: statistics.median(r[k] / r["separate"] for r in rounds) for k in rounds[0]}
    for key in medians:
        print(f"{key:16s} median {medians[key]:7.2f} s   median ratio to separate {ratios[key]:.2f}")
    report = {"rounds": rounds, "medians": medians, "ratios": ratios, "load_average": load,
              "columns": lps[0].num_col, "stacked_columns": stacked.num_col}
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
