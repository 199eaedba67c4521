"""How sopopt writes a number for people: one rule for the terminal, the HTML report,
the Excel workbook and the sentences.

A value is written according to its unit:

- shares (``%``, stored as fractions): one decimal, ``55.0%``; a change is in points,
  ``+2.5 pts``;
- quantities (:data:`QUANTITIES`: units, hours, workers, FTE, days, ...): one decimal;
  ``compact`` drops it from 100 up; days keep it always (``2.4 days``, never ``2``);
- money (any other unit, e.g. ``USD``): two decimals, none when ``compact`` (totals
  in tables and cards are whole currency units); rates (``USD per unit``) keep two.

A change (``delta=True``) carries its sign; a value that rounds to zero has none.
"""

from __future__ import annotations

import math
from typing import Any

#: Units of counted or measured quantities (not money, not shares).
QUANTITIES = frozenset({"units", "hours", "workers", "FTE", "unit-periods", "days", "volume"})

#: Quantities that keep their decimal however large (a day count reads "2.4", not "2").
_ALWAYS_DECIMAL = frozenset({"days"})


def is_money(unit: str) -> bool:
    """True for a currency (``USD``), False for shares, quantities, rates and text."""
    return bool(unit) and unit != "%" and unit != "text" and unit not in QUANTITIES and " per " not in unit


def decimals(unit: str, value: float = 0.0, *, compact: bool = False) -> int:
    """Digits after the point for ``value`` in ``unit`` (shares: of the percentage)."""
    if unit == "%":
        return 1
    if unit in QUANTITIES:
        return 0 if compact and abs(value) >= 100 and unit not in _ALWAYS_DECIMAL else 1
    if " per " in unit:
        return 2
    return 0 if compact else 2


def format_value(value: Any, unit: str, *, delta: bool = False, compact: bool = False, whole: bool = False) -> str:
    """``value`` written for people, without its unit (see the module docstring); text
    as it is, ``-`` for a missing number. ``whole``: no decimals (a headline count)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    value = float(value)
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    sign = "+" if delta else ""
    if unit == "%":
        text = f"{value * 100:{sign},.1f} pts" if delta else f"{value * 100:,.1f}%"
    else:
        digits = 0 if whole else decimals(unit, value, compact=compact)
        text = f"{value:{sign},.{digits}f}"
    if not text.strip("+-0.,% pts"):  # rounds to zero: no sign
        text = text.lstrip("+-")
    return text


def with_unit(value: Any, unit: str, *, delta: bool = False, compact: bool = False, whole: bool = False) -> str:
    """``value`` and its unit: ``1,234.5 units``, ``15,358,066 USD``, ``55.0%``."""
    text = format_value(value, unit, delta=delta, compact=compact, whole=whole)
    if unit in ("%", "", "text") or text in ("", "-"):
        return text
    return f"{text} {unit}"


def money(value: Any, currency: str, *, compact: bool = False, delta: bool = False) -> str:
    """An amount of money with its currency: ``3,050.00 USD`` (``compact``: ``3,050 USD``)."""
    return with_unit(value, currency, compact=compact, delta=delta)


def format_relative(value: Any) -> str:
    """A relative change (a fraction) in percent with its sign: ``+1.2%``; empty when
    there is none (a baseline of zero)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:+.1%}"


def headcount_unit(values: Any) -> str:
    """``workers`` when every headcount in ``values`` is whole, else ``FTE`` (full-time
    equivalents: 119.9 is not a number of people)."""
    numbers = [values] if isinstance(values, int | float) else list(values)
    whole = all(not math.isfinite(float(v)) or abs(float(v) - round(float(v))) < 1e-6 for v in numbers)
    return "workers" if whole else "FTE"


def excel_format(unit: str) -> str | None:
    """The Excel number format of a value in ``unit`` (the compact rule; None: text)."""
    if not unit or unit == "text":
        return None
    if unit == "%":
        return "0.0%"
    digits = 1 if unit in _ALWAYS_DECIMAL else 2 if " per " in unit else 0
    return "#,##0" + ("." + "0" * digits if digits else "")
