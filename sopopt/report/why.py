"""The report's "Why they differ" part of the comparison: each scenario file's change
against the baseline, shared among the changes its file makes
(:mod:`sopopt.analysis.attribution`, as ``sopopt explain BASE OTHER`` gives it)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sopopt.analysis.attribution import MEASURES, Attribution
from sopopt.report.html_parts import e, table

_HOW = {"shapley": "Shapley shares: every subset of the changes solved, each change's share averaged over the "
                   "orders it could come in",
        "sequential": "sequential shares: each change added in file order (too many changes for every subset)"}


def _frame(result: Attribution) -> pd.DataFrame:
    """One row per change and the total; a column per measure (changes, signed)."""
    currency = result.other.currency
    columns = {key: (f"{label} ({currency})" if unit == "money" else f"{label} (pts)" if unit == "%"
                     else f"{label} ({unit}s)") for key, label, unit in MEASURES if key in result.total}
    scale = {key: 100.0 if unit == "%" else 1.0 for key, _label, unit in MEASURES}
    rows = [{"change": share.name + (f" ({share.note})" if share.note else ""), "set at": share.place or "-",
             **{columns[k]: scale[k] * share.shares[k] for k in columns}} for share in result.shares]
    rows.append({"change": "total", "set at": "", **{columns[k]: scale[k] * result.total[k] for k in columns}})
    return pd.DataFrame(rows)


def why_section(attributions: Sequence[Attribution]) -> str:
    """The shares of each attribution as a table, and where each change lands; empty
    without attributions."""
    if not attributions:
        return ""
    parts = ["<h3>Why they differ</h3><p class='explain'>Each scenario's change against the baseline, shared "
             "among the changes its file makes; the shares add up to the change. Positive is more (more profit, "
             "more cost, more units lost).</p>"]
    for result in attributions:
        frame = _frame(result)
        formats = {c: ("+,.1f" if c.endswith("(pts)") or "unit" in c else "+,.0f") for c in frame.columns[2:]}
        parts.append(f"<p><b>{e(result.other.name)}</b> against {e(result.base.name)}, by {e(_HOW[result.method])} "
                     f"({result.solves} solves).</p>")
        parts.append(table(frame, text_columns=("change", "set at"), formats=formats))
        lands = [f"<li><b>{e(share.name)}</b>: {e('; '.join(share.lands))}</li>" for share in result.shares
                 if share.lands]
        if lands:
            parts.append("<ul class='small'>" + "".join(lands) + "</ul>")
    return "".join(parts)
