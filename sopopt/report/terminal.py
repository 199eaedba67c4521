"""What the command line prints about a plan: the answer first, then the detail.

Every function here reads result objects (:class:`~sopopt.results.plan.Plan`, warnings,
explanations) and prints on the :class:`rich.console.Console` it is given; the CLI
chooses the consoles (stdout for results, stderr for warnings). Numbers are written by
:mod:`sopopt.io.numbers`, each with its unit. No column ever cuts a name: cells wrap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from sopopt.errors import DataWarning
from sopopt.io.numbers import format_value, headcount_unit, money, with_unit
from sopopt.model.catalogue import COST_LABELS
from sopopt.report.compare import kpi_metrics
from sopopt.report.warnings import group_warnings
from sopopt.results.plan import Plan

#: Bottlenecks named on a plan's first line.
FIRST_LINE_LIMITS = 2


def column(tab: Table, header: str, cells: Sequence[str] = (), *, numeric: bool = False, **options: Any) -> None:
    """Add a column that never cuts a name or a number: a numeric column is right-aligned
    and never narrower than its longest number; a text column wraps between words and
    is never narrower than its longest word."""
    if numeric:
        tab.add_column(header, justify="right", min_width=max(map(len, cells), default=1), overflow="fold",
                       **options)
    else:
        widest = max((len(word) for cell in cells for word in str(cell).split()), default=1)
        tab.add_column(header, min_width=options.pop("min_width", widest), overflow="fold", **options)


def _widths(columns: list[list[str]], numeric: list[bool], room: int) -> list[int]:
    """Column widths (without padding) that fit ``room`` where possible: every column
    gets its longest word (a numeric one its longest number; ``columns[i][0]`` is the
    header, which wraps), then the rest of the room
    goes to the columns that wrap, in proportion to what they still lack."""
    least = [max(max((len(w) for w in cells[0].split()), default=1),
                 *(len(c) if num else max((len(w) for w in c.split()), default=0) for c in cells[1:]))
             for cells, num in zip(columns, numeric, strict=True)]
    most = [max(len(c) for c in cells) for cells in columns]
    spare = room - sum(least)
    lacking = [m - n for m, n in zip(most, least, strict=True)]
    if spare >= sum(lacking):
        return most
    if spare <= 0:
        return least
    shares = [n + spare * gap // max(sum(lacking), 1) for n, gap in zip(least, lacking, strict=True)]
    return [max(1, w) for w in shares]


def grid(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
         numeric: Sequence[str] = (), footer: Sequence[str] | None = None) -> Table:
    """A table of text ``rows`` under ``headers`` sized for ``console``: names wrap
    between words and are never cut, numbers (the columns named in ``numeric``) never
    wrap. When even the longest words do not fit, the table is wider than the terminal
    (print it with :func:`show`)."""
    columns = [[str(h), *(str(r[i]) for r in rows), *([str(footer[i])] if footer else [])]
               for i, h in enumerate(headers)]
    is_number = [h in numeric for h in headers]
    room = console.width - 3 * len(headers) - 1  # padding of 1 each side and the box's lines
    widths = _widths(columns, is_number, room)
    tab = Table(title=title, show_footer=footer is not None)
    for i, (header, width) in enumerate(zip(headers, widths, strict=True)):
        tab.add_column(header, width=width, justify="right" if is_number[i] else "left", overflow="fold",
                       footer=str(footer[i]) if footer else "")
    for row in rows:
        tab.add_row(*(str(cell) for cell in row))
    return tab


def show(console: Console, renderable: Table) -> None:
    """Print a table; one wider than the terminal (its longest words and numbers do not
    fit) is printed whole, for the terminal to wrap, rather than cut."""
    widest = Measurement.get(console, console.options.update(width=10_000), renderable).minimum
    if widest <= console.width:
        console.print(renderable)
        return
    # rich never prints wider than the console; its width setter pins the width for good,
    # so the unpinned state (follow the terminal and COLUMNS) is put back as it was
    pinned = console._width
    console.width = widest
    try:
        console.print(renderable, crop=False)
    finally:
        console._width = pinned


def _short(plan: Plan) -> float:
    """Units lost or still owed at the end of the horizon."""
    table_ = plan.tables.get("plan")
    owed = 0.0
    if table_ is not None and not table_.empty and "backlog" in table_:
        last = plan.labels[-1] if plan.labels else None
        owed = float(table_.loc[table_["period"] == last, "backlog"].sum()) if last is not None else 0.0
    return float(plan.kpis.get("lost_units", 0.0) or 0.0) + owed


def _limit_name(row: Any) -> str:
    """A limit of the money ranking by kind and name (its binding runs are in the table)."""
    return f"{row.kind} {row.name}".strip()


def first_line(plan: Plan) -> str:
    """The answer in one line: ``<name>: profit X (or total cost X), fill Y%, Z units
    short, N limits binding (top: ...)``; without a plan, ``<name>: no plan: <why>``."""
    if not plan.status.has_plan or plan.objective is None:
        return f"{plan.name}: no plan: {no_plan_reason(plan)}"
    kpis = plan.kpis
    head = (f"profit {money(kpis['profit'], plan.currency, compact=True)}" if "profit" in kpis
            else f"total cost {money(plan.objective, plan.currency, compact=True)}")
    parts = [head, f"fill {format_value(kpis.get('fill_rate', math.nan), '%')}",
             f"{with_unit(_short(plan), 'units', whole=True)} short"]
    binding = plan.bottlenecks(len(plan.shadow_prices)) if not plan.shadow_prices.empty else pd.DataFrame()
    # Each limit once, ranked by the money at stake (results/bottlenecks.py).
    if len(binding):
        top = ", ".join(_limit_name(r) for r in binding.head(FIRST_LINE_LIMITS).itertuples(index=False))
        parts.append(f"{len(binding):,} limits binding (top: {top})")
    else:
        parts.append("no limit binding")
    return f"{plan.name}: {', '.join(parts)}"


def no_plan_reason(plan: Plan) -> str:
    """Why a plan is missing, in one line: the conflicting limits of an infeasible case
    when it was explained, else its status."""
    explanation = plan.explanation
    members = getattr(explanation, "members", None)
    if members:
        first = members[0].text
        more = f" and {len(members) - 1} more" if len(members) > 1 else ""
        return f"{len(members)} limits conflict: {first}{more} (see below)"
    return plan.status_text


def mip_line(plan: Plan) -> str:
    """One line on a plan with integer decisions: the gap reached against the gap asked
    for, and what its shadow prices are."""
    gap, asked = plan.info.get("mip_gap"), plan.info.get("mip_gap_tolerance")
    reached = "unknown" if gap is None else f"{100 * gap:.4g}%"
    prices = plan.info.get("duals_from")
    where = f"; shadow prices from the {prices}" if prices else ""
    return (f"Integer decisions (whole workers, lot sizes): MIP gap reached {reached} "
            f"(asked {100 * (asked or 0):.4g}%), {plan.info.get('mip_nodes', 0)} branch-and-bound nodes{where}")


def solve_size_line(plan: Plan) -> str | None:
    """LP size, algorithm, iterations and time of a solve, in one line."""
    info = plan.info
    if not info.get("columns"):
        return None
    algorithm = {"ipm": "interior point", "simplex": "simplex", "choose": "dual simplex", "pdlp": "PDLP"}.get(
        str(info.get("highs_solver")), str(info.get("highs_solver")))
    iterations = max(0, int(info.get("ipm_iterations") or 0)) or int(info.get("simplex_iterations") or 0)
    return (f"LP {info['rows']:,} x {info['columns']:,} ({info.get('nonzeros', 0):,} nonzeros), {algorithm}: "
            f"{iterations:,} iterations in {float(info.get('solve_seconds', 0.0)):.1f} s "
            f"({float(info.get('total_seconds', 0.0)):.1f} s in all)")


def print_status(console: Console, plan: Plan) -> None:
    """The status line, the integer gap and the solve's size and time."""
    style = "green" if plan.is_optimal else "yellow"
    console.print(f"status [{style}]{escape(plan.status_text)}[/]", highlight=False)
    if plan.info.get("mip"):
        console.print(mip_line(plan), highlight=False)
    size = solve_size_line(plan)
    if size is not None:
        console.print(size, highlight=False)


