"""Capacity options on a generated network (``sopopt generate --options N``).

Options are drawn, seeded, in turn on the network's machine lines (a second shift of a
quarter of the line's hours), its capacitated suppliers (a second agreement of a third
of the capacity) and its crews (a night shift raising ``max_headcount`` by a fifth):
each with a decision window in the first half of the horizon, a lead time of 0 to 2
periods, a one-off cost and a cost per period priced near what the same capacity costs
as overtime, so that some are worth taking and some are not. Every third option is
reversible (kept at least two periods).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _most(value: Any) -> float:
    """The largest value of a series written as a number or a ``{label: value}`` mapping."""
    if isinstance(value, dict):
        return float(max(value.values()))
    if isinstance(value, list):
        return float(max(value))
    return float(value)


def _targets(network: dict[str, Any]) -> list[tuple[str, str, float, float]]:
    """(kind, name, amount, cost of that amount per period as overtime or purchase)."""
    out = []
    for name, res in network.get("resources", {}).items():
        if res.get("overtime"):
            hours = 0.25 * _most(res["hours"])
            out.append(("resource", name, round(hours, 1), hours * float(res["overtime"]["cost"])))
    for name, sup in network.get("suppliers", {}).items():
        if sup.get("capacity") is not None:
            amount = max(1.0, round(_most(sup["capacity"]) / 3.0))
            out.append(("supplier", name, amount, amount * 0.5 * _most(sup.get("price", 1.0))))
    for name, crew in network.get("workforce", {}).items():
        head = max(1.0, round(0.2 * float(crew.get("initial_headcount", 1.0)), 1))
        crew.setdefault("max_headcount", round(float(crew.get("initial_headcount", 1.0)) * 1.05, 1))
        out.append(("workforce", name, head, head * _most(crew["wage"]) * 0.5))
    return out


_FIELD = {"resource": "hours", "supplier": "capacity", "workforce": "headcount"}


def add_options(network: dict[str, Any], count: int, seed: int = 0) -> dict[str, Any]:
    """Add ``count`` options to a generated network (see the module doc); returns it."""
    rng = np.random.default_rng(seed + 32)
    labels = _labels(network)
    targets = _targets(network)
    if not targets or count <= 0:
        return network
    options: dict[str, Any] = {}
    for i in range(count):
        kind, name, amount, per_period = targets[i % len(targets)]
        lead = int(rng.integers(0, 3))
        earliest = int(rng.integers(0, max(1, len(labels) // 2)))
        earliest = min(earliest, len(labels) - 1 - lead)
        option: dict[str, Any] = {
            "adds": {kind: name, _FIELD[kind]: amount},
            "earliest": labels[max(0, earliest)],
            "lead_time": lead,
            "one_off_cost": round(float(per_period) * float(rng.uniform(1.0, 4.0)), 0),
            "cost_per_period": round(float(per_period) * float(rng.uniform(0.2, 0.9)), 0),
        }
        if i % 3 == 2:
            option |= {"reversible": True, "min_periods": 2}
        options[f"OPT{i + 1:02d}-{name}"] = option
    network["options"] = options
    return network


def _labels(network: dict[str, Any]) -> list[str]:
    periods = network["periods"]
    if periods.get("labels"):
        return list(periods["labels"])
    from sopopt.inputs.periods import period_labels
    from sopopt.inputs.schema.network import Periods

    return period_labels(Periods.model_validate(periods))
