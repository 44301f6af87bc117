"""What is known around a record, for its prose: its programme (from the primary header's
TITLE and PI_NAME cards), the records it was made from, the featured target it shows and its
constellation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from webbscope.discovery import FEATURED, find_target
from webbscope.jwst import effective_filter
from webbscope.records.sky import angular_distance_deg
from webbscope.semantic._text import TextContext, constellation_of


def _position(meta: Mapping[str, Any]) -> tuple[float, float] | None:
    ra = meta.get("center_ra", meta.get("target_ra"))
    dec = meta.get("center_dec", meta.get("target_dec"))
    if isinstance(ra, int | float) and isinstance(dec, int | float):
        return float(ra), float(dec)
    return None


def featured_note(meta: Mapping[str, Any]) -> str | None:
    """The featured target the record shows (by name, else by position), in words."""
    name = meta.get("target_name")
    target = find_target(str(name)) if name else None
    where = _position(meta)
    if target is None and where is not None:
        target = next(
            (t for t in FEATURED if angular_distance_deg(t.ra, t.dec, *where) <= t.radius_deg),
            None,
        )
    return target.note() if target else None


def input_phrase(doc: Mapping[str, Any]) -> str:
    """How a derived record names one of its inputs: its file and band."""
    meta = doc.get("metadata") or {}
    band = effective_filter(meta.get("filter"), meta.get("pupil"))
    return f"{doc['file_name']}" + (f" ({meta.get('instrument')} {band})" if band else "")


def build_context(
    doc: Mapping[str, Any],
    *,
    primary_cards: Mapping[str, Any] | None = None,
    inputs: Sequence[Mapping[str, Any]] = (),
) -> TextContext:
    meta = doc.get("metadata") or {}
    cards = primary_cards or {}
    where = _position(meta)
    return TextContext(
        programme_title=str(cards["TITLE"]) if cards.get("TITLE") else None,
        pi_name=str(cards["PI_NAME"]) if cards.get("PI_NAME") else None,
        inputs=[input_phrase(d) for d in inputs],
        target_note=featured_note(meta),
        constellation=constellation_of(*where) if where else None,
    )
