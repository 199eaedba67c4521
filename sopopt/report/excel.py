"""An Excel workbook of one or several plans: one sheet per table.

Sheets: *Read me*, *Comparison* (the side-by-side table), *Cost bridge* and
*Differences* (with several plans), *Costs*, *KPIs*, then one time-phased *Grid* sheet
per plan (rows product x site x measure, one column per period: the layout planners work
in), then the long tables *Plan*, *Service*, *Utilization*, *Shadow prices* (binding
limits only) and one sheet per decision table (production, inventory, ...).
Long tables carry a ``scenario`` column so that the plans stack in one sheet (ready for
a pivot table). Headers name the unit, the header row and the key columns are frozen,
columns are sized to their content and filters are on. Numbers are stored at full
precision and shown in whole units (money per unit, such as a shadow price, with cents);
monthly periods are real dates (the first day of the month), weekly ones the ISO Monday.

Text can never become a formula: every string cell is stored as a string (data type
``s``), and one that starts like a formula (``=``, ``+``, ``-``, ``@``) is also marked
with Excel's quote prefix, so it stays text even when someone edits the cell. Numbers
are stored unrounded; NaN is an empty cell and an infinite value the text ``inf``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sopopt.inputs.periods import period_start
from sopopt.io.numbers import excel_format
from sopopt.io.writer import FORMULA_START, write_file
from sopopt.report.compare import (
    COST_LABELS,
    GROUP_TITLES,
    compare_plans,
    cost_bridge,
    kpi_metrics,
    plan_differences,
    plan_names,
)
from sopopt.results.plan import Plan

#: Unit of the ``value`` column of each decision table.
TABLE_UNITS = {
    "production": "units",
    "subcontracting": "units",
    "inventory": "units",
    "sales": "units",
    "backlog": "units",
    "lost_sales": "units",
    "shipments": "units",
    "purchases": "units",
    "material_stock": "units",
    "overflow_storage": "volume",
    "headcount": "workers",
    "hires": "workers",
    "layoffs": "workers",
    "labour_overtime": "hours",
    "resource_overtime": "hours",
}

#: What each decision table holds, for the Read me sheet.
TABLE_NOTES = {
    "production": "units made per product, site and period",
    "subcontracting": "units bought from subcontractors",
    "inventory": "closing stock",
    "sales": "units delivered (products with backlog)",
    "backlog": "demand owed at the period's close",
    "lost_sales": "demand lost",
    "safety_stock": "every safety-stock target: how it was set, the closing stock and the shortfall below it",
    "shipments": "units shipped on each lane, by period of departure",
    "purchases": "material ordered from each supplier, by period of order",
    "material_stock": "closing material stock",
    "overflow_storage": "rented storage volume above capacity",
    "headcount": "workers employed",
    "hires": "workers hired",
    "layoffs": "workers laid off",
    "labour_overtime": "labour overtime hours",
    "resource_overtime": "machine overtime hours",
}

_PLAN_COLUMNS = {
    "opening_inventory",
    "production",
    "subcontracted",
    "scheduled_receipts",
    "arrivals",
    "departures",
    "demand",
    "delivered",
    "backlog",
    "lost",
    "inventory",
    "safety_stock",
    "safety_shortfall",
}
_SHARE_COLUMNS = {"fill_rate", "service_level", "utilization", "share"}
#: Date formats of period columns; every number's format comes from :func:`excel_format`.
_FORMATS = {"month": "mmm yyyy", "week": "yyyy-mm-dd"}
_MONEY_FORMAT = excel_format("money")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F2937")
_GROUP_FONT = Font(bold=True)
_GROUP_FILL = PatternFill("solid", fgColor="E5E7EB")



class _Sheet:
    """A write-only sheet: a header row with units, then typed rows."""

    def __init__(
        self, book: Workbook, title: str, columns: Sequence[str], units: Sequence[str], freeze: int = 0
    ) -> None:
        self.ws: Worksheet = book.create_sheet(title)
        self.columns = list(columns)
        self.units = list(units)
        self.formats = [_number_format(u) for u in units]
        self.freeze = freeze
        self.rows: list[list[Any]] = []
        self.styles: list[str] = []

    def add(self, row: Sequence[Any], style: str = "") -> None:
        self.rows.append(list(row))
        self.styles.append(style)

    def write(self) -> None:
        ws = self.ws
        headers = [f"{c} ({u})" if u and u != "text" else c for c, u in zip(self.columns, self.units, strict=True)]
        for i, header in enumerate(headers, start=1):
            sample = [_display_width(r[i - 1]) for r in self.rows[:500]]
            width = min(48, max(8, len(header) + 2, *(w + 2 for w in sample)) if sample else len(header) + 2)
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = f"{get_column_letter(self.freeze + 1)}2"
        if self.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(self.rows) + 1}"
        header_cells = []
        for header in headers:
            cell = _cell(ws, header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header_cells.append(cell)
        ws.append(header_cells)
        for row, style in zip(self.rows, self.styles, strict=True):
            cells = []
            for value, fmt in zip(row, self.formats, strict=True):
                if isinstance(value, _Formatted):
                    value, fmt = value.value, value.number_format
                cell = _cell(ws, value)
                if fmt and cell.data_type in ("n", "d"):
                    cell.number_format = fmt
                if style == "group":
                    cell.font = _GROUP_FONT
                    cell.fill = _GROUP_FILL
                cells.append(cell)
            ws.append(cells)


def _number_format(unit: str) -> str | None:
    """The Excel number format of a column in ``unit`` (None: text)."""
    return _FORMATS.get(unit) or excel_format(unit)


def _period_dates(labels: Sequence[str]) -> tuple[str, dict[str, dt.date]] | None:
    """``("month" | "week", {label: first day})`` when every label is a calendar period."""
    starts = {label: period_start(label) for label in labels}
    if not starts or any(d is None for d in starts.values()):
        return None
    kind = "week" if "-W" in next(iter(starts)) else "month"
    return kind, {label: d for label, d in starts.items() if d is not None}


def _display_width(value: Any) -> int:
    if isinstance(value, _Formatted):
        value = value.value
    if isinstance(value, float):
        return len(f"{value:,.0f}")
    if isinstance(value, dt.date):
        return 10
    return len(str(value)) if value is not None else 0


def _cell(ws: Worksheet, value: Any) -> WriteOnlyCell:
    """A cell whose type is decided here, never guessed from the text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return WriteOnlyCell(ws, value=None)
    if isinstance(value, bool | dt.date):
        return WriteOnlyCell(ws, value=value)
    if isinstance(value, int | float):
        if math.isinf(value):
            return _text_cell(ws, "inf" if value > 0 else "-inf")
        return WriteOnlyCell(ws, value=value)
    return _text_cell(ws, str(value))


