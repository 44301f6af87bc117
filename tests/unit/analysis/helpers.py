"""Shared images for the analysis tests."""

from __future__ import annotations

import numpy as np
from astropy.wcs import WCS


def tan_wcs(nx: int = 400, ny: int = 300, scale_arcsec: float = 0.031) -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [159.2, -58.6]
    w.wcs.crpix = [nx / 2, ny / 2]
    w.wcs.cdelt = [-scale_arcsec / 3600, scale_arcsec / 3600]
    return w


def star_field(n: int = 512, count: int = 60, seed: int = 3, sigma: float = 1.4) -> np.ndarray:
    """Gaussian sources on a sloped background with unit noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n]
    img = 10 + 0.002 * x + rng.normal(0, 1, (n, n))
    for sx, sy, amp in zip(
        rng.uniform(10, n - 10, count),
        rng.uniform(10, n - 10, count),
        rng.uniform(8, 60, count),
        strict=True,
    ):
        img += amp * np.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * sigma**2))
    return img.astype(np.float32)
