"""The built LP: component catalogue, golden LP file per family, exact duplicates."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyomo.environ as pyo
import pytest

import sopopt
from sopopt.model.registry import LIMITS, VARIABLES

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "lp" / "mini.lp"
FAMILY_ROWS = (
    "inventory_balance", "backlog_balance", "safety_stock", "storage_capacity", "resource_capacity",
    "headcount_balance", "labour_capacity", "overtime_limit", "supplier_capacity", "material_balance",
    "lane_capacity",
)


def _lp_text(model: pyo.ConcreteModel) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.lp"
        model.write(str(path), format="lp", io_options={"symbolic_solver_labels": True})
        return path.read_text()


@pytest.fixture(scope="module")
def mini_model() -> pyo.ConcreteModel:
    case = sopopt.load_case(DATA / "mini.yaml")
    return sopopt.build_model(case.data)


def test_catalogue_names_every_variable_and_limit(mini_model):
    variables = {v.name for v in mini_model.component_objects(pyo.Var)}
    assert variables == {spec.component for spec in VARIABLES}
    constraints = {c.name for c in mini_model.component_objects(pyo.Constraint)}
    assert {spec.component for spec in LIMITS} <= constraints


def test_golden_lp_of_the_mini_model(mini_model):
    """Every constraint family's rows, coefficients and right-hand sides, pinned.

    Regenerate after an intended change with SOPOPT_REGEN_GOLDEN=1 and review the diff.
    """
    text = _lp_text(mini_model)
    if os.environ.get("SOPOPT_REGEN_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


@pytest.mark.parametrize("family", FAMILY_ROWS)
def test_every_family_has_rows_in_the_golden_file(family):
    golden = GOLDEN.read_text()
    assert f"c_e_{family}(" in golden or f"c_u_{family}(" in golden or f"c_l_{family}(" in golden, (
        f"family {family} has no rows in tests/data/lp/mini.lp: extend tests/data/mini.yaml"
    )


def test_objective_is_the_sum_of_cost_categories(mini_model):
    plan = sopopt.solve(DATA / "mini.yaml")
    assert plan.costs.sum() == pytest.approx(plan.objective, rel=1e-12)
    assert (plan.costs >= 0).all()
