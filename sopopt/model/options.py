r"""Capacity options: yes/no decisions to add machine hours, headcount, supplier capacity
or storage volume, each decided in one period and available ``lead_time`` periods later.

.. math::

    \sum_{\tau} Z_{o,\tau} \le 1, \qquad Z_{o,\tau} \in \{0, 1\},
        \quad \tau \in [e_o, T - L_o)

    A_{o,t} = \sum_{\tau \le t - L_o} Z_{o,\tau} \quad \text{(irreversible)}

    A_{o,t} \le \sum_{\tau \le t - L_o} Z_{o,\tau}, \quad
    A_{o,t} \ge \sum_{t - L_o - m_o < \tau \le t - L_o} Z_{o,\tau}, \quad
    A_{o,t} \le A_{o,t-1} + Z_{o,t-L_o} \quad \text{(reversible, } A \in \{0,1\})

    \text{capacity row of the target} \;\; \ldots \le K_t + \sum_{o} q_o A_{o,t}

    \text{cost (options)} = \sum C_o Z_{o,\tau} + \sum c_o A_{o,t}

The option's amount :math:`q_o` enters the target's capacity row: the resource's hours
(``resource_capacity``), the supplier's capacity (``supplier_capacity``), the site's
storage (``storage_capacity``). A workforce option raises the pool's ``max_headcount``:
the headcount's upper bound becomes the row ``option_headcount``
:math:`W_{w,t} - \sum_o q_o A_{o,t} \le \overline{W}_{w,t}` (the ending headcount bound
stays a bound). An irreversible option, once available, stays to the horizon end; a
reversible one stays at least :math:`m_o` periods and, once given up, is not taken back.
``force: true`` adds :math:`\sum_\tau Z_{o,\tau} \ge 1` (row ``option_forced``);
``force: false`` bounds every :math:`Z_{o,\tau}` at 0.

=====================  ==========================  =======================================
symbol                 Pyomo                       file field
=====================  ==========================  =======================================
:math:`Z_{o,\tau}`     ``m.option_decision``       (decision) 1 in the period it is decided
:math:`A_{o,t}`        ``m.option_available``      (decision) 1 while it is available
:math:`e_o`            index set                   ``options.O.earliest``
:math:`L_o`            lag                         ``options.O.lead_time``
:math:`m_o`            coefficient                 ``options.O.min_periods``
:math:`q_o`            coefficient                 ``options.O.adds`` (hours, headcount,
                                                   capacity or storage)
:math:`C_o`            cost term                   ``options.O.one_off_cost``
:math:`c_o`            cost term                   ``options.O.cost_per_period``
(rows)                 ``m.option_once``,
                       ``m.option_forced``,
                       ``m.option_link``,
                       ``m.option_started``,
                       ``m.option_min_periods``,
                       ``m.option_stays_off``,
                       ``m.option_headcount``
=====================  ==========================  =======================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sopopt.inputs.compile import ModelData, OptionData
from sopopt.model.arrays import ArrayModel
from sopopt.model.common import bound
from sopopt.model.family import (
    BoundSpec,
    BoundTerm,
    CostCategory,
    CostTerms,
    Family,
    LimitSpec,
    Relief,
    RowSpec,
    RowTerm,
    Source,
    VarSpec,
    Words,
    extend_row,
)
from sopopt.model.materials import SUPPLIER_CAPACITY
from sopopt.model.resources import RESOURCE_CAPACITY
from sopopt.model.storage import STORAGE_CAPACITY
from sopopt.model.workforce import HEADCOUNT

if TYPE_CHECKING:
    import pyomo.environ as pyo

OP = ("option", "period")
OPTION_DECISION = VarSpec("option_decision", "option_decisions", OP, "decisions", "options decided (1 in the period)")
OPTION_AVAILABLE = VarSpec("option_available", "option_available", OP, "available", "options available (1 or 0)")
OPTION_HEADCOUNT = LimitSpec("option_headcount", "max_headcount", ("workforce", "period"), "worker")
ONCE, FORCED, LINK, STARTED, MIN_PERIODS, STAYS_OFF = (
    "option_once", "option_forced", "option_link", "option_started", "option_min_periods", "option_stays_off",
)

#: The plan table of options (one row per option: what the plan decided, see
#: :mod:`sopopt.results.options`) and its columns.
OPTIONS_TABLE = "options"
OPTIONS_COLUMNS = ("option", "adds", "chosen", "decided_in", "available_from", "cost", "value")
#: The capacity row each kind of option adds to (the owner family's row).
EXTENDS: dict[str, str] = {
    "resource": RESOURCE_CAPACITY.component,
    "supplier": SUPPLIER_CAPACITY.component,
    "site": STORAGE_CAPACITY.component,
    "workforce": OPTION_HEADCOUNT.component,
}


def _first_available(o: OptionData) -> int:
    return o.earliest + o.lead_time


def _started(o: OptionData, t: int) -> list[int]:
    """Decision periods after which the option is available in ``t``."""
    return list(range(o.earliest, t - o.lead_time + 1))


def _window(o: OptionData, t: int) -> list[int]:
    """Decision periods that oblige the option to be available in ``t`` (min_periods)."""
    return [tau for tau in _started(o, t) if t - tau - o.lead_time < o.min_periods]


def headcount_pools(d: ModelData) -> dict[str, list[OptionData]]:
    """Workforce pools some option raises, with those options."""
    out: dict[str, list[OptionData]] = {}
    for o in d.options.values():
        if o.kind == "workforce":
            out.setdefault(o.target, []).append(o)
    return out


def _ending_bound(d: ModelData, w: str, t: int) -> float:
    """The headcount bound left on the column once the row holds ``max_headcount``."""
    return d.workforce[w].max_ending_headcount if t == d.T - 1 else np.inf


def add(m: pyo.ConcreteModel, d: ModelData, reg: CostTerms) -> None:
    """Decisions, availability, their rows, and the option's capacity in its target's row."""
    import pyomo.environ as pyo

    T, opts = d.T, d.options
    m.option_decision_index = pyo.Set(
        initialize=[(o, t) for o, opt in opts.items() for t in opt.decision_periods(T)], dimen=2, ordered=True)
    m.option_decision = pyo.Var(m.option_decision_index, domain=pyo.Binary,
                                bounds=lambda _m, o, t: (0.0, 0.0 if opts[o].force is False else 1.0))
    m.option_available_index = pyo.Set(
        initialize=[(o, t) for o, opt in opts.items() for t in range(_first_available(opt), T)], dimen=2, ordered=True)
    m.option_available = pyo.Var(
        m.option_available_index, bounds=(0.0, 1.0),
        domain=lambda _m, o, _t: pyo.Binary if opts[o].reversible else pyo.NonNegativeReals)
    Z, A = m.option_decision, m.option_available

    def started(o: str, t: int) -> Any:
        return sum(Z[o, tau] for tau in _started(opts[o], t) if (o, tau) in m.option_decision_index)

    _rows(m, d, [(o, opt.earliest) for o, opt in opts.items()], ONCE,
          lambda o, _t: sum(Z[o, tau] for tau in opts[o].decision_periods(T)) <= 1.0)
    _rows(m, d, [(o, opts[o].earliest) for o in opts if opts[o].force], FORCED,
          lambda o, _t: sum(Z[o, tau] for tau in opts[o].decision_periods(T)) >= 1.0)
    reversible = [(o, t) for o, t in m.option_available_index if opts[o].reversible]
    _rows(m, d, [(o, t) for o, t in m.option_available_index if not opts[o].reversible], LINK,
          lambda o, t: A[o, t] - started(o, t) == 0.0)
    _rows(m, d, reversible, STARTED, lambda o, t: A[o, t] - started(o, t) <= 0.0)
    _rows(m, d, reversible, MIN_PERIODS,
          lambda o, t: A[o, t] - sum(Z[o, tau] for tau in _window(opts[o], t)) >= 0.0)
    _rows(m, d, reversible, STAYS_OFF, lambda o, t: A[o, t] - (A[o, t - 1] if (o, t - 1) in A else 0.0)
          - (Z[o, t - opts[o].lead_time] if (o, t - opts[o].lead_time) in Z else 0.0) <= 0.0)
    _headcount_rows(m, d)
    _extend_rows(m, d)
    reg.cost("options", [(opts[o].one_off_cost, Z[o, t]) for o, t in m.option_decision_index if opts[o].one_off_cost])
    reg.cost("options", [(opts[o].cost_per_period, A[o, t]) for o, t in m.option_available_index
                         if opts[o].cost_per_period])


def _rows(m: pyo.ConcreteModel, d: ModelData, index: list[tuple[str, int]], name: str, rule: Any) -> None:
    import pyomo.environ as pyo

    setattr(m, f"{name}_index", pyo.Set(initialize=index, dimen=2, ordered=True))
    setattr(m, name, pyo.Constraint(getattr(m, f"{name}_index"), rule=lambda _m, o, t: rule(o, t)))


def _headcount_rows(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The raised pools' max_headcount as a row (its bound relaxed to the ending bound)."""
    import pyomo.environ as pyo

    pools = headcount_pools(d)
    index = [(w, t) for w in pools for t in range(d.T) if np.isfinite(d.workforce[w].max_headcount[t])]
    m.option_headcount_index = pyo.Set(initialize=index, dimen=2, ordered=True)

    def rule(m: pyo.ConcreteModel, w: str, t: int) -> Any:
        m.headcount[w, t].setub(bound(_ending_bound(d, w, t)))
        return m.headcount[w, t] <= float(d.workforce[w].max_headcount[t])

    m.option_headcount = pyo.Constraint(m.option_headcount_index, rule=rule)


