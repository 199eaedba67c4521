"""Hedged (two-stage) plans: hand-solved optima, EVPI and VSS, folders, CLI, a property.

The hand-solved case: one product, two periods, production 10 per unit (at most 100 a
period), holding 1 per unit and period, lost sales 30 per unit. Case A demands 50 and
50, case B 50 and 150. Committing production ``x`` in period 1 (50 <= x <= 100):

- A costs ``10x + (x - 50) + 10(100 - x) = 950 + x`` (it needs 100 in total);
- B costs ``10x + (x - 50) + 10 * 100 + 30(100 - x) = 3950 - 19x`` (it loses 100 - x).

With weights (wA, wB) the expected cost has slope ``wA - 19 wB``: equal weights commit
x = 100 (expected 0.5 * 1050 + 0.5 * 2050 = 1550); weights (0.96, 0.04) commit x = 50
(expected 0.96 * 1000 + 0.04 * 3000 = 1080). On their own A costs 1000 and B 2050
(B makes 100 in each period, holding 50), so EVPI is 1550 - 1525 = 25 and
1080 - 1042 = 38. The expected-value case demands 50 and 100 (or 54): its plan makes 50
in period 1, which costs 0.5 * 1000 + 0.5 * 3000 = 2000 (VSS 450) with equal weights
and exactly the hedged 1080 (VSS 0) with the unequal ones.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sopopt
from sopopt.analysis.hedge import committed_keys, hedge, mean_data, read_hedge, solve_stacked, write_hedge
from sopopt.cli import app
from sopopt.errors import ScenarioError
from sopopt.inputs.case import load_case
from sopopt.inputs.compile import ModelData
from sopopt.model.build_arrays import build_lp
from sopopt.model.lp import LinearProgram
from sopopt.model.transforms.fix import fix_keys
from sopopt.solver.session import HighsSession

DATA = Path(__file__).parent / "data"
runner = CliRunner()

CASE = """\
name: {name}
periods: {{labels: ["1", "2"]}}
products:
  widget:
    production_cost: 10
    holding_cost: 1
    max_production: 100
    {lost}
    sites:
      plant: {{make: true}}
sites:
  plant: {{}}
demand:
  widget: {{plant: [50, {demand}]}}
