"""RA/Dec grid lines and a scale bar for an overlay, in pixel coordinates.

Spacing is picked as ds9 and Aladin do, from round sexagesimal steps (Dec: 30deg ... 1deg,
30', 20', 15', 10', 5', 2', 1', 30", ... 0.1"; RA in time: 2h ... 1m, 30s, ... 0.01s) so
that about `target` lines (default 5; 4 to 8 in practice) cross the field in each direction.
Each line is traced through the WCS (distortions included) at `samples` points across the
field and clipped to the image rectangle, so a curved or distorted line is followed, and a
line leaving and re-entering the image gives several segments. Coordinates are 0-based
FITS pixels (see `webbscope.imaging._wcs`); the image rectangle is
``[-0.5, nx - 0.5] x [-0.5, ny - 0.5]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import Unprocessable
from webbscope.imaging._wcs import celestial_wcs, local_scale_arcsec, pix2world, world2pix

Point = tuple[float, float]
_PRIME, _ARCSEC_SIGN = "\u2032", "\u2033"  # arcminute and arcsecond signs
Segment = list[Point]

# Candidate spacings: Dec (and non-equatorial lon/lat) in arcseconds, RA in seconds of time.
_DEC_STEPS_ARCSEC = (
    0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30,
    60, 120, 300, 600, 900, 1200, 1800,
    3600, 7200, 5 * 3600, 10 * 3600, 15 * 3600, 30 * 3600,
)  # fmt: skip
_RA_STEPS_SECONDS = (
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30,
    60, 120, 300, 600, 900, 1200, 1800,
    3600, 7200, 3 * 3600, 4 * 3600, 6 * 3600, 12 * 3600,
)  # fmt: skip
_BAR_ARCSEC = (
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30,
    60, 120, 300, 600, 900, 1200, 1800,
    3600, 7200, 5 * 3600, 10 * 3600, 20 * 3600, 30 * 3600, 45 * 3600, 90 * 3600,
)  # fmt: skip


@dataclass(frozen=True)
class GridLine:
    """One line of constant RA (``axis="ra"``) or Dec (``axis="dec"``).

    `value` in degrees; `segments` are polylines of (x, y) pixel coordinates inside the
    image; `anchor` is where the first segment starts (on the image edge when the line
    enters from outside), a place for `label`.
    """

    axis: Literal["ra", "dec"]
    value: float
    label: str
    segments: list[Segment]
    anchor: Point


@dataclass(frozen=True)
class Grid:
    """Grid lines and their spacing (degrees) for an image."""

    ra_step: float
    dec_step: float
    lines: list[GridLine] = field(default_factory=list)
    equatorial: bool = True


@dataclass(frozen=True)
class ScaleBar:
    """A round angular length and how many pixels it spans at the image centre."""

    arcsec: float
    pixels: float
    label: str


def _choose(extent: float, unit: float, candidates: tuple[float, ...], target: int) -> float:
    """The candidate step (in degrees) giving a line count closest to `target` (log)."""
    best, best_cost = candidates[-1] * unit, math.inf
    for step in candidates:
        deg = step * unit
        count = extent / deg
        if count < 1:
            continue
        cost = abs(math.log(count / target))
        if cost < best_cost:
            best, best_cost = deg, cost
    return best if best_cost < math.inf else candidates[0] * unit


def _clip(
    p: NDArray[np.float64], q: NDArray[np.float64], box: tuple[float, float, float, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Liang-Barsky: the part of segment p-q inside `box` (xmin, xmax, ymin, ymax)."""
    t0, t1 = 0.0, 1.0
    d = q - p
    xmin, xmax, ymin, ymax = box
    for num, den in (
        (p[0] - xmin, -d[0]),
        (xmax - p[0], d[0]),
        (p[1] - ymin, -d[1]),
        (ymax - p[1], d[1]),
    ):
        if den == 0:
            if num < 0:
                return None
            continue
        t = num / den
        if den < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return (p if t0 == 0.0 else p + t0 * d), (q if t1 == 1.0 else p + t1 * d)


