r"""Why two scenarios differ: the change of each measure, shared among OTHER's adjustments.

The *players* are the ``adjust`` entries written in OTHER's own file, in file order, and
one more, "other input differences", when OTHER without its own adjustments is not BASE
(it extends another file, or changes inputs directly). The value of a subset :math:`S`
of players is a measure (profit, total cost, units lost, backlog, fill rate) of the plan
of the case made of them: BASE (or OTHER without its adjustments, when the other
differences are in :math:`S`) with the adjustments of :math:`S` applied in file order.
Every subset is solved exactly, in one :class:`~sopopt.analysis.sweep.Resolver` (the
one planner; numbers replaced in place and warm when the LP keeps its shape).

- **Shapley shares** (at most :data:`SHAPLEY_LIMIT` players, :math:`2^n` solves):
  :math:`\phi_i = \sum_{S \subseteq N \setminus i} \frac{|S|!\,(n-|S|-1)!}{n!}
  \big(v(S \cup i) - v(S)\big)`, fair to adjustments that interact;
- **sequential shares** (more players, :math:`n+1` solves): each adjustment's effect
  when added after those before it in the file.

Either way the shares add up exactly to the change from BASE to OTHER. The same weights
applied to the units short of every product, site and period say where each share lands.
With a :class:`~sopopt.analysis.attribution_scope.Scope` (a product, site and period, or a
resource or crew) the measures are that cell's, read from the same subsets' plans.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sopopt.analysis.attribution_scope import OVERTIME_MEASURES, PRODUCT_MEASURES, Scope
from sopopt.analysis.planner import Planner
from sopopt.analysis.resolver import Resolver
from sopopt.errors import SopoptError
from sopopt.inputs.case import Case, adjust_case, load_case
from sopopt.inputs.schema.scenario import SCENARIO_KEYS
from sopopt.inputs.views import describe_adjustments
from sopopt.model.demand import PLAN_BACKLOG, PLAN_LOST
from sopopt.results.bottlenecks import runs
from sopopt.results.plan import Plan
from sopopt.results.words import money
from sopopt.results.words import quantity as amount_of

#: Shapley shares up to this many players (2^6 = 64 solves), sequential above.
SHAPLEY_LIMIT = 6
#: The measures shared: (KPI key, words, unit); profit only when the case has prices.
MEASURES = (("profit", "profit", "money"), ("total_cost", "total cost", "money"),
            ("lost_units", "units lost", "unit"), ("backlog_unit_periods", "backlog", "unit-period"),
            ("fill_rate", "fill rate", "%"))
#: Where a share lands: the product-site pairs with the largest change in units short.
LANDS = 3
#: Changes in units short below this share of the largest are not where a share lands.
LAND_SHARE = 0.05
#: The words of an adjustment (``describe_adjustments``) that name it, in order.
_NAMED_BY = ("target", "scope", "periods", "change")
#: The player for what OTHER changes besides its own adjustments.
OTHER_INPUTS = "other input differences"


@dataclass(frozen=True)
class Share:
    """One player's share of each measure's change, and where it lands."""

    name: str
    note: str
    place: str
    shares: dict[str, float]
    lands: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {"name": self.name, "note": self.note, "place": self.place, "shares": dict(self.shares),
                "lands": list(self.lands)}


@dataclass(frozen=True)
class Attribution:
    """The change from BASE to OTHER shared among OTHER's adjustments (module docstring)."""

    base: Plan
    other: Plan
    method: str
    shares: tuple[Share, ...]
    total: dict[str, float]
    solves: int
    info: dict[str, float] = field(default_factory=dict)
    #: The cell the measures are restricted to ("for desk_fan at dc_indy in 2027-07"), or "" (whole plans).
    scope: str = ""

    def sentences(self) -> list[str]:
        """The attribution in plain sentences, one per line (amounts rounded)."""
        currency = self.other.currency
        how = ("Shapley shares (every subset of the adjustments solved)" if self.method == "shapley" else
               "sequential shares (each adjustment added in file order)")
        scope = f" {self.scope}" if self.scope else ""
        lines = [f"{self.other.name} against {self.base.name}{scope}: {_changes(self.total, currency)}.",
                 f"Shared among {len(self.shares)} changes by {how}, {self.solves} solves:"]
        for number, share in enumerate(self.shares, 1):
            note = f" ({share.note})" if share.note else ""
            place = f" at {share.place}" if share.place else ""
            lines.append(f"  {number}. {share.name}{note}{place}: {_changes(share.shares, currency)}.")
            lines.extend(f"     {land}" for land in share.lands)
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain values, JSON-ready (full precision)."""
        return {"base": self.base.name, "other": self.other.name, "method": self.method,
                "scope": self.scope, "total": dict(self.total), "solves": self.solves, "info": dict(self.info),
                "shares": [s.to_dict() for s in self.shares]}


def _changes(values: dict[str, float], currency: str) -> str:
    words = {key: (label, unit) for key, label, unit in (*MEASURES, *PRODUCT_MEASURES, *OVERTIME_MEASURES)}
    parts = []
    for key, value in values.items():
        label, unit = words[key]
        if abs(value) < 1e-9:
            text = "unchanged"
        elif unit == "money":
            text = f"{money(abs(value), currency)} {'more' if value >= 0 else 'less'}"
        elif unit == "%":
            text = f"{100 * value:+.1f} points"
        else:
            text = f"{amount_of(abs(value), unit)} {'more' if value >= 0 else 'fewer'}"
        parts.append(f"{label} {text}")
    return ", ".join(parts)


@dataclass(frozen=True)
class _Player:
    name: str
    note: str
    place: str
    adjustment: Any = None  # (Adjustment, Location) or None for the other input differences


def _players(base: Case, other: Case) -> tuple[list[_Player], Case | None]:
    """OTHER's own adjustments (file order) and, when OTHER without them is not BASE, the
    other input differences as one more player with OTHER's unadjusted case."""
    mine = Path(other.source).resolve()
    own = [(adj, where) for adj, where in other.adjustments
           if where is not None and Path(where.file).resolve() == mine]
    words = describe_adjustments(other)[len(other.adjustments) - len(own):] if own else []
    players = [
        _Player(" ".join(filter(None, (w[k] for k in _NAMED_BY))), w["note"], w["where"], pair)
        for w, pair in zip(words, own, strict=True)
    ]
    if _only_adjusts(base, other):
        return players, None
    stripped = load_case(other.source, workspace=other.workspace, own_adjust=False) if own else other
    same = {k: v for k, v in stripped.resolved.items() if k != "name"} == \
        {k: v for k, v in base.resolved.items() if k != "name"}
    if same:
        return players, None
    return [*players, _Player(OTHER_INPUTS, "", "")], stripped


