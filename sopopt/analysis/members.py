"""LP rows and bounds in business words: what a limit is, its number and where it was set.

:class:`Describer` maps one element of the planning LP (a row, or a column's lower or
upper bound, keyed by component name and index as in :mod:`sopopt.model.registry`) to a
:class:`Member`: its kind ("hard demand", "resource hours", ...), the entity and period,
the number the input gave and the :class:`~sopopt.analysis.provenance.Place` that set
it, and the levers the input leaves out that would have relaxed it ("no overtime
allowed on line"). Rows that only balance flows (stock and headcount balances without
data of their own) are described as such: they are the physics linking the limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sopopt.analysis.provenance import Place, entity_place, item_path, place_of

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


class Describer:
    """Business descriptions of the LP elements of one case."""

    def __init__(self, case: Case) -> None:
        if case.data is None:
            raise ValueError("the case was loaded with check=False")
        self.case = case
        self.data = case.data
        self.labels = case.labels
        self._rows: dict[str, Callable[..., Member]] = {
            "inventory_balance": self._inventory_balance,
            "backlog_balance": self._backlog_balance,
            "resource_capacity": self._resource_capacity,
            "labour_capacity": self._labour_capacity,
            "overtime_limit": self._overtime_limit,
            "headcount_balance": self._headcount_balance,
            "supplier_capacity": self._supplier_capacity,
            "material_balance": self._material_balance,
            "lane_capacity": self._lane_capacity,
            "storage_capacity": self._storage_capacity,
            "safety_stock": self._safety_stock,
            "target": self._target,
        }

    def row(self, component: str, key: tuple[Any, ...]) -> Member:
        """The member for an LP row."""
        describe = self._rows.get(component)
        if describe is None:
            return Member(component, " ".join(map(str, key)), None, None, f"{component} {list(key)}")
        return describe(*key)

    def bound(self, component: str, key: tuple[Any, ...], side: str) -> Member:
        """The member for a column's ``lower`` or ``upper`` bound."""
        return _bound_member(self, component, key, side)

    # ------------------------------------------------------------------ helpers

    def label(self, t: int) -> str:
        """Period label of period index ``t``."""
        return self.labels[t]

    def item_place(self, p: str, s: str, *fields: str, t: int | None = None) -> Place:
        """Place of a product-at-site field (site value, else the product's)."""
        return place_of(self.case, item_path(self.case, p, s, *fields), t)

    def product_entry(self, p: str, s: str) -> Place:
        """Where a product at a site is declared."""
        return entity_place(self.case, "products", p, "sites", s)

    # ------------------------------------------------------------------ rows

    def _inventory_balance(self, p: str, s: str, t: int) -> Member:
        item = self.data.items[p, s]
        name, period = f"{p} at {s}", self.label(t)
        parts, places = self._opening(item.initial_inventory, item.scheduled_receipts[t], p, s, t)
        hard = not item.backlog and not item.lost_sales
        demand = float(item.demand[t])
        if hard and demand > 0:
            where = place_of(self.case, ("demand", p, s), t)
            text = f"hard demand of {p} at {s} in {period}: {number(demand)} units ({where})"
            absent = AbsentLever(f"no backlog or lost sales allowed for {p} at {s}", self.product_entry(p, s))
            return Member("hard demand", name, period, demand, _join(text, parts), (where, *places), (absent,))
        text = f"stock balance of {p} at {s} in {period}"
        return Member("stock balance", name, period, None, _join(text, parts), tuple(places))

    def _opening(self, initial: float, receipts: float, p: str, s: str, t: int) -> tuple[list[str], list[Place]]:
        parts, places = [], []
        if t == 0:
            where = self.item_place(p, s, "initial_inventory")
            opening = f"opening stock {number(initial)} units" if initial else "no opening stock"
            parts.append(f"{opening} ({where})")
            places.append(where)
        if receipts:
            where = self.item_place(p, s, "scheduled_receipts", t=t)
            parts.append(f"scheduled receipts {number(receipts)} units ({where})")
            places.append(where)
        return parts, places

    def _backlog_balance(self, p: str, s: str, t: int) -> Member:
        demand = float(self.data.items[p, s].demand[t])
        where = place_of(self.case, ("demand", p, s), t)
        text = f"demand of {p} at {s} in {self.label(t)}: {number(demand)} units, backlog allowed ({where})"
        return Member("demand", f"{p} at {s}", self.label(t), demand, text, (where,))

    def _resource_capacity(self, r: str, t: int) -> Member:
        res = self.data.resources[r]
        hours = float(res.hours[t])
        where = place_of(self.case, ("resources", r, "hours"), t)
        text = f"{r} hours in {self.label(t)}: {number(hours)} regular"
        absent: tuple[AbsentLever, ...] = ()
        if res.overtime:
            cap = float(res.overtime_capacity[t])
            ot = number(cap) if cap != float("inf") else "unlimited"
            text += f" + {ot} overtime ({where}; overtime {place_of(self.case, ('resources', r, 'overtime', 'capacity'), t)})"
        else:
            text += f" ({where})"
            absent = (AbsentLever(f"no overtime allowed on {r}", entity_place(self.case, "resources", r)),)
        return Member("resource hours", r, self.label(t), hours, text, (where,), absent)

    def _labour_capacity(self, w: str, t: int) -> Member:
        pool = self.data.workforce[w]
        hours = float(pool.hours_per_worker[t])
        where = place_of(self.case, ("workforce", w, "hours_per_worker"), t)
        text = f"{w} labour hours in {self.label(t)}: {number(hours)} h per worker ({where})"
        absent = self._staffing_levers(pool, w)
        if not pool.overtime:
            absent = (*absent, AbsentLever(f"no overtime allowed for {w}", entity_place(self.case, "workforce", w)))
        return Member("crew hours", w, self.label(t), hours, text, (where,), absent)

    def _staffing_levers(self, pool: Any, w: str) -> tuple[AbsentLever, ...]:
        found = []
        if not pool.hiring:
            found.append(AbsentLever(f"no hiring allowed for {w}", entity_place(self.case, "workforce", w)))
        if not pool.layoffs:
            found.append(AbsentLever(f"no layoffs allowed for {w}", entity_place(self.case, "workforce", w)))
        return tuple(found)

    def _target(self, name: str, t: int) -> Member:
        index = next(i for i, g in enumerate(self.data.targets) if g.name == name)
        g = self.data.targets[index]
        where = place_of(self.case, ("targets", str(index), "value"))
        periods = g.covered(t)
        span = self.label(periods[0]) if len(periods) == 1 else f"{self.label(periods[0])}..{self.label(periods[-1])}"
        shown = f"{g.value:.0%}" if g.measure == "fill_rate" else number(g.value)
        text = f"hard target {name}: {g.measure.replace('_', ' ')} of at least {shown} in {span} ({where})"
        return Member("hard target", name, self.label(t), g.value, text, (where,))

    def _overtime_limit(self, w: str, t: int) -> Member:
        per = float(self.data.workforce[w].overtime_per_worker[t])
        where = place_of(self.case, ("workforce", w, "overtime", "hours_per_worker"), t)
        text = f"{w} overtime in {self.label(t)}: at most {number(per)} h per worker ({where})"
        return Member("crew overtime", w, self.label(t), per, text, (where,))

    def _headcount_balance(self, w: str, t: int) -> Member:
        pool = self.data.workforce[w]
        absent = self._staffing_levers(pool, w)
        if t == 0:
            where = place_of(self.case, ("workforce", w, "initial_headcount"))
            text = f"{w} opening headcount: {number(pool.initial_headcount)} workers ({where})"
            return Member("opening headcount", w, self.label(t), pool.initial_headcount, text, (where,), absent)
        text = f"headcount balance of {w} in {self.label(t)}"
        return Member("headcount balance", w, self.label(t), None, text, (), absent)

    def _supplier_capacity(self, name: str, t: int) -> Member:
        sup = self.data.suppliers[name]
        cap = float(sup.capacity[t])
        where = place_of(self.case, ("suppliers", name, "capacity"), t)
        text = f"supplier {name} capacity in {self.label(t)}: {number(cap)} units of {sup.material} ({where})"
        return Member("supplier capacity", name, self.label(t), cap, text, (where,))

    def _material_balance(self, m: str, s: str, t: int) -> Member:
        stock = self.data.material_stocks[m, s]
        name, period = f"{m} at {s}", self.label(t)
        parts, places = [], []
        if t == 0:
            where = place_of(self.case, ("materials", m, "sites", s, "initial_stock"))
            parts.append(f"opening stock {number(stock.initial_stock)} units ({where})")
            places.append(where)
        if stock.scheduled_receipts[t]:
            where = place_of(self.case, ("materials", m, "sites", s, "scheduled_receipts"), t)
            parts.append(f"scheduled receipts {number(stock.scheduled_receipts[t])} units ({where})")
            places.append(where)
        text = _join(f"material balance of {m} at {s} in {period}", parts)
        return Member("material balance", name, period, None, text, tuple(places))

    def _lane_capacity(self, lane: str, t: int) -> Member:
        cap = float(self.data.lanes[lane].capacity[t])
        where = place_of(self.case, ("lanes", lane, "capacity"), t)
        text = f"lane {lane} capacity in {self.label(t)}: {number(cap)} units ({where})"
        return Member("lane capacity", lane, self.label(t), cap, text, (where,))

    def _storage_capacity(self, s: str, t: int) -> Member:
        cap = float(self.data.storage[s].capacity[t])
        where = place_of(self.case, ("sites", s, "storage", "capacity"), t)
        text = f"storage at {s} in {self.label(t)}: {number(cap)} volume units ({where})"
        absent: tuple[AbsentLever, ...] = ()
        if not self.data.storage[s].overflow:
            absent = (AbsentLever(f"no overflow storage at {s}", entity_place(self.case, "sites", s, "storage")),)
        return Member("storage capacity", s, self.label(t), cap, text, (where,), absent)

    def _safety_stock(self, p: str, s: str, t: int) -> Member:
        target = float(self.data.items[p, s].safety_stock[t])
        where = self.item_place(p, s, "safety_stock", t=t)
        text = f"safety stock of {p} at {s} in {self.label(t)}: {number(target)} units ({where})"
        return Member("safety stock", f"{p} at {s}", self.label(t), target, text, (where,))


