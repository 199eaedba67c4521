"""Where the MIP gap of the generated integer network is (issue 26): the bound side or
the plan side.

    python benchmarks/integer_gap.py [--size 1e4] [--mip 60] [--out benchmarks/integer_gap.json]

Builds the seeded ``sopopt generate --integer`` instance and measures, printing each
step as it ends (a run cut short still leaves figures), with the load average:

1. the LP relaxation (every setup and whole worker continuous): bound and seconds;
2. the relaxation strengthened by the lot family's (k,l,S) rows
   (:func:`sopopt.solver.cuts.strengthen`, up to 30 rounds or 30 s): bound, rounds;
3. the relaxation of the *facility-location* extended formulation of every lot item
   (not in the model; built here on the LP's arrays): production split by the period
   whose demand it serves, ``X_j = sum_tau W_{j,tau} + V_j (+ P_j)``,
   ``W_{j,tau} <= d_{j,tau} Y_j`` (d: reachable demand of tau a unit made in j can
   still serve: sites without backlog only from j + lead time on, sites with backlog
   every period), ``P_j <= (backlog at the start + backlog sites' demand before j) Y_j``,
   per l ``sum_{j <= l < tau} W_{j,tau} + sum_{j <= l} V_j <= E_l`` (units made by l
   for later demand are in stock or on the way inside the reachable sites at the close
   of l, the same E_l as the (k,l,S) rows) and per tau ``sum_j W_{j,tau} <= D[tau]``.
   For items without backlog it implies every (l,S) row; it is valid with backlog,
   lost sales, lanes and lead times by the argument of the (k,l,S) rows
   (docs/formulation.md, lots family);
4. with ``--mip S``: HiGHS alone for S seconds on the plain and on the extended MIP
   (plan, bound, gap, nodes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(**fields: object) -> None:
    """Print one step as a JSON line, with the load average."""
    sys.stdout.write(json.dumps({**fields, "load": round(os.getloadavg()[0], 2)}) + "\n")
    sys.stdout.flush()


def facility_location(lp: Any, d: Any) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The extended formulation's rows over the LP's columns and its new ones (module
    doc): the matrix (rows x all columns), the rows' lower and upper bounds."""
    from sopopt.model import lots

    pos = {key: j for j, key in enumerate(lp.column_keys())}
    parts = {c for bill in d.components.values() for c in bill} | set(d.shelf)
    rows: list[tuple[list[tuple[int, float]], float, float]] = []
    n = lp.num_col
    for key in lots.lot_items(d):
        item = None if key[0] in parts else lots._cut_item(d, key, pos)
        if item is None:
            continue
        n = _item_rows(d, key, item, n, rows)
    r, c, v = zip(*[(i, col, val) for i, (terms, _lo, _hi) in enumerate(rows) for col, val in terms], strict=True)
    matrix = sp.csr_matrix((v, (r, c)), shape=(len(rows), n))
    return matrix, np.array([row[1] for row in rows]), np.array([row[2] for row in rows])


def _item_rows(d: Any, key: tuple[str, str], item: Any, n: int, rows: list) -> int:
    """Append one lot item's columns (numbered from ``n``) and rows; the next number."""
    from sopopt.model import lots

    T = d.T
    demand = sum(np.asarray(d.items[key[0], r].demand, float) for r in lots._reach(d, *key))
    owed = sum((np.asarray(D, float) for _l, D, _B, _s in item.owed), np.zeros(T))
    start = sum(s for *_rest, s in item.owed)
    serve: dict[tuple[int, int], int] = {}
    spare: list[int] = []
    for j in range(T):
        link = [(int(item.x[j]), 1.0)]
        for tau in range(j, T):
            can = sum(D[tau] for lead, D in item.plain if j + lead <= tau) + owed[tau]
            if can > 0:
                serve[j, tau] = n
                rows.append(([(n, 1.0), (int(item.y[j]), -float(can))], -np.inf, 0.0))
                link.append((n, -1.0))
                n += 1
        spare.append(n)
        link.append((n, -1.0))
        n += 1
        past = start + float(owed[:j].sum())
        if item.owed and past > 0:
            rows.append(([(n, 1.0), (int(item.y[j]), -past)], -np.inf, 0.0))
            link.append((n, -1.0))
            n += 1
        rows.append((link, 0.0, 0.0))
    for end in range(T):
        terms = [(col, 1.0) for (j, tau), col in serve.items() if j <= end < tau]
        terms += [(spare[j], 1.0) for j in range(end + 1)] + [(int(c), -1.0) for c in item.stock[end]]
        rows.append((terms, -np.inf, 0.0))
    for tau in range(T):
        terms = [(col, 1.0) for (_j, t), col in serve.items() if t == tau]
        if terms:
            rows.append((terms, -np.inf, float(demand[tau]) + (start if tau == 0 else 0.0)))
    return n


