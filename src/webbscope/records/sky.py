"""Sky geometry on plain floats and numpy: angular distances and footprint tests."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def angular_distance_deg(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance in degrees (haversine, accurate at small separations)."""
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    h = math.sin((d2 - d1) / 2) ** 2 + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def _unit(ra: float, dec: float) -> np.ndarray:
    r, d = math.radians(ra), math.radians(dec)
    return np.array([math.cos(d) * math.cos(r), math.cos(d) * math.sin(r), math.sin(d)])


def polygon_contains(corners: Sequence[tuple[float, float]], ra: float, dec: float) -> bool:
    """True if the point lies inside the convex spherical polygon (corners in order)."""
    if len(corners) < 3:
        return False
    p = _unit(ra, dec)
    verts = [_unit(a, b) for a, b in corners]
    centre = sum(verts, np.zeros(3))
    if float(np.dot(p, centre)) <= 0:
        return False  # the other hemisphere (the antipode passes the edge tests below)
    signs = []
    for i, a in enumerate(verts):
        b = verts[(i + 1) % len(verts)]
        signs.append(float(np.dot(np.cross(a, b), p)))
    return all(s >= -1e-12 for s in signs) or all(s <= 1e-12 for s in signs)


def bounding_circle(corners: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """(ra, dec, radius) in degrees of a circle around the corners, centred on their mean."""
    vec = sum((_unit(a, b) for a, b in corners), np.zeros(3))
    vec = vec / np.linalg.norm(vec)
    ra = math.degrees(math.atan2(vec[1], vec[0])) % 360.0
    dec = math.degrees(math.asin(max(-1.0, min(1.0, vec[2]))))
    radius = max(angular_distance_deg(ra, dec, a, b) for a, b in corners)
    return ra, dec, radius


def unit_vector(ra: float, dec: float) -> tuple[float, float, float]:
    r, d = math.radians(ra), math.radians(dec)
    return (math.cos(d) * math.cos(r), math.cos(d) * math.sin(r), math.sin(d))


def cap_box(ra: float, dec: float, radius: float) -> tuple[float, ...]:
    """The box (x0, x1, y0, y1, z0, z1) around a circle of `radius` degrees on the unit sphere,
    in 3-D unit-vector coordinates: no seam at RA 0/360 and no singularity at the poles."""
    r = math.radians(max(0.0, radius))
    out: list[float] = []
    for c in unit_vector(ra, dec):
        alpha = math.acos(max(-1.0, min(1.0, c)))  # angle from this axis
        out += [math.cos(min(alpha + r, math.pi)), math.cos(max(alpha - r, 0.0))]
    return tuple(out)


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _angle(a: Sequence[float], b: Sequence[float]) -> float:
    """Degrees between two unit vectors (atan2: accurate at small and large angles)."""
    c = _cross(a, b)
    return math.degrees(math.atan2(math.sqrt(_dot(c, c)), _dot(a, b)))


def _arc_distance(p: Sequence[float], a: Sequence[float], b: Sequence[float]) -> float:
    """Degrees from point `p` to the shorter great-circle arc from `a` to `b`."""
    n = _cross(a, b)
    norm = math.sqrt(_dot(n, n))
    ends = min(_angle(p, a), _angle(p, b))
    if norm < 1e-15:
        return ends
    n = (n[0] / norm, n[1] / norm, n[2] / norm)
    s = _dot(p, n)
    q = (p[0] - s * n[0], p[1] - s * n[1], p[2] - s * n[2])
    if _dot(q, q) < 1e-30:
        return ends  # p is a pole of the arc's great circle: 90 degrees from every point
    if _dot(_cross(a, q), n) >= 0 and _dot(_cross(q, b), n) >= 0:
        return min(ends, math.degrees(math.asin(min(1.0, abs(s)))))
    return ends


def polygon_meets_circle(
    corners: Sequence[tuple[float, float]], ra: float, dec: float, radius: float
) -> bool:
    """True if the convex spherical polygon and the circle of `radius` degrees around
    (ra, dec) share a point: the centre is inside the polygon, or an edge comes within
    `radius` of it. With radius 0: the polygon contains the point."""
    if len(corners) < 3:
        return False
    p = unit_vector(ra, dec)
    verts = [unit_vector(a, b) for a, b in corners]
    if _inside(verts, p):
        return True
    if radius <= 0:
        return False
    return any(
        _arc_distance(p, verts[i], verts[(i + 1) % len(verts)]) <= radius for i in range(len(verts))
    )


def _inside(verts: Sequence[Sequence[float]], p: Sequence[float]) -> bool:
    """`polygon_contains` on unit vectors, in plain floats (no numpy per call)."""
    centre = [sum(v[i] for v in verts) for i in range(3)]
    if _dot(p, centre) <= 0:
        return False
    signs = [_dot(_cross(a, verts[(i + 1) % len(verts)]), p) for i, a in enumerate(verts)]
    return all(s >= -1e-12 for s in signs) or all(s <= 1e-12 for s in signs)
