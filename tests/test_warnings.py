"""The warnings channel (issue 9): every listed warning is triggered here, with the file
and line it points at; ``--strict`` turns each into exit 2; the warnings travel through
run.json, read-back plans and the report; the shipped cases emit only true ones.

On the old code none of this existed: a product without demand, an outlier, a crew with no
hours... were all accepted without a word (there was no ``case.warnings``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.errors import WARNING_CODES, StrictError
from sopopt.report.html import render_html
from sopopt.results.folders import read_plan, write_outputs
from tests.conftest import TINY_MODEL

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

#: The tiny model with period lengths: no warning at all.
CLEAN = TINY_MODEL.replace('periods: {labels: ["1", "2", "3"]}', 'periods: {labels: ["1", "2", "3"], days: 7}')

#: code -> (change to CLEAN, expected file:line fragment, field).
CASES = {
    "no-demand": (
        lambda t: t.replace("sites:\n  plant: {}", "  gadget:\n    sites: {plant: {make: true}}\nsites:\n  plant: {}"),
        "m.yaml:10:3", "products.gadget"),
    "unreachable-demand": (
        lambda t: t.replace("      plant: {make: true}", "      plant: {make: true}\n      dc: {}").replace(
            "  plant: {}\n", "  plant: {}\n  dc: {}\n").replace("    plant: [50, 150, 100]\n",
                                                                "    plant: [50, 150, 100]\n    dc: [5, 5, 5]\n"),
        "m.yaml:22:5", "demand.widget.dc"),
    "zero-capacity": (lambda t: t.replace("hours: 100", "hours: [0, 0, 0]"), "m.yaml:15:5", "resources.line.hours"),
    "demand-outlier": (lambda t: t.replace("[50, 150, 100]", "[50, 150, 100000]"), "m.yaml:19:22",
                       "demand.widget.plant.2"),
    "undated-periods": (lambda t: t.replace(", days: 7", ""), "m.yaml:2:1", "periods"),
    "safety-stock-no-effect": (lambda t: t.replace("      plant: {make: true}", "      plant: {make: true, safety_stock: 10}"),
                               "m.yaml:9:27", "products.widget.sites.plant.safety_stock"),
    "shelf-life-lead-time": (
        lambda t: t.replace("    holding_cost: 1\n", "    holding_cost: 1\n    shelf_life: 0\n").replace(
            "      plant: {make: true}", "      plant: {make: true}\n      dc: {}").replace(
            "  plant: {}\n", "  plant: {}\n  dc: {}\n").replace(
            "demand:", "lanes:\n  truck: {origin: plant, destination: dc, lead_time: 1}\ndemand:"),
        "m.yaml:8:5", "products.widget.shelf_life"),
}

CREW = """\
workforce:
  crew:
    site: plant
    hours_per_worker: 160
    usage: {widget: 1}
"""
SUPPLIER = """\
materials:
  steel: {}
suppliers:
  mill: {material: steel, sites: [plant], capacity: 0}
