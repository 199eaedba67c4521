"""The Excel workbook: read it back and compare with the plans; text never becomes a
formula; the file is replaced atomically."""

from __future__ import annotations

import errno
import math
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import sopopt
from sopopt.errors import OutputError
from sopopt.report.compare import compare_plans, plan_names
from sopopt.report.excel import GRID_MEASURES, write_workbook
from sopopt.results.plan import Plan

DATA = Path(__file__).parent / "data"

#: Names that a spreadsheet would run as formulas if they were stored as formulas.
EVIL_PRODUCT = "=cmd|' /C calc'!A0"
EVIL_SITE = "+1+cmd|' /C calc'!A1"
EVIL_FAMILY = "@SUM(1+1)*cmd|' /C calc'!A0"

EVIL_MODEL = f"""\
name: "=HYPERLINK(\\"http://example.com\\", \\"click\\")"
currency: EUR
periods: {{labels: ["=1+1", "-2"]}}
products:
  "{EVIL_PRODUCT}":
    family: "{EVIL_FAMILY}"
    production_cost: 10
    holding_cost: 1
    lost_sales: {{cost: 100}}
    sites:
      "{EVIL_SITE}": {{make: true}}
sites:
  "{EVIL_SITE}": {{}}
resources:
  "-line":
    site: "{EVIL_SITE}"
    hours: 100
    usage: {{"{EVIL_PRODUCT}": 1}}
demand:
  "{EVIL_PRODUCT}":
    "{EVIL_SITE}": [50, 150]
"""


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    return [sopopt.solve(DATA / "report_base.yaml"), sopopt.solve(DATA / "report_surge.yaml")]


