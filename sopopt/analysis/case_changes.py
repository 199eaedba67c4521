"""Grid cases as changes to the compiled data of their starting scenario (issue 25).

Made in full, a grid case is its adjustments applied to the scenario's data, pydantic
validation, the cross-checks and compiling: on a 1e4 network about as long as the case's
HiGHS call. Here every value of every axis is made in full once, alone on the starting
scenario (validated like any case), and what it changes in the compiled data is kept:
which records of :class:`~sopopt.inputs.compile.ModelData`'s keyed groups (items,
resources, suppliers, ...) and which of their fields. A case is then the starting
scenario's compiled data with its axes' changed records put in. That is exact when the
axes reach disjoint inputs, which is checked once per starting scenario:

- the axes change only records of the keyed groups (not the periods, bill, classes,
  targets, ...), and each value of each axis made alone is valid;
- the scenario entities each axis changes over all its values (a product with its sites,
  a supplier, a resource, ...; compared in the resolved scenario data) are disjoint
  between axes, and so are the compiled records they change (compiling maps an entity's
  fields to its own records; a derived field, such as a lost sale's cost raised to the
  price or a safety stock from demand, stays within the entity's records);
- as a check of that on this scenario, the two corner cases (every axis at its first
  value, every axis at its last) made in full equal their composed data exactly.

Otherwise, and when the grid has one axis or so few cases that learning its values would
make as many cases in full (:func:`worth_learning`), every case of the scenario is made
in full (:func:`make_case`), as before. The
composed data shares unchanged records with the starting scenario's: nothing may change
a case's data in place (the Resolver replaces a record it changes).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from sopopt.errors import ScenarioError
from sopopt.inputs.case import Case, adjust_case
from sopopt.inputs.compile import ModelData
from sopopt.inputs.schema.scenario import Adjustment
from sopopt.inputs.schema.sweep import GridAxis

#: (group, key) -> {field: new value}: what one axis value changes in the compiled data.
Changes = dict[tuple[str, Any], dict[str, Any]]


def keyed_groups(data: ModelData) -> list[str]:
    """ModelData's fields that map keys to records (dataclass instances)."""
    found = []
    for spec in dataclasses.fields(data):
        value = getattr(data, spec.name)
        if isinstance(value, dict) and all(dataclasses.is_dataclass(v) for v in value.values()):
            found.append(spec.name)
    return found


def same(x: Any, y: Any) -> bool:
    """Exact equality of compiled values (arrays, containers and records, recursively)."""
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.shape == y.shape and bool(
            np.array_equal(x, y, equal_nan=x.dtype.kind == "f" and y.dtype.kind == "f"))
    if type(x) is not type(y):
        return False
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(same(v, y[k]) for k, v in x.items())
    if isinstance(x, list | tuple):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    if dataclasses.is_dataclass(x):
        return same(vars(x), vars(y))
    return bool(x == y)


def compiled_changes(base: ModelData, other: ModelData) -> Changes | None:
    """The records (and their fields) of ``other`` that differ from ``base``; None when
    anything else differs (a record added or removed, or a field outside the keyed
    groups)."""
    groups = keyed_groups(base)
    for spec in dataclasses.fields(base):
        if spec.name not in groups and spec.name != "problems" and not same(getattr(base, spec.name),
                                                                             getattr(other, spec.name)):
            return None
    changes: Changes = {}
    for group in groups:
        mine, theirs = getattr(base, group), getattr(other, group)
        if not isinstance(theirs, dict) or mine.keys() != theirs.keys():
            return None
        for key, record in mine.items():
            if record is theirs[key]:
                continue
            fields = {name: value for name, value in vars(theirs[key]).items() if not same(vars(record)[name], value)}
            if fields:
                changes[group, key] = fields
    return changes


