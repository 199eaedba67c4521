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

import contextlib
import copy
import dataclasses
import hashlib
import os
import socket
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sopopt.analysis.cases import Sweep, SweepCase, load_sweep, make_case
from sopopt.analysis.planner import Planner
from sopopt.analysis.pool import CONNECT_TIMEOUT, Lost, check_scheduler, default_workers, run_dask, run_local
from sopopt.errors import InfeasibleError, Problem, ScenarioError, SopoptError
from sopopt.inputs.case import Case
from sopopt.inputs.compile import ModelData
from sopopt.io.reader import locate
from sopopt.model.families import FAMILIES
from sopopt.model.family import DemandTerm
from sopopt.model.fast import FastLP
from sopopt.model.lp import LinearProgram
from sopopt.results.plan import Info, Plan
from sopopt.results.store import KEEPABLE, Store, StoreError, plan_row
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import OPTIMAL_STATUSES

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

    demand: dict[tuple[str, str], np.ndarray]
    groups: tuple[np.ndarray, ...]  # finite bounds and right-hand sides, costs, coefficients

    @classmethod
    def of(cls, data: ModelData, lp: LinearProgram) -> _Numbers:
        bounds = np.concatenate([lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper])
        bounds = np.where(np.isfinite(bounds), bounds, 0.0)
        return cls({k: item.demand.copy() for k, item in data.items.items()},
                   (bounds, lp.col_cost.copy(), lp.a_value.copy()))

    def distance(self, other: _Numbers) -> float:
        """Relative change from ``self`` to ``other`` (see the module docstring)."""
        changes = [_relative(a, b) for a, b in zip(self.groups, other.groups, strict=True)]
        changed = sum(float(np.abs(other.demand[k] - v).sum()) for k, v in self.demand.items())
        total = sum(float(np.abs(v).sum()) for v in self.demand.values())
        changes.append(changed / total if total else (1.0 if changed else 0.0))
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

    def _load_new(self, case: Case, lp: LinearProgram | None, model: Any = None) -> None:
        """Load a case's LP into a new HiGHS session (a rebuild)."""
        assert case.data is not None
        self.data: ModelData = copy.deepcopy(case.data)
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

    def load(self, case: Case, lp: LinearProgram | None = None) -> bool:
        """Make ``case`` the loaded case: in place when only numbers change (True), else
        by a rebuild (False). ``lp``: the case's LP, when already built the same way."""
        if case.data is None:
            raise ValueError("load the case with checks to solve it")
        if lp is None and _same_except_demand(self.data, case.data):
            self.set_demand({key: item.demand for key, item in case.data.items.items()})
            return True
        model = None
        if lp is None:
            lp, model = self._build(case.data)
        if structure_key(lp) != self.key:
            self._load_new(case, lp, model)
            return False
        self.session.replace_numbers(lp)
        self.data = copy.deepcopy(case.data)
        self.model = model if model is not None else self.model
        return True

    def set_demand(self, demand: Demand) -> None:
        """Change demand in place (rows and column bounds of the LP, the data and, with
        ``how="pyomo"``, the model), where each family's demand terms say it enters."""
        if self.data.classes is not None and self.data.classes.demands:
            raise ValueError("demand by class is in the class rows too: give a case, not a demand mapping")
        shifts: dict[int, float] = {}
        for key, new in demand.items():
            item = self.data.items[key]
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
            item.demand = new
        if shifts:
            self.session.shift_row_bounds(np.array(list(shifts)), np.array(list(shifts.values())))

    def solve(self, demand: Case | Demand | None = None, *, warm: bool | Literal["auto"] = "auto",
              name: str | None = None, lp: LinearProgram | None = None, summary_only: bool = False) -> Plan:
        """Solve the loaded case, after loading a new case (or a new demand) if given.

        ``lp``: the new case's LP when built already (the fast way); ``summary_only``: see ``extract_plan``.
        """
        reused = True
        if isinstance(demand, Case):
            reused = self.load(demand, lp)
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
        solution = self.planner.allocated(self.session, self.data, warm=use_warm)
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
        return self.planner.extract(self.case, solution, data=self.data, name=plan_name, summary_only=summary_only, **info)

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