def _join(text: str, parts: list[str]) -> str:
    return f"{text}; {'; '.join(parts)}" if parts else text


# Column bounds: component -> side -> (kind, item/pool field path, phrase).
_ITEM_BOUNDS: dict[tuple[str, str], tuple[str, tuple[str, ...], str]] = {
    ("production", "lower"): ("minimum production", ("min_production",), "at least"),
    ("production", "upper"): ("maximum production", ("max_production",), "at most"),
    ("subcontract", "upper"): ("subcontracting capacity", ("subcontract", "capacity"), "at most"),
    ("inventory", "lower"): ("minimum stock", ("min_inventory",), "at least"),
    ("inventory", "upper"): ("maximum stock", ("max_inventory",), "at most"),
    ("backlog", "upper"): ("backlog limit", ("backlog", "limit"), "at most"),
}
_POOL_BOUNDS: dict[tuple[str, str], tuple[str, tuple[str, ...], str]] = {
    ("headcount", "lower"): ("minimum headcount", ("min_headcount",), "at least"),
    ("headcount", "upper"): ("maximum headcount", ("max_headcount",), "at most"),
    ("hires", "upper"): ("hiring limit", ("hiring", "max"), "at most"),
    ("layoffs", "upper"): ("layoff limit", ("layoffs", "max"), "at most"),
}


