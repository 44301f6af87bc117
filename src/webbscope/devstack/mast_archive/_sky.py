"""Small spherical helpers (degrees)."""

from __future__ import annotations

import math


def separation_deg(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance (Vincenty's formula: exact at every separation)."""
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    dra = r2 - r1
    num = math.hypot(
        math.cos(d2) * math.sin(dra),
        math.cos(d1) * math.sin(d2) - math.sin(d1) * math.cos(d2) * math.cos(dra),
    )
    den = math.sin(d1) * math.sin(d2) + math.cos(d1) * math.cos(d2) * math.cos(dra)
    return math.degrees(math.atan2(num, den))


def offset(ra0: float, dec0: float, east_deg: float, north_deg: float) -> tuple[float, float]:
    """The point at tangent-plane offsets (east, north) from (ra0, dec0) — gnomonic inverse."""
    x, y = math.radians(east_deg), math.radians(north_deg)
    d0 = math.radians(dec0)
    denom = math.cos(d0) - y * math.sin(d0)
    ra = math.radians(ra0) + math.atan2(x, denom)
    dec = math.atan2(math.sin(d0) + y * math.cos(d0), math.hypot(x, denom))
    return math.degrees(ra) % 360.0, math.degrees(dec)
