"""Adjustments: ``adjust`` entries that multiply, add to or set inputs over a scope
(product, family, site, resource, workforce, supplier, lane, period range)."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Iterable
from typing import Any

from sopopt.errors import Problem
from sopopt.inputs.classes import DEFAULT, class_mapping
from sopopt.inputs.periods import expand_series, period_indices
from sopopt.inputs.scenarios.chain import Change, get, put
from sopopt.inputs.scenarios.targets_table import adjust_targets
from sopopt.inputs.schema.network import ProductSite
from sopopt.inputs.schema.scenario import ADJUSTABLE, Adjustment
from sopopt.io.reader import KeyPath, Locations


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
        "name": {t.get("name") for t in data.get("targets") or [] if isinstance(t, dict)} - {None},
        "option": set(data.get("options") or {}),
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
        unknown = unknown or _unknown_classes(data, adj, file_locations, path, problems)
        if unknown:
            continue
        try:
            chosen = period_indices(adj.periods, labels) if adj.periods is not None else list(range(len(labels)))
        except ValueError as exc:
            problems.append(Problem(file_locations.get((*path, "periods"), where), f"{field_name}.periods", str(exc)))
            continue
        if adj.target == "option":
            problems += _force_options(data, adj, field_name, where, changes)
            continue
        collection, inner = ADJUSTABLE[adj.target]
        if collection == "targets":
            problems.extend(adjust_targets(data, adj, field_name, where, changes))
            continue
        matched = 0
        try:
            for entry_path, value in _targets(data, adj, collection, inner):
                new = _apply(value, adj, chosen, labels)
                changes.append(Change(entry_path, value, new, where))
                put(data, entry_path, new)
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
    if collection == "demand":
        return _demand_targets(data, adj)
    if collection == "products":
        return _product_targets(data, adj, inner)
    return _entry_targets(data, adj, collection, inner)


def _product_filter(data: dict[str, Any], adj: Adjustment) -> Callable[[str], bool]:
    """Whether a product is in the adjustment's product and family scope."""
    products, families = _as_list(adj.product), _as_list(adj.family)
    catalogue = data.get("products") or {}

    def product_ok(name: str) -> bool:
        if products is not None and name not in products:
            return False
        if families is not None:
            entry = catalogue.get(name)
            return isinstance(entry, dict) and entry.get("family") in families
        return True

    return product_ok


def _unknown_classes(data: dict[str, Any], adj: Adjustment, locations: Locations, path: KeyPath,
                     problems: list[Problem]) -> bool:
    """Report the classes of a ``class`` scope that are not declared (nor ``default``)."""
    declared = set(data.get("demand_classes") or {}) | {DEFAULT}
    where = locations.get((*path, "class"), locations.get(path))
    bad = [name for name in _as_list(adj.class_) or [] if name not in declared]
    for name in bad:
        close = difflib.get_close_matches(name, sorted(declared), n=1)
        problems.append(Problem(where, f"{'.'.join(path)}.class", f"unknown class '{name}'",
                                f"did you mean '{close[0]}'?" if close else ""))
    if adj.class_ is not None and adj.target != "demand" and not bad:
        problems.append(Problem(where, f"{'.'.join(path)}.class", "a class scope applies to demand only"))
        return True
    return bool(bad)


def _demand_targets(data: dict[str, Any], adj: Adjustment) -> Iterable[tuple[KeyPath, Any]]:
    """Every demand series in scope: a site's series, or each of its classes' series."""
    product_ok, sites, classes = _product_filter(data, adj), _as_list(adj.site), _as_list(adj.class_)
    declared = set(data.get("demand_classes") or {})
    for product, by_site in (data.get("demand") or {}).items():
        if not product_ok(product) or not isinstance(by_site, dict):
            continue
        for site, value in by_site.items():
            if sites is not None and site not in sites:
                continue
            mapping = class_mapping(value, declared)
            if mapping is None:
                if classes is None or DEFAULT in classes:
                    yield ("demand", product, site), value
                continue
            for name, series in mapping.items():
                if classes is None or name in classes:
                    yield ("demand", product, site, name), series


def _product_targets(data: dict[str, Any], adj: Adjustment, inner: tuple[str, ...]) -> Iterable[tuple[KeyPath, Any]]:
    product_ok, sites = _product_filter(data, adj), _as_list(adj.site)
    for name, product in (data.get("products") or {}).items():
        if not product_ok(name) or not isinstance(product, dict):
            continue
        if inner[0] not in ProductSite.model_fields:
            # A product-only field (price): changed on the product, for every site.
            if sites is not None:
                raise ValueError(f"'{adj.target}' is set per product, not per site: drop the site scope")
            value = get(product, inner)
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
            value = get(entry, inner)
            if value is not None:
                yield ("products", name, "sites", site, *inner), value


def _entry_targets(
    data: dict[str, Any], adj: Adjustment, collection: str, inner: tuple[str, ...]
) -> Iterable[tuple[KeyPath, Any]]:
    """Targets in resources, workforce, suppliers, lanes or sites, by their scopes."""
    products, sites = _as_list(adj.product), _as_list(adj.site)
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
        value = get(entry, inner)
        if value is not None:
            yield (collection, name, *inner), value


def _force_options(
    data: dict[str, Any], adj: Adjustment, field_name: str, where: Any, changes: list[Change]
) -> list[Problem]:
    """Target ``option``: ``set: 1`` forces the scoped options in, ``set: 0`` out."""
    if adj.set not in (0.0, 1.0) or adj.periods is not None:
        return [Problem(where, field_name, "an option is forced with 'set: 1' (in) or 'set: 0' (out), for the "
                        "whole horizon")]
    options = data.get("options") or {}
    names = _as_list(adj.option) or list(options)
    if not names:
        return [Problem(where, field_name, "adjustment of 'option' matches no input", "the case has no options")]
    for name in names:
        entry = options[name]
        path = ("options", name, "force")
        changes.append(Change(path, entry.get("force"), adj.set == 1.0, where))
        entry["force"] = adj.set == 1.0
    return []
