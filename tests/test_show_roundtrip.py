"""``sopopt show`` round-trips (issue 9): the YAML it prints loads back to the same case,
compiled model data equal field by field and the same objective, for the shipped
scenarios, generated networks and networks with names that YAML likes to misread.

On the old code ``show`` wrote a name such as ``12E4`` unquoted (YAML 1.1 does not see a
number in it), and its own loader read it back as 120000.0, which failed validation."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sopopt
from sopopt.inputs.generate import write_instance
from sopopt.inputs.views import show_yaml
from sopopt.io.yaml_schema import SafeDumper

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted([*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("models/**/*.yaml")])


def assert_same(a: Any, b: Any, path: str = "data") -> None:
    """Equal field by field: dataclasses, mappings, sequences and arrays, exactly."""
    assert type(a) is type(b), path
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b or (a != a and b != b), path


def round_trip(case: sopopt.Case, folder: Path) -> sopopt.Case:
    shown = folder / "shown.yaml"
    shown.write_text(show_yaml(case), encoding="utf-8")
    return sopopt.load_case(shown)


def assert_round_trips(case: sopopt.Case, folder: Path) -> None:
    again = round_trip(case, folder)
    assert_same(case.data, again.data)
    assert again.solver == case.solver
    assert again.network.name == case.network.name
    first, second = sopopt.solve(case), sopopt.solve(again)
    assert second.objective == first.objective


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_shipped_cases_round_trip(path, tmp_path):
    assert_round_trips(sopopt.load_case(path), tmp_path)


@pytest.mark.parametrize(("seed", "layout"), [(0, "wide"), (1, "long"), (2, "wide")])
def test_generated_networks_round_trip(seed, layout, tmp_path):
    model = write_instance(tmp_path / "gen", products=4, sites=3, periods=5, seed=seed, layout=layout)
    assert_round_trips(sopopt.load_case(model), tmp_path)


#: Names YAML 1.1 or 1.2 readers take for something else than text.
TRICKY = ["12E4", "1e5", "010", "0o17", "0x1F", "1:30", "1_000", "no", "on", "yes", "off", "y", "null", "~",
          "true", "False", ".inf", "-.5", "2027-01-15", "=SUM(1)", "@x", "a: b", "# not a comment", "é"]
names = st.one_of(st.sampled_from(TRICKY), st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                                     min_size=1, max_size=6))
numbers = st.one_of(st.integers(0, 10**6), st.floats(1e-3, 1e6), st.sampled_from([0.0, 1e-5, 0.1, 1 / 3, 123456.789, 1e11]))

#: Hours per unit: inside the range the checks accept (1e-6 .. 1e6).
coefficients = st.one_of(st.integers(1, 100), st.floats(0.01, 100), st.sampled_from([1 / 3, 0.125, 2.5e-3]))


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    labels = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    product, site, dc, line = draw(st.lists(names, min_size=4, max_size=4, unique=True))
    demand = draw(st.lists(numbers, min_size=len(labels), max_size=len(labels)))
    return {
        "name": draw(names),
        "periods": {"labels": labels, "days": draw(numbers.filter(lambda x: x > 0))},
        "products": {product: {
            "price": draw(numbers), "production_cost": draw(numbers), "holding_cost": draw(numbers),
            "lost_sales": {"cost": draw(numbers)},
            "sites": {site: {"make": True}, dc: {"initial_inventory": draw(numbers)}},
        }},
        "sites": {site: {}, dc: {"kind": "dc"}},
        "resources": {line: {"site": site, "hours": draw(numbers), "usage": {product: draw(coefficients)}}},
        "lanes": {"truck": {"origin": site, "destination": dc, "cost": draw(numbers)}},
        "demand": {product: {dc: demand}},
        "solver": {"time_limit": 60},
    }


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_networks_with_tricky_names_and_numbers_round_trip(network):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.yaml"
        path.write_text(yaml.dump(network, Dumper=SafeDumper, allow_unicode=True), encoding="utf-8")
        case = sopopt.load_case(path)
        assert case.network.periods.labels == network["periods"]["labels"]
        assert_round_trips(case, Path(folder))


def test_show_quotes_text_that_yaml_would_misread(tmp_path):
    # Written quoted (unquoted, YAML 1.2 reads 12E4 as a number, as any YAML 1.2 tool would).
    text = (ROOT / "tests" / "data" / "tiny.yaml").read_text().replace("plant", "'12E4'")
    (tmp_path / "m.yaml").write_text(text)
    shown = show_yaml(sopopt.load_case(tmp_path / "m.yaml"))
    assert "site: '12E4'" in shown
    assert round_trip(sopopt.load_case(tmp_path / "m.yaml"), tmp_path).network.resources["line"].site == "12E4"