def entities(base: Mapping[str, Any], other: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The entities of the resolved scenario data that differ: (section, name) for
    sections that map names to entities, (section, "") for any other section."""
    found = set()
    for section in base.keys() | other.keys():
        if section == "name":
            continue
        mine, theirs = base.get(section), other.get(section)
        if isinstance(mine, dict) and isinstance(theirs, dict) and all(isinstance(v, dict) for v in mine.values()):
            found |= {(section, str(k)) for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
        elif mine != theirs:
            found.add((section, ""))
    return found


def compose(base: ModelData, parts: list[Changes]) -> ModelData:
    """The base data with each part's changed records put in (the base is not changed)."""
    data = copy.copy(base)
    data.problems = []
    copied: set[str] = set()
    for part in parts:
        for (group, key), fields in part.items():
            if group not in copied:
                setattr(data, group, dict(getattr(data, group)))
                copied.add(group)
            records = getattr(data, group)
            record = copy.copy(records[key])
            for name, value in fields.items():
                setattr(record, name, value)
            records[key] = record
    return data


def worth_learning(axes: Mapping[str, GridAxis]) -> bool:
    """True when making every axis value alone, plus the two corner cases, makes no more
    cases in full than the grid has (one axis: every case is an axis value alone)."""
    sizes = [len(axis.values) for axis in axes.values()]
    return len(sizes) >= 2 and sum(sizes) + 2 <= math.prod(sizes)


class GridChanges:
    """The grid cases of one starting scenario, made as changes to its compiled data
    (see the module docstring); ``usable`` is False when they must be made in full."""

    def __init__(self, base: Case, axes: Mapping[str, GridAxis], adjustment: Any) -> None:
        """``adjustment(axis, value)``: the :class:`Adjustment` of one axis value."""
        self.base = base
        self.parts: dict[str, dict[float, Changes]] = {}
        self.usable = base.data is not None and worth_learning(axes) and self._learn(axes, adjustment)
        if self.usable:
            first = {name: axis.values[0] for name, axis in axes.items()}
            last = {name: axis.values[-1] for name, axis in axes.items()}
            self.usable = all(self._checks(corner, axes, adjustment) for corner in (first, last))

    def _alone(self, adjustments: list[tuple[Adjustment, tuple[str, ...]]]) -> Case | None:
        try:
            return adjust_case(self.base, adjustments, None, warn=False)
        except ScenarioError:
            return None

    def _learn(self, axes: Mapping[str, GridAxis], adjustment: Any) -> bool:
        """Make every axis value alone; False when the axes are not disjoint."""
        assert self.base.data is not None
        raw: dict[str, set[tuple[str, str]]] = {}
        records: dict[str, set[tuple[str, Any]]] = {}
        for name, axis in axes.items():
            self.parts[name], raw[name], records[name] = {}, set(), set()
            for value in axis.values:
                case = self._alone([(adjustment(axis, value), ("grid", name))])
                changes = None if case is None or case.data is None else compiled_changes(self.base.data, case.data)
                if case is None or changes is None:
                    return False
                self.parts[name][value] = changes
                raw[name] |= entities(self.base.resolved, case.resolved)
                records[name] |= set(changes)
        names = list(axes)
        for i, first in enumerate(names):
            for second in names[i + 1:]:
                if raw[first] & raw[second] or records[first] & records[second]:
                    return False
        return True

    def _checks(self, values: Mapping[str, float], axes: Mapping[str, GridAxis], adjustment: Any) -> bool:
        """The case of these axis values made in full equals its composed data."""
        full = self._alone([(adjustment(axes[name], value), ("grid", name)) for name, value in values.items()])
        return full is not None and full.data is not None and same(vars(full.data) | {"problems": []},
                                                                    vars(self.data(values)) | {"problems": []})

    def data(self, values: Mapping[str, float]) -> ModelData:
        """The compiled data of the case with these axis values."""
        assert self.base.data is not None
        return compose(self.base.data, [self.parts[name][value] for name, value in values.items()])

    def case(self, values: Mapping[str, float]) -> Case:
        """The case with these axis values (its scenario is the starting one's: only its
        compiled data is the case's)."""
        return dataclasses.replace(self.base, data=self.data(values))
