"""Pydantic validation errors translated into problems with file, line and field."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from sopopt.errors import Problem
from sopopt.inputs.schema.solver_options import refusal
from sopopt.io.reader import KeyPath, Locations, locate


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
    if kind == "extra_forbidden" and path[-3:-1] == ("solver", "options"):
        message, hint = refusal(path[-1])
        return Problem(where, field_name, message, hint)
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
        hint = "YAML reads true/false as a boolean; put a name in quotes"
    elif isinstance(value, str) and kind in ("float_type", "int_type"):
        hint = "write the number without quotes" if _NUMBER.fullmatch(value.strip()) else \
            "write a plain number: YAML 1.2 reads 1:30, 1_000 and 1,5 as text"
    elif isinstance(value, str) and kind == "bool_type":
        hint = "write true or false: YAML 1.2 reads yes/no/on/off as text"
    message = error["msg"].removeprefix("Value error, ")
    if kind in ("float_type", "dict_type", "list_type") and not hint:
        message = "expected a number, a list with one number per period, or a mapping by period"
    if value is not None and not isinstance(value, dict | list) and kind != "missing":
        message = f"{message} (got {value!r})"
    return Problem(where, field_name, message, hint)

#: Text that is a plain decimal number (a quoted number).
_NUMBER = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in file and line order, each reported once."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.location.file, p.location.line, p.location.column) if p.location else ("", 0, 0))
