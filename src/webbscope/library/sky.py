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