def _same_except_demand(a: ModelData, b: ModelData) -> bool:
    """True when two compiled cases have the same periods and items and differ in demand
    only (the cheapest in-place change: no LP build at all)."""
    if a.labels != b.labels or set(a.items) != set(b.items) or a.classes or b.classes:
        return False  # demand by class is in the class rows too: replaced as numbers
    return not _differences_except_demand(a, b)


def _differences_except_demand(a: ModelData, b: ModelData) -> list[str]:
    """Names of the inputs (other than demand) that differ between two compiled cases."""
    found = []
    for key, item in a.items.items():
        other = b.items[key]
        for name, value in vars(item).items():
            if name == "demand":
                continue
            if not _equal(value, getattr(other, name)):
                found.append(f"{key[0]}@{key[1]}.{name}")
    for group in ("resources", "workforce", "material_stocks", "suppliers", "lanes", "storage"):
        mine, theirs = getattr(a, group), getattr(b, group)
        if set(mine) != set(theirs):
            found.append(group)
            continue
        for key, entry in mine.items():
            for name, value in vars(entry).items():
                if not _equal(value, getattr(theirs[key], name)):
                    found.append(f"{group}.{key}.{name}")
    for group in ("bom", "volume", "family", "targets"):
        if getattr(a, group) != getattr(b, group):
            found.append(group)
    return found


def _equal(x: object, y: object) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and np.array_equal(x, y)
    return x == y


# ---------------------------------------------------------------------------- sweeps
#
# ``sweep`` runs a sweep file's cases on worker processes (local, or an existing Dask
# cluster) and stores each result in a DuckDB database as it arrives. Each worker keeps
# one Resolver per LP shape (a few at most), so a case that changes numbers only is
# solved in place on the LP its worker already holds.

#: LP shapes (Resolvers) a worker keeps; the least recently used goes first.
RESOLVERS_PER_WORKER = 4

#: HiGHS keeps process-wide scheduler state: one solve at a time per process, even when a
#: Dask worker runs several tasks in threads.
_SOLVE_LOCK = threading.Lock()

#: Statuses of cases that could not be solved at all (as opposed to a solver's answer).
FAILED_STATUSES = ("failed", "error", "invalid")


@dataclass(frozen=True)
class SweepShared:
    """What every task of a sweep needs, sent to each worker once."""

    name: str
    bases: dict[str, Case]
    time_limit: float | None
    keep: tuple[str, ...]


@dataclass(frozen=True)
class CaseResult:
    """What a worker sends back for one case: its row, kept tables, and who solved it."""

    case_id: str
    row: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    worker: str


def _worker_name() -> str:
    """The Dask worker's address inside a Dask worker, else host:pid."""
    if "distributed" in sys.modules:
        from distributed import get_worker

        with contextlib.suppress(ValueError):
            return str(get_worker().address)
    return f"{socket.gethostname()}:{os.getpid()}"


class _WorkerState:
    """The Resolvers of one worker process, by LP shape and solver options."""

    def __init__(self) -> None:
        self.resolvers: OrderedDict[str, Resolver] = OrderedDict()

    def plan(self, case: Case, options: SolveOptions) -> Plan:
        planner = Planner(options, explain=False)
        lp = planner.build(case)
        key = f"{structure_key(lp)}|{options!r}"
        resolver = self.resolvers.get(key)
        if resolver is None:
            resolver = Resolver(case, planner, lp=lp)
            self.resolvers[key] = resolver
            while len(self.resolvers) > RESOLVERS_PER_WORKER:
                self.resolvers.popitem(last=False)
            plan = resolver.solve(name=case.network.name)
            return dataclasses.replace(plan, info=Info(plan.info, reused_lp=False))
        self.resolvers.move_to_end(key)
        return resolver.solve(case, lp=lp, name=case.network.name)


