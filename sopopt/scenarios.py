"""Resolve a scenario file into one validated planning case.

Precedence, lowest first (a later layer wins):

1. the model file named by ``model:`` (master data);
2. each scenario of the ``extend`` chain, from the root ancestor down to the file given:
   its fields are deep-merged over the layers before it (mappings merge key by key;
   numbers, lists and series replace what was there);
3. the ``adjust`` lists of the chain, applied in the same order (ancestor's first,
   then the file's own, each list top to bottom) on the merged data;
4. options given on the command line (``--time-limit``, ``--threads``) over ``solver``.

Within one file a key given twice is an error. Down the chain the child wins, and every
replaced value is logged at DEBUG as ``old -> new`` and kept in :attr:`Case.changes` for
``sopopt show``.
"""

from __future__ import annotations

import copy
import difflib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.loading import (
    KeyPath,
    Locations,
    check_inside,
    display_path,
    number_cell,
    read_table,
    read_yaml,
)
from sopopt.model.sets import ModelData
from sopopt.periods import expand_series, period_days, period_indices, period_labels
from sopopt.schema.network import Network, Periods, ProductSite
from sopopt.schema.scenario import ADJUSTABLE, SCENARIO_KEYS, Adjustment, ScenarioMeta, SolverSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """A value replaced by a later layer (or an adjustment)."""

    path: KeyPath
    old: Any
    new: Any
    location: Location | None


@dataclass(frozen=True)
class Case:
    """A resolved, validated planning case: everything the model build needs."""

    network: Network
    """The merged, adjusted and validated data."""
    labels: list[str]
    """Period labels in order."""
    days: np.ndarray
    """Length of each period in days."""
    solver: SolverSettings
    """Solver settings from the files."""
    source: Path
    """The scenario (or model) file that was loaded."""
    files: list[Path]
    """Every file read: the chain from the given file to the model, then tables."""
    locations: Locations = field(repr=False)
    """Where every key path was written."""
    changes: list[Change] = field(default_factory=list, repr=False)
    """Values replaced down the extend chain and by adjustments."""
    resolved: dict[str, Any] = field(default_factory=dict, repr=False)
    """The merged data as plain values (what ``sopopt show`` prints)."""
    data: ModelData | None = field(default=None, repr=False)
    """The compiled parameters (set when the case was checked)."""

    def where(self, *path: str) -> Location | None:
        """Location of the deepest recorded prefix of ``path``."""
        return locate(self.locations, tuple(path))


def locate(locations: Locations, path: KeyPath) -> Location | None:
    """Location of the deepest prefix of ``path`` that was recorded."""
    for end in range(len(path), -1, -1):
        if (found := locations.get(path[:end])) is not None:
            return found
    return None


# --------------------------------------------------------------------------- reading


@dataclass
class _Document:
    path: Path
    data: dict[str, Any]
    locations: Locations


def _read_document(path: Path, problems: list[Problem]) -> _Document:
    data, locations = read_yaml(path, problems)
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(Location(display_path(path), 1), "", "the file must be a mapping of fields")]
        )
    return _Document(path, data, locations)


def _reference(doc: _Document, key: str) -> Path | None:
    value = doc.data.get(key)
    if value is None:
        return None
    where = doc.locations.get((key,))
    if not isinstance(value, str) or not value:
        raise ScenarioError([Problem(where, key, "must be a path to a YAML file")])
    target = (doc.path.parent / value)
    if not target.is_file():
        raise ScenarioError([Problem(where, key, f"file '{value}' not found")])
    return target


def _read_chain(path: Path, problems: list[Problem]) -> tuple[list[_Document], _Document]:
    """The extend chain (given file first) and the model document at its root."""
    chain: list[_Document] = []
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
        doc = _read_document(current, problems)
        chain.append(doc)
        if model_path is None:
            model_path = _reference(doc, "model")
        current = _reference(doc, "extend")
    if model_path is None:
        # The file is itself a model (or a scenario with everything inline).
        return [], chain[0] if len(chain) == 1 else _fail_no_model(chain)
    return chain, _read_document(model_path, problems)


