"""Small helpers shared by the constraint families."""

from __future__ import annotations

import math


def bound(value: float) -> float | None:
    """A Pyomo bound from a number: ``inf`` becomes None (no bound)."""
    return None if math.isinf(value) else float(value)
