"""Read YAML and table files from paths, keeping the file and line of every value.

YAML is parsed with PyYAML's safe loader only: no tag can run code. Plain scalars follow
the YAML 1.2 core schema (``010`` is ten, ``no`` is text, ``1:30`` is text), and merge keys
(``<<: *anchor``) work with overrides. Every mapping key is recorded with its location
so that later errors name the file, line and column. A key given twice in one mapping is
an error (YAML itself would keep the last one silently).

Tables (CSV or Excel) are referenced from YAML as ``{file: demand.csv}`` (optionally
``sheet: Demand`` for Excel, and ``thousands:``/``decimal:`` for the number format of text
cells, see :class:`NumberFormat`). Paths are relative to the YAML file that names them and
must stay inside the workspace (:mod:`sopopt.io.paths`). Writing is
:mod:`sopopt.io.writer`'s job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sopopt.errors import Location, Problem, ScenarioError
from sopopt.io.limits import (
    MAX_TABLE_BYTES,
    MAX_WORKBOOK_UNPACKED,
    MAX_YAML_BYTES,
    size_text,
)
from sopopt.io.paths import display_path
from sopopt.io.yaml_schema import LIBYAML_DEPTH_PROBLEM, FastLoader, LimitError, SafeLoader

#: Path of a value inside a YAML document, e.g. ``("resources", "line1", "hours")``.
KeyPath = tuple[str, ...]
#: Where each key path was written.
Locations = dict[KeyPath, Location]

class _Reader:
    """Turns a composed YAML node tree into plain Python values with locations."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.name = display_path(path)
        self.text = text
        self.loader = FastLoader(text)
        self.locations: Locations = {}
        self.problems: list[Problem] = []

    def location(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.name, mark.line + 1, mark.column + 1)

    def read(self) -> Any:
        try:
            node = self._compose()
        except LimitError as exc:
            mark = exc.problem_mark
            where = Location(self.name, mark.line + 1, mark.column + 1) if mark else Location(self.name)
            raise ScenarioError([Problem(where, "", str(exc.problem), "see the limits in docs/format.md")]) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Location(self.name, mark.line + 1, mark.column + 1) if mark else None
            raise ScenarioError([Problem(where, "", f"YAML syntax error: {exc.problem or exc}")]) from None
        except yaml.YAMLError as exc:
            raise ScenarioError([Problem(Location(self.name), "", f"YAML error: {exc}")]) from None
        finally:
            self.loader.dispose()
        if node is None:
            raise ScenarioError([Problem(Location(self.name, 1), "", "the file is empty (no YAML content)")])
        self.locations[()] = self.location(node)
        return self.convert(node, ())

    def _compose(self) -> yaml.Node | None:
        try:
            return self.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            if self.loader.__class__ is SafeLoader or LIBYAML_DEPTH_PROBLEM not in str(exc.problem):
                raise
        self.loader.dispose()
        self.loader = SafeLoader(self.text)
        return self.loader.get_single_node()

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key, key_node, value_node in self.pairs(node, path):
                child = (*path, key)
                self.locations[child] = self.location(key_node)
                result[key] = self.convert(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = (*path, str(index))
                self.locations[child] = self.location(item)
                items.append(self.convert(item, child))
            return items
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def pairs(self, node: yaml.MappingNode, path: KeyPath) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """The mapping's (key, key node, value node) entries with merge keys applied.

        Standard merge semantics (https://yaml.org/type/merge.html): the mapping's own keys
        win over merged ones; of several merged mappings (``<<: [*a, *b]``) the first
        wins. A key written twice among the mapping's own keys is an error.
        """
        own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        sources: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in own:
                self.problems.append(
                    Problem(
                        self.location(key_node),
                        ".".join((*path, key)),
                        "key given twice in the same mapping",
                        f"first given on line {self.location(own[key][0]).line}",
                    )
                )
                continue
            own[key] = (key_node, value_node)
        merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.problems.append(
                    Problem(
                        self.location(source), ".".join(path), "a merge key (<<) takes a mapping or a list of mappings"
                    )
                )
                continue
            for key, key_node, value_node in self.pairs(source, path):
                merged.setdefault(key, (key_node, value_node))
        entries = {**merged, **own}
        return [(key, *entries[key]) for key in [*merged, *(k for k in own if k not in merged)]]

    def key(self, node: yaml.Node, path: KeyPath) -> str | None:
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, bool) or value is None:
            field = ".".join((*path, str(node.value)))
            self.problems.append(
                Problem(
                    self.location(node),
                    field,
                    f"key '{node.value}' is read by YAML as {value!r}, not as a name",
                    "put the name in quotes",
                )
            )
            # Keep reading with the name as written, so later checks still run.
            return str(node.value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and not value.is_integer():
            return str(node.value)
        if isinstance(value, int | float):
            return str(node.value)
        if not isinstance(value, str):
            self.problems.append(Problem(self.location(node), ".".join(path), "a key must be a name"))
            return None
        return value


def read_text_bounded(path: Path, limit: int, where: Location, field: str) -> str:
    """The text of a regular file of at most ``limit`` bytes (UTF-8, BOM removed).

    Never reads more than ``limit`` + 1 bytes, whatever the file claims to be; a FIFO or
    device is refused without being opened.

    Raises:
        ScenarioError: at ``where``, naming the file (and nothing read from it).
    """
    name = display_path(path)
    subject = "the file" if where.file == name else f"'{name}'"
    if not path.exists():
        raise ScenarioError(
            [Problem(where, field, f"{subject}: file not found" if where.file != name else "file not found")]
        )
    if not path.is_file():
        raise ScenarioError([Problem(where, field, f"{subject} is not a regular file")])
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ScenarioError([Problem(where, field, f"cannot read {subject}: {exc.strerror or exc}")]) from None
    if len(data) > limit:
        raise ScenarioError(
            [
                Problem(
                    where,
                    field,
                    f"{subject} is larger than the {size_text(limit)} limit",
                    "see the limits in docs/format.md",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(where, field, f"{subject} is not UTF-8 text (byte {exc.start})")]) from None


def read_yaml(path: Path, problems: list[Problem] | None = None) -> tuple[Any, Locations]:
    """Parse one YAML file into plain values and the location of every key path.

    Scalars follow the YAML 1.2 core schema (see :data:`CORE_SCHEMA`); merge keys
    (``<<: *anchor``) work with overrides. Duplicate keys and keys that YAML reads as
    booleans or null are appended to ``problems``
    when a list is given (the first value is kept so checking can go on), else raised.

    Raises:
        ScenarioError: unreadable file or syntax error (and key problems, see above).
    """
    text = read_text_bounded(path, MAX_YAML_BYTES, Location(display_path(path)), "")
    reader = _Reader(path, text)
    data = reader.read()
    # A mapping merged in several places reports its own problems once.
    reader.problems = list(dict.fromkeys(reader.problems))
    if reader.problems:
        if problems is None:
            raise ScenarioError(reader.problems)
        problems.extend(reader.problems)
    return data, reader.locations


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written in a table's text cells, as declared on its reference.

    Nothing declared: ``.`` is the decimal mark, spaces group thousands, a single comma
    followed by 1, 2 or 4+ digits is a decimal comma (``4,15``) and a comma followed by
    exactly three digits (``4,150``) is refused as ambiguous.
    """

    thousands: str | None = None
    decimal: str | None = None

    @property
    def declared(self) -> bool:
        """True when the table reference gave ``thousands`` or ``decimal``."""
        return self.thousands is not None or self.decimal is not None

    def hint(self) -> str:
        """What to write on the table reference to read such a number."""
        return 'declare the format on the table reference: thousands: "," (for 4,150 = 4150) or decimal: "," (4,15)'


#: A comma followed by exactly three digits: a thousands separator or a decimal comma?
_AMBIGUOUS_COMMA = re.compile(r",[0-9]{3}(?![0-9])")
_SPACES = str.maketrans("", "", " \u00a0\u202f")


class NumberText(str):
    """A table cell that already held a number (an Excel numeric cell), as text."""

    __slots__ = ()


def _ungroup(text: str, separator: str) -> str:
    """Remove a thousands separator, refusing groups that are not three digits long."""
    integer, dot, fraction = text.partition("\x00")
    body = integer.lstrip("+-")
    if separator in body and not re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(separator)}[0-9]{{3}})+", body):
        raise ValueError(f"'{separator}' does not separate groups of three digits")
    return integer.replace(separator, "") + dot + fraction


def _parse_number(text: str, fmt: NumberFormat | None = None) -> float:
    """Read a number from a table cell in the table's declared format.

    Raises:
        ValueError: not a finite number, or ambiguous (see :class:`NumberFormat`).
    """
    fmt = fmt or NumberFormat()
    cleaned = text.strip()
    if fmt.thousands != " ":
        cleaned = cleaned.translate(_SPACES)
    if not fmt.declared:
        if _AMBIGUOUS_COMMA.search(cleaned):
            raise ValueError("ambiguous")
        if cleaned.count(",") == 1 and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
    else:
        decimal = fmt.decimal or ("," if fmt.thousands == "." else ".")
        if fmt.thousands == " ":
            cleaned = cleaned.translate(str.maketrans("\u00a0\u202f", "  "))
        # Mark the decimal point, then check and drop the thousands separators before it.
        cleaned = cleaned.replace(decimal, "\x00", 1) if decimal in cleaned else cleaned
        if fmt.thousands:
            cleaned = _ungroup(cleaned, fmt.thousands)
        if stray := {",", ".", " "} & set(cleaned):
            raise ValueError(f"'{stray.pop()}' is neither the declared decimal mark nor thousands separator")
        cleaned = cleaned.replace("\x00", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def read_table(path: Path, sheet: str | None, where: Location, field: str = "file") -> list[tuple[int, dict[str, str]]]:
    """Read a CSV or Excel table as (line number, row) pairs of trimmed strings.

    Blank rows are skipped; a UTF-8 BOM is removed; ``;`` separated files (as exported
    with decimal commas) are recognised.
    """
    name = display_path(path)
    if not path.is_file():
        raise ScenarioError([Problem(where, field, f"data file '{name}' not found")])
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_excel(path, sheet, where, field)
    text = read_text_bounded(path, MAX_TABLE_BYTES, where, field)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a NUL byte or a cell over csv's field size limit
        raise ScenarioError(
            [Problem(Location(name, reader.line_num), field, f"not a readable CSV table ({exc})")]
        ) from None
    if not rows:
        raise ScenarioError([Problem(Location(name, 1), field, f"the table '{name}' is empty")])
    header = [cell.strip() for cell in rows[0]]
    table = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise ScenarioError([Problem(Location(name, line), "", "row has more cells than the header")])
        table.append((line, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}))
    return table


def _check_workbook_size(path: Path, where: Location, field: str) -> None:
    """Refuse a workbook whose file or unpacked content is over the limits (a zip bomb)."""
    import zipfile

    name = display_path(path)
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise ScenarioError(
            [
                Problem(
                    where,
                    field,
                    f"'{name}' is larger than the {size_text(MAX_TABLE_BYTES)} limit",
                    "see the limits in docs/format.md",
                )
            ]
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise ScenarioError([Problem(where, field, f"'{name}' is not a readable Excel workbook (.xlsx)")]) from None
    if unpacked > MAX_WORKBOOK_UNPACKED:
        raise ScenarioError(
            [
                Problem(
                    where,
                    field,
                    f"'{name}' unpacks to more than {size_text(MAX_WORKBOOK_UNPACKED)}",
                    "see the limits in docs/format.md",
                )
            ]
        )


def _read_excel(path: Path, sheet: str | None, where: Location, field: str) -> list[tuple[int, dict[str, str]]]:
    import openpyxl

    name = display_path(path)
    _check_workbook_size(path, where, field)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a bad file
        raise ScenarioError([Problem(where, field, f"'{name}' is not a readable Excel workbook (.xlsx)")]) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ScenarioError(
                [
                    Problem(
                        where,
                        "sheet",
                        f"no sheet '{sheet}' in {display_path(path)}",
                        f"sheets: {', '.join(book.sheetnames)}",
                    )
                ]
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise ScenarioError([Problem(Location(display_path(path)), "", "the sheet is empty")])
    header = ["" if c is None else str(c).strip() for c in rows[0]]
    table = []
    for line, cells in enumerate(rows[1:], start=2):
        values = [_excel_text(c) for c in cells]
        if not any(values):
            continue
        table.append((line, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}))
    return table


def _excel_text(cell: Any) -> str:
    """An Excel cell as text; numeric cells stay marked as numbers (:class:`NumberText`)."""
    if cell is None:
        return ""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return NumberText(repr(float(cell)))
    return str(cell).strip()


def number_cell(
    text: str, where: Location, field: str, column: str | None = None, fmt: NumberFormat | None = None
) -> float:
    """A table cell as a number, or a ScenarioError naming the cell (and its column)."""
    if isinstance(text, NumberText):
        return float(text)
    label = f"column '{column}': " if column else ""
    try:
        return _parse_number(text, fmt)
    except ValueError as exc:
        if str(exc) == "ambiguous":
            raise ScenarioError(
                [
                    Problem(
                        where,
                        field,
                        f"{label}'{text}' could be a thousands separator or a decimal comma",
                        (fmt or NumberFormat()).hint(),
                    )
                ]
            ) from None
        shown = "" if str(exc).startswith("could not convert") or "finite" in str(exc) else f" ({exc})"
        raise ScenarioError([Problem(where, field, f"{label}'{text}' is not a finite number{shown}")]) from None


def locate(locations: Locations, path: KeyPath) -> Location | None:
    """Location of the deepest prefix of ``path`` that was recorded."""
    for end in range(len(path), -1, -1):
        if (found := locations.get(path[:end])) is not None:
            return found
    return None