_STATE = _WorkerState()


def solve_sweep_case(case: SweepCase, shared: SweepShared) -> CaseResult:
    """Solve one sweep case in this (worker) process; every outcome is a result row."""
    start = time.perf_counter()
    tables: dict[str, pd.DataFrame] = {}
    with _SOLVE_LOCK:
        try:
            loaded = make_case(shared.bases[case.scenario], case, shared.name, warn=False)
            options = SolveOptions.from_settings(loaded.solver, time_limit=shared.time_limit, threads=1)
            plan = _STATE.plan(loaded, options)
            row = {**plan_row(plan), "reused_lp": bool(plan.info["reused_lp"])}
            if plan.status.has_plan:
                tables = {name: plan.tables[name] for name in shared.keep}
        except ScenarioError as exc:
            row = {"status": "invalid", "message": str(exc)}
        except InfeasibleError as exc:
            row = {"status": "infeasible", "message": str(exc)}
        except SopoptError as exc:
            row = {"status": "error", "message": str(exc)}
        except Exception as exc:  # a bug must not stop the sweep: the case is stored as failed
            row = {"status": "failed", "message": f"{type(exc).__name__}: {exc}"}
    row["case_seconds"] = time.perf_counter() - start
    return CaseResult(case.case_id, row, tables, _worker_name())


