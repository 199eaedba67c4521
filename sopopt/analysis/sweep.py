"""Re-solve one built model for many demand cases, changing the LP in place.

Building and compiling the model is done once. For each demand case only the numbers
that depend on demand change:

- the backlog balance ``B_t - B_{t-1} + S_t + Λ_t = D_t`` (items with backlog): row
  bounds shift by ΔD;
- the inventory balance ``... = R_t - D_t`` (items without backlog): row bounds shift
  by -ΔD;
- the lost-sale bound ``Λ_t ≤ D_t`` (items with lost sales but no backlog): column
  upper bounds are replaced.

The same changes are applied to the case data the LP was built from and, when the LP
came from the Pyomo model (``how="pyomo"``), to that model's constraint and variable
bounds, so the model, the LP in HiGHS and the plan tables stay in step; recompiling the
model would give the same LP.

Each case is solved warm (dual simplex from a basis: HiGHS skips presolve) or cold (the
solver state is cleared; presolve and the size-chosen method run). A warm solve starts
from the basis of the base case (the first one solved) or of the previous case,
whichever case's demand is closer. ``warm="auto"`` picks warm when that distance
(relative L1 change of demand) is at most :data:`WARM_THRESHOLD`; see
docs/benchmarks.md for the measurements behind the rule.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sopopt.case import Case
from sopopt.model.fast import build_lp
from sopopt.model.sets import ModelData
from sopopt.model.standard_form import compile_lp
from sopopt.planning import Build
from sopopt.results import Plan, extract_plan
from sopopt.solver import HighsSession, SolveOptions

#: Largest relative L1 change of demand for which ``warm="auto"`` re-solves warm. At 1e5
#: columns a warm dual simplex took 4-5 s for changes of 1-2.5%, 6.5-8 s for 5-10% and
#: 10-15 s (mean 11.3 s) for 10-12.5%, but 29 s at 15%, against 12.7 s for a cold
#: interior-point solve (docs/benchmarks.md, "Sweeps").
WARM_THRESHOLD = 0.125

Demand = Mapping[tuple[str, str], np.ndarray]


@dataclass(frozen=True)
class _Target:
    """Where one item's demand enters the LP."""

    rows: np.ndarray  # row number per period
    sign: float  # +1: bound = D (backlog balance); -1: bound = R - D (inventory balance)
    lost_cols: np.ndarray | None  # lost-sale columns bounded by D (lost sales, no backlog)


