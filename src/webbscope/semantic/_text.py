"""The prose a record is embedded as: its metadata in words.

`record_text` reads a record as stored (its `metadata`, `tags`, `description`, `lineage`, ...)
and what the caller found out about it (`TextContext`: the programme's title and PI from the
stored primary header, the names of the records it was made from, what the project knows about
its target). Plain data in, a string out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from webbscope.jwst import effective_filter, filter_info, instrument_info, wavelength_words

LEVEL_WORDS = {
    "1": "level 1 raw uncalibrated ramps",
    "2a": "level 2a count-rate exposure",
    "2b": "level 2b calibrated exposure",
    "3": "level 3 combined science product",
}

PRODUCT_WORDS = {
    "i2d": "resampled mosaic image",
    "cal": "calibrated single exposure image",
    "calints": "calibrated integrations",
    "rate": "count-rate image",
    "rateints": "count-rate integrations",
    "uncal": "raw ramp data",
    "s2d": "two-dimensional rectified spectrum",
    "s3d": "IFU spectral data cube",
    "x1d": "extracted one-dimensional spectrum",
    "x1dints": "extracted spectra per integration",
    "c1d": "combined one-dimensional spectrum",
    "cat": "source catalogue table",
    "segm": "segmentation map",
    "crf": "outlier-flagged calibrated exposure",
    "composite": "colour composite image",
    "mosaic": "mosaic image",
}

#: JWST dispersers: (words, shortest and longest wavelength in microns).
DISPERSERS = {
    "PRISM": ("low-resolution prism", 0.6, 5.3),
    "G140M": ("medium-resolution grating", 0.97, 1.89),
    "G235M": ("medium-resolution grating", 1.66, 3.17),
    "G395M": ("medium-resolution grating", 2.87, 5.27),
    "G140H": ("high-resolution grating", 0.97, 1.89),
    "G235H": ("high-resolution grating", 1.66, 3.17),
    "G395H": ("high-resolution grating", 2.87, 5.27),
    "GRISMR": ("wide-field slitless grism", 2.4, 5.0),
    "GRISMC": ("wide-field slitless grism", 2.4, 5.0),
}

SOURCE_WORDS = {
    "upload": "uploaded by its owner",
    "mast": "imported from the MAST archive",
    "derived": "made in Webbscope from other records",
}


@dataclass(frozen=True)
class TextContext:
    """What is known about a record beyond its own document."""

    programme_title: str | None = None
    pi_name: str | None = None
    inputs: Sequence[str] = field(default_factory=tuple)
    """Names of the records a derived record was made from (with their filters, if known)."""
    target_note: str | None = None
    """What the project knows about the target ("the Southern Ring Nebula, a planetary
    nebula")."""
    constellation: str | None = None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, str) and len(value) >= 10:
        try:
            return _date(datetime.fromisoformat(value[:19]))
        except ValueError:
            return None
    return None


def band_phrase(meta: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(the band in words, its wavelength range in words) from a record's metadata."""
    instrument = _clean(meta.get("instrument"))
    grating = _clean(meta.get("grating"))
    if grating and grating.upper() in DISPERSERS:
        words, lo, hi = DISPERSERS[grating.upper()]
        return f"{grating.upper()} {words}", f"{lo:g} to {hi:g} microns"
    name = effective_filter(meta.get("filter"), meta.get("pupil"))
    f = filter_info(name, instrument)
    if f is not None:
        return (
            f"{f.name} filter, the {wavelength_words(f)}",
            f"{f.min_um:.2f} to {f.max_um:.2f} microns",
        )
    if name:
        return f"{name} filter", None
    return None, None


def record_text(doc: Mapping[str, Any], context: TextContext | None = None) -> str:
    """A few sentences describing the record, for embedding."""
    ctx = context or TextContext()
    meta: Mapping[str, Any] = doc.get("metadata") or {}
    sentences: list[str] = []

    instrument = instrument_info(meta.get("instrument"))
    inst = instrument.label if instrument else _clean(meta.get("instrument"))
    product = _clean(doc.get("product_type") or meta.get("product_type"))
    what = PRODUCT_WORDS.get((product or "").lower(), "data product")
    if meta.get("is_cube") and "cube" not in what:
        what = f"{what} (a cube)"
    target = _clean(meta.get("target_name"))
    head = f"JWST {inst} {what}" if inst else f"A {what}"
    if target:
        head += f" of {target}"
    sentences.append(head + ".")
    if ctx.target_note:
        sentences.append(f"The target is {ctx.target_note}.")

    band, span = band_phrase(meta)
    if band:
        sentences.append(f"Observed in the {band}" + (f", covering {span}." if span else "."))
    level = LEVEL_WORDS.get(str(doc.get("processing_level") or meta.get("processing_level")))
    if level:
        sentences.append(f"Processing: {level}.")
    exposure = meta.get("exposure_time")
    when = _date(meta.get("exposure_start"))
    if isinstance(exposure, int | float) and exposure > 0:
        sentences.append(
            f"Exposure time {_duration(float(exposure))}"
            + (f", observed on {when}." if when else ".")
        )
    elif when:
        sentences.append(f"Observed on {when}.")
    if ctx.constellation:
        # Positions in numbers serve sky-cone filters; in words, the constellation.
        sentences.append(f"In the constellation {ctx.constellation}.")

    programme = _clean(meta.get("program"))
    if programme:
        line = f"JWST programme {programme.lstrip('0') or programme}"
        if ctx.programme_title:
            line += f", \u201c{_clean(ctx.programme_title)}\u201d"
        if ctx.pi_name:
            line += f", principal investigator {_clean(ctx.pi_name)}"
        sentences.append(line + ".")
    source = SOURCE_WORDS.get(str(doc.get("source")))
    if source:
        sentences.append(f"It was {source}.")
    if ctx.inputs:
        sentences.append("Made from " + "; ".join(ctx.inputs) + ".")
    lineage = doc.get("lineage") or {}
    note = _clean(lineage.get("note") if isinstance(lineage, Mapping) else None)
    if note and doc.get("source") == "derived":
        sentences.append(note.rstrip(".") + ".")
    description = _clean(doc.get("description"))
    if description:
        sentences.append(description.rstrip(".") + ".")
    tags = [t for t in doc.get("tags") or [] if t]
    if tags:
        sentences.append("Tags: " + ", ".join(tags) + ".")
    name = _clean(doc.get("file_name"))
    if name:
        sentences.append(f"File {name}.")
    return " ".join(sentences)


def constellation_of(ra: float, dec: float) -> str | None:
    """The IAU constellation containing the position (astropy's boundaries table), to a
    hundredth of a degree (records cluster on targets: lookups are remembered)."""
    return _constellation(round(ra, 2), round(dec, 2))


@lru_cache(maxsize=65_536)
def _constellation(ra: float, dec: float) -> str | None:
    from astropy.coordinates import SkyCoord, get_constellation

    try:
        return str(get_constellation(SkyCoord(ra, dec, unit="deg")))
    except Exception:  # a position astropy cannot place
        return None
