"""The vectorised builder (sopopt.model.build_arrays) builds exactly the LP of the plain path.

Columns and rows come out in the same order with the same names and indices; every
array (bounds, costs, right-hand sides, matrix) is compared for exact equality, the cost
terms of every category too, and the optimal objective is the same.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest

from sopopt.inputs.case import load_case
from sopopt.inputs.generate import write_instance
from sopopt.model import build_model
from sopopt.model.build_arrays import build_lp
from sopopt.model.standard_form import compile_lp
from sopopt.solver.highs import pass_lp

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(
    {
        *(ROOT / "tests" / "data").glob("**/*.yaml"),
        *(ROOT / "models").glob("**/*.yaml"),
        *(ROOT / "scenarios").glob("*.yaml"),
    }
)


def _objective(lp: Any) -> float:
    """Optimal objective of an LP (either build path), solved by HiGHS with defaults."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert pass_lp(h, lp) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


ARRAYS = ("col_cost", "col_lower", "col_upper", "row_lower", "row_upper", "a_start", "a_index", "a_value", "integrality")


def assert_same_lp(data: Any) -> None:
    """Both build paths give the same LP, element for element, and the same optimum."""
    model = build_model(data)  # keep it alive: columns refer to it weakly
    plain = compile_lp(model)
    fast = build_lp(data)
    assert fast.column_keys() == plain.column_keys(), "columns differ (names, indices or order)"
    assert fast.row_keys() == plain.row_keys(), "rows differ (names, indices or order)"
    assert (fast.num_col, fast.num_row, fast.offset) == (plain.num_col, plain.num_row, plain.offset)
    for name in ARRAYS:
        mine, theirs = getattr(fast, name), getattr(plain, name)
        assert mine.shape == theirs.shape and np.array_equal(mine, theirs), f"{name} differs"
    assert set(fast.cost_vectors) == set(plain.cost_vectors)
    for category, (cols, coefs) in plain.cost_vectors.items():
        fast_cols, fast_coefs = fast.cost_vectors[category]
        # Same terms in the same order: each category's cost sums identically.
        assert np.array_equal(fast_cols, cols) and np.array_equal(fast_coefs, coefs), f"cost terms of {category} differ"
    if plain.num_col:
        assert _objective(fast) == _objective(plain)


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_build_matches_plain_on_files(path: Path) -> None:
    assert_same_lp(load_case(path).data)


@pytest.mark.parametrize(
    ("products", "sites", "periods", "seed"),
    [(12, 5, 10, 1), (6, 8, 30, 2), (4, 1, 6, 3), (5, 2, 3, 4)],
)
def test_fast_build_matches_plain_on_generated(
    tmp_path: Path, products: int, sites: int, periods: int, seed: int
) -> None:
    path = write_instance(tmp_path, products, sites, periods, seed, layout="long" if seed % 2 else "wide")
    assert_same_lp(load_case(path).data)


def test_fast_values_map_back_to_components(tmp_path: Path) -> None:
    path = write_instance(tmp_path, 5, 4, 6, 7)
    data = load_case(path).data
    fast = build_lp(data)
    x = np.arange(fast.num_col, dtype=float)
    values = fast.values(x)
    keys = fast.column_keys()
    assert sum(len(v) for v in values.values()) == fast.num_col
    name, index = keys[3]
    assert values[name][index] == 3.0


ZERO_USAGE = """\
name: idle
periods: {labels: ["1", "2"]}
products:
  widget:
    production_cost: 10
    sites:
      plant: {make: true}
sites:
  plant: {}
resources:
  line:
    site: plant
    hours: 100
    usage: {widget: 0}
    overtime: {cost: 5, capacity: 10}
workforce:
  crew:
    site: plant
    initial_headcount: 2
    hours_per_worker: 40
    wage: 100
    usage: {widget: 0}
    overtime: {cost: 5, hours_per_worker: 8}
demand:
  widget:
    plant: [5, 5]
"""


def test_zero_usage_gives_no_rows_and_no_overtime_in_either_path(tmp_path: Path) -> None:
    """A resource or crew whose usage is all zero gets no rows and no overtime columns.

    Before the families were unified the fast path built 2 resource overtime columns and
    2 resource capacity rows here that the Pyomo path did not.
    """
    path = tmp_path / "idle.yaml"
    path.write_text(ZERO_USAGE)
    data = load_case(path).data
    assert_same_lp(data)
    fast = build_lp(data)
    names = {name for name, _ in fast.column_keys()} | {name for name, _ in fast.row_keys()}
    assert names.isdisjoint({"resource_overtime", "resource_capacity", "labour_overtime", "labour_capacity",
                             "overtime_limit"})
    assert {"production", "headcount", "inventory_balance", "headcount_balance"} <= names


def test_fast_path_never_imports_pyomo(tmp_path: Path) -> None:
    """Solving a case on the fast path (the default) loads no Pyomo module."""
    script = (
        "import sys, sopopt\n"
        f"plan = sopopt.solve({str(ROOT / 'models' / 'acme.yaml')!r})\n"
        "assert plan.status.value == 'optimal', plan.status\n"
        "print(sorted(m for m in sys.modules if m == 'pyomo' or m.startswith('pyomo.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.strip() == "[]"
