"""Library queries as plain Python over record documents: the filters, sky tests and sort
orders of `GET /api/records`, with no database or web imports (the reference the read model
is tested against, and the per-record test `/api/search` applies to semantic hits)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from webbscope.domain.records import Visibility
from webbscope.jwst import filter_info
from webbscope.records.fields import PUBLIC, lowered, program_key
from webbscope.records.sky import angular_distance_deg, polygon_contains

SortKey = Literal[
    "created_at", "updated_at", "file_name", "observed_at", "target", "instrument", "size"
]


@dataclass(frozen=True)
class RecordQuery:
    """Filters of `GET /api/records`; empty or None means "any"."""

    text: str | None = None
    instrument: Sequence[str] = ()
    filter: Sequence[str] = ()
    target: Sequence[str] = ()
    program: Sequence[str] = ()
    processing_level: Sequence[str] = ()
    product_type: Sequence[str] = ()
    source: Sequence[str] = ()
    tags: Sequence[str] = ()
    visibility: Visibility | None = None
    archived: bool | None = False
    owner: Literal["me", "others", "any"] = "any"
    observed_after: datetime | None = None
    observed_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    ra: float | None = None
    dec: float | None = None
    radius: float | None = None
    #: The filter's pivot wavelength in microns (records without a known filter never match).
    wavelength_min: float | None = None
    wavelength_max: float | None = None
    sort: SortKey = "created_at"
    descending: bool = True
    offset: int = 0
    limit: int = 50


#: The fields of a stored record that queries read (the library index and the semantic
#: index keep these of every record).
QUERY_FIELDS = (
    "_id",
    "owner_id",
    "readers",
    "visibility",
    "archived",
    "facets",
    "processing_level",
    "product_type",
    "source",
    "tags",
    "observed_at",
    "created_at",
    "updated_at",
    "file_name_lower",
    "size",
    "sky",
    "search",
)


def query_entry(doc: dict[str, Any]) -> dict[str, Any]:
    """What queries need of a stored record (its `_id` as a string)."""
    entry = {k: doc.get(k) for k in QUERY_FIELDS}
    entry["_id"] = str(doc["_id"])
    return entry


def pivot_um(doc: dict[str, Any]) -> float | None:
    """The pivot wavelength of a record's filter, in microns (None if unknown)."""
    facets = doc.get("facets") or {}
    f = filter_info(facets.get("filter"), facets.get("instrument"))
    return None if f is None else f.pivot_um


def may_read(doc: dict[str, Any], caller_id: str | None, is_admin: bool) -> bool:
    if is_admin:
        return True
    readers = doc.get("readers", ())
    return PUBLIC in readers or (caller_id is not None and caller_id in readers)


def may_read_all(
    docs: Sequence[dict[str, Any] | None], caller_id: str | None, is_admin: bool
) -> bool:
    """A product made from records (a composite, a mosaic) may be read only by a caller who
    may read every one of its inputs; a missing input counts as unreadable."""
    return bool(docs) and all(d is not None and may_read(d, caller_id, is_admin) for d in docs)


def matches_sky(doc: dict[str, Any], ra: float, dec: float, radius: float | None) -> bool:
    """With a radius: the footprint comes within `radius` degrees of the point (its
    bounding circle does). Without: the footprint contains the point."""
    sky = doc.get("sky")
    if not sky:
        return False
    reach = float(sky["radius"]) + (radius or 0.0)
    if abs(float(sky["dec"]) - dec) > reach:
        return False  # cheap: too far in declination alone
    distance = angular_distance_deg(float(sky["ra"]), float(sky["dec"]), ra, dec)
    if radius is not None:
        return distance <= reach
    if distance > reach:
        return False
    corners = [(c["ra"], c["dec"]) for c in sky.get("corners") or []]
    return polygon_contains(corners, ra, dec)


def predicate(
    q: RecordQuery, caller_id: str | None, is_admin: bool
) -> Callable[[dict[str, Any]], bool]:
    """A test for one record document (as stored) against the query and the caller's rights."""
    text = q.text.strip().lower() if q.text else None
    facets = [
        (name, set(vals))
        for name, vals in (
            ("instrument", lowered(q.instrument)),
            ("filter", lowered(q.filter)),
            ("target", lowered(q.target)),
            ("program", [program_key(v) for v in lowered(q.program)]),
        )
        if vals
    ]
    fields = [
        (name, set(vals))
        for name, vals in (
            ("processing_level", [v for v in q.processing_level if v]),
            ("product_type", [v for v in q.product_type if v]),
            ("source", [v for v in q.source if v]),
        )
        if vals
    ]
    tags = set(lowered(q.tags))
    ranges = [
        (name, lo, hi)
        for name, lo, hi in (
            ("observed_at", q.observed_after, q.observed_before),
            ("created_at", q.created_after, q.created_before),
        )
        if lo is not None or hi is not None
    ]

    wavelength = q.wavelength_min is not None or q.wavelength_max is not None

    def test(doc: dict[str, Any]) -> bool:
        if not may_read(doc, caller_id, is_admin):
            return False
        if q.archived is not None and doc.get("archived", False) != q.archived:
            return False
        if (
            caller_id is not None
            and q.owner != "any"
            and ((doc["owner_id"] == caller_id) != (q.owner == "me"))
        ):
            return False
        if q.visibility is not None and doc.get("visibility") != q.visibility.value:
            return False
        f = doc.get("facets") or {}
        for name, wanted in facets:
            if f.get(name) not in wanted:
                return False
        for name, wanted in fields:
            if doc.get(name) not in wanted:
                return False
        if tags and not tags <= set(doc.get("tags", ())):
            return False
        for name, lo, hi in ranges:
            value = doc.get(name)
            if value is None or (lo is not None and value < lo) or (hi is not None and value > hi):
                return False
        if text and text not in doc.get("search", ""):
            return False
        if wavelength:
            pivot = pivot_um(doc)
            if pivot is None:
                return False
            if (q.wavelength_min is not None and pivot < q.wavelength_min) or (
                q.wavelength_max is not None and pivot > q.wavelength_max
            ):
                return False
        return not (
            q.ra is not None and q.dec is not None and not matches_sky(doc, q.ra, q.dec, q.radius)
        )

    return test


_SORT_FIELDS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "created_at": lambda d: d.get("created_at"),
    "updated_at": lambda d: d.get("updated_at"),
    "file_name": lambda d: d.get("file_name_lower"),
    "observed_at": lambda d: d.get("observed_at"),
    "target": lambda d: (d.get("facets") or {}).get("target"),
    "instrument": lambda d: (d.get("facets") or {}).get("instrument"),
    "size": lambda d: d.get("size"),
}


def run_query(
    docs: Iterable[dict[str, Any]], q: RecordQuery, caller_id: str | None, is_admin: bool
) -> tuple[list[dict[str, Any]], int]:
    """The page of matching documents and the total; records without the sort field come last
    in either order, ties broken by id."""
    test = predicate(q, caller_id, is_admin)
    hits = [d for d in docs if test(d)]
    field = _SORT_FIELDS[q.sort]
    present = [d for d in hits if field(d) is not None]
    absent = [d for d in hits if field(d) is None]
    present.sort(key=lambda d: (field(d), str(d["_id"])), reverse=q.descending)
    absent.sort(key=lambda d: str(d["_id"]), reverse=q.descending)
    ordered = present + absent
    return ordered[q.offset : q.offset + q.limit], len(hits)


__all__ = ["PUBLIC", "lowered", "program_key"]