def _fail_no_model(chain: list[_Document]) -> _Document:
    raise ScenarioError(
        [Problem(Location(display_path(chain[0].path), 1), "model",
                 "no file in the extend chain names a model", "add 'model: ../models/NAME.yaml'")]
    )


def workspace_of(paths: Iterable[Path]) -> Path:
    """The folder tree that holds every file of a case."""
    import os

    folders = [str(p.resolve().parent) for p in paths]
    return Path(os.path.commonpath(folders))


# --------------------------------------------------------------------------- tables


def _expand_tables(doc: _Document, workspace: Path, files: list[Path]) -> None:
    """Replace ``{file: ...}`` references by the table's values: the whole ``demand``
    table, and any series given as ``{file: ..., column: NAME}`` or ``{..., row: NAME}``."""
    problems: list[Problem] = []
    for path, ref in list(_series_refs(doc.data, ())):
        try:
            values, locations = _read_series_ref(doc, path, ref, workspace, files)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        _put(doc.data, path, values)
        doc.locations.update(locations)
    demand = doc.data.get("demand")
    if isinstance(demand, dict) and "file" in demand:
        try:
            _expand_demand(doc, demand, workspace, files)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)


def _expand_demand(doc: _Document, demand: dict[str, Any], workspace: Path, files: list[Path]) -> None:
    where = (doc.locations.get(("demand", "file")) or doc.locations.get(("demand",))
             or Location(display_path(doc.path)))
    unknown = set(demand) - {"file", "sheet"}
    if unknown:
        raise ScenarioError(
            [Problem(where, "demand", f"unknown field(s) beside 'file': {', '.join(sorted(unknown))}")]
        )
    sheet = demand.get("sheet")
    if not isinstance(demand["file"], str) or not isinstance(sheet, str | None):
        raise ScenarioError([Problem(where, "demand.file", "file and sheet must be text")])
    table = doc.path.parent / demand["file"]
    if table.exists() or table.is_symlink():
        table = check_inside(table, workspace, where, "demand.file")
    files.append(table)
    values, locations = read_demand_table(table, sheet, where)
    doc.data["demand"] = values
    for key in [k for k in doc.locations if k[:1] == ("demand",) and len(k) > 1]:
        del doc.locations[key]
    doc.locations.update(locations)


SERIES_REF_KEYS = {"file", "sheet", "column", "row"}


def _series_refs(node: Any, path: KeyPath) -> Iterable[tuple[KeyPath, dict[str, Any]]]:
    if isinstance(node, dict):
        if "file" in node and ({"column", "row"} & set(node)) and set(node) <= SERIES_REF_KEYS:
            yield path, node
            return
        for key, value in node.items():
            yield from _series_refs(value, (*path, key))


