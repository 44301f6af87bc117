"""The vector index: filters before the top k (never a short page), stamps, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from webbscope.semantic import VectorIndex


def _unit(rng: np.random.Generator, n: int, d: int = 32) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, list[dict[str, object]]]:
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 6000)
    attrs = [{"owner": "rare" if i % 97 == 0 else "common", "n": i} for i in range(6000)]
    return vectors, attrs


def _build(vectors: np.ndarray, attrs: list[dict[str, object]], exact_below: int) -> VectorIndex:
    index = VectorIndex(vectors.shape[1], exact_below=exact_below)
    index.upsert_many((f"r{i}", vectors[i], attrs[i], "2024-01-01") for i in range(len(vectors)))
    return index


def _exact(
    vectors: np.ndarray, attrs: list[dict[str, object]], q: np.ndarray, k: int, keep
) -> list[str]:
    rows = [i for i in range(len(vectors)) if keep(attrs[i])]
    scores = vectors[rows] @ q
    order = np.argsort(-scores)[:k]
    return [f"r{rows[i]}" for i in order]


@pytest.mark.parametrize("exact_below", [0, 100_000], ids=["graph", "exact"])
def test_a_selective_filter_still_fills_the_page_with_the_true_top_k(
    data, exact_below: int
) -> None:
    vectors, attrs = data
    index = _build(vectors, attrs, exact_below)
    q = vectors[5] * 0.5 + vectors[97] * 0.5
    q /= np.linalg.norm(q)

    def keep(a):
        return a["owner"] == "rare"

    hits = index.search(q, 20, keep)
    assert len(hits) == 20  # 62 records pass the filter: the page is full
    assert all(index.attrs_of(h.id)["owner"] == "rare" for h in hits)
    assert [h.id for h in hits] == _exact(vectors, attrs, q, 20, keep)


def test_a_filter_that_few_pass_returns_all_of_them_and_no_more(data) -> None:
    vectors, attrs = data
    index = _build(vectors, attrs, 0)
    hits = index.search(vectors[0], 50, lambda a: a["n"] in (3, 4000, 5999))
    assert sorted(h.id for h in hits) == ["r3", "r4000", "r5999"]
    assert index.search(vectors[0], 10, lambda a: False) == []


def test_unfiltered_graph_search_finds_the_nearest(data) -> None:
    vectors, attrs = data
    index = _build(vectors, attrs, 0)
    hits = index.search(vectors[123], 5)
    assert hits[0].id == "r123" and hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_newest_stamp_wins_and_deletions_hold(data) -> None:
    vectors, _ = data
    index = VectorIndex(vectors.shape[1])
    index.upsert_many([("a", vectors[0], {"v": 1}, "2024-01-02")])
    assert index.upsert_many([("a", vectors[1], {"v": 0}, "2024-01-01")]) == 0  # older: ignored
    index.upsert_many([("a", vectors[2], {"v": 2}, "2024-01-03")])
    assert index.attrs_of("a") == {"v": 2} and len(index) == 1 and index.dead_rows == 1
    assert index.remove("a", "2024-01-04")
    assert "a" not in index
    assert index.upsert_many([("a", vectors[3], {"v": 3}, "2024-01-03")]) == 0  # before deletion
    assert index.search(vectors[2], 5) == []


def test_files_round_trip_and_corruption_is_refused(data) -> None:
    vectors, attrs = data
    index = _build(vectors[:300], attrs[:300], 0)
    index.remove("r5", "2025-01-01")
    files = index.to_files()
    again = VectorIndex.from_files(files)
    assert len(again) == 299 and "r5" not in again
    assert [h.id for h in again.search(vectors[9], 3)] == [
        h.id for h in index.search(vectors[9], 3)
    ]
    with pytest.raises(ValueError):
        VectorIndex.from_files({**files, "vectors.faiss": files["vectors.faiss"][:100]})
    compact = index.compacted()
    assert len(compact) == 299 and compact.dead_rows == 0


@pytest.mark.parametrize("exact_below", [0, 100_000], ids=["graph", "exact"])
def test_replicas_that_added_rows_in_another_order_rank_alike(data, exact_below: int) -> None:
    """Two replicas embed the same records in different batches and orders: near-equal and
    equal similarities must come out in the same order on both (ties broken by id)."""
    vectors, _ = data
    rng = np.random.default_rng(3)
    twins = np.repeat(vectors[:40], 3, axis=0)  # three records per text, as in a real library
    noise = rng.standard_normal(twins.shape).astype(np.float32) * 1e-8  # last-bit differences
    items = [(f"t{i:03d}", twins[i], {}, "2024-01-01") for i in range(len(twins))]
    first = VectorIndex(vectors.shape[1], exact_below=exact_below)
    first.upsert_many(items)
    second = VectorIndex(vectors.shape[1], exact_below=exact_below)
    second.upsert_many(
        (rid, v + noise[i], a, s) for i, (rid, v, a, s) in reversed(list(enumerate(items)))
    )
    for q in (vectors[0], vectors[7] * 0.5 + vectors[11] * 0.5):
        q = q / np.linalg.norm(q)
        a = [h.id for h in first.search(q, 20)]
        b = [h.id for h in second.search(q, 20)]
        assert a == b
        assert a[:3] == sorted(a[:3])  # the tied twins in id order
