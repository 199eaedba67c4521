"""The cases of a sweep file: read it, find its scenario files, enumerate its grid.

A case is a starting scenario (the ``base``, or one of the ``scenarios`` files) plus one
value per grid axis. Its ``case_id`` is a stable key of that variation (the sweep's
name, the scenario's path inside the workspace and every adjustment in full), so
rerunning a sweep finds the cases it has already stored and two sweeps never share one; its ``input_hash`` covers everything the result depends on (the
resolved scenario, its solver settings, the axes' full adjustments and the time limit),
so a changed input is noticed.

Every scenario file is loaded, checked and compiled here, in the calling process, before
anything is solved: an invalid input stops the sweep at once with every problem listed,
and workers (local or on a cluster) receive the loaded cases, never paths to read.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.inputs.case import Case, adjust_case, load_case
from sopopt.inputs.scenarios.validation import sorted_problems, validation_problems
from sopopt.inputs.schema.scenario import Adjustment
from sopopt.inputs.schema.solver_options import check_time_limit
from sopopt.inputs.schema.sweep import CASE_CEILING, GridAxis, SweepSpec
from sopopt.io.paths import bounded_glob, default_workspace, display_path, workspace_folder
from sopopt.io.reader import KeyPath, Locations, locate, read_yaml
from sopopt.io.writer import replacing_folder

_SCOPES = ("periods", "product", "family", "site", "resource", "workforce", "supplier", "lane", "name", "option")


@dataclass(frozen=True)
class SweepCase:
    """One case of a sweep: a starting scenario and one value per grid axis."""

    case_id: str
    """Stable key of the variation."""
    scenario: str
    """The starting scenario's path inside the workspace (its key in :attr:`Sweep.bases`)."""
    values: dict[str, float]
    """The value of each grid axis, by axis name."""
    adjustments: tuple[tuple[Adjustment, KeyPath], ...]
    """The adjustments that make the case, each with its key path in the sweep file."""
    input_hash: str
    """Digest of every input the result depends on."""

    @property
    def variation(self) -> dict[str, Any]:
        """What makes this case: its scenario and each axis's value (stored as JSON)."""
        return {"scenario": self.scenario, **self.values}


@dataclass(frozen=True)
class Sweep:
    """A sweep file read and checked: its cases and the scenarios they start from."""

    name: str
    path: Path
    spec: SweepSpec
    workspace: Path
    time_limit: float | None
    """Seconds per case before the solver stops (the file's, or the override)."""
    bases: dict[str, Case]
    cases: list[SweepCase]
    locations: Locations

    def case(self, case_id: str) -> SweepCase:
        """The case with this id.

        Raises:
            ScenarioError: no case of the sweep has this id.
        """
        for case in self.cases:
            if case.case_id == case_id:
                return case
        raise ScenarioError([Problem(Location(display_path(self.path)), "", f"the sweep has no case '{case_id}'")])

    def load(self, case: SweepCase) -> Case:
        """The case, adjusted, checked and compiled, ready to solve."""
        return make_case(self.bases[case.scenario], case, self.name, self.locations)


def make_case(base: Case, case: SweepCase, sweep_name: str, locations: Locations | None = None, *,
              warn: bool = True) -> Case:
    """A sweep case built from its loaded starting scenario (workers call this with
    ``warn=False``: a sweep's rows carry no input warnings)."""
    if not case.adjustments:
        return base
    return adjust_case(base, case.adjustments, locations, name=f"{sweep_name} {case.case_id}", warn=warn)


def load_sweep(path: str | Path, *, max_cases: int | None = None, time_limit: float | None = None,
               workspace: str | Path | None = None, strict: bool = False) -> Sweep:
    """Read a sweep file, find its scenarios, check them and enumerate its cases.

    ``max_cases`` and ``time_limit`` override the file's fields. Every scenario file and
    glob match must resolve (symlinks too) inside ``workspace`` (default: the current
    folder when the sweep file lies below it, else the sweep file's folder), and so must
    every file those scenarios name. With ``strict``, a warning in a scenario (see
    :func:`sopopt.load_case`) is an error.

    Raises:
        ScenarioError: every problem found, each with file, line and field.
        StrictError: ``strict`` and a scenario has warnings.
    """
    path = Path(path)
    data, locations = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(Location(display_path(path), 1), "", "the file must be a mapping of fields")])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(sorted_problems(validation_problems(exc, data, locations, SweepSpec))) from None
    root = workspace_folder(workspace) if workspace is not None else default_workspace(path)
    files = _scenario_files(path, spec, locations, root)
    cap = max_cases if max_cases is not None else spec.max_cases
    count = len(files) * _grid_size(spec)
    if count > min(cap, CASE_CEILING):
        raise ScenarioError([Problem(locate(locations, ("grid",)) or Location(display_path(path), 1), "max_cases",
                                     f"the sweep has {count:,} cases, more than the cap of {cap:,}",
                                     "raise max_cases (or --max-cases) or shrink the grid")])
    if time_limit is not None:  # the flag is capped like the field (see schema/solver_options.py)
        try:
            check_time_limit(time_limit)
        except ValueError as exc:
            raise ScenarioError([Problem(None, "time_limit", str(exc))]) from None
    limit = time_limit if time_limit is not None else spec.time_limit
    bases, cases = {}, []
    name = spec.name or path.stem
    for file in files:
        key = _relative(file, root)
        bases[key] = load_case(file, workspace=root, strict=strict)
        cases += list(_grid_cases(key, bases[key], spec, limit, name))
    sweep = Sweep(name, path, spec, root, limit, bases, cases, locations)
    for key in bases:  # every axis must match something in every scenario: fail early
        first = next(c for c in cases if c.scenario == key)
        sweep.load(first)
    return sweep


