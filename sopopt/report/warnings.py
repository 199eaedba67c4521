"""Warnings grouped by code: one line per kind, however many times it was given.

A generated network of 1e5 columns gets hundreds of near-identical ``run-down``
warnings; listed one by one they drown the plan. :func:`group_warnings` folds them into
one :class:`WarningGroup` per code with the count, the first places and the hint; the
terminal prints one line per group, the HTML report one collapsed line per group, and
the full list stays in ``warnings.csv`` and ``run.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sopopt.errors import WARNING_CODES, DataWarning

#: Places named on a group's line before "and N more".
SHOWN_PLACES = 3


@dataclass(frozen=True)
class WarningGroup:
    """Every warning of one code."""

    code: str
    """The kind of warning (:data:`~sopopt.errors.WARNING_CODES`)."""
    warnings: tuple[DataWarning, ...]
    """The warnings, in the order given."""

    @property
    def count(self) -> int:
        """How many warnings of this code."""
        return len(self.warnings)

    @property
    def hint(self) -> str:
        """What to do about it (the first warning's hint)."""
        return next((w.hint for w in self.warnings if w.hint), "")

    def places(self, limit: int = SHOWN_PLACES) -> list[str]:
        """Where the first ``limit`` warnings are: file:line and field, else the field."""
        out = []
        for warning in self.warnings[:limit]:
            where = warning.location
            line = f"{Path(where.file).name}:{where.line}" if where and where.line else Path(where.file).name if where else ""
            if warning.field:
                out.append(f"{warning.field} ({line})" if line else warning.field)
            else:
                out.append(line or warning.message)
        return out

    def line(self) -> str:
        """One line: code, count, the first message or places, and the hint."""
        if self.count == 1:
            return str(self.warnings[0])
        more = self.count - SHOWN_PLACES
        places = "; ".join(self.places()) + (f"; and {more:,} more" if more > 0 else "")
        what = WARNING_CODES.get(self.code, self.warnings[0].message)
        hint = f" ({self.hint})" if self.hint else ""
        return f"[{self.code}] {self.count:,} times: {what}: {places}{hint}"


def group_warnings(warnings: Iterable[DataWarning]) -> list[WarningGroup]:
    """The warnings grouped by code, codes in order of their first warning."""
    groups: dict[str, list[DataWarning]] = {}
    for warning in warnings:
        groups.setdefault(warning.code, []).append(warning)
    return [WarningGroup(code, tuple(items)) for code, items in groups.items()]
