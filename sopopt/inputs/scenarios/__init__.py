"""Resolve a scenario file into one schema-valid network.

Precedence, lowest first (a later layer wins):

1. the model file named by ``model:`` (master data);
2. each scenario of the ``extend`` chain, from the root ancestor down to the file given:
   its fields are deep-merged over the layers before it (mappings merge key by key;
   numbers, lists and series replace what was there);
3. the ``adjust`` lists of the chain, applied in the same order (ancestor's first,
   then the file's own, each list top to bottom) on the merged data;
4. options given on the command line (``--time-limit``, ``--threads``) over ``solver``.

Within one file a key given twice is an error. Down the chain the child wins, and every
replaced value is logged at DEBUG as ``old -> new`` and kept in :attr:`Resolved.changes`
for ``sopopt show``.

The steps live in their own modules: :mod:`~sopopt.inputs.scenarios.chain` (reading and
merging), :mod:`~sopopt.inputs.scenarios.tables` (CSV and Excel tables),
:mod:`~sopopt.inputs.scenarios.adjustments` and :mod:`~sopopt.inputs.scenarios.validation` (schema
errors in the user's terms). Cross-reference checks and compiling the model data come
after, in :func:`sopopt.inputs.case.load_case`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.inputs.scenarios.adjustments import apply_adjustments
from sopopt.inputs.scenarios.chain import Change, Document, deep_merge, horizon, merge_locations, read_chain
from sopopt.inputs.scenarios.tables import expand_tables
from sopopt.inputs.scenarios.validation import sorted_problems, validation_problems
from sopopt.inputs.schema.network import Network
from sopopt.inputs.schema.scenario import (
    SCENARIO_KEYS,
    Adjustment,
    ExplainSettings,
    ReplanSettings,
    ScenarioMeta,
    SolverSettings,
)
from sopopt.io.paths import default_workspace, display_path, workspace_folder
from sopopt.io.reader import KeyPath, Locations, locate


@dataclass(frozen=True)
class Resolved:
    """A scenario after merging, tables and adjustments, validated against the schema."""

    network: Network
    labels: list[str]
    days: np.ndarray
    solver: SolverSettings
    source: Path
    files: list[Path]
    workspace: Path
    locations: Locations = field(repr=False)
    changes: list[Change] = field(default_factory=list, repr=False)
    resolved: dict[str, Any] = field(default_factory=dict, repr=False)
    explain: ExplainSettings = field(default_factory=ExplainSettings)
    adjustments: list[tuple[Adjustment, Location | None]] = field(default_factory=list, repr=False)
    replan: ReplanSettings = field(default_factory=ReplanSettings)


def _expand_all_tables(documents: list[Document], root: Path, files: list[Path], problems: list[Problem]) -> None:
    """Read the tables every document names; raise with all problems if any table fails."""
    soft = len(problems)
    for doc in documents:
        try:
            expand_tables(doc, root, files)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if len(problems) > soft:
        raise ScenarioError(sorted_problems(problems))


@dataclass
class _Merged:
    """The documents of a chain merged: data and where each key was written, the
    adjustments in order, and the settings (the child's win)."""

    changes: list[Change] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    locations: Locations = field(default_factory=dict)
    adjustments: list[tuple[Adjustment, KeyPath, Locations]] = field(default_factory=list)
    solver: SolverSettings = field(default_factory=SolverSettings)
    explain: ExplainSettings = field(default_factory=ExplainSettings)
    replan: ReplanSettings = field(default_factory=ReplanSettings)


def _merge_documents(
    documents: list[Document], model: Document, problems: list[Problem], skip: Document | None = None,
) -> _Merged:
    """Merge the model file, then the chain root to leaf; collect each document's
    adjustments (not those of ``skip``) and settings. Problems are appended to ``problems``."""
    merged = _Merged()
    for doc in documents:
        meta_raw = {k: v for k, v in doc.data.items() if k in SCENARIO_KEYS}
        fields = {k: v for k, v in doc.data.items() if k not in SCENARIO_KEYS}
        if doc is model and meta_raw.get("model") is not None:
            problems.append(Problem(doc.locations.get(("model",)), "model", "a model file cannot name another model"))
        try:
            meta = ScenarioMeta.model_validate(meta_raw)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, meta_raw, doc.locations, ScenarioMeta))
            continue
        if doc is not skip:
            merged.adjustments += [(adj, ("adjust", str(i)), doc.locations) for i, adj in enumerate(meta.adjust)]
        if "solver" in meta_raw:
            merged.solver = SolverSettings.model_validate(deep_merge(
                merged.solver.model_dump(exclude_unset=True), meta_raw["solver"], ("solver",), merged.changes,
                lambda p: None))
        if "explain" in meta_raw:
            merged.explain = meta.explain  # down the chain the child's settings win
        if "replan" in meta_raw:
            merged.replan = meta.replan
        doc_locations = doc.locations
        merged.data = deep_merge(merged.data, fields, (), merged.changes, lambda p, d=doc_locations: locate(d, p))
        merged.locations = merge_locations(merged.locations, doc.locations, merged.data)
    return merged


def resolve_scenario(path: str | Path, workspace: str | Path | None = None, *, own_adjust: bool = True) -> Resolved:
    """Read a scenario (or a model file): merge its chain, read its tables, apply its
    adjustments and validate the result against the schema. ``own_adjust=False``
    leaves out the adjustments of the file ``path`` itself (those of the files it
    extends stay): what the scenario is without them (``sopopt explain BASE OTHER``).

    Every file the scenario names (``extend``, ``model``, tables) must resolve, symlinks
    followed, inside ``workspace``; by default the current directory when ``path`` lies
    below it, else the folder of ``path``. ``path`` itself is the caller's choice.

    Raises:
        ScenarioError: every problem found in the files, each with file, line and field.
    """
    source = Path(path)
    if not source.is_file():
        raise ScenarioError([Problem(Location(display_path(source)), "", "file not found")])
    root = workspace_folder(workspace) if workspace is not None else default_workspace(source)
    problems: list[Problem] = []
    chain, model = read_chain(source, problems, root)
    documents = [model, *reversed(chain)]
    files = [doc.path for doc in [*chain, model]]
    soft = len(problems)  # key problems while reading: checking can go on
    _expand_all_tables(documents, root, files, problems)

    merged = _merge_documents(documents, model, problems, None if own_adjust or not chain else chain[0])
    changes, data, locations, adjustments = merged.changes, merged.data, merged.locations, merged.adjustments
    if len(problems) > soft:
        raise ScenarioError(sorted_problems(problems))

    if chain and "name" not in chain[0].data:
        # A scenario without a name of its own is named after its file.
        data["name"] = source.stem
    try:
        labels, days = horizon(data, locations)
    except ScenarioError as exc:
        raise ScenarioError(sorted_problems([*problems, *exc.problems])) from None
    problems.extend(apply_adjustments(data, adjustments, labels, changes))
    try:
        network = Network.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(sorted_problems([*problems, *validation_problems(exc, data, locations, Network)])) from None
    if problems:
        raise ScenarioError(sorted_problems(problems))
    applied = [(adj, where.get(path)) for adj, path, where in adjustments]
    return Resolved(network, labels, days, merged.solver, source, files, root, locations, changes, data,
                    merged.explain, adjustments=applied, replan=merged.replan)


__all__ = ["Change", "Resolved", "deep_merge", "resolve_scenario", "sorted_problems"]