def print_summary(console: Console, plan: Plan, top: int = 10) -> None:
    """The answer first (:func:`first_line`), then status, totals, costs, KPIs and the
    top bottlenecks."""
    console.print(first_line(plan), markup=False, highlight=False, soft_wrap=True)
    print_status(console, plan)
    if plan.objective is None:
        return
    console.print(f"Total cost: [bold]{money(plan.objective, plan.currency)}[/]", highlight=False)
    if "profit" in plan.kpis:
        console.print(f"Profit: [bold]{money(plan.kpis['profit'], plan.currency)}[/] "
                      f"(revenue {money(plan.kpis['revenue'], plan.currency)}; a lost sale counts once, as revenue "
                      "not earned)", highlight=False)
    print_costs_and_kpis(console, plan)
    print_bottlenecks(console, plan, top)


def print_costs_and_kpis(console: Console, plan: Plan) -> None:
    """The cost breakdown and the KPIs, named and united as ``sopopt compare`` shows them."""
    total = float(plan.costs.sum())
    rows = [(COST_LABELS.get(str(c), str(c)), format_value(v, plan.currency), f"{v / (total or 1.0):.1%}")
            for c, v in plan.costs.items() if abs(v) > 1e-9]
    show(console, grid(console, f"Cost breakdown ({plan.currency})", ("category", "cost", "share"), rows,
                       numeric=("cost", "share"), footer=("Total cost", format_value(total, plan.currency), "")))
    known = {m.key: (m.label, m.unit) for m in kpi_metrics(plan.currency, [plan])}
    cells = []
    for key, value in plan.kpis.items():
        label, unit = known.get(key) or _plain_metric(key, plan.currency)
        if unit == "workers":
            unit = headcount_unit(value)
        cells.append((label, format_value(value, unit), "" if unit == "%" else unit))
    show(console, grid(console, "KPIs", ("measure", "value", "unit"), cells, numeric=("value",)))


