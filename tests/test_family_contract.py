"""The family record is the whole contract (issue 21).

- No module outside a family names that family's components: a string literal equal to
  a component or plan-table name, used to look up LP columns, rows or solution values
  (a subscript, ``.get``, ``getattr``/``component``, an ``(name, index)`` key, a dict key
  or a comparison), fails
  this test; such lookups go through the family's constants.
- Every row and every plan-limiting bound of the LP is described by its family, in words
  with its number and source, and every relief names a known repair class.
- The extension hook: a family added at the end of the recipe extends an earlier
  family's row (a column and a constant) identically in both build paths.
- Demand terms: an in-place demand change equals a fresh build, handling rows included.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sopopt
from sopopt.analysis.members import BOUND_SPECS, ROW_SPECS, Describer
from sopopt.analysis.planner import Planner
from sopopt.analysis.resolver import Resolver
from sopopt.inputs.case import load_case
from sopopt.model import build_model
from sopopt.model.build_arrays import build_lp
from sopopt.model.catalogue import BOUND_LIMITS, LIMITS
from sopopt.model.families import FAMILIES
from sopopt.model.family import REPAIR_CLASSES, Family, RowTerm, VarSpec, extend_row
from sopopt.model.inventory import INVENTORY_BALANCE
from sopopt.model.standard_form import compile_lp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sopopt"

#: Every component and plan-table name a family owns.
NAMES = {v.component for f in FAMILIES for v in f.variables} | {v.table for f in FAMILIES for v in f.variables} | {
    r.component for f in FAMILIES for r in f.rows
}
ROWS = {r.component for f in FAMILIES for r in f.rows}
#: Dict values that make a row-keyed dict a lookup table: handlers and facts.
FACTS = (ast.Attribute, ast.Lambda, ast.List, ast.Tuple, ast.Dict)
#: Modules allowed to name components: each family's own module and the record's module.
OWNERS = {f.add.__module__ for f in FAMILIES} | {"sopopt.model.family"}
#: Packages left out: the report and the CLI read a finished Plan's tables for display
#: (not LP columns, rows or solution values); the inputs layer reads schema fields and
#: comes before the model layer (it cannot import a family).
DISPLAY = ("sopopt.report", "sopopt.cli", "sopopt.inputs")
#: Calls that look a name up.
LOOKUPS = {"get", "pop", "getattr", "component", "setdefault"}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
        return node.value
    if isinstance(node, ast.Tuple) and node.elts:
        return _literal(node.elts[0])
    return None


def _keyed(node: ast.Tuple) -> str | None:
    """An ``(name, index)`` pair: a component name then its index."""
    if len(node.elts) == 2 and not isinstance(node.elts[1], ast.Constant):
        first = node.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value in NAMES:
            return first.value
    return None


def literal_lookups(source: str) -> list[tuple[int, str]]:
    """(line, name) of every component name looked up by a literal in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        name = None
        if isinstance(node, ast.Subscript):
            name = _literal(node.slice)
        elif isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if callee in LOOKUPS and node.args:
                name = _literal(node.args[1] if callee == "getattr" and len(node.args) > 1 else node.args[0])
        elif isinstance(node, ast.Tuple):
            name = _keyed(node)
        elif isinstance(node, ast.Dict):
            # A table keyed by row names, mapping them to handlers or facts (a data column
            # that happens to share a name, such as a target's value, is not a lookup).
            name = next((n for n, v in zip(map(_literal, node.keys), node.values, strict=True)
                         if n in ROWS and isinstance(v, FACTS)), None)
        elif isinstance(node, ast.Compare):
            name = next((n for n in map(_literal, [node.left, *node.comparators]) if n is not None), None)
        if name is not None:
            found.append((node.lineno, name))
    return found


def offenders() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        if module in OWNERS or module.startswith(DISPLAY):
            continue
        out += [f"{path.relative_to(ROOT)}:{line}: '{name}'" for line, name in literal_lookups(path.read_text())]
    return out


def test_no_literal_component_name_outside_its_family() -> None:
    found = offenders()
    assert not found, "component names looked up outside their family:\n" + "\n".join(found)


def test_the_literal_check_catches_each_form() -> None:
    source = (
        'a["inventory"]\nb.get("lost")\nd = ("backlog", key)\ngetattr(m, "sales")\n'
        'e = {"headcount_balance": self.describe}\nf = {"safety_stock": target}\nif c == "resource_capacity": pass\n'
    )
    assert sorted(name for _line, name in literal_lookups(source)) == sorted(
        ["inventory", "lost", "backlog", "sales", "headcount_balance", "resource_capacity"]
    )
    assert literal_lookups('x = "inventory"\nprint("production")\n') == []


CASES = sorted({*(ROOT / "tests" / "data" / "levers").glob("*.yaml"), ROOT / "scenarios" / "supplier_disruption.yaml"})


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_row_and_bound_is_described_by_its_family(path: Path) -> None:
    case = load_case(path)
    lp = build_lp(case.data)
    describer = Describer(case)
    for component, key in lp.row_keys():
        assert component in ROW_SPECS, f"row {component} has no RowSpec in its family"
        member = describer.row(component, key)
        assert "{" not in member.text and member.kind and member.name, member.text
    for j, (component, key) in enumerate(lp.column_keys()):
        for side, active in (("lower", lp.col_lower[j] > 0), ("upper", np.isfinite(lp.col_upper[j]))):
            if active and (component, side) in BOUND_SPECS:
                member = describer.bound(component, key, side)
                assert member.value == pytest.approx(getattr(lp, f"col_{side}")[j]), (component, key, side)
                assert "{" not in member.text


