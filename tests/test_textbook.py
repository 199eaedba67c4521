"""Textbook planning instances with published optima, as exact regression tests.

Each model in ``models/textbook`` cites its source and published optimum in its header.
For each instance the engine must

1. reproduce the published optimal total cost (relative error at most 1e-6);
2. reproduce the published decisions (hires, layoffs, production, inventory, ...);
3. account for every cost category: the total is recomputed here by hand from the plan
   tables and the published unit costs, category by category.

The Red Tomato data are also checked against an independent formulation written
directly from the book (scipy/HiGHS, no sopopt), as LP ($422,275, 3rd ed.) and with
integer workforce ($422,660, later editions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sopopt
from sopopt import SolveStatus

MODELS = Path(__file__).resolve().parents[1] / "models" / "textbook"

#: Relative tolerance on a published total cost.
REL = 1e-6
#: Absolute tolerance on a decision value (units, workers, hours).
ABS = 1e-6


def assert_published_cost(plan: sopopt.Plan, published: float) -> None:
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.objective is not None
    assert abs(plan.objective - published) <= REL * published, (plan.objective, published)
    # The categories add up to the objective, so no cost is counted twice or left out.
    assert float(plan.costs.sum()) == pytest.approx(plan.objective, rel=1e-9)


def values(plan: sopopt.Plan, table: str, **where: str) -> np.ndarray:
    """The ``value`` column of a decision table in period order, filtered by columns."""
    frame = plan.tables[table]
    for column, wanted in where.items():
        frame = frame[frame[column] == wanted]
    order = {label: i for i, label in enumerate(plan.labels)}
    frame = frame.sort_values("period", key=lambda s: s.map(order))
    return frame["value"].to_numpy(dtype=float)


def column(plan: sopopt.Plan, name: str, product: str, site: str) -> np.ndarray:
    """One column of the ``plan`` table for a product at a site, in period order."""
    frame = plan.tables["plan"]
    frame = frame[(frame["product"] == product) & (frame["site"] == site)]
    assert list(frame["period"]) == plan.labels
    return frame[name].to_numpy(dtype=float)


def nonzero_costs(plan: sopopt.Plan) -> dict[str, float]:
    return {c: float(v) for c, v in plan.costs.items() if abs(v) > 1e-9}


# --------------------------------------------------------------------------------------
# Winston, Operations Research (4th ed.), Sec. 3.10: Sailco. Published optimum $78,450.
# --------------------------------------------------------------------------------------

SAILCO_COST = 78_450.0


@pytest.fixture(scope="module")
def sailco() -> sopopt.Plan:
    return sopopt.solve(MODELS / "sailco.yaml")


def test_sailco_reproduces_published_optimum(sailco: sopopt.Plan) -> None:
    assert_published_cost(sailco, SAILCO_COST)


def test_sailco_reproduces_published_schedule(sailco: sopopt.Plan) -> None:
    produced = column(sailco, "production", "sailboat", "yard")
    overtime = values(sailco, "resource_overtime", resource="crew")  # 1 hour per boat
    regular = produced - overtime
    np.testing.assert_allclose(regular, [40, 40, 40, 25], atol=ABS)
    np.testing.assert_allclose(overtime, [0, 10, 35, 0], atol=ABS)
    np.testing.assert_allclose(column(sailco, "inventory", "sailboat", "yard"), [10, 0, 0, 0], atol=ABS)
    np.testing.assert_allclose(column(sailco, "delivered", "sailboat", "yard"), [40, 60, 75, 25], atol=ABS)


def test_sailco_costs_recomputed_by_hand(sailco: sopopt.Plan) -> None:
    produced = column(sailco, "production", "sailboat", "yard")
    overtime = values(sailco, "resource_overtime", resource="crew")
    stock = column(sailco, "inventory", "sailboat", "yard")
    by_hand = {
        "production": 400 * produced.sum(),
        "overtime": 50 * overtime.sum(),
        "holding": 20 * stock.sum(),
    }
    assert nonzero_costs(sailco) == pytest.approx(by_hand, rel=1e-9)
    # The book's own accounting: $400 per regular-time boat, $450 per overtime boat.
    book = 400 * (produced - overtime).sum() + 450 * overtime.sum() + 20 * stock.sum()
    assert book == pytest.approx(SAILCO_COST, rel=REL)
    assert sum(by_hand.values()) == pytest.approx(sailco.objective, rel=1e-9)


# --------------------------------------------------------------------------------------
# Chopra & Meindl, Supply Chain Management (3rd ed.), Ch. 8: Red Tomato Tools.
# Published LP optimum $422,275.
# --------------------------------------------------------------------------------------

RED_TOMATO_COST = 422_275.0
RED_TOMATO_INTEGER_COST = 422_660.0
RT_DEMAND = [1600, 3000, 3200, 3800, 2200, 2200]
#: Units to make over the horizon: demand + ending stock - opening stock.
RT_NET = sum(RT_DEMAND) + 500 - 1000


@pytest.fixture(scope="module")
def red_tomato() -> sopopt.Plan:
    return sopopt.solve(MODELS / "red_tomato.yaml")


@pytest.fixture(scope="module")
def red_tomato_64(tmp_path_factory: pytest.TempPathFactory) -> sopopt.Plan:
    """The integer plan of later editions: the same model with the headcount fixed at 64."""
    data = yaml.safe_load((MODELS / "red_tomato.yaml").read_text())
    data["workforce"]["staff"].update(min_headcount=64, max_headcount=64)
    path = tmp_path_factory.mktemp("textbook") / "red_tomato_64.yaml"
    path.write_text(yaml.safe_dump(data))
    return sopopt.solve(path)


def test_red_tomato_reproduces_published_optimum(red_tomato: sopopt.Plan) -> None:
    assert_published_cost(red_tomato, RED_TOMATO_COST)


def test_red_tomato_reproduces_published_plan(red_tomato: sopopt.Plan) -> None:
    workers = RT_NET / 6 / 40  # level production of 40 units per worker-month
    headcount = values(red_tomato, "headcount", workforce="staff")
    layoffs = values(red_tomato, "layoffs", workforce="staff")
    np.testing.assert_allclose(headcount, [workers] * 6, atol=ABS)
    np.testing.assert_allclose(layoffs, [80 - workers, 0, 0, 0, 0, 0], atol=ABS)
    np.testing.assert_allclose(values(red_tomato, "hires", workforce="staff"), 0, atol=ABS)
    np.testing.assert_allclose(values(red_tomato, "labour_overtime", workforce="staff"), 0, atol=ABS)
    produced = column(red_tomato, "production", "tools", "plant")
    stock = column(red_tomato, "inventory", "tools", "plant")
    backlog = column(red_tomato, "backlog", "tools", "plant")
    np.testing.assert_allclose(produced, [RT_NET / 6] * 6, atol=ABS)
    np.testing.assert_allclose(column(red_tomato, "subcontracted", "tools", "plant"), 0, atol=ABS)
    np.testing.assert_allclose(stock, [5950 / 3, 4700 / 3, 950, 0, 350 / 3, 500], atol=ABS)
    np.testing.assert_allclose(backlog, [0, 0, 0, 800 / 3, 0, 0], atol=ABS)
    # The book's optimal-plan table prints this solution rounded to whole numbers.
    assert np.rint(headcount).tolist() == [65] * 6
    assert np.rint(layoffs).tolist() == [15, 0, 0, 0, 0, 0]
    assert np.rint(produced).tolist() == [2583] * 6
    assert np.rint(stock).tolist() == [1983, 1567, 950, 0, 117, 500]
    assert np.rint(backlog).tolist() == [0, 0, 0, 267, 0, 0]


def red_tomato_by_hand(plan: sopopt.Plan) -> dict[str, float]:
    """Every cost of the plan from its tables and the book's unit costs."""
    by_hand = {
        "materials": 10 * values(plan, "purchases", supplier="kit_supplier").sum(),
        "subcontracting": 30 * column(plan, "subcontracted", "tools", "plant").sum(),
        "regular_labour": 4 * 160 * values(plan, "headcount", workforce="staff").sum(),
        "overtime": 6 * values(plan, "labour_overtime", workforce="staff").sum(),
        "hiring": 300 * values(plan, "hires", workforce="staff").sum(),
        "layoffs": 500 * values(plan, "layoffs", workforce="staff").sum(),
        "holding": 2 * column(plan, "inventory", "tools", "plant").sum(),
        "backlog": 5 * column(plan, "backlog", "tools", "plant").sum(),
    }
    return {c: v for c, v in by_hand.items() if abs(v) > 1e-9}