@pytest.fixture(scope="module")
def workbook(plans: list[Plan], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workbook(plans, tmp_path_factory.mktemp("xlsx") / "plans.xlsx")


def _sheet(path: Path, name: str) -> pd.DataFrame:
    """A sheet as a DataFrame, with the unit stripped from each header."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    header = [re.sub(r" \(.*\)$", "", str(h)) for h in rows[0]]
    # A read-only sheet drops a row's trailing empty cells: pad them back.
    frame = pd.DataFrame([list(r) + [None] * (len(header) - len(r)) for r in rows[1:]], columns=header)
    if "period" in frame:  # monthly periods are stored as dates: back to their labels
        frame["period"] = frame["period"].map(lambda v: v.strftime("%Y-%m") if hasattr(v, "strftime") else v)
    return frame


def test_sheets_headers_and_layout(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    for name in (
        "Read me",
        "Comparison",
        "Cost bridge",
        "Differences",
        "Costs",
        "KPIs",
        "Plan",
        "Service",
        "Utilization",
        "Shadow prices",
        "Production",
        "Inventory",
        "Purchases",
        "Headcount",
    ):
        assert name in book.sheetnames, name
    plan = book["Plan"]
    headers = [c.value for c in plan[1]]
    assert headers[:5] == ["scenario", "product", "site", "period (month)", "family"]
    assert plan["D2"].is_date and plan["D2"].value.day == 1
    assert plan["D2"].number_format == "mmm yyyy"
    assert "production (units)" in headers
    assert "inventory (units)" in headers
    assert plan.freeze_panes == "F2"
    assert plan.column_dimensions["B"].width >= len("product")
    assert plan["A1"].font.bold
    assert book["Shadow prices"]["A1"].value == "scenario"
    assert "shadow_price (EUR per unit)" in [c.value for c in book["Shadow prices"][1]]
    assert book["Costs"].freeze_panes == "C2"
    for ws in book.worksheets:
        assert ws.freeze_panes is not None, ws.title


def test_plan_sheet_equals_the_plan_tables(workbook: Path, plans: list[Plan]) -> None:
    sheet = _sheet(workbook, "Plan")
    for plan, name in zip(plans, plan_names(plans), strict=True):
        rows = sheet[sheet["scenario"] == name].drop(columns="scenario").reset_index(drop=True)
        expected = plan.tables["plan"]
        assert list(rows.columns) == list(expected.columns)
        rows["max_inventory"] = rows["max_inventory"].astype(float)  # empty cells: no maximum
        pd.testing.assert_frame_equal(rows, expected, check_dtype=False)


@pytest.mark.parametrize(
    ("sheet", "table"),
    [
        ("Production", "production"),
        ("Purchases", "purchases"),
        ("Headcount", "headcount"),
        ("Labour overtime", "labour_overtime"),
    ],
)
def test_decision_sheets_equal_the_plan_tables(workbook: Path, plans: list[Plan], sheet: str, table: str) -> None:
    frame = _sheet(workbook, sheet)
    for plan, name in zip(plans, plan_names(plans), strict=True):
        rows = frame[frame["scenario"] == name].drop(columns="scenario").reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, plan.tables[table], check_dtype=False)


def test_summary_sheets_equal_the_plans(workbook: Path, plans: list[Plan]) -> None:
    names = plan_names(plans)
    costs = _sheet(workbook, "Costs").set_index("category")
    kpis = _sheet(workbook, "KPIs").set_index("key")
    for plan, name in zip(plans, names, strict=True):
        for category, value in plan.costs.items():
            assert costs.at[category, name] == pytest.approx(value)
        assert costs.at["total", name] == pytest.approx(plan.objective)
        for kpi, value in plan.kpis.items():
            assert kpis.at[kpi, name] == pytest.approx(value), kpi
        for attr, sheet in (("utilization", "Utilization"), ("service", "Service")):
            frame = _sheet(workbook, sheet)
            rows = frame[frame["scenario"] == name].drop(columns="scenario").reset_index(drop=True)
            pd.testing.assert_frame_equal(rows, getattr(plan, attr), check_dtype=False, obj=sheet)
        # Shadow prices: the binding limits only, dearest first.
        frame = _sheet(workbook, "Shadow prices")
        rows = frame[frame["scenario"] == name].drop(columns="scenario").reset_index(drop=True)
        for column in ("range_up", "range_down"):  # Excel has no infinity: "inf" as text
            rows[column] = rows[column].replace({"inf": math.inf, "-inf": -math.inf}).astype(float)
        rows["range_note"] = rows["range_note"].fillna("")  # an empty text is an empty cell
        binding = plan.shadow_prices[plan.shadow_prices["binding"]]
        expected = binding.sort_values("shadow_price", ascending=False, kind="stable").reset_index(drop=True)
        assert 0 < len(expected) < len(plan.shadow_prices)
        pd.testing.assert_frame_equal(rows, expected, check_dtype=False, obj="Shadow prices")


def test_comparison_and_bridge_sheets(workbook: Path, plans: list[Plan]) -> None:
    expected = compare_plans(plans)
    frame = _sheet(workbook, "Comparison").dropna(subset=["key"]).set_index("key")
    for column in expected.columns.drop(["group", "metric", "unit", "better"]):
        for key, value in expected[column].items():
            if key == "status":
                assert frame.at[key, column] == value or value is None
            elif value is None or (isinstance(value, float) and math.isnan(value)):
                assert pd.isna(frame.at[key, column])
            else:
                assert frame.at[key, column] == pytest.approx(value), (key, column)
    bridge = _sheet(workbook, "Cost bridge")
    assert bridge["amount"].iloc[0] == pytest.approx(plans[0].objective)
    assert bridge["running total"].iloc[-1] == pytest.approx(plans[1].objective)
    changes = bridge[bridge["kind"] == "change"]["amount"].sum()
    assert plans[0].objective + changes == pytest.approx(plans[1].objective)


def test_text_that_looks_like_a_formula_stays_text(workspace, tmp_path: Path) -> None:
    root = workspace({"evil.yaml": EVIL_MODEL})
    plan = sopopt.solve(root / "evil.yaml")
    assert plan.is_optimal
    path = write_workbook([plan], tmp_path / "evil.xlsx")
    book = openpyxl.load_workbook(path)
    found = {EVIL_PRODUCT: 0, EVIL_SITE: 0, EVIL_FAMILY: 0, "-line": 0, "=1+1": 0}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value in found:
                    assert cell.data_type == "s"
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    found[cell.value] += 1
    assert all(found.values()), found
    plan_sheet = book["Plan"]
    assert plan_sheet["B2"].value == EVIL_PRODUCT
    assert plan_sheet["B2"].data_type == "s"
    assert plan_sheet["C2"].value == EVIL_SITE
    # No formula element anywhere in the file itself.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
                assert b"<f " not in archive.read(name)


def test_failed_write_keeps_the_old_file(plans: list[Plan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plans.xlsx"
    path.write_bytes(b"old workbook")

    save = openpyxl.Workbook.save

    def broken(self: openpyxl.Workbook, filename: str) -> None:
        save(self, filename)
        with Path(filename).open("r+b") as handle:  # the disk fills up half way
            handle.truncate(100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OutputError, match=r"plans\.xlsx': no space left on the device \(disk full\)"):
        write_workbook(plans, path)
    assert path.read_bytes() == b"old workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["plans.xlsx"]


def test_grid_sheet_reads_back_to_the_long_plan_table(workbook: Path, plans: list[Plan]) -> None:
    book = openpyxl.load_workbook(workbook)
    for plan, name in zip(plans, plan_names(plans), strict=True):
        ws = book[f"Grid {name}"[:31]]
        header = [c.value for c in ws[1]]
        assert header[:3] == ["product", "site", "measure (units)"]
        dates = header[3:]
        assert [d.strftime("%Y-%m") for d in dates] == plan.labels  # real dates, first of the month
        assert all(d.day == 1 for d in dates)
        labels = dict(GRID_MEASURES)
        by_label = {v: k for k, v in labels.items()}
        table = plan.tables["plan"].set_index(["product", "site", "period"])
        # The long Plan sheet of the same workbook: both went through one serializer
        # (openpyxl writes 16 significant digits; Excel itself keeps 15).
        long = _sheet(workbook, "Plan")
        long = long[long["scenario"] == name].set_index(["product", "site", "period"])
        seen = 0
        for row in ws.iter_rows(min_row=2):
            product, site, measure = (c.value for c in row[:3])
            column = by_label[measure]
            for cell, label in zip(row[3:], plan.labels, strict=True):
                assert cell.number_format == "#,##0"
                assert cell.value == long.at[(product, site, label), column]  # exactly the long table's number
                assert cell.value == pytest.approx(table.at[(product, site, label), column], rel=1e-15, abs=1e-12)
                seen += 1
        nonzero = [c for c, _ in GRID_MEASURES if c in table and table[c].abs().sum() > 0]
        assert seen == len(table) * len(nonzero)


def test_whole_unit_formats_and_labelled_kpis(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    production = book["Production"]
    value_column = [c.value for c in production[1]].index("value (units)")
    assert production.cell(row=2, column=value_column + 1).number_format == "#,##0"
    kpis = book["KPIs"]
    labels = {row[-1].value: (row[0].value, row[1].value) for row in kpis.iter_rows(min_row=2)}
    assert labels["fill_rate"] == ("Fill rate (demand delivered on time)", "%")
    assert labels["overtime_hours"] == ("Overtime", "hours")
    assert labels["total_cost"][1] == "EUR"
