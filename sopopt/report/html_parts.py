"""Small pieces of the report's HTML that its sections share: escaping a value and a
plain table (every cell escaped, numbers formatted, a missing number shown as ``-``)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd


def e(value: Any) -> str:
    """``value`` as text for HTML, quotes escaped too (it may sit in an attribute)."""
    return html.escape(str(value), quote=True)


def number(value: Any, spec: str = ",.1f") -> str:
    """A number formatted by ``spec``; ``-`` for none or NaN."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def table(frame: pd.DataFrame, text_columns: Sequence[str] = (), formats: Mapping[str, str] | None = None,
          titles: Mapping[str, str] | None = None) -> str:
    """A plain HTML table of ``frame``'s columns, headed by ``titles`` (default: the
    column's name). Text columns and text values are left-aligned; numbers are
    formatted by ``formats`` (default ``,.1f``)."""
    formats, titles = formats or {}, titles or {}
    head = "".join(f'<th class="text">{e(titles.get(c, c))}</th>' if c in text_columns
                   else f"<th>{e(titles.get(c, c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if column in text_columns or isinstance(value, str):
                cells.append(f'<td class="text">{e(value)}</td>')
            else:
                cells.append(f"<td>{e(number(value, formats.get(column, ',.1f')))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