def _segments(
    x: NDArray[np.float64], y: NDArray[np.float64], box: tuple[float, float, float, float]
) -> list[Segment]:
    """Clip the polyline (x, y) to `box`; NaN points break it."""
    out: list[Segment] = []
    current: Segment = []
    pts = np.column_stack([x, y])
    for i in range(len(pts) - 1):
        p, q = pts[i], pts[i + 1]
        if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
            clipped = None
        else:
            clipped = _clip(p, q, box)
        if clipped is None:
            if len(current) > 1:
                out.append(current)
            current = []
            continue
        a, b = clipped
        start = (float(a[0]), float(a[1]))
        end = (float(b[0]), float(b[1]))
        if current and current[-1] != start:
            if len(current) > 1:
                out.append(current)
            current = []
        if not current:
            current.append(start)
        current.append(end)
        if end != (float(q[0]), float(q[1])):
            out.append(current)
            current = []
    if len(current) > 1:
        out.append(current)
    return out


def _ra_label(deg: float, step: float) -> str:
    seconds = (deg % 360.0) / 15.0 * 3600.0
    step_s = step / 15.0 * 3600.0
    decimals = 0 if step_s >= 1 else min(3, math.ceil(-math.log10(step_s) - 1e-9))
    seconds = round(seconds, decimals)
    h, rem = divmod(seconds, 3600.0)
    m, s = divmod(rem, 60.0)
    h = int(h) % 24
    if step_s >= 3600:
        return f"{h:02d}h"
    if step_s >= 60:
        return f"{h:02d}h{int(m):02d}m"
    width = 2 if decimals == 0 else 3 + decimals
    return f"{h:02d}h{int(m):02d}m{s:0{width}.{decimals}f}s"


def _dec_label(deg: float, step: float) -> str:
    step_as = step * 3600.0
    decimals = 0 if step_as >= 1 else min(3, math.ceil(-math.log10(step_as) - 1e-9))
    total = round(abs(deg) * 3600.0, decimals)
    d, rem = divmod(total, 3600.0)
    m, s = divmod(rem, 60.0)
    sign = "-" if deg < 0 and total > 0 else "+"
    if step_as >= 3600:
        return f"{sign}{int(d):02d}°"
    if step_as >= 60:
        return f"{sign}{int(d):02d}°{int(m):02d}{_PRIME}"
    width = 2 if decimals == 0 else 3 + decimals
    return f"{sign}{int(d):02d}°{int(m):02d}{_PRIME}{s:0{width}.{decimals}f}{_ARCSEC_SIGN}"


def _deg_label(deg: float, step: float) -> str:
    decimals = max(0, min(6, math.ceil(-math.log10(step) - 1e-9)))
    return f"{deg:.{decimals}f}°"


