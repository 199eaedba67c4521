"""Targets compiled for the LP: each target's periods, rows and items in scope.

:func:`compile_targets` resolves a target's period range and its product, family and
site scope (the grammar of adjustments) into item keys and period positions, records
unknown names with their field path, and says which periods get a row: each period of
the range (``per: period``) or the last one, holding their sum (``per: total``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sopopt.inputs.periods import period_indices
from sopopt.inputs.schema.network import Network
from sopopt.inputs.schema.targets import Target


@dataclass
class TargetData:
    """One target: its measure, value, enforcement, periods and the items it covers."""

    name: str
    measure: str
    value: float
    per: str
    enforce: str
    shortfall_cost: float
    #: Period positions the target covers, in order.
    periods: list[int]
    #: (product, site) keys of the items in scope, in item order.
    items: list[tuple[str, str]]

    @property
    def row_periods(self) -> list[int]:
        """Periods with a row: each period (``per: period``) or the last (``total``)."""
        if not self.periods:
            return []
        return list(self.periods) if self.per == "period" else [self.periods[-1]]

    def covered(self, t: int) -> list[int]:
        """The periods summed in the row of period ``t``."""
        return [t] if self.per == "period" else list(self.periods)


def _names(scope: str | list[str] | None) -> list[str] | None:
    if scope is None:
        return None
    return [scope] if isinstance(scope, str) else list(scope)


def _unknown(
    target: Target, path: tuple[str, ...], known: dict[str, set[str]], problems: list[tuple[tuple[str, ...], str]]
) -> bool:
    bad = False
    for scope, names in known.items():
        for name in _names(getattr(target, scope)) or []:
            if name not in names:
                close = difflib.get_close_matches(name, sorted(names), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(((*path, scope), f"unknown {scope} '{name}'{hint}"))
                bad = True
    return bad


def compile_targets(
    network: Network, labels: list[str], item_keys: list[tuple[str, str]], problems: list[tuple[tuple[str, ...], str]]
) -> list[TargetData]:
    """Every target with its periods and items resolved; problems get their field path."""
    family = {p: product.family for p, product in network.products.items()}
    known = {"product": set(network.products), "family": {f for f in family.values() if f}, "site": set(network.sites)}
    out = []
    for i, target in enumerate(network.targets):
        path = ("targets", str(i))
        if _unknown(target, path, known, problems):
            continue
        try:
            periods = period_indices(target.periods, labels) if target.periods is not None else list(range(len(labels)))
        except ValueError as exc:
            problems.append(((*path, "periods"), str(exc)))
            continue
        products, families, sites = _names(target.product), _names(target.family), _names(target.site)
        items = [
            (p, s) for p, s in item_keys
            if (products is None or p in products) and (families is None or family[p] in families)
            and (sites is None or s in sites)
        ]
        if not items and target.measure != "profit":
            problems.append((path, f"target '{target.name}' covers no product stocked at a site: check its scope"))
            continue
        out.append(TargetData(
            name=target.name, measure=target.measure, value=float(target.value), per=target.per,
            enforce=target.enforce, shortfall_cost=float(target.shortfall_cost or 0.0), periods=periods, items=items,
        ))
    return out
