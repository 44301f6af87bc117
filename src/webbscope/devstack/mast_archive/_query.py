"""`/api/v0/invoke`: the Portal API services astroquery's `Observations` uses.

Filters follow the archive's rules: a discrete filter matches any of its `values` (exactly,
case-insensitively, against the whole value or any `separator`-delimited part) or its
`freeText` SQL LIKE pattern (`%`, `_`); a continuous filter matches `{"min", "max"}` ranges
(inclusive). Filters combine with AND. Positions select a true cone (great-circle distance).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from webbscope.devstack.mast_archive._catalog import Archive
from webbscope.devstack.mast_archive._columns import (
    CAOM_FIELDS,
    DISTANCE_FIELD,
    PRODUCT_FIELDS,
    SELECTED_FIELD,
    filterable_columns,
    is_continuous,
)
from webbscope.devstack.mast_archive._sky import separation_deg

DEFAULT_PAGESIZE = 50_000
COUNT_COLUMN = "COUNT_BIG(*)"

Row = dict[str, Any]
Predicate = Callable[[Row], bool]


class ServiceError(Exception):
    """Answered as `{"status": "ERROR", "msg": ...}`."""


def _like(pattern: str) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        if ch == "%":
            parts.append(".*")
        elif ch == "_":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _number(value: Any, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ServiceError(f"{what}: '{value}' is not a number") from None
    if math.isnan(out):
        raise ServiceError(f"{what}: NaN is not allowed")
    return out


def _discrete(name: str, separator: str | None, values: list[str], free: str | None) -> Predicate:
    wanted = {v.strip().lower() for v in values}
    pattern = _like(free) if free else None

    def test(row: Row) -> bool:
        value = row.get(name)
        if value is None:
            return False
        text = str(value).lower()
        candidates = [text]
        if separator:
            candidates += [p.strip() for p in text.split(separator)]
        if any(c in wanted for c in candidates):
            return True
        return pattern is not None and any(pattern.fullmatch(c) for c in candidates)

    return test


def _continuous(name: str, ranges: list[tuple[float, float]], exact: list[float]) -> Predicate:
    def test(row: Row) -> bool:
        value = row.get(name)
        if value is None or isinstance(value, bool):
            return False
        v = float(value)
        return any(lo <= v <= hi for lo, hi in ranges) or v in exact

    return test


def compile_filter(entry: dict[str, Any]) -> Predicate | None:
    """A predicate for one `{"paramName", "values", "freeText"?, "separator"?}` filter, or None
    when it constrains nothing."""
    if not isinstance(entry, dict) or "paramName" not in entry:
        raise ServiceError("each filter needs a paramName")
    columns = filterable_columns()
    config = columns.get(str(entry["paramName"]).lower())
    if config is None:
        raise ServiceError(f"Unknown column '{entry['paramName']}' in filters")
    name = str(config["name"])
    values = entry.get("values") or []
    if not isinstance(values, list):
        values = [values]
    free = entry.get("freeText") or None
    if not values and not free:
        return None
    ranges = [v for v in values if isinstance(v, dict)]
    if ranges or is_continuous(config):
        bounds = [
            (
                _number(r.get("min", -math.inf), f"{name} min"),
                _number(r.get("max", math.inf), f"{name} max"),
            )
            for r in ranges
        ]
        exact = [_number(v, name) for v in values if not isinstance(v, dict)]
        return _continuous(name, bounds, exact)
    separator = entry.get("separator") or config.get("separator")
    return _discrete(name, separator, [str(v) for v in values], str(free) if free else None)


def _position(params: dict[str, Any]) -> tuple[float, float, float] | None:
    if "position" in params:
        parts = [p for p in re.split(r"[,\s]+", str(params["position"]).strip()) if p]
        if len(parts) != 3:
            raise ServiceError("position must be 'ra, dec, radius' in degrees")
        ra, dec, radius = (_number(p, "position") for p in parts)
    elif {"ra", "dec"} <= params.keys():
        ra, dec = _number(params["ra"], "ra"), _number(params["dec"], "dec")
        radius = _number(params.get("radius", 0.2), "radius")
    else:
        return None
    if not (-90.0 <= dec <= 90.0) or radius < 0:
        raise ServiceError("position out of range")
    return ra % 360.0, dec, radius


def _select_columns(spec: str, available: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if spec.strip() in ("", "*"):
        return available
    by_name = {n.lower(): (n, t) for n, t in available}
    out = []
    for name in (c.strip() for c in spec.split(",")):
        if name.lower() not in by_name:
            raise ServiceError(f"Unknown column '{name}' in columns")
        out.append(by_name[name.lower()])
    return out


def _page(
    rows: list[Row], fields: list[tuple[str, str]], request: dict[str, Any]
) -> dict[str, Any]:
    try:
        pagesize = int(request.get("pagesize") or DEFAULT_PAGESIZE)
        page = int(request.get("page") or 1)
    except (TypeError, ValueError):
        raise ServiceError("page and pagesize must be integers") from None
    if pagesize < 1 or page < 1:
        raise ServiceError("page and pagesize must be positive")
    total = len(rows)
    chunk = rows[(page - 1) * pagesize : page * pagesize]
    names = [n for n, _ in fields]
    return {
        "status": "COMPLETE",
        "msg": "",
        "fields": [{"name": n, "type": t} for n, t in fields],
        "data": [{n: r.get(n) for n in names} for r in chunk],
        "paging": {
            "page": page,
            "pageSize": pagesize,
            "pagesFiltered": math.ceil(total / pagesize),
            "rows": len(chunk),
            "rowsFiltered": total,
            "rowsTotal": total,
        },
    }


def _count(n: int) -> dict[str, Any]:
    return {
        "status": "COMPLETE",
        "msg": "",
        "fields": [{"name": "Column1", "type": "string"}],
        "data": [{"Column1": n}],
        "paging": {
            "page": 1,
            "pageSize": 1,
            "pagesFiltered": 1,
            "rows": 1,
            "rowsFiltered": 1,
            "rowsTotal": 1,
        },
    }


def _observations(archive: Archive, service: str, request: dict[str, Any]) -> dict[str, Any]:
    params = request.get("params") or {}
    if not isinstance(params, dict):
        raise ServiceError("params must be an object")
    filters = params.get("filters") or []
    if service == "Mast.Caom.Cone":
        filters = []
    if not isinstance(filters, list):
        raise ServiceError("filters must be a list")
    predicates = [p for p in (compile_filter(f) for f in filters) if p is not None]
    position = _position(params)
    if service != "Mast.Caom.Filtered" and position is None:
        raise ServiceError(f"{service} needs a position")
    if service == "Mast.Caom.Filtered":
        position = None

    selected: list[Row] = []
    for row in archive.rows:
        if not all(p(row) for p in predicates):
            continue
        if position is not None:
            ra, dec, radius = position
            distance = separation_deg(ra, dec, float(row["s_ra"]), float(row["s_dec"]))
            if distance > radius:
                continue
            row = {**row, "distance": round(distance * 3600.0, 6)}
        selected.append(row)
    if position is not None:
        selected.sort(key=lambda r: (r["distance"], str(r["obs_id"])))

    columns = str(params.get("columns", "*"))
    if columns.strip().upper() == COUNT_COLUMN:
        return _count(len(selected))
    available = list(CAOM_FIELDS)
    if position is not None:
        available.append(DISTANCE_FIELD)
    fields = _select_columns(columns, available)
    if columns.strip() in ("", "*"):
        fields = [*fields, SELECTED_FIELD]
    return _page(selected, fields, request)


def _products(archive: Archive, request: dict[str, Any]) -> dict[str, Any]:
    params = request.get("params") or {}
    raw = params.get("obsid", "") if isinstance(params, dict) else ""
    ids = raw if isinstance(raw, list) else str(raw).split(",")
    obsids = [str(i).strip() for i in ids if str(i).strip()]
    if not obsids:
        raise ServiceError("Mast.Caom.Products needs params.obsid")
    rows = [p for obsid in obsids for p in archive.products(obsid)]
    return _page(rows, [*PRODUCT_FIELDS, SELECTED_FIELD], request)


def resolver_entries(archive: Archive, names: list[str]) -> list[dict[str, Any]]:
    """SANTA's `resolvedCoordinate` entries (one per resolver) for the names it knows."""
    out: list[dict[str, Any]] = []
    for name in names:
        found = archive.resolve(name)
        if found is None:
            continue
        for resolver in ("SIMBAD", "NED"):
            out.append(
                {
                    "searchString": name.lower(),
                    "resolver": resolver,
                    "cached": True,
                    "resolverTime": 1,
                    "searchRadius": -1.0,
                    "canonicalName": found.canonical,
                    "ra": found.ra,
                    "decl": found.dec,
                    "objectType": found.object_type,
                }
            )
    return out


def invoke(archive: Archive, request: dict[str, Any]) -> dict[str, Any]:
    """The answer to one Portal API request (raises `ServiceError` for an ERROR answer)."""
    service = request.get("service")
    if service in ("Mast.Caom.Filtered", "Mast.Caom.Filtered.Position", "Mast.Caom.Cone"):
        return _observations(archive, service, request)
    if service == "Mast.Caom.Products":
        return _products(archive, request)
    if service == "Mast.Name.Lookup":
        params = request.get("params") or {}
        name = str(params.get("input", "")) if isinstance(params, dict) else ""
        return {"resolvedCoordinate": resolver_entries(archive, [name]), "status": ""}
    raise ServiceError(f"Unknown service '{service}'")
