"""Compiled capacity options and supplier contracts: plain numbers for the model families
:mod:`sopopt.model.options` and :mod:`sopopt.model.contracts`.

Cross-references (an option adding to an unknown resource, a supplier without capacity
to add to, a contract next to a price) are recorded as ``(field path, message)`` problems
that :func:`sopopt.inputs.case.load_case` reports with file and line.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sopopt.inputs.schema.network import Network
from sopopt.inputs.schema.options import OPTION_ADDS

Problems = list[tuple[tuple[str, ...], str]]
Expand = Callable[..., np.ndarray]


@dataclass
class OptionData:
    """A capacity option: ``kind`` (resource, workforce, supplier or site) names what
    ``target`` is, ``amount`` what it adds per period once available."""

    name: str
    kind: str
    target: str
    amount: float
    earliest: int
    lead_time: int
    one_off_cost: float
    cost_per_period: float
    reversible: bool
    min_periods: int
    #: True: must be taken; False: must not; None: the plan decides.
    force: bool | None = None

    def decision_periods(self, T: int) -> range:
        """Periods it may be decided in: from ``earliest`` while it can still become
        available within the horizon."""
        return range(self.earliest, max(self.earliest, T - self.lead_time))


@dataclass
class ContractData:
    """A take-or-pay contract of a supplier: ``minimum`` per period (zeros when the
    minimum is over the horizon, ``total_minimum``)."""

    supplier: str
    price: float
    minimum: np.ndarray
    total_minimum: float


@dataclass
class TiersData:
    """Incremental price tiers of a supplier: ``widths[j]`` units at ``prices[j]``
    (the last width is ``inf``)."""

    supplier: str
    widths: list[float]
    prices: list[float]

    @property
    def convex(self) -> bool:
        """True if prices never fall from one tier to the next (an LP suffices)."""
        return all(b >= a for a, b in itertools.pairwise(self.prices))


def compile_options(network: Network, labels: list[str], problems: Problems) -> dict[str, OptionData]:
    """Every option of the network, checked against what it adds to."""
    out: dict[str, OptionData] = {}
    for name, opt in network.options.items():
        path = ("options", name)
        kind, field = next((a, b) for a, b in OPTION_ADDS if getattr(opt.adds, a) is not None)
        target = getattr(opt.adds, kind)
        missing = _target_problem(network, kind, target)
        if missing:
            problems.append(((*path, "adds", kind), missing))
            continue
        earliest = 0
        if opt.earliest is not None:
            if opt.earliest not in labels:
                problems.append(((*path, "earliest"), f"unknown period '{opt.earliest}'"))
                continue
            earliest = labels.index(opt.earliest)
        if earliest + opt.lead_time >= len(labels):
            problems.append(((*path, "lead_time"), "decided no earlier than 'earliest', it could never be available "
                             "within the horizon"))
            continue
        out[name] = OptionData(
            name=name, kind=kind, target=target, amount=float(getattr(opt.adds, field)), earliest=earliest,
            lead_time=opt.lead_time, one_off_cost=float(opt.one_off_cost), cost_per_period=float(opt.cost_per_period),
            reversible=opt.reversible, min_periods=opt.min_periods, force=opt.force,
        )
    return out


def _target_problem(network: Network, kind: str, target: str) -> str:
    """Why an option cannot add to ``target`` ('' if it can)."""
    collection: dict[str, Any] = {
        "resource": network.resources, "workforce": network.workforce,
        "supplier": network.suppliers, "site": network.sites,
    }[kind]
    if target not in collection:
        return f"unknown {kind} '{target}'"
    entry = collection[target]
    if kind == "workforce" and entry.max_headcount is None:
        return f"workforce '{target}' has no max_headcount to raise"
    if kind == "supplier" and entry.capacity is None:
        return f"supplier '{target}' has no capacity to add to (its capacity is unlimited)"
    if kind == "site" and (entry.storage is None or entry.storage.capacity is None):
        return f"site '{target}' has no storage capacity to add to (its storage is unlimited)"
    return ""


def compile_contracts(
    network: Network, ex: Expand, problems: Problems
) -> tuple[dict[str, ContractData], dict[str, TiersData]]:
    """Take-or-pay contracts and price tiers by supplier."""
    T = len(ex.labels)  # type: ignore[attr-defined]
    contracts: dict[str, ContractData] = {}
    tiers: dict[str, TiersData] = {}
    for name, sup in network.suppliers.items():
        path = ("suppliers", name)
        if sup.contract is None and sup.price_tiers is None:
            continue
        if "price" in sup.model_fields_set:
            problems.append(((*path, "price"), "a contract or price tiers replace 'price': leave 'price' out"))
        if sup.contract is not None and sup.price_tiers is not None:
            problems.append(((*path, "price_tiers"), "give either 'contract' or 'price_tiers', not both"))
            continue
        if sup.contract is not None:
            c = sup.contract
            minimum = np.full(T, float(c.minimum)) if c.minimum is not None else np.zeros(T)
            contracts[name] = ContractData(name, float(c.price), minimum, float(c.total_minimum or 0.0))
            continue
        tiers_data = _tiers(name, sup.price_tiers or [], problems)
        if tiers_data is not None and not tiers_data.convex and sup.capacity is None:
            problems.append(((*path, "price_tiers"), "falling tier prices need the supplier's 'capacity' "
                             "(the bound of the last tier's yes/no decision)"))
        elif tiers_data is not None:
            tiers[name] = tiers_data
    return contracts, tiers


def _tiers(name: str, given: list[Any], problems: Problems) -> TiersData | None:
    path = ("suppliers", name, "price_tiers")
    ends = [t.up_to for t in given]
    if any(e is None for e in ends[:-1]) or ends[-1] is not None:
        problems.append((path, "every tier but the last needs 'up_to'; the last has none"))
        return None
    finite = [float(e) for e in ends[:-1]]
    if any(b <= a for a, b in itertools.pairwise(finite)):
        problems.append((path, "'up_to' must increase from one tier to the next"))
        return None
    widths = [b - a for a, b in zip([0.0, *finite], [*finite, math.inf], strict=True)]
    return TiersData(name, widths, [float(t.price) for t in given])
