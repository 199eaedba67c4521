"""LP rows and bounds in business words: what a limit is, its number and where it was set.

:class:`Describer` maps one element of the planning LP (a row, or a column's lower or
upper bound, keyed by component name and index as in :mod:`sopopt.model.catalogue`) to a
:class:`Member`: its kind ("hard demand", "resource hours", ...), the entity and period,
the number the input gave and the :class:`~sopopt.analysis.provenance.Place` that set
it, and the levers the input leaves out that would have relaxed it ("no overtime
allowed on line"). The words are the owning family's (:class:`~sopopt.model.family.RowSpec`
and :class:`~sopopt.model.family.BoundSpec` of each family in ``FAMILIES``); this module
only turns the family's sources into places. Rows that only balance flows (stock and
headcount balances without data of their own) are described as such: they are the
physics linking the limits.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sopopt.analysis.provenance import Place, entity_place, item_path, place_of
from sopopt.model.families import BOUND_TERMS, FAMILIES, TRANSFORMS
from sopopt.model.family import BoundSpec, RowSpec, RowTerm, Source, Words

if TYPE_CHECKING:
    from sopopt.inputs.case import Case


@dataclass(frozen=True)
class AbsentLever:
    """A lever the input leaves out that would relax a conflicting limit."""

    text: str
    place: Place

    def __str__(self) -> str:
        return f"{self.text} ({self.place})"


@dataclass(frozen=True)
class Member:
    """One limit of a conflict (or one repair), in the planner's words."""

    kind: str
    """What the limit is: ``hard demand``, ``resource hours``, ``minimum stock``, ..."""
    name: str
    """The entity: a product at a site (``widget at plant``), a resource, a lane, ..."""
    period: str | None
    """Period label, or None for a limit without a period."""
    value: float | None
    """The input's number (units of the limit)."""
    text: str
    """The sentence, with the number and its source place."""
    places: tuple[Place, ...] = ()
    """Where the numbers were set."""
    absent: tuple[AbsentLever, ...] = field(default=(), repr=False)
    """Levers the input leaves out that would relax this limit."""

    @property
    def place(self) -> Place | None:
        """The place of the member's main number."""
        return self.places[0] if self.places else None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "kind": self.kind,
            "name": self.name,
            "period": self.period,
            "value": self.value,
            "text": self.text,
            "places": [p.to_dict() for p in self.places],
        }


def number(value: float) -> str:
    """A quantity as planners write it: thousands separated, at most 2 decimals."""
    if abs(value - round(value)) < 1e-6:
        return f"{round(value):,}"
    return f"{value:,.2f}"


#: Every row block and every plan-limiting bound, by component (and side), from FAMILIES.
ROW_SPECS: dict[str, RowSpec] = {r.component: r for f in (*FAMILIES, *TRANSFORMS) for r in f.rows}
BOUND_SPECS: dict[tuple[str, str], BoundSpec] = {(b.component, b.side): b for f in FAMILIES for b in f.bounds}
#: Terms later families add to a row, with words of their own (the extension hook).
ROW_TERMS: dict[str, tuple[RowTerm, ...]] = {
    row: tuple(t for f in FAMILIES for t in f.extends if t.row == row and t.describe is not None)
    for row in {t.row for f in FAMILIES for t in f.extends}
}


class Describer:
    """Business descriptions of the LP elements of one case."""

    def __init__(self, case: Case) -> None:
        if case.data is None:
            raise ValueError("the case was loaded with check=False")
        self.case = case
        self.data = case.data
        self.labels = case.labels

    def row(self, component: str, key: tuple[Any, ...]) -> Member:
        """The member for an LP row."""
        spec = ROW_SPECS.get(component)
        if spec is None:
            return Member(component, " ".join(map(str, key)), None, None, f"{component} {list(key)}")
        member = self.member(spec.describe(self.data, key, self.labels))
        terms = [self.member(w) for t in ROW_TERMS.get(component, ()) if t.describe
                 and (w := t.describe(self.data, key, self.labels)) is not None]
        if not terms:
            return member
        return dataclasses.replace(member, text="; ".join([member.text, *(t.text for t in terms)]),
                                   places=member.places + tuple(p for t in terms for p in t.places))

    def bound(self, component: str, key: tuple[Any, ...], side: str) -> Member:
        """The member for a column's ``lower`` or ``upper`` bound."""
        spec = BOUND_SPECS.get((component, side))
        if spec is None:
            return Member(f"{side} bound", component, None, math.nan, f"{side} bound of {component} {list(key)}")
        for term in reversed(BOUND_TERMS.get((component, side), ())):
            changed = term.value(self.data, key)
            if changed is not None:
                describe = term.describe or spec.describe
                return self.member(describe(self.data, key, self.labels, float(changed)))
        value = float(spec.value(self.data, key))
        return self.member(spec.describe(self.data, key, self.labels, value))

    def member(self, words: Words) -> Member:
        """A family's words with their sources placed (file and line)."""
        places = tuple(self.place(source) for source in words.sources)
        text = words.text.format(*map(str, places), n=[number(v) for v in words.numbers])
        absent = tuple(AbsentLever(lever, self.place(source)) for lever, source in words.absent)
        period = None if words.period is None else self.label(words.period)
        return Member(words.kind, words.name, period, words.value, text, places, absent)

    def place(self, source: Source) -> Place:
        """The place of a family's source."""
        if source.entity:
            return entity_place(self.case, *source.path)
        path = item_path(self.case, *source.path) if source.item else source.path
        return place_of(self.case, path, source.period)

    def label(self, t: int) -> str:
        """Period label of period index ``t``."""
        return self.labels[t]
