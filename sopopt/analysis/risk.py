r"""The risk of a plan: how it holds across thousands of demand draws.

The plan is solved once on the forecast. Its decisions in the committed periods
(production, subcontracting, shipments, purchases, overtime and headcount, as in
``hedge``) are then fixed, and for each demand draw the rest of the plan (the
*recourse*: later periods, and in committed periods only what the plan can still choose,
such as selling from stock, backlog and lost sales) is solved again at least cost.

Draws. Demand of product :math:`p` at site :math:`s` in period :math:`t` is
:math:`D = \max(0, d + \sigma Z)` with :math:`d` the forecast, :math:`\sigma` the forecast
error (``cv`` x the forecast, or the ``sd`` of an errors table) and :math:`Z` standard
normal, independent across products, sites and periods unless a correlation
:math:`\rho` is given: then :math:`Z = \sqrt{\rho} F + \sqrt{1-\rho} E` with one common
factor :math:`F` per period. Draws are seeded: the same seed gives the same numbers.

Solving. Draws are solved in batches: each batch is one LP with a block per draw (the
committed columns fixed, so the blocks are independent), which HiGHS solves far faster
than as many separate solves; a batch without a plan is solved draw by draw, so one
infeasible draw never hides the others. Batches run on local worker processes or a Dask
cluster like sweep cases.

Measures (docs/risk.md), over all draws: expected lost units; the fill rate pooled over
draws (units delivered in the period they were asked for / units asked for); the P10,
P50 and P90 of the per-draw fill rate; the probability that a draw has a shortage (lost
or late) in any period; and the P10, P50 and P90 of the total cost.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.cluster.vq import kmeans2

from sopopt.analysis.hedge import committed_keys
from sopopt.analysis.planner import Planner
from sopopt.analysis.pool import run_dask, run_local
from sopopt.analysis.resolver import demand_targets
from sopopt.errors import SopoptError
from sopopt.inputs.case import Case
from sopopt.io.reader import read_yaml
from sopopt.io.writer import replacing_folder
from sopopt.model.demand import LOST, SALES
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.batch import batch
from sopopt.model.transforms.fix import fix_keys
from sopopt.results.folders import write_result
from sopopt.results.plan import Info, Plan
from sopopt.solver.options import SolveOptions

#: Most columns of one batch LP (draws x columns of the plan's LP).
BATCH_COLUMNS = 200_000
#: Most draws in one batch.
BATCH_DRAWS = 1_000
#: LPs up to this many columns solve their draws together (one block per draw); larger
#: ones one after the other, warm (a block LP of many large blocks is slower than warm
#: re-solves: 4.3 s a draw against about 1 s at 1e4 columns, loaded machine).
BLOCK_COLUMNS = 2_000
#: Draws per batch of a large LP (warm re-solves): a unit of work for a worker.
WARM_DRAWS = 25
#: Demand below this counts as none (a draw's fill rate needs some demand).
EPS = 1e-9


@dataclass(frozen=True)
class RiskSettings:
    """What to draw and what stays fixed."""

    samples: int
    seed: int
    cv: float | None = None
    """Forecast error as a share of the forecast (``--demand-cv``)."""
    errors: Mapping[tuple[str, str], float] | None = None
    """Forecast error sd per (product, site) (``--errors``); pairs not listed draw none."""
    commit: int | None = None
    """Committed periods; None: all of them."""
    correlation: float = 0.0
    workers: int = 1
    scheduler: str | None = None


@dataclass(frozen=True)
class RiskResult:
    """The base plan and its risk across the draws."""

    plan: Plan
    settings: RiskSettings
    summary: pd.DataFrame
    """``risk.csv``: one row per product, family and the total."""
    by_period: pd.DataFrame
    """``risk_by_period.csv``: the same per period."""
    items: list[tuple[str, str]]
    """(product, site) of each row of a draw."""
    demand: np.ndarray = field(repr=False)
    """The draws, shape (samples, items, periods)."""
    statuses: dict[str, int] = field(default_factory=dict)
    """Draws by solver status."""


@dataclass(frozen=True)
class _Shared:
    """What every batch needs (sent to each worker once)."""

    lp: LinearProgram
    items: list[tuple[str, str]]
    moves: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # rows moved by demand: (row, item, t, coefficient)
    caps: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # columns bounded by demand: (column, item, t, coef.)
    lost_cols: np.ndarray  # (items, T) lost-sale column bounded by demand, -1 where none
    forecast: np.ndarray  # (items, T)
    backlog: np.ndarray  # (items,) bool
    sales_cols: np.ndarray  # (items, T) sales column (backlog items), -1 where none
    options: SolveOptions


def draw_demand(forecast: np.ndarray, sd: np.ndarray, samples: int, seed: int, correlation: float = 0.0) -> np.ndarray:
    """``samples`` draws of demand, shape (samples, items, periods), truncated at 0."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((samples, *forecast.shape))
    if correlation > 0:
        common = rng.standard_normal((samples, 1, forecast.shape[1]))
        noise = np.sqrt(correlation) * common + np.sqrt(1 - correlation) * noise
    return np.maximum(0.0, forecast[None] + sd[None] * noise)


