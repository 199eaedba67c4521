"""The HTML report in a real browser: Debian's headless chromium driven by selenium
through the system chromedriver (never a downloaded browser). Every chart must render
(plotly draws its ``.main-svg`` layers), the console must stay free of errors, and the
page must fetch nothing from the network."""

from __future__ import annotations

import base64
import io
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import sopopt
from sopopt.report.html import write_html_report
from sopopt.results.plan import Plan

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _installed(path: str, name: str) -> bool:
    return Path(path).is_file() or shutil.which(name) is not None


if not (_installed(CHROMIUM, "chromium") and _installed(CHROMEDRIVER, "chromedriver")):
    pytest.skip(
        "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[test]')")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = CHROMEDRIVER if Path(CHROMEDRIVER).is_file() else shutil.which("chromedriver")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


#: The plan names of the four example scenarios of the shipped business, in meeting order.
EXAMPLES = ("acme base", "acme surge", "acme supplier disruption", "acme promotion")


@pytest.fixture(scope="module")
def example_report(readme_run) -> Path:
    """The report the README's ``sopopt report`` command wrote for the four examples."""
    return readme_run.copy / "report.html"


def _open(browser: webdriver.Chrome, path: Path) -> list:
    """Open a report, wait until every chart has drawn, and return the chart divs."""
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.resolve().as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script(
            "const divs = [...document.querySelectorAll('.plotly-graph-div')];"
            "return divs.length > 0 && divs.every(d => d.querySelector('.main-svg') !== null);"
        )
    )
    return browser.find_elements(By.CSS_SELECTOR, ".plotly-graph-div")


def _ensure(browser: webdriver.Chrome, path: Path) -> None:
    """Open a report unless it is the page already shown (tests share one page load)."""
    if browser.current_url != path.resolve().as_uri():
        _open(browser, path)


def _severe(browser: webdriver.Chrome) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


#: Per chart, in one call (a WebDriver round trip per chart and property took 10 s): its
#: id, whether Plotly drew an SVG and real marks (bars, lines or heatmap cells, not an
#: empty frame), whether it sits in a print-only block (drawn hidden, shown on paper:
#: tests below) and its size on screen.
_CHART_FACTS = """
return arguments[0].map(c => ({
  id: c.id,
  svg: c.querySelectorAll('.main-svg').length,
  marks: c.querySelectorAll('.trace, .hm, .bars path, .scatterlayer path').length,
  printOnly: c.closest('div.print-only') !== null,
  height: c.getBoundingClientRect().height,
  width: c.getBoundingClientRect().width,
}));
"""


def _check_charts(browser: webdriver.Chrome, charts: list) -> None:
    for chart in browser.execute_script(_CHART_FACTS, charts):
        assert chart["svg"] > 0, chart["id"]
        assert chart["marks"] > 0, chart["id"]
        if chart["printOnly"]:
            continue
        assert chart["height"] > 100, chart["id"]
        assert chart["width"] > 300, chart["id"]
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.startsWith('http'));"
    )
    assert fetched == []


def test_comparison_report_renders_every_chart(browser: webdriver.Chrome, example_report: Path) -> None:
    """The README's report of the four shipped scenarios (one page load shared by the tests
    that read it)."""
    charts = _open(browser, example_report)
    # Comparison: cost comparison, a cost and a profit bridge per scenario, plans over time; per
    # plan: capacity, stock, utilisation heat map, P&L, headcount, suppliers, cost breakdown,
    # roll-up, and the printed small multiples of capacity and stock; the explorer.
    assert len(charts) == 1 + 2 * 3 + 1 + 4 * (8 + 2) + 1
    _check_charts(browser, charts)
    text = browser.find_element(By.TAG_NAME, "body").text
    for heading in (
        "Decision summary",
        "What each scenario assumes",
        "Scenarios side by side",
        "cost and profit bridges",
        "Capacity against load",
        "Stock by site",
        "Profit and loss by period",
        "Suppliers against their limits",
        "What holds the plan back",
        "Product explorer",
    ):
        assert heading in text
    # A drop-down menu switches the resource drawn, without errors.
    menus = browser.find_elements(By.CSS_SELECTOR, ".updatemenu-header")
    assert menus
    assert _severe(browser) == []


