"""The HTML report's style sheet (screen and print) and its one script (the product
explorer). Colours come from :mod:`sopopt.report.palette`."""

from __future__ import annotations

from sopopt.report import palette

#: The report's style sheet: screen, then print (A4/Letter landscape).
CSS = f"""
:root {{ --ink:#111827; --muted:#4b5563; --line:#e5e7eb; --bg:#f8fafc; --card:#ffffff;
        --good:{palette.GOOD}; --bad:{palette.BAD}; --neutral:{palette.NEUTRAL}; --warn:#92400e; --accent:#0072B2; }}
* {{ box-sizing: border-box; }}
body {{ margin:0; background:var(--bg); color:var(--ink);
       font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif; }}
main {{ max-width:1360px; margin:0 auto; padding:10px 20px 50px; }}
header.top {{ background:#0f172a; color:#f8fafc; padding:8px 20px; }}
header.top div {{ max-width:1360px; margin:0 auto; display:flex; gap:18px; align-items:baseline; flex-wrap:wrap; }}
header.top h1 {{ margin:0; font-size:20px; }}
header.top p {{ margin:0; color:#cbd5e1; font-size:13px; }}
nav.toc {{ margin:8px 0; display:flex; flex-wrap:wrap; gap:6px; }}
nav.toc a {{ background:var(--card); border:1px solid var(--line); border-radius:999px; padding:2px 10px;
            color:var(--accent); text-decoration:none; font-size:13px; }}
section.block {{ background:var(--card); border:1px solid var(--line); border-radius:10px;
                padding:12px 18px; margin:12px 0; }}
section.first {{ padding:10px 16px; }}
h2 {{ font-size:19px; margin:0 0 4px; }}
h3 {{ font-size:15px; margin:14px 0 3px; }}
p.explain {{ color:var(--muted); margin:2px 0 8px; max-width:980px; }}
.sc-cards {{ display:grid; grid-template-columns:repeat(var(--cards),minmax(0,1fr)); gap:10px; margin:6px 0; }}
.sc-card {{ border:1px solid var(--line); border-radius:8px; padding:6px 10px; background:#fcfcfd; min-width:0; }}
.sc-head {{ display:flex; justify-content:space-between; gap:6px; align-items:center; margin-bottom:2px; }}
.sc-name {{ font-weight:650; font-size:15px; overflow-wrap:anywhere; margin-right:6px; }}
table.sc {{ width:100%; border-collapse:collapse; font-size:13px; font-variant-numeric:tabular-nums; }}
table.sc td {{ padding:1px 3px; border-bottom:1px solid #f1f5f9; white-space:nowrap; }}
table.sc td.m {{ color:var(--muted); white-space:normal; }}
table.sc td.v, table.sc td.d {{ text-align:right; }}
table.sc .u {{ color:var(--muted); font-size:11px; }}
td.good, .good {{ color:var(--good); font-weight:600; }}
td.bad, .bad {{ color:var(--bad); font-weight:600; }}
td.neutral, .neutral {{ color:var(--neutral); }}
td.base {{ color:var(--muted); font-size:11px; }}
.assumptions {{ margin-top:6px; }}
.assumptions h3 {{ margin:4px 0 2px; }}
.assumptions ul {{ margin:0; padding-left:18px; }}
.assumptions li {{ margin:1px 0; }}
.status {{ display:inline-block; border-radius:6px; padding:1px 8px; font-weight:600; font-size:12px; }}
.status.ok {{ background:#e0f2fe; color:#075985; }}
.status.warn {{ background:#fef3c7; color:var(--warn); }}
.status.fail {{ background:#fee2e2; color:var(--bad); }}
.banner {{ border-radius:8px; padding:8px 12px; margin:8px 0; }}
.banner.warn {{ background:#fef3c7; color:var(--warn); }}
.banner.fail {{ background:#fee2e2; color:var(--bad); }}
table.data {{ border-collapse:collapse; width:100%; font-size:13px; margin:4px 0 8px; }}
table.data th, table.data td {{ padding:3px 8px; border-bottom:1px solid var(--line); text-align:right;
                               font-variant-numeric:tabular-nums; }}
table.data th {{ background:#f1f5f9; }}
table.data th:first-child, table.data td:first-child, table.data td.text, table.data th.text {{ text-align:left; }}
.scroll {{ overflow-x:auto; }}
table.data tr.total td {{ font-weight:650; }}
table.data tr.group td {{ background:#f8fafc; font-weight:600; text-align:left; }}
td.better {{ color:var(--good); }} td.worse {{ color:var(--bad); }}
td.unit {{ color:var(--muted); text-align:left !important; }}
table.compare .rel {{ font-size:11px; }}
.pair {{ display:grid; grid-template-columns:1fr 1fr; gap:12px; }}
.chart {{ margin:2px 0 6px; }}
.small {{ font-size:12px; color:var(--muted); }}
.explorer select {{ font-size:14px; padding:2px 6px; }}
footer {{ color:var(--muted); font-size:12px; margin-top:20px; }}
.print-only {{ display:none; }}
.exceptions-box {{ max-height:300px; overflow:auto; }}
.exceptions th {{ cursor:pointer; }}
.exceptions input {{ font-size:13px; padding:1px 6px; margin:0 0 4px 4px; }}
/* The chart toolbar sits above the figure, clear of legends and menus. */
.chart {{ padding-top:26px; }}
.chart .modebar-container {{ top:-26px !important; }}
@page {{ size: A4 landscape; margin: 8mm; }}
@media print {{
  /* Lay out at screen width, then scale to the page: no chart or table is cut. */
  body {{ background:#fff; zoom:0.68; line-height:1.3; }}
  main {{ max-width:none; padding:0; }}
  header.top {{ background:#fff; color:#000; padding:0 0 4px; border-bottom:1px solid #000; }}
  header.top p {{ color:#333; }}
  nav.toc, .no-print, .screen-only, .modebar-container {{ display:none !important; }}
  .print-only {{ display:block; }}
  .exceptions-box {{ max-height:none; overflow:visible; }}
  section.block {{ border:none; padding:0; margin:6px 0; break-inside:auto; }}
  section.plan {{ border-top:2px solid #000; padding-top:4px; margin-top:6px; }}
  .chart {{ padding-top:0; }}
  h2 {{ break-after:avoid; }}
  ul.limits, ul.causes {{ columns:2; column-gap:24px; font-size:12px; margin:2px 0; }}
  ul.causes {{ columns:3; }}
  ul.causes > li {{ break-inside:avoid; }}
  section#compare {{ break-before:page; }}
  h3 {{ break-after:avoid; margin:8px 0 2px; }}
  .chart {{ break-inside:avoid; }}
  .scroll {{ overflow:visible; }}
  table.data {{ margin:2px 0 4px; }}
  table.data th, table.data td {{ padding:0 6px; }}
  p.explain {{ margin:0 0 2px; }}
  tr {{ break-inside:avoid; }}
  .pair {{ grid-template-columns:1fr 1fr; }}
}}
"""

