"""Capacity options in sweeps, adjustments and hedging (issue 32), solved by hand.

line.yaml (tests/test_options.py): with the option 700, without 1,720. line_low.yaml:
demand 50, the option is not needed (100 without, 600 with).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import sopopt
from sopopt.analysis.sweep_cases import load_sweep

DATA = Path(__file__).parent / "data" / "options"


def test_sweep_axis_forces_an_option_out_and_in(tmp_path: Path) -> None:
    shutil.copy(DATA / "line_costly.yaml", tmp_path)
    shutil.copy(DATA / "line.yaml", tmp_path)
    spec = {"base": "line_costly.yaml",
            "grid": {"second_line": {"target": "option", "option": "second_line", "set": [0, 1]}}}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    sweep = load_sweep(tmp_path / "sweep.yaml")
    costs = [sopopt.solve(sweep.load(case)).objective for case in sweep.cases]
    assert costs == pytest.approx([1720.0, 2400.0])


def test_option_adjustment_needs_set_0_or_1(tmp_path: Path) -> None:
    shutil.copy(DATA / "line.yaml", tmp_path)
    scenario = {"model": "line.yaml", "adjust": [{"target": "option", "option": "second_line", "set": 0.5}]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(scenario))
    with pytest.raises(sopopt.ScenarioError, match=r"adjust\.0.*'set: 1' \(in\) or 'set: 0' \(out\)"):
        sopopt.load_case(tmp_path / "bad.yaml")


def test_hedge_commits_an_option_decided_in_the_committed_period() -> None:
    # Committed in P1 (taken in both cases): 0.5 x 700 + 0.5 x 600 = 650. Waiting would
    # decide it in P2 in the high case only: 0.5 x (60 + 800 + 100 + 400) + 0.5 x 100 = 730.
    result = sopopt.hedge([DATA / "line.yaml", DATA / "line_low.yaml"], commit=1)
    assert result.expected_cost == pytest.approx(650.0, abs=1e-6)
    assert result.own_costs == pytest.approx([700.0, 100.0])
    committed = result.commitment[result.commitment["decision"] == "option_decisions"]
    assert committed[["option", "period", "value"]].values.tolist() == [["second_line", "P1", pytest.approx(1.0)]]
    for plan in result.plans:
        decided = plan.table("option_decisions").set_index("period")["value"]
        assert decided["P1"] == pytest.approx(1.0)