def _plain_metric(key: str, currency: str) -> tuple[str, str]:
    """Label and unit of a KPI that the comparison does not list (e.g. ``shipped_units``)."""
    words = key.split("_")
    unit = {"units": "units", "value": currency, "hours": "hours", "cost": currency}.get(words[-1], "")
    if unit == "units":
        words = words[:-1]
    return " ".join(words).capitalize(), unit


def _range_end(value: float) -> str:
    if math.isnan(value):
        return "unknown"
    return "no end" if math.isinf(value) else f"{value:+,.2f}"


def print_bottlenecks(console: Console, plan: Plan, top: int = 10) -> None:
    """The limits holding the plan back most, ranked by the money at stake, each with
    its binding periods and its dearest unit price with the range over which it holds."""
    top_limits = plan.bottlenecks(top)
    if top_limits.empty:
        return
    rows = []
    for row in top_limits.itertuples(index=False):
        per = f"{row.unit} less" if getattr(row, "sense", "max") == "min" else row.unit
        rows.append((str(row.kind), str(row.name), str(row.period), format_value(row.money, plan.currency),
                     format_value(row.shadow_price, f"{plan.currency} per {per}"),
                     f"{plan.currency} per {per} ({row.price_period})", _range_end(float(row.range_down)),
                     _range_end(float(row.range_up))))
    show(console, grid(console, f"Top bottlenecks (money at stake and the dearest unit price, {plan.currency})",
                       ("kind", "name", "binding in", "at stake", "shadow price", "unit", "holds from", "to"), rows,
                       numeric=("at stake", "shadow price", "holds from", "to")))
    for note in sorted({str(n) for n in top_limits["range_note"] if str(n)}):
        console.print(f"Ranges: {note}.", highlight=False)


def print_sentences(console: Console, sentences: Sequence[str]) -> None:
    """Plain sentences, one per line (no markup)."""
    for line in sentences:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def print_warnings(console: Console, warnings: Sequence[DataWarning], prefix: str = "") -> None:
    """One line per warning code (count, first places, hint); every warning is in
    ``warnings.csv`` and ``run.json`` of a result folder."""
    for group in group_warnings(warnings):
        console.print(f"[bold yellow]warning:[/] {escape(prefix + group.line())}", highlight=False, soft_wrap=True)


def print_plan_warnings(console: Console, plans: Sequence[Plan]) -> None:
    """Every plan's warnings, grouped, each line prefixed with the plan's name."""
    for plan in plans:
        print_warnings(console, plan.warnings, f"{plan.name}: ")


def print_first_lines(console: Console, plans: Sequence[Plan]) -> None:
    """Each plan's :func:`first_line`."""
    for plan in plans:
        console.print(first_line(plan), markup=False, highlight=False, soft_wrap=True)
