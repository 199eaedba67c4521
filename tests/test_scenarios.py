"""Scenario composition: extend, deep merge, adjustments, tables, show/diff/schema."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import sopopt
from sopopt.inputs.case import load_case
from sopopt.inputs.views import diff_cases, json_schema, show_yaml
from tests.conftest import TINY_MODEL


def _demand(case: sopopt.Case) -> np.ndarray:
    assert case.data is not None
    return case.data.items["widget", "plant"].demand


def test_scenario_runs_on_model_and_merges_fields(workspace):
    root = workspace({
        "models/tiny.yaml": TINY_MODEL,
        "scenarios/base.yaml": """\
            model: ../models/tiny.yaml
            name: base
            resources:
              line:
                hours: {default: 100, "2": 120}
            """,
    })
    case = load_case(root / "scenarios/base.yaml")
    assert case.network.name == "base"
    assert case.data is not None
    np.testing.assert_array_equal(case.data.resources["line"].hours, [100, 120, 100])
    # Deep merge keeps the sibling fields of the model.
    assert case.network.resources["line"].usage == {"widget": 1}
    assert case.network.resources["line"].site == "plant"


def test_precedence_model_then_parent_then_child_then_adjustments(workspace):
    root = workspace({
        "models/tiny.yaml": TINY_MODEL,
        "scenarios/base.yaml": """\
            model: ../models/tiny.yaml
            demand: {widget: {plant: [10, 20, 30]}}
            products: {widget: {holding_cost: 2}}
            adjust:
              - {target: demand, periods: "1", add: 5}
            """,
        "scenarios/child.yaml": """\
            extend: base.yaml
            products: {widget: {holding_cost: 3}}
            adjust:
              - {target: demand, multiply: 2}
            """,
    })
    case = load_case(root / "scenarios/child.yaml")
    # child wins over parent over model
    assert case.network.products["widget"].holding_cost == 3
    # parent's adjustment first (+5 in period 1), then the child's (x2 everywhere)
    np.testing.assert_array_equal(_demand(case), [30, 40, 60])
    # changes are recorded with the file that made them
    paths = {".".join(c.path): c for c in case.changes}
    assert paths["products.widget.holding_cost"].new == 3
    assert paths["products.widget.holding_cost"].location.file.endswith("child.yaml")


TWO_FAMILIES = """\
periods: {labels: ["1", "2", "3"]}
products:
  widget: {family: tools, production_cost: 10, sites: {plant: {make: true}}}
  gadget: {family: toys, production_cost: 5, sites: {plant: {make: true}}}
sites: {plant: {}}
resources:
  line: {site: plant, hours: 100, usage: {widget: 1}}
demand:
  widget: {plant: [50, 150, 100]}
  gadget: {plant: [10, 10, 10]}
