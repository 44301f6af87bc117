"""Merging rankings: reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

RRF_K = 60


@dataclass
class Fused:
    id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    """The 1-based rank the record had in each list it was in."""


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    k: int = RRF_K,
    weights: Mapping[str, float] | None = None,
) -> list[Fused]:
    """One ranking from several: each record scores sum(weight / (k + rank)); ties keep the
    order of first appearance."""
    fused: dict[str, Fused] = {}
    for name, ids in rankings.items():
        w = (weights or {}).get(name, 1.0)
        for rank, rid in enumerate(ids, start=1):
            entry = fused.setdefault(rid, Fused(rid, 0.0))
            if name in entry.ranks:
                continue
            entry.ranks[name] = rank
            entry.score += w / (k + rank)
    order = {rid: i for i, rid in enumerate(fused)}
    return sorted(fused.values(), key=lambda f: (-f.score, order[f.id]))


@dataclass
class Ranked:
    """One result of a hybrid search and why it is there."""

    id: str
    score: float
    semantic_score: float | None
    keyword_score: float | None
    ranks: dict[str, int]
    why: list[str]


def hybrid(
    keyword: Sequence[tuple[str, float, Sequence[str]]],
    semantic: Sequence[tuple[str, float]],
    *,
    min_score: float,
    mode: str = "hybrid",
) -> list[Ranked]:
    """Merge keyword hits (id, BM25 score, matched words) and semantic hits (id, cosine
    similarity), each best first. Semantic hits below `min_score` are not matches. `mode`
    "keyword" or "semantic" uses one list alone."""
    kw = {rid: (score, words) for rid, score, words in keyword}
    sem = {rid: score for rid, score in semantic if score >= min_score}
    lists: dict[str, list[str]] = {}
    if mode in ("hybrid", "keyword"):
        lists["keyword"] = [rid for rid, _, _ in keyword]
    if mode in ("hybrid", "semantic"):
        lists["semantic"] = [rid for rid, score in semantic if score >= min_score]
    out: list[Ranked] = []
    for f in reciprocal_rank_fusion(lists):
        why: list[str] = []
        if f.id in kw and "keyword" in f.ranks:
            why.append("matched words: " + ", ".join(kw[f.id][1]))
        if f.id in sem and "semantic" in f.ranks:
            why.append(f"similar in meaning ({sem[f.id]:.2f})")
        out.append(
            Ranked(
                id=f.id,
                score=round(f.score, 6),
                semantic_score=sem.get(f.id),
                keyword_score=round(kw[f.id][0], 4) if f.id in kw else None,
                ranks=f.ranks,
                why=why,
            )
        )
    return out