#: Draws one product of the explorer (plotly is already on the page).
EXPLORER_JS = """
(function () {
  const data = JSON.parse(document.getElementById('explorer-data').textContent);
  const select = document.getElementById('explorer-product');
  const target = document.getElementById('explorer-chart');
  function draw(product) {
    const traces = [];
    const measures = Object.keys(data.measures);
    measures.forEach(function (measure, m) {
      data.plans.forEach(function (plan, j) {
        const series = plan.series[product];
        if (!series) { return; }
        traces.push({x: plan.labels, y: series[measure], name: plan.name, legendgroup: plan.name,
                     showlegend: m === 0, mode: 'lines+markers', xaxis: 'x' + (m + 1), yaxis: 'y' + (m + 1),
                     line: {color: plan.colour, dash: ['solid', 'dash', 'dot', 'dashdot'][j % 4]}});
      });
    });
    const layout = {height: 340, template: 'plotly_white', margin: {l: 70, r: 20, t: 60, b: 70},
                    grid: {rows: 1, columns: measures.length, pattern: 'independent'},
                    legend: {orientation: 'h', y: 1.25}, annotations: []};
    measures.forEach(function (measure, m) {
      layout['xaxis' + (m + 1)] = {type: 'category', title: {text: 'Period (' + data.period_unit + ')'}, tickangle: -45};
      layout['yaxis' + (m + 1)] = {rangemode: 'tozero', title: {text: data.measures[measure] + ' (units)'}};
    });
    Plotly.react(target, traces, layout, {displaylogo: false, responsive: true});
  }
  select.addEventListener('change', function () { draw(select.value); });
  draw(select.value);
})();
"""
