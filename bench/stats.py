"""Summary statistics the benchmarks share."""

from __future__ import annotations


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, interpolated between the nearest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100.0
    lo, hi = int(k), min(len(ordered) - 1, int(k) + 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
