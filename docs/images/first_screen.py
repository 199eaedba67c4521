"""Make ``docs/images/report-first-screen.png``: the first screen (1400 x 900 CSS pixels)
of the report that the README's ``sopopt report`` command writes for the four shipped
scenarios, as the README shows it.

    python docs/images/first_screen.py [--out docs/images/report-first-screen.png]

The command is read from the README itself (its ``sopopt report`` line), run in a
temporary copy of ``scenarios/`` and ``models/``, and the report is opened in Debian's
headless chromium (selenium with the system chromedriver; ``apt-get install chromium
chromium-driver``). Run it again whenever the report's first screen changes.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 1400, 900


def readme_report_command() -> list[str]:
    """The arguments of the README's ``sopopt report`` line (continuations joined)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("sopopt report "):
                return shlex.split(line.strip())[1:]
    raise SystemExit("README.md has no `sopopt report` line")


def screenshot(report: Path, out: Path) -> None:
    """Save the first screen of ``report`` (after every chart has drawn) to ``out``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        driver.get(report.resolve().as_uri())
        deadline = time.monotonic() + 60
        drawn = ("return [...document.querySelectorAll('.plotly-graph-div')]"
                 ".every(d => d.querySelector('.main-svg') !== null)")
        while not driver.execute_script(drawn) and time.monotonic() < deadline:
            time.sleep(0.2)
        driver.execute_script("window.scrollTo(0, 0)")
        out.write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.quit()


def main() -> None:
    """Run the README's report command in a scratch copy and photograph its first screen."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "report-first-screen.png")
    args = parser.parse_args()
    command = readme_report_command()
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("scenarios", "models"):
            shutil.copytree(ROOT / name, Path(scratch) / name)
        subprocess.run([sys.executable, "-m", "sopopt", *command], cwd=scratch, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        report = Path(scratch) / command[command.index("--out") + 1]
        screenshot(report, args.out)
    print(f"wrote {args.out}")  # noqa: T201  (a script's one line of output)


if __name__ == "__main__":
    main()
