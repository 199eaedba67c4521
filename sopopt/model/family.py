"""What a constraint family declares: the whole contract of one lever of the business.

A *family* is one lever of the business (production, transport, workforce, ...). Its
module ``sopopt/model/<family>.py`` holds, side by side, the maths docstring with a
symbol table, the component names, the Pyomo rules (``add(m, data, costs)``) and the
array form (``arrays(model)``, run by the fast builder), and ends with one
:class:`Family` record. :data:`sopopt.model.families.FAMILIES` lists them in build order.

The record is the *whole* contract: nothing outside the module names the family's
components. Besides its maths, builds, plan tables (:class:`VarSpec`) and cost categories
(:class:`CostCategory`) a family declares

- every row it creates (:class:`RowSpec`) and every bound of its variables that limits the
  plan (:class:`BoundSpec`), in business words with the unit ("hours of ohio_assembly in
  2027-08"), what one more unit of it means, and the :class:`Relief` through which the
  repair (elastic) machinery relaxes it: its repair class and the unit in which it gives;
- the terms it adds to rows other families own (:class:`RowTerm`, the *extension hook*:
  a later family adds its columns to an earlier family's balance or capacity rows with
  :func:`extend_row` in the Pyomo build and ``ArrayModel.coef(a.ids[row], ...)`` /
  ``ArrayModel.shift_rhs`` in the array build, without editing the owner), and the
  bounds of earlier families it changes (:class:`BoundTerm`: the bound as built, and its
  words, when the later family moved it into a row or raised it);
- where demand enters its rows and bounds (:class:`DemandTerm`), so that in-place
  re-solves change demand without rebuilding;
- the plan columns it fills (:class:`PlanColumn`) and the labels reports show for them.

The analysis layer (row descriptions, repair, explanations, sweeps, re-planning) and the
results layer read these declarations by looping over ``FAMILIES``.

A *transformation of a built LP* (elastic slacks, stacked demand cases, fixings) is not
a family: it is written once, on the arrays, in :mod:`sopopt.model.transforms`; a
transform that adds columns, rows and costs of its own (smoothing) declares the same
contract with a :class:`Family` record whose builds are empty (see
:mod:`sopopt.model.transforms.smoothing`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from sopopt.inputs.compile import ModelData
    from sopopt.model.arrays import ArrayModel


@dataclass(frozen=True)
class VarSpec:
    """A variable family and the long table it becomes: ``columns`` name its index.

    ``label`` is the table's plain-language description in reports (Excel sheets);
    ``unit`` the unit of its values (plural: "units", "hours", "workers").
    """

    component: str
    table: str
    columns: tuple[str, ...]
    unit: str
    label: str = ""


@dataclass(frozen=True)
class Source:
    """Where a number of a row or bound is set in the input, for the analysis layer to
    place (file and line): a key path of the case, in ``period`` for a series.

    ``item`` marks a product-at-site field, ``path = (product, site, *field)``: the
    site's entry if it gives the field, else the product's. ``entity`` marks the place
    where an entity is declared rather than a number.
    """

    path: tuple[str, ...]
    period: int | None = None
    item: bool = False
    entity: bool = False


@dataclass(frozen=True)
class Words:
    """One LP row or bound in the planner's words, as its family states it.

    ``text`` holds ``{0}``, ``{1}``, ... where the places of ``sources`` go (in order)
    and ``{n[0]}``, ``{n[1]}``, ... where the quantities ``numbers`` go (the analysis
    layer formats both); ``absent`` lists levers the input leaves out that would relax it, each with the
    source of the entity that would carry it.
    """

    kind: str
    name: str
    period: int | None
    value: float | None
    text: str
    sources: tuple[Source, ...] = ()
    absent: tuple[tuple[str, Source], ...] = ()
    numbers: tuple[float, ...] = ()


#: Describes one row: ``(data, row index, period labels) -> Words``.
RowWords = Callable[["ModelData", tuple[Any, ...], Sequence[str]], Words]
#: Describes one bound: ``(data, column index, period labels, bound value) -> Words``.
BoundWords = Callable[["ModelData", tuple[Any, ...], Sequence[str], float], Words]


@dataclass(frozen=True)
class Relief:
    """How the repair machinery relaxes a row or bound: a violation column in a repair
    class (:data:`REPAIR_CLASSES`).

    ``phrase`` says what the violation means, with ``{q}`` (the quantity, in ``unit``),
    ``{name}`` and ``{period}``; ``sign`` is the violation column's coefficient on a row
    (-1 gives room on a ``<=`` row or adds to an ``=`` row's right-hand side); ``cap``,
    if given, is the largest violation (``None``: the row is not relaxed, because a
    lever of the input already relaxes it), from ``(data, row index)``.
    """

    repair_class: str
    phrase: str
    unit: str
    sign: float = -1.0
    cap: Callable[[ModelData, tuple[Any, ...]], float | None] | None = None


@dataclass(frozen=True)
class RowSpec:
    """A block of rows a family creates.

    ``words`` names one row in business words with its unit (``"hours of {name} in
    {period}"``); ``unit`` is the unit of the row (singular, "hour"); ``one_more`` what
    one more unit of it means (the shadow price is money per that unit);
    ``describe`` gives one row's :class:`Words` (number and sources); ``reliefs`` how
    the repair machinery relaxes it (none: a row of physics, never relaxed).
    """

    component: str
    words: str
    unit: str
    one_more: str
    describe: RowWords
    reliefs: tuple[Relief, ...] = ()


@dataclass(frozen=True)
class BoundSpec:
    """A bound of a family's variables that limits the plan (``side``: lower or upper).

    ``value`` is the bound's number from the data (the LP holds the same),
    ``describe`` its words, ``relief`` how the repair machinery relaxes it;
    ``folds_into`` names a row whose words already state this bound for the same index
    (a resource's overtime cap is part of its hours row), so explanations list it once.
    """

    component: str
    side: str
    unit: str
    one_more: str
    value: Callable[[ModelData, tuple[Any, ...]], float]
    describe: BoundWords
    relief: Relief | None = None
    folds_into: str | None = None


@dataclass(frozen=True)
class RowTerm:
    """The extension hook: terms a family adds to a row another (earlier) family owns.

    ``row`` is the owner's component name (its constant, imported from its module);
    ``columns`` the components of this family whose columns enter it; ``text`` what they
    mean in the row ("units shipped out of the site leave its stock"). The terms
    themselves are added in the family's builds (:func:`extend_row`, ``a.coef``).
    ``describe``, if given, states the terms of one row in words (``None``: none in
    that row); explanations append it to the owner's words of the row ("plus 50 hours
    from option second_line when it is available").
    """

    row: str
    columns: tuple[str, ...]
    text: str
    describe: Callable[[ModelData, tuple[Any, ...], Sequence[str]], Words | None] | None = None


@dataclass(frozen=True)
class BoundTerm:
    """The extension hook on bounds: a later family changes a bound an earlier family
    declares (the owner's :class:`BoundSpec` ``component`` and ``side``).

    ``text`` says what the change is ("the pool's maximum headcount moves into a row");
    ``value(data, key)`` is the bound as this family builds it (``None``: it leaves this
    bound as the owner states it); ``describe(data, key, labels, value)`` its words then
    (``None`` for the owner's words with the changed value). Explanations, repair and
    conflicts then state the LP's bound, not the owner's number it replaced.
    """

    component: str
    side: str
    text: str
    value: Callable[[ModelData, tuple[Any, ...]], float | None]
    describe: BoundWords | None = None


def bound_value(spec: BoundSpec, terms: Sequence[BoundTerm], data: ModelData, key: tuple[Any, ...]) -> float:
    """A bound as built: the last of ``terms`` (later families' changes, in build order)
    that changes it for ``key``, else the owner's ``spec.value``."""
    for term in reversed(terms):
        changed = term.value(data, key)
        if changed is not None:
            return float(changed)
    return float(spec.value(data, key))


@dataclass(frozen=True)
class DemandTerm:
    """Where an item's demand ``D[p, s, t]`` enters the LP, for in-place re-solves.

    ``target`` ``"row"``: the row's bounds move by ``coefficient x`` the change in
    demand; ``"upper"``: the column's upper bound is ``coefficient x`` the new demand.
    ``terms(data, p, s)`` lists ``(entity, coefficient)``; the index is ``(*entity, t)``.
    """

    component: str
    target: str
    terms: Callable[[ModelData, str, str], list[tuple[tuple[Any, ...], float]]]


@dataclass(frozen=True)
class PlanColumn:
    """A column of the plan table (one row per product, site and period) a family fills.

    ``component`` is the variable component whose values fill it (``""``: computed by the
    results layer from ``source``); ``label`` is what reports call it; ``unit`` its unit.
    """

    name: str
    component: str
    label: str
    unit: str = "units"


@dataclass(frozen=True)
class LimitSpec:
    """A constraint family whose shadow price is reported.

    ``kind`` is the planner's name of the limit; ``unit`` is what one more unit of the
    limit means (hour, unit, volume). ``sense`` is ``max`` for a ``<=`` row (a capacity:
    one unit more gives room) and ``min`` for a ``>=`` row (a target: one unit less gives
    room). ``level`` is its size in a period in that unit (``(data, row index, solution
    values) -> level``: hours available, a supplier's capacity), which caps the relief a
    bottleneck ranking counts (:mod:`sopopt.results.bottlenecks`).
    """

    component: str
    kind: str
    columns: tuple[str, ...]
    unit: str
    sense: str = "max"
    level: Callable[[ModelData, tuple[Any, ...], dict[str, dict[Any, float]]], float] | None = None


@dataclass(frozen=True)
class BoundLimitSpec:
    """A limit that is a bound of a variable (no row of its own), reported when it binds.

    Its shadow price is the variable's reduced cost. ``side`` is ``upper`` (a maximum:
    one more unit of the limit gives room) or ``lower`` (a minimum: one unit *less* gives
    room). A lower bound of zero is not a limit (quantities are never negative), nor is
    an infinite bound. ``ending_kind``, if given, names the limit in the last period when
    an ending condition (``ending_inventory``, ``min_ending_headcount``,
    ``max_ending_headcount``, ``backlog.at_end: forbid``) set that bound; ``ending`` gives
    that condition's bound for an entity (``(data, entity) -> bound or None``).
    """

    component: str
    side: str
    kind: str
    unit: str
    ending_kind: str | None = None
    ending: Callable[[ModelData, tuple[Any, ...]], float | None] | None = None


@dataclass(frozen=True)
class CostCategory:
    """A cost category a family introduces: its name, plain-language label and its
    position in reports (categories are reported in ascending ``rank``)."""

    name: str
    label: str
    rank: int


@dataclass
class CostTerms:
    """Cost terms of the Pyomo build by category: ``(coefficient, variable)`` pairs."""

    categories: tuple[str, ...]
    costs: dict[str, list[tuple[float, Any]]] = field(init=False)

    def __post_init__(self) -> None:
        self.costs = {c: [] for c in self.categories}

    def cost(self, category: str, terms: list[tuple[float, Any]]) -> None:
        """Add ``(coefficient, variable)`` cost terms to a category."""
        if category not in self.costs:
            raise KeyError(f"unknown cost category '{category}'")
        self.costs[category].extend(terms)


class CutRows(NamedTuple):
    """Rows ``A x <= upper`` a family separates for a MIP (valid inequalities), row-wise:
    row ``i`` has the columns ``index[start[i]:start[i+1]]`` with ``value`` (same slice)."""

    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    upper: np.ndarray

    @property
    def count(self) -> int:
        """Number of rows."""
        return int(self.upper.size)

    @classmethod
    def join(cls, parts: Sequence[CutRows]) -> CutRows:
        """The rows of ``parts``, one after the other."""
        sizes = [int(part.index.size) for part in parts]
        offsets = np.cumsum([0, *sizes])[:-1]
        start = np.concatenate([[0]] + [part.start[1:] + off for part, off in zip(parts, offsets, strict=True)])
        return cls(start.astype(np.int64), np.concatenate([np.zeros(0, np.int64), *(p.index for p in parts)]),
                   np.concatenate([np.zeros(0), *(p.value for p in parts)]),
                   np.concatenate([np.zeros(0), *(p.upper for p in parts)]))

    def take(self, keep: np.ndarray) -> CutRows:
        """Only the rows where ``keep`` is True."""
        rows = np.flatnonzero(keep)
        pieces = [np.arange(self.start[i], self.start[i + 1]) for i in rows]
        at = np.concatenate([np.zeros(0, np.int64), *pieces])
        start = np.cumsum([0] + [len(piece) for piece in pieces])
        return CutRows(start.astype(np.int64), self.index[at], self.value[at], self.upper[rows])

    def activity(self, x: np.ndarray) -> np.ndarray:
        """Each row's left-hand side at ``x``."""
        counts = np.diff(self.start)
        return np.bincount(np.repeat(np.arange(self.count), counts), weights=self.value * x[self.index],
                           minlength=self.count)


#: Finds the family's inequalities that a point ``x`` (an LP relaxation's values)
#: violates; built once per LP by ``Family.cuts(data, column positions)``.
Separator = Callable[[np.ndarray], CutRows]


@dataclass(frozen=True)
class Family:
    """One constraint family: what it adds to the LP and how, in both build paths.

    ``variables`` are the column blocks (each a plan table), ``rows`` its constraint
    blocks, ``limits`` those of its rows whose shadow price is reported,
    ``bound_limits`` the bounds of its variables reported when they bind, ``bounds`` the
    bounds that limit the plan in words and repair, ``costs`` the cost categories it
    introduces (a family may also add terms to a category introduced by an earlier
    one), ``extends`` the terms it adds to rows of earlier families, ``extends_bounds``
    the bounds of earlier families it changes, ``demand`` where
    demand enters its rows and bounds, ``plan_columns`` the plan-table columns it fills.
    """

    name: str
    title: str
    doc: str
    add: Callable[[Any, ModelData, CostTerms], None]
    arrays: Callable[[ArrayModel], None]
    variables: tuple[VarSpec, ...] = ()
    rows: tuple[RowSpec, ...] = ()
    limits: tuple[LimitSpec, ...] = ()
    bound_limits: tuple[BoundLimitSpec, ...] = ()
    costs: tuple[CostCategory, ...] = ()
    bounds: tuple[BoundSpec, ...] = ()
    extends: tuple[RowTerm, ...] = ()
    extends_bounds: tuple[BoundTerm, ...] = ()
    demand: tuple[DemandTerm, ...] = ()
    plan_columns: tuple[PlanColumn, ...] = ()
    cuts: Callable[[ModelData, dict[tuple[str, Any], int]], Separator | None] | None = None


@dataclass(frozen=True)
class Transform:
    """An LP transformation that adds columns, rows and costs of its own (smoothing):
    the same contract as a :class:`Family`, applied to a built LP of either path.

    ``apply(lp, data)`` returns the transformed LP (``lp`` itself when nothing applies).
    """

    name: str
    title: str
    doc: str
    apply: Callable[[Any, ModelData], Any]
    variables: tuple[VarSpec, ...] = ()
    rows: tuple[RowSpec, ...] = ()
    costs: tuple[CostCategory, ...] = ()


#: Repair classes in the default order (first relaxed first) and what each relaxes; a
#: :class:`Relief` names one of them (a new family may add a class here).
REPAIR_CLASSES: dict[str, str] = {
    "overtime": "hours on a resource or a crew beyond regular hours and allowed overtime",
    "staffing": "hires and layoffs beyond their limits (or where none are allowed), headcount outside its bounds",
    "supplier": "material beyond a supplier's capacity, extra material receipts",
    "lane": "shipments beyond a lane's capacity",
    "storage": "stock volume beyond a site's storage capacity",
    "production": "production outside its minimum and maximum, subcontracting beyond its capacity",
    "stock": "stock below its minimum or ending target, or above its maximum",
    "targets": "a hard target (revenue, profit, units, fill rate) brought down",
    "demand": "hard demand not delivered (backlog or lost sales), backlog beyond its limit or left at the end",
}


def physics_words(kind: str, text: str) -> RowWords:
    """Words of a row of physics (a balance or split with no number of its own, never
    relaxed): ``text`` with ``{0}``, ``{1}``, ... for the row's index entries and
    ``{period}`` for its period label."""

    def words(_d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
        *entity, t = key
        sentence = text.format(*entity, period=labels[t]).replace("{", "{{").replace("}", "}}")
        return Words(kind, " at ".join(map(str, entity[:2])), t, None, sentence)

    return words


def _at(path: tuple[str, ...], name: str) -> tuple[str, ...]:
    return tuple(name if part == "{name}" else part for part in path)


def capacity_words(
    kind: str, text: str, path: tuple[str, ...], series: Callable[[ModelData, str], Any],
    levers: Callable[[ModelData, str], tuple[tuple[str, Source], ...]] | None = None,
) -> RowWords:
    """Words of a capacity row of one entity in a period (``key = (name, t)``), its number
    read from the data: ``series(data, name)[t]``. ``text`` holds ``{name}`` and
    ``{period}``, and ``{{n[0]}}`` / ``{{0}}`` where the number and its place go;
    ``path`` is the input field (``"{name}"`` for the entity); ``levers`` the levers the
    input leaves out that would relax the row ("no overflow storage at dc")."""

    def words(d: ModelData, key: tuple[Any, ...], labels: Sequence[str]) -> Words:
        name, t = key
        value = float(series(d, name)[t])
        absent = levers(d, name) if levers is not None else ()
        return Words(kind, name, t, value, text.format(name=name, period=labels[t]), (Source(_at(path, name), t),),
                     absent, (value,))

    return words


def limit_words(kind: str, text: str, path: tuple[str, ...]) -> BoundWords:
    """Words of a bound of one entity in a period (``key = (name, t)``) whose number is
    the bound's value ("overflow storage at dc in 2027-03: at most 40"): ``text`` and
    ``path`` as for :func:`capacity_words`."""

    def words(_d: ModelData, key: tuple[Any, ...], labels: Sequence[str], value: float) -> Words:
        name, t = key
        return Words(kind, name, t, value, text.format(name=name, period=labels[t]), (Source(_at(path, name), t),),
                     numbers=(value,))

    return words


def extend_row(m: Any, row: str, key: tuple[Any, ...], terms: Any) -> None:
    """The extension hook in the Pyomo build: add ``terms`` (an expression; a constant
    moves the right-hand side) to the body of row ``row[key]`` built by an earlier
    family, keeping its sense. A row the owner skipped (no terms, trivially holding)
    cannot be extended: owners build every row a later family may extend."""
    con = m.component(row)[key]
    con.set_value((con.lower, con.body + terms, con.upper))
