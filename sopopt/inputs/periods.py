"""Period labels, period lengths and per-period series.

A series (see :mod:`sopopt.inputs.schema.network`) is one number, a list with one number per
period, or a mapping from period label or ``FIRST..LAST`` range to number with an
optional ``default``. :func:`expand_series` turns any of them into one float per period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sopopt.inputs.schema.network import POLICY_KEYS

if TYPE_CHECKING:
    from sopopt.inputs.schema.network import Periods


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def period_labels(periods: Periods) -> list[str]:
    """The ordered period labels of a horizon.

    Raises:
        ValueError: neither labels nor start+count, or a start that cannot be counted on.
    """
    if periods.labels is not None:
        if periods.start is not None or periods.count is not None:
            raise ValueError("give either 'labels' or 'start' and 'count', not both")
        _check_labels(periods.labels)
        return list(periods.labels)
    if periods.start is None or periods.count is None:
        raise ValueError("give 'labels', or 'start' and 'count'")
    if match := _MONTH.match(periods.start):
        return _months(periods.start, int(match[1]), int(match[2]), periods.count)
    if match := _WEEK.match(periods.start):
        return _weeks(int(match[1]), int(match[2]), periods.count)
    if periods.start.isdigit():
        first = int(periods.start)
        return [str(first + i) for i in range(periods.count)]
    raise ValueError(
        f"cannot count on from start '{periods.start}': use YYYY-MM, YYYY-Www or a number"
    )


def _months(start: str, year: int, month: int, count: int) -> list[str]:
    """``count`` month labels from ``year-month``."""
    if not 1 <= month <= 12:
        raise ValueError(f"'{start}' is not a month")
    labels = []
    for _ in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return labels


def _weeks(year: int, week: int, count: int) -> list[str]:
    """``count`` ISO week labels from ``year-Wweek``."""
    labels = []
    for _ in range(count):
        weeks_in_year = 53 if _has_week_53(year) else 52
        if not 1 <= week <= weeks_in_year:
            raise ValueError(f"'{year}-W{week:02d}' is not an ISO week")
        labels.append(f"{year:04d}-W{week:02d}")
        week += 1
        if week > weeks_in_year:
            year, week = year + 1, 1
    return labels


def _check_labels(labels: list[str]) -> None:
    """Given labels: at least one, none repeated, none named like a safety-stock policy."""
    if len(set(labels)) != len(labels):
        seen: set[str] = set()
        dupes = sorted({x for x in labels if x in seen or seen.add(x)})  # type: ignore[func-returns-value]
        raise ValueError(f"period labels repeat: {', '.join(dupes)}")
    if not labels:
        raise ValueError("the horizon has no periods")
    reserved = sorted(set(labels) & set(POLICY_KEYS))
    if reserved:
        raise ValueError(f"'{reserved[0]}' names a safety-stock policy and cannot be a period label")


def _has_week_53(year: int) -> bool:
    import datetime as dt

    return dt.date(year, 12, 28).isocalendar()[1] == 53


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def is_dated(label: str) -> bool:
    """True for a label whose length in days is known: a month (``2027-01``), an ISO week
    (``2027-W05``) or a day (``2027-01-15``)."""
    return bool(_MONTH.match(label) or _WEEK.match(label) or _DAY.match(label))


def default_days(label: str) -> float:
    """Calendar days of a month label, 7 for a week label, 1 otherwise."""
    if match := _MONTH.match(label):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            return float(calendar.monthrange(year, month)[1])
    if _WEEK.match(label):
        return 7.0
    return 1.0


def period_days(periods: Periods, labels: Sequence[str]) -> np.ndarray:
    """Length of each period in days."""
    if periods.days is None:
        return np.array([default_days(label) for label in labels], dtype=float)
    return expand_series(periods.days, labels)


def period_indices(scope: str | Sequence[str], labels: Sequence[str]) -> list[int]:
    """Positions of the periods named by a label, a ``A..B`` range, or a list of them.

    Raises:
        ValueError: an unknown label, or a range whose end comes before its start.
    """
    return _indices(scope, labels, {label: i for i, label in enumerate(labels)})


def _indices(scope: str | Sequence[str], labels: Sequence[str], index: Mapping[str, int]) -> list[int]:
    """:func:`period_indices` with the label positions given (built once per series)."""
    items = [scope] if isinstance(scope, str) else list(scope)
    chosen: list[int] = []
    for item in items:
        if ".." in item:
            first, last = (part.strip() for part in item.split("..", 1))
            for end in (first, last):
                if end not in index:
                    raise ValueError(unknown_period(end, labels))
            if index[last] < index[first]:
                raise ValueError(f"range '{item}' ends before it starts")
            chosen.extend(range(index[first], index[last] + 1))
        elif item in index:
            chosen.append(index[item])
        else:
            raise ValueError(unknown_period(item, labels))
    return sorted(set(chosen))


def unknown_period(label: str, labels: Sequence[str]) -> str:
    """Message for a label that is not in the horizon, with a close match if any."""
    import difflib

    close = difflib.get_close_matches(label, list(labels), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (horizon {labels[0]}..{labels[-1]})"
    return f"unknown period '{label}'{hint}"


def expand_series(value: float | Sequence[float] | Mapping[str, float], labels: Sequence[str]) -> np.ndarray:
    """One float per period from a series value.

    Raises:
        ValueError: a list of the wrong length, unknown period labels, or a mapping that
            leaves periods without a value and has no ``default``.
    """
    n = len(labels)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return np.full(n, float(value))
    if isinstance(value, Mapping):
        result = np.full(n, np.nan)
        if "default" in value:
            result[:] = float(value["default"])
        index = {label: i for i, label in enumerate(labels)}
        for key, number in value.items():
            if key == "default":
                continue
            if key in index:  # a plain label: the common case of a table's series
                result[index[key]] = float(number)
            else:
                result[_indices(key, labels, index)] = float(number)
        if np.isnan(result).any():
            missing = [labels[i] for i in np.flatnonzero(np.isnan(result))]
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ValueError(f"no value for period(s) {shown}; add them or a 'default'")
        return result
    values = list(value)
    if len(values) != n:
        raise ValueError(f"list has {len(values)} values but the horizon has {n} periods")
    return np.asarray(values, dtype=float)


def period_start(label: str) -> dt.date | None:
    """The first day of a period with a calendar label: the 1st of a ``YYYY-MM`` month,
    the ISO Monday of a ``YYYY-Www`` week; None for any other label."""
    if match := _MONTH.match(label):
        year, month = int(match[1]), int(match[2])
        return dt.date(year, month, 1) if 1 <= month <= 12 else None
    if match := _WEEK.match(label):
        try:
            return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            return None
    return None