def _extend_rows(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Each available option's amount on the right of its target's capacity row (the
    extension hook; a row its owner skipped, such as a resource nothing uses, is left)."""
    for o, t in m.option_available_index:
        opt = d.options[o]
        if (opt.target, t) in m.component(EXTENDS[opt.kind]):
            extend_row(m, EXTENDS[opt.kind], (opt.target, t), -opt.amount * m.option_available[o, t])


def arrays(a: ArrayModel) -> None:
    """The same columns, rows, coefficients and costs as arrays."""
    T, opts = a.T, list(a.d.options.values())
    keys = [(o.name,) for o in opts]
    t = np.arange(T)[None, :]
    start = np.array([o.earliest for o in opts], dtype=np.int64).reshape(-1, 1)
    lead = np.array([o.lead_time for o in opts], dtype=np.int64).reshape(-1, 1)
    can_decide = (t >= start) & (t < T - lead)
    off = np.array([o.force is False for o in opts], dtype=bool).reshape(-1, 1)
    Z = a.columns(OPTION_DECISION.component, keys, can_decide, 0.0, np.where(off, 0.0, 1.0), True)
    avail = t >= start + lead
    rev = np.array([o.reversible for o in opts], dtype=bool).reshape(-1, 1)
    A = a.columns(OPTION_AVAILABLE.component, keys, avail, 0.0, 1.0, avail & rev)
    first = t == start
    once = a.rows(ONCE, keys, first, 1.0, 1)
    a.coef(once.max(axis=1, initial=-1)[:, None], Z, 1.0)
    forced = a.rows(FORCED, keys, first & np.array([bool(o.force) for o in opts], dtype=bool).reshape(-1, 1), 1.0, -1)
    a.coef(forced.max(axis=1, initial=-1)[:, None], Z, 1.0)
    link = a.rows(LINK, keys, avail & ~rev, 0.0, 0)
    _available_link(a, link, A, Z, lead, np.full(len(opts), T))
    started = a.rows(STARTED, keys, avail & rev, 0.0, 1)
    _available_link(a, started, A, Z, lead, np.full(len(opts), T))
    minimum = a.rows(MIN_PERIODS, keys, avail & rev, 0.0, -1)
    _available_link(a, minimum, A, Z, lead, np.array([o.min_periods for o in opts], dtype=np.int64))
    stays = a.rows(STAYS_OFF, keys, avail & rev, 0.0, 1)
    a.coef(stays, A, 1.0)
    a.coef(stays[:, 1:], A[:, :-1], -1.0)
    _lagged_coef(a, stays, Z, lead[:, 0], 0, -1.0)
    _headcount_arrays(a)
    _extend_arrays(a, opts, A)
    a.objective("options", Z, np.array([o.one_off_cost for o in opts], dtype=float).reshape(-1, 1))
    a.objective("options", A, np.array([o.cost_per_period for o in opts], dtype=float).reshape(-1, 1))


def _available_link(a: ArrayModel, rows: np.ndarray, A: np.ndarray, Z: np.ndarray, lead: np.ndarray,
                    window: np.ndarray) -> None:
    """``A[o,t] - sum Z[o,tau]`` over ``t - L - window < tau <= t - L`` (the sign as the
    Pyomo rows: availability first, then decisions in period order)."""
    a.coef(rows, A, 1.0)
    for back in range(int(window.max(initial=0))):
        _lagged_coef(a, rows, Z, lead[:, 0], back, np.where(back < window, -1.0, 0.0)[:, None])


def _lagged_coef(a: ArrayModel, rows: np.ndarray, Z: np.ndarray, lead: np.ndarray, back: int, value: Any) -> None:
    """Coefficient on ``Z[o, t - lead_o - back]`` in row ``rows[o, t]``."""
    n, T = rows.shape
    src = np.arange(T)[None, :] - lead[:, None] - back
    cols = np.where(src >= 0, Z[np.arange(n)[:, None], np.clip(src, 0, T - 1)], -1)
    a.coef(rows, cols, value)


def _headcount_arrays(a: ArrayModel) -> None:
    d, T = a.d, a.T
    pools = list(headcount_pools(d))
    keys = [(w,) for w in pools]
    cap = np.vstack([d.workforce[w].max_headcount for w in pools]) if pools else np.zeros((0, T))
    rows = a.rows(OPTION_HEADCOUNT.component, keys, np.isfinite(cap), np.where(np.isfinite(cap), cap, 0.0), 1)
    position = list(a.d.workforce)
    W = a.ids[HEADCOUNT.component][[position.index(w) for w in pools]] if pools else np.zeros((0, T), dtype=np.int64)
    a.coef(rows, W, 1.0)
    block = next(i for i, b in enumerate(a.col_blocks) if b.name == HEADCOUNT.component)
    ent, ts = a.col_blocks[block].ent, a.col_blocks[block].t
    for j, w in enumerate(pools):
        cells = (ent == position.index(w)) & np.isfinite(cap[j][ts])
        a.upper[block][cells] = [_ending_bound(d, w, int(t)) for t in ts[cells]]


def _extend_arrays(a: ArrayModel, opts: list[OptionData], A: np.ndarray) -> None:
    for j, o in enumerate(opts):
        owner = a.ids.get(EXTENDS[o.kind])
        entities = next(b.entities for b in a.row_blocks if b.name == EXTENDS[o.kind])
        if owner is None or (o.target,) not in entities:
            continue
        a.coef(owner[entities.index((o.target,))], A[j], -o.amount)


def _option_words(kind: str, text: str, field: str | None, number: str | None = None) -> Any:
    """Words of an option's row: ``text`` with ``{o}``, ``{period}`` and ``{lead}``; the
    source is the option's ``field`` (``None``: the option's entry); ``number`` an
    attribute of the option shown as ``{{n[0]}}``."""

    def words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
        o, t = key
        opt = d.options[o]
        numbers = (float(getattr(opt, number)),) if number else ()
        sentence = text.format(o=o, period=labels[t], lead=opt.lead_time)
        source = Source(("options", o), entity=True) if field is None else Source(("options", o, field))
        return Words(kind, o, t, numbers[0] if numbers else None, sentence, (source,), numbers=numbers)

    return words


def _headcount_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
    w, t = key
    cap = float(d.workforce[w].max_headcount[t])
    names = ", ".join(o.name for o in headcount_pools(d)[w])
    text = (f"maximum headcount of {w} in {labels[t]}: {{n[0]}} workers ({{0}}), plus the workers of the "
            f"options it takes ({names})")
    return Words("maximum headcount", w, t, cap, text, (Source(("workforce", w, "max_headcount"), t),),
                 numbers=(cap,))


_PHYSICS = "(a rule of the decision, never relaxed)"
#: The options' rows. None is relaxed by the repair machinery: adding capacity never makes
#: a case infeasible (nor does ``force: true``, or ``force: false``, which leaves the case
#: as it is without the option), except the pool's maximum headcount, which is the
#: workforce's own bound moved into a row and relaxed as that bound is (staffing).
ROWS = (
    RowSpec(ONCE, "decisions of option {name}", "decision", "one more decision of the option " + _PHYSICS,
            _option_words("option decided once", "option {o} is decided at most once ({{0}})", None)),
    RowSpec(FORCED, "decisions of option {name}", "decision", "the option taken one time less " + _PHYSICS,
            _option_words("option forced in", "option {o} must be taken ({{0}})", "force")),
    RowSpec(LINK, "availability of option {name} in {period}", "option",
            "the option available in the period without a decision " + _PHYSICS,
            _option_words("option available", "option {o} is available in {period} once decided {lead} periods "
                          "before, and stays ({{0}})", "lead_time")),
    RowSpec(STARTED, "availability of option {name} in {period}", "option",
            "the option available in the period without a decision " + _PHYSICS,
            _option_words("option available", "option {o} is available in {period} only if decided at least "
                          "{lead} periods before ({{0}})", "lead_time")),
    RowSpec(MIN_PERIODS, "availability of option {name} in {period}", "option",
            "one period less of the option's minimum stay " + _PHYSICS,
            _option_words("option minimum stay", "option {o}, once available, stays at least {{n[0]}} periods, "
                          "so it is available in {period} ({{0}})", "min_periods", "min_periods")),
    RowSpec(STAYS_OFF, "availability of option {name} in {period}", "option",
            "the option taken back after it was given up " + _PHYSICS,
            _option_words("option stays off", "option {o}, once given up, is not taken back in {period} ({{0}})",
                          "reversible")),
    RowSpec(OPTION_HEADCOUNT.component, "workers of {name} in {period}", "worker",
            "one more worker as the crew's maximum", _headcount_words,
            (Relief("staffing", "{q} workers more for {name} in {period} than its maximum", "worker"),)),
)



def _decision_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    o, t = key
    if d.options[o].force is False:
        text = f"option {o} is forced out: never decided, not in {labels[t]} either ({{0}})"
        return Words("option forced out", o, t, value, text, (Source(("options", o, "force")),), numbers=(value,))
    text = f"option {o} decided in {labels[t]}: yes or no, at most {{n[0]}} ({{0}})"
    return Words("option decision", o, t, value, text, (Source(("options", o), entity=True),), numbers=(value,))


#: The decision's upper bound: 1 (a yes/no decision), 0 for an option forced out. Not
#: relaxed by repair: a case infeasible without the option shows it in its conflict.
BOUNDS = (
    BoundSpec(OPTION_DECISION.component, "upper", "decision", "the option allowed in the period",
              lambda d, key: 0.0 if d.options[key[0]].force is False else 1.0, _decision_words),
)

def _raised_bound(d: ModelData, key: tuple[Any, ...]) -> float | None:
    """The headcount's upper bound of a pool an option raises: the ending bound alone
    (its maximum is the row ``option_headcount``); None for a pool no option raises."""
    w, t = key
    return float(_ending_bound(d, w, t)) if w in headcount_pools(d) else None


def _raised_bound_words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
    w, t = key
    if t == d.T - 1 and np.isfinite(value):
        text = f"maximum ending headcount of {w} in {labels[t]}: at most {{n[0]}} ({{0}})"
        return Words("maximum ending headcount", w, t, value, text,
                     (Source(("workforce", w, "max_ending_headcount")),), numbers=(value,))
    text = (f"maximum headcount of {w} in {labels[t]}: none on the headcount itself; options raise it, "
            "so it is the row of the workers of the pool ({0})")
    return Words("maximum headcount", w, t, value, text, (Source(("workforce", w, "max_headcount"), t),))


_ADDED = (OPTION_AVAILABLE.component,)
#: The unit of what each kind of option adds, in words.
_UNITS = {"resource": "hours", "supplier": "units", "site": "volume units"}


def _term_words(kind: str) -> Any:
    """Words of the options' terms in a ``kind`` target's capacity row: "plus 50 hours
    from option second_line when it is available (model.yaml:30)"."""

    def words(d: ModelData, key: tuple[Any, ...], _labels: Sequence[str]) -> Words | None:
        target, t = key
        adding = [o for o in d.options.values() if o.kind == kind and o.target == target
                  and t >= _first_available(o) and o.force is not False]
        if not adding:
            return None
        parts = [f"plus {{n[{i}]}} {_UNITS[kind]} from option {o.name} when it is available ({{{i}}})"
                 for i, o in enumerate(adding)]
        return Words("capacity option", target, t, None, "; ".join(parts),
                     tuple(Source(("options", o.name, "adds")) for o in adding),
                     numbers=tuple(o.amount for o in adding))

    return words



FAMILY = Family(
    name="options",
    title="Capacity options",
    doc=__doc__ or "",
    add=add,
    arrays=arrays,
    variables=(OPTION_DECISION, OPTION_AVAILABLE),
    rows=ROWS,
    bounds=BOUNDS,
    limits=(OPTION_HEADCOUNT,),
    costs=(CostCategory("options", "Capacity options", 65),),
    extends_bounds=(
        BoundTerm(HEADCOUNT.component, "upper", "a pool's maximum headcount, raised by options, moves into the row "
                  "option_headcount; the headcount keeps the ending bound", _raised_bound, _raised_bound_words),
    ),
    extends=(
        RowTerm(RESOURCE_CAPACITY.component, _ADDED, "hours an available option adds to the resource",
                _term_words("resource")),
        RowTerm(SUPPLIER_CAPACITY.component, _ADDED, "units per period an available option adds to the supplier",
                _term_words("supplier")),
        RowTerm(STORAGE_CAPACITY.component, _ADDED, "storage volume an available option adds to the site",
                _term_words("site")),
    ),
)
