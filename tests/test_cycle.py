"""The monthly cycle (issue 30): plans of record with sign-off, forecast accuracy and
plan adherence by hand, and re-planning from a stored cycle."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.report.cycle import by_product, review_sentence
from sopopt.results.cycle import (
    accuracy,
    adherence,
    approved_version,
    load_version,
    plan_versions,
    record_plan,
    review_cycle,
)
from sopopt.results.folders import read_plan, write_outputs
from sopopt.results.store import Store, StoreError
from tests.conftest import DATA

runner = CliRunner()
EXACT = {"rel": 1e-9, "abs": 1e-12}

# Two products over three periods. Plan (forecast F, planned production X) and actuals
# (A, produced P):
#   a: F = 100, 100, 100  A = 80, 120, 100   X = 100, 100, 100  P = 90, 100, 110
#   b: F =  50,  50,  50  A =  0,  60,  40   X =   0,   0,   0  P =  0,   0,   0
PLAN = pd.DataFrame({
    "product": ["a"] * 3 + ["b"] * 3, "site": ["s"] * 6, "period": ["1", "2", "3"] * 2,
    "family": ["f"] * 6, "demand": [100, 100, 100, 50, 50, 50], "production": [100, 100, 100, 0, 0, 0],
})
ACTUALS = pd.DataFrame({
    "product": ["a"] * 3 + ["b"] * 3, "site": ["s"] * 6, "period": ["1", "2", "3"] * 2,
    "demand": [80, 120, 100, 0, 60, 40], "produced": [90, 100, 110, 0, 0, 0],
})


class _Plan:
    """What accuracy and adherence read of a plan: its plan table."""

    tables: ClassVar[dict[str, pd.DataFrame]] = {"plan": PLAN}


def test_forecast_accuracy_by_hand() -> None:
    table = accuracy(_Plan(), ACTUALS).set_index("name")  # type: ignore[arg-type]
    # a: |A-F| = 20, 20, 0 -> 40 / 300; bias (F-A) = 20 - 20 + 0 = 0; MAPE (20/80 + 20/120 + 0) / 3
    assert table.loc["a", "wape"] == pytest.approx(40 / 300, **EXACT)
    assert table.loc["a", "bias"] == pytest.approx(0.0, **EXACT)
    assert table.loc["a", "mape"] == pytest.approx((20 / 80 + 20 / 120) / 3, **EXACT)
    # b: |A-F| = 50, 10, 10 -> 70 / 100; bias (50 - 10 + 10) / 100; MAPE over A > 0 only: (10/60 + 10/40) / 2
    assert table.loc["b", "wape"] == pytest.approx(70 / 100, **EXACT)
    assert table.loc["b", "bias"] == pytest.approx(50 / 100, **EXACT)
    assert table.loc["b", "mape"] == pytest.approx((10 / 60 + 10 / 40) / 2, **EXACT)
    # total: 110 / 400, bias 50 / 400, MAPE over the 5 cells with A > 0
    assert table.loc["all", "wape"] == pytest.approx(110 / 400, **EXACT)
    assert table.loc["all", "bias"] == pytest.approx(50 / 400, **EXACT)
    assert table.loc["all", "mape"] == pytest.approx((20 / 80 + 20 / 120 + 0 + 10 / 60 + 10 / 40) / 5, **EXACT)
    assert table.loc["f", "wape"] == table.loc["all", "wape"]  # one family holds both


def test_adherence_by_hand() -> None:
    table = adherence(_Plan(), ACTUALS).set_index("name")  # type: ignore[arg-type]
    # a: |P-X| = 10, 0, 10 over 300 planned; b planned nothing: blank with a note
    assert table.loc["a", "adherence"] == pytest.approx(1 - 20 / 300, **EXACT)
    assert np.isnan(table.loc["b", "adherence"]) and table.loc["b", "note"] == "nothing was planned"
    assert table.loc["all", "adherence"] == pytest.approx(1 - 20 / 300, **EXACT)


def test_only_cells_in_both_count() -> None:
    actuals = ACTUALS[ACTUALS["period"] != "3"].assign(produced=np.nan)
    table = accuracy(_Plan(), actuals).set_index("name")  # type: ignore[arg-type]
    assert table.loc["all", "cells"] == 4
    assert table.loc["all", "wape"] == pytest.approx((20 + 20 + 50 + 10) / 260, **EXACT)
    assert adherence(_Plan(), actuals).set_index("name").loc["all", "cells"] == 0  # type: ignore[arg-type]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write_outputs(sopopt.solve(DATA / "tiny.yaml"), out)
    return out


def test_approving_a_second_version_supersedes_the_first_and_keeps_both(tmp_path: Path, folder: Path) -> None:
    with Store(tmp_path / "db.duckdb") as db:
        assert record_plan(db, folder, "2027-03", approve=True, by="ana") == 1
        assert record_plan(db, folder, "2027-03", by="bo", note="after the demand review") == 2
        assert approved_version(db, "2027-03") == 1
        runner_result = runner.invoke(app, ["store", "record", str(tmp_path / "db.duckdb"), str(folder),
                                            "--cycle", "2027-03", "--version", "2", "--by", "cy"])
    assert runner_result.exit_code == 0, runner_result.output
    with Store(tmp_path / "db.duckdb") as db:
        versions = plan_versions(db, "2027-03").set_index("version")
        events = db.frame("SELECT version, event, person FROM plan_events ORDER BY rowid")
    assert list(versions["status"]) == ["superseded", "approved"]
    assert versions.loc[2, "approved_by"] == "cy" and versions.loc[2, "note"] == "after the demand review"
    assert list(zip(events["version"], events["event"], strict=True)) == [
        (1, "recorded"), (1, "approved"), (2, "recorded"), (1, "superseded"), (2, "approved")]


def test_replan_from_a_stored_cycle_equals_replan_from_its_folder(tmp_path: Path, folder: Path) -> None:
    database = tmp_path / "db.duckdb"
    with Store(database) as db:
        record_plan(db, folder, "2027-03", approve=True, by="ana")
        assert load_version(db, "2027-03").objective == pytest.approx(read_plan(folder).objective, **EXACT)
    outs = []
    for previous in (str(folder), f"{database}:2027-03", f"{database}:2027-03:1"):
        out = tmp_path / f"replan{len(outs)}"
        result = runner.invoke(app, ["replan", previous, str(DATA / "tiny.yaml"), "--freeze", "1", "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(pd.read_csv(out / "changes.csv"))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    pd.testing.assert_frame_equal(outs[0], outs[2])


def test_accuracy_command_stores_and_writes(tmp_path: Path, folder: Path) -> None:
    database = tmp_path / "db.duckdb"
    plan = read_plan(folder)
    rows = plan.tables["plan"][["product", "site", "period", "demand", "production"]]
    actuals = rows.assign(demand=rows["demand"] * 1.1, produced=rows["production"]).drop(columns="production")
    actuals.to_csv(tmp_path / "actuals.csv", index=False)
    with Store(database) as db:
        record_plan(db, folder, "c1", approve=True)
    result = runner.invoke(app, ["store", "accuracy", str(database), "--cycle", "c1", "--actuals",
                                 str(tmp_path / "actuals.csv"), "--out", str(tmp_path / "acc")])
    assert result.exit_code == 0, result.output
    assert "production adherence 100.0%" in result.output
    written = pd.read_csv(tmp_path / "acc" / "accuracy.csv").set_index("name")
    assert written.loc["all", "bias"] == pytest.approx(1 / 1.1 - 1, rel=1e-9)  # F/A - 1 with A = 1.1 F
    with Store(database) as db:
        assert len(db.frame("SELECT * FROM accuracy WHERE cycle = 'c1'")) == len(written)


def test_no_approved_plan_is_one_line(tmp_path: Path, folder: Path) -> None:
    database = tmp_path / "db.duckdb"
    with Store(database) as db:
        record_plan(db, folder, "c1")
        with pytest.raises(StoreError, match="no approved plan"):
            load_version(db, "c1")
    result = runner.invoke(app, ["replan", f"{database}:c1", str(DATA / "tiny.yaml")])
    assert result.exit_code != 0 and "no approved plan" in result.output and "Traceback" not in result.output


def test_solve_with_a_label_records_a_draft(tmp_path: Path) -> None:
    database = tmp_path / "db.duckdb"
    result = runner.invoke(app, ["solve", str(DATA / "tiny.yaml"), "--store", str(database), "--label", "2027-04"])
    assert result.exit_code == 0, result.output
    with Store(database) as db:
        versions = plan_versions(db, "2027-04")
    assert list(versions["status"]) == ["draft"]
    assert versions["objective"].iloc[0] == pytest.approx(sopopt.solve(DATA / "tiny.yaml").objective, **EXACT)


def test_report_opens_with_the_last_cycle(tmp_path: Path, folder: Path) -> None:
    """The report's "last cycle" section: the approved plan of record against actuals.
    tiny.yaml plans widget at plant: forecast F = 50, 150, 100 and production X = 100 each
    period. Actuals A = 40, 150, 100 and produced P = 90, 100, 100: WAPE = 10/290 = 3.4%,
    bias = +10/290 = +3.4%, MAPE = (10/40)/3 = 8.3%, adherence = 1 - 10/300 = 96.7%."""
    database = tmp_path / "db.duckdb"
    with Store(database) as db:
        record_plan(db, folder, "2027-03", by="ana")
        record_plan(db, folder, "2027-03", approve=True, by="bo")
        review = review_cycle(db, "2027-03")
    assert (review.version, review.approved_by, review.computed_at) == (2, "bo", None)
    assert "no actuals stored yet" in review_sentence(review)
    actuals = pd.DataFrame({"product": ["widget"] * 3, "site": ["plant"] * 3, "period": ["1", "2", "3"],
                            "demand": [40, 150, 100], "produced": [90, 100, 100]})
    actuals.to_csv(tmp_path / "actuals.csv", index=False)
    result = runner.invoke(app, ["store", "accuracy", str(database), "--cycle", "2027-03", "--actuals",
                                 str(tmp_path / "actuals.csv")])
    assert result.exit_code == 0, result.output
    with Store(database, read_only=True) as db:
        review = review_cycle(db, "2027-03")
    row = by_product(review.accuracy, review.adherence).set_index("product").loc["widget"]
    assert (row["actual"], row["forecast"], row["planned"], row["produced"]) == (290, 300, 300, 290)
    assert row["wape"] == pytest.approx(10 / 290, **EXACT) and row["bias"] == pytest.approx(10 / 290, **EXACT)
    assert row["mape"] == pytest.approx(10 / 40 / 3, **EXACT)
    assert row["adherence"] == pytest.approx(1 - 10 / 300, **EXACT)
    result = runner.invoke(app, ["report", "--store", str(database), "--cycle", "2027-03", "--out",
                                 str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert ("Last cycle 2027-03: plan of record version 2 (tiny, 3,050.00 USD), approved by bo on "
            in words)
    assert "forecast WAPE 3.4%, bias +3.4%, MAPE 8.3% over 3 cells; production adherence 96.7%" in words
    page = (tmp_path / "r.html").read_text()
    section = page[page.index('id="last-cycle"'):]
    section = section[:section.index("</section>")]
    assert "<td class='text'>widget</td><td>290</td><td>300</td><td>3.4%</td><td>+3.4%</td><td>8.3%</td>" \
           "<td>300</td><td>290</td><td>96.7%</td>" in section
    assert page.index('id="last-cycle"') < page.index('id="decision"')


def test_report_cycle_needs_its_store_and_an_approved_plan(tmp_path: Path, folder: Path) -> None:
    database = tmp_path / "db.duckdb"
    with Store(database) as db:
        record_plan(db, folder, "c1")
    out = str(tmp_path / "r.html")
    alone = runner.invoke(app, ["report", str(folder), "--cycle", "c1", "--out", out])
    assert alone.exit_code == 2 and "--store DB and --cycle LABEL together" in alone.output
    draft = runner.invoke(app, ["report", "--store", str(database), "--cycle", "c1", "--out", out])
    assert draft.exit_code == 2 and "no approved plan" in draft.output and "Traceback" not in draft.output
    assert not Path(out).exists()
