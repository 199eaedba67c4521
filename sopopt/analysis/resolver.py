"""Re-solve one built LP for many cases of the same network, changing it in place.

Building and compiling the model is done once per network shape. For each new case
only numbers change in the LP that HiGHS holds:

- a new demand (a mapping, or a case that differs from the loaded one in demand only)
  shifts the row bounds of the balances it enters and the lost-sale column bounds:

  - the backlog balance ``B_t - B_{t-1} + S_t + Λ_t = D_t`` (items with backlog): row
    bounds shift by ΔD;
  - the inventory balance ``... = R_t - D_t`` (items without backlog): row bounds shift
    by -ΔD;
  - the lost-sale bound ``Λ_t ≤ D_t`` (items with lost sales but no backlog): column
    upper bounds are replaced;

- any other case is built as arrays (cheap next to a solve) and compared with the loaded
  LP: when it has the same columns, rows and nonzero pattern, the costs, bounds,
  right-hand sides, coefficients and offset that differ are changed in place
  (:meth:`~sopopt.solver.session.HighsSession.replace_numbers`); otherwise (a lever switched on
  or off, a coefficient that became zero, another network) the LP is rebuilt and solved
  cold. ``plan.info["reused_lp"]`` says which happened.

Demand changes are applied to the case data too and, when the LP came from the Pyomo
model (``how="pyomo"``), to that model's constraint and variable bounds, so the model,
the LP in HiGHS and the plan tables stay in step; recompiling the model would give the
same LP.

Each case is solved warm (dual simplex from a basis: HiGHS skips presolve) or cold (the
solver state is cleared; presolve and the size-chosen method run). A warm solve starts
from the basis of the base case (the first one solved on this LP) or of the previous
case, whichever is closer. The distance is the larger of the relative L1 change of
demand and, for the LP's numbers, the largest relative L1 change of one group (finite
bounds and right-hand sides, costs, coefficients). ``warm="auto"`` picks warm when it is
at most :data:`WARM_THRESHOLD`; see docs/benchmarks.md for the measurements behind it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sopopt.analysis.case_changes import same
from sopopt.analysis.planner import Detail, Planner
from sopopt.inputs.case import Case
from sopopt.inputs.compile import ModelData
from sopopt.model.arrays import share_index
from sopopt.model.build_arrays import FastLP
from sopopt.model.families import FAMILIES
from sopopt.model.family import DemandTerm
from sopopt.model.lots import lot_items
from sopopt.model.lp import LinearProgram
from sopopt.results.plan import Plan

#: Largest relative change (demand, or a group of the LP's numbers) for which
#: ``warm="auto"`` re-solves warm. At 1e5 columns a warm dual simplex took 4-5 s for
#: demand changes of 1-2.5%, 6.5-8 s for 5-10% and 10-15 s (mean 11.3 s) for 10-12.5%,
#: but 29 s at 15%, against 12.7 s for a cold interior-point solve (docs/benchmarks.md,
#: "Sweeps").
WARM_THRESHOLD = 0.125

Demand = Mapping[tuple[str, str], np.ndarray]


@dataclass(frozen=True)
class _Target:
    """Where one item's demand enters the LP (one of its families' demand terms)."""

    positions: np.ndarray  # row or column number per period (-1: absent)
    coefficient: float
    row: bool  # True: row bounds move by coefficient x change; False: column upper = coefficient x demand
    component: str
    index: tuple[Any, ...]  # entity of the row or column (index is (*entity, t))


#: Where demand enters the LP: every family's demand terms.
DEMAND_TERMS: tuple[DemandTerm, ...] = tuple(term for family in FAMILIES for term in family.demand)


def structure_key(lp: LinearProgram) -> str:
    """A digest of an LP's shape: its columns and rows (by component and index) and its
    nonzero pattern. Two LPs with the same key differ in numbers only."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{lp.num_col},{lp.num_row};".encode())
    digest.update(np.ascontiguousarray(lp.a_start, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(lp.a_index, dtype=np.int64).tobytes())
    if isinstance(lp, FastLP):
        for block in [*lp.columns, *lp.rows]:
            digest.update(f"{block.name}:{block.entities!r}".encode())
            for cells in (block.ent, block.t, block.position):
                digest.update(np.ascontiguousarray(cells, dtype=np.int64).tobytes())
    else:
        digest.update(repr((lp.column_keys(), lp.row_keys())).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Numbers:
    """What a warm start's distance is measured on: demand and the LP's numbers."""

    items: tuple[tuple[str, str], ...]
    demand: np.ndarray  # one row per item, in ``items`` order
    groups: tuple[np.ndarray, ...]  # finite bounds and right-hand sides, costs, coefficients

    @classmethod
    def of(cls, data: ModelData, lp: LinearProgram) -> _Numbers:
        bounds = np.concatenate([lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper])
        bounds = np.where(np.isfinite(bounds), bounds, 0.0)
        demand = np.array([item.demand for item in data.items.values()], dtype=float).reshape(len(data.items), -1)
        return cls(tuple(data.items), demand, (bounds, lp.col_cost.copy(), lp.a_value.copy()))

    def distance(self, other: _Numbers) -> float:
        """Relative change from ``self`` to ``other`` (see the module docstring)."""
        changes = [_relative(a, b) for a, b in zip(self.groups, other.groups, strict=True)]
        if self.items != other.items or self.demand.shape != other.demand.shape:
            return 1.0
        changes.append(_relative(self.demand, other.demand))
        return max(changes)


def _relative(before: np.ndarray, after: np.ndarray) -> float:
    changed = float(np.abs(after - before).sum())
    total = float(np.abs(before).sum())
    return changed / total if total else (1.0 if changed else 0.0)


def demand_targets(
    data: ModelData, rows: Mapping[Any, int], cols: Mapping[Any, int]
) -> dict[tuple[str, str], list[_Target]]:
    """Where each item's demand enters an LP (row and column positions by key): every
    family's demand terms (:class:`~sopopt.model.family.DemandTerm`)."""
    periods = range(data.T)
    targets: dict[tuple[str, str], list[_Target]] = {}
    for p, s in data.items:
        found = []
        for term in DEMAND_TERMS:
            where = rows if term.target == "row" else cols
            for entity, coefficient in term.terms(data, p, s):
                at = np.array([where.get((term.component, (*entity, t)), -1) for t in periods])
                found.append(_Target(at, coefficient, term.target == "row", term.component, entity))
        targets[p, s] = found
    return targets


class Resolver:
    """Build once, then solve many cases of the same network.

    Example::

        resolver = Resolver(sopopt.load_case("scenarios/base.yaml"))
        base = resolver.solve()
        surge = resolver.solve(sopopt.load_case("scenarios/surge.yaml"))
        surge.info["reused_lp"]   # True: only numbers changed, solved in place
    """

    def __init__(self, case: Case, planner: Planner | None = None, lp: LinearProgram | None = None) -> None:
        if case.data is None:
            raise ValueError("load the case with checks to solve it")
        self.case = case
        #: Builds, solves and extracts every case (no explanations: a sweep stores rows).
        self.planner = dataclasses.replace(planner or Planner(), explain=False)
        self.how = self.planner.how
        self.options = self.planner.options_for(case)
        self.build_seconds = 0.0
        #: The Pyomo model, kept in step with the LP (``how="pyomo"`` only).
        self.model: Any = None
        self._load_new(case, lp)

    def _build(self, data: ModelData) -> tuple[LinearProgram, Any]:
        """The LP of ``data`` (and its Pyomo model with ``how="pyomo"``)."""
        start = time.perf_counter()
        lp, model = self.planner.build_with_model(data)
        self.build_seconds = time.perf_counter() - start
        return lp, model

    def _load_new(self, case: Case, lp: LinearProgram | None, model: Any = None, *, owned: bool = False) -> None:
        """Load a case's LP into a new HiGHS session (a rebuild)."""
        assert case.data is not None
        self.data: ModelData = case.data if owned else copy.deepcopy(case.data)
        if lp is None:
            lp, model = self._build(self.data)
        self.model = model
        self.session = self.planner.session(lp, self.options, self.data)
        self.key = structure_key(lp)
        self._targets = self._locate()
        #: Numbers and optimal basis of the first solve on this LP: cases of a sweep are
        #: usually variations of one base case, so its basis is often the closest start.
        self._base: tuple[_Numbers, Any] | None = None
        self._last = _Numbers.of(self.data, lp)

    def _locate(self) -> dict[tuple[str, str], list[_Target]]:
        return demand_targets(self.data, self.session.row_positions(), self.session.col_positions())

    def load(self, case: Case, lp: LinearProgram | None = None, *, owned: bool = False,
             key: str | None = None) -> bool:
        """Make ``case`` the loaded case: in place when only numbers change (True), else
        by a rebuild (False). ``lp``: the case's LP, when already built the same way
        (``key``: its :func:`structure_key`, when known); ``owned``: the case was made
        for this call, so its data is kept without a copy (a later demand change replaces
        the records it changes, never writes into them)."""
        if case.data is None:
            raise ValueError("load the case with checks to solve it")
        if lp is None and same_except_demand(self.data, case.data):
            self.set_demand({key: item.demand for key, item in case.data.items.items()})
            return True
        model = None
        if lp is None:
            lp, model = self._build(case.data)
        if (key or structure_key(lp)) != self.key:
            self._load_new(case, lp, model, owned=owned)
            return False
        share_index(self.session.compiled, lp)
        self.session.replace_numbers(lp)
        self.data = case.data if owned else copy.deepcopy(case.data)
        self.model = model if model is not None else self.model
        return True

    def set_demand(self, demand: Demand) -> None:
        """Change demand in place (rows and column bounds of the LP, the data and, with
        ``how="pyomo"``, the model), where each family's demand terms say it enters."""
        if self.data.classes is not None and self.data.classes.demands:
            raise ValueError("demand by class is in the class rows too: give a case, not a demand mapping")
        shifts: dict[int, float] = {}
        items = self.data.items = dict(self.data.items)  # changed records are replaced, not written into
        for key, new in demand.items():
            item = items[key]
            if new is item.demand:
                continue
            new = np.asarray(new, dtype=float)
            delta = new - item.demand
            if not delta.any():
                continue
            ts = np.flatnonzero(delta)
            for target in self._targets[key]:
                at = target.positions[ts]
                live = at >= 0
                if target.row:
                    for i, shift in zip(at[live].tolist(), (target.coefficient * delta[ts][live]).tolist(), strict=True):
                        shifts[i] = shifts.get(i, 0.0) + shift
                else:
                    self.session.set_col_upper(at[live], target.coefficient * new[ts][live])
                if self.model is not None:
                    _update_model(self.model, target, ts, delta, new)
            items[key] = dataclasses.replace(item, demand=new)
        if shifts:
            self.session.shift_row_bounds(np.array(list(shifts)), np.array(list(shifts.values())))

    def solve(self, demand: Case | Demand | None = None, *, warm: bool | Literal["auto"] = "auto",
              name: str | None = None, lp: LinearProgram | None = None, detail: Detail = "whole",
              owned: bool = False, key: str | None = None) -> Plan:
        """Solve the loaded case, after loading a new case (or a new demand) if given.

        ``lp``: the new case's LP when the caller has built it already (the fast way);
        ``detail``: how much of the plan (:data:`~sopopt.analysis.planner.Detail`; a
        sweep's case row reads no row duals, so ``summary`` and ``row`` skip them);
        ``owned``, ``key``: see :meth:`load`.
        """
        reused = True
        if isinstance(demand, Case):
            reused = self.load(demand, lp, owned=owned, key=key)
        elif demand is not None:
            unknown = sorted(set(demand) - set(self.data.items))
            if unknown:
                raise ValueError(f"demand for unknown product/site pairs: {unknown[:5]}")
            self.set_demand(demand)
        now = _Numbers.of(self.data, self.session.compiled)
        if reused:
            change, start_from = self._last.distance(now), "previous"
            if self._base is not None and self.session.runs:
                from_base = self._base[0].distance(now)
                if from_base < change:
                    change, start_from = from_base, "base"
            use_warm = change <= WARM_THRESHOLD if warm == "auto" else bool(warm)
        else:  # a new LP: nothing to start from
            change, start_from, use_warm = float("nan"), "cold", False
        if use_warm and start_from == "base" and self._base is not None:
            self.session.set_basis(self._base[1])
        # A summary with targets keeps its target tables, which read the rows' prices.
        rows = detail == "whole" or (detail == "summary" and bool(self.data.targets))
        solution = self.planner.allocated(self.session, self.data, warm=use_warm, rows=rows)
        self._last = now
        if self._base is None and solution.status.has_plan:
            self._base = (now, self.session.basis())
        plan_name = name or (demand.network.name if isinstance(demand, Case) else self.case.network.name)
        info = {
            "demand_change": change,
            "warm_from": start_from if use_warm else "cold",
            "reused_lp": reused,
            "build_seconds": self.build_seconds,
        }
        return self.planner.extract(self.case, solution, data=self.data, name=plan_name, detail=detail,
                                    **info)

    def sweep(self, cases: Iterable[Case | Demand], warm: bool | Literal["auto"] = "auto") -> Iterator[Plan]:
        """Solve each case in turn, reusing the LP where only numbers change."""
        for case in cases:
            yield self.solve(case, warm=warm)


def _update_model(m: Any, target: _Target, ts: np.ndarray, delta: np.ndarray, new: np.ndarray) -> None:
    """The same demand change on the Pyomo model (``how="pyomo"``)."""
    component = m.component(target.component)
    for t in ts.tolist():
        index = (*target.index, t)
        if index not in component:
            continue
        if target.row:
            con, shift = component[index], target.coefficient * float(delta[t])
            lower = None if con.lower is None else con.lower + shift
            upper = None if con.upper is None else con.upper + shift
            con.set_value((lower, con.body, upper))
        else:
            component[index].setub(target.coefficient * float(new[t]))


def same_except_demand(a: ModelData, b: ModelData) -> bool:
    """True when two compiled cases have the same periods and items and differ in demand
    only (the cheapest in-place change: no LP build at all). Not with demand classes
    (demand is in the class rows too) nor with lot sizes (a lot's big-M bound is what
    is still needed, from demand: the LP is built)."""
    if a.labels != b.labels or set(a.items) != set(b.items) or a.classes or b.classes:
        return False
    if lot_items(a) or lot_items(b):
        return False
    return not _differences_except_demand(a, b)


def _differences_except_demand(a: ModelData, b: ModelData) -> list[str]:
    """Names of the inputs (other than demand) that differ between two compiled cases
    (records shared by both, as a sweep's grid cases share their scenario's, are equal)."""
    found = []
    for key, item in a.items.items():
        other = b.items[key]
        if other is item:
            continue
        for name, value in vars(item).items():
            if name != "demand" and not same(value, getattr(other, name)):
                found.append(f"{key[0]}@{key[1]}.{name}")
    for spec in dataclasses.fields(a):
        mine, theirs = getattr(a, spec.name), getattr(b, spec.name)
        if spec.name in ("items", "problems") or mine is theirs:
            continue
        if isinstance(mine, dict) and isinstance(theirs, dict) and mine.keys() == theirs.keys():
            found += [f"{spec.name}.{key}" for key, entry in mine.items()
                      if entry is not theirs[key] and not same(entry, theirs[key])]
        elif not same(mine, theirs):
            found.append(spec.name)
    return found
