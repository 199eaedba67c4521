"""Reading a scenario's files: the ``extend`` chain down to its model, deep-merging the
layers (child wins, every replaced value kept as a :class:`Change`), and the horizon."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.inputs.periods import period_days, period_labels
from sopopt.inputs.schema.network import Periods
from sopopt.io.paths import check_inside, display_path
from sopopt.io.reader import KeyPath, Locations, locate, read_yaml

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """A value replaced by a later layer (or an adjustment)."""

    path: KeyPath
    old: Any
    new: Any
    location: Location | None





@dataclass
class Document:
    path: Path
    data: dict[str, Any]
    locations: Locations


def read_document(path: Path, problems: list[Problem]) -> Document:
    data, locations = read_yaml(path, problems)
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(Location(display_path(path), 1), "", "the file must be a mapping of fields")]
        )
    return Document(path, data, locations)


def reference(doc: Document, key: str, workspace: Path) -> Path | None:
    """The file named by ``extend`` or ``model``: relative to ``doc``, inside the workspace."""
    value = doc.data.get(key)
    if value is None:
        return None
    where = doc.locations.get((key,)) or Location(display_path(doc.path), 1)
    if not isinstance(value, str) or not value:
        raise ScenarioError([Problem(where, key, "must be a path to a YAML file")])
    target = check_inside(doc.path.parent / value, workspace, where, key, value)
    if target.exists() and not target.is_file():
        raise ScenarioError([Problem(where, key, f"'{value}' is not a regular file")])
    if not target.is_file():
        raise ScenarioError([Problem(where, key, f"file '{value}' not found")])
    return target


def read_chain(path: Path, problems: list[Problem], workspace: Path) -> tuple[list[Document], Document]:
    """The extend chain (given file first) and the model document at its root; every
    file after the first must lie inside ``workspace``."""
    chain: list[Document] = []
    seen: list[Path] = []
    current: Path | None = path
    model_path: Path | None = None
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(display_path(p) for p in [*seen, resolved])
            where = chain[-1].locations.get(("extend",)) if chain else None
            raise ScenarioError([Problem(where, "extend", f"extend cycle: {cycle}")])
        seen.append(resolved)
        doc = read_document(current, problems)
        chain.append(doc)
        if model_path is None:
            model_path = reference(doc, "model", workspace)
        current = reference(doc, "extend", workspace)
    if model_path is None:
        # The file is itself a model (or a scenario with everything inline).
        return [], chain[0] if len(chain) == 1 else _fail_no_model(chain)
    return chain, read_document(model_path, problems)


def _fail_no_model(chain: list[Document]) -> Document:
    raise ScenarioError(
        [Problem(Location(display_path(chain[0].path), 1), "model",
                 "no file in the extend chain names a model", "add 'model: ../models/NAME.yaml'")]
    )


def deep_merge(
    base: Any, over: Any, path: KeyPath, changes: list[Change], where: Callable[[KeyPath], Location | None]
) -> Any:
    """``over`` merged onto ``base``: mappings key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base.get(key), value, (*path, key), changes, where) if key in base else value
        return merged
    if base is not None and base != over:
        changes.append(Change(path, base, over, where(path)))
        log.debug("%s: %r -> %r", ".".join(path), base, over)
    return over


def merge_locations(base: Locations, over: Locations, data: dict[str, Any]) -> Locations:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = value
    # Drop locations of entries that a replacing value removed.
    return {k: v for k, v in merged.items() if _exists(data, k)}


def _exists(data: Any, path: KeyPath) -> bool:
    node = data
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True



def get(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def put(node: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def horizon(data: dict[str, Any], locations: Locations) -> tuple[list[str], np.ndarray]:
    raw = data.get("periods")
    where = locate(locations, ("periods",))
    if raw is None:
        raise ScenarioError([Problem(where, "periods", "required field missing")])
    try:
        periods = Periods.model_validate(raw)
    except ValidationError as exc:
        from sopopt.inputs.scenarios.validation import validation_problems

        raise ScenarioError(validation_problems(exc, raw, locations, Periods, ("periods",))) from None
    try:
        labels = period_labels(periods)
        days = period_days(periods, labels)
    except ValueError as exc:
        raise ScenarioError([Problem(where, "periods", str(exc))]) from None
    return labels, days
