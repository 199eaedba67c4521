"""Scenario inputs in a flat form that can be compared: ``{dotted.path: value}``, where a
series (one number, a list with one number per period, or a mapping by period) stays one
value. :func:`diff_inputs` compares two such sets period by period, so ``400`` and
``[400, 400, ...]`` are the same input. Used by ``sopopt diff`` and by the report's
assumptions (each plan carries its flat inputs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sopopt.inputs.periods import expand_series


def plain(value: Any) -> Any:
    """Plain Python values (numpy scalars unwrapped, whole floats as ints)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


@dataclass(frozen=True)
class Difference:
    """One input that differs between two resolved cases."""

    path: str
    period: str
    a: Any
    b: Any


def _as_series(value: Any, labels: list[str]) -> np.ndarray | None:
    """One number per period (NaN where a mapping by period leaves one out: a target
    applies only to the periods of its range), or None when ``value`` is no series."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, Mapping) and value and "default" not in value and set(value) <= set(labels):
            return np.array([float(value.get(label, np.nan)) for label in labels])
        return expand_series(value, labels)
    except (ValueError, TypeError):
        return None


def _number(value: float) -> Any:
    """A period's value for a difference (None where the input does not apply)."""
    return None if np.isnan(value) else plain(value)


def diff_inputs(
    a: dict[str, Any], a_labels: list[str], b: dict[str, Any], b_labels: list[str]
) -> list[Difference]:
    """Differences between two sets of flat inputs (see :func:`flat_inputs`)."""
    same_horizon = a_labels == b_labels
    result: list[Difference] = []
    for name in sorted(set(a) | set(b)):
        if name not in a:
            result.append(Difference(name, "", None, b[name]))
            continue
        if name not in b:
            result.append(Difference(name, "", a[name], None))
            continue
        va, vb = a[name], b[name]
        if va == vb:
            continue
        sa = _as_series(va, a_labels) if same_horizon else None
        sb = _as_series(vb, b_labels) if same_horizon else None
        if sa is not None and sb is not None:
            for t in np.flatnonzero(~np.isclose(sa, sb, rtol=0, atol=0, equal_nan=True)):
                result.append(Difference(name, a_labels[t], _number(sa[t]), _number(sb[t])))
            continue
        result.append(Difference(name, "", va, vb))
    return result