def test_red_tomato_costs_recomputed_by_hand(red_tomato: sopopt.Plan) -> None:
    by_hand = red_tomato_by_hand(red_tomato)
    assert nonzero_costs(red_tomato) == pytest.approx(by_hand, rel=1e-9)
    assert by_hand == pytest.approx({
        "materials": 10 * RT_NET,
        "regular_labour": 640 * 6 * RT_NET / 240,
        "layoffs": 500 * (80 - RT_NET / 240),
        "holding": 2 * (5950 / 3 + 4700 / 3 + 950 + 350 / 3 + 500),
        "backlog": 5 * 800 / 3,
    }, rel=1e-9)
    assert sum(by_hand.values()) == pytest.approx(RED_TOMATO_COST, rel=REL)
    # Material is bought as used: nothing is left in material stock.
    np.testing.assert_allclose(values(red_tomato, "material_stock", material="tool_kit"), 0, atol=ABS)


def test_red_tomato_integer_workforce_plan(red_tomato_64: sopopt.Plan) -> None:
    assert_published_cost(red_tomato_64, RED_TOMATO_INTEGER_COST)
    np.testing.assert_allclose(values(red_tomato_64, "layoffs", workforce="staff"), [16, 0, 0, 0, 0, 0], atol=ABS)
    np.testing.assert_allclose(values(red_tomato_64, "hires", workforce="staff"), 0, atol=ABS)
    np.testing.assert_allclose(column(red_tomato_64, "production", "tools", "plant"), 2560, atol=ABS)
    np.testing.assert_allclose(column(red_tomato_64, "subcontracted", "tools", "plant"), [0, 0, 0, 140, 0, 0],
                               atol=ABS)
    np.testing.assert_allclose(column(red_tomato_64, "inventory", "tools", "plant"), [1960, 1520, 880, 0, 140, 500],
                               atol=ABS)
    np.testing.assert_allclose(column(red_tomato_64, "backlog", "tools", "plant"), [0, 0, 0, 220, 0, 0], atol=ABS)
    by_hand = red_tomato_by_hand(red_tomato_64)
    assert nonzero_costs(red_tomato_64) == pytest.approx(by_hand, rel=1e-9)
    assert sum(by_hand.values()) == pytest.approx(RED_TOMATO_INTEGER_COST, rel=REL)


