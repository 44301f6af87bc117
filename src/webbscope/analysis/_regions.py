"""Regions: circle, ellipse, rotated rectangle, polygon and point, in pixel or sky coordinates.

A region arrives as a plain mapping (the API's JSON), for example
``{"shape": "circle", "x": 100, "y": 120, "r": 30}`` in 0-based pixels, or
``{"shape": "circle", "frame": "icrs", "ra": 83.8, "dec": -5.4, "r": 1.5}`` with sizes in
arcsec. It becomes a `regions` pixel region (the astropy-affiliated package does the sky
conversion, the exact pixel overlaps and the DS9 format). Angles are degrees: in pixel frames
counter-clockwise from +x; in sky frames as the `regions` package defines them (from the
longitude axis, counter-clockwise).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS
from numpy.typing import NDArray
from regions import (
    CirclePixelRegion,
    CircleSkyRegion,
    EllipsePixelRegion,
    EllipseSkyRegion,
    PixCoord,
    PixelRegion,
    PointPixelRegion,
    PointSkyRegion,
    PolygonPixelRegion,
    PolygonSkyRegion,
    RectanglePixelRegion,
    RectangleSkyRegion,
    SkyRegion,
)

from webbscope.errors import Unprocessable

SHAPES = ("circle", "ellipse", "rectangle", "polygon", "point")
SKY_FRAMES = ("icrs", "fk5", "galactic")
PIXEL_FRAMES = ("image", "pixel")
MAX_VERTICES = 1000


def _bad(message: str, code: str = "invalid_region", **details: Any) -> Unprocessable:
    return Unprocessable(message, code=code, details=details or None)


def _num(spec: Mapping[str, Any], key: str, *, positive: bool = False) -> float:
    if key not in spec or spec[key] is None:
        raise _bad(f"a {spec.get('shape')} region needs {key!r}", field=key)
    try:
        value = float(spec[key])
    except (TypeError, ValueError):
        raise _bad(f"{key!r} must be a number", field=key) from None
    if not math.isfinite(value):
        raise _bad(f"{key!r} must be finite", field=key)
    if positive and value <= 0:
        raise _bad(f"{key!r} must be positive", field=key)
    return value


def _points(spec: Mapping[str, Any]) -> NDArray[np.float64]:
    raw = spec.get("points")
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise _bad("a polygon needs 'points': [[x, y], ...]", field="points")
    try:
        pts = np.asarray([[float(a), float(b)] for a, b in raw], dtype=np.float64)
    except (TypeError, ValueError):
        raise _bad("polygon points must be pairs of numbers", field="points") from None
    if len(pts) and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]  # a closed ring: the last vertex repeats the first
    if len(pts) < 3:
        raise _bad(
            f"a polygon needs at least 3 vertices (got {len(pts)})",
            code="polygon_too_few_vertices",
            vertices=len(pts),
        )
    if len(pts) > MAX_VERTICES:
        raise _bad(f"a polygon has at most {MAX_VERTICES} vertices", field="points")
    if not np.all(np.isfinite(pts)):
        raise _bad("polygon points must be finite", field="points")
    return pts


def _cross(o: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]) -> Any:
    return (a[..., 0] - o[..., 0]) * (b[..., 1] - o[..., 1]) - (a[..., 1] - o[..., 1]) * (
        b[..., 0] - o[..., 0]
    )


def self_crossings(points: NDArray[np.float64]) -> list[tuple[int, int]]:
    """Pairs of non-adjacent edges (i, j) of the closed polygon that touch or cross."""
    n = len(points)
    a = points
    b = np.roll(points, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))  # the first and last edges share a vertex
    i, j = i[keep], j[keep]
    p1, p2, q1, q2 = a[i], b[i], a[j], b[j]
    d1 = _cross(q1, q2, p1)
    d2 = _cross(q1, q2, p2)
    d3 = _cross(p1, p2, q1)
    d4 = _cross(p1, p2, q2)
    proper = (d1 * d2 < 0) & (d3 * d4 < 0)

    def on(o: Any, a_: Any, b_: Any, d: Any) -> Any:  # collinear and within the box
        return (
            (np.abs(d) < 1e-12)
            & (np.minimum(a_[:, 0], b_[:, 0]) <= o[:, 0])
            & (o[:, 0] <= np.maximum(a_[:, 0], b_[:, 0]))
            & (np.minimum(a_[:, 1], b_[:, 1]) <= o[:, 1])
            & (o[:, 1] <= np.maximum(a_[:, 1], b_[:, 1]))
        )

    touch = on(p1, q1, q2, d1) | on(p2, q1, q2, d2) | on(q1, p1, p2, d3) | on(q2, p1, p2, d4)
    hits = np.flatnonzero(proper | touch)
    return [(int(i[k]), int(j[k])) for k in hits]


def _check_simple(points: NDArray[np.float64]) -> None:
    found = self_crossings(points)
    if found:
        raise _bad(
            "the polygon crosses itself",
            code="polygon_self_intersecting",
            edges=[list(p) for p in found[:10]],
        )


@dataclass(frozen=True)
class ImageBounds:
    """The image's extent in 0-based pixels: pixel centres 0..nx-1, edges at -0.5."""

    nx: int
    ny: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "x": [-0.5, self.nx - 0.5],
            "y": [-0.5, self.ny - 0.5],
            "width": self.nx,
            "height": self.ny,
        }


def _sky_center(spec: Mapping[str, Any], frame: str) -> SkyCoord:
    return SkyCoord(_num(spec, "ra") * u.deg, _num(spec, "dec") * u.deg, frame=frame)


