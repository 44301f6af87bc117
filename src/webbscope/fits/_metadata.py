"""JWST metadata of one FITS file, read from its headers (never from its data)."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from astropy.utils.exceptions import AstropyWarning

from webbscope.domain.fits_metadata import HduSummary, JwstMetadata
from webbscope.fits._footprint import (
    center_from_wcs,
    footprint_from_wcs,
    header_wcs,
    pixel_scale_arcsec,
    spectral_axis,
)
from webbscope.fits._lenient import bounded_notes, repair_header
from webbscope.fits._levels import obs_id_from_filename, processing_level, product_type
from webbscope.fits._limits import FitsLimits
from webbscope.fits._open import open_scanned
from webbscope.fits._scan import HduLayout

T = TypeVar("T")
_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)
_IMAGE_KINDS = ("primary", "image", "compressed_image")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _padded_id(width: int) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:0{width}d}"
        return _text(value)

    return convert


def _lookup(
    headers: Sequence[Any], keys: Sequence[str], convert: Callable[[Any], T | None]
) -> T | None:
    """The first keyword of `keys` found (and convertible) in the first header that has it."""
    for key in keys:
        for header in headers:
            if header is not None and key in header:
                value = convert(header[key])
                if value is not None:
                    return value
    return None


def mjd_to_datetime(mjd: float | None) -> datetime | None:
    """UTC datetime for a modified Julian date (days of 86400 s, no leap seconds)."""
    if mjd is None or not -1e6 < mjd < 1e6:
        return None
    return _MJD_EPOCH + timedelta(days=mjd)


def _science_layout(layouts: list[HduLayout]) -> HduLayout | None:
    for layout in layouts:
        if layout.name.upper() == "SCI" and layout.kind in _IMAGE_KINDS and layout.shape:
            return layout
    for layout in layouts:
        if layout.kind in _IMAGE_KINDS and layout.shape:
            return layout
    return None


def _celestial_size(wcs: Any, axes: tuple[int, ...]) -> tuple[int, int]:
    """The image's size along the two pixel axes of its celestial WCS (in file order), which
    are not the first two when, say, a spectrum's FREQ axis comes first."""
    lng, lat = int(wcs.wcs.lng), int(wcs.wcs.lat)
    first, second = sorted((lng, lat)) if lng >= 0 and lat >= 0 else (0, 1)

    def size(axis: int) -> int:
        return axes[axis] if axis < len(axes) else 1

    return size(first), size(second)


def _summaries(layouts: list[HduLayout], hdul: Any) -> list[HduSummary]:
    out = []
    for layout in layouts:
        columns = None
        if layout.kind in ("bintable", "table"):
            header = hdul[layout.index].header
            n = header.get("TFIELDS", 0)
            count = n if isinstance(n, int) and 0 <= n <= 999 else 0
            columns = [str(header.get(f"TTYPE{i}", f"col{i}")).strip() for i in range(1, count + 1)]
        shape = layout.shape
        out.append(
            HduSummary(
                index=layout.index,
                name=layout.name,
                ver=layout.ver,
                type=layout.kind,
                shape=list(shape) if shape else None,
                dtype=layout.dtype if shape else None,
                columns=columns,
            )
        )
    return out


def extract_metadata(
    path: str | os.PathLike[str], limits: FitsLimits, *, file_name: str | None = None
) -> JwstMetadata:
    """Read a FITS product's JWST metadata from its headers.

    The file is validated first (see `open_fits`). Missing keywords give None; a broken WCS
    gives no footprint. The science HDU is the first `SCI` image, else the first image with
    data; tables (such as `_x1d` spectra) have no shape or footprint. `file_name` is the
    product's real name when `path` is a temporary file (an upload): the processing level,
    product type and obs_id are read from it.
    """
    p = Path(path)
    name = file_name or p.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with open_scanned(p, limits) as (layouts, hdul):
            notes: list[str] = []
            for layout in layouts:
                notes += repair_header(hdul[layout.index].header, layout.label)
            primary = hdul[0].header
            sci = _science_layout(layouts)
            sci_header = hdul[sci.index].header if sci is not None else None
            headers = [primary, sci_header]
            sci_first = [sci_header, primary]
            hdus = _summaries(layouts, hdul)
            merged = {k: v for h in (sci_header, primary) if h is not None for k, v in h.items()}
            wcs = header_wcs(sci_header, fobj=hdul) if sci_header is not None else None

            footprint = center = scale = spec = None
            has_celestial = bool(wcs is not None and wcs.has_celestial)
            if sci is not None and has_celestial and wcs is not None:
                nx, ny = _celestial_size(wcs, sci.axes)
                footprint = footprint_from_wcs(wcs, nx, ny)
                center = center_from_wcs(wcs, nx, ny)
                scale = pixel_scale_arcsec(wcs)
            # Length-1 axes (a radio image's FREQ and STOKES) do not make a cube.
            is_cube = bool(sci is not None and sum(1 for n in sci.axes if n > 1) >= 3)
            if is_cube and sci is not None:
                spec = spectral_axis(wcs, sci_header, sci.axes)

            start_mjd = _lookup(headers, ["EXPSTART", "MJD-BEG", "MJD-OBS"], _number)
            return JwstMetadata(
                file_name=name,
                obs_id=obs_id_from_filename(name),
                size_bytes=p.stat().st_size,
                telescope=_lookup(headers, ["TELESCOP"], _text),
                instrument=_lookup(headers, ["INSTRUME"], _text),
                detector=_lookup(headers, ["DETECTOR"], _text),
                filter=_lookup(headers, ["FILTER"], _text),
                pupil=_lookup(headers, ["PUPIL"], _text),
                grating=_lookup(headers, ["GRATING"], _text),
                exp_type=_lookup(headers, ["EXP_TYPE"], _text),
                target_name=_lookup(headers, ["TARGNAME", "TARGPROP", "OBJECT"], _text),
                target_ra=_lookup(headers, ["TARG_RA", "RA_TARG"], _number),
                target_dec=_lookup(headers, ["TARG_DEC", "DEC_TARG"], _number),
                program=_lookup(headers, ["PROGRAM"], _padded_id(5)),
                observation=_lookup(headers, ["OBSERVTN"], _padded_id(3)),
                visit=_lookup(headers, ["VISIT"], _padded_id(3)),
                exposure_start_mjd=start_mjd,
                exposure_start=mjd_to_datetime(start_mjd),
                exposure_end_mjd=_lookup(headers, ["EXPEND", "MJD-END"], _number),
                exposure_time=_lookup(headers, ["EFFEXPTM", "XPOSURE", "EXPTIME"], _number),
                bunit=_lookup(sci_first, ["BUNIT"], _text),
                processing_level=processing_level(name, merged),
                product_type=product_type(name, merged),
                science_hdu=sci.index if sci is not None else None,
                shape=list(sci.shape) if sci is not None and sci.shape else None,
                dtype=sci.dtype if sci is not None else None,
                is_cube=is_cube,
                spectral_axis=spec,
                has_celestial_wcs=has_celestial,
                footprint=footprint,
                center_ra=center[0] if center else None,
                center_dec=center[1] if center else None,
                pixel_scale_arcsec=scale,
                hdus=hdus,
                warnings=bounded_notes(notes),
            )
