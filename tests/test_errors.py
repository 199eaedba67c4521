"""Bad input: every rule gives a ScenarioError naming the file, the line and the field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sopopt.errors import ScenarioError
from sopopt.inputs.case import load_case
from tests.conftest import TINY_MODEL


def problems_of(path: Path) -> list[str]:
    """The problem lines of the error raised when loading ``path``."""
    with pytest.raises(ScenarioError) as info:
        load_case(path)
    return [str(p) for p in info.value.problems]


def one(path: Path, *fragments: str) -> str:
    """The single problem containing every fragment (file:line, field, message)."""
    found = [p for p in problems_of(path) if all(f in p for f in fragments)]
    assert found, f"no problem with {fragments} in {problems_of(path)}"
    return found[0]


def model(root: Path) -> Path:
    return root / "models/m.yaml"


def test_yaml_syntax_error_names_file_and_line(workspace):
    root = workspace({"models/m.yaml": "name: x\nperiods: [1, 2\nproducts: {}\n"})
    message = one(model(root), "m.yaml:3", "YAML syntax error")
    assert "m.yaml:3:" in message


def test_duplicate_key_is_an_error_not_last_one_wins(workspace):
    text = TINY_MODEL.replace("    holding_cost: 1\n", "    holding_cost: 1\n    holding_cost: 2\n")
    root = workspace({"models/m.yaml": text})
    one(model(root), "m.yaml:8:5", "products.widget.holding_cost", "key given twice", "first given on line 7")


def test_unknown_field_suggests_the_right_one(workspace):
    root = workspace({"models/m.yaml": TINY_MODEL.replace("holding_cost", "holdng_cost")})
    one(model(root), "m.yaml:7:5", "products.widget.holdng_cost", "unknown field", "did you mean 'holding_cost'?")


def test_wrong_type_names_the_field(workspace):
    root = workspace({"models/m.yaml": TINY_MODEL.replace("hours: 100", 'hours: "100"')})
    one(model(root), "m.yaml:15:5", "resources.line.hours", "write the number without quotes")


def test_yaml_boolean_words_where_a_name_is_meant(workspace):
    # YAML 1.2: a site named no or on is a name, not a boolean.
    text = TINY_MODEL.replace("plant", "no").replace("sites:\n  no: {}\n", "sites:\n  no: {}\n  on: {}\n")
    case = load_case(model(workspace({"models/m.yaml": text})))
    assert set(case.network.sites) == {"no", "on"}
    assert case.network.resources["line"].site == "no"


def test_yaml_true_as_a_key_is_an_error(workspace):
    text = TINY_MODEL.replace("  plant: {}\n", "  plant: {}\n  true: {}\n")
    one(model(workspace({"models/m.yaml": text})), "m.yaml:12:3", "sites.true", "put the name in quotes")


@pytest.mark.parametrize(
    ("old", "new", "where", "field", "message"),
    [
        ("site: plant", "site: plnt", "m.yaml:14:5", "resources.line.site", "unknown site 'plnt'"),
        ("usage: {widget: 1}", "usage: {widgit: 1}", "m.yaml:16:13", "resources.line.usage.widgit",
         "unknown product 'widgit'; did you mean"),
        ("  widget:\n    plant: [50", "  widgit:\n    plant: [50", "m.yaml:18:3", "demand.widgit",
         "unknown product 'widgit' (did you mean 'widget'?)"),
        ("    plant: [50, 150, 100]", "    plant: {'1': 50, '2': 150, '4': 1}", "m.yaml:19:5",
         "demand.widget.plant", "unknown period '4'"),
        ("    plant: [50, 150, 100]", "    plant: {'1': 50, '2': 150}", "m.yaml:19:5",
         "demand.widget.plant", "no value for period(s) 3"),
        ("    plant: [50, 150, 100]", "    plant: [50, 150]", "m.yaml:19:5",
         "demand.widget.plant", "list has 2 values but the horizon has 3 periods"),
    ],
)
def test_references_that_do_not_exist(workspace, old, new, where, field, message):
    root = workspace({"models/m.yaml": TINY_MODEL.replace(old, new)})
    text = one(model(root), where, field)
    assert message.split(";")[0] in text, text


def test_unknown_supplier_material_and_adjust_scope(workspace):
    text = TINY_MODEL + """\
materials:
  steel: {}
suppliers:
  acme:
    material: stel
    sites: [plant]
