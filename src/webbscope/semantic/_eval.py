"""Retrieval metrics for the labelled evaluation set."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def recall_at(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """The share of the relevant records among the first k results."""
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str]) -> float:
    """1 / the rank of the first relevant result (0 when none is found)."""
    wanted = set(relevant)
    for i, rid in enumerate(ranked, start=1):
        if rid in wanted:
            return 1.0 / i
    return 0.0
