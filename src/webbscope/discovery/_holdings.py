"""What the archive holds for a target: observations counted by instrument, filter, level and
kind, and how many cannot be used for composites (and why)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from webbscope.jwst import effective_filter, filter_info
from webbscope.mast import ArchiveObservation

_NOT_SCIENCE = ("BACKGROUND", "BKG", "BACKGRND", "CALIBRATION", "FLAT", "DARK", "SKYFLAT", "TA ")
IMAGERS = ("NIRCAM", "MIRI", "NIRISS")


@dataclass
class Holdings:
    total: int = 0
    instruments: dict[str, int] = field(default_factory=dict)
    filters: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    exclusive: int = 0
    usable: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def band_of(obs: ArchiveObservation) -> str | None:
    """The imaging band of an observation (its first filter element with a known wavelength)."""
    for element in obs.filters:
        name = effective_filter(element)
        if name and filter_info(name, obs.instrument) is not None:
            return name
    return None


def skip_reason(obs: ArchiveObservation) -> str | None:
    """Why an observation cannot feed a composite, or None if it can."""
    target = (obs.target or "").upper()
    if (obs.intent or "science").lower() != "science" or any(
        w.strip() in target for w in _NOT_SCIENCE
    ):
        return "background or calibration"
    if (obs.data_rights or "PUBLIC").upper() != "PUBLIC":
        return "exclusive access"
    if (obs.product_type or "image").lower() != "image" or (
        obs.instrument_mode or "IMAGE"
    ) != "IMAGE":
        return "spectroscopy or not an image"
    if obs.instrument not in IMAGERS:
        return "not an imager"
    if band_of(obs) is None:
        return "filter without a known wavelength"
    if (obs.calib_level or 0) < 3:
        return "not level 3"
    return None


def summarise(observations: Sequence[ArchiveObservation]) -> Holdings:
    h = Holdings(total=len(observations))
    instruments: Counter[str] = Counter()
    filters: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for obs in observations:
        instruments[obs.instrument or "unknown"] += 1
        for element in obs.filters:
            filters[element] += 1
        levels[str(obs.calib_level) if obs.calib_level is not None else "unknown"] += 1
        kinds[obs.product_type or "unknown"] += 1
        if (obs.data_rights or "PUBLIC").upper() != "PUBLIC":
            h.exclusive += 1
        reason = skip_reason(obs)
        if reason is None:
            h.usable += 1
        else:
            skipped[reason] += 1
    h.instruments, h.filters, h.levels = dict(instruments), dict(filters), dict(levels)
    h.kinds, h.skipped = dict(kinds), dict(skipped)
    return h
