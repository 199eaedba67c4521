"""Every failure is one line naming the file, with a documented exit code: 2 for input
that is invalid, 5 for an output that could not be written. Never a traceback.

The process runs as root in CI, where permissions do not stop a write, so a read-only
folder and a full disk are simulated where the write happens.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sopopt.cli import app
from sopopt.io import writer as loading
from tests.conftest import TINY_MODEL

runner = CliRunner()


@pytest.fixture
def tiny(workspace) -> Path:
    return workspace({"tiny.yaml": TINY_MODEL}) / "tiny.yaml"


def _one_line_error(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    # Warnings about the input (the tiny model's undated periods) are not errors.
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.output


def _read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(loading.tempfile, "mkstemp", refuse)


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(tmp: str, path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(loading, "_publish", full)


def test_solve_out_that_is_a_file(tiny: Path) -> None:
    (tiny.parent / "taken").write_text("keep me")
    result = runner.invoke(app, ["solve", str(tiny), "--out", "taken"])
    _one_line_error(result, 5, "cannot write 'taken': it is a file, not a folder")
    assert (tiny.parent / "taken").read_text() == "keep me"


def test_solve_out_in_a_read_only_folder(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a result folder is written as a new folder beside --out, then swapped in
    def refuse(folder: Path, kind: str) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(loading, "_sibling", refuse)
    result = runner.invoke(app, ["solve", str(tiny), "--out", "results"])
    _one_line_error(result, 5, "cannot write 'results", "permission denied")


def test_solve_out_on_a_full_disk_leaves_nothing_half_written(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(app, ["solve", str(tiny), "--out", "results"])
    before = sorted(p.name for p in (tiny.parent / "results").iterdir())

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    result = runner.invoke(app, ["solve", str(tiny), "--out", "results"])
    _one_line_error(result, 5, "cannot write 'results", "no space left on the device (disk full)")
    # the previous result is whole, and no half-written folder is left beside it
    assert sorted(p.name for p in (tiny.parent / "results").iterdir()) == before
    assert [p.name for p in tiny.parent.iterdir() if p.name.startswith(".")] == [".results.lock"]


def test_schema_out_that_is_a_folder(tiny: Path) -> None:
    (tiny.parent / "docs").mkdir()
    result = runner.invoke(app, ["schema", "--out", "docs"])
    _one_line_error(result, 5, "cannot write 'docs': it is a folder, not a file")
    assert list((tiny.parent / "docs").iterdir()) == []
    assert [p.name for p in tiny.parent.iterdir() if p.name.startswith(".")] == []


def test_report_out_read_only(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _read_only(monkeypatch)
    result = runner.invoke(app, ["report", str(tiny), "--out", "report.html"])
    _one_line_error(result, 5, "cannot write 'report.html': permission denied")


def test_compare_out_that_is_a_file(tiny: Path) -> None:
    (tiny.parent / "cmp").write_text("x")
    result = runner.invoke(app, ["compare", str(tiny), str(tiny), "--out", "cmp"])
    _one_line_error(result, 5, "cannot write 'cmp': it is a file, not a folder")


def test_generate_out_that_is_a_file(tiny: Path) -> None:
    (tiny.parent / "gen").write_text("x")
    result = runner.invoke(app, ["generate", "--out", "gen", "--products", "2", "--sites", "3", "--periods", "2"])
    _one_line_error(result, 5, "cannot write 'gen': it is a file, not a folder")


def test_an_empty_file_is_named(workspace) -> None:
    root = workspace({"empty.yaml": "", "comments.yaml": "# nothing yet\n"})
    for name in ("empty.yaml", "comments.yaml"):
        result = runner.invoke(app, ["validate", str(root / name)])
        assert result.exit_code == 2
        assert f"{name}:1: the file is empty" in result.stderr


def test_an_empty_table_is_named(workspace) -> None:
    model = TINY_MODEL[: TINY_MODEL.index("demand:")] + "demand: {file: demand.csv}\n"
    root = workspace({"m.yaml": model, "demand.csv": ""})
    result = runner.invoke(app, ["validate", str(root / "m.yaml")])
    assert result.exit_code == 2
    assert "the table 'demand.csv' is empty" in result.stderr


def test_an_xlsx_that_is_not_a_workbook_is_named(workspace) -> None:
    model = TINY_MODEL[: TINY_MODEL.index("demand:")] + "demand: {file: demand.xlsx}\n"
    root = workspace({"m.yaml": model, "demand.xlsx": "product,site\nsecret,line\n"})
    result = runner.invoke(app, ["validate", str(root / "m.yaml")])
    assert result.exit_code == 2
    assert "m.yaml:17:10: demand.file: 'demand.xlsx' is not a readable Excel workbook (.xlsx)" in result.stderr
    assert "secret" not in result.output


def test_exit_codes_are_documented() -> None:
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    assert "`5` an output could not be written" in readme
    import sopopt.cli

    assert "5 an output could not be written" in " ".join((sopopt.cli.__doc__ or "").split())


def test_output_error_leaves_a_previous_file_in_place(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tiny.parent / "schema.json"
    target.write_text("previous")
    _disk_full(monkeypatch)
    result = runner.invoke(app, ["schema", "--out", "schema.json"])
    _one_line_error(result, 5, "cannot write 'schema.json': no space left on the device (disk full)")
    assert target.read_text() == "previous"
    assert sorted(os.listdir(tiny.parent)) == ["schema.json", "tiny.yaml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing.yaml"], "error: Invalid value for 'scenario': file 'missing.yaml' does not exist."),
        (["solve", "tiny.yaml", "--threads", "many"], "error: Invalid value for '--threads':"),
        (["validate", "tiny.yaml", "--no-such-flag"], "error: No such option: --no-such-flag"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(tiny: Path, args: list[str], message: str) -> None:
    """A missing file or a bad flag used to print a framed panel over several lines."""
    result = runner.invoke(app, args)
    _one_line_error(result, 2, message, "--help')")


def test_no_arguments_still_show_the_help() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 0  # help asked for by giving nothing is not an error (issue 11)
    assert "Usage:" in result.output
    assert "solve" in result.output
    assert "error" not in result.stderr