@dataclass
class SweepProgress:
    """Counts of a running sweep, passed to the progress callback."""

    total: int
    """Cases in the sweep."""
    skipped: int
    """Cases already in the store (not solved again)."""
    done: int = 0
    """Cases finished in this run."""
    failed: int = 0
    """Finished cases that could not be solved (status failed, error or invalid)."""
    no_plan: int = 0
    """Finished cases the solver found no plan for (infeasible, time limit, ...)."""
    running: dict[str, str] = field(default_factory=dict)
    """Case id -> worker, for the cases being solved now."""

    @property
    def todo(self) -> int:
        """Cases this run has to solve."""
        return self.total - self.skipped


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did."""

    name: str
    store: Path
    cases: int
    skipped: int
    solved: int
    statuses: dict[str, int]
    workers: list[str]
    seconds: float
    interrupted: bool
    #: The exit code of the stop: 130 (SIGINT, Ctrl-C) or 143 (SIGTERM).
    stop_code: int = 130

    @property
    def failed(self) -> int:
        """Cases of this run that could not be solved."""
        return sum(n for status, n in self.statuses.items() if status in FAILED_STATUSES)


ProgressCallback = Callable[[SweepProgress], None]


def sweep(
    spec: str | Path | Sweep,
    store: str | Path | Store,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    time_limit: float | None = None,
    restart: bool = False,
    keep: Sequence[str] | None = None,
    max_cases: int | None = None,
    workspace: str | Path | None = None,
    progress: ProgressCallback | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> SweepResult:
    """Solve every case of a sweep file and store one row per case in ``store``.

    Args:
        spec: the sweep file (or one loaded with :func:`sopopt.analysis.cases.load_sweep`).
        store: the DuckDB database to write (created if absent), or a
            :class:`~sopopt.results.store.Store` the caller opened (and closes). Cases
            already stored with the same inputs are skipped, so rerunning resumes.
        workers: local worker processes; default: one per usable core, fewer if memory
            is short (:func:`sopopt.analysis.pool.default_workers`).
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``) to run on
            instead of local processes.
        time_limit, max_cases, keep: override the sweep file's fields.
        restart: solve every case again, replacing stored ones (needed after an input
            changed: otherwise that is a :class:`~sopopt.results.store.StoreError`).
        workspace: folder the sweep's scenario files must lie in.
        progress: called with the counts after each case starts or finishes.
        connect_timeout: seconds to reach ``scheduler`` before giving up (exit 5).

    Ctrl-C stops the sweep with every finished case stored (``interrupted`` is set).
    """
    start = time.perf_counter()
    loaded = spec if isinstance(spec, Sweep) else load_sweep(
        spec, max_cases=max_cases, time_limit=time_limit, workspace=workspace)
    kept = _kept_tables(loaded, keep)
    if scheduler is not None:
        check_scheduler(scheduler, connect_timeout)
    with contextlib.nullcontext(store) if isinstance(store, Store) else Store(store) as db:
        todo = _cases_to_solve(db, loaded, restart)
        counts = SweepProgress(total=len(loaded.cases), skipped=len(loaded.cases) - len(todo))
        statuses: Counter[str] = Counter()
        used: dict[str, None] = {}
        notify = progress or (lambda _: None)

        def started(case: SweepCase, where: str) -> None:
            counts.running[case.case_id] = where
            notify(counts)

        def finished(case: SweepCase, result: CaseResult | Lost, where: str, attempts: int) -> None:
            row, tables, worker = _result_row(result, where)
            db.add_case({"case_id": case.case_id, "sweep": loaded.name, "variation": case.variation,
                         "input_hash": case.input_hash, **row, "worker": worker, "attempts": attempts}, tables)
            used[worker] = None
            statuses[row["status"]] += 1
            counts.running.pop(case.case_id, None)
            counts.done += 1
            counts.failed += row["status"] in FAILED_STATUSES
            counts.no_plan += row["status"] not in (*FAILED_STATUSES, *OPTIMAL_STATUSES, "time_limit_feasible")
            notify(counts)

        shared = SweepShared(loaded.name, loaded.bases, loaded.time_limit, kept)
        interrupted, stop_code = False, 130
        try:
            if not todo:
                pass
            elif scheduler is not None:
                run_dask(scheduler, solve_sweep_case, shared, todo, started, finished, connect_timeout)
            else:
                count = workers or default_workers(_columns(loaded), len(todo))
                run_local(solve_sweep_case, shared, todo, count, started, finished)
        except KeyboardInterrupt as exc:
            interrupted, stop_code = True, int(getattr(exc, "exit_code", 130))
    return SweepResult(loaded.name, Path(db.path), len(loaded.cases), counts.skipped, counts.done, dict(statuses),
                       list(used), time.perf_counter() - start, interrupted, stop_code)


def _kept_tables(loaded: Sweep, keep: Sequence[str] | None) -> tuple[str, ...]:
    names = tuple(keep if keep is not None else loaded.spec.keep)
    unknown = [n for n in names if n not in KEEPABLE]
    if unknown:
        where = locate(loaded.locations, ("keep",)) if keep is None else None
        raise ScenarioError([Problem(where, "keep", f"unknown plan table '{n}'",
                                     f"tables: {', '.join(KEEPABLE)}") for n in unknown])
    return names


def _cases_to_solve(db: Store, loaded: Sweep, restart: bool) -> list[SweepCase]:
    """The cases not yet stored with the same inputs; a stored case with other inputs is
    an error unless ``restart`` (which deletes every stored case of the sweep first)."""
    stored = db.stored_cases()
    if restart:
        db.delete_cases([c.case_id for c in loaded.cases if c.case_id in stored])
        return list(loaded.cases)
    changed = [c.case_id for c in loaded.cases if c.case_id in stored and stored[c.case_id] != c.input_hash]
    if changed:
        raise StoreError(
            f"{len(changed)} case(s) of sweep '{loaded.name}' in {db.path} were solved from other inputs "
            f"(first: {changed[0]}); rerun with --restart to solve the sweep again, or use another store")
    return [c for c in loaded.cases if c.case_id not in stored]


def _result_row(result: CaseResult | Lost, where: str) -> tuple[dict[str, Any], dict[str, pd.DataFrame], str]:
    if isinstance(result, Lost):
        return {"status": "failed", "message": result.message}, {}, where
    return result.row, result.tables, result.worker


def _columns(loaded: Sweep) -> int:
    """A rough LP size of the sweep's largest scenario, to size the local pool."""
    sizes = [sum(item.demand.size for item in case.data.items.values()) * 10
             for case in loaded.bases.values() if case.data is not None]
    return max(sizes, default=0)