def test_product_explorer_draws_the_chosen_product_only(browser: webdriver.Chrome, example_report: Path) -> None:
    from selenium.webdriver.support.ui import Select

    from sopopt.results.folders import read_plan

    _ensure(browser, example_report)
    chart = browser.find_element(By.ID, "explorer-chart")
    assert browser.execute_script("return document.getElementById('explorer-chart').data.length") == 4 * 4
    first = browser.execute_script("return document.getElementById('explorer-chart').data[0].y")
    Select(browser.find_element(By.ID, "explorer-product")).select_by_value("kettle")
    time.sleep(0.3)
    second = browser.execute_script("return document.getElementById('explorer-chart').data[0].y")
    base = read_plan(example_report.parent / "out" / "base")  # the README's quickstart: the report's first plan
    kettle = base.tables["plan"].query("product == 'kettle'").groupby("period", sort=False)["demand"].sum()
    assert second == pytest.approx(list(kettle)) and first != second
    assert len(chart.find_elements(By.CSS_SELECTOR, ".main-svg")) > 0
    assert _severe(browser) == []
    Select(browser.find_element(By.ID, "explorer-product")).select_by_index(0)  # as the page was


def test_every_axis_title_ends_with_its_unit(browser: webdriver.Chrome, example_report: Path) -> None:
    _ensure(browser, example_report)
    titles = browser.execute_script(
        "return [...document.querySelectorAll('.plotly-graph-div')].flatMap(d => Object.entries(d.layout || {})"
        ".filter(([k, v]) => /^[xy]axis[0-9]*$/.test(k) && v && v.title && v.title.text).map(([k, v]) => v.title.text));"
    )
    assert len(titles) > 30
    bad = [t for t in titles if not re.search(r"\([^()]+\)$", t)]
    assert bad == []


#: For every chart: does its toolbar overlap a legend, a menu or a title, and how many of
#: its legends scroll (plotly scrolls a legend taller than the room it has, so paper cuts it)?
_LEGENDS = """
const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
return [...document.querySelectorAll('.js-plotly-plot')].map(g => {
  const bar = g.querySelector('.modebar');
  const boxes = [...g.querySelectorAll('.legend, .updatemenu-container, .infolayer .gtitle')]
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
  const scrolled = [...g.querySelectorAll('.legend .scrollbar')].filter(s => +s.getAttribute('height') > 0).length;
  return [g.id, boxes.length, bar !== null && boxes.some(b => hit(b, bar.getBoundingClientRect())), scrolled];
});
"""


def test_legends_are_clear_of_the_toolbar_and_complete(browser: webdriver.Chrome, example_report: Path) -> None:
    """The toolbar sits above each chart, so no legend, menu or title is under it; no
    legend scrolls (a scrolled legend is cut on paper: the P&L's was)."""
    _ensure(browser, example_report)
    browser.execute_script("window.scrollTo(0, 0)")
    charts = browser.execute_script(_LEGENDS)
    assert sum(1 for _id, boxes, _hit, _scrolled in charts if boxes) >= 20  # legends and menus were found
    assert [c[0] for c in charts if c[2]] == []
    assert [c[0] for c in charts if c[3]] == []
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert [c[0] for c in browser.execute_script(_LEGENDS) if c[3]] == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_first_screen_holds_the_cards_and_assumptions(browser: webdriver.Chrome, example_report: Path) -> None:
    path = example_report
    browser.set_window_size(1400, 900)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        _ensure(browser, path)  # the page the tests above opened, laid out again at 1400 x 900
        browser.execute_script("window.scrollTo(0, 0)")
        boxes = browser.execute_script(
            "return [...document.querySelectorAll('.sc-card, .assumptions')].map(e => e.getBoundingClientRect().bottom);"
        )
        assert len(boxes) == len(EXAMPLES) + 1
        assert max(boxes) <= 900
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        text = browser.find_element(By.ID, "decision").text
        for name in EXAMPLES:
            assert name in text
        assert "supplier plant closed after a fire" in text  # an adjustment's note
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


