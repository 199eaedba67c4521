"""Small helpers shared by the constraint families."""

from __future__ import annotations

import math

import numpy as np


def bound(value: float) -> float | None:
    """A Pyomo bound from a number: ``inf`` becomes None (no bound)."""
    return None if math.isinf(value) else float(value)


def finite(values: np.ndarray) -> bool:
    """True if any period has a finite limit (so a row is needed)."""
    return bool(np.isfinite(values).any())
