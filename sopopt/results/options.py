"""The plan tables of capacity decisions: ``options`` (one row per capacity option, what
the plan decided) and ``contracts`` (take-or-pay: ordered, paid for, never delivered).

Columns: ``option``, ``adds`` (what it adds, in words), ``chosen``, ``decided_in`` and
``available_from`` (period labels, empty when not chosen), ``cost`` (what the plan pays
for it: one-off and per-period charges) and ``value``: what the capacity it adds is worth
at the plan's shadow prices, over the periods it is available (for an option not
chosen: the periods it would be available if decided at its earliest). A marginal
value: ``sopopt explain`` re-solves for what forcing an option in (or dropping it)
actually costs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sopopt.inputs.compile import ModelData, OptionData
from sopopt.model.contracts import CONTRACT_PAID, CONTRACTS_TABLE
from sopopt.model.materials import PURCHASE, SUPPLIER_CAPACITY
from sopopt.model.options import OPTION_AVAILABLE, OPTION_DECISION, OPTION_HEADCOUNT, OPTIONS_COLUMNS, OPTIONS_TABLE
from sopopt.model.resources import RESOURCE_CAPACITY
from sopopt.model.storage import STORAGE_CAPACITY

#: What each kind of option adds, in words, and the shadow-price kind of its target row.
_WORDS = {"resource": ("hours of resource", RESOURCE_CAPACITY.kind),
          "workforce": ("workers of pool", OPTION_HEADCOUNT.kind),
          "supplier": ("units/period of supplier", SUPPLIER_CAPACITY.kind),
          "site": ("storage volume at site", STORAGE_CAPACITY.kind)}


def adds_text(o: OptionData) -> str:
    """What an option adds, in words: ``50 hours of resource line``."""
    return f"{o.amount:g} {_WORDS[o.kind][0]} {o.target}"


def decision_tables(d: ModelData, tables: dict[str, pd.DataFrame], shadow: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The plan tables of capacity decisions a case has: ``options`` and ``contracts``."""
    out = {}
    if d.options:
        out[OPTIONS_TABLE] = options_table(d, tables, shadow)
    if d.contracts:
        out[CONTRACTS_TABLE] = contracts_table(d, tables)
    return out


def contracts_table(d: ModelData, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Take-or-pay per supplier and period: ``ordered``, ``paid_for`` and
    ``not_delivered`` (paid for but never ordered, so never delivered)."""
    paid = tables[CONTRACT_PAID.table].rename(columns={"value": "paid_for"})
    bought = tables[PURCHASE.table]
    ordered = bought.groupby(["supplier", "period"], sort=False)["value"].sum().rename("ordered").reset_index()
    frame = paid.merge(ordered, on=["supplier", "period"], how="left").fillna({"ordered": 0.0})
    frame["not_delivered"] = (frame["paid_for"] - frame["ordered"]).clip(lower=0.0)
    return frame[["supplier", "period", "ordered", "paid_for", "not_delivered"]]


def options_table(d: ModelData, tables: dict[str, pd.DataFrame], shadow: pd.DataFrame) -> pd.DataFrame:
    """The ``options`` table of a plan (see the module doc)."""
    decided = _values(tables.get(OPTION_DECISION.table))
    available = _values(tables.get(OPTION_AVAILABLE.table))
    prices = _prices(shadow)
    rows: list[dict[str, Any]] = []
    for name, o in d.options.items():
        when = [t for t in o.decision_periods(d.T) if decided.get((name, d.labels[t]), 0.0) > 0.5]
        on = [t for t in range(d.T) if available.get((name, d.labels[t]), 0.0) > 0.5]
        periods = on if when else list(range(o.earliest + o.lead_time, d.T))
        cost = (o.one_off_cost if when else 0.0) + o.cost_per_period * len(on)
        kind = _WORDS[o.kind][1]
        value = sum(prices.get((kind, o.target, d.labels[t]), 0.0) for t in periods) * o.amount
        rows.append({
            "option": name, "adds": adds_text(o), "chosen": bool(when),
            "decided_in": d.labels[when[0]] if when else "", "available_from": d.labels[on[0]] if on else "",
            "cost": cost, "value": value,
        })
    return pd.DataFrame(rows, columns=list(OPTIONS_COLUMNS))


def _values(frame: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    if frame is None or frame.empty:
        return {}
    return dict(zip(zip(frame["option"], frame["period"], strict=True), frame["value"], strict=True))


def _prices(shadow: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    if shadow.empty:
        return {}
    return dict(zip(zip(shadow["kind"], shadow["name"], shadow["period"], strict=True), shadow["shadow_price"],
                    strict=True))