def _only_adjusts(base: Case, other: Case) -> bool:
    """True when OTHER's own file names BASE's chain and sets no input of its own (only
    scenario keys: its name, adjustments, settings): OTHER without them is BASE."""
    mine = Path(other.source).resolve()
    below = [Path(f).resolve() for f in other.files if Path(f).resolve() != mine]
    if below != [Path(f).resolve() for f in base.files]:
        return False
    return not any(Path(where.file).resolve() == mine and path and path[0] not in (*SCENARIO_KEYS, "name")
                   for path, where in other.locations.items() if where is not None)


def _case_of(subset: Sequence[int], players: list[_Player], base: Case, stripped: Case | None) -> Case:
    """The case of a subset of players: its start, then its adjustments in file order."""
    start = stripped if stripped is not None and any(players[i].adjustment is None for i in subset) else base
    chosen = [players[i].adjustment for i in sorted(subset) if players[i].adjustment is not None]
    if not chosen:
        return start
    paths = {("adjust", str(k)): where for k, (_adj, where) in enumerate(chosen)}
    return adjust_case(start, [(adj, ("adjust", str(k))) for k, (adj, _where) in enumerate(chosen)],
                       paths, warn=False)


def _values(plan: Plan, keys: list[str], scope: Scope | None) -> tuple[np.ndarray, pd.Series]:
    """A plan's measures (the scope's, when one is given) and its units short by
    product, site and period (the scope's cells)."""
    if not plan.status.has_plan:
        raise SopoptError(f"{plan.name}: {plan.status.label}: the change cannot be shared (no plan)")
    table = plan.table("plan")
    short = table.set_index(["product", "site", "period"])[[PLAN_BACKLOG.name, PLAN_LOST.name]].sum(axis=1)
    if scope is not None:
        return np.array(scope.values(plan)), scope.cells(short)
    kpis = {**plan.kpis, "total_cost": float(plan.objective or 0.0)}
    return np.array([float(kpis[k]) for k in keys]), short


