"""In-place re-solves for new demand give the same plan as a fresh build."""

from __future__ import annotations

import numpy as np
import pytest

import sopopt
from sopopt.analysis.planner import Planner
from sopopt.analysis.resolver import Resolver
from sopopt.model.build_arrays import build_lp
from sopopt.model.standard_form import compile_lp

MODEL = """\
periods: {labels: ["1", "2", "3", "4"]}
products:
  a:
    production_cost: 10
    holding_cost: 1
    backlog: {cost: 4, limit: 80}
    lost_sales: {cost: 30}
    sites: {plant: {make: true, initial_backlog: 5}}
  b:
    production_cost: 12
    holding_cost: 1
    lost_sales: {cost: 25}
    sites: {plant: {make: true}}
  c:
    production_cost: 8
    holding_cost: 0.5
    sites: {plant: {make: true, initial_inventory: 20}}
sites: {plant: {}}
resources:
  line: {site: plant, hours: 200, usage: {a: 1, b: 1, c: 0.5}, overtime: {cost: 5, capacity: 20}}
demand:
  a: {plant: [60, 90, 120, 50]}
  b: {plant: [40, 60, 80, 30]}
  c: {plant: [20, 30, 40, 20]}
"""


def _case(tmp_path, name, scale_a=1.0, scale_b=1.0):
    text = MODEL.replace("[60, 90, 120, 50]", str([x * scale_a for x in (60, 90, 120, 50)]))
    text = text.replace("[40, 60, 80, 30]", str([x * scale_b for x in (40, 60, 80, 30)]))
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return sopopt.load_case(path)


def _canonical(model):
    compiled = compile_lp(model)
    rows = [str(c) for c in compiled.rows]
    return rows, compiled.row_lower, compiled.row_upper, compiled.col_upper


@pytest.mark.parametrize("how", ["fast", "pyomo"])
@pytest.mark.parametrize("warm", [True, False, "auto"])
def test_resolve_matches_fresh_solves(tmp_path, warm, how):
    base = _case(tmp_path, "base")
    cases = [_case(tmp_path, f"c{i}", 1 + 0.3 * i, 1 - 0.2 * i) for i in range(1, 4)]
    resolver = Resolver(base, Planner(how=how))
    first = resolver.solve(warm=warm)
    assert first.objective == pytest.approx(sopopt.solve(base).objective, rel=1e-9)
    for case in cases:
        plan = resolver.solve(case, warm=warm)
        fresh = sopopt.solve(case)
        assert plan.objective == pytest.approx(fresh.objective, rel=1e-9)
        assert plan.table("plan")["demand"].sum() == pytest.approx(fresh.table("plan")["demand"].sum())
        assert plan.kpis["lost_units"] == pytest.approx(fresh.kpis["lost_units"], abs=1e-6)


def test_model_lp_and_data_stay_in_step(tmp_path):
    base, surge = _case(tmp_path, "base"), _case(tmp_path, "surge", 1.5, 0.5)
    resolver = Resolver(base, Planner(how="pyomo"))
    resolver.solve(surge)
    rebuilt = sopopt.build_model(surge.data)
    rows_a, lo_a, up_a, cu_a = _canonical(resolver.model)
    rows_b, lo_b, up_b, cu_b = _canonical(rebuilt)
    assert rows_a == rows_b
    np.testing.assert_allclose(lo_a, lo_b)
    np.testing.assert_allclose(up_a, up_b)
    np.testing.assert_allclose(cu_a, cu_b)
    # the LP held by HiGHS is the recompiled one
    lp = resolver.session.highs.getLp()
    np.testing.assert_allclose(np.asarray(lp.row_lower_), lo_b)
    np.testing.assert_allclose(np.asarray(lp.col_upper_), cu_b)


def _variant(tmp_path, name, old, new):
    path = tmp_path / f"{name}.yaml"
    path.write_text(MODEL.replace(old, new))
    return sopopt.load_case(path)


@pytest.mark.parametrize(("old", "new", "what"), [
    ("hours: 200", "hours: 150", "right-hand side"),
    ("production_cost: 10", "production_cost: 14", "cost"),
    ("usage: {a: 1, b: 1, c: 0.5}", "usage: {a: 1.5, b: 1, c: 0.5}", "coefficient"),
    ("limit: 80}", "limit: 10}\n    max_production: 100", "column bound"),
])
def test_numbers_change_in_place(tmp_path, old, new, what):
    base = _case(tmp_path, "base")
    other = _variant(tmp_path, "other", old, new)
    resolver = Resolver(base)
    first = resolver.solve()
    plan = resolver.solve(other)
    fresh = sopopt.solve(other)
    assert plan.info["reused_lp"], what
    assert plan.objective == pytest.approx(fresh.objective, rel=1e-9)
    assert plan.objective > first.objective + 5  # the change binds
    # the LP held by HiGHS is the one a fresh build gives
    lp = resolver.session.highs.getLp()
    rebuilt = build_lp(other.data)
    np.testing.assert_array_equal(np.asarray(lp.col_cost_), rebuilt.col_cost)
    np.testing.assert_array_equal(np.asarray(lp.col_upper_), rebuilt.col_upper)
    np.testing.assert_array_equal(np.asarray(lp.row_upper_), rebuilt.row_upper)
    np.testing.assert_array_equal(np.asarray(lp.a_matrix_.value_), rebuilt.a_value)
    back = resolver.solve(base)
    assert back.info["reused_lp"]
    assert back.objective == pytest.approx(sopopt.solve(base).objective, rel=1e-9)


def test_a_change_of_shape_rebuilds(tmp_path):
    base = _case(tmp_path, "base")
    # without overtime the resource has no overtime columns: another LP shape
    other = _variant(tmp_path, "other", ", overtime: {cost: 5, capacity: 20}", "")
    resolver = Resolver(base)
    resolver.solve()
    plan = resolver.solve(other)
    assert not plan.info["reused_lp"]
    assert plan.info["warm_from"] == "cold"
    assert plan.objective == pytest.approx(sopopt.solve(other).objective, rel=1e-9)
    again = resolver.solve(base)
    assert not again.info["reused_lp"]
    assert again.objective == pytest.approx(sopopt.solve(base).objective, rel=1e-9)


def test_warm_start_from_the_closer_basis(tmp_path):
    base = _case(tmp_path, "base")
    far, near = _case(tmp_path, "far", 1.6, 0.4), _case(tmp_path, "near", 1.01, 1.0)
    resolver = Resolver(base)
    resolver.solve(warm=False)
    far_plan = resolver.solve(far, warm=True)
    near_plan = resolver.solve(near, warm=True)
    assert far_plan.info["warm_from"] == "previous"
    assert near_plan.info["warm_from"] == "base"
    assert near_plan.info["demand_change"] < 0.05
    assert near_plan.objective == pytest.approx(sopopt.solve(near).objective, rel=1e-9)
