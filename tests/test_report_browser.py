"""The HTML report in a real browser: Debian's headless chromium driven by selenium
through the system chromedriver (never a downloaded browser). Every chart must render
(plotly draws its ``.main-svg`` layers), the console must stay free of errors, and the
page must fetch nothing from the network."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import sopopt
from sopopt.report.html import write_html_report
from sopopt.results import Plan

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


def test_comparison_report_renders_every_chart(browser: webdriver.Chrome, plans: list[Plan], tmp_path: Path) -> None:
    path = write_html_report(plans, tmp_path / "report.html")
    charts = _open(browser, path)
    # Comparison: costs, one bridge, totals, products; per plan: costs, products,
    # heatmap, overtime/headcount, suppliers.
    assert len(charts) == 4 + 2 * 5
    _check_charts(browser, charts)
    text = browser.find_element(By.TAG_NAME, "body").text
    for heading in (
        "Scenarios side by side",
        "Cost bridge",
        "Capacity and workforce use",
        "Overtime and headcount",
        "Suppliers: material bought against their limits",
        "What holds the plan back",
    ):
        assert heading in text
    heatmaps = browser.find_elements(By.CSS_SELECTOR, ".plotly-graph-div .hm")
    assert len(heatmaps) == 2
    # The buttons of the per-product chart switch measure without errors.
    buttons = browser.find_elements(By.CSS_SELECTOR, ".updatemenu-button")
    assert len(buttons) == 4
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", buttons[1])
    time.sleep(0.3)
    assert _severe(browser) == []


def test_single_plan_report_renders(browser: webdriver.Chrome, tmp_path: Path) -> None:
    plan = sopopt.solve(DATA / "tiny.yaml")
    path = write_html_report([plan], tmp_path / "tiny.html")
    charts = _open(browser, path)
    assert len(charts) == 3  # costs, products, heatmap (no overtime, workforce or suppliers)
    _check_charts(browser, charts)
    assert "Scenarios side by side" not in browser.find_element(By.TAG_NAME, "body").text
    assert _severe(browser) == []