def sky_region(spec: Mapping[str, Any]) -> SkyRegion:
    """A `regions` sky region from a spec whose frame is icrs, fk5 or galactic (sizes in
    arcsec; for galactic, `ra`/`dec` hold l and b)."""
    shape = spec.get("shape")
    frame = str(spec.get("frame", "icrs")).lower()
    angle = _num(spec, "angle") if spec.get("angle") is not None else 0.0
    if shape == "circle":
        return CircleSkyRegion(_sky_center(spec, frame), _num(spec, "r", positive=True) * u.arcsec)
    if shape == "ellipse":
        return EllipseSkyRegion(
            _sky_center(spec, frame),
            2 * _num(spec, "a", positive=True) * u.arcsec,
            2 * _num(spec, "b", positive=True) * u.arcsec,
            angle * u.deg,
        )
    if shape == "rectangle":
        return RectangleSkyRegion(
            _sky_center(spec, frame),
            _num(spec, "width", positive=True) * u.arcsec,
            _num(spec, "height", positive=True) * u.arcsec,
            angle * u.deg,
        )
    if shape == "point":
        return PointSkyRegion(_sky_center(spec, frame))
    pts = _points(spec)
    return PolygonSkyRegion(SkyCoord(pts[:, 0] * u.deg, pts[:, 1] * u.deg, frame=frame))


def pixel_region(spec: Mapping[str, Any], wcs: WCS | None = None) -> PixelRegion:
    """The `regions` pixel region for `spec` (sky frames need `wcs`). Raises `Unprocessable`
    for an unknown shape, missing or non-positive sizes, a polygon with fewer than 3 vertices
    or one that crosses itself."""
    if not isinstance(spec, Mapping):
        raise _bad("a region is an object with a 'shape'")
    shape = spec.get("shape")
    if shape not in SHAPES:
        raise _bad(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}", field="shape")
    frame = str(spec.get("frame", "image")).lower()
    if frame in SKY_FRAMES:
        if wcs is None:
            raise Unprocessable(
                "a region in sky coordinates needs an image with a celestial WCS",
                code="no_celestial_wcs",
            )
        region = sky_region(spec).to_pixel(wcs)
        if isinstance(region, PolygonPixelRegion):
            _check_simple(np.column_stack([region.vertices.x, region.vertices.y]))
        return region
    if frame not in PIXEL_FRAMES:
        raise _bad(f"unknown frame {frame!r}; image, icrs, fk5 or galactic", field="frame")
    angle = _num(spec, "angle") if spec.get("angle") is not None else 0.0
    if shape == "polygon":
        pts = _points(spec)
        _check_simple(pts)
        return PolygonPixelRegion(PixCoord(pts[:, 0], pts[:, 1]))
    center = PixCoord(_num(spec, "x"), _num(spec, "y"))
    if shape == "circle":
        return CirclePixelRegion(center, _num(spec, "r", positive=True))
    if shape == "ellipse":
        a, b = _num(spec, "a", positive=True), _num(spec, "b", positive=True)
        return EllipsePixelRegion(center, 2 * a, 2 * b, angle * u.deg)
    if shape == "rectangle":
        w, h = _num(spec, "width", positive=True), _num(spec, "height", positive=True)
        return RectanglePixelRegion(center, w, h, angle * u.deg)
    return PointPixelRegion(center)


def region_extent(region: PixelRegion) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of the region, in pixels."""
    if isinstance(region, PointPixelRegion):
        x, y = float(region.center.x), float(region.center.y)
        return x, x, y, y
    box = region.bounding_box
    return (box.ixmin - 0.5, box.ixmax - 0.5, box.iymin - 0.5, box.iymax - 0.5)


def check_overlaps(region: PixelRegion, nx: int, ny: int) -> None:
    """Raise 422 `region_outside` (with the image's bounds) if the region misses the image."""
    x0, x1, y0, y1 = region_extent(region)
    if isinstance(region, PointPixelRegion):
        inside = -0.5 <= x0 < nx - 0.5 and -0.5 <= y0 < ny - 0.5
    else:
        inside = x1 > -0.5 and x0 < nx - 0.5 and y1 > -0.5 and y0 < ny - 0.5
    if not inside:
        raise Unprocessable(
            "the region lies wholly outside the image",
            code="region_outside",
            details={
                "bounds": ImageBounds(nx, ny).as_dict(),
                "region": {"x": [x0, x1], "y": [y0, y1]},
            },
        )


def region_to_spec(region: PixelRegion) -> dict[str, Any]:
    """A pixel region back as a spec mapping (the API's shape)."""
    if isinstance(region, PolygonPixelRegion):
        return {
            "shape": "polygon",
            "points": [
                [float(x), float(y)]
                for x, y in zip(region.vertices.x, region.vertices.y, strict=True)
            ],
        }
    out: dict[str, Any] = {"x": float(region.center.x), "y": float(region.center.y)}
    if isinstance(region, CirclePixelRegion):
        return {"shape": "circle", **out, "r": float(region.radius)}
    angle = float(getattr(region, "angle", 0 * u.deg).to_value(u.deg))
    if isinstance(region, EllipsePixelRegion):
        return {
            "shape": "ellipse",
            **out,
            "a": float(region.width) / 2,
            "b": float(region.height) / 2,
            "angle": angle,
        }
    if isinstance(region, RectanglePixelRegion):
        return {
            "shape": "rectangle",
            **out,
            "width": float(region.width),
            "height": float(region.height),
            "angle": angle,
        }
    if isinstance(region, PointPixelRegion):
        return {"shape": "point", **out}
    raise _bad(f"unsupported region type {type(region).__name__}")