"""


def test_adjustment_scopes_family_and_period_range(workspace):
    root = workspace({
        "models/m.yaml": TWO_FAMILIES,
        "scenarios/s.yaml": """\
            model: ../models/m.yaml
            adjust:
              - {target: demand, family: tools, periods: "2..3", multiply: 1.2}
              - {target: resource_hours, resource: line, periods: ["1"], set: 0}
            """,
    })
    case = load_case(root / "scenarios/s.yaml")
    assert case.data is not None
    np.testing.assert_allclose(case.data.items["widget", "plant"].demand, [50, 180, 120])
    np.testing.assert_allclose(case.data.items["gadget", "plant"].demand, [10, 10, 10])
    np.testing.assert_allclose(case.data.resources["line"].hours, [0, 100, 100])


def test_product_cost_adjustment_by_site_materialises_site_value(workspace):
    model = TINY_MODEL.replace("      plant: {make: true}\n", "      plant: {make: true}\n      dc: {}\n")
    model = model.replace("sites:\n  plant: {}\n", "sites:\n  plant: {}\n  dc: {}\n")
    root = workspace({
        "models/m.yaml": model,
        "scenarios/s.yaml": """\
            model: ../models/m.yaml
            adjust:
              - {target: holding_cost, site: dc, multiply: 3}
            """,
    })
    case = load_case(root / "scenarios/s.yaml")
    assert case.data is not None
    np.testing.assert_allclose(case.data.items["widget", "dc"].holding_cost, [3, 3, 3])
    np.testing.assert_allclose(case.data.items["widget", "plant"].holding_cost, [1, 1, 1])


@pytest.mark.parametrize("layout", ["long", "wide", "wide_excel"])
def test_demand_tables_long_and_wide(workspace, layout):
    model = TINY_MODEL.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: demand.csv}\n")
    files = {"models/m.yaml": model}
    if layout == "long":
        files["models/demand.csv"] = "product,site,period,quantity\nwidget,plant,1,50\nwidget,plant,2,150\nwidget,plant,3,100\n"
    else:
        files["models/demand.csv"] = "product,site,1,2,3\nwidget,plant,50,150,100\n"
    root = workspace(files)
    if layout == "wide_excel":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Demand"
        sheet.append(["product", "site", "1", "2", "3"])
        sheet.append(["widget", "plant", 50, 150, 100])
        book.save(root / "models/demand.xlsx")
        text = model.replace("demand: {file: demand.csv}", "demand: {file: demand.xlsx, sheet: Demand}")
        (root / "models/m.yaml").write_text(text)
    case = load_case(root / "models/m.yaml")
    np.testing.assert_array_equal(_demand(case), [50, 150, 100])


def test_csv_with_bom_decimal_commas_and_blank_trailing_rows(workspace):
    model = TINY_MODEL.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: demand.csv}\n")
    root = workspace({"models/m.yaml": model})
    (root / "models/demand.csv").write_bytes(
        "\ufeffproduct;site;1;2;3\nwidget;plant;50,5;150;100\n;;;;\n\n".encode()
    )
    case = load_case(root / "models/m.yaml")
    np.testing.assert_array_equal(_demand(case), [50.5, 150, 100])


def test_show_prints_resolved_yaml_that_loads_to_the_same_case(workspace):
    root = workspace({
        "models/tiny.yaml": TINY_MODEL,
        "scenarios/s.yaml": """\
            model: ../models/tiny.yaml
            adjust:
              - {target: demand, periods: "2", multiply: 2}
            """,
    })
    case = load_case(root / "scenarios/s.yaml")
    text = show_yaml(case)
    assert "demand.widget.plant: [50, 150, 100] -> " in text
    resolved = yaml.safe_load(text)
    assert resolved["demand"]["widget"]["plant"] == {"1": 50, "2": 300, "3": 100}
    (root / "scenarios/resolved.yaml").write_text(text)
    again = load_case(root / "scenarios/resolved.yaml")
    np.testing.assert_array_equal(_demand(again), _demand(case))
    assert diff_cases(case, again) == [] or {d.path for d in diff_cases(case, again)} <= {"name"}


def test_diff_lists_every_changed_input_by_period(workspace):
    root = workspace({
        "models/tiny.yaml": TINY_MODEL,
        "scenarios/a.yaml": "model: ../models/tiny.yaml\n",
        "scenarios/b.yaml": """\
            extend: a.yaml
            resources: {line: {hours: [100, 100, 80]}}
            products: {widget: {holding_cost: 1.5}}
            """,
    })
    a, b = load_case(root / "scenarios/a.yaml"), load_case(root / "scenarios/b.yaml")
    found = {(d.path, d.period): (d.a, d.b) for d in diff_cases(a, b)}
    assert found == {
        ("name", ""): ("a", "b"),
        ("resources.line.hours", "3"): (100, 80),
        ("products.widget.holding_cost", "1"): (1, 1.5),
        ("products.widget.holding_cost", "2"): (1, 1.5),
        ("products.widget.holding_cost", "3"): (1, 1.5),
    }


def test_schema_describes_every_field_and_scenario_keys():
    schema = json_schema()
    json.dumps(schema)
    props = schema["properties"]
    for key in ("periods", "products", "sites", "resources", "workforce", "suppliers", "lanes",
                "demand", "model", "extend", "adjust", "solver"):
        assert key in props
    assert "required" not in schema
    product = schema["$defs"]["Product"]
    assert product["additionalProperties"] is False
    assert "closing stock" in product["properties"]["holding_cost"]["description"]


def test_format_reference_is_current():
    from pathlib import Path

    from sopopt.inputs.schema.reference import format_reference

    docs = Path(__file__).parents[1] / "docs" / "format.md"
    assert docs.read_text() == format_reference(), "run: python -m sopopt.inputs.schema.reference > docs/format.md"


@pytest.mark.parametrize("layout", ["column", "row"])
def test_capacity_series_from_a_table(workspace, layout):
    if layout == "column":
        ref, table = "{file: capacity.csv, column: line}", "period,line,other\n1,100,5\n2,80,5\n3,100,5\n"
    else:
        ref, table = "{file: capacity.csv, row: line}", "name,1,2,3\nother,5,5,5\nline,100,80,100\n"
    root = workspace({"models/m.yaml": TINY_MODEL.replace("hours: 100", f"hours: {ref}"),
                      "models/capacity.csv": table})
    case = load_case(root / "models/m.yaml")
    assert case.data is not None
    np.testing.assert_array_equal(case.data.resources["line"].hours, [100, 80, 100])


def test_series_table_errors_name_the_cell(workspace):
    root = workspace({"models/m.yaml": TINY_MODEL.replace("hours: 100", "hours: {file: capacity.csv, column: line}"),
                      "models/capacity.csv": "period,line\n1,100\n2,-80\n3,x\n"})
    with pytest.raises(sopopt.ScenarioError) as info:
        load_case(root / "models/m.yaml")
    text = str(info.value)
    assert "capacity.csv:4: resources.line.hours.3: column 'line': 'x' is not a finite number" in text


def test_price_adjustment_changes_the_product_price(workspace):
    model = TINY_MODEL.replace("    holding_cost: 1\n", "    holding_cost: 1\n    price: 40\n")
    root = workspace({
        "models/m.yaml": model,
        "scenarios/s.yaml": "model: ../models/m.yaml\nadjust:\n  - {target: price, product: widget, periods: '2', multiply: 0.75}\n",
        "scenarios/bad.yaml": "model: ../models/m.yaml\nadjust:\n  - {target: price, site: plant, multiply: 0.75}\n",
    })
    case = load_case(root / "scenarios/s.yaml")
    assert case.data is not None
    np.testing.assert_allclose(case.data.items["widget", "plant"].price, [40, 30, 40])
    with pytest.raises(sopopt.ScenarioError, match="set per product, not per site"):
        load_case(root / "scenarios/bad.yaml")


def test_scenario_without_name_is_named_after_its_file(workspace):
    root = workspace({"models/tiny.yaml": TINY_MODEL, "scenarios/peak_q4.yaml": "model: ../models/tiny.yaml\n"})
    assert load_case(root / "scenarios/peak_q4.yaml").network.name == "peak_q4"
    assert load_case(root / "models/tiny.yaml").network.name == "tiny"
