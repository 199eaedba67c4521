"""Table references: a series or the demand read from a CSV or Excel table.

These models document the ``{file: ...}`` forms (docs/format.md and the JSON Schema);
:mod:`sopopt.inputs.scenarios.tables` reads them before the network is validated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sopopt.inputs.schema.network import Name, Strict

#: Thousands separators a table may declare (``' '`` also covers the no-break space).
Thousands = Literal[",", ".", " ", "'"]
#: Decimal marks a table may declare.
Decimal = Literal[".", ","]


class DemandTable(Strict):
    """Demand read from a table: long (product, site, period, quantity) or wide (one column per period).

    Number format: see "Numbers in tables" above; numeric Excel cells are read as they are.
    """

    file: Name
    """Path of the CSV or Excel file, relative to the YAML file, inside the workspace."""
    sheet: Name | None = None
    """Sheet of an Excel workbook. Absent: the first sheet."""
    thousands: Thousands | None = None
    """Thousands separator of text cells, e.g. ``","`` for ``4,150`` or ``"."`` for
    ``4.150,5``. Absent: a comma followed by exactly three digits is an error."""
    decimal: Decimal | None = None
    """Decimal mark of text cells. Absent: ``.``, or a single comma followed by 1, 2 or 4+
    digits (``4,15``)."""


class SeriesTable(DemandTable):
    """A series read from one column (table with a ``period`` column) or one row (one column per period) of a table."""

    column: Name | None = Field(default=None)
    """Column holding the series, in a table with a ``period`` column."""
    row: Name | None = None
    """Value of the ``name`` column of the row holding the series (one column per period)."""