def test_contract_is_complete() -> None:
    rows = {r.component for f in FAMILIES for r in f.rows}
    assert {limit.component for limit in LIMITS} <= rows
    assert {(b.component, b.side) for b in BOUND_LIMITS} <= set(BOUND_SPECS)
    for family in FAMILIES:
        for spec in (*family.rows, *family.bounds):
            assert spec.unit and spec.one_more, spec.component
        reliefs = [x for r in family.rows for x in r.reliefs] + [b.relief for b in family.bounds if b.relief]
        assert all(r.repair_class in REPAIR_CLASSES and r.unit for r in reliefs), family.name
        for term in family.extends:
            assert term.row in rows


# ---------------------------------------------------------------- the extension hook

SCRAP = VarSpec("scrap", "scrap", ("product", "site", "period"), "units", "units scrapped")


def _scrap_add(m: Any, d: Any, reg: Any) -> None:
    """Toy family: scrap leaves stock (+S in the stock balance) and 2 units come back
    every period (a constant moving the right-hand side by +2)."""
    import pyomo.environ as pyo

    m.scrap = pyo.Var(m.item_index, domain=pyo.NonNegativeReals)
    for key in m.item_index:
        extend_row(m, INVENTORY_BALANCE, key, m.scrap[key] - 2.0)
    reg.cost("holding", [(3.0, m.scrap[key]) for key in m.item_index])


def _scrap_arrays(a: Any) -> None:
    ones = np.ones((len(a.items), a.T), dtype=bool)
    S = a.columns(SCRAP.component, a.keys, ones)
    a.coef(a.ids[INVENTORY_BALANCE], S, 1.0)
    a.shift_rhs(a.ids[INVENTORY_BALANCE], 2.0)
    a.objective("holding", S, 3.0)


TOY = Family(
    name="scrap", title="Scrap", doc="", add=_scrap_add, arrays=_scrap_arrays, variables=(SCRAP,),
    extends=(RowTerm(INVENTORY_BALANCE, (SCRAP.component,), "units scrapped leave the stock"),),
)


def test_a_later_family_extends_an_earlier_row_in_both_paths() -> None:
    case = load_case(ROOT / "tests" / "data" / "levers" / "holding.yaml")
    recipe = (*FAMILIES, TOY)
    model = build_model(case.data, recipe)
    plain, fast = compile_lp(model), build_lp(case.data, recipe)
    base = build_lp(case.data)
    assert fast.row_keys() == plain.row_keys() and fast.column_keys() == plain.column_keys()
    for name in ("col_cost", "row_lower", "row_upper", "a_start", "a_index", "a_value"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name
    rows = [i for i, (c, _k) in enumerate(fast.row_keys()) if c == INVENTORY_BALANCE]
    balance = {k: i for i, (c, k) in enumerate(base.row_keys()) if c == INVENTORY_BALANCE}
    for i in rows:
        key = fast.row_keys()[i][1]
        assert fast.row_upper[i] == base.row_upper[balance[key]] + 2.0
        scrap = fast.column_keys().index((SCRAP.component, key))
        column = slice(fast.a_start[scrap], fast.a_start[scrap + 1])
        assert list(fast.a_index[column]) == [i] and list(fast.a_value[column]) == [1.0]


# ---------------------------------------------------------------- demand terms

HANDLED = """\
periods: {labels: ["1", "2"]}
products:
  A:
    production_cost: 1
    holding_cost: 1
    lost_sales: {cost: 50}
    sites: {plant: {make: true}, dc: {}}
sites:
  plant: {}
  dc:
    kind: dc
    handling: {hours: 20, usage: {A: 1}, overtime: {cost: 5, capacity: 100}}
lanes:
  truck: {origin: plant, destination: dc, cost: 1}
demand:
  A: {dc: DEMAND}
"""


@pytest.mark.parametrize("how", ["fast", "pyomo"])
def test_in_place_demand_moves_handling_rows_too(tmp_path: Path, how: str) -> None:
    def case(name: str, demand: str) -> Any:
        path = tmp_path / f"{name}.yaml"
        path.write_text(HANDLED.replace("DEMAND", demand))
        return load_case(path)

    base, other = case("base", "[10, 30]"), case("other", "[25, 40]")
    resolver = Resolver(base, Planner(how=how))
    resolver.solve()
    plan = resolver.solve(other)
    fresh = sopopt.solve(other)
    # By hand: receiving and delivering 25 + 40 units take 2 h each, 130 h against 2 x 20 h:
    # 90 h overtime at 5 = 450, production 65, transport 65: 580.
    assert fresh.objective == pytest.approx(580.0)
    assert plan.objective == pytest.approx(fresh.objective, rel=1e-9)


def test_offender_report_names_file_and_line() -> None:
    assert all(re.match(r"sopopt/.+\.py:\d+: '\w+'", line) for line in offenders())
