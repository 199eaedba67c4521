"""Benchmark the meeting report on a large network (issue 18): file size and the time
headless Chromium takes to draw the first screen.

    python benchmarks/report.py [--size 1e5] [--repeat 5] [--out benchmarks/report_results.json]

Generates the seeded instance of :func:`sopopt.inputs.generate.size_for_variables`, solves it,
writes the HTML report of that plan and of a second, surged case (demand +10%: a
two-scenario comparison, as in a meeting), and opens it ``--repeat`` times in Debian's
headless Chromium (selenium, system chromedriver, a fresh profile each time). Measured:

- ``bytes``: size of the HTML file (target: under 10 MB);
- ``first_screen_seconds``: from navigation start until the decision cards and the
  assumptions are laid out and the browser has painted (``performance`` timeline plus a
  ``requestAnimationFrame`` after the cards exist; target: under 5 s, median);
- ``all_charts_seconds``: until every chart on the page has drawn its SVG;
- ``exceptions_top_px``, ``first_warning_top_px``: where the exceptions table and the
  first warning start (the first screen, 900 px high, shows the cards and the exceptions,
  not warnings);
- ``printed_pages``: A4 landscape pages in print (target: at most 8 at 1e5).

Needs ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST_SCREEN = """
const t0 = performance.timing.navigationStart;
const done = arguments[arguments.length - 1];
function ready() {
  const cards = document.querySelectorAll('.sc-card');
  const said = document.querySelector('.assumptions');
  if (cards.length && said && said.getBoundingClientRect().height > 0) {
    requestAnimationFrame(() => done((Date.now() - t0) / 1000));
  } else { setTimeout(ready, 5); }
}
ready();
"""

ALL_CHARTS = (
    "const divs = [...document.querySelectorAll('.js-plotly-plot')];"
    "return divs.length > 0 && divs.every(d => d.querySelector('.main-svg') !== null);"
)


def say(*parts: object) -> None:
    """Print to stdout (the driver's report)."""
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    sys.stdout.flush()


def _browser(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                     "--window-size=1400,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def measure(report: Path, folder: Path) -> dict[str, float]:
    """Open the report once in a fresh browser: first screen and all charts, seconds."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser = _browser(Path(tempfile.mkdtemp(dir=folder)))
    try:
        browser.set_script_timeout(120)
        start = time.perf_counter()
        browser.get(report.resolve().as_uri())
        first = float(browser.execute_async_script(FIRST_SCREEN))
        WebDriverWait(browser, 300).until(lambda d: d.execute_script(ALL_CHARTS))
        charts = time.perf_counter() - start
        return {"first_screen_seconds": first, "all_charts_seconds": charts, **first_screen(browser),
                "printed_pages": printed_pages(browser)}
    finally:
        browser.quit()


def first_screen(browser: Any) -> dict[str, float]:
    """Where the exceptions table and the first warning start (px from the top of the
    page, the window is 900 px high): the first screen must show the cards and the
    exceptions, not warnings (issue 24)."""
    browser.execute_script("window.scrollTo(0, 0)")
    top = ("const e = document.querySelector(arguments[0]);"
           "return e === null ? null : e.getBoundingClientRect().top + window.scrollY;")
    return {"exceptions_top_px": browser.execute_script(top, "#exceptions"),
            "first_warning_top_px": browser.execute_script(top, ".banner.warn")}


def printed_pages(browser: Any) -> int:
    """Pages of the report printed on A4 landscape (target: at most 8 at 1e5)."""
    import base64
    import io

    import pypdf

    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"landscape": True, "paperWidth": 11.69,
                                                     "paperHeight": 8.27, "printBackground": True})
    return len(pypdf.PdfReader(io.BytesIO(base64.b64decode(pdf["data"]))).pages)


def main() -> None:
    """Generate, solve, report, open; write the results JSON."""
    import sopopt
    from sopopt.inputs.generate import size_for_variables, write_instance
    from sopopt.report.html import write_html_report

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=float, default=1e5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "report_results.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        products, sites, periods = size_for_variables(args.size)
        model = write_instance(folder / "net", products, sites, periods)
        surge = folder / "net" / "surge.yaml"
        surge.write_text("model: model.yaml\nname: surge\nadjust:\n  - {target: demand, multiply: 1.1, "
                         "note: demand 10% above the forecast}\n", encoding="utf-8")
        start = time.perf_counter()
        plans = [sopopt.solve(model, workspace=folder / "net"), sopopt.solve(surge, workspace=folder / "net")]
        say(f"size {args.size:g}: {products} products, {sites} sites, {periods} periods; two solves "
            f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        report = write_html_report(plans, folder / "report.html")
        write_seconds = time.perf_counter() - start
        say(f"report written in {write_seconds:.1f} s, {report.stat().st_size:,} bytes")
        runs = []
        for _ in range(args.repeat):  # each run printed as it ends, so a run cut short leaves figures
            runs.append(measure(report, folder))
            say(json.dumps(runs[-1]))
        result = {
            "size": args.size,
            "products": products,
            "sites": sites,
            "periods": periods,
            "bytes": report.stat().st_size,
            "write_seconds": write_seconds,
            "first_screen_seconds": statistics.median(r["first_screen_seconds"] for r in runs),
            "all_charts_seconds": statistics.median(r["all_charts_seconds"] for r in runs),
            "exceptions_top_px": runs[0]["exceptions_top_px"],
            "first_warning_top_px": runs[0]["first_warning_top_px"],
            "printed_pages": runs[0]["printed_pages"],
            "runs": runs,
            "machine": {"python": platform.python_version(), "machine": platform.machine()},
        }
    say(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
