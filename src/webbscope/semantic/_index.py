"""The vector index: unit vectors of records in a FAISS HNSW graph, with the id map, each
record's filter fields and a change stamp per row.

Filters and access apply before the top k are taken: a search gets a test for a record's
fields (`allowed`) and returns the best k records that pass it, never fewer while more pass.
Small candidate sets (or a small index) are scanned exactly; otherwise the graph is searched
for a growing number of neighbours, testing each, and when too few pass the search falls back
to an exact scan of every record that passes. Rows of changed or deleted records are marked
dead (HNSW graphs cannot drop nodes) and dropped when the index is rebuilt (`compacted`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

Attrs = dict[str, Any]
Allowed = Callable[[dict[str, Any]], bool]

#: Below this many candidate records a search is an exact scan.
EXACT_BELOW = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
FORMAT = 1


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


def _faiss() -> Any:
    import faiss

    return faiss


class VectorIndex:
    def __init__(self, dimension: int, *, exact_below: int = EXACT_BELOW) -> None:
        faiss = _faiss()
        self.dimension = dimension
        self.exact_below = exact_below
        self._index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        self.ids: list[str] = []
        self.attrs: list[Attrs | None] = []
        self.stamps: list[str] = []
        self._alive = np.zeros(0, dtype=bool)
        self.row_of: dict[str, int] = {}
        self.deleted: dict[str, str] = {}
        self._lock = threading.RLock()

    # -- size --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.row_of)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.row_of

    @property
    def rows(self) -> int:
        return int(self._index.ntotal)

    @property
    def dead_rows(self) -> int:
        return self.rows - len(self.row_of)

    def memory_bytes(self) -> int:
        """The vectors and the graph as FAISS holds them in memory."""
        storage = _faiss().downcast_index(self._index.storage)
        hnsw = self._index.hnsw
        return int(
            storage.codes.size()
            + 4 * hnsw.neighbors.size()
            + 8 * hnsw.offsets.size()
            + 4 * hnsw.levels.size()
        )

    def stamp_of(self, record_id: str) -> str | None:
        row = self.row_of.get(record_id)
        return None if row is None else self.stamps[row]

    def attrs_of(self, record_id: str) -> Attrs | None:
        row = self.row_of.get(record_id)
        return None if row is None else self.attrs[row]

    # -- changes -------------------------------------------------------------------------------

    def _grow(self, n: int) -> None:
        need = self.rows + n
        if need > self._alive.size:
            alive = np.zeros(max(need, 2 * self._alive.size, 1024), dtype=bool)
            alive[: self._alive.size] = self._alive
            self._alive = alive

    def upsert_many(self, items: Iterable[tuple[str, np.ndarray, Attrs, str]]) -> int:
        """Add or replace records: (id, unit vector, filter fields, stamp). An item older than
        what the index holds for that id (or than its deletion) is ignored. Returns how many
        were applied."""
        fresh: list[tuple[str, np.ndarray, Attrs, str]] = []
        with self._lock:
            newest: dict[str, tuple[str, np.ndarray, Attrs, str]] = {}
            for item in items:
                rid, _, _, stamp = item
                have = newest.get(rid)
                if have is None or stamp >= have[3]:
                    newest[rid] = item
            for rid, item in newest.items():
                current = self.stamp_of(rid)
                gone = self.deleted.get(rid)
                if (current is not None and item[3] <= current) or (
                    gone is not None and item[3] <= gone
                ):
                    continue
                fresh.append(item)
            if not fresh:
                return 0
            vectors = np.stack(
                [np.asarray(v, dtype=np.float32).reshape(-1) for _, v, _, _ in fresh]
            )
            if vectors.shape[1] != self.dimension:
                raise ValueError(f"vectors are {vectors.shape[1]} wide, the index {self.dimension}")
            self._grow(len(fresh))
            start = self.rows
            self._index.add(np.ascontiguousarray(vectors))
            for i, (rid, _, attrs, stamp) in enumerate(fresh):
                old = self.row_of.get(rid)
                if old is not None:
                    self._alive[old] = False
                    self.attrs[old] = None
                row = start + i
                self.ids.append(rid)
                self.attrs.append(attrs)
                self.stamps.append(stamp)
                self._alive[row] = True
                self.row_of[rid] = row
                self.deleted.pop(rid, None)
        return len(fresh)

    def update_attrs(self, record_id: str, attrs: Attrs, stamp: str) -> bool:
        """New filter fields for a record whose text (and so vector) did not change."""
        with self._lock:
            row = self.row_of.get(record_id)
            if row is None or stamp < self.stamps[row]:
                return False
            self.attrs[row] = attrs
            self.stamps[row] = stamp
            return True

    def remove(self, record_id: str, stamp: str) -> bool:
        with self._lock:
            current = self.stamp_of(record_id)
            if current is not None and stamp < current:
                return False
            self.deleted[record_id] = max(stamp, self.deleted.get(record_id, ""))
            row = self.row_of.pop(record_id, None)
            if row is None:
                return False
            self._alive[row] = False
            self.attrs[row] = None
            return True

    # -- reading -------------------------------------------------------------------------------

    def _vectors(self) -> np.ndarray:
        faiss = _faiss()
        n = self.rows
        if n == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        storage = faiss.downcast_index(self._index.storage)
        flat = faiss.rev_swig_ptr(storage.get_xb(), n * self.dimension)
        return np.asarray(flat).reshape(n, self.dimension)

    def vector_of(self, record_id: str) -> np.ndarray | None:
        with self._lock:
            row = self.row_of.get(record_id)
            return None if row is None else self._vectors()[row].copy()

    def _exact(self, query: np.ndarray, rows: np.ndarray, k: int) -> list[Hit]:
        if rows.size == 0:
            return []
        scores = _comparable(self._vectors()[rows] @ query)
        take = min(k, rows.size)
        if take < rows.size:
            # every row tied with the k-th best stays a candidate, so the id breaks the tie
            kth = -np.partition(-scores, take - 1)[take - 1]
            rows, scores = rows[scores >= kth], scores[scores >= kth]
        hits = [Hit(self.ids[int(r)], float(s)) for r, s in zip(rows, scores, strict=True)]
        return _best_first(hits)[:take]

    def _graph(self, query: np.ndarray, want: int, alive: np.ndarray) -> list[tuple[int, float]]:
        faiss = _faiss()
        bitmap = np.packbits(alive, bitorder="little")
        selector = faiss.IDSelectorBitmap(alive.size, faiss.swig_ptr(bitmap))
        params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(128, 4 * want))
        scores, rows = self._index.search(query.reshape(1, -1), want, params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: Allowed | None = None,
        *,
        exclude: Iterable[str] = (),
    ) -> list[Hit]:
        """The `k` records most similar to `query` (a unit vector) among those `allowed`
        passes (all when None), best first."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        skip = set(exclude)
        with self._lock:
            alive = self._alive[: self.rows].copy()
            for rid in skip:
                row = self.row_of.get(rid)
                if row is not None:
                    alive[row] = False
            total = int(alive.sum())
            if k <= 0 or total == 0:
                return []
            if total <= self.exact_below:
                return self._exact(query, self._passing(alive, allowed), k)
            # Fetch more than k from the graph: a tie at the k-th place must be broken by id
            # among every tied record, and a filter drops some. Grow until the k-th is strictly
            # better than anything not fetched; past a quarter of the rows, exact is cheaper.
            want = k + 16 if allowed is None else max(4 * k, 64)
            while want < total // 4 or (allowed is None and want < total):
                raw = self._graph(query, want, alive)
                found = [
                    Hit(self.ids[r], s)
                    for r, s in raw
                    if allowed is None or ((a := self.attrs[r]) is not None and allowed(a))
                ]
                if len(found) >= k:
                    ranked = _best_first(found)
                    if len(raw) < want or round(ranked[k - 1].score, 5) > round(raw[-1][1], 5):
                        return ranked[:k]
                want *= 4
            return self._exact(query, self._passing(alive, allowed), k)
            if allowed is None:
                hits = self._graph(query, min(k, total), alive)
                if len(hits) >= min(k, total):
                    return _best_first([Hit(self.ids[r], s) for r, s in hits])[:k]
                return self._exact(query, np.flatnonzero(alive), k)
            want = max(4 * k, 64)
            while want < total // 4:
                found = [
                    Hit(self.ids[r], s)
                    for r, s in self._graph(query, want, alive)
                    if (a := self.attrs[r]) is not None and allowed(a)
                ]
                if len(found) >= k:
                    return _best_first(found)[:k]
                want *= 4
            return self._exact(query, self._passing(alive, allowed), k)

    def _passing(self, alive: np.ndarray, allowed: Allowed | None) -> np.ndarray:
        rows = np.flatnonzero(alive)
        if allowed is None:
            return rows
        keep = [r for r in rows if (a := self.attrs[r]) is not None and allowed(a)]
        return np.asarray(keep, dtype=np.int64)

    # -- persistence ---------------------------------------------------------------------------

    def compacted(self) -> VectorIndex:
        """A new index holding only the live rows (a fresh graph)."""
        with self._lock:
            vectors = self._vectors()
            fresh = VectorIndex(self.dimension, exact_below=self.exact_below)
            live = sorted(self.row_of.items(), key=lambda item: item[1])
            fresh.upsert_many(
                (rid, vectors[row], self.attrs[row] or {}, self.stamps[row]) for rid, row in live
            )
            return fresh

    def to_files(self) -> dict[str, bytes]:
        """The index as files: `vectors.faiss` (graph and vectors) and `ids.json` (the id
        map, each row's stamp and filter fields, the live rows)."""
        faiss = _faiss()
        with self._lock:
            graph = faiss.serialize_index(self._index).tobytes()
            table = {
                "format": FORMAT,
                "dimension": self.dimension,
                "ids": self.ids,
                "stamps": self.stamps,
                "alive": [i for i in range(self.rows) if self._alive[i]],
                "attrs": [encode_attrs(a) if a is not None else None for a in self.attrs],
            }
        return {
            "vectors.faiss": graph,
            "ids.json": json.dumps(table, separators=(",", ":")).encode(),
        }

    @classmethod
    def from_files(
        cls, files: Mapping[str, bytes], *, exact_below: int = EXACT_BELOW
    ) -> VectorIndex:
        """Load what `to_files` wrote; `ValueError` if anything does not fit together."""
        faiss = _faiss()
        try:
            table = json.loads(files["ids.json"])
            graph = faiss.deserialize_index(np.frombuffer(files["vectors.faiss"], dtype=np.uint8))
        except Exception as exc:
            raise ValueError(f"unreadable index files: {exc}") from exc
        if table.get("format") != FORMAT:
            raise ValueError(f"index format {table.get('format')}, expected {FORMAT}")
        ids, stamps, attrs = table["ids"], table["stamps"], table["attrs"]
        n = int(graph.ntotal)
        if not (len(ids) == len(stamps) == len(attrs) == n) or graph.d != table["dimension"]:
            raise ValueError("the id map does not match the vectors")
        index = cls(int(table["dimension"]), exact_below=exact_below)
        index._index = graph
        index.ids, index.stamps = list(ids), list(stamps)
        index.attrs = [decode_attrs(a) if a is not None else None for a in attrs]
        index._alive = np.zeros(max(n, 1024), dtype=bool)
        for row in table["alive"]:
            if not 0 <= row < n:
                raise ValueError("a live row is out of range")
            index._alive[row] = True
            index.row_of[ids[row]] = row
        return index


def encode_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe filter fields (datetimes tagged)."""
    return {
        k: ({"$date": v.isoformat()} if isinstance(v, datetime) else v) for k, v in attrs.items()
    }


def decode_attrs(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (datetime.fromisoformat(v["$date"]) if isinstance(v, dict) and "$date" in v else v)
        for k, v in data.items()
    }


def _comparable(scores: np.ndarray) -> np.ndarray:
    """Similarities rounded to 1e-5: vectors embedded in different batches (as on two replicas)
    differ in their last bits, and that must not reorder near-equal records."""
    return np.round(np.asarray(scores, dtype=np.float64), 5)


def _best_first(hits: list[Hit]) -> list[Hit]:
    """Highest similarity first; equal (rounded) similarities in id order, the same on every
    replica whatever order its rows were added in."""
    return sorted(hits, key=lambda h: (-round(h.score, 5), h.id))