def _read_series_ref(
    doc: _Document, path: KeyPath, ref: dict[str, Any], workspace: Path, files: list[Path]
) -> tuple[dict[str, float], Locations]:
    """One series from a table: ``column`` picks a column of a table with a ``period``
    column; ``row`` picks the row whose ``name`` cell matches, in a table with one
    column per period."""
    field_name = ".".join(path)
    where = doc.locations.get((*path, "file")) or doc.locations.get(path) or Location(display_path(doc.path))
    if not isinstance(ref["file"], str) or not all(isinstance(ref.get(k, ""), str) for k in ("column", "row", "sheet")):
        raise ScenarioError([Problem(where, field_name, "file, sheet, column and row must be text")])
    if "column" in ref and "row" in ref:
        raise ScenarioError([Problem(where, field_name, "give 'column' or 'row', not both")])
    file = doc.path.parent / ref["file"]
    if file.exists() or file.is_symlink():
        file = check_inside(file, workspace, where, f"{field_name}.file")
    files.append(file)
    rows = read_table(file, ref.get("sheet"), where, f"{field_name}.file")
    name = display_path(file)
    header = list(rows[0][1]) if rows else []
    values: dict[str, float] = {}
    locations: Locations = {path: where} if where else {}
    problems: list[Problem] = []
    if "column" in ref:
        column = ref["column"]
        for needed in ("period", column):
            if needed not in header:
                raise ScenarioError([Problem(Location(name, 1), field_name, f"table has no column '{needed}'",
                                             f"columns: {', '.join(header)}")])
        for line, row in rows:
            here = Location(name, line)
            period = row["period"]
            if period in values:
                problems.append(Problem(here, f"{field_name}.{period}", "duplicated row",
                                        f"first given on line {locations[(*path, period)].line}"))
                continue
            try:
                values[period] = number_cell(row[column], here, f"{field_name}.{period}")
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            locations[(*path, period)] = here
    else:
        key = "name" if "name" in header else (header[0] if header else "name")
        matches = [(line, row) for line, row in rows if row.get(key) == ref["row"]]
        if len(matches) != 1:
            message = "no row" if not matches else f"{len(matches)} rows"
            raise ScenarioError([Problem(Location(name, 1), field_name, f"{message} named '{ref['row']}' in column '{key}'")])
        line, row = matches[0]
        here = Location(name, line)
        for period, text in row.items():
            if period == key or not period:
                continue
            try:
                values[period] = number_cell(text, here, f"{field_name}.{period}")
            except ScenarioError as exc:
                problems.extend(exc.problems)
            locations[(*path, period)] = here
    if problems:
        raise ScenarioError(problems)
    return values, locations


def read_demand_table(
    path: Path, sheet: str | None, where: Location
) -> tuple[dict[str, dict[str, dict[str, float]]], Locations]:
    """Demand from a long table (product, site, period, quantity) or a wide one
    (product, site, then one column per period)."""
    rows = read_table(path, sheet, where, "demand.file")
    name = display_path(path)
    if not rows:
        raise ScenarioError([Problem(Location(name, 1), "", "the demand table has no rows")])
    header = list(rows[0][1])
    lower = {h.lower(): h for h in header}
    problems: list[Problem] = []
    for required in ("product", "site"):
        if required not in lower:
            problems.append(Problem(Location(name, 1), required, f"column '{required}' missing"))
    if problems:
        raise ScenarioError(problems)
    quantity = next((lower[c] for c in ("quantity", "demand", "value") if c in lower), None)
    long_format = "period" in lower
    if long_format and quantity is None:
        raise ScenarioError(
            [Problem(Location(name, 1), "quantity", "long table needs a 'quantity' column")]
        )
    values: dict[str, dict[str, dict[str, float]]] = {}
    locations: Locations = {}
    for line, row in rows:
        product, site = row[lower["product"]], row[lower["site"]]
        here = Location(name, line)
        if not product or not site:
            problems.append(Problem(here, "product/site", "empty product or site"))
            continue
        if long_format:
            cells = {row[lower["period"]]: row[quantity]}  # type: ignore[index]
        else:
            cells = {h: row[h] for h in header if h not in (lower["product"], lower["site"]) and h}
        for period, text in cells.items():
            if text == "":
                problems.append(Problem(here, f"demand.{product}.{site}.{period}", "empty cell"))
                continue
            try:
                number = number_cell(text, here, f"demand.{product}.{site}.{period}")
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            target = values.setdefault(product, {}).setdefault(site, {})
            key = ("demand", product, site, period)
            if period in target:
                problems.append(
                    Problem(here, ".".join(key), "duplicated row",
                            f"first given on line {locations[key].line}")
                )
                continue
            target[period] = number
            locations[key] = here
            locations.setdefault(("demand", product, site), here)
            locations.setdefault(("demand", product), here)
    if problems:
        raise ScenarioError(problems)
    return values, locations


# --------------------------------------------------------------------------- merging


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


def _merge_locations(base: Locations, over: Locations, data: dict[str, Any]) -> Locations:
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


# --------------------------------------------------------------------------- adjustments