"""
    root = workspace({
        "models/m.yaml": text,
        "scenarios/s.yaml": """\
            model: ../models/m.yaml
            adjust:
              - {target: supplier_capacity, supplier: acmee, multiply: 0.5}
              - {target: resource_hours, resource: lin, multiply: 0.5}
            """,
    })
    found = problems_of(root / "scenarios/s.yaml")
    assert any("s.yaml:3:" in p and "adjust.0.supplier" in p and "unknown supplier 'acmee'" in p
               and "did you mean 'acme'" in p for p in found), found
    assert any("s.yaml:4:" in p and "adjust.1.resource" in p and "unknown resource 'lin'" in p for p in found), found


def test_unknown_material_reference(workspace):
    text = TINY_MODEL + "materials:\n  steel: {}\nsuppliers:\n  acme:\n    material: stel\n    sites: [plant]\n"
    root = workspace({"models/m.yaml": text})
    one(model(root), "m.yaml:24:5", "suppliers.acme.material", "unknown material 'stel'", "did you mean 'steel'?")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("production_cost: 10", "production_cost: -10", "products.widget.production_cost", "greater than or equal to 0"),
        ("production_cost: 10", "production_cost: .nan", "products.widget.production_cost", "finite number"),
        ("production_cost: 10", "production_cost: .inf", "products.widget.production_cost", "finite number"),
        ("production_cost: 10", "production_cost: 1.0e13", "products.widget.production_cost", "less than or equal to 1000000000000"),
        ("hours: 100", "hours: [100, -1, 100]", "resources.line.hours.1", "greater than or equal to 0"),
    ],
)
def test_bad_numbers_are_named(workspace, old, new, field, message):
    root = workspace({"models/m.yaml": TINY_MODEL.replace(old, new)})
    one(model(root), "m.yaml:", field, message)


def test_coefficient_too_small_for_the_solver(workspace):
    root = workspace({"models/m.yaml": TINY_MODEL.replace("usage: {widget: 1}", "usage: {widget: 1.0e-9}")})
    one(model(root), "m.yaml:16:", "resources.line.usage.widget", "too small for the solver")


def test_lower_bound_above_upper_bound(workspace):
    text = TINY_MODEL.replace("      plant: {make: true}", "      plant: {make: true, min_inventory: 10, max_inventory: 5}")
    root = workspace({"models/m.yaml": text})
    one(model(root), "m.yaml:9:", "products.widget.sites.plant.min_inventory", "min_inventory above max_inventory")


def test_every_problem_is_listed_not_just_the_first(workspace):
    text = TINY_MODEL.replace("site: plant", "site: plnt").replace("widget:\n    plant:", "widgit:\n    plant:")
    root = workspace({"models/m.yaml": text})
    found = problems_of(model(root))
    assert len(found) >= 2
    assert any("resources.line.site" in p for p in found)
    assert any("demand.widgit" in p for p in found)


def test_missing_data_file(workspace):
    text = TINY_MODEL.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: nothere.csv}\n")
    root = workspace({"models/m.yaml": text})
    one(model(root), "m.yaml:17:", "demand.file", "not found")


def test_data_path_escaping_the_workspace_is_refused(workspace, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "demand.csv"
    outside.write_text("product,site,1,2,3\nwidget,plant,1,2,3\n")
    text = TINY_MODEL.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: ../../outside0/demand.csv}\n")
    root = workspace({"models/m.yaml": text})
    # a symlink inside the workspace that points outside is refused too
    os.symlink(outside, root / "models/link.csv")
    found = problems_of(model(root))
    assert any("outside the workspace" in p and "demand.file" in p for p in found), found
    (root / "models/m.yaml").write_text(text.replace("../../outside0/demand.csv", "link.csv"))
    one(model(root), "m.yaml:17:", "demand.file", "outside the workspace")


def test_bad_table_cells_and_duplicated_rows(workspace):
    text = TINY_MODEL.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: d.csv}\n")
    root = workspace({
        "models/m.yaml": text,
        "models/d.csv": "product,site,period,quantity\nwidget,plant,1,50\nwidget,plant,2,abc\nwidget,plant,1,60\n",
    })
    found = problems_of(model(root))
    assert any("d.csv:3" in p and "demand.widget.plant.2" in p and "'abc' is not a finite number" in p for p in found)
    assert any("d.csv:4" in p and "duplicated row" in p and "first given on line 2" in p for p in found), found


def test_extend_cycle(workspace):
    root = workspace({
        "models/tiny.yaml": TINY_MODEL,
        "scenarios/a.yaml": "model: ../models/tiny.yaml\nextend: b.yaml\n",
        "scenarios/b.yaml": "extend: a.yaml\n",
    })
    one(root / "scenarios/a.yaml", "b.yaml:1:1", "extend", "extend cycle")


def test_unsafe_yaml_tags_never_run_code(workspace, tmp_path):
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n" + TINY_MODEL.split("\n", 1)[1]
    root = workspace({"models/m.yaml": text})
    with pytest.raises(ScenarioError):
        load_case(model(root))
    assert not marker.exists()


def test_lost_sale_cost_at_end_needs_lost_sales(workspace):
    text = TINY_MODEL.replace("    holding_cost: 1\n", "    holding_cost: 1\n    backlog: {cost: 1, at_end: lost_sale_cost}\n")
    root = workspace({"models/m.yaml": text})
    one(model(root), "m.yaml:8:", "products.widget.backlog.at_end", "needs lost_sales")