#: Expected colour of changes against the baseline, by plan and measure: blue is good,
#: red bad, grey neutral (single cost categories are never judged).
EXPECTED_COLOURS = {
    ("acme supplier disruption", "profit"): "bad",
    ("acme supplier disruption", "revenue"): "bad",
    ("acme supplier disruption", "lost_units"): "bad",
    ("acme supplier disruption", "fill_rate"): "bad",
    ("acme supplier disruption", "total_cost"): "bad",
    ("acme supplier disruption", "overtime_hours"): "neutral",
    ("acme surge", "profit"): "good",
    ("acme surge", "total_cost"): "bad",
    ("acme surge", "revenue"): "good",
}
RGB = {"good": "rgba(0, 119, 187, 1)", "bad": "rgba(204, 51, 17, 1)", "neutral": "rgba(85, 85, 85, 1)"}


def test_change_colours_follow_the_rule(browser: webdriver.Chrome, example_report: Path) -> None:
    path = example_report
    _ensure(browser, path)
    for (plan, metric), verdict in EXPECTED_COLOURS.items():
        cell = browser.find_element(
            By.CSS_SELECTOR, f'.sc-card[data-plan="{plan}"] td[data-metric="{metric}"]'
        )
        assert verdict in cell.get_attribute("class").split(), (plan, metric)
        assert cell.value_of_css_property("color") == RGB[verdict], (plan, metric)
    # In the comparison table a single cost category is neutral, lost units and profit are judged.
    row = browser.find_element(By.ID, "cmp-cost:production")
    changes = row.find_elements(By.CSS_SELECTOR, "td")[4::2]
    assert len(changes) == 3
    assert all(not ({"better", "worse"} & set(c.get_attribute("class").split())) for c in changes)
    lost = browser.find_element(By.ID, "cmp-lost_units").find_elements(By.CSS_SELECTOR, "td")[4::2]
    assert "worse" in lost[1].get_attribute("class")  # supplier disruption: more lost sales


def _pdf_pages(browser: webdriver.Chrome, width: float, height: float) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    pdf = browser.execute_cdp_cmd(
        "Page.printToPDF", {"landscape": True, "paperWidth": width, "paperHeight": height, "printBackground": True}
    )
    reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(pdf["data"])))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.mark.parametrize(("paper", "width", "height"), [("A4", 11.69, 8.27), ("Letter", 11.0, 8.5)])
def test_the_readmes_report_prints_in_eleven_pages(
    browser: webdriver.Chrome, example_report: Path, paper: str, width: float, height: float
) -> None:
    """The report of the README's own command (four scenarios, with the causes of each
    plan's costliest cells) prints on at most 11 landscape pages, with the comparison's
    biggest changes and the plans over time, and every scenario's column on the page."""
    _ensure(browser, example_report)
    pages = _pdf_pages(browser, width, height)
    assert len(pages) <= 11, paper
    text = " ".join(pages)
    for heading in ("The plans over time", "Biggest changes: acme surge against acme base", "Exceptions",
                    "Utilisation by resource and period", "Why the costliest shortages and overtime happen"):
        assert heading in text, (paper, heading)
    comparison = next(i for i, page in enumerate(pages) if "Scenarios side by side" in page)
    for name in EXAMPLES:  # every scenario's column is on the comparison page, not cut off
        assert name in pages[comparison], (paper, name)