def _text_cell(ws: Worksheet, text: str) -> WriteOnlyCell:
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    cell = WriteOnlyCell(ws, value=None)
    cell.value = text
    cell.data_type = "s"  # openpyxl would make "=..." a formula
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def _column_unit(table: str, column: str, currency: str) -> str:
    if column in _SHARE_COLUMNS:
        return "%"
    if table == "plan" and column in _PLAN_COLUMNS:
        return "units"
    if table == "service" and column in ("demand", "on_time", "backlog_units", "lost_units"):
        return "units"
    if table == "utilization" and column.endswith("_hours"):
        return "hours"
    if table == "shadow_prices" and column == "shadow_price":
        return f"{currency} per unit"
    if table == "shadow_prices" and column in ("range_up", "range_down"):
        return "limit's unit"
    if table == "shadow_prices" and column == "slack":
        return "limit's unit"
    if column == "value":
        return TABLE_UNITS.get(table, "")
    return "text"


def _long_sheet(
    book: Workbook, title: str, table: str, plans: Sequence[Plan], names: Sequence[str], frames: Sequence[pd.DataFrame]
) -> None:
    frames = [f for f in frames if f is not None]
    columns: list[str] = list(dict.fromkeys(c for f in frames for c in f.columns))
    numeric = {c for c in columns if any(c in f and pd.api.types.is_numeric_dtype(f[c]) for f in frames)}
    units = [_column_unit(table, c, plans[0].currency) if c in numeric else "text" for c in columns]
    dates = _period_dates(list(dict.fromkeys(label for p in plans for label in p.labels)))
    if dates is not None and "period" in columns:
        units[columns.index("period")] = dates[0]
    leading = 1 + next((i for i, c in enumerate(columns) if c in numeric), len(columns))
    sheet = _Sheet(book, title, ["scenario", *columns], ["text", *units], freeze=min(leading, 6))
    for name, frame in zip(names, frames, strict=True):
        if frame is None or frame.empty:
            continue
        data = frame.reindex(columns=columns)
        if dates is not None and "period" in columns:
            data["period"] = data["period"].map(lambda label: dates[1].get(label, label))
        for row in data.itertuples(index=False):
            sheet.add([name, *row])
    sheet.write()


