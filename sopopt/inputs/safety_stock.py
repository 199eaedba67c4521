r"""Safety stock from a policy: targets computed before the solve.

A safety stock is a number of units per period, or a policy that sets those units from a
service target (docs/safety-stock.md). With :math:`\sigma` the forecast error per period,
:math:`L` the lead time and :math:`R` the review period (both in periods):

=================  ==========================================================================
policy             target at the close of period :math:`t`
=================  ==========================================================================
``service_level``  :math:`z(SL)\,\sigma\sqrt{L+R}` (cycle service level, normal errors)
``fill_rate``      :math:`k\,\sigma\sqrt{L+R}`, the smallest :math:`k` with
                   :math:`\sigma\sqrt{L+R}\,G(k) \le (1-FR)\,\mu_R`; :math:`G` the standard
                   normal loss function, :math:`\mu_R` the demand of the next :math:`R`
                   periods; never below 0
``days_of_cover``  :math:`N` days of the following periods' demand, by the periods'
                   lengths in days (past the horizon, the last period repeats)
=================  ==========================================================================

``forecast_error: {cv: C}`` gives :math:`\sigma_t = C\cdot` the mean demand of the periods
the target covers (:math:`t+1 \ldots t+L+R`). ``lead_time: auto`` is the longest supplier
lead time of the product's materials at a making site, else the longest lane lead time
into the site, else 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sopopt.inputs.schema.network import SafetyStockPolicy

Array = np.ndarray


@dataclass(frozen=True)
class SafetyTarget:
    """A product-at-site safety stock computed from its policy."""

    method: str
    """``service_level``, ``fill_rate`` or ``days_of_cover``."""
    inputs: str
    """The policy's numbers in words, e.g. ``service level 0.95, sd 200, lead time 1, review 1``."""
    target: Array
    """Units per period."""
    hard: bool


#: The standard normal distribution (the standard library's, exact to double precision).
_STANDARD = NormalDist()


def normal_loss(k: float) -> float:
    """The standard normal loss function G(k) = phi(k) - k (1 - Phi(k)).

    ``1 - Phi(k)`` is taken as ``erfc(k / sqrt 2) / 2``, exact in the far tail where
    ``1 - cdf`` would cancel to zero."""
    return _STANDARD.pdf(k) - k * 0.5 * math.erfc(k / math.sqrt(2.0))


def _ahead(values: Array, t: int, n: int) -> Array:
    """``values`` of the ``n`` periods after ``t``; past the horizon the last one repeats."""
    T = len(values)
    return np.array([values[min(j, T - 1)] for j in range(t + 1, t + 1 + n)], dtype=float)


def days_of_cover(demand: Array, days: Array, cover: float) -> Array:
    """``cover`` days of the following periods' demand, at the close of each period."""
    out = np.zeros(len(demand))
    for t in range(len(demand)):
        left, total, j = cover, 0.0, t + 1
        while left > 1e-12:
            k = min(j, len(demand) - 1)
            length = float(days[k]) if days[k] > 0 else 1.0
            used = min(left, length)
            total += demand[k] * used / length
            left -= used
            j += 1
        out[t] = total
    return out


def fill_rate_factor(ratio: float) -> float:
    """The smallest k with G(k) <= ratio (G decreasing); -inf when every k qualifies."""
    if ratio >= normal_loss(-10.0):
        return -math.inf
    from scipy.optimize import brentq  # only fill-rate policies need it: `import sopopt` stays light

    return float(brentq(lambda k: normal_loss(k) - ratio, -10.0, 40.0, xtol=1e-12))


def policy_target(
    policy: SafetyStockPolicy, demand: Array, days: Array, lead_time: int, sd: float | None
) -> SafetyTarget:
    """The targets of one product at one site.

    ``sd`` is the forecast error per period when given as a number or read from a table;
    with ``cv`` it is None and comes from the demand the target covers."""
    method = policy.method
    if method == "days_of_cover":
        target = days_of_cover(demand, days, float(policy.days_of_cover or 0.0))
        return SafetyTarget(method, f"days of cover {policy.days_of_cover:g}", target, policy.hard)
    span = lead_time + policy.review
    root = math.sqrt(span)
    cv = policy.forecast_error.cv if policy.forecast_error is not None else None
    target = np.zeros(len(demand))
    for t in range(len(demand)):
        sigma = sd if sd is not None else float(cv or 0.0) * float(_ahead(demand, t, span).mean())
        if method == "service_level":
            target[t] = _STANDARD.inv_cdf(float(policy.service_level or 0.0)) * sigma * root
        elif sigma > 0:
            cycle = float(_ahead(demand, t, policy.review).sum())
            k = fill_rate_factor((1.0 - float(policy.fill_rate or 0.0)) * cycle / (sigma * root))
            target[t] = k * sigma * root if math.isfinite(k) else 0.0
    error = f"sd {sd:g}" if sd is not None else f"cv {cv:g}"
    inputs = f"{method.replace('_', ' ')} {getattr(policy, method):g}, {error}, lead time {lead_time}, review {policy.review}"
    return SafetyTarget(method, inputs, np.maximum(target, 0.0), policy.hard)
