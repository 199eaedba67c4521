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


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    return [sopopt.solve(DATA / "report_base.yaml"), sopopt.solve(DATA / "report_surge.yaml")]


@pytest.fixture(scope="module")
def report(plans: list[Plan], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html_report(plans, tmp_path_factory.mktemp("report") / "report.html")


#: The four example scenarios of the shipped business, in meeting order.
EXAMPLES = ("base", "surge", "supplier_disruption", "promotion")


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Plan], Path]:
    root = Path(__file__).resolve().parents[1]
    plans = [sopopt.solve(root / "scenarios" / f"{name}.yaml") for name in EXAMPLES]
    return plans, write_html_report(plans, tmp_path_factory.mktemp("example") / "report.html")


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


def _check_charts(browser: webdriver.Chrome, charts: list) -> None:
    for chart in charts:
        assert len(chart.find_elements(By.CSS_SELECTOR, ".main-svg")) > 0, chart.get_attribute("id")
        # Plotly drew real marks (bars, lines or heatmap cells), not an empty frame.
        marks = chart.find_elements(By.CSS_SELECTOR, ".trace, .hm, .bars path, .scatterlayer path")
        assert marks, chart.get_attribute("id")
        assert chart.size["height"] > 100
        assert chart.size["width"] > 300
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.startsWith('http'));"
    )
    assert fetched == []


def test_comparison_report_renders_every_chart(browser: webdriver.Chrome, report: Path) -> None:
    charts = _open(browser, report)
    # Comparison: cost comparison, cost bridge, profit bridge, plans over time; per plan:
    # capacity, stock, P&L, cost breakdown, headcount, suppliers, roll-up; the explorer.
    assert len(charts) == 4 + 2 * 7 + 1
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


def test_product_explorer_draws_the_chosen_product_only(
    browser: webdriver.Chrome, plans: list[Plan], report: Path
) -> None:
    from selenium.webdriver.support.ui import Select

    _ensure(browser, report)
    chart = browser.find_element(By.ID, "explorer-chart")
    assert browser.execute_script("return document.getElementById('explorer-chart').data.length") == 2 * 4
    first = browser.execute_script("return document.getElementById('explorer-chart').data[0].y")
    Select(browser.find_element(By.ID, "explorer-product")).select_by_value("gadget")
    time.sleep(0.3)
    second = browser.execute_script("return document.getElementById('explorer-chart').data[0].y")
    gadget = plans[0].tables["plan"].query("product == 'gadget'").groupby("period", sort=False)["demand"].sum()
    assert second == pytest.approx(list(gadget)) and first != second
    assert len(chart.find_elements(By.CSS_SELECTOR, ".main-svg")) > 0
    assert _severe(browser) == []


def test_every_axis_title_ends_with_its_unit(browser: webdriver.Chrome, report: Path) -> None:
    _ensure(browser, report)
    titles = browser.execute_script(
        "return [...document.querySelectorAll('.plotly-graph-div')].flatMap(d => Object.entries(d.layout || {})"
        ".filter(([k, v]) => /^[xy]axis[0-9]*$/.test(k) && v && v.title && v.title.text).map(([k, v]) => v.title.text));"
    )
    assert len(titles) > 30
    bad = [t for t in titles if not re.search(r"\([^()]+\)$", t)]
    assert bad == []


def test_first_screen_holds_the_cards_and_assumptions(
    browser: webdriver.Chrome, example_report: tuple[list[Plan], Path]
) -> None:
    plans, path = example_report
    browser.set_window_size(1400, 900)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        _open(browser, path)
        browser.execute_script("window.scrollTo(0, 0)")
        boxes = browser.execute_script(
            "return [...document.querySelectorAll('.sc-card, .assumptions')].map(e => e.getBoundingClientRect().bottom);"
        )
        assert len(boxes) == len(plans) + 1
        assert max(boxes) <= 900
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        text = browser.find_element(By.ID, "decision").text
        for plan in plans:
            assert plan.name in text
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


def test_change_colours_follow_the_rule(browser: webdriver.Chrome, example_report: tuple[list[Plan], Path]) -> None:
    _plans, path = example_report
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


@pytest.mark.parametrize(("paper", "width", "height"), [("A4", 11.69, 8.27), ("Letter", 11.0, 8.5)])
def test_example_report_prints_in_twelve_pages(
    browser: webdriver.Chrome, example_report: tuple[list[Plan], Path], paper: str, width: float, height: float
) -> None:
    pypdf = pytest.importorskip("pypdf")
    plans, path = example_report
    _ensure(browser, path)
    pdf = browser.execute_cdp_cmd(
        "Page.printToPDF", {"landscape": True, "paperWidth": width, "paperHeight": height, "printBackground": True}
    )
    reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(pdf["data"])))
    assert len(reader.pages) <= 12, paper
    pages = [page.extract_text() for page in reader.pages]
    comparison = next(i for i, text in enumerate(pages) if "Scenarios side by side" in text)
    names = [p.name for p in plans]
    for name in names:  # every scenario's column is on the comparison page, not cut off
        assert name in pages[comparison].replace("\n", " "), (paper, name)
