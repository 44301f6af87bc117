"""Semantic search at 100,000 records, in one run.

1. Indexing rate: record prose built and embedded with the real model (all-MiniLM-L6-v2) on
   2 threads, then added to the index, for 500 records. The default precision ("auto") and
   the baseline, the same model in float32 (SEMANTIC_PRECISION=float32), run in turns on the
   same records, twice each (the machine may be shared: the ratio is the number to trust);
   the tokens per record say how much prose the model reads. Target 200 records/s.
2. Query latency over 100,000 records, the query's embedding included: the HNSW index
   (unfiltered, and with a non-administrator's access rule applied before the top k) against
   a brute-force numpy scan of every vector. Recall@10 of the graph against the exact scan.
3. Memory of the index per 100,000 records (graph and vectors as FAISS holds them, and the
   resident size the whole index adds to the process).

The 100,000 vectors are the real embeddings of the sample's prose, each nudged and
renormalised, so the index has the clustering of real records.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any

import numpy as np
import psutil

from bench.stats import pct
from webbscope.demo import demo_library
from webbscope.domain.records import Visibility
from webbscope.library.query import RecordQuery, predicate
from webbscope.records.fields import readers_of
from webbscope.semantic import Embedder, VectorIndex, build_context, default_model_dir, record_text

N = 100_000
SAMPLE = 2_000
RATE_RECORDS = 500
ROUNDS = 2
QUERIES = 200
K = 10
QUERY_TEXTS = [
    "MIRI images of Carina longer than 10 microns",
    "planetary nebula shells",
    "colliding galaxies in a compact group",
    "deep field with distant galaxies",
    "jets from protostars",
    "supernova remnant filaments",
    "NIRCam F444W mosaic",
    "dusty spiral arms in the mid-infrared",
]


def _docs(n: int) -> list[dict[str, Any]]:
    """`n` record documents varied from the demo library (targets, filters, notes, owners)."""
    base = demo_library()
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        d = dict(base[i % len(base)])
        meta = dict(d["metadata"])
        meta["exposure_time"] = float(rng.integers(100, 10_000))
        meta["program"] = f"{int(rng.integers(1000, 6000)):05d}"
        d["metadata"] = meta
        d["_id"] = f"{i:024x}"
        d["description"] = (d.get("description") or "") + f" Visit {i % 97}."
        owner = f"u{i % 50}"
        public = i % 5 < 3
        d["owner_id"] = owner
        d["readers"] = readers_of(owner, Visibility.public if public else Visibility.private, [])
        d["lineage"] = {"derived_from": [], "derivatives": [], "note": None}
        out.append(d)
    return out


def loaded_embedder(precision: str) -> Embedder:
    embedder = Embedder(default_model_dir(), threads=2, precision=precision)  # type: ignore[arg-type]
    embedder.load()
    embedder.encode(["warm up"] * 8)
    return embedder


def indexing(docs: list[dict[str, Any]], embedder: Embedder) -> tuple[float, np.ndarray]:
    index = VectorIndex(384)
    start = time.perf_counter()
    texts = [record_text(d, build_context(d)) for d in docs]
    vectors = embedder.encode(texts, batch_size=64)
    index.upsert_many((d["_id"], v, d, "0") for d, v in zip(docs, vectors, strict=True))
    rate = len(docs) / (time.perf_counter() - start)
    return rate, vectors


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sample = _docs(SAMPLE)
    default, baseline = loaded_embedder("auto"), loaded_embedder("float32")
    prose = [record_text(d, build_context(d)) for d in sample[:RATE_RECORDS]]
    tokenizer = default._model.tokenizer
    per_record = np.mean([len(tokenizer(t)["input_ids"]) for t in prose])
    print(
        f"indexing {RATE_RECORDS} records (prose, embedding on 2 threads, index), "
        f"{per_record:.0f} tokens per record, {ROUNDS} rounds in turn:",
        flush=True,
    )
    rates: dict[str, list[float]] = {"auto": [], "float32": []}
    for _ in range(ROUNDS):
        for name, embedder in (("auto", default), ("float32", baseline)):
            rates[name].append(indexing(sample[:RATE_RECORDS], embedder)[0])
    rate_auto, rate_f32 = float(np.mean(rates["auto"])), float(np.mean(rates["float32"]))
    shown = {"auto": f"auto ({default.effective_precision})", "float32": "float32 (baseline)"}
    for name, values in rates.items():
        each = ", ".join(f"{r:.1f}" for r in values)
        print(f"  {shown[name]:20}: {np.mean(values):7.1f} records/s  ({each})")
    print(
        f"  ratio               : {rate_auto / rate_f32:7.2f}x; target 200 records/s: "
        f"{'met' if rate_auto >= 200 else 'NOT met'}",
        flush=True,
    )
    _, vectors = indexing(sample, default)
    del baseline

    rng = np.random.default_rng(11)
    docs = _docs(N)
    base = np.repeat(vectors, N // SAMPLE + 1, axis=0)[:N]
    big = base + rng.normal(0, 0.02, base.shape).astype(np.float32)
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    process = psutil.Process()
    gc.collect()
    rss_before = process.memory_info().rss
    start = time.perf_counter()
    index = VectorIndex(384)
    for lo in range(0, N, 10_000):
        index.upsert_many(
            (docs[i]["_id"], big[i], docs[i], "0") for i in range(lo, min(N, lo + 10_000))
        )
    build_s = time.perf_counter() - start
    gc.collect()
    rss_after = process.memory_info().rss
    print(f"\n{N} records: graph built in {build_s:.1f} s ({N / build_s:.0f} records/s)")
    print(
        f"  index memory (graph + vectors, FAISS): {index.memory_bytes() / 1e6:.1f} MB "
        f"per {N} records"
    )
    print(
        f"  resident size added (with filter fields): {(rss_after - rss_before) / 1e6:.1f} MB",
        flush=True,
    )

    embedder = Embedder(default_model_dir(), threads=1)
    embedder.load()
    embedder.encode(["warm up"])
    queries = [QUERY_TEXTS[i % len(QUERY_TEXTS)] + f" {i}" for i in range(QUERIES)]
    caller = predicate(RecordQuery(), "u7", False)

    def timed(fn: Any) -> tuple[list[float], list[list[str]]]:
        times, results = [], []
        for q in queries:
            t = time.perf_counter()
            v = embedder.encode([q])[0]
            results.append(fn(v))
            times.append((time.perf_counter() - t) * 1000)
        return times, results

    def brute(v: np.ndarray) -> list[str]:
        scores = big @ v
        top = np.argpartition(-scores, K)[:K]
        return [docs[i]["_id"] for i in top[np.argsort(-scores[top])]]

    exact_t, exact_r = timed(brute)
    graph_t, graph_r = timed(lambda v: [h.id for h in index.search(v, K)])
    access_t, access_r = timed(lambda v: [h.id for h in index.search(v, K, caller)])
    recall = np.mean([len(set(a) & set(b)) / K for a, b in zip(graph_r, exact_r, strict=True)])
    row = {d["_id"]: i for i, d in enumerate(docs)}
    qv = embedder.encode(queries)
    gap = np.mean(
        [
            (big[row[e[-1]]] @ v - big[row[g[-1]]] @ v) if g else 1.0
            for e, g, v in zip(exact_r, graph_r, qv, strict=True)
        ]
    )
    print(f"\nquery latency, {QUERIES} queries, embedding included (ms):")
    print(f"  {'':34} {'p50':>7} {'p95':>7} {'p95 vs scan':>12}")
    b95 = pct(exact_t, 95)
    for name, t in (
        ("brute-force numpy scan (baseline)", exact_t),
        ("HNSW index", graph_t),
        ("HNSW + access rule before top k", access_t),
    ):
        print(f"  {name:34} {pct(t, 50):7.1f} {pct(t, 95):7.1f} {b95 / pct(t, 95):11.2f}x")
    print(f"  recall@10 of the graph against the exact scan: {recall:.3f}")
    print(f"  similarity of the 10th result, exact minus graph (mean): {gap:.4f}")
    short = sum(1 for r in access_r if len(r) < K)
    print(f"  filtered pages short of {K}: {short} of {QUERIES}")


if __name__ == "__main__":
    main()
