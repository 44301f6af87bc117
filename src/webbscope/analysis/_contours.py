"""Contours by marching squares (contourpy, the C++ code behind matplotlib's contours; the
tests check it against `skimage.measure.find_contours`).

Levels are linear, logarithmic or given. Lines come back in 0-based FITS pixels (x along a
row, y up) and, with a WCS, on the sky. Pixels that are NaN or inf break the lines.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import contourpy
import numpy as np
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import Unprocessable

MAX_LEVELS = 50
LevelMode = Literal["linear", "log", "custom"]


@dataclass(frozen=True)
class ContourLine:
    level: float
    #: (n, 2) x, y in 0-based FITS pixels
    points: NDArray[np.float64]
    closed: bool


@dataclass(frozen=True)
class Contours:
    levels: list[float]
    lines: list[ContourLine]
    points: int
    truncated: bool


def _sample(data: Any, limit: int = 1_000_000) -> NDArray[np.float64]:
    arr = np.asarray(data)
    step = max(1, int(np.sqrt(arr.size / limit)))
    sample = np.asarray(arr[::step, ::step], dtype=np.float64).ravel()
    return sample[np.isfinite(sample)]


def contour_levels(
    data: Any,
    mode: LevelMode = "linear",
    *,
    n: int = 10,
    levels: Sequence[float] | None = None,
    low: float | None = None,
    high: float | None = None,
) -> list[float]:
    """The levels to draw. `custom` takes `levels` as given (sorted, unique). `linear` and
    `log` space `n` levels between `low` and `high`, by default from three robust standard
    deviations above the median to the 99.9th percentile (of a sample of the image)."""
    if mode == "custom":
        if not levels:
            raise Unprocessable("custom contours need levels", code="invalid_levels")
        out = sorted({float(v) for v in levels})
        if not all(np.isfinite(out)):
            raise Unprocessable("contour levels must be finite", code="invalid_levels")
    else:
        if not 1 <= n <= MAX_LEVELS:
            raise Unprocessable(
                f"between 1 and {MAX_LEVELS} contour levels",
                code="too_many_levels",
                details={"max": MAX_LEVELS, "requested": n},
            )
        sample = _sample(data)
        if low is None or high is None:
            if sample.size == 0:
                raise Unprocessable("the image has no finite pixels", code="no_finite_pixels")
            med = float(np.median(sample))
            mad = float(np.median(np.abs(sample - med))) * 1.4826
            lo = med + 3 * mad if low is None else low
            hi = float(np.percentile(sample, 99.9)) if high is None else high
        else:
            lo, hi = low, high
        if mode == "log":
            if lo <= 0:
                positive = sample[sample > 0]
                lo = float(np.percentile(positive, 50)) if positive.size else 0.0
            if not (lo > 0 and hi > lo):
                raise Unprocessable(
                    "logarithmic contours need 0 < low < high",
                    code="invalid_levels",
                    details={"low": lo, "high": hi},
                )
            out = [float(v) for v in np.geomspace(lo, hi, n)]
        else:
            if not hi > lo:
                hi = lo + 1.0 if hi == lo else hi
                lo, hi = min(lo, hi), max(lo, hi)
            out = [float(v) for v in np.linspace(lo, hi, n)]
    if len(out) > MAX_LEVELS:
        raise Unprocessable(
            f"at most {MAX_LEVELS} contour levels",
            code="too_many_levels",
            details={"max": MAX_LEVELS, "requested": len(out)},
        )
    return out


def find_contours(
    data: Any,
    levels: Sequence[float],
    *,
    max_points: int = 500_000,
    threads: int = 1,
) -> Contours:
    """Contour lines of a 2-D image at each level. When the lines hold more than
    `max_points` points, the shortest lines are dropped (``truncated``)."""
    if len(levels) > MAX_LEVELS:
        raise Unprocessable(
            f"at most {MAX_LEVELS} contour levels",
            code="too_many_levels",
            details={"max": MAX_LEVELS, "requested": len(levels)},
        )
    z = np.asarray(data, dtype=np.float64)
    if z.ndim != 2:
        raise Unprocessable("contours need a 2-D image", code="not_an_image")
    bad = ~np.isfinite(z)
    zz: Any = np.ma.array(z, mask=bad) if bad.any() else z
    name = "threaded" if threads > 1 else "serial"
    gen = contourpy.contour_generator(
        z=zz,
        name=name,
        line_type=contourpy.LineType.SeparateCode,
        thread_count=max(1, threads) if threads > 1 else 0,
    )
    lines: list[ContourLine] = []
    for level in levels:
        segs, codes = gen.lines(float(level))  # type: ignore[misc]
        for seg, code in zip(segs, codes, strict=True):
            if len(seg) < 2:
                continue
            closed = bool(code[-1] == 79)  # CLOSEPOLY
            lines.append(ContourLine(float(level), np.asarray(seg, dtype=np.float64), closed))
    total = sum(len(line.points) for line in lines)
    truncated = False
    if total > max_points:
        truncated = True
        keep: list[ContourLine] = []
        budget = max_points
        for line in sorted(lines, key=lambda ln: -len(ln.points)):
            if len(line.points) <= budget:
                keep.append(line)
                budget -= len(line.points)
        lines = keep
        total = max_points - budget
    return Contours(
        levels=[float(v) for v in levels], lines=lines, points=total, truncated=truncated
    )


def to_sky(wcs: WCS, lines: Sequence[ContourLine]) -> list[NDArray[np.float64]]:
    """Each line's points as (ra, dec) degrees (one WCS call for all of them)."""
    if not lines:
        return []
    allpts = np.concatenate([line.points for line in lines])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        ra, dec = wcs.all_pix2world(allpts[:, 0], allpts[:, 1], 0)
    sky = np.column_stack([ra, dec])
    out = []
    start = 0
    for line in lines:
        out.append(sky[start : start + len(line.points)])
        start += len(line.points)
    return out


def sky_to_pixels(wcs: WCS, sky: NDArray[np.float64]) -> NDArray[np.float64]:
    """(ra, dec) degrees to 0-based pixels of another image (contours of one record drawn on
    another, aligned by WCS)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        x, y = wcs.all_world2pix(sky[:, 0], sky[:, 1], 0)
    return np.column_stack([x, y])
