"""A planning case: a resolved scenario, checked, with its model data compiled.

:func:`load_case` runs the whole input side in order: resolve the scenario
(:mod:`sopopt.inputs.scenarios`), check cross-references (:mod:`sopopt.inputs.checks`), compile the
model data (:func:`sopopt.inputs.compile.compile_data`), and raise every problem found as one
:class:`~sopopt.errors.ScenarioError`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from pydantic import ValidationError

from sopopt.errors import DataWarning, Location, Problem, ScenarioError, StrictError
from sopopt.inputs.checks import check_network
from sopopt.inputs.compile import ModelData, compile_data
from sopopt.inputs.scenarios import Change, Resolved, resolve_scenario
from sopopt.inputs.scenarios.adjustments import apply_adjustments
from sopopt.inputs.scenarios.validation import sorted_problems, validation_problems
from sopopt.inputs.schema.network import Network
from sopopt.inputs.schema.scenario import Adjustment, ExplainSettings, ReplanSettings, SolverSettings
from sopopt.inputs.warnings import find_warnings
from sopopt.io.reader import KeyPath, Locations, locate

T = TypeVar("T")


class _FromScenario(Generic[T]):
    """A read-only attribute of :class:`Case` that reads its resolved scenario's
    attribute of the same name (stored once, in :class:`~sopopt.inputs.scenarios.Resolved`)."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, case: Case | None, owner: type | None = None) -> T:
        if case is None:
            return self  # type: ignore[return-value]  # the class attribute: this descriptor
        return getattr(case.scenario, self.name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Case:
    """A resolved, validated planning case: everything the model build needs.

    It holds the :class:`~sopopt.inputs.scenarios.Resolved` scenario (whose fields it
    reads through: ``case.network``, ``case.labels``, ...), the compiled model data and
    the warnings found when it was checked.
    """

    scenario: Resolved
    """The scenario after merging, tables and adjustments, schema-valid."""
    data: ModelData | None = field(default=None, repr=False)
    """The compiled parameters (set when the case was checked)."""
    warnings: list[DataWarning] = field(default_factory=list, repr=False)
    """Valid but suspicious input (see :mod:`sopopt.inputs.warnings`), found when checked."""

    network = _FromScenario[Network]("The merged, adjusted and validated data.")
    labels = _FromScenario[list[str]]("Period labels in order.")
    days = _FromScenario[np.ndarray]("Length of each period in days.")
    solver = _FromScenario[SolverSettings]("Solver settings from the files.")
    source = _FromScenario[Path]("The scenario (or model) file that was loaded.")
    files = _FromScenario[list[Path]]("Every file read: the chain from the given file to the model, then "
                                      "tables.")
    workspace = _FromScenario[Path]("The folder every file the scenario names must lie in.")
    locations = _FromScenario[Locations]("Where every key path was written.")
    changes = _FromScenario[list[Change]]("Values replaced down the extend chain and by adjustments.")
    resolved = _FromScenario[dict[str, Any]]("The merged data as plain values (what ``sopopt show`` prints).")
    explain = _FromScenario[ExplainSettings]("How an infeasible case is explained.")
    replan = _FromScenario[ReplanSettings]("Change costs when the case re-plans a previous plan.")
    adjustments = _FromScenario[list[tuple[Adjustment, Location | None]]](
        "The adjustments applied, in order, with where each was written.")

    def where(self, *path: str) -> Location | None:
        """Location of the deepest recorded prefix of ``path``."""
        return locate(self.locations, tuple(path))


def load_case(
    path: str | Path, *, workspace: str | Path | None = None, check: bool = True, strict: bool = False,
    own_adjust: bool = True,
) -> Case:
    """Read a scenario (or a model file) and return the validated case.

    ``extend``, ``model`` and every table must lie inside ``workspace`` (symlinks
    resolved). Default: the current directory when ``path`` lies below it, else the
    folder of ``path``.

    With ``check=False`` the case is resolved and schema-valid but neither
    cross-checked nor compiled (``case.data`` is None): enough for ``show`` and ``diff``.

    ``own_adjust=False``: without the ``adjust`` entries of ``path`` itself (see
    :func:`~sopopt.inputs.scenarios.resolve_scenario`).

    A checked case lists its warnings (valid but suspicious input) in ``case.warnings``;
    with ``strict=True`` they are raised as a :class:`~sopopt.errors.StrictError`.

    Raises:
        ScenarioError: every problem found in the files, each with file, line and field.
        StrictError: ``strict`` and the case has warnings.
    """
    r = resolve_scenario(path, workspace, own_adjust=own_adjust)
    data = None
    warnings: list[DataWarning] = []
    if check:
        data = _checked_data(r.network, r.labels, r.days, r.locations)
        warnings = find_warnings(r.network, r.labels, r.locations)
        if strict and warnings:
            raise StrictError(warnings)
    return Case(r, data=data, warnings=warnings)


def _checked_data(network: Network, labels: list[str], days: np.ndarray, locations: Locations) -> ModelData:
    """Cross-check a network and compile its model data; raise every problem at once."""
    problems = check_network(network, locations)
    data = compile_data(network, labels, days)
    problems += [Problem(locate(locations, p), ".".join(p), message) for p, message in data.problems]
    if problems:
        raise ScenarioError(sorted_problems(problems))
    return data


def copy_tree(value: Any) -> Any:
    """A deep copy of resolved scenario data: dicts and lists copied, strings and numbers
    (immutable) shared; anything else deep-copied. Several times faster than
    :func:`copy.deepcopy` on such data (a sweep copies it once per case)."""
    kind = type(value)
    if kind is dict:
        return {key: copy_tree(item) for key, item in value.items()}
    if kind is list:
        return [copy_tree(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def adjust_case(
    case: Case, adjustments: Sequence[tuple[Adjustment, KeyPath]], locations: Locations | None = None,
    name: str | None = None, *, warn: bool = True,
) -> Case:
    """The case with more adjustments applied after its own, checked and compiled.

    Gives the same case as a scenario file that extends ``case.source`` and lists these
    adjustments under ``adjust`` (a sweep's grid cases are made this way, without
    reading any file again). ``adjustments`` pairs each adjustment with its key path in
    the file that wrote it, and ``locations`` maps key paths of that file to where they
    were written, for error messages. ``warn=False`` skips looking for warnings
    (``case.warnings`` stays empty), e.g. for the many cases of a sweep.

    Raises:
        ScenarioError: an adjustment matches nothing, or the adjusted data is invalid.
    """
    data = copy_tree(case.resolved)
    changes = list(case.changes)
    if name is not None:
        data["name"] = name
    where = locations or {}
    problems = apply_adjustments(data, [(adj, path, where) for adj, path in adjustments], case.labels, changes)
    if problems:
        raise ScenarioError(sorted_problems(problems))
    try:
        network = Network.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(sorted_problems(validation_problems(exc, data, case.locations, Network))) from None
    model_data = _checked_data(network, case.labels, case.days, case.locations)
    applied = [*case.adjustments, *((adj, where.get(path)) for adj, path in adjustments)]
    warnings = find_warnings(network, case.labels, case.locations) if warn else []
    scenario = replace(case.scenario, network=network, changes=changes, resolved=data, adjustments=applied)
    return replace(case, scenario=scenario, data=model_data, warnings=warnings)
