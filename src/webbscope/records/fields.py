"""A library record's derived fields, as plain functions on its document: the words it is
found by, who may read it, its facet keys and its sky circle. Below the database layer: no
database, web or storage imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from webbscope.domain.records import Visibility
from webbscope.records.sky import bounding_circle

#: The reader that stands for everyone (a public record).
PUBLIC = "*"


def keyword_text(doc: dict[str, Any]) -> str:
    """The words a record is found by (lower case): file name, target, instrument, filter,
    programme, obs id, description and tags."""
    meta = doc.get("metadata") or {}
    words: list[str] = []
    for p in (
        doc.get("file_name"),
        meta.get("target_name"),
        meta.get("instrument"),
        meta.get("filter"),
        meta.get("program"),
        meta.get("obs_id"),
        doc.get("description"),
        doc.get("tags"),
    ):
        if isinstance(p, list | tuple):
            words += [str(x) for x in p if x]
        elif p:
            words.append(str(p))
    return " ".join(words).lower()


def lowered(values: Iterable[str]) -> list[str]:
    return [v.strip().lower() for v in values if v.strip()]


def program_key(value: str) -> str:
    """Proposal ids compare without leading zeros ("02731" is "2731")."""
    return value.strip().lstrip("0") or "0"


def readers_of(owner_id: str, visibility: Visibility, shared_ids: Sequence[str]) -> list[str]:
    readers = [owner_id]
    if visibility is Visibility.shared:
        readers += [u for u in shared_ids if u != owner_id]
    if visibility is Visibility.public:
        readers.append(PUBLIC)
    return readers


def facets_of(meta: dict[str, Any]) -> dict[str, Any]:
    """The facet keys of a record's metadata (lower case; programme without leading zeros)."""
    out = {
        k: (str(meta[src]).lower() if meta.get(src) is not None else None)
        for k, src in (
            ("instrument", "instrument"),
            ("filter", "filter"),
            ("target", "target_name"),
        )
    }
    out["program"] = program_key(str(meta["program"])) if meta.get("program") else None
    return out


def sky_fields(footprint: Sequence[Sequence[float]] | None) -> dict[str, Any] | None:
    """What the records collection stores of a footprint: its bounding circle and corners."""
    if not footprint or len(footprint) < 3:
        return None
    corners = [(float(a), float(b)) for a, b in footprint]
    ra, dec, radius = bounding_circle(corners)
    return {
        "ra": ra,
        "dec": dec,
        "radius": radius,
        "corners": [{"ra": a, "dec": b} for a, b in corners],
    }
