"""Read YAML and table files from paths, keeping the file and line of every value.

YAML is parsed with PyYAML's safe loader only: no tag can run code. Every mapping key is
recorded with its location so that later errors name the file, line and column. A key
given twice in one mapping is an error (YAML itself would keep the last one silently).

Tables (CSV or Excel) are referenced from YAML as ``{file: demand.csv}`` (optionally
``sheet: Demand`` for Excel). Paths are relative to the YAML file that names them and
must stay inside the workspace (symlinks resolved).

This module also owns :func:`atomic_write`, used for every output file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from sopopt.errors import Location, Problem, ScenarioError

#: Path of a value inside a YAML document, e.g. ``("resources", "line1", "hours")``.
KeyPath = tuple[str, ...]
#: Where each key path was written.
Locations = dict[KeyPath, Location]

_BOOL_WORDS = {"yes", "no", "on", "off", "true", "false", "y", "n"}


def _publish(tmp: str, path: Path) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    mask = os.umask(0)
    os.umask(mask)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~mask
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def display_path(path: Path) -> str:
    """Path as shown in messages: relative to the working directory when below it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, also reading ``1e5`` and ``1.5e-3`` as numbers (YAML 1.2)."""


_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class _Reader:
    """Turns a composed YAML node tree into plain Python values with locations."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.name = display_path(path)
        self.loader = _SafeLoader(text)
        self.locations: Locations = {}
        self.problems: list[Problem] = []

    def location(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.name, mark.line + 1, mark.column + 1)

    def read(self) -> Any:
        try:
            node = self.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Location(self.name, mark.line + 1, mark.column + 1) if mark else None
            raise ScenarioError(
                [Problem(where, "", f"YAML syntax error: {exc.problem or exc}")]
            ) from None
        except yaml.YAMLError as exc:
            raise ScenarioError(
                [Problem(Location(self.name), "", f"YAML error: {exc}")]
            ) from None
        finally:
            self.loader.dispose()
        if node is None:
            return {}
        self.locations[()] = self.location(node)
        return self.convert(node, ())

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.key(key_node, path)
                if key is None:
                    continue
                child = (*path, key)
                if key in result:
                    self.problems.append(
                        Problem(
                            self.location(key_node),
                            ".".join(child),
                            "key given twice in the same mapping",
                            f"first given on line {self.locations[child].line}",
                        )
                    )
                    continue
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
            self.problems.append(
                Problem(self.location(node), ".".join(path), "a key must be a name")
            )
            return None
        return value


def read_yaml(path: Path, problems: list[Problem] | None = None) -> tuple[Any, Locations]:
    """Parse one YAML file into plain values and the location of every key path.

    Duplicate keys and keys that YAML reads as booleans are appended to ``problems``
    when a list is given (the first value is kept so checking can go on), else raised.

    Raises:
        ScenarioError: unreadable file or syntax error (and key problems, see above).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(
            [Problem(Location(display_path(path)), "", "file not found")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [Problem(Location(display_path(path)), "", f"cannot read file: {exc}")]
        ) from None
    reader = _Reader(path, text)
    data = reader.read()
    if reader.problems:
        if problems is None:
            raise ScenarioError(reader.problems)
        problems.extend(reader.problems)
    return data, reader.locations


def check_inside(path: Path, workspace: Path, where: Location, field: str) -> Path:
    """Resolve ``path`` (symlinks too) and refuse it if it leaves ``workspace``."""
    resolved = path.resolve()
    if not resolved.is_relative_to(workspace.resolve()):
        raise ScenarioError(
            [
                Problem(
                    where,
                    field,
                    f"data file '{path}' is outside the workspace '{workspace}'",
                    "keep data files in the folder tree of the scenario and its model",
                )
            ]
        )
    return resolved


def _parse_number(text: str) -> float:
    """Read a number from a table cell; accepts a decimal comma when unambiguous."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def read_table(
    path: Path, sheet: str | None, where: Location, field: str = "file"
) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV or Excel table as (line number, row) pairs of trimmed strings.

    Blank rows are skipped; a UTF-8 BOM is removed; ``;`` separated files (as exported
    with decimal commas) are recognised.
    """
    name = display_path(path)
    if not path.is_file():
        raise ScenarioError([Problem(where, field, f"data file '{name}' not found")])
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_excel(path, sheet, where, field)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(where, field, f"cannot read '{name}': {exc}")]) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise ScenarioError([Problem(Location(name, 1), "", "the table is empty")])
    header = [cell.strip() for cell in rows[0]]
    table = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise ScenarioError(
                [Problem(Location(name, line), "", "row has more cells than the header")]
            )
        table.append(
            (line, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)})
        )
    return table


def _read_excel(path: Path, sheet: str | None, where: Location, field: str) -> list[tuple[int, dict[str, str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a bad file
        raise ScenarioError([Problem(where, field, f"cannot read workbook: {exc}")]) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ScenarioError(
                [Problem(where, "sheet", f"no sheet '{sheet}' in {display_path(path)}",
                         f"sheets: {', '.join(book.sheetnames)}")]
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
        values = ["" if c is None else str(c).strip() for c in cells]
        if not any(values):
            continue
        table.append((line, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}))
    return table


def number_cell(text: str, where: Location, field: str) -> float:
    """A table cell as a number, or a ScenarioError naming the cell."""
    try:
        return _parse_number(text)
    except ValueError:
        raise ScenarioError(
            [Problem(where, field, f"'{text}' is not a finite number")]
        ) from None


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "w") -> Iterator[Any]:
    """Open a temporary file beside ``path`` and move it into place only on success.

    An interrupted or failed write leaves any previous file untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
        _publish(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomically(path: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer`` on a temporary path beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        writer(Path(tmp))
        _publish(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def locate(locations: Locations, path: KeyPath) -> Location | None:
    """Location of the deepest prefix of ``path`` that was recorded."""
    for end in range(len(path), -1, -1):
        if (found := locations.get(path[:end])) is not None:
            return found
    return None
