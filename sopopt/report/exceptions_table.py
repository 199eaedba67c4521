"""The report's exceptions table: every plan's product x site cells that are short,
below safety stock or over their maximum (:func:`sopopt.report.focus.exceptions`), on
the first screen below the cards and the assumptions. On screen it sorts (click a
heading) and filters (type a product, site or plan); in print it lists the first
:data:`PRINTED` rows, the worst first."""

from __future__ import annotations

from collections.abc import Sequence

from sopopt.report.focus import EXCEPTION_COLUMNS, all_exceptions
from sopopt.report.html_parts import e
from sopopt.results.plan import Plan

#: Rows of the exceptions table on paper (the rest are on screen only).
PRINTED = 12

#: Sorts the table on a heading's click (numbers as numbers) and filters its rows.
EXCEPTIONS_JS = """
(function () {
  const table = document.getElementById('exceptions-table');
  const filter = document.getElementById('exceptions-filter');
  if (!table) { return; }
  const body = table.tBodies[0];
  table.querySelectorAll('th').forEach(function (th, i) {
    th.addEventListener('click', function () {
      const down = th.dataset.order !== 'desc';
      th.dataset.order = down ? 'desc' : 'asc';
      const rows = [...body.rows];
      rows.sort(function (a, b) {
        const x = a.cells[i].dataset.v, y = b.cells[i].dataset.v;
        const c = isNaN(x) ? x.localeCompare(y) : Number(x) - Number(y);
        return down ? -c : c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  filter.addEventListener('input', function () {
    const words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
    [...body.rows].forEach(function (r) {
      const text = r.textContent.toLowerCase();
      r.hidden = !words.every(function (w) { return text.includes(w); });
    });
  });
})();
"""


def exceptions_html(plans: Sequence[Plan], names: Sequence[str]) -> str:
    """The exceptions block (a sentence when there is none)."""
    frame = all_exceptions(plans, names)
    head = ("<div class='exceptions' id='exceptions'><h3>Exceptions</h3><p class='explain'>Each row is a product at "
            "a site that is short (late or lost at a period's close), below its safety stock or over its maximum "
            "stock in some period; the worst first.")
    if frame.empty:
        return head + " No product is short, below safety stock or over its maximum in any plan.</p></div>"
    text_columns = ["plan", "product", "site"] if len(plans) > 1 else ["product", "site"]
    columns = [*text_columns, *EXCEPTION_COLUMNS]
    headings = "".join(f'<th class="{"text" if c in text_columns else "num"}" data-column="{c}">'
                       f"{e(EXCEPTION_COLUMNS.get(c, c))}</th>" for c in columns)
    rows = []
    for i, row in enumerate(frame[columns].itertuples(index=False)):
        cells = []
        for column, value in zip(columns, row, strict=True):
            if column in text_columns:
                cells.append(f'<td class="text" data-v="{e(value)}">{e(value)}</td>')
            else:
                cells.append(f'<td data-v="{float(value):.6g}">{float(value):,.0f}</td>')
        more = ' class="screen-only"' if i >= PRINTED else ""
        rows.append(f'<tr{more}>{"".join(cells)}</tr>')
    rest = len(frame) - PRINTED
    note = (f"<p class='small print-only'>The first {PRINTED} of {len(frame)} rows; the report on screen lists "
            "every one.</p>") if rest > 0 else ""
    return (f"{head} Click a heading to sort, type to filter.</p><label class='no-print'>Filter "
            f"<input id='exceptions-filter' type='search' placeholder='product, site or plan'></label>"
            f'<div class="scroll exceptions-box"><table class="data" id="exceptions-table"><thead><tr>{headings}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{note}"
            f"<script>{EXCEPTIONS_JS}</script></div>")
