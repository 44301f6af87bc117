"""JWST imaging filters: pivot wavelengths (um) and PSF FWHM (arcsec), from the public JWST
documentation (NIRCam and MIRI filter and PSF pages). Wavelength order gives a composite's
natural colour order: the shortest wavelength is blue."""

from __future__ import annotations

import re

#: filter -> (pivot wavelength um, PSF FWHM arcsec)
FILTERS: dict[str, tuple[float, float]] = {
    "F070W": (0.704, 0.023),
    "F090W": (0.901, 0.030),
    "F115W": (1.154, 0.037),
    "F140M": (1.404, 0.046),
    "F150W": (1.501, 0.049),
    "F150W2": (1.659, 0.046),
    "F162M": (1.626, 0.053),
    "F164N": (1.644, 0.054),
    "F182M": (1.845, 0.060),
    "F187N": (1.874, 0.061),
    "F200W": (1.990, 0.064),
    "F210M": (2.093, 0.068),
    "F212N": (2.120, 0.069),
    "F250M": (2.503, 0.082),
    "F277W": (2.786, 0.088),
    "F300M": (2.996, 0.097),
    "F322W2": (3.247, 0.096),
    "F323N": (3.237, 0.106),
    "F335M": (3.365, 0.109),
    "F356W": (3.563, 0.114),
    "F360M": (3.621, 0.118),
    "F405N": (4.055, 0.132),
    "F410M": (4.092, 0.133),
    "F430M": (4.280, 0.139),
    "F444W": (4.421, 0.140),
    "F460M": (4.624, 0.151),
    "F466N": (4.654, 0.152),
    "F470N": (4.707, 0.154),
    "F480M": (4.834, 0.157),
    "F560W": (5.635, 0.207),
    "F770W": (7.639, 0.269),
    "F1000W": (9.953, 0.328),
    "F1130W": (11.309, 0.375),
    "F1280W": (12.810, 0.420),
    "F1500W": (15.064, 0.488),
    "F1800W": (17.984, 0.591),
    "F2100W": (20.795, 0.674),
    "F2550W": (25.365, 0.803),
}

#: Curated filter sets (preset name -> filters, shortest first).
FILTER_SETS: dict[str, tuple[str, ...]] = {
    "nircam-3": ("F090W", "F200W", "F444W"),
    "nircam-ero-6": ("F090W", "F187N", "F200W", "F335M", "F444W", "F470N"),
    "nircam-wide": ("F090W", "F150W", "F200W", "F277W", "F356W", "F444W"),
    "miri-broadband": ("F770W", "F1130W", "F1280W", "F1800W"),
    "nircam-miri": ("F090W", "F200W", "F444W", "F770W", "F1130W"),
}

_NAME = re.compile(r"F\d{3,4}[WMN]2?")


def filter_name(text: str | None) -> str | None:
    """The filter in a FILTER/PUPIL value (``CLEAR``, ``F444W``, ``F405N``...), upper case."""
    if not text:
        return None
    found = _NAME.search(str(text).upper())
    return found.group(0) if found else None


def pivot_um(name: str | None) -> float | None:
    f = filter_name(name)
    return FILTERS[f][0] if f in FILTERS else None


def psf_fwhm_arcsec(name: str | None) -> float | None:
    f = filter_name(name)
    return FILTERS[f][1] if f in FILTERS else None
