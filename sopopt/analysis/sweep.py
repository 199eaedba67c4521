"""Sweeps: every case of a sweep file solved on worker processes (local, or an existing
Dask cluster) and stored in a DuckDB database in batches as cases finish.

Each worker keeps one :class:`~sopopt.analysis.resolver.Resolver` per LP shape (a few at
most), so a case that changes numbers only is solved in place on the LP its worker
already holds. Every case goes through the planner (build, session, extraction).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import socket
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sopopt.analysis.case_changes import GridChanges
from sopopt.analysis.planner import Detail, Planner
from sopopt.analysis.pool import CONNECT_TIMEOUT, Lost, check_scheduler, default_workers, run_dask, run_local
from sopopt.analysis.resolver import Resolver, same_except_demand, structure_key
from sopopt.analysis.sweep_cases import Sweep, SweepCase, grid_adjustment, load_sweep, make_case
from sopopt.errors import InfeasibleError, Problem, ScenarioError, SopoptError
from sopopt.inputs.case import Case
from sopopt.inputs.schema.sweep import GridAxis
from sopopt.io.reader import locate
from sopopt.results.plan import Info, Plan
from sopopt.results.store import KEEPABLE, Store, StoreError, plan_row
from sopopt.solver.options import SolveOptions
from sopopt.solver.status import OPTIMAL_STATUSES

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
    axes: dict[str, GridAxis] = field(default_factory=dict)
    """The grid's axes (a grid case is made as changes to its scenario's compiled data)."""


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
    """The Resolvers of one worker process, by LP shape and solver options, and the grid
    changes of each starting scenario it has seen."""

    def __init__(self) -> None:
        self.resolvers: OrderedDict[str, Resolver] = OrderedDict()
        self.grids: OrderedDict[int, tuple[Case, GridChanges]] = OrderedDict()

    def case(self, shared: SweepShared, case: SweepCase) -> tuple[Case, bool]:
        """The case ready to solve, and whether it was made for this call (not shared):
        a grid case as changes to its scenario's compiled data when its axes allow
        (:class:`~sopopt.analysis.case_changes.GridChanges`), else made in full."""
        base = shared.bases[case.scenario]
        if not case.adjustments:
            return base, False
        known = self.grids.get(id(base))  # the base is kept with it: its id is not reused
        if known is None:
            known = (base, GridChanges(base, shared.axes, grid_adjustment))
            self.grids[id(base)] = known
            while len(self.grids) > RESOLVERS_PER_WORKER:
                self.grids.popitem(last=False)
        grid = known[1]
        if grid.usable and case.values.keys() == shared.axes.keys():
            return grid.case(case.values), True
        return make_case(base, case, shared.name, warn=False), True

    def plan(self, case: Case, options: SolveOptions, detail: Detail, owned: bool, name: str) -> Plan:
        """The case's plan for its row and kept tables: ``row`` (costs and KPIs only)
        without kept tables, else ``summary`` (decision tables too). ``owned``: the case
        was made for this call (its data need not be copied)."""
        last = next(reversed(self.resolvers), None)
        if last is not None and last.endswith(f"|{options!r}"):
            resolver = self.resolvers[last]
            if same_except_demand(resolver.data, case.data):  # demand moved in place: no build
                return resolver.solve(case, name=name, detail=detail, owned=owned)
        planner = Planner(options, explain=False)
        lp = planner.build(case)
        key = structure_key(lp)
        resolver = self.resolvers.get(f"{key}|{options!r}")
        if resolver is None:
            resolver = Resolver(case, planner, lp=lp)
            self.resolvers[f"{key}|{options!r}"] = resolver
            while len(self.resolvers) > RESOLVERS_PER_WORKER:
                self.resolvers.popitem(last=False)
            plan = resolver.solve(name=name, detail=detail)
            return dataclasses.replace(plan, info=Info(plan.info, reused_lp=False))
        self.resolvers.move_to_end(f"{key}|{options!r}")
        return resolver.solve(case, lp=lp, name=name, detail=detail, owned=owned, key=key)


_STATE = _WorkerState()


def solve_sweep_case(case: SweepCase, shared: SweepShared) -> CaseResult:
    """Solve one sweep case in this (worker) process; every outcome is a result row."""
    start = time.perf_counter()
    tables: dict[str, pd.DataFrame] = {}
    with _SOLVE_LOCK:
        try:
            loaded, owned = _STATE.case(shared, case)
            options = SolveOptions.from_settings(loaded.solver, time_limit=shared.time_limit, threads=1)
            plan = _STATE.plan(loaded, options, "summary" if shared.keep else "row", owned,
                               f"{shared.name} {case.case_id}")
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
        spec: the sweep file (or one loaded with :func:`sopopt.analysis.sweep_cases.load_sweep`).
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

    Finished cases are stored in batches (:data:`BATCH_CASES`, :data:`BATCH_SECONDS`).
    Ctrl-C stops the sweep with every finished case stored (``interrupted`` is set); a
    crash loses only the batch not yet stored, which a rerun solves again.
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
        recorder = _Recorder(db, loaded.name, counts, progress)
        shared = SweepShared(loaded.name, loaded.bases, loaded.time_limit, kept, dict(loaded.spec.grid))
        try:
            stop_code = _run(shared, todo, recorder, workers or default_workers(_columns(loaded), len(todo)),
                             scheduler, connect_timeout)
        finally:
            recorder.flush()
    return SweepResult(loaded.name, Path(db.path), len(loaded.cases), counts.skipped, counts.done,
                       dict(recorder.statuses), list(recorder.workers), time.perf_counter() - start,
                       stop_code is not None, stop_code or 130)


def _run(shared: SweepShared, todo: list[SweepCase], recorder: _Recorder, workers: int, scheduler: str | None,
         connect_timeout: float) -> int | None:
    """Solve the cases on the cluster or ``workers`` local processes; the exit code of
    a stop (130 Ctrl-C, 143 SIGTERM), None when every case finished."""
    try:
        if not todo:
            pass
        elif scheduler is not None:
            run_dask(scheduler, solve_sweep_case, shared, todo, recorder.started, recorder.finished,
                     connect_timeout)
        else:
            run_local(solve_sweep_case, shared, todo, workers, recorder.started, recorder.finished)
    except KeyboardInterrupt as exc:
        return int(getattr(exc, "exit_code", 130))
    return None


#: Finished cases are stored in batches: the first finished case at once (the store
#: shows progress from the start), then one transaction per this many cases, or per
#: :data:`BATCH_SECONDS` since the last one, whichever comes first. A crash loses the
#: batch not yet stored; a rerun (resume) solves those cases again
#: (tests/test_robustness.py kills sweeps at seeded moments and checks exactly that).
BATCH_CASES = 50
BATCH_SECONDS = 1.0


class _Recorder:
    """Counts a running sweep's cases and stores the finished ones in batches."""

    def __init__(self, db: Store, name: str, counts: SweepProgress, progress: ProgressCallback | None) -> None:
        self.db, self.name, self.counts = db, name, counts
        self.notify = progress or (lambda _: None)
        self.statuses: Counter[str] = Counter()
        self.workers: dict[str, None] = {}
        self.batch: list[tuple[dict[str, Any], dict[str, pd.DataFrame]]] = []
        self.last_flush = -math.inf  # the first finished case is stored at once

    def started(self, case: SweepCase, where: str) -> None:
        """A case went to a worker."""
        self.counts.running[case.case_id] = where
        self.notify(self.counts)

    def finished(self, case: SweepCase, result: CaseResult | Lost, where: str, attempts: int) -> None:
        """A case came back: into the batch (stored when the batch is full or old)."""
        row, tables, worker = _result_row(result, where)
        self.batch.append(({"case_id": case.case_id, "sweep": self.name, "variation": case.variation,
                            "input_hash": case.input_hash, **row, "worker": worker, "attempts": attempts}, tables))
        if len(self.batch) >= BATCH_CASES or time.perf_counter() - self.last_flush >= BATCH_SECONDS:
            self.flush()
        self.workers[worker] = None
        self.statuses[row["status"]] += 1
        counts = self.counts
        counts.running.pop(case.case_id, None)
        counts.done += 1
        counts.failed += row["status"] in FAILED_STATUSES
        counts.no_plan += row["status"] not in (*FAILED_STATUSES, *OPTIMAL_STATUSES, "time_limit_feasible")
        self.notify(counts)

    def flush(self) -> None:
        """Store the finished cases not stored yet (one transaction)."""
        batch, self.batch = self.batch, []
        self.db.add_cases(batch)
        self.last_flush = time.perf_counter()


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