def _field(wcs: WCS, nx: int, ny: int) -> tuple[float, float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max, lon_centre) over the image, lon unwrapped."""
    n = 33
    xs = np.linspace(-0.5, nx - 0.5, n)
    ys = np.linspace(-0.5, ny - 0.5, n)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = pix2world(wcs, gx.ravel(), gy.ravel())
    clon, _ = pix2world(wcs, np.array([(nx - 1) / 2.0]), np.array([(ny - 1) / 2.0]))
    centre = float(clon[0])
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any() or not math.isfinite(centre):
        raise Unprocessable(
            "the image's WCS gives no sky position inside the image", code="no_celestial_wcs"
        )
    dlon = (lon[ok] - centre + 180.0) % 360.0 - 180.0
    lon_min, lon_max = centre + float(dlon.min()), centre + float(dlon.max())
    lat_min, lat_max = float(lat[ok].min()), float(lat[ok].max())
    # A pole inside the image: every longitude crosses it.
    for pole in (90.0, -90.0):
        px, py = world2pix(wcs, np.array([0.0]), np.array([pole]))
        if np.isfinite(px[0]) and -0.5 <= px[0] <= nx - 0.5 and -0.5 <= py[0] <= ny - 0.5:
            lon_min, lon_max = centre - 180.0, centre + 180.0
            lat_min, lat_max = min(lat_min, pole), max(lat_max, pole)
    return lon_min, lon_max, lat_min, lat_max, centre


def grid_lines(
    wcs: Any,
    shape: tuple[int, ...],
    *,
    target: int = 5,
    samples: int = 100,
    labels: Literal["sexagesimal", "degrees"] = "sexagesimal",
) -> Grid:
    """RA and Dec lines crossing an image of `shape` (numpy order, last two axes used).

    `wcs` is an astropy WCS or Header (`celestial_wcs` takes the sky axes of a cube).
    Raises `Unprocessable` (``no_celestial_wcs``) without a celestial WCS.
    """
    cel = celestial_wcs(wcs)
    ny, nx = int(shape[-2]), int(shape[-1])
    lon_min, lon_max, lat_min, lat_max, _ = _field(cel, nx, ny)
    equatorial = str(cel.wcs.ctype[0]).startswith("RA")
    if equatorial:
        ra_step = _choose(lon_max - lon_min, 15.0 / 3600.0, _RA_STEPS_SECONDS, target)
    else:
        ra_step = _choose(lon_max - lon_min, 1.0 / 3600.0, _DEC_STEPS_ARCSEC, target)
    dec_step = _choose(lat_max - lat_min, 1.0 / 3600.0, _DEC_STEPS_ARCSEC, target)
    box = (-0.5, nx - 0.5, -0.5, ny - 0.5)
    # Trace a little beyond the field so lines reach the image edges.
    lat_pad = 0.05 * (lat_max - lat_min) + 1e-9
    lon_pad = 0.05 * (lon_max - lon_min) + 1e-9
    lat_span = np.linspace(max(-90.0, lat_min - lat_pad), min(90.0, lat_max + lat_pad), samples)
    lon_span = np.linspace(lon_min - lon_pad, lon_max + lon_pad, samples)
    lines: list[GridLine] = []
    lat_mid = 0.5 * (lat_min + lat_max)

    def label(axis: str, value: float) -> str:
        if labels == "degrees" or not equatorial:
            return _deg_label(
                value % 360.0 if axis == "ra" else value, ra_step if axis == "ra" else dec_step
            )
        return _ra_label(value, ra_step) if axis == "ra" else _dec_label(value, dec_step)

    first = math.ceil(lon_min / ra_step)
    last = math.floor(lon_max / ra_step)
    for k in range(first, last + 1):
        value = k * ra_step
        x, y = world2pix(cel, np.full(samples, value % 360.0), lat_span)
        segs = _segments(x, y, box)
        if segs:
            lines.append(GridLine("ra", value % 360.0, label("ra", value), segs, segs[0][0]))
    first = math.ceil(lat_min / dec_step)
    last = math.floor(lat_max / dec_step)
    field = max(lat_max - lat_min, (lon_max - lon_min) * math.cos(math.radians(lat_mid)), 1e-12)
    for k in range(first, last + 1):
        value = k * dec_step
        if abs(value) >= 90.0:
            continue
        # A parallel is longer than the field near a pole: sample it as densely per degree.
        length = (lon_span[-1] - lon_span[0]) * math.cos(math.radians(value))
        n = int(min(50 * samples, max(samples, math.ceil(samples * length / field))))
        lons = np.linspace(lon_span[0], lon_span[-1], n)
        x, y = world2pix(cel, lons % 360.0, np.full(n, value))
        segs = _segments(x, y, box)
        if segs:
            lines.append(GridLine("dec", value, label("dec", value), segs, segs[0][0]))
    return Grid(ra_step=ra_step, dec_step=dec_step, lines=lines, equatorial=equatorial)


def _bar_label(arcsec: float) -> str:
    if arcsec >= 3600:
        return f"{arcsec / 3600:g}°"
    if arcsec >= 60:
        return f"{arcsec / 60:g}{_PRIME}"
    return f"{arcsec:g}{_ARCSEC_SIGN}"


def scale_bar(
    wcs: Any,
    shape: tuple[int, ...] | None = None,
    *,
    fraction: float = 0.2,
    target_pixels: float | None = None,
) -> ScaleBar:
    """A round angle (1", 2", 5", 10", 15", 20", 30", 1', ...) about `fraction` of the image
    width long (or at most `target_pixels`), and its length in pixels at the centre."""
    cel = celestial_wcs(wcs)
    if shape is not None:
        ny, nx = int(shape[-2]), int(shape[-1])
    elif cel.pixel_shape is not None:
        nx, ny = (int(n) for n in cel.pixel_shape)
    else:
        nx = ny = 0
    if nx and ny:
        cx, cy = (nx - 1) / 2.0, (ny - 1) / 2.0
    else:
        cx, cy = float(cel.wcs.crpix[0]) - 1.0, float(cel.wcs.crpix[1]) - 1.0
    pixel_arcsec = local_scale_arcsec(cel, cx, cy)
    want = target_pixels if target_pixels is not None else (fraction * nx if nx else 100.0)
    limit = want * pixel_arcsec
    arcsec = _BAR_ARCSEC[0]
    for candidate in _BAR_ARCSEC:
        if candidate <= limit:
            arcsec = candidate
    return ScaleBar(arcsec=float(arcsec), pixels=arcsec / pixel_arcsec, label=_bar_label(arcsec))
