"""Tables behind a scenario's fields: the ``demand`` table (long or wide) and any series
given as ``{file: ..., column: NAME}`` or ``{file: ..., row: NAME}``, read from CSV or Excel
inside the workspace."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.inputs.scenarios.chain import Document, put
from sopopt.inputs.scenarios.targets_table import expand_targets
from sopopt.inputs.schema.tables import Decimal, Thousands
from sopopt.io.paths import check_inside, display_path
from sopopt.io.reader import KeyPath, Locations, NumberFormat, number_cell, read_table

FORMAT_KEYS = {"thousands", "decimal"}


def number_format(ref: dict[str, Any], where: Location, field: str) -> NumberFormat:
    """The number format declared on a table reference (``thousands``, ``decimal``)."""
    problems = []
    for key, allowed in (("thousands", typing.get_args(Thousands)), ("decimal", typing.get_args(Decimal))):
        if key in ref and ref[key] not in allowed:
            shown = ", ".join(f'"{a}"' for a in allowed)
            problems.append(Problem(where, f"{field}.{key}", f"{ref[key]!r} is not one of {shown}"))
    if not problems and "thousands" in ref and ref["thousands"] == ref.get("decimal"):
        problems.append(Problem(where, f"{field}.decimal", "the decimal mark and thousands separator must differ"))
    if problems:
        raise ScenarioError(problems)
    return NumberFormat(ref.get("thousands"), ref.get("decimal"))


def expand_tables(doc: Document, workspace: Path, files: list[Path]) -> None:
    """Replace ``{file: ...}`` references by the table's values: the whole ``demand``
    table, and any series given as ``{file: ..., column: NAME}`` or ``{..., row: NAME}``."""
    problems: list[Problem] = []
    for path, ref in list(_series_refs(doc.data, ())):
        try:
            values, locations = _read_series_ref(doc, path, ref, workspace, files)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        put(doc.data, path, values)
        doc.locations.update(locations)
    try:
        expand_targets(doc, workspace, files)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    try:
        _expand_forecast_errors(doc, workspace, files)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    demand = doc.data.get("demand")
    if isinstance(demand, dict) and "file" in demand:
        try:
            _expand_demand(doc, demand, workspace, files)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)


def _expand_demand(doc: Document, demand: dict[str, Any], workspace: Path, files: list[Path]) -> None:
    where = (doc.locations.get(("demand", "file")) or doc.locations.get(("demand",))
             or Location(display_path(doc.path)))
    unknown = set(demand) - {"file", "sheet", *FORMAT_KEYS}
    if unknown:
        raise ScenarioError(
            [Problem(where, "demand", f"unknown field(s) beside 'file': {', '.join(sorted(unknown))}")]
        )
    sheet = demand.get("sheet")
    if not isinstance(demand["file"], str) or not isinstance(sheet, str | None):
        raise ScenarioError([Problem(where, "demand.file", "file and sheet must be text")])
    table = check_inside(doc.path.parent / demand["file"], workspace, where, "demand.file", demand["file"])
    fmt = number_format(demand, where, "demand")
    files.append(table)
    values, locations = read_demand_table(table, sheet, where, fmt)
    doc.data["demand"] = values
    for key in [k for k in doc.locations if k[:1] == ("demand",) and len(k) > 1]:
        del doc.locations[key]
    doc.locations.update(locations)


def _error_file_policies(data: dict[str, Any]) -> Iterable[tuple[str, KeyPath, dict[str, Any]]]:
    """(product, path, policy) of every safety-stock policy whose forecast error is a file."""
    for p, product in (data.get("products") or {}).items():
        if not isinstance(product, dict):
            continue
        entries = [(("products", p), product)] + [
            (("products", p, "sites", s), at) for s, at in (product.get("sites") or {}).items() if isinstance(at, dict)
        ]
        for path, entry in entries:
            policy = entry.get("safety_stock")
            if isinstance(policy, dict) and isinstance(policy.get("forecast_error"), dict) \
                    and "file" in policy["forecast_error"]:
                yield p, (*path, "safety_stock"), policy


def read_forecast_errors(
    table: Path, sheet: str | None, where: Location | None, field_name: str
) -> dict[tuple[str, str], float]:
    """A forecast-error table (columns ``product``, ``site``, ``sd``): sd by (product, site).

    Raises:
        ScenarioError: a missing column, a repeated pair or a cell that is not a number,
            each at its file and line.
    """
    rows = read_table(table, sheet, where, f"{field_name}.file")
    name = display_path(table)
    header = list(rows[0][1]) if rows else []
    missing = [c for c in ("product", "site", "sd") if c not in header]
    if missing:
        raise ScenarioError([Problem(Location(name, 1), field_name, f"table has no column '{missing[0]}'",
                                     "columns: product, site, sd")])
    sds: dict[tuple[str, str], float] = {}
    problems: list[Problem] = []
    for line, row in rows:
        here = Location(name, line)
        key = (row["product"], row["site"])
        if key in sds:
            problems.append(Problem(here, field_name, f"{key[0]} at {key[1]} is given twice"))
            continue
        try:
            sds[key] = number_cell(row["sd"], here, f"{field_name}.sd", "sd", NumberFormat(None, None))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return sds


def _expand_forecast_errors(doc: Document, workspace: Path, files: list[Path]) -> None:
    """Replace ``forecast_error: {file: errors.csv}`` by each site's ``{sd: N}`` from the
    table (columns product, site, sd). A product-level policy is copied to every site that
    has no safety stock of its own."""
    problems: list[Problem] = []
    for p, path, policy in list(_error_file_policies(doc.data)):
        ref = policy["forecast_error"]
        field_name = ".".join((*path, "forecast_error"))
        where = doc.locations.get((*path, "forecast_error", "file")) or doc.locations.get(path)
        if not isinstance(ref["file"], str) or not isinstance(ref.get("sheet", ""), str):
            problems.append(Problem(where, field_name, "file and sheet must be text"))
            continue
        table = check_inside(doc.path.parent / ref["file"], workspace, where, f"{field_name}.file", ref["file"])
        files.append(table)
        try:
            sds = {site: sd for (product, site), sd in read_forecast_errors(table, ref.get("sheet"), where,
                                                                            field_name).items() if product == p}
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        sites = doc.data["products"][p].get("sites") or {}
        targets = [path[3]] if len(path) == 5 else [
            s for s, at in sites.items() if not (isinstance(at, dict) and at.get("safety_stock") is not None)
        ]
        for s in targets:
            if s not in sds:
                problems.append(Problem(where, field_name, f"{display_path(table)} has no row for {p} at {s}"))
                continue
            if not isinstance(sites.get(s), dict):
                sites[s] = {}
            sites[s]["safety_stock"] = {**policy, "forecast_error": {"sd": sds[s]}}
            doc.locations.setdefault(("products", p, "sites", s, "safety_stock"), where)
    if problems:
        raise ScenarioError(problems)


SERIES_REF_KEYS = {"file", "sheet", "column", "row", *FORMAT_KEYS}


def _series_refs(node: Any, path: KeyPath) -> Iterable[tuple[KeyPath, dict[str, Any]]]:
    if isinstance(node, dict):
        if "file" in node and ({"column", "row"} & set(node)) and set(node) <= SERIES_REF_KEYS:
            yield path, node
            return
        for key, value in node.items():
            yield from _series_refs(value, (*path, key))


@dataclass(frozen=True)
class _Table:
    """A series table as read: its rows, header and display name, and the field the
    series is for."""

    rows: list[tuple[int, dict[str, str]]]
    header: list[str]
    name: str
    path: KeyPath
    field_name: str
    fmt: NumberFormat | None


def _column_series(table: _Table, column: str, locations: Locations, problems: list[Problem]) -> dict[str, float]:
    """The series in ``column`` of a table with a ``period`` column."""
    name, field_name, header = table.name, table.field_name, table.header
    for needed in ("period", column):
        if needed not in header:
            # The header is not repeated: a file that is not the expected table is never echoed.
            raise ScenarioError([Problem(Location(name, 1), field_name, f"table has no column '{needed}'",
                                         f"its header row has {len(header)} columns")])
    values: dict[str, float] = {}
    for line, row in table.rows:
        here = Location(name, line)
        period = row["period"]
        if period in values:
            problems.append(Problem(here, f"{field_name}.{period}", "duplicated row",
                                    f"first given on line {locations[(*table.path, period)].line}"))
            continue
        try:
            values[period] = number_cell(row[column], here, f"{field_name}.{period}", column, table.fmt)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        locations[(*table.path, period)] = Location(name, line, header.index(column) + 1)
    return values


def _row_series(table: _Table, wanted: str, locations: Locations, problems: list[Problem]) -> dict[str, float]:
    """The series in the row named ``wanted`` of a table with one column per period."""
    name, field_name, header = table.name, table.field_name, table.header
    key = "name" if "name" in header else (header[0] if header else "name")
    matches = [(line, row) for line, row in table.rows if row.get(key) == wanted]
    if len(matches) != 1:
        message = "no row" if not matches else f"{len(matches)} rows"
        # Name the column only when it is 'name': a file that is not the table meant is never echoed.
        column_text = "column 'name'" if key == "name" else "the first column"
        raise ScenarioError([Problem(Location(name, 1), field_name, f"{message} named '{wanted}' in {column_text}")])
    line, row = matches[0]
    here = Location(name, line)
    values: dict[str, float] = {}
    for period, text in row.items():
        if period == key or not period:
            continue
        try:
            values[period] = number_cell(text, here, f"{field_name}.{period}", period, table.fmt)
        except ScenarioError as exc:
            problems.extend(exc.problems)
        locations[(*table.path, period)] = Location(name, line, header.index(period) + 1)
    return values


def _read_series_ref(
    doc: Document, path: KeyPath, ref: dict[str, Any], workspace: Path, files: list[Path]
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
    file = check_inside(doc.path.parent / ref["file"], workspace, where, f"{field_name}.file", ref["file"])
    fmt = number_format(ref, where, field_name)
    files.append(file)
    rows = read_table(file, ref.get("sheet"), where, f"{field_name}.file")
    name = display_path(file)
    header = list(rows[0][1]) if rows else []
    locations: Locations = {path: where} if where else {}
    problems: list[Problem] = []
    table = _Table(rows, header, name, path, field_name, fmt)
    if "column" in ref:
        values = _column_series(table, ref["column"], locations, problems)
    else:
        values = _row_series(table, ref["row"], locations, problems)
    if problems:
        raise ScenarioError(problems)
    return values, locations


def _demand_columns(header: list[str], name: str) -> tuple[dict[str, str], str | None]:
    """The demand table's columns by lower-case name, and its quantity column (None in a
    wide table); a missing product, site or (long table) quantity column is an error."""
    lower = {h.lower(): h for h in header}
    missing = [Problem(Location(name, 1), required, f"column '{required}' missing")
               for required in ("product", "site") if required not in lower]
    if missing:
        raise ScenarioError(missing)
    quantity = next((lower[c] for c in ("quantity", "demand", "value") if c in lower), None)
    if "period" in lower and quantity is None:
        raise ScenarioError([Problem(Location(name, 1), "quantity", "long table needs a 'quantity' column")])
    return lower, quantity


def _row_cells(row: dict[str, str], header: list[str], lower: dict[str, str],
               quantity: str | None) -> dict[str, tuple[str, str]]:
    """A demand row's cells: period -> (column, text); one in a long table (with a
    ``period`` column), one per period column in a wide one."""
    if "period" in lower:
        return {row[lower["period"]]: (quantity, row[quantity])}  # type: ignore[dict-item,index]
    return {h: (h, row[h]) for h in header if h not in (lower["product"], lower["site"], lower.get("class")) and h}


def read_demand_table(
    path: Path, sheet: str | None, where: Location, fmt: NumberFormat | None = None
) -> tuple[dict[str, dict[str, Any]], Locations]:
    """Demand from a long table (product, site, period, quantity) or a wide one
    (product, site, then one column per period). An optional ``class`` column gives each
    row's demand class (empty: the class ``default``); the site's demand is then a
    mapping class -> series."""
    rows = read_table(path, sheet, where, "demand.file")
    name = display_path(path)
    if not rows:
        raise ScenarioError([Problem(Location(name, 1), "", "the demand table has no rows")])
    header = list(rows[0][1])
    lower, quantity = _demand_columns(header, name)
    problems: list[Problem] = []
    values: dict[str, dict[str, Any]] = {}
    locations: Locations = {}
    by_class, long_format = "class" in lower, "period" in lower
    for line, row in rows:
        product, site = row[lower["product"]], row[lower["site"]]
        here = Location(name, line)
        if not product or not site:
            problems.append(Problem(here, "product/site", "empty product or site"))
            continue
        cells = _row_cells(row, header, lower, quantity)
        klass = (row[lower["class"]] or "default",) if by_class else ()
        for period, (column, text) in cells.items():
            if text == "":
                problems.append(Problem(here, f"demand.{product}.{site}.{period}", "empty cell"))
                continue
            try:
                number = number_cell(text, here, f"demand.{product}.{site}.{period}", column, fmt)
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            target = values.setdefault(product, {}).setdefault(site, {})
            for c in klass:
                target = target.setdefault(c, {})
            key = ("demand", product, site, *klass, period)
            if period in target:
                problems.append(
                    Problem(here, ".".join(key), "duplicated row",
                            f"first given on line {locations[key].line}")
                )
                continue
            target[period] = number
            # The cell: line and column number (1-based), for provenance.
            locations[key] = Location(name, line, header.index(quantity if long_format else period) + 1)
            locations.setdefault(("demand", product, site), here)
            locations.setdefault(("demand", product), here)
    if problems:
        raise ScenarioError(problems)
    return values, locations