def _shared(case: Case, lp: LinearProgram, options: SolveOptions) -> _Shared:
    assert case.data is not None
    data = case.data
    rows = {key: i for i, key in enumerate(lp.row_keys())}
    cols = {key: j for j, key in enumerate(lp.column_keys())}
    targets = demand_targets(data, rows, cols)
    items = list(data.items)
    T = data.T
    lost = np.full((len(items), T), -1)
    for i, k in enumerate(items):
        for target in targets[k]:
            if target.component == LOST.component:
                lost[i] = target.positions
    sales = np.array([[cols.get((SALES.component, (p, s, t)), -1) for t in range(T)] for p, s in items]).reshape(len(items), T)
    return _Shared(
        lp=lp,
        items=items,
        moves=_terms(items, targets, row=True),
        caps=_terms(items, targets, row=False),
        lost_cols=lost,
        forecast=np.array([data.items[k].demand for k in items], dtype=float).reshape(len(items), T),
        backlog=np.array([data.items[k].backlog for k in items], dtype=bool),
        sales_cols=sales,
        options=options,
    )


def _terms(items: list[tuple[str, str]], targets: dict[tuple[str, str], Any], *, row: bool) -> tuple[np.ndarray, ...]:
    """The demand terms of every item as flat arrays: (row or column, item, period, coefficient)."""
    at, item, period, coefficient = [], [], [], []
    for i, k in enumerate(items):
        for target in targets[k]:
            if target.row != row:
                continue
            live = np.flatnonzero(target.positions >= 0)
            at += target.positions[live].tolist()
            item += [i] * live.size
            period += live.tolist()
            coefficient += [target.coefficient] * live.size
    return (np.array(at, dtype=np.int64), np.array(item, dtype=np.int64), np.array(period, dtype=np.int64),
            np.array(coefficient, dtype=float))