"""


def _write(root: Path, name: str, demand: float, lost: bool = True) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(CASE.format(name=name, demand=demand, lost="lost_sales: {cost: 30}" if lost else ""),
                    encoding="utf-8")
    return path


@pytest.fixture
def two_cases(tmp_path: Path) -> list[Path]:
    """Case A (demand 50, 50) and case B (50, 150) of the module docstring."""
    return [_write(tmp_path, "a", 50), _write(tmp_path, "b", 150)]


def _committed(result: sopopt.HedgedPlan) -> float:
    frame = result.commitment
    return float(frame.loc[frame["decision"] == "production", "value"].sum())


def test_equal_weights_by_hand(two_cases: list[Path]) -> None:
    result = sopopt.hedge(two_cases)
    assert result.status.value == "optimal"
    assert _committed(result) == pytest.approx(100, abs=1e-6)
    assert result.expected_cost == pytest.approx(1550, abs=1e-6)
    assert [p.objective for p in result.plans] == pytest.approx([1050, 2050], abs=1e-6)
    assert result.own_costs == pytest.approx([1000, 2050], abs=1e-6)
    assert result.evpi == pytest.approx(25, abs=1e-6)
    assert result.expected_value_cost == pytest.approx(2000, abs=1e-6)
    assert result.vss == pytest.approx(450, abs=1e-6)
    # Each case's plan holds the commitment and its own recourse.
    production = [p.table("production").set_index("period")["value"] for p in result.plans]
    assert production[0]["1"] == production[1]["1"] == pytest.approx(100)
    assert production[0]["2"] == pytest.approx(0, abs=1e-6)
    assert production[1]["2"] == pytest.approx(100)


def test_unequal_weights_by_hand(two_cases: list[Path]) -> None:
    result = hedge(two_cases, weights=[96, 4])  # normalised to 0.96, 0.04
    assert result.weights == pytest.approx([0.96, 0.04])
    assert _committed(result) == pytest.approx(50, abs=1e-6)
    assert result.expected_cost == pytest.approx(1080, abs=1e-6)
    assert result.plans[1].kpis["lost_units"] == pytest.approx(50, abs=1e-6)
    assert result.evpi == pytest.approx(38, abs=1e-6)
    assert result.vss == pytest.approx(0, abs=1e-6)


def test_no_commitment_is_perfect_information(two_cases: list[Path]) -> None:
    result = hedge(two_cases, commit=0)
    assert result.commitment.empty
    assert result.expected_cost == pytest.approx(1525, abs=1e-6)
    assert result.evpi == pytest.approx(0, abs=1e-6)


def test_expected_value_commitment_infeasible_gives_infinite_vss(tmp_path: Path) -> None:
    # Without lost sales B must make 100 in period 1; the average case makes only 50.
    cases = [_write(tmp_path, "low", 50, lost=False), _write(tmp_path, "high", 150, lost=False)]
    result = hedge(cases)
    assert result.expected_cost == pytest.approx(1550, abs=1e-6)
    assert math.isinf(result.vss) and result.vss_infeasible_case == "high"
    out = tmp_path / "out"
    write_hedge(result, out)
    again = read_hedge(out)
    assert math.isinf(again.vss) and again.vss_infeasible_case == "high"
    assert json.loads((out / "hedge.json").read_text())["vss"] == "inf"


def test_an_infeasible_case_is_named_and_exits_3(tmp_path: Path) -> None:
    # Without lost sales, 250 units in period 2 exceed what 100 a period can make.
    cases = [_write(tmp_path, "low", 50, lost=False), _write(tmp_path, "impossible", 250, lost=False)]
    result = runner.invoke(app, ["hedge", *map(str, cases)])
    assert result.exit_code == 3
    assert "impossible has no feasible plan even on its own" in " ".join(result.output.split())


def test_mean_data_is_the_weighted_mean(two_cases: list[Path]) -> None:
    datas = [load_case(p).data for p in two_cases]
    mean = mean_data(datas, [0.25, 0.75])
    assert mean.items["widget", "plant"].demand.tolist() == [50, 125]
    assert mean.items["widget", "plant"].production_cost.tolist() == [10, 10]


def test_cases_must_share_sets_and_levers(tmp_path: Path) -> None:
    a = _write(tmp_path, "a", 50)
    b = _write(tmp_path, "b", 150, lost=False)
    with pytest.raises(ScenarioError, match="lost_sales"):
        hedge([a, b])
    result = runner.invoke(app, ["hedge", str(a), str(b)])
    assert result.exit_code == 2
    assert "lost_sales: a has True, b has False" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("weights", "message"), [("1,2,3", "one weight per case"), ("-1,2", "non-negative"),
                                                  ("0,0", "above 0"), ("a,b", "numbers separated")])
def test_bad_weights_exit_2(two_cases: list[Path], weights: str, message: str) -> None:
    result = runner.invoke(app, ["hedge", *map(str, two_cases), "--weights", weights])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_writes_folders_and_report(two_cases: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "hedged"
    result = runner.invoke(app, ["hedge", *map(str, two_cases), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "EVPI" in result.output and "25.00" in result.output and "450.00" in result.output
    meta = json.loads((out / "hedge.json").read_text())
    assert meta["expected_cost"] == pytest.approx(1550) and meta["evpi"] == pytest.approx(25)
    assert meta["vss"] == pytest.approx(450) and meta["commit"] == 1 and meta["weights"] == [0.5, 0.5]
    assert [c["cost"] for c in meta["cases"]] == pytest.approx([1050, 2050])
    assert meta["versions"]["sopopt"] == sopopt.__version__
    commitment = pd.read_csv(out / "commitment.csv", dtype={"period": str})
    assert list(commitment.columns) == ["decision", "product", "site", "period", "value"]
    assert commitment.to_dict("records") == [
        {"decision": "production", "product": "widget", "site": "plant", "period": "1", "value": 100.0}]
    assert json.loads((out / "b" / "run.json").read_text())["objective"] == pytest.approx(2050)
    compared = runner.invoke(app, ["compare", str(out)])
    assert compared.exit_code == 0, compared.output
    assert "2,050" in compared.output and "1,050" in compared.output
    html = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(out), "--out", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "Hedged plan" in text and "perfect information (EVPI): 25.00 USD" in text
    assert "(VSS): 450.00 USD" in text


#: Plan decisions the hedge commits, by result table.
COMMITTED_TABLES = {
    "production": ["product", "site"],
    "subcontracting": ["product", "site"],
    "purchases": ["supplier", "site"],
    "shipments": ["lane", "product"],
    "resource_overtime": ["resource"],
    "labour_overtime": ["workforce"],
    "hires": ["workforce"],
    "layoffs": ["workforce"],
}


def _three_cases(root: Path) -> list[Path]:
    """The report demo business with subcontracting, in three demand cases."""
    shutil.copy(DATA / "report_base.yaml", root / "model.yaml")
    (root / "base.yaml").write_text(
        "model: model.yaml\nname: base\n"
        "products: {gadget: {subcontract: {cost: 25, capacity: 15}}}\n", encoding="utf-8")
    (root / "surge.yaml").write_text(
        "extend: base.yaml\nname: surge\nadjust:\n  - {target: demand, multiply: 1.4}\n", encoding="utf-8")
    (root / "low.yaml").write_text(
        "extend: base.yaml\nname: low\nadjust:\n  - {target: demand, multiply: 0.6}\n", encoding="utf-8")
    return [root / "base.yaml", root / "surge.yaml", root / "low.yaml"]


def test_committed_decisions_equal_in_every_case_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["hedge", *map(str, _three_cases(tmp_path)),
                                 "--commit", "2", "--weights", "0.5,0.3,0.2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    folders = [out / "base", out / "surge", out / "low"]
    committed = ["2027-01", "2027-02"]
    differs_later = False
    for table, index in COMMITTED_TABLES.items():
        frames = [pd.read_csv(f / f"{table}.csv", dtype={"period": str}) for f in folders]
        assert not frames[0].empty, table
        keyed = [f.set_index([*index, "period"])["value"].sort_index() for f in frames]
        early = [k[k.index.get_level_values("period").isin(committed)] for k in keyed]
        for other in early[1:]:
            pd.testing.assert_series_equal(early[0], other, atol=1e-7, rtol=0)
        later = [k[~k.index.get_level_values("period").isin(committed)] for k in keyed]
        differs_later |= not np.allclose(later[0].to_numpy(), later[1].to_numpy(), atol=1e-6)
    assert differs_later  # the recourse does differ: the test is not vacuous
    # The commitment file holds exactly the committed values.
    commitment = pd.read_csv(out / "commitment.csv", dtype=str, keep_default_na=False)
    assert set(commitment["period"]) == set(committed)
    production = pd.read_csv(folders[0] / "production.csv", dtype={"period": str})
    expected = production[production["period"].isin(committed)]["value"].sum()
    assert commitment[commitment["decision"] == "production"]["value"].astype(float).sum() == pytest.approx(expected)


def test_firm_headcount_commits_hires_over_the_horizon(tmp_path: Path) -> None:
    base, _, low = _three_cases(tmp_path)
    result = hedge([base, low], commit=1, firm_headcount=True)
    for table in ("hires", "layoffs", "headcount"):
        a, b = (p.table(table).set_index(["workforce", "period"])["value"] for p in result.plans)
        pd.testing.assert_series_equal(a, b, atol=1e-7, rtol=0)
    assert set(result.commitment.loc[result.commitment["decision"] == "hires", "period"]) == set(result.labels)


# --- property: hedging never does worse than committing to one case's own plan ------


def _commit_to(own_lp: LinearProgram, lps: list[LinearProgram], weights: list[float]) -> float | None:
    """Expected cost of committing to one case's own plan in every case (None: infeasible)."""
    own = HighsSession(own_lp).run()
    values = {k: own.values[k[0]][k[1]] for k in committed_keys(own_lp, 1, False)}
    total = 0.0
    for lp, weight in zip(lps, weights, strict=True):
        try:
            solution = HighsSession(fix_keys(lp, values)).run()
        except sopopt.InfeasibleError:
            return None
        if not solution.status.has_plan:
            return None
        total += weight * solution.objective
    return total


