"""YAML 1.2 core schema for every scalar, merge keys with overrides, and table number
formats (issue 9). Each test here failed on the YAML 1.1 loader or the old cell reader."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sopopt.errors import ScenarioError
from sopopt.inputs.case import load_case
from tests.conftest import TINY_MODEL


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_case(path)
    return [str(p) for p in info.value.problems]


def test_leading_zero_is_decimal_not_octal(workspace):
    # YAML 1.1 read 010 as 8.
    root = workspace({"m.yaml": TINY_MODEL.replace("hours: 100", "hours: 010")})
    assert load_case(root / "m.yaml").data.resources["line"].hours.tolist() == [10, 10, 10]


def test_explicit_octal_and_hex_still_work(workspace):
    root = workspace({"m.yaml": TINY_MODEL.replace("hours: 100", "hours: [0o10, 0x10, 1e2]")})
    assert load_case(root / "m.yaml").data.resources["line"].hours.tolist() == [8, 16, 100]


@pytest.mark.parametrize("written", ["1:30", "1_000", "2027-01-15"])
def test_yaml11_number_forms_are_text_and_an_error_where_a_number_is_meant(workspace, written):
    # YAML 1.1 read 1:30 as 90 (base 60) and 1_000 as 1000, silently.
    root = workspace({"m.yaml": TINY_MODEL.replace("hours: 100", f"hours: {written}")})
    found = problems_of(root / "m.yaml")
    assert any("m.yaml:15:5" in p and "resources.line.hours" in p and f"'{written}'" in p for p in found), found


def test_yes_no_on_off_are_text_so_make_no_is_an_error(workspace):
    root = workspace({"m.yaml": TINY_MODEL.replace("plant: {make: true}", "plant: {make: no}")})
    found = problems_of(root / "m.yaml")
    assert any("m.yaml:9:" in p and "products.widget.sites.plant.make" in p and "write true or false" in p
               for p in found), found


def test_merge_key_with_override(workspace):
    # PyYAML's flattening put the merged key first, so the override was "key given twice".
    doc = TINY_MODEL.replace("resources:\n  line:\n", "resources:\n  spare: &ot\n    site: plant\n    hours: 7\n"
                             "    usage: {widget: 2}\n  line:\n    <<: *ot\n    hours: 100\n")
    doc = doc.replace("    site: plant\n    hours: 100\n    usage: {widget: 1}\n", "")
    case = load_case(workspace({"m.yaml": doc}) / "m.yaml")
    line = case.data.resources["line"]
    assert line.hours.tolist() == [100, 100, 100]  # own key wins
    assert line.usage == {"widget": 2}  # merged from the anchor
    assert case.data.resources["spare"].hours.tolist() == [7, 7, 7]
    # Merged keys keep the location where they were written (in the anchor).
    assert case.where("resources", "line", "usage").line == 16
    assert case.where("resources", "line", "hours").line == 19


def test_merge_list_first_mapping_wins_and_own_keys_override(workspace):
    doc = TINY_MODEL.replace("    usage: {widget: 1}\n", "    usage: {widget: 1}\n"
                             "    overtime: {<<: [{cost: 5}, {cost: 9, capacity: 40}], capacity: 200}\n")
    case = load_case(workspace({"m.yaml": doc}) / "m.yaml")
    overtime = case.network.resources["line"].overtime
    assert (overtime.cost, overtime.capacity) == (5, 200)


def test_key_given_twice_is_still_an_error_beside_a_merge(workspace):
    doc = TINY_MODEL.replace("    usage: {widget: 1}\n", "    usage: {widget: 1}\n"
                             "    overtime: {<<: {cost: 5}, capacity: 1, capacity: 2}\n")
    found = problems_of(workspace({"m.yaml": doc}) / "m.yaml")
    assert any("m.yaml:17:" in p and "key given twice" in p for p in found), found


# ----------------------------------------------------------------- table number formats

DEMAND_MODEL = TINY_MODEL.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: d.csv%s}\n")
CSV = 'product,site,period,quantity\nwidget,plant,1,50\nwidget,plant,2,"4,150"\nwidget,plant,3,100\n'


def demand_of(root: Path) -> list[float]:
    return load_case(root / "m.yaml").data.items["widget", "plant"].demand.tolist()


def test_comma_with_three_digits_is_an_error_naming_file_line_and_column(workspace):
    # The old reader took "4,150" for 4.15.
    root = workspace({"m.yaml": DEMAND_MODEL % "", "d.csv": CSV})
    found = problems_of(root / "m.yaml")
    assert any("d.csv:3" in p and "column 'quantity'" in p and "'4,150'" in p and 'thousands: ","' in p
               for p in found), found


def test_declared_thousands_separator(workspace):
    root = workspace({"m.yaml": DEMAND_MODEL % ', thousands: ","', "d.csv": CSV})
    assert demand_of(root) == [50, 4150, 100]


def test_declared_decimal_comma(workspace):
    text = 'product;site;period;quantity\nwidget;plant;1;50\nwidget;plant;2;4,150\nwidget;plant;3;1.000,5\n'
    root = workspace({"m.yaml": DEMAND_MODEL % ', decimal: ",", thousands: "."', "d.csv": text})
    assert demand_of(root) == [50, 4.15, 1000.5]


def test_undeclared_decimal_comma_still_read_when_unambiguous(workspace):
    text = "product;site;period;quantity\nwidget;plant;1;50,5\nwidget;plant;2;4,1\nwidget;plant;3;1,2345\n"
    root = workspace({"m.yaml": DEMAND_MODEL % "", "d.csv": text})
    assert demand_of(root) == [50.5, 4.1, 1.2345]


@pytest.mark.parametrize(("declared", "cell", "message"), [
    (', thousands: ","', '"41,50"', "groups of three digits"),
    (', decimal: ","', "4.5", "neither the declared decimal mark"),
])
def test_cells_that_break_the_declared_format(workspace, declared, cell, message):
    root = workspace({"m.yaml": DEMAND_MODEL % declared, "d.csv": CSV.replace('"4,150"', cell)})
    found = problems_of(root / "m.yaml")
    assert any("d.csv:3" in p and message in p for p in found), found


def test_unknown_separator_is_an_error_at_the_reference(workspace):
    root = workspace({"m.yaml": DEMAND_MODEL % ', thousands: "_"', "d.csv": CSV})
    found = problems_of(root / "m.yaml")
    assert any("m.yaml:17" in p and "demand.thousands" in p for p in found), found


def test_series_reference_with_format(workspace):
    doc = TINY_MODEL.replace("hours: 100", 'hours: {file: h.csv, column: hours, thousands: ","}')
    root = workspace({"m.yaml": doc, "h.csv": 'period,hours\n1,"1,000"\n2,"2,000"\n3,300\n'})
    assert load_case(root / "m.yaml").data.resources["line"].hours.tolist() == [1000, 2000, 300]
    root = workspace({"m.yaml": doc.replace(', thousands: ","', "")})
    found = problems_of(root / "m.yaml")
    assert any("h.csv:2" in p and "column 'hours'" in p for p in found), found


def test_numeric_excel_cells_are_numbers_whatever_the_format(workspace, tmp_path):
    root = workspace({"m.yaml": DEMAND_MODEL % ', decimal: ","'})
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["product", "site", "period", "quantity"], ["widget", "plant", "1", 4150.5],
                ["widget", "plant", "2", "4,5"], ["widget", "plant", "3", 100]):
        sheet.append(row)
    book.save(tmp_path / "d.xlsx")
    (root / "m.yaml").write_text((root / "m.yaml").read_text().replace("d.csv", "d.xlsx"))
    assert demand_of(root) == [4150.5, 4.5, 100]


def test_json_schema_allows_table_references_with_a_number_format():
    from sopopt.inputs.views import json_schema

    schema = json_schema()
    table = schema["$defs"]["DemandTable"]
    assert table["properties"]["thousands"]["anyOf"][0]["enum"] == [",", ".", " ", "'"]
    assert {"$ref": "#/$defs/DemandTable"} in schema["properties"]["demand"]["anyOf"]
    assert {"$ref": "#/$defs/SeriesTable"} in schema["$defs"]["Resource"]["properties"]["hours"]["anyOf"]
    assert "decimal" in schema["$defs"]["SeriesTable"]["properties"]
