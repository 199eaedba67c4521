"""The vectorised builder (sopopt.model.fast) builds exactly the LP of the plain path.

Rows and columns are matched by component name and index, so the order may differ;
everything else (coefficients, bounds, right-hand sides, costs) must be equal, and the
optimal objective the same.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pytest

from sopopt.case import load_case
from sopopt.generate import write_instance
from sopopt.model import build_model
from sopopt.model.fast import build_lp
from sopopt.model.standard_form import compile_lp
from sopopt.solver import highs_lp, pass_lp

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted(
    {
        *(ROOT / "tests" / "data").glob("**/*.yaml"),
        *(ROOT / "models").glob("**/*.yaml"),
        *(ROOT / "scenarios").glob("*.yaml"),
    }
)


def _canonical(lp: Any, col_keys: list[Any], row_keys: list[Any]) -> dict[str, Any]:
    """The LP keyed by (component, index) instead of by position."""
    a = lp.a_matrix_
    start, index, value = np.asarray(a.start_), np.asarray(a.index_), np.asarray(a.value_)
    entries = {}
    for j, key in enumerate(col_keys):
        for k in range(start[j], start[j + 1]):
            entries[row_keys[index[k]], key] = float(value[k])
    return {
        "columns": {
            key: (float(lo), float(up), float(c))
            for key, lo, up, c in zip(col_keys, lp.col_lower_, lp.col_upper_, lp.col_cost_, strict=True)
        },
        "rows": {
            key: (float(lo), float(up)) for key, lo, up in zip(row_keys, lp.row_lower_, lp.row_upper_, strict=True)
        },
        "entries": entries,
        "offset": float(lp.offset_),
    }


def _objective(lp: Any) -> float:
    """Optimal objective of an LP (either build path), solved by HiGHS with defaults."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert pass_lp(h, lp) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def _assert_same_lp(data: Any) -> None:
    model = build_model(data)  # keep it alive: columns refer to it weakly
    plain = compile_lp(model)
    plain_cols, plain_rows = plain.column_keys(), plain.row_keys()
    fast = build_lp(data)
    expected = _canonical(highs_lp(plain), plain_cols, plain_rows)
    fast_keys = fast.column_keys()
    got = _canonical(highs_lp(fast), fast_keys, fast.row_keys())
    assert len(set(plain_cols)) == len(plain_cols)
    assert len(set(plain_rows)) == len(plain_rows)
    assert set(got["columns"]) == set(expected["columns"]), "column sets differ"
    assert set(got["rows"]) == set(expected["rows"]), "row sets differ"
    diff_cols = [k for k in expected["columns"] if expected["columns"][k] != got["columns"][k]]
    assert not diff_cols, f"column bounds/costs differ, e.g. {diff_cols[:3]}"
    diff_rows = [k for k in expected["rows"] if expected["rows"][k] != got["rows"][k]]
    assert not diff_rows, f"row bounds differ, e.g. {diff_rows[:3]}"
    assert set(got["entries"]) == set(expected["entries"]), "sparsity patterns differ"
    diff = [k for k in expected["entries"] if expected["entries"][k] != got["entries"][k]]
    assert not diff, f"coefficients differ, e.g. {diff[:3]}"
    assert got["offset"] == expected["offset"]
    for category, (cols, coefs) in plain.cost_vectors.items():
        fast_cols, fast_coefs = fast.cost_vectors[category]
        want = sorted((plain_cols[j], c) for j, c in zip(cols.tolist(), coefs.tolist(), strict=True))
        have = sorted((fast_keys[j], c) for j, c in zip(fast_cols.tolist(), fast_coefs.tolist(), strict=True))
        assert have == want, f"cost terms of {category} differ"
    if plain.num_col:
        assert math.isclose(_objective(fast), _objective(plain), rel_tol=1e-9, abs_tol=1e-6)


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fast_build_matches_plain_on_files(path: Path) -> None:
    _assert_same_lp(load_case(path).data)


@pytest.mark.parametrize(
    ("products", "sites", "periods", "seed"),
    [(12, 5, 10, 1), (6, 8, 30, 2), (4, 1, 6, 3), (5, 2, 3, 4)],
)
def test_fast_build_matches_plain_on_generated(
    tmp_path: Path, products: int, sites: int, periods: int, seed: int
) -> None:
    path = write_instance(tmp_path, products, sites, periods, seed, layout="long" if seed % 2 else "wide")
    _assert_same_lp(load_case(path).data)


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
