"""What a person sees: a compare that fits the terminal, labelled summaries, --version,
help, generate's report, and a Plan that prints in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sopopt
from sopopt.cli import app
from sopopt.io.numbers import format_relative, format_value
from sopopt.report.compare import compare_plans, plan_names
from sopopt.results.plan import UnknownTableError
from sopopt.version import __version__

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "scenarios" / f"{name}.yaml" for name in ("base", "surge", "supplier_disruption", "promotion")]
runner = CliRunner()


@pytest.fixture(scope="module")
def shipped_plans() -> list[sopopt.Plan]:
    return [sopopt.solve(path) for path in SHIPPED]


def _numbers(plans: list[sopopt.Plan]) -> set[str]:
    """Every number of the comparison, as the table prints it (whole currency units)."""
    frame = compare_plans(plans)
    names = plan_names(plans)
    texts = set()
    for key, row in frame.iterrows():
        if key == "status":
            continue
        unit = str(row["unit"])
        for name in names:
            texts.add(format_value(row[name], unit, compact=True))
        for name in names[1:]:
            texts.add(format_value(row[f"{name} Δ"], unit, delta=True, compact=True))
            if unit != "%":
                texts.add(format_relative(row[f"{name} Δ%"]))
    return {t for t in texts if t and t not in ("-", "0", "0.0", "0.0 pts")}


@pytest.mark.parametrize("columns", [120, 80])
def test_compare_shows_the_four_shipped_scenarios_side_by_side_with_every_number(
        shipped_plans, columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # in-process (the width comes from COLUMNS as in a shell), from the repository
    run = runner.invoke(app, ["compare", *map(str, SHIPPED)], env={"COLUMNS": str(columns)})
    assert run.exit_code == 0, run.output
    for stream in (run.stdout, run.stderr):
        long = [line for line in stream.splitlines() if len(line) > columns]
        assert long == [], long[:3]
    missing = sorted(t for t in _numbers(shipped_plans) if t not in run.stdout)
    assert missing == []
    lines = run.stdout.splitlines()
    # the answer first: one sentence per scenario against the baseline, before any table
    assert lines[0].startswith("acme surge: earns 2,819,215 USD more profit than acme base")
    assert "acme promotion: earns 3,261 USD more profit" in " ".join(run.stdout.split())
    # all four plans in one table at 120 columns (the baseline once), in measure groups at 80
    heads = [i for i, line in enumerate(lines) if "4 plans side by side" in line]
    assert len(heads) == (1 if columns == 120 else 5)
    assert "page" not in run.stdout and "15,358,065.88" not in run.stdout  # whole currency units
    # better/worse told in plain text too; names never cut (no ellipsis, no word split)
    assert "✓" in run.stdout and "✗" in run.stdout and "…" not in run.stdout
    words = " ".join(run.stdout.split())
    for word in ("Subcontracting", "ohio_assembly", "mty_motor_line", "disruption", "(unit-periods)"
                 if columns == 80 else "unit-periods"):
        assert word in words


def test_summary_uses_the_comparison_labels_with_units(tiny_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(ROOT / "scenarios" / "base.yaml"), "-q"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Wages (regular labour)" in out and "regular_labour" not in out
    assert "Backlog (units late x periods)" in out and "unit-periods" in out
    assert "backlog_unit_periods" not in out
    assert "Fill rate (demand delivered on time)" in out
    assert "Cost breakdown (USD)" in out
    assert "dual simplex" in out and "iterations in" in out  # size, method and time of the solve


def test_version_and_bare_command() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"sopopt {__version__}"
    bare = runner.invoke(app, [])
    assert bare.exit_code == 0
    assert "Usage" in bare.stdout and "solve" in bare.stdout and "compare" in bare.stdout


def test_generate_names_every_file_the_size_and_the_lp(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--products", "4", "--sites", "3",
                                 "--periods", "6"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    written = [line.removeprefix("Wrote ") for line in lines if line.startswith("Wrote ")]
    assert sorted(Path(p).name for p in written) == sorted(p.name for p in tmp_path.iterdir() if p.name != ".sopopt")
    assert "4 products x 3 sites x 6 periods" in result.stdout
    case = sopopt.load_case(tmp_path / "model.yaml")
    lp = sopopt.analysis.planner.Planner().build(case)
    assert f"LP: {lp.num_row:,} rows x {lp.num_col:,} columns, {lp.nonzeros:,} nonzeros" in result.stdout


def test_a_plan_prints_in_one_short_line_and_names_its_tables(shipped_plans) -> None:
    plan = shipped_plans[0]
    text = repr(plan)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("<Plan 'acme base': optimal, objective 15,358,065.88 USD, 12 periods")
    assert f"LP {plan.info['rows']:,} x {plan.info['columns']:,}" in text
    long = sopopt.Plan(**{**{f: getattr(plan, f) for f in plan.__dataclass_fields__}, "name": "x" * 500})
    assert len(repr(long)) < 200
    with pytest.raises(KeyError) as caught:
        plan.table("prodution")
    assert isinstance(caught.value, UnknownTableError)
    assert "production" in str(caught.value) and "headcount" in str(caught.value)
    assert plan.table("production") is plan.tables["production"]


def test_any_command_stopped_by_a_signal_exits_128_plus_its_number(monkeypatch, capsys) -> None:
    import click

    from sopopt import cli
    from sopopt.errors import Interrupted

    def stopped_command() -> None:
        # what click does with a KeyboardInterrupt: "Aborted!" and exit 1
        try:
            try:
                raise Interrupted(15, "interior point, 3 iterations, 0.5 s into the solve")
            except KeyboardInterrupt as exc:
                raise click.Abort() from exc
        except click.Abort:
            raise SystemExit(1) from None

    monkeypatch.setattr(cli, "app", stopped_command)
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 143
    assert "interrupted by SIGTERM during interior point, 3 iterations" in capsys.readouterr().err
    monkeypatch.setattr(cli, "app", lambda: (_ for _ in ()).throw(SystemExit(3)))
    with pytest.raises(SystemExit) as other:
        cli.main()
    assert other.value.code == 3  # other exits pass through


def test_a_closed_pipe_ends_quietly_with_exit_0() -> None:
    # `sopopt schema | head -1`: the schema (about 100 kB) is more than a pipe holds
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen([sys.executable, "-m", "sopopt", "schema"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    assert run.stdout is not None and run.stderr is not None
    assert run.stdout.read(10) == b'{\n  "$defs'
    run.stdout.close()
    assert run.wait(timeout=60) == 0
    assert run.stderr.read() == b""


def test_a_table_wider_than_the_terminal_leaves_the_console_following_it() -> None:
    """``show`` widens the console for one wide table; after it the console follows the
    terminal's width again (it stayed pinned, so the next command in the same process
    printed at the old width)."""
    import io

    from rich.console import Console
    from rich.table import Table

    from sopopt.report.terminal import show

    environ: dict[str, str] = {}
    console = Console(file=io.StringIO(), _environ=environ)  # follows COLUMNS (none set at its start)
    environ["COLUMNS"] = "90"
    table = Table("name")
    table.add_row("x" * 150)  # one word: printed whole, wider than the 90 columns
    show(console, table)
    assert max(map(len, console.file.getvalue().splitlines())) > 150
    environ["COLUMNS"] = "130"
    assert console.width == 130