def test_red_tomato_data_agree_with_an_independent_formulation() -> None:
    """The book's LP written out directly: the published optima follow from the data."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    T = 6
    names = ["W", "H", "L", "O", "I", "S", "C", "P"]
    unit = {"W": 640, "H": 300, "L": 500, "O": 6, "I": 2, "S": 5, "C": 30, "P": 10}
    n = len(names) * T

    def ix(var: str, t: int) -> int:
        return names.index(var) * T + t

    cost = np.array([unit[names[k // T]] for k in range(n)], dtype=float)
    rows, low, high = [], [], []

    def row(coef: dict[int, float], lo: float, hi: float) -> None:
        r = np.zeros(n)
        for k, v in coef.items():
            r[k] += v
        rows.append(r)
        low.append(lo)
        high.append(hi)

    for t in range(T):
        first = t == 0
        # W_t = W_{t-1} + H_t - L_t, W_0 = 80
        row({ix("W", t): 1, ix("H", t): -1, ix("L", t): 1, **({} if first else {ix("W", t - 1): -1})},
            80 if first else 0, 80 if first else 0)
        # I_{t-1} - S_{t-1} + P_t + C_t = D_t + I_t - S_t, I_0 = 1000, S_0 = 0
        rhs = RT_DEMAND[t] - (1000 if first else 0)
        row({ix("P", t): 1, ix("C", t): 1, ix("I", t): -1, ix("S", t): 1,
             **({} if first else {ix("I", t - 1): 1, ix("S", t - 1): -1})}, rhs, rhs)
        row({ix("P", t): 4, ix("W", t): -160, ix("O", t): -1}, -np.inf, 0)  # 4 h/unit
        row({ix("O", t): 1, ix("W", t): -10}, -np.inf, 0)  # overtime <= 10 h/worker
    lb, ub = np.zeros(n), np.full(n, np.inf)
    lb[ix("I", T - 1)] = 500
    ub[ix("S", T - 1)] = 0
    constraints = LinearConstraint(np.array(rows), low, high)
    lp = milp(cost, constraints=constraints, bounds=Bounds(lb, ub))
    integer_workforce = np.array([1 if names[k // T] in "WHL" else 0 for k in range(n)])
    mip = milp(cost, constraints=constraints, bounds=Bounds(lb, ub), integrality=integer_workforce,
               options={"mip_rel_gap": 0})
    assert lp.success
    assert mip.success
    assert lp.fun == pytest.approx(RED_TOMATO_COST, rel=REL)
    assert mip.fun == pytest.approx(RED_TOMATO_INTEGER_COST, rel=REL)


# --------------------------------------------------------------------------------------
# Winston, Operations Research (4th ed.), Sec. 7.1: Powerco. Published optimum $1,020.
# --------------------------------------------------------------------------------------

POWERCO_COST = 1_020.0
POWERCO_UNIT_COST = {
    "p1_c1": 8, "p1_c2": 6, "p1_c3": 10, "p1_c4": 9,
    "p2_c1": 9, "p2_c2": 12, "p2_c3": 13, "p2_c4": 7,
    "p3_c1": 14, "p3_c2": 9, "p3_c3": 16, "p3_c4": 5,
}


@pytest.fixture(scope="module")
def powerco() -> sopopt.Plan:
    return sopopt.solve(MODELS / "powerco.yaml")


def test_powerco_reproduces_published_optimum(powerco: sopopt.Plan) -> None:
    assert_published_cost(powerco, POWERCO_COST)


def test_powerco_reproduces_published_shipments(powerco: sopopt.Plan) -> None:
    shipped = powerco.tables["shipments"].set_index("lane")["value"]
    published = {"p1_c2": 10, "p1_c3": 25, "p2_c1": 45, "p2_c3": 5, "p3_c2": 10, "p3_c4": 30}
    expected = pd.Series({lane: float(published.get(lane, 0)) for lane in POWERCO_UNIT_COST})
    pd.testing.assert_series_equal(shipped.sort_index(), expected.sort_index(), check_names=False, atol=ABS)
    production = powerco.tables["production"].set_index("site")["value"]
    assert production.to_dict() == pytest.approx({"plant1": 35, "plant2": 50, "plant3": 40}, abs=ABS)


def test_powerco_costs_recomputed_by_hand(powerco: sopopt.Plan) -> None:
    shipped = powerco.tables["shipments"].set_index("lane")["value"]
    by_hand = sum(POWERCO_UNIT_COST[lane] * value for lane, value in shipped.items())
    assert nonzero_costs(powerco) == pytest.approx({"transport": by_hand}, rel=1e-9)
    assert by_hand == pytest.approx(POWERCO_COST, rel=REL)