#: Rows of a time-phased grid, in stock-balance order: (plan-table column, label).
GRID_MEASURES = (
    ("demand", "Demand"),
    ("production", "Production"),
    ("subcontracted", "Subcontracted"),
    ("scheduled_receipts", "Scheduled receipts"),
    ("arrivals", "Arrivals"),
    ("departures", "Shipped out"),
    ("delivered", "Delivered"),
    ("backlog", "Backlog"),
    ("lost", "Lost sales"),
    ("inventory", "Closing stock"),
    ("safety_stock", "Safety stock"),
    ("safety_shortfall", "Below safety stock"),
)


def grid_frame(plan: Plan) -> pd.DataFrame:
    """The plan table time-phased: one row per product, site and measure, one column
    per period. Measures that are zero everywhere in the plan are left out."""
    table = plan.tables.get("plan")
    if table is None or table.empty:
        return pd.DataFrame(columns=["product", "site", "measure", *plan.labels])
    measures = [(c, label) for c, label in GRID_MEASURES if c in table and table[c].abs().sum() > 0]
    long = table.melt(id_vars=["product", "site", "period"], value_vars=[c for c, _ in measures], var_name="key")
    grid = long.pivot_table(index=["product", "site", "key"], columns="period", values="value", aggfunc="sum", sort=False)
    grid = grid.reindex(columns=[label for label in plan.labels if label in grid.columns])
    order = {c: i for i, (c, _) in enumerate(measures)}
    grid = grid.reset_index()
    grid["_order"] = grid["key"].map(order)
    grid = grid.sort_values(["product", "site", "_order"], kind="stable").drop(columns="_order")
    grid.insert(2, "measure", grid.pop("key").map(dict(measures)))
    grid.columns.name = None
    return grid.reset_index(drop=True)