class Resolver:
    """Build once, then solve many demand cases of the same network.

    Example::

        resolver = Resolver(sopopt.load_case("scenarios/base.yaml"))
        base = resolver.solve()
        surge = resolver.solve(sopopt.load_case("scenarios/surge.yaml"))
    """

    def __init__(self, case: Case, options: SolveOptions | None = None, how: Build = "fast") -> None:
        if case.data is None:
            raise ValueError("load the case with checks to solve it")
        self.case = case
        self.data: ModelData = copy.deepcopy(case.data)
        self.options = options or SolveOptions.from_settings(case.solver)
        start = time.perf_counter()
        #: The Pyomo model, kept in step with the LP (``how="pyomo"`` only).
        self.model = None
        if how == "pyomo":
            from sopopt.model.build import build_model

            self.model = build_model(self.data)
        lp = compile_lp(self.model) if self.model is not None else build_lp(self.data)
        self.build_seconds = time.perf_counter() - start
        self.session = HighsSession(lp, self.options)
        self._targets = self._locate()
        #: Demand and optimal basis of the first solve: cases of a sweep are usually
        #: variations of one base case, so its basis is often the closest start.
        self._base: tuple[dict[tuple[str, str], np.ndarray], Any] | None = None

    def _locate(self) -> dict[tuple[str, str], _Target]:
        rows, cols = self.session.row_positions(), self.session.col_positions()
        periods = range(self.data.T)
        targets = {}
        for (p, s), item in self.data.items.items():
            name, sign = ("backlog_balance", 1.0) if item.backlog else ("inventory_balance", -1.0)
            lost = None
            if item.lost_sales and not item.backlog:
                lost = np.array([cols.get(("lost", (p, s, t)), -1) for t in periods])
            targets[p, s] = _Target(np.array([rows.get((name, (p, s, t)), -1) for t in periods]), sign, lost)
        return targets

    def set_demand(self, demand: Demand) -> float:
        """Change demand in place; returns the relative L1 change."""
        changed = total = 0.0
        m = self.model
        for key, new in demand.items():
            item = self.data.items[key]
            new = np.asarray(new, dtype=float)
            delta = new - item.demand
            total += float(np.abs(item.demand).sum())
            if not delta.any():
                continue
            changed += float(np.abs(delta).sum())
            target = self._targets[key]
            p, s = key
            ts = np.flatnonzero(delta)
            rows = target.rows[ts]
            live = rows >= 0
            self.session.shift_row_bounds(rows[live], target.sign * delta[ts][live])
            if target.lost_cols is not None:
                cols = target.lost_cols[ts]
                keep = cols >= 0
                self.session.set_col_upper(cols[keep], new[ts][keep])
            if m is not None:
                for t in ts:
                    con = (m.backlog_balance if item.backlog else m.inventory_balance)[p, s, int(t)]
                    shift = target.sign * float(delta[t])
                    con.set_value((con.lower + shift, con.body, con.upper + shift))
                    if target.lost_cols is not None:
                        m.lost[p, s, int(t)].setub(float(new[t]))
            item.demand = new
        return changed / total if total else (1.0 if changed else 0.0)

    def solve(self, demand: Case | Demand | None = None, *, warm: bool | Literal["auto"] = "auto",
              name: str | None = None) -> Plan:
        """Solve the current model, after setting a new demand case if given."""
        change = 0.0
        start_from = "previous"
        if demand is not None:
            new = _demand_of(demand, self.data)
            change = self.set_demand(new)
            if self._base is not None and self.session.runs:
                from_base = _relative_change(self._base[0], self.data)
                if from_base < change:
                    change, start_from = from_base, "base"
        use_warm = change <= WARM_THRESHOLD if warm == "auto" else bool(warm)
        if use_warm and start_from == "base" and self._base is not None:
            self.session.set_basis(self._base[1])
        solution = self.session.run(warm=use_warm)
        if self._base is None and solution.status.has_plan:
            self._base = ({k: item.demand.copy() for k, item in self.data.items.items()}, self.session.basis())
        plan_name = name or (demand.network.name if isinstance(demand, Case) else self.case.network.name)
        plan = extract_plan(self.data, solution, plan_name, self.case.network.currency)
        plan.info["demand_change"] = change
        plan.info["warm_from"] = start_from if use_warm else "cold"
        return plan

    def sweep(self, cases: Iterable[Case | Demand], warm: bool | Literal["auto"] = "auto") -> Iterator[Plan]:
        """Solve each demand case in turn, reusing the model."""
        for case in cases:
            yield self.solve(case, warm=warm)


def _relative_change(reference: Mapping[tuple[str, str], np.ndarray], data: ModelData) -> float:
    """Relative L1 distance between a reference demand and the data's current demand."""
    changed = sum(float(np.abs(data.items[k].demand - v).sum()) for k, v in reference.items())
    total = sum(float(np.abs(v).sum()) for v in reference.values())
    return changed / total if total else (1.0 if changed else 0.0)


def _demand_of(demand: Case | Demand, data: ModelData) -> Demand:
    """Demand arrays of a case, which must differ from ``data`` in demand only."""
    if not isinstance(demand, Case):
        unknown = sorted(set(demand) - set(data.items))
        if unknown:
            raise ValueError(f"demand for unknown product/site pairs: {unknown[:5]}")
        return demand
    other = demand.data
    if other is None:
        raise ValueError("load the case with checks to solve it")
    if other.labels != data.labels or set(other.items) != set(data.items):
        raise ValueError("a re-solve needs the same periods and product/site pairs")
    differences = _differences_except_demand(data, other)
    if differences:
        raise ValueError(
            "only demand may change in an in-place re-solve; these inputs differ too: " + ", ".join(differences[:5])
        )
    return {key: item.demand for key, item in other.items.items()}


def _differences_except_demand(a: ModelData, b: ModelData) -> list[str]:
    """Names of the inputs (other than demand) that differ between two compiled cases."""
    found = []
    for key, item in a.items.items():
        other = b.items[key]
        for field, value in vars(item).items():
            if field == "demand":
                continue
            if not _equal(value, getattr(other, field)):
                found.append(f"{key[0]}@{key[1]}.{field}")
    for group in ("resources", "workforce", "material_stocks", "suppliers", "lanes", "storage"):
        mine, theirs = getattr(a, group), getattr(b, group)
        if set(mine) != set(theirs):
            found.append(group)
            continue
        for key, entry in mine.items():
            for field, value in vars(entry).items():
                if not _equal(value, getattr(theirs[key], field)):
                    found.append(f"{group}.{key}.{field}")
    for group in ("bom", "volume", "family"):
        if getattr(a, group) != getattr(b, group):
            found.append(group)
    return found


def _equal(x: object, y: object) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and np.array_equal(x, y)
    return x == y
