"""Sky geometry: gnomonic standard coordinates and the WCS headers of demo products."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

ARCSEC = 1.0 / 3600.0
Cards = list[tuple[str, Any, str]]


def to_standard(
    ra: np.ndarray, dec: np.ndarray, ra0: float, dec0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic standard coordinates (xi east, eta north) in arcsec about (ra0, dec0)."""
    a = np.radians(ra - ra0)
    d = np.radians(dec)
    d0 = math.radians(dec0)
    cos_c = np.sin(d) * math.sin(d0) + np.cos(d) * math.cos(d0) * np.cos(a)
    xi = np.cos(d) * np.sin(a) / cos_c
    eta = (np.sin(d) * math.cos(d0) - np.cos(d) * math.sin(d0) * np.cos(a)) / cos_c
    return np.degrees(xi) * 3600.0, np.degrees(eta) * 3600.0


def from_standard(
    xi: np.ndarray, eta: np.ndarray, ra0: float, dec0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `to_standard`: (ra, dec) in degrees, RA in [0, 360)."""
    x = np.radians(np.asarray(xi, dtype=float) / 3600.0)
    y = np.radians(np.asarray(eta, dtype=float) / 3600.0)
    d0 = math.radians(dec0)
    denom = math.cos(d0) - y * math.sin(d0)
    ra = math.radians(ra0) + np.arctan2(x, denom)
    dec = np.arctan2(math.sin(d0) + y * math.cos(d0), np.hypot(x, denom))
    return np.degrees(ra) % 360.0, np.degrees(dec)


def tan_cards(
    crval: tuple[float, float],
    shape: tuple[int, int],
    scale_arcsec: float,
    rotation_deg: float,
    *,
    cd: bool = False,
    sip: bool = False,
) -> Cards:
    """Celestial TAN WCS cards for an image of `shape` (ny, nx), centred on `crval`.

    `rotation_deg` is the position angle of the +y axis, east of north. With `cd` the
    linear part is a CD matrix, else CDELT + PC.
    """
    ny, nx = shape
    t = math.radians(rotation_deg)
    s = scale_arcsec * ARCSEC
    pc = ((-math.cos(t), math.sin(t)), (math.sin(t), math.cos(t)))
    suffix = "-SIP" if sip else ""
    cards: Cards = [
        ("WCSAXES", 2, "number of World Coordinate System axes"),
        ("CRPIX1", (nx + 1) / 2.0, "axis 1 coordinate of the reference pixel"),
        ("CRPIX2", (ny + 1) / 2.0, "axis 2 coordinate of the reference pixel"),
        ("CRVAL1", float(crval[0]), "[deg] first axis value at the reference pixel"),
        ("CRVAL2", float(crval[1]), "[deg] second axis value at the reference pixel"),
        ("CTYPE1", "RA---TAN" + suffix, "Axis 1 type"),
        ("CTYPE2", "DEC--TAN" + suffix, "Axis 2 type"),
        ("CUNIT1", "deg", "first spatial axis units"),
        ("CUNIT2", "deg", "second spatial axis units"),
    ]
    if cd:
        cards += [
            (f"CD{i + 1}_{j + 1}", pc[i][j] * s, "linear transformation matrix element")
            for i in range(2)
            for j in range(2)
        ]
    else:
        cards += [
            ("CDELT1", s, "[deg] first axis increment per pixel"),
            ("CDELT2", s, "[deg] second axis increment per pixel"),
        ]
        cards += [
            (f"PC{i + 1}_{j + 1}", pc[i][j], "linear transformation matrix element")
            for i in range(2)
            for j in range(2)
        ]
    cards += [
        ("RADESYS", "ICRS", "name of the coordinate reference frame"),
        ("VPARITY", -1, "relative rotation between Ideal xy and V2V3"),
        ("PA_APER", float(rotation_deg), "[deg] position angle of aperture used"),
    ]
    return cards


def _sip_terms(order: int, lowest: int) -> Iterator[tuple[int, int]]:
    for total in range(lowest, order + 1):
        for p in range(total, -1, -1):
            yield p, total - p


def sip_cards(rng: np.random.Generator, n: int, order: int = 3) -> Cards:
    """SIP distortion (A/B forward, AP/BP fitted inverse) for an n x n detector.

    Distortion reaches a couple of pixels at the corners, like a NIRCam detector's.
    """
    half = n / 2.0
    forward: dict[str, dict[tuple[int, int], float]] = {"A": {}, "B": {}}
    for name in ("A", "B"):
        for p, q in _sip_terms(order, 2):
            strength = 2.5e-3 if p + q == 2 else 1.0e-3
            # coefficient for normalised coords scaled to pixels: c * half**(1 - p - q)
            forward[name][(p, q)] = float(rng.normal(0.0, strength)) * half ** (1 - p - q)

    # Fit the inverse polynomial on a grid of focal-plane positions.
    grid = np.linspace(-half, half, 41)
    uu, vv = (g.ravel() for g in np.meshgrid(grid, grid))
    du = sum(c * uu**p * vv**q for (p, q), c in forward["A"].items())
    dv = sum(c * uu**p * vv**q for (p, q), c in forward["B"].items())
    fu, fv = uu + du, vv + dv
    terms = list(_sip_terms(order, 1))
    design = np.column_stack([fu**p * fv**q for p, q in terms])
    inverse = {
        "AP": np.linalg.lstsq(design, uu - fu, rcond=None)[0],
        "BP": np.linalg.lstsq(design, vv - fv, rcond=None)[0],
    }

    cards: Cards = [
        ("A_ORDER", order, "SIP polynomial order, axis 1, detector to sky"),
    ]
    cards += [(f"A_{p}_{q}", c, "SIP distortion coefficient") for (p, q), c in forward["A"].items()]
    cards.append(("B_ORDER", order, "SIP polynomial order, axis 2, detector to sky"))
    cards += [(f"B_{p}_{q}", c, "SIP distortion coefficient") for (p, q), c in forward["B"].items()]
    for name, coeffs in inverse.items():
        cards.append((f"{name}_ORDER", order, "SIP polynomial order, sky to detector"))
        cards += [
            (f"{name}_{p}_{q}", float(c), "SIP inverse coefficient")
            for (p, q), c in zip(terms, coeffs, strict=True)
        ]
    return cards


def set_card(header: fits.Header, key: str, value: Any, comment: str) -> None:
    """Set a card, dropping its comment when value and comment do not fit in 80 columns."""
    image = f"{key:<8}= {value!r:>20} / {comment}"
    fits_in_card = not (isinstance(value, str) and len(value) > 68) and len(image) <= 80
    header[key] = (value, comment) if fits_in_card else value


def header_of(cards: Cards) -> fits.Header:
    header = fits.Header()
    for key, value, comment in cards:
        set_card(header, key, value, comment)
    return header


def make_wcs(cards: Cards, shape: tuple[int, ...]) -> WCS:
    header = header_of(cards)
    for i, n in enumerate(reversed(shape), start=1):
        header[f"NAXIS{i}"] = n
    return WCS(header, relax=True)


def footprint_region(wcs: WCS, nx: int, ny: int) -> str:
    """An S_REGION polygon (ICRS, degrees) for the outer corners of an nx x ny image."""
    x = np.array([-0.5, nx - 0.5, nx - 0.5, -0.5])
    y = np.array([-0.5, -0.5, ny - 0.5, ny - 0.5])
    world = wcs.celestial.all_pix2world(np.column_stack([x, y]), 0)
    points = " ".join(f"{ra % 360.0:.9f} {dec:.9f}" for ra, dec in world)
    return f"POLYGON ICRS  {points}"