def test_selectors_print_as_small_multiples_of_what_matters(browser: webdriver.Chrome, example_report: Path) -> None:
    """On paper, capacity and stock show the most constrained pools and the sites with the
    largest gaps side by side (not the first entity of a menu); on screen the menus."""
    _ensure(browser, example_report)
    shown = "return [...document.querySelectorAll('#plan-1 .print-only')].map(e => e.offsetHeight > 0)"
    assert browser.execute_script(shown) == [False, False]  # on screen: the charts with a menu
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert browser.execute_script(shown) == [True, True]
        menus = "return [...document.querySelectorAll('#plan-1 .pair')][0].offsetHeight"
        assert browser.execute_script(menus) == 0  # the one-at-a-time charts do not print
        titles = browser.execute_script(
            "return [...document.querySelectorAll('#plan-1 .print-only .plotly-graph-div')].map(d => "
            "d.layout.annotations.map(a => a.text))"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # acme base: ohio_crew's hiring (1,446.80 USD per hire) and ohio_assembly's hours bind dearest;
    # dc_indy is the only site with safety stock.
    assert titles[0][:2] == ["ohio_crew (labour hours)", "ohio_assembly (machine hours)"]
    assert len(titles[0]) == 4
    assert titles[1][0] == "Site dc_indy" and len(titles[1]) == 3


def test_the_exceptions_table_sorts_and_filters(browser: webdriver.Chrome, example_report: Path) -> None:
    _ensure(browser, example_report)
    rows = "return [...document.querySelectorAll('#exceptions-table tbody tr')].filter(r => !r.hidden)" \
           ".map(r => [...r.cells].map(c => c.dataset.v))"
    everything = browser.execute_script(rows)
    # the worst first: supplier disruption's desk fans, short in 5 periods at plant_monterrey
    # (1,920 units), then in 4 at dc_indy (11,300 units)
    assert [r[:5] for r in everything[:2]] == [["acme supplier disruption", "desk_fan", "plant_monterrey", "5", "1920"],
                                               ["acme supplier disruption", "desk_fan", "dc_indy", "4", "11300"]]
    field = browser.find_element(By.ID, "exceptions-filter")
    field.send_keys("desk_fan")
    filtered = browser.execute_script(rows)
    assert filtered and all(r[1] == "desk_fan" for r in filtered)
    assert len(filtered) == sum(r[1] == "desk_fan" for r in everything)
    field.clear()
    field.send_keys(" ")  # an empty filter shows every row again
    assert len(browser.execute_script(rows)) == len(everything)
    heading = browser.find_element(By.CSS_SELECTOR, '#exceptions-table th[data-column="periods_below_safety"]')
    heading.click()
    below = [int(r[5]) for r in browser.execute_script(rows)]
    assert below == sorted(below, reverse=True) and below[0] >= 6


@pytest.fixture(scope="module")
def network_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    """A generated network with hundreds of run-down warnings (as tests/test_first_lines.py)."""
    from typer.testing import CliRunner

    from sopopt.cli import app

    out = tmp_path_factory.mktemp("network")
    generated = CliRunner().invoke(app, ["generate", "--out", str(out), "--products", "20", "--sites", "5",
                                         "--periods", "12"])
    assert generated.exit_code == 0, generated.output
    plan = sopopt.solve(out / "model.yaml")
    return plan, write_html_report([plan], out / "report.html")


def test_a_networks_first_screen_shows_cards_and_exceptions_not_warnings(
    browser: webdriver.Chrome, network_report: tuple[Plan, Path]
) -> None:
    plan, path = network_report
    assert len(plan.warnings) >= 30  # run-down warnings, one line per code in the report
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        _open(browser, path)
        browser.execute_script("window.scrollTo(0, 0)")
        top = "return document.querySelector(arguments[0]).getBoundingClientRect().top"
        assert browser.execute_script(top, ".sc-card") < 900
        assert browser.execute_script(top, "#exceptions-table") < 900
        assert browser.execute_script(top, ".banner.warn") > 900
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