def _weights(n: int, shapley: bool) -> dict[int, list[tuple[tuple[int, ...], float]]]:
    """Per player: (subset without it, weight) pairs whose marginals make its share."""
    if not shapley:
        return {i: [(tuple(range(i)), 1.0)] for i in range(n)}
    out: dict[int, list[tuple[tuple[int, ...], float]]] = {i: [] for i in range(n)}
    for i in range(n):
        rest = [j for j in range(n) if j != i]
        for size in range(n):
            w = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            out[i] += [(s, w) for s in itertools.combinations(rest, size)]
    return out


def attribute(base: Case | str | Path, other: Case | str | Path, planner: Planner | None = None,
              scope: Scope | None = None) -> Attribution:
    """The change from BASE to OTHER shared among OTHER's adjustments (module docstring);
    with ``scope``, the change of that cell's measures.

    Raises:
        ScenarioError: the scope names what OTHER does not have, or makes no cell.
        SopoptError: a subset has no plan (its change cannot be shared).
    """
    start = time.perf_counter()
    base = base if isinstance(base, Case) else load_case(base)
    other = other if isinstance(other, Case) else load_case(other)
    if scope is not None:
        scope.check(other)
    players, stripped = _players(base, other)
    n = len(players)
    shapley = n <= SHAPLEY_LIMIT
    subsets = ([tuple(c) for size in range(n + 1) for c in itertools.combinations(range(n), size)] if shapley
               else [tuple(range(k)) for k in range(n + 1)])
    resolver = Resolver(base, planner or Planner())
    solved: dict[tuple[int, ...], Plan] = {}
    for subset in subsets:
        case = _case_of(subset, players, base, stripped)
        name = other.network.name if len(subset) == n else case.network.name
        # Subsets are small variations of each other: warm, and only what the shares read.
        solved[subset] = resolver.solve(case, name=name, warm=True, detail="summary")
    measures = MEASURES if scope is None else scope.measures
    keys = [k for k, _label, _unit in measures if scope is not None or k in solved[()].kpis or k == "total_cost"]
    values = {s: _values(plan, keys, scope) for s, plan in solved.items()}
    shares = []
    for i, pairs in _weights(n, shapley).items():
        change = sum(w * (values[tuple(sorted((*s, i)))][0] - values[s][0]) for s, w in pairs)
        cells = sum(w * values[tuple(sorted((*s, i)))][1].sub(values[s][1], fill_value=0.0) for s, w in pairs)
        shares.append(Share(players[i].name, players[i].note, players[i].place,
                            dict(zip(keys, map(float, change), strict=True)), _lands(cells, base)))
    everything = tuple(range(n))
    total = dict(zip(keys, map(float, values[everything][0] - values[()][0]), strict=True))
    info = {"seconds": time.perf_counter() - start, "players": float(n)}
    return Attribution(solved[()], solved[everything], "shapley" if shapley else "sequential", tuple(shares),
                       total, len(subsets), info, scope.label if scope is not None else "")


def _lands(cells: Any, base: Case) -> tuple[str, ...]:
    """Where a share lands: the product-site pairs with the largest change in units
    short, with the runs of periods that carry it."""
    if not isinstance(cells, pd.Series) or cells.empty:
        return ()
    by_pair = cells.groupby(level=[0, 1]).sum()
    largest = float(by_pair.abs().max()) if not by_pair.empty else 0.0
    if largest <= 1e-6:
        return ()
    out = []
    labels = list(base.labels)
    for (product, site), change in by_pair.reindex(by_pair.abs().sort_values(ascending=False).index)[:LANDS].items():
        if abs(change) < LAND_SHARE * largest:
            break
        rows = cells.xs((product, site), level=[0, 1])
        periods = [labels.index(str(p)) for p, v in rows.items() if abs(v) >= LAND_SHARE * abs(change) / len(rows)]
        more = "more" if change > 0 else "fewer"
        out.append(f"{product} at {site}, {runs(periods, labels)}: {amount_of(abs(change), 'unit')} {more} short")
    return tuple(out)
