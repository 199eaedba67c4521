"""Targets read from a table: ``targets: {file: budget.csv}`` (CSV or Excel).

One row per target with the fields of a target as columns (see
:class:`~sopopt.inputs.schema.targets.Target`); an empty cell leaves the field out, a
cell of names or periods separated by ``;`` is a list. Every value keeps the file, line
and column it came from, so a bad target is reported at its cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.inputs.scenarios.chain import Change, Document
from sopopt.inputs.schema.scenario import Adjustment
from sopopt.inputs.schema.targets import Target
from sopopt.io.paths import check_inside, display_path
from sopopt.io.reader import Locations, number_cell, read_table

NUMBER_FIELDS = ("value", "shortfall_cost")
LIST_FIELDS = ("periods", "product", "family", "site")


def _cell(column: str, text: str, here: Location) -> Any:
    if column in NUMBER_FIELDS:
        return number_cell(text, here, column, column)
    if column in LIST_FIELDS and ";" in text:
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def read_targets_table(path: Path, sheet: str | None, where: Location) -> tuple[list[dict[str, Any]], Locations]:
    """The targets of a table, as YAML would give them, with each cell's location."""
    rows = read_table(path, sheet, where, "targets.file")
    name = display_path(path)
    header = list(rows[0][1]) if rows else []
    unknown = [h for h in header if h and h not in Target.model_fields]
    if unknown:
        raise ScenarioError([Problem(Location(name, 1), "targets", f"unknown column(s): {', '.join(unknown)}",
                                     f"columns are the fields of a target: {', '.join(Target.model_fields)}")])
    targets: list[dict[str, Any]] = []
    locations: Locations = {}
    problems: list[Problem] = []
    for i, (line, row) in enumerate(rows):
        entry: dict[str, Any] = {}
        locations["targets", str(i)] = Location(name, line)
        for column, text in row.items():
            if not column or text == "":
                continue
            here = Location(name, line, header.index(column) + 1)
            try:
                entry[column] = _cell(column, text, here)
            except ScenarioError as exc:
                problems.extend(exc.problems)
            locations["targets", str(i), column] = here
        targets.append(entry)
    if problems:
        raise ScenarioError(problems)
    return targets, locations


def expand_targets(doc: Document, workspace: Path, files: list[Path]) -> None:
    """Replace ``targets: {file: ...}`` by the table's targets (nothing else given)."""
    ref = doc.data.get("targets")
    if not isinstance(ref, dict) or "file" not in ref:
        return
    where = doc.locations.get(("targets", "file")) or doc.locations.get(("targets",)) or Location(
        display_path(doc.path))
    unknown = set(ref) - {"file", "sheet"}
    if unknown or not isinstance(ref["file"], str) or not isinstance(ref.get("sheet"), str | None):
        raise ScenarioError([Problem(where, "targets", "give {file: NAME} (and optionally sheet: NAME), nothing else")])
    table = check_inside(doc.path.parent / ref["file"], workspace, where, "targets.file", ref["file"])
    files.append(table)
    doc.data["targets"], locations = read_targets_table(table, ref.get("sheet"), where)
    for key in [k for k in doc.locations if k[:1] == ("targets",) and len(k) > 1]:
        del doc.locations[key]
    doc.locations.update(locations)


def adjust_targets(
    data: dict[str, Any], adj: Adjustment, field_name: str, where: Location | None, changes: list[Change]
) -> list[Problem]:
    """Apply a ``target_value`` adjustment to the targets it names (all when no ``name``)."""
    if adj.periods is not None:
        return [Problem(where, f"{field_name}.periods", "a target's value is one number: drop 'periods' "
                        "(the target's own periods say where it applies)")]
    names = None if adj.name is None else ([adj.name] if isinstance(adj.name, str) else list(adj.name))
    matched = 0
    for i, target in enumerate(data.get("targets") or []):
        if not isinstance(target, dict) or (names is not None and target.get("name") not in names):
            continue
        old = target.get("value")
        if not isinstance(old, int | float) or isinstance(old, bool):
            continue
        new = adj.set if adj.set is not None else old * adj.multiply + adj.add
        new = float(f"{new:.12g}")
        changes.append(Change(("targets", str(i), "value"), old, new, where))
        target["value"] = new
        matched += 1
    if not matched:
        return [Problem(where, field_name, "adjustment of 'target_value' matches no target",
                        "check its name (targets are named by 'name')")]
    return []