"""


def write(root: Path, text: str) -> Path:
    path = root / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


def test_the_clean_tiny_model_has_no_warning(tmp_path):
    case = sopopt.load_case(write(tmp_path, CLEAN))
    assert case.warnings == []
    assert sopopt.solve(case).warnings == ()


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_input_warning_names_file_line_and_field(tmp_path, code):
    change, where, field = CASES[code]
    case = sopopt.load_case(write(tmp_path, change(CLEAN)))
    assert codes(case.warnings) == [code], case.warnings
    warning = case.warnings[0]
    assert warning.field == field
    assert where in str(warning)
    with pytest.raises(StrictError):
        sopopt.load_case(tmp_path / "m.yaml", strict=True)


@pytest.mark.parametrize("code", sorted(CASES))
def test_strict_turns_each_input_warning_into_exit_2(tmp_path, code):
    path = write(tmp_path, CASES[code][0](CLEAN))
    relaxed = runner.invoke(app, ["validate", str(path)])
    assert relaxed.exit_code == 0
    assert f"[{code}]" in relaxed.stderr and CASES[code][1] in relaxed.stderr
    strict = runner.invoke(app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 2 and f"[{code}]" in strict.stderr


def test_a_crew_without_headcount_and_a_supplier_without_capacity(tmp_path):
    text = CLEAN.replace("demand:", CREW + SUPPLIER + "demand:").replace(
        "    holding_cost: 1\n", "    holding_cost: 1\n    materials: {steel: 1}\n")
    warnings = sopopt.load_case(write(tmp_path, text)).warnings
    assert [(w.code, w.field) for w in warnings] == [
        ("zero-capacity", "workforce.crew"), ("zero-capacity", "suppliers.mill.capacity")]
    assert warnings[0].location.line == 19 and warnings[1].location.line == 26


def test_zero_hours_with_overtime_capacity_is_not_zero_capacity(tmp_path):
    text = CLEAN.replace("hours: 100", "hours: 0\n    overtime: {cost: 5, capacity: 200}")
    assert sopopt.load_case(write(tmp_path, text)).warnings == []


def test_outlier_in_a_table_points_at_its_row(tmp_path):
    text = CLEAN.replace("demand:\n  widget:\n    plant: [50, 150, 100]\n", "demand: {file: d.csv}\n")
    (tmp_path / "d.csv").write_text("product,site,1,2,3\nwidget,plant,50,150,100000\n")
    [warning] = sopopt.load_case(write(tmp_path, text)).warnings
    assert warning.code == "demand-outlier" and "d.csv:2" in str(warning) and "667x" in warning.message


def test_demand_reached_through_a_lane_is_not_unreachable(tmp_path):
    change = CASES["unreachable-demand"][0]
    text = change(CLEAN) + "lanes:\n  truck: {origin: plant, destination: dc}\n"
    assert sopopt.load_case(write(tmp_path, text)).warnings == []


RUN_DOWN = CLEAN.replace("    holding_cost: 1\n", "    holding_cost: 1\n    initial_inventory: 100\n")


def test_end_of_horizon_run_down_after_the_solve(tmp_path):
    case = sopopt.load_case(write(tmp_path, RUN_DOWN))
    assert case.warnings == []
    plan = sopopt.solve(case)
    [warning] = plan.warnings
    assert warning.code == "run-down" and warning.field == "products.widget.sites.plant"
    assert "m.yaml:8:5" in str(warning) and "of the opening stock 100" in warning.message
    with pytest.raises(StrictError):
        sopopt.solve(case, strict=True)
    # An ending stock target says the run-down is not wanted... and prevents it.
    kept = sopopt.solve(write(tmp_path, RUN_DOWN.replace("initial_inventory: 100", "initial_inventory: 100\n"
                                                                                   "    ending_inventory: 50")))
    assert kept.warnings == ()


def test_warnings_are_printed_after_the_summary_and_kept_in_run_json(tmp_path):
    path = write(tmp_path, RUN_DOWN.replace(", days: 7", ""))
    result = runner.invoke(app, ["solve", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 2 and "[undated-periods]" in lines[0] and "[run-down]" in lines[1]
    assert result.output.index("Total cost") < result.output.index("warning:")
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert [w["code"] for w in run["warnings"]] == ["undated-periods", "run-down"]
    assert run["warnings"][1]["line"] == 8 and run["warnings"][1]["file"].endswith("m.yaml")
    again = read_plan(tmp_path / "out")
    assert codes(again.warnings) == ["undated-periods", "run-down"]
    assert str(again.warnings[1]) == lines[1].removeprefix("warning: ").strip()
    assert "[run-down]" in render_html([again])
    strict = runner.invoke(app, ["solve", "--strict", str(path), "--out", str(tmp_path / "strict")])
    assert strict.exit_code == 2 and not (tmp_path / "strict").exists()


def test_every_command_that_loads_a_case_takes_strict(tmp_path):
    path = str(write(tmp_path, CASES["undated-periods"][0](CLEAN)))
    commands = [["solve", path], ["validate", path], ["show", path], ["diff", path, path], ["compare", path],
                ["report", path, "--out", str(tmp_path / "r.html")], ["hedge", path, path]]
    # explain runs on a case without a plan (line hours 10: demand cannot be met).
    short = tmp_path / "short"
    short.mkdir()
    commands.append(["explain", str(write(short, CASES["undated-periods"][0](CLEAN).replace("hours: 100", "hours: 10")))])
    for command in commands:
        assert runner.invoke(app, command).exit_code == 0, command
        result = runner.invoke(app, [command[0], "--strict", *command[1:]])
        assert result.exit_code == 2, (command, result.output)
        assert "undated-periods" in result.stderr


def test_strict_on_compare_also_covers_result_folders(tmp_path):
    plan = sopopt.solve(write(tmp_path, RUN_DOWN))
    write_outputs(plan, tmp_path / "out")
    assert runner.invoke(app, ["compare", str(tmp_path / "out")]).exit_code == 0
    assert runner.invoke(app, ["compare", "--strict", str(tmp_path / "out")]).exit_code == 2


#: The true warnings of the shipped cases, by file (everything else must be clean).
SHIPPED_TRUE = {
    "models/textbook/powerco.yaml": ["undated-periods"],  # one period 'peak' of unknown length
    "models/textbook/red_tomato.yaml": ["undated-periods"],  # months Jan..Jun, no days given
    "models/textbook/sailco.yaml": ["undated-periods", "run-down"],  # quarters; the book sells the 10 boats off
}


def test_shipped_cases_emit_only_true_warnings():
    shipped = sorted([*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("models/**/*.yaml")])
    assert shipped
    for path in shipped:
        plan = sopopt.solve(path)
        assert codes(plan.warnings) == SHIPPED_TRUE.get(str(path.relative_to(ROOT)), []), path


def test_every_code_is_documented():
    reference = (ROOT / "docs" / "format.md").read_text()
    for code in WARNING_CODES:
        assert f"`{code}`" in reference
    tested = set(CASES) | {"run-down", "zero-capacity"}
    assert tested == set(WARNING_CODES)