def _bound_member(d: Describer, component: str, key: tuple[Any, ...], side: str) -> Member:
    lp_values = _bound_value(d, component, key, side)
    if (component, side) in _ITEM_BOUNDS:
        p, s, t = key
        return _item_bound(d, component, side, p, s, t, lp_values)
    if (component, side) in _POOL_BOUNDS:
        w, t = key
        kind, fields, phrase = _POOL_BOUNDS[component, side]
        fields = _ending_field(d, component, side, w, t) or fields
        where = place_of(d.case, ("workforce", w, *fields), None if fields[0].endswith("ending_headcount") else t)
        if fields[0].endswith("ending_headcount"):
            kind = kind.replace("headcount", "ending headcount")
        text = f"{kind} of {w} in {d.label(t)}: {phrase} {number(lp_values)} ({where})"
        return Member(kind, w, d.label(t), lp_values, text, (where,))
    if component == "resource_overtime":
        r, t = key
        where = place_of(d.case, ("resources", r, "overtime", "capacity"), t)
        text = f"{r} overtime in {d.label(t)}: at most {number(lp_values)} h ({where})"
        return Member("overtime capacity", r, d.label(t), lp_values, text, (where,))
    if component == "overflow":
        s, t = key
        where = place_of(d.case, ("sites", s, "storage", "overflow", "capacity"), t)
        text = f"overflow storage at {s} in {d.label(t)}: at most {number(lp_values)} ({where})"
        return Member("overflow capacity", s, d.label(t), lp_values, text, (where,))
    if component == "lost":
        p, s, t = key
        text = f"lost sales of {p} at {s} in {d.label(t)}: at most the demand, {number(lp_values)} units"
        return Member("lost sales limit", f"{p} at {s}", d.label(t), lp_values, text, ())
    text = f"{side} bound of {component} {list(key)}: {number(lp_values)}"
    return Member(f"{side} bound", component, None, lp_values, text, ())