@pytest.fixture(scope="module")
def base_data(tmp_path_factory: pytest.TempPathFactory) -> ModelData:
    root = tmp_path_factory.mktemp("prop")
    return load_case(_write(root, "base", 50)).data


def _variant(data: ModelData, demand: list[int], capacity: int) -> LinearProgram:
    item = dataclasses.replace(data.items["widget", "plant"], demand=np.array(demand, dtype=float),
                               max_production=np.full(len(demand), float(capacity)))
    return build_lp(dataclasses.replace(data, items={("widget", "plant"): item}))


@settings(max_examples=15)
@given(
    st.lists(st.tuples(st.lists(st.integers(0, 150), min_size=2, max_size=2), st.integers(60, 120)),
             min_size=2, max_size=3),
    st.lists(st.integers(1, 5), min_size=3, max_size=3),
)
def test_hedge_never_worse_than_any_single_case_commitment(base_data: ModelData, shapes: list, raw: list[int]) -> None:
    """The hedged LP (as :func:`sopopt.hedge` solves it) against every single-case commitment."""
    lps = [_variant(base_data, demand, cap) for demand, cap in shapes]
    weights = [w / sum(raw[: len(lps)]) for w in raw[: len(lps)]]
    _, solution = solve_stacked(lps, weights, committed_keys(lps[0], 1, False))
    assert solution.status.has_plan and solution.objective is not None
    for own_lp in lps:
        committed = _commit_to(own_lp, lps, weights)
        if committed is not None:
            assert solution.objective <= committed + 1e-6
    alone = HighsSession(lps[0]).run().objective
    _, same = solve_stacked([lps[0]] * len(lps), weights, committed_keys(lps[0], 1, False))
    assert same.objective == pytest.approx(alone, abs=1e-6)