def _grid_sheet(book: Workbook, plan: Plan, title: str) -> None:
    """One plan's time-phased sheet."""
    grid = grid_frame(plan)
    periods = [c for c in grid.columns if c not in ("product", "site", "measure")]
    dates = _period_dates(periods)
    ws: Worksheet = book.create_sheet(title)
    ws.freeze_panes = "D2"
    for i, width in enumerate([18, 14, 20], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i in range(len(periods)):
        ws.column_dimensions[get_column_letter(4 + i)].width = 11
    header = [_header(ws, "product"), _header(ws, "site"), _header(ws, "measure (units)")]
    for label in periods:
        cell = _header(ws, dates[1][label] if dates else label)
        if dates:
            cell.number_format = _FORMATS[dates[0]]
        header.append(cell)
    ws.append(header)
    for row in grid.itertuples(index=False):
        cells = [_cell(ws, row[0]), _cell(ws, row[1]), _cell(ws, row[2])]
        for value in row[3:]:
            cell = _cell(ws, value)
            if cell.data_type == "n":
                cell.number_format = excel_format("units")
            cells.append(cell)
        ws.append(cells)


def _header(ws: Worksheet, value: Any) -> WriteOnlyCell:
    cell = _cell(ws, value)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


def _unique_title(title: str, used: set[str]) -> str:
    """A sheet title of at most 31 characters, without the characters Excel refuses,
    distinct from the titles already used."""
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in title)[:31]
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _readme(book: Workbook, plans: Sequence[Plan], names: Sequence[str], sheets: list[tuple[str, str]]) -> None:
    from sopopt.version import __version__

    sheet = _Sheet(book, "Read me", ["item", "value"], ["text", "text"])
    sheet.add(["Workbook", "Sales & operations plan written by sopopt"], "group")
    sheet.add(["Generated", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")])
    sheet.add(["sopopt version", __version__])
    sheet.add(["Currency", plans[0].currency])
    sheet.add(["Baseline", names[0]])
    for plan, name in zip(plans, names, strict=True):
        sheet.add(
            [
                f"Plan: {name}",
                f"{plan.status_text}; total cost "
                + (f"{plan.objective:,.2f} {plan.currency}" if plan.objective is not None else "-")
                + (f"; scenario {plan.info['scenario']}" if plan.info.get("scenario") else ""),
            ],
            "",
        )
    sheet.add(["Sheets", ""], "group")
    for title, note in sheets:
        sheet.add([title, note])
    sheet.write()
    sheet.ws.column_dimensions["B"].width = 100


def _plan_tables(plans: Sequence[Plan]) -> list[str]:
    """The decision tables (besides ``plan``) that some plan has rows in, in order."""
    return [
        t
        for t in dict.fromkeys(t for p in plans for t in p.tables if t != "plan")
        if any(t in p.tables and not p.tables[t].empty for p in plans)
    ]


def _sheet_list(plans: Sequence[Plan], grids: list[tuple[Plan, str, str]], tables: list[str]) -> list[tuple[str, str]]:
    """Every sheet of the workbook with its note, in order (for the read-me sheet)."""
    sheets: list[tuple[str, str]] = [("Comparison", "side-by-side measures; Δ and Δ% against the baseline")]
    if len(plans) > 1:
        sheets += [
            ("Cost bridge", "from the baseline's total cost to each plan's, by category"),
            ("Differences", "product, site and period where each plan differs from the baseline"),
        ]
    sheets += [("Costs", "cost by category"), ("KPIs", "key figures with their units")]
    sheets += [(title, f"time-phased plan of {name}: product x site x measure by period") for _, name, title in grids]
    sheets += [
        ("Plan", "one row per product, site and period with every flow of the stock balance"),
        ("Service", "fill rate and service level per product"),
        ("Utilization", "hours used against regular hours, per resource and workforce pool"),
        ("Shadow prices", "binding limits: money saved by one more unit of each"),
    ]
    return sheets + [(_table_title(t), TABLE_NOTES.get(t, "")) for t in tables]


def write_workbook(plans: Sequence[Plan], path: Path | str) -> Path:
    """Write the workbook to ``path`` atomically; return the path."""
    path = Path(path)
    if not plans:
        raise ValueError("a workbook needs at least one plan")
    names = plan_names(plans)
    solved = [(p, n) for p, n in zip(plans, names, strict=True) if p.status.has_plan]
    book = Workbook(write_only=True)
    tables = _plan_tables(plans)
    used = {"comparison", "cost bridge", "differences", "costs", "kpis", "read me", "plan", "service",
            "utilization", "shadow prices"} | {_table_title(t).lower() for t in tables}
    grids = [(plan, name, _unique_title(f"Grid {name}", used)) for plan, name in solved]
    _readme(book, plans, names, _sheet_list(plans, grids, tables))
    _write_comparison(book, plans)
    if len(plans) > 1:
        _write_bridges(book, plans, names)
        _write_differences(book, plans, names)
    _write_costs(book, plans, names)
    _write_kpis(book, plans, names)
    for plan, _name, title in grids:
        _grid_sheet(book, plan, title)
    long: list[tuple[str, str, Callable[[Plan], pd.DataFrame | None]]] = [
        ("Plan", "plan", lambda p: p.tables.get("plan")),
        ("Service", "service", lambda p: p.service),
        ("Utilization", "utilization", lambda p: p.utilization),
        ("Shadow prices", "shadow_prices", _binding),
    ]
    long += [(_table_title(t), t, lambda p, t=t: p.tables.get(t, pd.DataFrame())) for t in tables]
    for title, table, get in long:
        _long_sheet(
            book, title, table, [p for p, _ in solved] or plans, [n for _, n in solved], [get(p) for p, _ in solved]
        )
    write_file(path, book.save)
    return path


def _binding(plan: Plan) -> pd.DataFrame:
    """The plan's binding limits, highest shadow price first."""
    prices = plan.shadow_prices
    if prices is None or prices.empty or "binding" not in prices:
        return prices
    kept = prices[prices["binding"].astype(bool)]
    return kept.sort_values("shadow_price", ascending=False, kind="stable").reset_index(drop=True)


def _table_title(table: str) -> str:
    return table.replace("_", " ").capitalize()[:31]


def _write_comparison(book: Workbook, plans: Sequence[Plan]) -> None:
    table = compare_plans(plans)
    names = plan_names(plans)
    value_columns = [c for c in table.columns if c not in ("group", "metric", "unit", "better")]
    columns = ["measure", "unit", *value_columns, "better when", "key"]
    sheet = _Sheet(book, "Comparison", columns, ["text"] * len(columns), freeze=2)
    relative = {f"{n} Δ%" for n in names[1:]}
    group = None
    for key, row in table.iterrows():
        if row["group"] != group:
            group = row["group"]
            sheet.add([GROUP_TITLES.get(group, group), *([None] * (len(columns) - 1))], "group")
        unit = str(row["unit"])
        formats = ["0.0%" if (unit == "%" or c in relative) else _MONEY_FORMAT for c in value_columns]
        sheet.add(
            [
                row["metric"],
                unit,
                *(_Formatted(row[c], f) for c, f in zip(value_columns, formats, strict=True)),
                row["better"],
                key,
            ]
        )
    sheet.write()


class _Formatted:
    """A value with its own number format (rows of the comparison differ in unit)."""

    def __init__(self, value: Any, number_format: str) -> None:
        self.value = value
        self.number_format = number_format


def _write_bridges(book: Workbook, plans: Sequence[Plan], names: Sequence[str]) -> None:
    currency = plans[0].currency
    sheet = _Sheet(
        book,
        "Cost bridge",
        ["from", "to", "step", "category", "kind", "amount", "running total"],
        ["text", "text", "text", "text", "text", currency, currency],
        freeze=3,
    )
    base = plans[0]
    for plan, name in zip(plans[1:], names[1:], strict=True):
        if not (base.status.has_plan and plan.status.has_plan):
            continue
        for row in cost_bridge(base, plan).itertuples(index=False):
            sheet.add([names[0], name, row.step, row.category, row.kind, row.amount, row.end])
    sheet.write()


def _write_differences(book: Workbook, plans: Sequence[Plan], names: Sequence[str]) -> None:
    sheet = _Sheet(
        book,
        "Differences",
        ["scenario", "product", "site", "period", "measure", "baseline", "scenario value", "change"],
        ["text"] * 5 + ["units"] * 3,
        freeze=5,
    )
    base = plans[0]
    for plan, name in zip(plans[1:], names[1:], strict=True):
        diff = plan_differences(
            base, plan, top=None, measures=("production", "subcontracted", "inventory", "delivered", "shortage")
        )
        for row in diff.itertuples(index=False):
            sheet.add([name, row.product, row.site, row.period, row.measure, row.a, row.b, row.change])
    sheet.write()


def _write_costs(book: Workbook, plans: Sequence[Plan], names: Sequence[str]) -> None:
    currency = plans[0].currency
    sheet = _Sheet(
        book, "Costs", ["category", "cost category", *names], ["text", "text", *([currency] * len(names))], freeze=2
    )
    categories = list(dict.fromkeys(c for p in plans for c in p.costs.index))
    for category in categories:
        sheet.add(
            [category, COST_LABELS.get(category, category), *(float(p.costs.get(category, math.nan)) for p in plans)]
        )
    sheet.add(["total", "Total", *(float(p.costs.sum(min_count=1)) for p in plans)], "group")
    sheet.write()


_KPI_UNITS = {
    "fill_rate": "%",
    "service_level": "%",
    "overtime_hours": "hours",
    "peak_headcount": "workers",
    "hires": "workers",
    "layoffs": "workers",
    "days_of_cover": "days",
    "backlog_unit_periods": "unit-periods",
}


def _write_kpis(book: Workbook, plans: Sequence[Plan], names: Sequence[str]) -> None:
    """Key figures with their plain-language names and units (the comparison's labels)."""
    currency = plans[0].currency
    metrics = {m.key: m for m in kpi_metrics(currency, plans)}
    sheet = _Sheet(book, "KPIs", ["measure", "unit", *names, "key"], ["text"] * (3 + len(names)), freeze=2)
    for kpi in dict.fromkeys(k for p in plans for k in p.kpis):
        metric = metrics.get(kpi)
        label = metric.label if metric else kpi.replace("_", " ").capitalize()
        unit = metric.unit if metric else _KPI_UNITS.get(kpi, "units")
        fmt = _number_format(unit) or _MONEY_FORMAT
        sheet.add([label, unit, *(_Formatted(p.kpis.get(kpi, math.nan), fmt) for p in plans), kpi])
    sheet.write()
