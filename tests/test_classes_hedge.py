"""A hedge of demand cases allocated by priority (issue 28): the hedged plan keeps the
classes' order in every case.

tests/data/classes/hedge_a.yaml and hedge_b.yaml (weights 1/2 each, one period, all of it
committed): the plant makes at most 60 (1 each), subcontracting brings up to 50 more (100
each); key (priority 1, lost sale 10) wants 80 in A and 40 in B, retail (priority 2, lost
sale 15) 60 in both. Supply S = 60 + subcontracted units is common to both cases.

- Stage 1 maximises the expected key units 0.5 min(80, S) + 0.5 min(40, S): 60 at S >= 80.
- Stage 2 maximises the expected retail units 0.5 min(60, S - 80) + 0.5 min(60, S - 40):
  at S = 110 (the most there is) 0.5 x 30 + 0.5 x 60 = 45.
- Cost: A 60 + 5,000 + 30 retail lost x 15 = 5,510; B 60 + 5,000 = 5,060 (10 left over):
  expected 5,285. Alone, A costs 5,510 and B 4,060 (40 subcontracted): EVPI 500. The
  expected-value case (key 60, retail 60) also makes 110: VSS 0.
- Allocated by cost instead, nothing is subcontracted (100 > any lost sale) and retail,
  the dearer lost sale, is served first: key gets nothing in either case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sopopt.analysis.hedge import hedge
from sopopt.results.plan import Plan

DATA = Path(__file__).parent / "data" / "classes"
CLOSE = {"abs": 1e-5}  # each stage keeps its total less 1e-9 relative


def _delivered(plan: Plan) -> dict[str, float]:
    table = plan.table("allocation")
    return dict(zip(table["class"], table["delivered"], strict=True))


def test_hedged_plan_serves_the_classes_by_priority_in_every_case() -> None:
    result = hedge([DATA / "hedge_a.yaml", DATA / "hedge_b.yaml"])
    commitment = result.commitment.set_index("decision")["value"]
    assert commitment["production"] == pytest.approx(60.0, **CLOSE)
    assert commitment["subcontracting"] == pytest.approx(50.0, **CLOSE)
    assert result.info["stage_0_priority_1_units"] == pytest.approx(60.0, **CLOSE)
    assert result.info["stage_1_priority_2_units"] == pytest.approx(45.0, **CLOSE)
    a, b = (_delivered(plan) for plan in result.plans)
    assert (a["key"], a["retail"]) == (pytest.approx(80.0, **CLOSE), pytest.approx(30.0, **CLOSE))
    assert (b["key"], b["retail"]) == (pytest.approx(40.0, **CLOSE), pytest.approx(60.0, **CLOSE))
    assert result.expected_cost == pytest.approx(5285.0, **CLOSE)
    assert result.own_costs == [pytest.approx(5510.0, **CLOSE), pytest.approx(4060.0, **CLOSE)]
    assert result.evpi == pytest.approx(500.0, **CLOSE) and result.vss == pytest.approx(0.0, **CLOSE)


def test_the_same_hedge_allocated_by_cost_serves_retail_first() -> None:
    result = hedge([DATA / "hedge_a_cost.yaml", DATA / "hedge_b_cost.yaml"])
    assert result.commitment.set_index("decision")["value"]["subcontracting"] == pytest.approx(0.0, **CLOSE)
    assert [_delivered(plan) for plan in result.plans] == [{"key": 0.0, "retail": 60.0}] * 2
    assert result.expected_cost == pytest.approx(0.5 * (60 + 800) + 0.5 * (60 + 400), **CLOSE)