def _relative(file: Path, root: Path) -> str:
    return file.resolve().relative_to(root).as_posix()


def _scenario_files(path: Path, spec: SweepSpec, locations: Locations, root: Path) -> list[Path]:
    """The scenario files of a sweep, in order, each once, all inside the workspace."""
    folder = path.parent
    entries = [("base",)] if spec.base is not None else [("scenarios", str(i)) for i in range(len(spec.scenarios or []))]
    found: dict[Path, None] = {}
    problems = []
    for key in entries:
        pattern = spec.base if key == ("base",) else (spec.scenarios or [])[int(key[1])]
        assert pattern is not None
        where = locate(locations, key)
        try:
            matches = bounded_glob(folder, pattern, root, min(spec.max_cases, CASE_CEILING))
        except ValueError as exc:
            problems.append(Problem(where, ".".join(key), f"'{pattern}' {exc}",
                                    "keep scenarios in the workspace, or give --workspace"))
            continue
        if not matches:
            problems.append(Problem(where, ".".join(key), f"'{pattern}' matches no file in the workspace"))
        for match in matches:
            found[match.resolve()] = None
    if problems:
        raise ScenarioError(sorted_problems(problems))
    return list(found)


def _grid_size(spec: SweepSpec) -> int:
    size = 1
    for axis in spec.grid.values():
        size *= len(axis.values)
    return size


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def input_hash(case: Case, time_limit: float | None = None) -> str:
    """Digest of a loaded case's inputs: its resolved data (tables included), solver
    settings and the time limit it is solved with."""
    return _digest(_canonical(case.resolved), case.solver.model_dump_json(), _canonical(time_limit))[:32]


def _grid_cases(scenario: str, base: Case, spec: SweepSpec, time_limit: float | None,
                sweep_name: str) -> Iterator[SweepCase]:
    """Every combination of the grid's values over one starting scenario. A case's id
    covers the sweep's name, the scenario and every adjustment in full (target, scope,
    value), so two sweeps never share an id unless they ask for the same case."""
    base_hash = input_hash(base, time_limit)
    names = list(spec.grid)
    for combo in itertools.product(*(spec.grid[name].values for name in names)):
        values = dict(zip(names, combo, strict=True))
        adjustments = tuple((grid_adjustment(spec.grid[name], value), ("grid", name))
                            for name, value in values.items())
        full = _canonical([adj.model_dump(exclude_defaults=True) for adj, _ in adjustments])
        case_id = "c" + _digest(_canonical({"sweep": sweep_name, "scenario": scenario}), full)[:11]
        yield SweepCase(case_id, scenario, values, adjustments, _digest(base_hash, full)[:32])


def grid_adjustment(axis: GridAxis, value: float) -> Adjustment:
    """The adjustment of one value of a grid axis."""
    scope = {name: getattr(axis, name) for name in _SCOPES if getattr(axis, name) is not None}
    return Adjustment(target=axis.target, **{axis.operation: value}, **scope)


def export_cases(sweep: Sweep, folder: Path) -> list[Path]:
    """Write every case as a scenario file ``folder/<case_id>.yaml`` that extends its
    starting scenario (or runs on it, when it is a model file) with the case's
    adjustments; solving it gives the case's plan. The folder is written whole through
    the one writer (refused unless it is sopopt's own)."""
    # A scenario is extended; a model file (no model or extend of its own) is run on.
    link = {key: "extend" if {"model", "extend"} & set(read_yaml(sweep.workspace / key)[0]) else "model"
            for key in sweep.bases}
    with replacing_folder(Path(folder), kind="cases", option="--export-cases") as out:
        for case in sweep.cases:
            out.text(f"{case.case_id}.yaml", _case_file(sweep, case, link[case.scenario], Path(folder)))
    return out.written


def _case_file(sweep: Sweep, case: SweepCase, link: str, folder: Path) -> str:
    """The scenario file of one case: its starting scenario and its adjustments."""
    import yaml

    base = sweep.workspace / case.scenario
    document: dict[str, Any] = {link: Path(os.path.relpath(base, folder.resolve())).as_posix()}
    if case.adjustments:
        document["name"] = f"{sweep.name} {case.case_id}"
        document["adjust"] = [adj.model_dump(exclude_defaults=True) for adj, _ in case.adjustments]
    if sweep.time_limit is not None:
        document["solver"] = {"time_limit": sweep.time_limit}
    header = f"# sweep '{sweep.name}', case {case.case_id}: {_canonical(case.variation)}\n"
    return header + yaml.safe_dump(document, sort_keys=False, default_flow_style=None)
