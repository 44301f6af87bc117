"""Spectra: 1-D extracted spectra (x1d tables), a cube's spectrum summed or averaged over a
region, and the line list shipped with Webbscope (rest wavelengths, shifted by a redshift)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.table import Table
from numpy.typing import NDArray
from regions import PixelRegion

from webbscope.analysis._stats import region_weights
from webbscope.errors import Unprocessable

WAVELENGTH_NAMES = ("WAVELENGTH", "WAVE", "LAMBDA")
FLUX_NAMES = ("FLUX", "SURF_BRIGHT", "FLUX_DENSITY")
ERROR_NAMES = {"FLUX": "FLUX_ERROR", "SURF_BRIGHT": "SB_ERROR", "FLUX_DENSITY": "FLUX_ERROR"}
MAX_CUBE_CUTOUT = 60_000_000


@dataclass(frozen=True)
class Spectrum1D:
    wavelength: NDArray[np.float64]
    flux: NDArray[np.float64]
    error: NDArray[np.float64] | None
    wavelength_unit: str
    flux_unit: str | None
    flux_column: str


def _column(names: list[str], wanted: tuple[str, ...]) -> str | None:
    upper = {n.upper(): n for n in names}
    return next((upper[w] for w in wanted if w in upper), None)


def _unit(header: fits.Header, names: list[str], name: str) -> str | None:
    i = names.index(name) + 1
    value = header.get(f"TUNIT{i}")
    return str(value).strip() or None if value is not None else None


def spectrum_1d(header: fits.Header, data: Any, flux: str | None = None) -> Spectrum1D:
    """The spectrum in an x1d table HDU: wavelength (converted to µm when it is a length),
    flux (FLUX, else SURF_BRIGHT) and its error column. One row per wavelength, or a single
    row holding vector columns."""
    names = list(getattr(data, "dtype", np.dtype([])).names or ())
    wave_col = _column(names, WAVELENGTH_NAMES)
    flux_col = _column(names, (flux.upper(),) if flux else FLUX_NAMES)
    if wave_col is None or flux_col is None:
        raise Unprocessable(
            "the table has no WAVELENGTH and FLUX columns",
            code="not_a_spectrum",
            details={"columns": names},
        )
    err_col = _column(names, (ERROR_NAMES.get(flux_col.upper(), "ERROR"), "ERROR", "ERR"))
    wave = np.asarray(data[wave_col], dtype=np.float64).ravel()
    values = np.asarray(data[flux_col], dtype=np.float64).ravel()
    error = None if err_col is None else np.asarray(data[err_col], dtype=np.float64).ravel()
    wunit = _unit(header, names, wave_col) or "um"
    try:
        unit = u.Unit(wunit)
        if unit.physical_type == "length":
            wave = (wave * unit).to_value(u.um)
            wunit = "um"
    except ValueError:
        pass
    order = np.argsort(wave, kind="stable")
    return Spectrum1D(
        wavelength=wave[order],
        flux=values[order],
        error=None if error is None else error[order],
        wavelength_unit=wunit,
        flux_unit=_unit(header, names, flux_col),
        flux_column=flux_col,
    )


@dataclass(frozen=True)
class RegionSpectrum:
    values: NDArray[np.float64]
    pixels: NDArray[np.int64]
    how: str


def region_spectrum(
    cube: Any, region: PixelRegion, how: Literal["sum", "mean"] = "sum"
) -> RegionSpectrum:
    """A (wavelength, y, x) cube summed (exact overlap weights, as `region_stats` sums) or
    averaged (weighted mean over the finite spaxels) inside `region`, plane by plane.
    `pixels` counts the finite spaxels with their centre in the region, per plane."""
    if getattr(cube, "ndim", 0) != 3:
        raise Unprocessable("a region spectrum needs a 3-D cube", code="not_a_cube")
    nw, ny, nx = (int(s) for s in cube.shape)
    rw = region_weights(region, (ny, nx))
    h = rw.ys.stop - rw.ys.start
    w = rw.xs.stop - rw.xs.start
    if nw * h * w > MAX_CUBE_CUTOUT:
        raise Unprocessable(
            "the region is too large for a spectrum of this cube",
            code="region_too_large",
            details={"max_elements": MAX_CUBE_CUTOUT},
        )
    block = np.asarray(cube[:, rw.ys, rw.xs], dtype=np.float64)
    finite = np.isfinite(block)
    weights = np.where(finite, rw.exact[None], 0.0)
    sums = np.where(finite, block, 0.0).reshape(nw, -1) @ rw.exact.ravel()
    wsum = weights.reshape(nw, -1).sum(axis=1)
    counts = (finite & rw.center[None]).reshape(nw, -1).sum(axis=1)
    values = np.full(nw, np.nan)
    if how == "mean":
        np.divide(sums, wsum, out=values, where=wsum > 0)
    else:
        values = np.where(wsum > 0, sums, np.nan)
    return RegionSpectrum(values=values, pixels=counts.astype(np.int64), how=how)


@dataclass(frozen=True)
class Line:
    name: str
    wavelength: float  # rest, µm (vacuum)
    kind: str


@lru_cache(maxsize=1)
def line_list() -> tuple[Line, ...]:
    """The line list shipped with Webbscope (`analysis/data/lines.ecsv`)."""
    text = resources.files("webbscope.analysis").joinpath("data/lines.ecsv").read_text()
    table = Table.read(text, format="ascii.ecsv")
    return tuple(Line(str(r["name"]), float(r["wavelength"]), str(r["kind"])) for r in table)


def shifted_lines(
    z: float = 0.0, low: float | None = None, high: float | None = None
) -> list[tuple[Line, float]]:
    """Each line with its observed wavelength λ(1+z) in µm, within [low, high] if given."""
    if not -0.99 < z < 30:
        raise Unprocessable("redshift must be between -0.99 and 30", code="invalid_redshift")
    out = []
    for line in line_list():
        obs = line.wavelength * (1 + z)
        if (low is None or obs >= low) and (high is None or obs <= high):
            out.append((line, obs))
    return out
