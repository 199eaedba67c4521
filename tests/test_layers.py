"""The one-way flow: every module under sopopt/ sits in a layer and imports only from
its own layer or earlier ones, lazy imports (inside functions) included.

Imports under ``if TYPE_CHECKING:`` are annotations only (never executed) and are not
counted. ``sopopt/__init__.py`` is the public façade and is exempt.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sopopt"

#: Layers in flow order, one package each: a package imports only from itself and from
#: earlier packages. The root keeps only the façade, ``__main__``, ``version``, ``errors``
#: and the ``cli`` package.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("sopopt.errors", "sopopt.version")),
    ("io", ("sopopt.io", "sopopt.io.*")),
    ("inputs", ("sopopt.inputs", "sopopt.inputs.*")),
    ("model", ("sopopt.model", "sopopt.model.*")),
    ("solver", ("sopopt.solver", "sopopt.solver.*")),
    ("results", ("sopopt.results", "sopopt.results.*")),
    ("analysis", ("sopopt.analysis", "sopopt.analysis.*")),
    ("report", ("sopopt.report", "sopopt.report.*")),
    ("cli", ("sopopt.cli", "sopopt.cli.*", "sopopt.__main__")),
)
EXEMPT = {"sopopt"}

#: Besides the layer order: the report reads result objects only (never files, cases or
#: the solver), and only sopopt.solver.highs (the binding to HiGHS) imports highspy.
FORBIDDEN = {
    "sopopt.report*": ("sopopt.inputs.case", "sopopt.inputs.scenarios", "sopopt.solver", "sopopt.analysis.planner", "highspy"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    for rank, (_name, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in patterns):
            return rank
    return None


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, imported module) for every executed import in a file, lazy ones included."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
#: Every package, namespace packages (folders without __init__.py) included.
PACKAGES = {module_name(d / "__init__.py") for d in [PACKAGE, *PACKAGE.rglob("*")] if d.is_dir() and d.name != "__pycache__"}


def _known(target: str) -> str | None:
    """The sopopt module or package an import names (``from pkg import name`` may name either)."""
    while target and target not in MODULES and target not in PACKAGES:
        target = target.rpartition(".")[0]
    return target or None


def test_every_module_is_in_a_layer() -> None:
    unassigned = [m for m in MODULES if m not in EXEMPT and layer_of(m) is None]
    assert not unassigned, f"assign these modules to a layer in tests/test_layers.py: {unassigned}"


@pytest.mark.parametrize("module", sorted(set(MODULES) - EXEMPT))
def test_imports_only_from_earlier_layers(module: str) -> None:
    rank = layer_of(module)
    assert rank is not None
    later = []
    for line, target in imports(MODULES[module], module):
        known = _known(target) if target == "sopopt" or target.startswith("sopopt.") else None
        if known is None:
            continue
        if known in EXEMPT:
            # ``import sopopt`` / ``from sopopt import x``: the façade loads every layer.
            later.append(f"line {line}: {target} (the façade)")
            continue
        their = layer_of(known)
        if their is None and known in PACKAGES:
            their = layer_of(known + ".*")
        if their is not None and their > rank:
            later.append(f"line {line}: {known} ({LAYERS[their][0]} comes after {LAYERS[rank][0]})")
    assert not later, f"{module} imports from later layers: {later}"


@pytest.mark.parametrize("module", sorted(set(MODULES) - EXEMPT))
def test_forbidden_imports(module: str) -> None:
    banned = [b for pattern, names in FORBIDDEN.items() if fnmatch.fnmatchcase(module, pattern) for b in names]
    if module != "sopopt.solver.highs":
        banned.append("highspy")
    hits = [
        f"line {line}: {target}"
        for line, target in imports(MODULES[module], module)
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert not hits, f"{module} must not import {hits}"


def test_the_checker_sees_lazy_imports_and_skips_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sopopt.cli import app\n"
        "def f():\n    from sopopt.report import html\n    import sopopt.analysis.planner\n"
    )
    found = [target for _line, target in imports(source, "sopopt.probe")]
    assert "sopopt.cli" not in found
    assert {"sopopt.report", "sopopt.report.html", "sopopt.analysis.planner"} <= set(found)
    assert layer_of("sopopt.analysis.planner") > layer_of("sopopt.model.build_arrays") > layer_of("sopopt.inputs.case")
