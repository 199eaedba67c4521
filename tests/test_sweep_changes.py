"""Grid cases made as changes to their scenario's compiled data (issue 25): the same data,
record by record, as the cases made in full, and the same objectives as fresh solves; axes
that reach one entity, one axis or a grid too small to gain make every case in full
(tests/test_sweep_runs.py's 5 x 4 grid goes through the changes on local and Dask workers)."""

from __future__ import annotations

import pytest

from sopopt.analysis import sweep as sweeps
from sopopt.analysis.case_changes import GridChanges, same, worth_learning
from sopopt.analysis.planner import solve
from sopopt.analysis.resolver import same_except_demand
from sopopt.analysis.sweep_cases import grid_adjustment, load_sweep, make_case
from sopopt.solver.options import SolveOptions
from tests.test_sweep_runs import workspace  # noqa: F401  (the fixture)

#: 2 x 2 x 2 = 8 cases over three disjoint inputs: demand of a, the line's hours and c's
#: holding cost.
DISJOINT = """\
name: disjoint
base: ../scenarios/base.yaml
grid:
  demand_a: {target: demand, product: a, multiply: [0.8, 1.2]}
  hours: {target: resource_hours, resource: line, set: [200, 120]}
  holding_c: {target: holding_cost, product: c, multiply: [1.0, 2.0]}
"""

#: 3 x 3 cases (worth learning: 6 values and 2 corners made in full against 9 cases).
#: Demand and price of product a: both reach the item a@plant (its price also raises its
#: lost-sale cost: max(30, price)).
SAME_ITEM = """\
name: same item
base: ../scenarios/base.yaml
grid:
  demand_a: {target: demand, product: a, multiply: [0.8, 1.0, 1.2]}
  price_a: {target: price, product: a, multiply: [0.5, 1.0, 1.5]}
"""

#: The line's hours and its overtime capacity: one resource.
SAME_RESOURCE = """\
name: same resource
base: ../scenarios/base.yaml
grid:
  hours: {target: resource_hours, resource: line, set: [200, 160, 120]}
  overtime: {target: resource_overtime_capacity, resource: line, multiply: [0.0, 1.0, 1.5]}
"""


def _grid(name: str) -> tuple:
    loaded = load_sweep(f"sweeps/{name}.yaml")
    base = loaded.bases[loaded.cases[0].scenario]
    return loaded, base, GridChanges(base, loaded.spec.grid, grid_adjustment)


def _same_as_fresh_solves(loaded) -> None:
    """Each case solved by the sweep's worker function (in this process, one worker's
    state: in place where it can) has the objective of a fresh solve of the case made in
    full."""
    sweeps._STATE.resolvers.clear()
    shared = sweeps.SweepShared(loaded.name, loaded.bases, None, (), dict(loaded.spec.grid))
    rows = {case.case_id: sweeps.solve_sweep_case(case, shared).row for case in loaded.cases}
    for case in loaded.cases:  # with one thread, as the worker (HiGHS's threads are per process)
        fresh = solve(loaded.load(case), SolveOptions(threads=1)).objective
        assert rows[case.case_id]["objective"] == pytest.approx(fresh, rel=1e-9), case.values


def test_grid_cases_as_changes_equal_cases_made_in_full(workspace):  # noqa: F811
    (workspace / "sweeps" / "disjoint.yaml").write_text(DISJOINT)
    loaded, base, grid = _grid("disjoint")
    assert grid.usable
    # each axis value alone changes only its own records and fields
    assert {key for part in grid.parts["demand_a"].values() for key in part} == {("items", ("a", "plant"))}
    assert grid.parts["hours"][120.0] == {("resources", "line"): {"hours": pytest.approx([120.0] * 4)}}
    assert set(grid.parts["holding_c"][1.0]) == set()  # x 1.0 changes nothing
    for case in loaded.cases:
        made = make_case(base, case, loaded.name, warn=False).data
        composed = grid.data(case.values)
        assert same(vars(made) | {"problems": []}, vars(composed) | {"problems": []}), case.values
    assert base.data.resources["line"].hours.tolist() == [200.0] * 4  # the scenario's own data unchanged
    _same_as_fresh_solves(loaded)


@pytest.mark.parametrize("text", [SAME_ITEM, SAME_RESOURCE], ids=["item", "resource"])
def test_axes_reaching_one_entity_make_every_case_in_full(workspace, text: str):  # noqa: F811
    (workspace / "sweeps" / "same.yaml").write_text(text)
    loaded, _base, grid = _grid("same")
    assert worth_learning(loaded.spec.grid) and len(grid.parts) == 2  # every value made alone
    assert not grid.usable  # a@plant's record (demand, price); the line (hours, overtime)


def test_one_axis_or_a_small_grid_is_made_in_full(workspace):  # noqa: F811
    loaded = load_sweep("sweeps/grid.yaml")  # 5 x 4: 9 values + 2 corners <= 20 cases
    assert worth_learning(loaded.spec.grid)
    assert not worth_learning({"demand_a": loaded.spec.grid["demand_a"]})  # one axis
    two = {name: axis.model_copy(update={axis.operation: axis.values[:2]}) for name, axis in loaded.spec.grid.items()}
    assert not worth_learning(two)  # 2 x 2: 4 values + 2 corners > 4 cases


def test_only_a_demand_change_is_moved_in_place(workspace):  # noqa: F811
    (workspace / "sweeps" / "disjoint.yaml").write_text(DISJOINT)
    grid = _grid("disjoint")[2]
    low = {"demand_a": 0.8, "hours": 200.0, "holding_c": 1.0}
    assert same_except_demand(grid.data(low), grid.data(low | {"demand_a": 1.2}))
    assert not same_except_demand(grid.data(low), grid.data(low | {"holding_c": 2.0}))
    assert not same_except_demand(grid.data(low), grid.data(low | {"hours": 120.0}))