def extended(lp: Any, d: Any) -> dict[str, Any]:
    """The LP's arrays with the extended formulation appended (new columns free >= 0)."""
    from sopopt.model.transforms.extended import to_csc

    rows, lower, upper = facility_location(lp, d)
    new = rows.shape[1] - lp.num_col
    base = sp.hstack([to_csc(lp), sp.csc_matrix((lp.num_row, new))])
    matrix = sp.vstack([base, rows]).tocsc()
    return {"matrix": matrix, "cost": np.concatenate([lp.col_cost, np.zeros(new)]),
            "col_lower": np.concatenate([lp.col_lower, np.zeros(new)]),
            "col_upper": np.concatenate([lp.col_upper, np.full(new, np.inf)]),
            "row_lower": np.concatenate([lp.row_lower, lower]), "row_upper": np.concatenate([lp.row_upper, upper]),
            "integrality": np.concatenate([np.asarray(lp.integrality), np.zeros(new)]).astype(np.int32)}


def solve(lp: Any, arrays: dict[str, Any], mip: bool, seconds: float) -> dict[str, Any]:
    """HiGHS on the arrays (relaxed unless ``mip``): value, bound, gap, nodes, seconds."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(seconds))
    a = arrays["matrix"]
    integrality = arrays["integrality"] if mip else np.zeros_like(arrays["integrality"])
    h.passModel(a.shape[1], a.shape[0], a.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize),
                lp.offset, arrays["cost"], arrays["col_lower"], arrays["col_upper"], arrays["row_lower"],
                arrays["row_upper"], a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, integrality)
    mark = time.perf_counter()
    h.run()
    info = h.getInfo()
    out = {"columns": a.shape[1], "rows": a.shape[0], "seconds": round(time.perf_counter() - mark, 2),
           "status": h.modelStatusToString(h.getModelStatus()), "value": info.objective_function_value}
    if mip:
        out.update(bound=info.mip_dual_bound, gap=info.mip_gap, nodes=info.mip_node_count)
    return out


def plain(lp: Any) -> dict[str, Any]:
    """The LP's own arrays in the shape :func:`solve` takes."""
    from sopopt.model.transforms.extended import to_csc

    return {"matrix": to_csc(lp), "cost": lp.col_cost, "col_lower": lp.col_lower, "col_upper": lp.col_upper,
            "row_lower": lp.row_lower, "row_upper": lp.row_upper,
            "integrality": np.asarray(lp.integrality).astype(np.int32)}


def main() -> None:
    """Run the steps of the module doc."""
    from sopopt.inputs.case import load_case
    from sopopt.inputs.generate import size_for_variables, write_instance
    from sopopt.model.build_arrays import build_lp
    from sopopt.model.families import separator
    from sopopt.solver.cuts import strengthen
    from sopopt.solver.highs import relaxed_model, run_values

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=float, default=1e4)
    parser.add_argument("--mip", type=float, default=0.0, help="seconds of HiGHS alone on each MIP (0: none)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "integer_gap.json")
    args = parser.parse_args()
    steps: list[dict[str, Any]] = []

    def step(**fields: Any) -> None:
        say(**fields)
        steps.append({**fields, "load": os.getloadavg()[0]})

    with tempfile.TemporaryDirectory() as folder:
        model = write_instance(Path(folder) / "net", *size_for_variables(args.size), integer=True)
        d = load_case(model, workspace=model.parent).data
    lp = build_lp(d)
    mark = time.perf_counter()
    h = relaxed_model(lp)
    h.setOptionValue("output_flag", False)
    x, bound = run_values(h)
    step(step="LP relaxation", bound=bound, seconds=round(time.perf_counter() - mark, 2))
    separate = separator(d, lp)
    if separate is not None and x is not None:
        mark = time.perf_counter()
        done = strengthen(h, x, separate, 30.0, lambda: False)
        step(step="(k,l,S) rows", bound=done.bound, rounds=done.rounds, rows=done.rows.count,
             seconds=round(time.perf_counter() - mark, 2))
    ext = extended(lp, d)
    step(step="facility-location relaxation", **solve(lp, ext, False, 600.0))
    if args.mip:
        step(step="HiGHS alone, plain MIP", **solve(lp, plain(lp), True, args.mip))
        step(step="HiGHS alone, facility-location MIP", **solve(lp, ext, True, args.mip))
    args.out.write_text(json.dumps({"size": args.size, "steps": steps}, indent=2) + "\n")


if __name__ == "__main__":
    main()
