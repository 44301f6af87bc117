"""The semantic search evaluation: the labelled queries of `search_eval.json` run over the demo
library with keyword ranking alone, semantic ranking alone and both fused, scored by Recall@10
and mean reciprocal rank. The same functions rank as `/api/search` does (BM25 over the
library's keyword text, the record prose embedded with the real model, reciprocal rank
fusion); no filters or query hints, so the rankings themselves are compared."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from webbscope.demo._library import demo_library
from webbscope.semantic import (
    Embedder,
    KeywordIndex,
    VectorIndex,
    build_context,
    hybrid,
    recall_at,
    reciprocal_rank,
    record_text,
)

MODES = ("keyword", "semantic", "hybrid")
K = 10
#: Semantic hits below this similarity do not count as matches (SEMANTIC_MIN_SCORE).
MIN_SCORE = 0.2


def labelled_queries() -> list[dict[str, Any]]:
    text = resources.files("webbscope.demo").joinpath("search_eval.json").read_text()
    queries: list[dict[str, Any]] = json.loads(text)["queries"]
    return queries


@dataclass(frozen=True)
class Scores:
    recall_at_10: float
    mrr: float


def demo_texts(docs: list[dict[str, Any]]) -> list[str]:
    by_id = {d["_id"]: d for d in docs}
    return [
        record_text(d, build_context(d, inputs=[by_id[i] for i in d["lineage"]["derived_from"]]))
        for d in docs
    ]


def evaluate(embedder: Embedder) -> dict[str, Scores]:
    docs = demo_library()
    keys = {d["_id"]: d["key"] for d in docs}
    keyword = KeywordIndex()
    for d in docs:
        keyword.put(d["_id"], d["search"])
    vectors = embedder.encode(demo_texts(docs), batch_size=32)
    index = VectorIndex(vectors.shape[1])
    index.upsert_many((d["_id"], v, d, "0") for d, v in zip(docs, vectors, strict=True))
    attrs = {d["_id"]: d for d in docs}
    queries = labelled_queries()
    query_vectors = embedder.encode([q["q"] for q in queries])
    sums = {m: [0.0, 0.0] for m in MODES}
    for q, qv in zip(queries, query_vectors, strict=True):
        kw = [(h.id, h.score, h.matched) for h in keyword.search(q["q"], None, attrs)]
        sem = [(h.id, h.score) for h in index.search(qv, 100)]
        for mode in MODES:
            ranked = [keys[r.id] for r in hybrid(kw, sem, min_score=MIN_SCORE, mode=mode)]
            sums[mode][0] += recall_at(ranked, q["relevant"], K)
            sums[mode][1] += reciprocal_rank(ranked, q["relevant"])
    n = len(queries)
    return {m: Scores(round(s[0] / n, 3), round(s[1] / n, 3)) for m, s in sums.items()}


def table(scores: dict[str, Scores], n_queries: int, n_records: int) -> str:
    lines = [
        f"{n_queries} labelled queries over the {n_records} records of the demo library.",
        "",
        "| ranking | Recall@10 | MRR |",
        "|---|---|---|",
    ]
    names = {
        "keyword": "keyword only (BM25)",
        "semantic": "semantic only",
        "hybrid": "hybrid (RRF)",
    }
    for mode in MODES:
        s = scores[mode]
        lines.append(f"| {names[mode]} | {s.recall_at_10:.3f} | {s.mrr:.3f} |")
    return "\n".join(lines) + "\n"
