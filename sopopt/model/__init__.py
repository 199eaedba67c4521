"""The planning LP: index sets and parameters (:mod:`.sets`), one module per constraint
family (its maths, Pyomo rules and array form; listed in :mod:`.families`), the
rule-based Pyomo recipe (:mod:`.build`), the array recipe that builds the same LP
(:mod:`.build_arrays`) and transformations of a built LP (:mod:`.transforms`).

``build_model`` is imported lazily so that the fast path runs without loading Pyomo.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_model"]


def __getattr__(name: str) -> Any:
    if name == "build_model":
        from sopopt.model.build import build_model

        return build_model
    raise AttributeError(f"module 'sopopt.model' has no attribute '{name}'")