def _bounds(shared: _Shared, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row bounds and column upper bounds of the committed LP for each draw
    (draws x rows, draws x columns): demand moves the balances it enters and bounds the
    lost-sale columns."""
    lp, n = shared.lp, len(demand)
    delta = demand - shared.forecast[None]
    rows, item, period, coefficient = shared.moves
    shift = np.zeros((n, lp.num_row))
    np.add.at(shift, (slice(None), rows), delta[:, item, period] * coefficient[None])
    col_upper = np.repeat(lp.col_upper[None], n, axis=0)
    cols, item, period, coefficient = shared.caps
    col_upper[:, cols] = demand[:, item, period] * coefficient[None]
    return lp.row_lower[None] + shift, lp.row_upper[None] + shift, col_upper


def _measures(shared: _Shared, x: np.ndarray, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(on-time delivered, lost) of one draw from its column values, items x periods."""
    lost = np.where(shared.lost_cols >= 0, x[np.maximum(shared.lost_cols, 0)], 0.0)
    sold = np.where(shared.sales_cols >= 0, x[np.maximum(shared.sales_cols, 0)], 0.0)
    delivered = np.where(shared.backlog[:, None], sold, demand - lost)
    return np.minimum(demand, np.maximum(delivered, 0.0)), lost


def _run(lp: LinearProgram, options: SolveOptions) -> tuple[str, np.ndarray | None]:
    """Solve one LP cold: its status and column values (None without a plan)."""
    session = Planner(options, explain=False).session(lp)
    solution = session.run(warm=False)
    if not solution.status.has_plan:
        return solution.status.value, None
    x = np.asarray(session.highs.getSolution().col_value, dtype=float) if lp.num_col else np.zeros(0)
    return solution.status.value, x


def solve_batch(batch_of: tuple[int, np.ndarray], shared: _Shared) -> dict[str, Any]:
    """Solve one batch of draws: on-time units, lost units, cost and status per draw.

    A small LP's draws are solved together as one block-diagonal LP; a larger LP's one
    after the other in one HiGHS session, each draw's numbers changed in place and
    solved warm from the previous basis (dual simplex)."""
    first, demand = batch_of
    lp, n = shared.lp, len(demand)
    lower, upper, col_upper = _bounds(shared, demand)
    if lp.num_col <= BLOCK_COLUMNS:
        x, statuses = _solve_together(shared, lower, upper, col_upper)
    else:
        x, statuses = _solve_warm(shared, lower, upper, col_upper)
    costs = lp.offset + x @ lp.col_cost
    on_time, lost = zip(*(_measures(shared, x[k], demand[k]) for k in range(n)), strict=True)
    return {"first": first, "on_time": np.array(on_time), "short": np.array(lost), "cost": costs, "status": statuses}


def _solve_together(shared: _Shared, lower: np.ndarray, upper: np.ndarray,
                    col_upper: np.ndarray) -> tuple[np.ndarray, list[str]]:
    lp, n = shared.lp, len(lower)
    status, together = _run(batch(lp, lower, upper, col_upper), shared.options)
    if together is not None:
        return together.reshape(n, lp.num_col), [status] * n
    # One draw without a plan would hide the rest: solve them one by one.
    x, statuses = np.full((n, lp.num_col), np.nan), []
    for k in range(n):
        status, alone = _run(batch(lp, lower[k:k + 1], upper[k:k + 1], col_upper[k:k + 1]), shared.options)
        statuses.append(status)
        if alone is not None:
            x[k] = alone
    return x, statuses


def _solve_warm(shared: _Shared, lower: np.ndarray, upper: np.ndarray,
                col_upper: np.ndarray) -> tuple[np.ndarray, list[str]]:
    lp, n = shared.lp, len(lower)
    session = Planner(shared.options, explain=False).session(lp)
    x, statuses = np.full((n, lp.num_col), np.nan), []
    for k in range(n):
        session.replace_numbers(dataclasses.replace(lp, row_lower=lower[k], row_upper=upper[k],
                                                    col_upper=col_upper[k]))
        solution = session.run(warm=True)
        statuses.append(solution.status.value)
        if solution.status.has_plan:
            x[k] = np.asarray(session.highs.getSolution().col_value, dtype=float)
        else:  # start the next draw afresh: an infeasible basis is a poor start
            session.highs.clearSolver()
    return x, statuses


def _sd(case: Case, settings: RiskSettings, forecast: np.ndarray, items: Sequence[tuple[str, str]]) -> np.ndarray:
    if settings.cv is not None:
        return settings.cv * forecast
    errors = settings.errors or {}
    return np.array([[errors.get(key, 0.0)] * forecast.shape[1] for key in items], dtype=float).reshape(forecast.shape)


def batch_size(columns: int) -> int:
    """Draws per batch for an LP of ``columns`` columns."""
    if columns > BLOCK_COLUMNS:
        return WARM_DRAWS
    return max(1, min(BATCH_DRAWS, BATCH_COLUMNS // max(columns, 1)))


def _batches(demand: np.ndarray, columns: int) -> list[tuple[int, np.ndarray]]:
    size = batch_size(columns)
    return [(i, demand[i:i + size]) for i in range(0, len(demand), size)]


def _run_batches(shared: _Shared, demand: np.ndarray, settings: RiskSettings) -> dict[str, np.ndarray]:
    """Every draw solved: on-time and lost units (samples x items x periods), cost, status."""
    n, shape = len(demand), demand.shape
    out = {"on_time": np.full(shape, np.nan), "short": np.full(shape, np.nan), "cost": np.full(n, np.nan),
           "status": np.empty(n, dtype=object)}
    lost_batches: list[str] = []

    def finished(task: tuple[int, np.ndarray], result: Any, _where: str, _attempts: int) -> None:
        if not isinstance(result, dict):
            lost_batches.append(str(getattr(result, "message", result)))
            return
        first, size = result["first"], len(result["cost"])
        for name in ("on_time", "short", "cost"):
            out[name][first:first + size] = result[name]
        out["status"][first:first + size] = result["status"]

    tasks = _batches(demand, shared.lp.num_col)
    if settings.scheduler:
        run_dask(settings.scheduler, solve_batch, shared, tasks, lambda *_: None, finished)
    elif settings.workers > 1:
        run_local(solve_batch, shared, tasks, settings.workers, lambda *_: None, finished)
    else:
        for task in tasks:
            finished(task, solve_batch(task, shared), "here", 1)
    if lost_batches:
        raise SopoptError(f"{len(lost_batches)} batch(es) of draws failed on their workers: {lost_batches[0]}")
    return out


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return (float("nan"),) * 3
    p10, p50, p90 = np.quantile(finite, [0.1, 0.5, 0.9])
    return float(p10), float(p50), float(p90)


def _row(demand: np.ndarray, on_time: np.ndarray, lost: np.ndarray, cost: np.ndarray | None) -> dict[str, float]:
    """Measures of one scope; arrays are samples x (cells of the scope)."""
    asked = demand.reshape(len(demand), -1).sum(axis=1)
    served = on_time.reshape(len(on_time), -1).sum(axis=1)
    short = (demand - on_time).reshape(len(demand), -1)
    fill = np.where(asked > EPS, served / np.where(asked > EPS, asked, 1.0), np.nan)
    f10, f50, f90 = _quantiles(fill)
    row = {
        "expected_demand": float(asked.mean()),
        "expected_lost": float(np.nanmean(lost.reshape(len(lost), -1).sum(axis=1))),
        "fill_rate": float(served.sum() / asked.sum()) if asked.sum() > EPS else float("nan"),
        "fill_p10": f10, "fill_p50": f50, "fill_p90": f90,
        "stockout_probability": float((short > 1e-6).any(axis=1).mean()),
    }
    c10, c50, c90 = _quantiles(cost) if cost is not None else (float("nan"),) * 3
    row.update(cost_p10=c10, cost_p50=c50, cost_p90=c90)
    return row


def _scopes(case: Case, items: Sequence[tuple[str, str]]) -> list[tuple[str, str, np.ndarray]]:
    """(level, name, item mask): each product, each family, and the total."""
    assert case.data is not None
    products = np.array([p for p, _s in items], dtype=object)
    families = np.array([case.data.family[p] for p, _s in items], dtype=object)
    scopes = [("product", p, products == p) for p in dict.fromkeys(products)]
    scopes += [("family", f, families == f) for f in dict.fromkeys(families) if f]
    return [*scopes, ("total", "all", np.ones(len(items), dtype=bool))]


def _tables(case: Case, items: Sequence[tuple[str, str]], demand: np.ndarray,
            solved: Mapping[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    assert case.data is not None
    summary, by_period = [], []
    ok = np.array([s is not None and np.isfinite(c) for s, c in zip(solved["status"], solved["cost"], strict=True)])
    d, on_time, lost = demand[ok], solved["on_time"][ok], solved["short"][ok]
    for level, name, mask in _scopes(case, items):
        cost = solved["cost"][ok] if level == "total" else None
        summary.append({"level": level, "name": name, **_row(d[:, mask], on_time[:, mask], lost[:, mask], cost)})
        for t, label in enumerate(case.data.labels):
            row = _row(d[:, mask, t], on_time[:, mask, t], lost[:, mask, t], None)
            by_period.append({"level": level, "name": name, "period": label,
                              **{k: v for k, v in row.items() if not k.startswith("cost")}})
    return pd.DataFrame(summary), pd.DataFrame(by_period)


def risk(case: Case, settings: RiskSettings, options: SolveOptions | None = None) -> RiskResult:
    """Solve the plan, fix its committed decisions and measure it across demand draws.

    Raises:
        InfeasibleError (and the other solve errors): the plan itself has no solution.
    """
    assert case.data is not None
    planner = Planner(options)
    plan, session, _solution = planner.solve_live(case)
    assert session is not None
    options = planner.options_for(case)
    lp = session.compiled
    commit = case.data.T if settings.commit is None else min(settings.commit, case.data.T)
    committed = committed_keys(lp, commit, firm_headcount=False)
    positions = {key: j for j, key in enumerate(lp.column_keys())}
    x = np.asarray(session.highs.getSolution().col_value, dtype=float)
    fixed = fix_keys(lp, {key: float(x[positions[key]]) for key in committed})
    shared = _shared(case, fixed, dataclasses.replace(options, on_progress=None, stop=None))
    sd = _sd(case, settings, shared.forecast, shared.items)
    demand = draw_demand(shared.forecast, sd, settings.samples, settings.seed, settings.correlation)
    solved = _run_batches(shared, demand, settings)
    summary, by_period = _tables(case, shared.items, demand, solved)
    statuses: dict[str, int] = {}
    for status in solved["status"]:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return RiskResult(plan, settings, summary, by_period, shared.items, demand, statuses)


def with_risk(result: RiskResult) -> Plan:
    """The base plan carrying its risk tables (``risk``, ``risk_by_period``) and what was
    drawn, for the result folder and the report's risk card."""
    s = result.settings
    info = Info(result.plan.info, kind="risk", risk_samples=s.samples, risk_seed=s.seed,
                risk_commit=s.commit if s.commit is not None else "all", risk_correlation=s.correlation,
                risk_demand_cv=s.cv, risk_statuses=dict(result.statuses))
    tables = {**result.plan.tables, "risk": result.summary, "risk_by_period": result.by_period}
    return dataclasses.replace(result.plan, tables=tables, info=info)


def stored_tables(result: RiskResult) -> dict[str, pd.DataFrame]:
    """``risk`` and ``risk_by_period`` for a results store: each row also says how the
    draws were made (samples, seed, forecast error, committed periods, correlation), so
    runs drawn differently stay apart in one table."""
    s = result.settings
    drawn = {"samples": s.samples, "seed": s.seed, "demand_cv": s.cv,
             "commit": "all" if s.commit is None else str(s.commit), "correlation": s.correlation}
    return {name: frame.assign(**drawn) for name, frame in
            (("risk", result.summary), ("risk_by_period", result.by_period))}


def hedge_cases(result: RiskResult, count: int) -> list[tuple[np.ndarray, float]]:
    """``count`` demand cases standing for the draws (k-means centres) and their weights
    (the share of draws nearest each); empty clusters are dropped."""
    draws = result.demand.reshape(len(result.demand), -1)
    count = max(1, min(count, len(draws)))
    _centres, labels = kmeans2(draws, count, seed=result.settings.seed, minit="++")
    cases = []
    for k in range(count):
        members = draws[labels == k]
        if len(members):
            cases.append((members.mean(axis=0).reshape(result.demand.shape[1:]), len(members) / len(draws)))
    return cases


def hedge_case_documents(result: RiskResult, source: str, count: int, *, model: bool = False) -> list[tuple[str, str]]:
    """(file name, YAML text) of each hedge case: the source scenario with the cluster's
    demand; its weight in the file's first line and in ``weights.txt``."""
    docs, weights = [], []
    for k, (demand, weight) in enumerate(hedge_cases(result, count), start=1):
        by_product: dict[str, dict[str, list[float]]] = {}
        for (p, s), row in zip(result.items, demand, strict=True):
            by_product.setdefault(p, {})[s] = [round(float(v), 3) for v in row]
        text = yaml.safe_dump({"model" if model else "extend": source, "name": f"{result.plan.name} draws {k}", "demand": by_product},
                              sort_keys=False, default_flow_style=None, width=100)
        docs.append((f"case_{k:02d}.yaml", f"# weight {weight:.6g}: the share of the draws this case stands for\n"
                     + text))
        weights.append(f"{weight:.6g}")
    docs.append(("weights.txt", ",".join(weights) + "\n"))
    return docs


def write_risk(result: RiskResult, out: Path, source: Path, to_hedge: int | None = None) -> list[Path]:
    """Write the result folder whole (the plan with ``risk.csv`` and ``risk_by_period.csv``)
    and, with ``to_hedge``, ``hedge_cases/`` in it: scenario files on ``source`` and
    ``weights.txt`` for ``sopopt hedge ... --weights``. Returns the paths written."""
    out = Path(out)
    with replacing_folder(out) as folder:
        write_result(folder, with_risk(result))
        if to_hedge:
            cases = folder.folder("hedge_cases")
            relative = os.path.relpath(Path(source).resolve(), (out / "hedge_cases").resolve())
            for name, text in hedge_case_documents(result, relative, to_hedge, model=_is_model(Path(source))):
                cases.text(name, text)
    return folder.written


def _is_model(path: Path) -> bool:
    data, _locations = read_yaml(path)
    return isinstance(data, dict) and "model" not in data and "extend" not in data