def _bound_value(d: Describer, component: str, key: tuple[Any, ...], side: str) -> float:
    """The bound's number as compiled (the LP holds the same value)."""
    values = {
        ("production", "lower"): lambda p, s, t: d.data.items[p, s].min_production[t],
        ("production", "upper"): lambda p, s, t: d.data.items[p, s].max_production[t],
        ("subcontract", "upper"): lambda p, s, t: d.data.items[p, s].subcontract_capacity[t],
        ("inventory", "lower"): lambda p, s, t: _stock_floor(d, p, s, t),
        ("inventory", "upper"): lambda p, s, t: d.data.items[p, s].max_inventory[t],
        ("backlog", "upper"): lambda p, s, t: _backlog_cap(d, p, s, t),
        ("lost", "upper"): lambda p, s, t: d.data.items[p, s].demand[t],
        ("headcount", "lower"): lambda w, t: _headcount_bound(d, w, t, "lower"),
        ("headcount", "upper"): lambda w, t: _headcount_bound(d, w, t, "upper"),
        ("hires", "upper"): lambda w, t: d.data.workforce[w].max_hires[t],
        ("layoffs", "upper"): lambda w, t: d.data.workforce[w].max_layoffs[t],
        ("resource_overtime", "upper"): lambda r, t: d.data.resources[r].overtime_capacity[t],
        ("overflow", "upper"): lambda s, t: d.data.storage[s].overflow_capacity[t],
    }
    getter = values.get((component, side))
    return float(getter(*key)) if getter else float("nan")


def _stock_floor(d: Describer, p: str, s: str, t: int) -> float:
    item = d.data.items[p, s]
    low = float(item.min_inventory[t])
    return max(low, item.ending_inventory) if t == d.data.T - 1 else low


def _backlog_cap(d: Describer, p: str, s: str, t: int) -> float:
    item = d.data.items[p, s]
    return 0.0 if t == d.data.T - 1 and item.backlog_at_end == "forbid" else float(item.backlog_limit[t])


def _headcount_bound(d: Describer, w: str, t: int, side: str) -> float:
    pool = d.data.workforce[w]
    last = t == d.data.T - 1
    if side == "lower":
        return max(float(pool.min_headcount[t]), pool.min_ending_headcount if last else 0.0)
    return min(float(pool.max_headcount[t]), pool.max_ending_headcount if last else float("inf"))


def _ending_field(d: Describer, component: str, side: str, w: str, t: int) -> tuple[str, ...] | None:
    """``min/max_ending_headcount`` when that, not the per-period bound, sets the last period."""
    if component != "headcount" or t != d.data.T - 1:
        return None
    pool = d.data.workforce[w]
    if side == "lower" and pool.min_ending_headcount > float(pool.min_headcount[t]):
        return ("min_ending_headcount",)
    if side == "upper" and pool.max_ending_headcount < float(pool.max_headcount[t]):
        return ("max_ending_headcount",)
    return None


def _item_bound(d: Describer, component: str, side: str, p: str, s: str, t: int, value: float) -> Member:
    kind, fields, phrase = _ITEM_BOUNDS[component, side]
    item = d.data.items[p, s]
    last = t == d.data.T - 1
    period: int | None = t
    if component == "inventory" and side == "lower" and last and item.ending_inventory >= float(item.min_inventory[t]):
        kind, fields, period = "ending stock", ("ending_inventory",), None
    if component == "backlog" and last and item.backlog_at_end == "forbid":
        where = d.item_place(p, s, "backlog")
        text = f"backlog of {p} at {s} must be cleared by the end of {d.label(t)} ({where})"
        return Member("backlog cleared at end", f"{p} at {s}", d.label(t), 0.0, text, (where,))
    where = d.item_place(p, s, *fields, t=period)
    text = f"{kind} of {p} at {s} in {d.label(t)}: {phrase} {number(value)} units ({where})"
    absent: tuple[AbsentLever, ...] = ()
    if component == "inventory" and side == "upper" and not any(
        lane.origin == s and p in lane.products for lane in d.data.lanes.values()
    ):
        absent = (AbsentLever(f"no lane ships {p} out of {s}", d.product_entry(p, s)),)
    return Member(kind, f"{p} at {s}", d.label(t), value, text, (where,), absent)
