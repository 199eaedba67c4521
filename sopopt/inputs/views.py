"""Views of resolved scenarios: ``show`` (YAML), ``diff`` (what differs) and ``schema``."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import yaml

from sopopt.inputs.case import Case
from sopopt.inputs.flat import Difference, diff_inputs, plain
from sopopt.inputs.periods import period_indices
from sopopt.inputs.schema.network import POLICY_KEYS, Network
from sopopt.inputs.schema.scenario import ScenarioMeta
from sopopt.inputs.schema.sweep import SweepSpec
from sopopt.inputs.schema.tables import DemandTable, SeriesTable
from sopopt.inputs.schema.targets import Target
from sopopt.io.yaml_schema import SafeDumper


class _Dumper(SafeDumper):
    """YAML dumper that keeps key order, writes short lists on one line and quotes every
    text that a YAML 1.1 or 1.2 reader would take for a number, boolean or null."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(x, dict | list) for x in data) and len(data) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def show_yaml(case: Case) -> str:
    """The fully resolved case as YAML (after every extend, override and adjustment),
    followed by the list of values that later layers replaced, as comments.

    The YAML reads back as the same case: the same compiled model data and objective
    (tables are written out inline; the solver and explain settings the files set are
    included)."""
    data = copy.deepcopy(case.resolved)
    for key, settings in (("solver", case.solver), ("explain", case.explain)):
        given = settings.model_dump(mode="json", exclude_defaults=True)
        if given:
            data[key] = given
    text = yaml.dump(plain(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    header = [f"# resolved from {case.source}", f"# files: {', '.join(str(p) for p in case.files)}"]
    lines = [*header, text.rstrip()]
    if case.changes:
        lines.append("")
        lines.append("# changed down the extend chain / by adjustments (old -> new):")
        for change in case.changes:
            where = f"  [{change.location}]" if change.location else ""
            lines.append(f"#   {'.'.join(change.path)}: {_short(change.old)} -> {_short(change.new)}{where}")
    if case.data.safety_targets:
        lines.append("")
        lines.append("# safety stock computed from policies (units per period):")
        for (p, s), target in case.data.safety_targets.items():
            values = ", ".join(f"{v:.1f}" for v in target.target)
            lines.append(f"#   {p} at {s}: {target.inputs}{', hard' if target.hard else ''}: [{values}]")
    return "\n".join(lines) + "\n"


def _short(value: Any, limit: int = 80) -> str:
    text = yaml.dump(plain(value), Dumper=_Dumper, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("\n...").strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _flatten(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict) and not isinstance(data, _Leaf):
        if not data:
            yield path, {}
        for key, value in data.items():
            yield from _flatten(value, (*path, str(key)))
    else:
        yield path, data


def diff_cases(a: Case, b: Case) -> list[Difference]:
    """Every input that differs between two resolved cases; series are compared period
    by period, so ``400`` and ``[400, 400, ...]`` are the same input."""
    return diff_inputs(flat_inputs(a), a.labels, flat_inputs(b), b.labels)


def flat_inputs(case: Case) -> dict[str, Any]:
    """The resolved inputs as ``{dotted.path: value}``; a series (number, list or
    mapping by period) stays one value, so two cases can be diffed period by period."""
    resolved = dict(case.resolved)
    if isinstance(resolved.get("targets"), list):
        resolved["targets"] = _targets_by_period(resolved["targets"], case.labels)
    flat = _flatten(_series_parents(resolved, set(case.labels)))
    return {".".join(path): dict(value) if isinstance(value, _Leaf) else value for path, value in flat}


def _targets_by_period(targets: list[Any], labels: list[str]) -> dict[str, Any]:
    """Targets by name, so that two cases diff target by target (``targets.NAME.value``),
    with their defaults (``per``, ``enforce``) and each value by the period of its row:
    every period of its range (``per: period``) or the range's last (``per: total``), so a
    target diffs only where it applies."""
    defaults = {key: Target.model_fields[key].default for key in ("per", "enforce")}
    out: dict[str, Any] = {}
    for i, raw in enumerate(targets):
        if not isinstance(raw, dict):
            continue
        target = {**defaults, **raw}
        try:
            rows = period_indices(target["periods"], labels) if target.get("periods") is not None \
                else list(range(len(labels)))
        except (ValueError, TypeError):  # an unknown period: the checks say so; keep the value as written
            rows = []
        if rows and isinstance(target.get("value"), int | float):
            rows = rows if target["per"] == "period" else rows[-1:]
            target["value"] = _Leaf({labels[t]: target["value"] for t in rows})
        out[str(target.get("name", i))] = target
    return out


def describe_adjustments(case: Case) -> list[dict[str, Any]]:
    """Each adjustment of a case in plain words: target, scope, change, periods, note
    and where it was written."""
    out = []
    for adj, where in case.adjustments:
        scope = {k: getattr(adj, k)
                 for k in ("product", "family", "site", "resource", "workforce", "supplier", "lane", "name")}
        if adj.set is not None:
            change = f"set to {adj.set:g}"
        else:
            parts = [f"x {adj.multiply:g}"] if adj.multiply != 1.0 else []
            parts += [f"{adj.add:+g}"] if adj.add != 0.0 else []
            change = " then ".join(parts) or "unchanged"
        out.append({
            "target": adj.target,
            "scope": ", ".join(f"{k} {v if isinstance(v, str) else '/'.join(v)}" for k, v in scope.items() if v),
            "change": change,
            "periods": adj.periods if isinstance(adj.periods, str | None) else ", ".join(adj.periods),
            "note": adj.note,
            "where": str(where) if where else "",
        })
    return out


def _series_parents(data: Any, labels: set[str]) -> Any:
    """Mark mappings that are series (period -> number), and safety-stock policies, as
    leaves for flattening: each is one input."""
    if isinstance(data, dict) and any(key in data for key in POLICY_KEYS):
        return _Leaf(data)
    if isinstance(data, dict):
        if data and all(isinstance(v, int | float) and not isinstance(v, bool) for v in data.values()) \
                and all(k == "default" or k in labels or ".." in k for k in data):
            return _Leaf(data)
        return {k: _series_parents(v, labels) for k, v in data.items()}
    return data


class _Leaf(dict):  # type: ignore[type-arg]
    """A mapping that is one value (a series by period)."""


def json_schema() -> dict[str, Any]:
    """JSON Schema of a model or scenario file, for editors (VS Code YAML)."""
    schema = Network.model_json_schema()
    meta = ScenarioMeta.model_json_schema()
    schema.setdefault("$defs", {}).update(meta.get("$defs", {}))
    for key, prop in meta["properties"].items():
        schema["properties"][key] = prop
    # A scenario file is a partial model: nothing is required at the top level.
    schema.pop("required", None)
    _add_table_references(schema)
    schema["title"] = "sopopt model or scenario file"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def sweep_json_schema() -> dict[str, Any]:
    """JSON Schema of a sweep file (``sopopt schema --sweep``)."""
    schema = SweepSpec.model_json_schema()
    schema["title"] = "sopopt sweep file"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _is_series(node: dict[str, Any]) -> bool:
    kinds = {option.get("type") for option in node.get("anyOf", []) if isinstance(option, dict)}
    return {"number", "array", "object"} <= kinds


def _add_table_references(schema: dict[str, Any]) -> None:
    """Allow ``{file: ...}`` wherever the loader reads a table: ``demand`` and every series."""
    defs = schema.setdefault("$defs", {})
    for model in (DemandTable, SeriesTable):
        defs[model.__name__] = model.model_json_schema()
    series_ref = {"$ref": "#/$defs/SeriesTable"}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if _is_series(node):
                node["anyOf"].append(series_ref)
            for value in list(node.values()):
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in schema.items() if k != "$defs"})
    walk({k: v for k, v in defs.items() if k not in ("DemandTable", "SeriesTable")})
    demand = schema["properties"]["demand"]
    schema["properties"]["demand"] = {"anyOf": [{k: v for k, v in demand.items() if k not in ("title", "default")},
                                                {"$ref": "#/$defs/DemandTable"}],
                                      "title": demand.get("title", "Demand"), "description": demand.get("description", "")}
