"""The planning LP: index sets and parameters (:mod:`.sets`), one module per constraint
family with its maths, the rule-based Pyomo build (:mod:`.build`) and the vectorised
build of the same LP (:mod:`.fast`).

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
