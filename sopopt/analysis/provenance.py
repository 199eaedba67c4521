"""Where each number of a case came from: the place that last set it.

A *place* is a YAML ``path:line``, a table ``path:line`` with its column, an
adjustment's ``path:line`` together with the place of the value it adjusted, or
``default`` (the field was not given and the schema default applies). Places are derived
from what loading already records, never by re-reading files:

- :attr:`Case.locations <sopopt.inputs.case.Case.locations>` holds, for every key path, where it
  was written last down the ``extend`` chain (tables record one location per cell);
- :attr:`Case.changes <sopopt.inputs.case.Case.changes>` holds every replaced value; a change
  whose location is not the key's own location was made by an ``adjust`` entry.

A series value is looked up at the key of its period label (``{2027-11: 420}``), then at
its list position (``[400, 420]``), then at the field itself (one number for all periods).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sopopt.errors import Location
from sopopt.inputs.periods import expand_series
from sopopt.io.reader import KeyPath

if TYPE_CHECKING:
    from sopopt.inputs.case import Case

#: Suffixes of files whose locations are YAML (line, character column); others are tables.
_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Place:
    """Where one number was set: a file location, or the schema default."""

    location: Location | None
    """File and line (and, for a table, the column number); None for a default."""
    field: str
    """The dotted key path of the input (``resources.line.hours``)."""
    adjusted_from: Place | None = None
    """For a value set by an ``adjust`` entry: the place of the value it adjusted."""

    def __str__(self) -> str:
        if self.location is None:
            return "default"
        text = _short(self.location)
        if self.adjusted_from is not None:
            return f"adjustment at {text}, of {self.adjusted_from}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON: file, line, column, field, adjusted_from."""
        out: dict[str, Any] = {"place": str(self), "field": self.field}
        if self.location is not None:
            out.update(file=self.location.file, line=self.location.line)
            if not _is_yaml(self.location) and self.location.column:
                out["column"] = self.location.column
        if self.adjusted_from is not None:
            out["adjusted_from"] = self.adjusted_from.to_dict()
        return out


def _is_yaml(location: Location) -> bool:
    return Path(location.file).suffix.lower() in _YAML_SUFFIXES


def _short(location: Location) -> str:
    """``path:line`` for YAML; ``path:line, column N`` for a table cell."""
    if not location.line:
        return location.file
    if _is_yaml(location) or not location.column:
        return f"{location.file}:{location.line}"
    return f"{location.file}:{location.line}, column {location.column}"


def place_of(case: Case, path: KeyPath, period: int | None = None) -> Place:
    """The place that last set the value at ``path`` (in ``period`` for a series)."""
    field = ".".join(path)
    written = _written(case, path, period)
    base = Place(written, field)
    adjustment = _last_adjustment(case, path, period, written)
    if adjustment is not None:
        return Place(adjustment, field, adjusted_from=base)
    return base


def _written(case: Case, path: KeyPath, period: int | None) -> Location | None:
    if period is not None:
        for key in ((*path, case.labels[period]), (*path, str(period))):
            if key in case.locations:
                return case.locations[key]
    found = case.locations.get(path)
    if found is None and len(path) > 4 and path[0] == "products" and path[2] == "sites":
        # A product default copied to the site (by an adjustment scoped to sites).
        return _written(case, ("products", path[1], *path[4:]), period)
    return found


def _last_adjustment(case: Case, path: KeyPath, period: int | None, written: Location | None) -> Location | None:
    """The location of the last ``adjust`` entry that changed this value, if any."""
    for change in reversed(case.changes):
        if change.path != path:
            continue
        if change.location is None or change.location == written or change.location == case.locations.get(path):
            return None  # the last change is the file's own value (a merge down the chain)
        if period is None or _differs(change.old, change.new, period, case.labels):
            return change.location
    return None


def _differs(old: Any, new: Any, period: int, labels: list[str]) -> bool:
    try:
        return bool(expand_series(old, labels)[period] != expand_series(new, labels)[period])
    except (ValueError, TypeError):
        return True


def item_path(case: Case, product: str, site: str, *field: str) -> KeyPath:
    """Key path of a product-at-site field: the site's entry if it gives the field,
    else the product's (the default every site inherits)."""
    at_site: KeyPath = ("products", product, "sites", site, *field)
    if _given(case.resolved, at_site):
        return at_site
    return ("products", product, *field)


def _given(data: Any, path: KeyPath) -> bool:
    for key in path:
        if not isinstance(data, dict) or data.get(key) is None:
            return False
        data = data[key]
    return True


def entity_place(case: Case, *path: str) -> Place:
    """The place where an entity (a product at a site, a resource, ...) is declared."""
    return Place(case.locations.get(tuple(path)), ".".join(path))
