"""``sopopt compare`` on a terminal: one sentence per scenario against the baseline, then
every scenario side by side.

One column per plan; under each value of a plan after the first, its change against
the baseline: ``▲``/``▼`` for up/down, the signed change and the relative change, and
``✓``/``✗`` for better/worse (blue and red on a colour terminal, as in the HTML report).
Money is in whole currency units. Names are never cut (they wrap) and no number is
ever dropped: when the plans do not fit the width side by side, the table is printed
one measure group at a time (never a subset of the plans).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from sopopt.io.numbers import format_relative, format_value, headcount_unit
from sopopt.report.compare import GROUP_TITLES, compare_plans, judge, plan_differences, plan_names
from sopopt.report.sentences import versus_baseline
from sopopt.report.terminal import column, grid, show
from sopopt.results.plan import Plan

#: How a judged change is marked in plain text, and coloured on a terminal.
MARKS = {"better": ("✓", "blue"), "worse": ("✗", "red")}

CAPTION = ("▲/▼ up/down against the baseline; ✓ better, ✗ worse (blue, red); money in whole units; "
           "cost categories that are zero in every plan are hidden")


def _unit(frame: pd.DataFrame, key: str, names: Sequence[str]) -> str:
    unit = str(frame.loc[key, "unit"])
    if unit == "workers":
        values = [v for v in frame.loc[key, list(names)] if isinstance(v, float)]
        return headcount_unit(values)
    return unit


def _change(frame: pd.DataFrame, key: str, name: str, unit: str, narrow: bool) -> list[str]:
    """The lines under a plan's value: arrow, signed change, relative change and mark
    (one line; two when ``narrow``), with the colour of the verdict."""
    delta = frame.loc[key, f"{name} Δ"]
    if key == "status" or delta is None:
        return []
    shown = format_value(delta, unit, delta=True, compact=True)
    if shown == "-":
        return []
    if shown in ("0", "0.0", "0.0 pts"):
        return ["="]
    arrow = "▲" if delta > 0 else "▼"
    relative = "" if unit == "%" else format_relative(frame.loc[key, f"{name} Δ%"])
    mark, _colour = MARKS.get(judge(delta, str(frame.loc[key, "better"])), ("", ""))
    if narrow:  # the mark goes on the last line
        lines = [f"{arrow}{shown}", relative] if relative else [f"{arrow}{shown}"]
        return [*lines[:-1], lines[-1] + (f" {mark}" if mark else "")]
    return [f"{arrow}{shown}" + (f" {relative}" if relative else "") + (f" {mark}" if mark else "")]


def _cells(frame: pd.DataFrame, key: str, names: Sequence[str], unit: str, narrow: bool) -> list[Text]:
    cells = [Text(format_value(frame.loc[key, names[0]], unit, compact=True))]
    for name in names[1:]:
        lines = _change(frame, key, name, unit, narrow)
        colour = MARKS.get(judge(frame.loc[key, f"{name} Δ"], str(frame.loc[key, "better"])), ("", ""))[1]
        cell = Text(format_value(frame.loc[key, name], unit, compact=True))
        for line in lines:
            cell.append("\n" + line, style=colour)
        cells.append(cell)
    return cells


def comparison_table(frame: pd.DataFrame, names: Sequence[str], keys: Sequence[str], title: str,
                     narrow: bool = False, caption: bool = True) -> Table:
    """Every plan side by side for the measures ``keys`` (in groups); ``narrow`` puts
    the unit in the measure's name and the relative change on a line of its own."""
    rows: list[tuple[str, str, list[Text]] | str] = []
    group = None
    for key in keys:
        if frame.loc[key, "group"] != group:
            group = frame.loc[key, "group"]
            rows.append(GROUP_TITLES.get(str(group), str(group)))
        unit = _unit(frame, key, names)
        rows.append((str(frame.loc[key, "metric"]), unit, _cells(frame, key, names, unit, narrow)))
    table = Table(title=title, box=box.SIMPLE_HEAD, caption=CAPTION if caption else None, caption_justify="left",
                  padding=(0, 1))
    words = [word for row in rows if not isinstance(row, str) for word in f"{row[0]} ({row[1]})".split()]
    column(table, "measure", min_width=max(12, *map(len, words)), max_width=26)
    if not narrow:
        column(table, "unit", [row[1] for row in rows if not isinstance(row, str)], style="dim")
    for i, name in enumerate(names):
        widths = [len(line) for row in rows if not isinstance(row, str) for line in row[2][i].plain.split("\n")]
        header = f"{name} (baseline)" if i == 0 else name
        table.add_column(header, justify="right", min_width=max(widths, default=1), overflow="fold")
    for row in rows:
        if isinstance(row, str):
            table.add_section()
            table.add_row(Text(row, style="bold"))
        elif narrow:
            table.add_row(row[0] + (f" ({row[1]})" if row[1] else ""), *row[2])
        else:
            table.add_row(row[0], row[1], *row[2])
    return table


def _groups(frame: pd.DataFrame, keys: Sequence[str]) -> list[list[str]]:
    """The measures by group; the status row goes with the first group after it."""
    out: dict[str, list[str]] = {}
    for key in keys:
        out.setdefault(str(frame.loc[key, "group"]), []).append(key)
    groups = list(out.values())
    if len(groups) > 1 and "status" in out and groups[0] == out["status"]:
        groups[1:2] = [groups[0] + groups[1]]
        groups = groups[1:]
    return groups


def _fits(console: Console, table: Table, width: int) -> bool:
    return Measurement.get(console, console.options.update(width=10_000), table).minimum <= width


def print_comparison(console: Console, plans: Sequence[Plan], top: int = 10) -> None:
    """The sentences, the side-by-side table and the biggest changes of each plan."""
    frame = compare_plans(plans)
    names = plan_names(plans)
    for plan, name in zip(plans[1:], names[1:], strict=True):
        console.print(f"{name}: {', '.join(versus_baseline(plans[0], plan, names[0]))}.", markup=False,
                      highlight=False)
    zero = {k for k in frame.index if k.startswith("cost:")
            and all(isinstance(v, float) and (v != v or abs(v) < 1e-9) for v in frame.loc[k, names])}
    keys = [k for k in frame.index if k not in zero]
    title = f"{len(plans)} plans side by side; changes against the baseline {names[0]}"
    whole = comparison_table(frame, names, keys, title)
    if _fits(console, whole, console.width):
        console.print(whole)
    else:  # one measure group at a time, narrow; wider than the terminal only if one plan's figures are
        groups = _groups(frame, keys)
        for number, group in enumerate(groups, 1):
            part = comparison_table(frame, names, group, f"{title} (part {number} of {len(groups)})", narrow=True,
                                    caption=number == len(groups))
            show(console, part)  # too many plans for the terminal: wider lines rather than a number dropped
    for plan, name in zip(plans[1:], names[1:], strict=True):
        print_changes(console, plans[0], plan, names[0], name, top)


def print_changes(console: Console, base: Plan, plan: Plan, base_name: str, name: str, top: int) -> None:
    """Where ``plan`` differs most from the baseline, product by product (in units)."""
    diff = plan_differences(base, plan, top=top)
    if diff.empty:
        return
    rows = [(f"{r.product} at {r.site}", str(r.period), str(r.measure), format_value(r.a, "units", compact=True),
             format_value(r.b, "units", compact=True), format_value(r.change, "units", delta=True, compact=True))
            for r in diff.itertuples(index=False)]
    headers = ("product at site", "period", "measure", base_name, name, "change")
    show(console, grid(console, f"Biggest changes: {name} against {base_name} (units)", headers, rows, numeric=headers[3:]))
