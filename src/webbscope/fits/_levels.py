"""JWST calibration level and product type from a file name (and its header as fallback).

JWST file names come in two families:

- exposure-based (levels 1-2): ``jw02731001001_02101_00001_nrcb1_cal.fits``
  (program, observation, visit, visit group, activity, exposure, detector, suffix);
- association-based (level 3): ``jw02731-o001_t017_nircam_clear-f090w_i2d.fits``
  (program, association candidate, target, instrument, optical elements, suffix).

Suffixes like ``_x1d``, ``_i2d``, ``_s2d`` and ``_s3d`` exist in both families: level 2b for an
exposure-based name, level 3 for an association-based one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from webbscope.domain.fits_metadata import ProcessingLevel

_LEVEL3_NAME = re.compile(r"^jw\d{5}-[a-z]\d{3,5}_", re.IGNORECASE)
_LEVEL2_NAME = re.compile(r"^jw\d{11}_\d{5}_\d{5}", re.IGNORECASE)
_EXTENSIONS = re.compile(
    r"(\.(fits|fit|fts|ecsv|asdf|json|csv|txt|h5))?(\.(gz|bz2|xz|fz))?$", re.IGNORECASE
)

#: Suffixes with one level whatever the name.
_FIXED: dict[str, ProcessingLevel] = {
    "uncal": "1",
    "rate": "2a",
    "rateints": "2a",
    "cal": "2b",
    "calints": "2b",
    "bsub": "2b",
    "bsubints": "2b",
    # "2c" in the JWST documentation: exposures flagged for outliers during stage 3.
    "crf": "2b",
    "crfints": "2b",
    "c1d": "3",
    "cat": "3",
    "segm": "3",
    "whtlt": "3",
    "phot": "3",
    "psfstack": "3",
    "psfalign": "3",
    "psfsub": "3",
    "median": "3",
    "ami-oi": "3",
    "amimulti-oi": "3",
    "aminorm-oi": "3",
    "wfscmb": "3",
}
#: Suffixes made by stage 2 for one exposure and by stage 3 for a combination.
_EITHER = {"i2d", "s2d", "s3d", "x1d", "x1dints"}
KNOWN_SUFFIXES = frozenset(_FIXED) | _EITHER


def _stem(filename: str) -> str:
    name = PurePath(filename.strip()).name
    return _EXTENSIONS.sub("", name, count=1)


def _split(filename: str) -> tuple[str, str | None]:
    """(name without suffix, suffix) for a JWST-style name; suffix None if not JWST-like."""
    stem = _stem(filename)
    base, sep, suffix = stem.rpartition("_")
    if not sep:
        return stem, None
    return base, suffix.lower()


def _is_jwst_name(filename: str) -> bool:
    stem = _stem(filename)
    return bool(_LEVEL3_NAME.match(stem) or _LEVEL2_NAME.match(stem))


def product_type(filename: str, header: Mapping[str, Any] | None = None) -> str | None:
    """The product suffix (``i2d``, ``cal``, ``s3d``, ``x1d``, ...), or None if unknown.

    Known suffixes are read from any name; other suffixes only from JWST-style names. The
    header's FILENAME keyword is the fallback.
    """
    _, suffix = _split(filename)
    if suffix in KNOWN_SUFFIXES or (suffix and _is_jwst_name(filename)):
        return suffix
    recorded = _header_filename(header)
    if recorded and recorded != filename:
        return product_type(recorded, None)
    return None


def obs_id_from_filename(filename: str) -> str | None:
    """MAST's obs_id for a JWST file name: the name without its product suffix."""
    if not _is_jwst_name(filename):
        return None
    base, suffix = _split(filename)
    return base if suffix else None


def processing_level(filename: str, header: Mapping[str, Any] | None = None) -> ProcessingLevel:
    """The JWST calibration level of a product: "1", "2a", "2b", "3" or "unknown".

    Decided by the file name's suffix and naming family; when the name says nothing, by the
    header (its FILENAME, then DATAMODL, S_REGION and CAL_VER).
    """
    level = _level_from_name(filename)
    if level is not None:
        return level
    recorded = _header_filename(header)
    if recorded and recorded != filename:
        level = _level_from_name(recorded)
        if level is not None:
            return level
    return _level_from_header(header)


def _level_from_name(filename: str) -> ProcessingLevel | None:
    _, suffix = _split(filename)
    if suffix is None:
        return None
    if suffix in _FIXED:
        return _FIXED[suffix]
    if suffix in _EITHER:
        stem = _stem(filename)
        if _LEVEL3_NAME.match(stem):
            return "3"
        if _LEVEL2_NAME.match(stem):
            return "2b"
        return None
    return None


def _header_filename(header: Mapping[str, Any] | None) -> str | None:
    if header is None:
        return None
    value = header.get("FILENAME")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _level_from_header(header: Mapping[str, Any] | None) -> ProcessingLevel:
    if header is None:
        return "unknown"
    model = str(header.get("DATAMODL") or "").strip()
    if model in ("Level1bModel", "RampModel"):
        return "1"
    if "S_REGION" in header:
        return "2b"  # WCS assigned: calibrated, at least stage 2
    if "CAL_VER" in header and model in ("ImageModel", "CubeModel", "IFUImageModel"):
        return "2a"
    return "unknown"
