"""CSV outputs are formula-safe, as the Excel output is (issue 9): a name that starts like
a formula gets a leading ' in the CSV and reads back as written. The old writer kept
``=cmd|' /C calc'!A0`` raw in production.csv."""

from __future__ import annotations

import csv

import pytest

import sopopt
from sopopt.results.folders import read_plan, write_outputs

NAMES = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-2", "\tx"]

MODEL = """\
name: evil
periods: {labels: ["1", "2"], days: 7}
products:
%s
sites: {"=HYPERLINK(1)": {}}
demand:
%s
"""


@pytest.fixture
def plan_and_folder(workspace, tmp_path):
    products = "\n".join(f"  {name!r}: {{production_cost: 1, sites: {{'=HYPERLINK(1)': {{make: true}}}}}}"
                         for name in NAMES).replace("'\\t", '"\\t').replace("x'", 'x"')
    demand = "\n".join(f"  {name!r}: {{'=HYPERLINK(1)': 5}}" for name in NAMES).replace("'\\t", '"\\t').replace(
        "x'", 'x"')
    path = workspace({"m.yaml": MODEL % (products, demand)}) / "m.yaml"
    plan = sopopt.solve(path)
    out = tmp_path / "out"
    write_outputs(plan, out)
    return plan, out


def test_text_cells_that_start_like_a_formula_get_a_quote(plan_and_folder):
    plan, out = plan_and_folder
    with (out / "production.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["product"] for r in rows} == {f"'{n}" for n in NAMES}
    assert {r["site"] for r in rows} == {"'=HYPERLINK(1)"}
    # Numbers are untouched, negative ones included.
    assert all(not r["value"].startswith("'") for r in rows)
    assert set(plan.table("production")["product"]) == set(NAMES)


def test_quoted_names_read_back_as_written(plan_and_folder):
    _, out = plan_and_folder
    again = read_plan(out)
    assert set(again.table("production")["product"]) == set(NAMES)
    assert set(again.table("plan")["site"]) == {"=HYPERLINK(1)"}