def _as_list(scope: str | list[str] | None) -> list[str] | None:
    if scope is None:
        return None
    return [scope] if isinstance(scope, str) else list(scope)


def _apply(value: Any, adj: Adjustment, chosen: list[int], labels: list[str]) -> dict[str, float]:
    series = expand_series(value, labels)
    for i in chosen:
        series[i] = adj.set if adj.set is not None else max(0.0, series[i] * adj.multiply + adj.add)
    # Round away binary noise (150 * 1.2 = 180.00000000000003) at 12 significant digits.
    return {label: float(f"{v:.12g}") for label, v in zip(labels, series, strict=True)}


def _get(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _put(node: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def apply_adjustments(
    data: dict[str, Any], adjustments: list[tuple[Adjustment, KeyPath, Locations]], labels: list[str],
    changes: list[Change],
) -> list[Problem]:
    """Apply each adjustment in order to the merged data; return problems found."""
    problems: list[Problem] = []
    known = {
        "product": set(data.get("products") or {}),
        "family": {p.get("family") for p in (data.get("products") or {}).values() if isinstance(p, dict)} - {None},
        "site": set(data.get("sites") or {}),
        "resource": set(data.get("resources") or {}),
        "workforce": set(data.get("workforce") or {}),
        "supplier": set(data.get("suppliers") or {}),
        "lane": set(data.get("lanes") or {}),
    }
    for adj, path, file_locations in adjustments:
        field_name = ".".join(path)
        where = file_locations.get(path)
        unknown = False
        for scope, names in known.items():
            for name in _as_list(getattr(adj, scope)) or []:
                if name not in names:
                    close = difflib.get_close_matches(name, sorted(names), n=1)
                    problems.append(Problem(file_locations.get((*path, scope), where), f"{field_name}.{scope}",
                                            f"unknown {scope} '{name}'",
                                            f"did you mean '{close[0]}'?" if close else ""))
                    unknown = True
        if unknown:
            continue
        try:
            chosen = period_indices(adj.periods, labels) if adj.periods is not None else list(range(len(labels)))
        except ValueError as exc:
            problems.append(Problem(file_locations.get((*path, "periods"), where), f"{field_name}.periods", str(exc)))
            continue
        collection, inner = ADJUSTABLE[adj.target]
        matched = 0
        try:
            for entry_path, value in _targets(data, adj, collection, inner):
                new = _apply(value, adj, chosen, labels)
                changes.append(Change(entry_path, value, new, where))
                _put(data, entry_path, new)
                matched += 1
        except ValueError as exc:
            problems.append(Problem(where, field_name, str(exc)))
            continue
        if not matched:
            problems.append(Problem(where, field_name, f"adjustment of '{adj.target}' matches no input",
                                    "check its product/family/site/... scope"))
    return problems


def _targets(data: dict[str, Any], adj: Adjustment, collection: str, inner: tuple[str, ...]) -> Iterable[tuple[KeyPath, Any]]:
    """(path, current value) of every input an adjustment changes; materialises
    product defaults at site level when the scope names sites."""
    products = _as_list(adj.product)
    families = _as_list(adj.family)
    sites = _as_list(adj.site)
    catalogue = data.get("products") or {}

    def product_ok(name: str) -> bool:
        if products is not None and name not in products:
            return False
        if families is not None:
            entry = catalogue.get(name)
            return isinstance(entry, dict) and entry.get("family") in families
        return True

    if collection == "demand":
        for product, by_site in (data.get("demand") or {}).items():
            if not product_ok(product) or not isinstance(by_site, dict):
                continue
            for site, value in by_site.items():
                if sites is None or site in sites:
                    yield ("demand", product, site), value
        return
    if collection == "products":
        for name, product in catalogue.items():
            if not product_ok(name) or not isinstance(product, dict):
                continue
            if inner[0] not in ProductSite.model_fields:
                # A product-only field (price): changed on the product, for every site.
                if sites is not None:
                    raise ValueError(f"'{adj.target}' is set per product, not per site: drop the site scope")
                value = _get(product, inner)
                if value is not None:
                    yield ("products", name, *inner), value
                continue
            for site, entry in (product.get("sites") or {}).items():
                if sites is not None and site not in sites:
                    continue
                entry = entry if isinstance(entry, dict) else {}
                product["sites"][site] = entry
                head = inner[0]
                if head not in entry and product.get(head) is not None:
                    entry[head] = copy.deepcopy(product[head])
                value = _get(entry, inner)
                if value is not None:
                    yield ("products", name, "sites", site, *inner), value
        return
    names = {
        "resources": _as_list(adj.resource),
        "workforce": _as_list(adj.workforce),
        "suppliers": _as_list(adj.supplier),
        "lanes": _as_list(adj.lane),
        "sites": sites,
    }[collection]
    for name, entry in (data.get(collection) or {}).items():
        if (names is not None and name not in names) or not isinstance(entry, dict):
            continue
        if sites is not None and collection != "sites":
            at = entry.get("sites") if collection == "suppliers" else [entry.get("site"), entry.get("origin"), entry.get("destination")]
            if not set(sites) & set(at or []):
                continue
        if products is not None and collection == "lanes" and entry.get("products") is not None and not set(products) & set(entry["products"]):
            continue
        value = _get(entry, inner)
        if value is not None:
            yield (collection, name, *inner), value


# --------------------------------------------------------------------------- validation


def _all_field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        for sub in _submodels(info.annotation):
            names |= _all_field_names(sub, seen)
    return names


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    import typing

    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found.extend(_submodels(arg))
    return found


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, bool]:
    """The part of a pydantic error location that exists in the data, and whether
    a union-member tag was skipped (the error belongs to one branch of a union)."""
    path: list[str] = []
    node = data
    tagged = False
    for part in loc:
        key = str(part)
        if isinstance(node, dict) and key in node:
            path.append(key)
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(key)
            node = node[part]
        elif isinstance(node, dict) and part == "[key]":
            continue
        else:
            tagged = True
    return tuple(path), tagged


_TYPE_ERRORS = ("_type", "model_attributes_type", "is_instance_of", "dict_type", "list_type")


def validation_problems(
    exc: ValidationError, data: dict[str, Any], locations: Locations, model: type[BaseModel], prefix: KeyPath = ()
) -> list[Problem]:
    """Readable problems from a pydantic error, each with file, line and field.

    Errors from the members of a union (a series may be a number, a list or a mapping)
    are folded into the one that fits the value given.
    """
    fields = _all_field_names(model)
    grouped: dict[KeyPath, list[dict[str, Any]]] = {}
    for error in exc.errors():
        path, _ = _data_path(data, error["loc"])
        if error["type"] == "extra_forbidden" and (not path or path[-1] != str(error["loc"][-1])):
            path = (*path, str(error["loc"][-1]))
        grouped.setdefault(path, []).append(error)
    # Keep, per group, the most specific errors (not "wrong type" of another branch).
    problems = []
    for path, errors in grouped.items():
        specific = [e for e in errors if not e["type"].endswith(_TYPE_ERRORS)]
        chosen = specific or errors[:1]
        if any(len(other) > len(path) and other[: len(path)] == path for other in grouped) and not specific:
            continue  # a deeper error of the same value explains it better
        for error in chosen:
            problems.append(_problem(error, (*prefix, *path), data, locations, fields))
    return problems


def _problem(error: dict[str, Any], path: KeyPath, data: Any, locations: Locations, fields: set[str]) -> Problem:
    where = locate(locations, path)
    field_name = ".".join(path)
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        name = path[-1]
        close = [c for c in difflib.get_close_matches(name, sorted(fields), n=2) if c != name]
        hint = f"did you mean '{close[0]}'?" if close else ""
        return Problem(where, field_name, f"unknown field '{name}'", hint)
    if kind == "missing":
        missing = str(error["loc"][-1])
        return Problem(where, f"{field_name}.{missing}" if field_name else missing, "required field missing")
    hint = ""
    if isinstance(value, bool) and kind in ("string_type", "float_type", "int_type"):
        hint = "YAML reads yes/no/on/off/true/false as a boolean; put a name in quotes"
    elif isinstance(value, str) and kind in ("float_type", "int_type"):
        hint = "write the number without quotes"
    message = error["msg"]
    if kind in ("float_type", "dict_type", "list_type") and not hint:
        message = "expected a number, a list with one number per period, or a mapping by period"
    if value is not None and not isinstance(value, dict | list) and kind != "missing":
        message = f"{message} (got {value!r})"
    return Problem(where, field_name, message, hint)


# --------------------------------------------------------------------------- entry point


def load_case(path: str | Path, *, check: bool = True) -> Case:
    """Read a scenario (or a model file) and return the validated case.

    Raises:
        ScenarioError: every problem found in the files, each with file, line and field.
    """
    from sopopt.checks import check_case

    source = Path(path)
    if not source.is_file():
        raise ScenarioError([Problem(Location(display_path(source)), "", "file not found")])
    problems: list[Problem] = []
    chain, model = _read_chain(source, problems)
    documents = [model, *reversed(chain)]
    workspace = workspace_of(doc.path for doc in documents)
    files = [doc.path for doc in [*chain, model]]
    soft = len(problems)  # key problems while reading: checking can go on
    for doc in documents:
        try:
            _expand_tables(doc, workspace, files)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if len(problems) > soft:
        raise ScenarioError(sorted_problems(problems))

    # Model fields: model file first, then the chain root-to-leaf.
    changes: list[Change] = []
    data: dict[str, Any] = {}
    locations: Locations = {}
    adjustments: list[tuple[Adjustment, KeyPath, Locations]] = []
    solver = SolverSettings()
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
        for i, adj in enumerate(meta.adjust):
            adjustments.append((adj, ("adjust", str(i)), doc.locations))
        if "solver" in meta_raw:
            solver = SolverSettings.model_validate(
                deep_merge(solver.model_dump(exclude_unset=True), meta_raw["solver"], ("solver",), changes, lambda p: None)
            )
        doc_locations = doc.locations
        data = deep_merge(data, fields, (), changes, lambda p, d=doc_locations: locate(d, p))
        locations = _merge_locations(locations, doc.locations, data)
    if len(problems) > soft:
        raise ScenarioError(sorted_problems(problems))

    if chain and "name" not in chain[0].data:
        # A scenario without a name of its own is named after its file.
        data["name"] = source.stem
    try:
        labels, days = _horizon(data, locations)
    except ScenarioError as exc:
        raise ScenarioError(sorted_problems([*problems, *exc.problems])) from None
    problems.extend(apply_adjustments(data, adjustments, labels, changes))
    try:
        network = Network.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(sorted_problems([*problems, *validation_problems(exc, data, locations, Network)])) from None
    try:
        data_compiled = check_case(network, labels, days, locations) if check else None
    except ScenarioError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ScenarioError(sorted_problems(problems))
    return Case(
        network=network,
        labels=labels,
        days=days,
        solver=solver,
        source=source,
        files=files,
        locations=locations,
        changes=changes,
        resolved=data,
        data=data_compiled,
    )


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in file and line order, each reported once."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.location.file, p.location.line, p.location.column) if p.location else ("", 0, 0))


def _horizon(data: dict[str, Any], locations: Locations) -> tuple[list[str], np.ndarray]:
    raw = data.get("periods")
    where = locate(locations, ("periods",))
    if raw is None:
        raise ScenarioError([Problem(where, "periods", "required field missing")])
    try:
        periods = Periods.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, raw, locations, Periods, ("periods",))) from None
    try:
        labels = period_labels(periods)
        days = period_days(periods, labels)
    except ValueError as exc:
        raise ScenarioError([Problem(where, "periods", str(exc))]) from None
    return labels, days
