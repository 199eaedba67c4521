"""Shared fixtures: a tiny case and a helper that writes a workspace of files."""

from __future__ import annotations

import os
import signal
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from readme_run import ReadmeRun

DATA = Path(__file__).parent / "data"

#: A 3-period, one-product model used by scenario and error tests.
TINY_MODEL = """\
name: tiny
periods: {labels: ["1", "2", "3"]}
products:
  widget:
    family: tools
    production_cost: 10
    holding_cost: 1
    sites:
      plant: {make: true}
sites:
  plant: {}
resources:
  line:
    site: plant
    hours: 100
    usage: {widget: 1}
demand:
  widget:
    plant: [50, 150, 100]
"""


def pytest_configure(config: pytest.Config) -> None:
    """Tests press Ctrl-C (SIGINT) as a user at a terminal would. A shell that starts
    pytest in the background leaves SIGINT ignored, which sopopt respects (as ``nohup``
    asks); the test session takes a terminal's default instead, so that the stop tests
    test the stop and not how they were started."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def tiny_path() -> Path:
    """Path of the shipped tiny model."""
    return DATA / "tiny.yaml"


def variant(case: Path, folder: Path, change: Callable[[dict], object]) -> Path:
    """A copy of the model ``case`` in ``folder`` with ``change`` applied to its YAML."""
    net = yaml.safe_load(case.read_text())
    change(net)
    path = folder / "variant.yaml"
    path.write_text(yaml.safe_dump(net, sort_keys=False))
    return path


WriteFiles = Callable[..., Path]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteFiles:
    """Write files (path -> text, dedented) under a temporary workspace; return its root.

    The test runs in that folder, so the root is the workspace of every file in it (as
    when a user works from the folder of their models and scenarios).
    """
    monkeypatch.chdir(tmp_path)

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path

    return write


# Hypothesis: "ci" (the default) is small and reproducible (derandomized), keeping the
# property tests to about 30 s; HYPOTHESIS_PROFILE=dev explores many more examples.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> ReadmeRun:
    """Every ``sopopt`` line of the README, run once per session in a copy of the
    repository (tests/readme_run.py)."""
    from readme_run import run_readme

    return run_readme(tmp_path_factory.mktemp("readme"))
