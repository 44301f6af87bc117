"""The library's read model: what `GET /api/records` needs of every record, in SQLite (the
standard library's) and numpy columns, with no web or database-driver imports.

- SQLite (a local file, or memory) holds each record's list entry (compressed JSON), an FTS5
  table of its words, an R*Tree of its sky box (3-D unit-vector coordinates, so RA 0/360 and
  the poles need no special case), its tags and who it is shared with.
- numpy columns (one slot per record) hold the filter and sort fields, dictionary-encoded:
  a filter is a vectorised mask over the columns, a count or a facet a `bincount` of it, and a
  page a partial sort of the masked keys. Memory: about 90 bytes a record in the columns; the
  SQLite page cache is bounded (`cache_mb`), the rest stays on disk.

Every method takes the model's lock and is meant to run in a worker thread, never on the
event loop. The model is rebuilt from the database (the source of truth) or opened from a
snapshot of its SQLite file.
"""

from __future__ import annotations

import base64
import json
import math
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from webbscope.library.query import (
    PUBLIC,
    RecordQuery,
    lowered,
    pivot_um,
    program_key,
)
from webbscope.library.sky import angular_distance_deg, cap_box, polygon_meets_circle
from webbscope.semantic._keyword import tokens

#: Sky boxes are widened by this much (unit-vector units, ~0.2 arcsec) against rounding.
_BOX_EPS = 1e-6
_DATES = ("observed_at", "created_at", "updated_at")
#: Facets reported for the current filter, and how many values of each at most.
FACETS = ("instrument", "filter", "processing_level", "target")
FACET_LIMIT = 50

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rec(
  slot INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, owner TEXT, visibility TEXT,
  archived INT, instrument TEXT, filter TEXT, target TEXT, program TEXT,
  processing_level TEXT, product_type TEXT, source TEXT, observed_at REAL, created_at REAL,
  updated_at REAL, file_name_lower TEXT, size REAL, pivot REAL, shape TEXT, entry BLOB);
CREATE INDEX IF NOT EXISTS rec_name ON rec(file_name_lower, id);
CREATE TABLE IF NOT EXISTS tags(tag TEXT, slot INT, PRIMARY KEY(tag, slot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shares(reader TEXT, slot INT, PRIMARY KEY(reader, slot))
  WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(w);
CREATE VIRTUAL TABLE IF NOT EXISTS sky USING rtree(slot, x0, x1, y0, y1, z0, z1);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
"""

#: Dictionary-encoded text columns (code 0 is "none").
_CODED = (
    "owner",
    "visibility",
    "instrument",
    "filter",
    "target",
    "program",
    "processing_level",
    "product_type",
    "source",
)
_FLOATS = ("observed_at", "created_at", "updated_at", "size", "pivot")
_REC_COLS = (
    "id",
    *_CODED,
    "archived",
    *_FLOATS,
    "file_name_lower",
    "shape",
    "entry",
)


class BadCursor(ValueError):
    """A cursor this model cannot continue from (malformed, or for another sort)."""


class _Codes:
    def __init__(self) -> None:
        self.values: list[str | None] = [None]
        self.index: dict[str | None, int] = {None: 0}

    def code(self, value: str | None) -> int:
        c = self.index.get(value)
        if c is None:
            c = self.index[value] = len(self.values)
            self.values.append(value)
        return c

    def find(self, values: Iterable[str]) -> list[int]:
        return [self.index[v] for v in values if v in self.index]

    def ranks(self) -> np.ndarray:
        """Sort rank of each code by its text (NaN for none)."""
        order = sorted(range(1, len(self.values)), key=lambda c: str(self.values[c]))
        out = np.full(len(self.values), np.nan)
        out[order] = np.arange(len(order), dtype=float)
        return out


def _ts(value: Any) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return float(value.timestamp())
    return math.nan


def _oid(record_id: str) -> tuple[int, int]:
    try:
        return int(record_id[:16], 16), int(record_id[16:24] or "0", 16)
    except ValueError:  # not an ObjectId: order by its text's hash (stable enough)
        h = zlib.crc32(record_id.encode())
        return h, 0


def _encode_entry(entry: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(entry, default=_json_default, separators=(",", ":")).encode())


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def decode_entry(blob: bytes) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(zlib.decompress(blob))
    for key in _DATES:
        if isinstance(entry.get(key), str):
            entry[key] = datetime.fromisoformat(entry[key])
    return entry


def _shape(entry: dict[str, Any]) -> tuple[str | None, tuple[float, ...] | None]:
    """The record's sky shape (JSON: a polygon's corners, or a single centre) and its box."""
    sky = entry.get("sky")
    if sky and sky.get("corners"):
        corners = [[float(c["ra"]), float(c["dec"])] for c in sky["corners"]]
        box = cap_box(float(sky["ra"]), float(sky["dec"]), float(sky["radius"]))
        return json.dumps(corners), box
    meta = (entry.get("body") or {}).get("metadata") or {}
    for ra_key, dec_key in (("center_ra", "center_dec"), ("target_ra", "target_dec")):
        ra, dec = meta.get(ra_key), meta.get(dec_key)
        if isinstance(ra, int | float) and isinstance(dec, int | float):
            return json.dumps([[float(ra) % 360.0, float(dec)]]), cap_box(ra, dec, 0.0)
    return None, None


def shape_matches(shape: str, ra: float, dec: float, radius: float) -> bool:
    """The sky definition: a footprint polygon meets the circle; a record without a
    footprint is matched by its centre (within `radius`)."""
    points = [(float(a), float(b)) for a, b in json.loads(shape)]
    if len(points) >= 3:
        return polygon_meets_circle(points, ra, dec, radius)
    return bool(points) and angular_distance_deg(points[0][0], points[0][1], ra, dec) <= radius


def entry_row(entry: dict[str, Any]) -> dict[str, Any]:
    """The SQLite row of one list entry (see `library.query.query_entry`, plus `body`)."""
    facets = entry.get("facets") or {}
    shape, box = _shape(entry)
    return {
        "id": str(entry["_id"]),
        "owner": entry.get("owner_id"),
        "visibility": entry.get("visibility"),
        "archived": 1 if entry.get("archived") else 0,
        "instrument": facets.get("instrument"),
        "filter": facets.get("filter"),
        "target": facets.get("target"),
        "program": facets.get("program"),
        "processing_level": entry.get("processing_level"),
        "product_type": entry.get("product_type"),
        "source": entry.get("source"),
        "observed_at": _ts(entry.get("observed_at")),
        "created_at": _ts(entry.get("created_at")),
        "updated_at": _ts(entry.get("updated_at")),
        "size": float(entry["size"]) if entry.get("size") is not None else math.nan,
        "pivot": pivot_um(entry) or math.nan,
        "file_name_lower": entry.get("file_name_lower"),
        "shape": shape,
        "entry": _encode_entry(entry),
        "_box": box,
        "_tags": sorted(set(entry.get("tags") or ())),
        "_shares": sorted(
            {r for r in entry.get("readers") or () if r not in (PUBLIC, entry.get("owner_id"))}
        ),
        "_words": " ".join(tokens(entry.get("search") or "")),
    }


@dataclass(frozen=True)
class Page:
    entries: list[dict[str, Any]]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class KeywordMatch:
    id: str
    score: float
    matched: tuple[str, ...]


class ReadModel:
    def __init__(self, path: str | Path = ":memory:", cache_mb: int = 16) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA temp_store=MEMORY")
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        self.lock = threading.RLock()
        self.codes = {name: _Codes() for name in _CODED}
        self.size = 0
        self.cap = 0
        self.cols: dict[str, np.ndarray] = {}
        self._grow(1024)
        self._name_rank: np.ndarray | None = None
        self._load_columns()

    # -- columns ----------------------------------------------------------------------------

    def _grow(self, need: int) -> None:
        cap = max(1024, self.cap)
        while cap < need:
            cap *= 2
        if cap == self.cap:
            return
        specs: dict[str, tuple[Any, Any]] = {
            "alive": (np.bool_, False),
            "archived": (np.bool_, False),
            "oid_hi": (np.uint64, 0),
            "oid_lo": (np.uint64, 0),
            **{name: (np.int32, 0) for name in _CODED},
            **{name: (np.float64, np.nan) for name in _FLOATS},
        }
        for name, (dtype, fill) in specs.items():
            new = np.full(cap, fill, dtype=dtype)
            old = self.cols.get(name)
            if old is not None:
                new[: len(old)] = old
            self.cols[name] = new
        self.cap = cap

    def _set_columns(self, slot: int, row: dict[str, Any]) -> None:
        if slot >= self.cap:
            self._grow(slot + 1)
        c = self.cols
        c["alive"][slot] = True
        c["archived"][slot] = bool(row["archived"])
        hi, lo = _oid(row["id"])
        c["oid_hi"][slot], c["oid_lo"][slot] = hi, lo
        for name in _CODED:
            c[name][slot] = self.codes[name].code(row[name])
        for name in _FLOATS:
            value = row[name]
            c[name][slot] = math.nan if value is None else value
        self.size = max(self.size, slot + 1)

    def _load_columns(self) -> None:
        cur = self.db.execute(
            f"SELECT slot, id, archived, {', '.join(_CODED)}, {', '.join(_FLOATS)} FROM rec"  # noqa: S608 -- placeholders only
        )
        names = ["slot", "id", "archived", *_CODED, *_FLOATS]
        while batch := cur.fetchmany(10_000):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                self._set_columns(int(row["slot"]), row)
        self._name_rank = None

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, entries: Iterable[dict[str, Any]]) -> int:
        """Add or replace list entries; returns how many."""
        rows = [entry_row(e) for e in entries]
        with self.lock:
            self.db.execute("BEGIN")
            try:
                for row in rows:
                    self._write(row)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                self._load_columns_fresh()
                raise
        return len(rows)

    def _write(self, row: dict[str, Any]) -> None:
        found = self.db.execute("SELECT slot FROM rec WHERE id=?", (row["id"],)).fetchone()
        if found is not None:
            self._remove_slot(int(found[0]))
        values = [row[k] for k in _REC_COLS]
        cur = self.db.execute(
            f"INSERT INTO rec({', '.join(_REC_COLS)}) VALUES ({', '.join('?' * len(_REC_COLS))})",  # noqa: S608 -- placeholders only
            values,
        )
        slot = int(cur.lastrowid or 0)
        self.db.executemany(
            "INSERT OR IGNORE INTO tags(tag, slot) VALUES (?, ?)", [(t, slot) for t in row["_tags"]]
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO shares(reader, slot) VALUES (?, ?)",
            [(r, slot) for r in row["_shares"]],
        )
        self.db.execute("INSERT INTO words(rowid, w) VALUES (?, ?)", (slot, row["_words"]))
        if row["_box"] is not None:
            b = row["_box"]
            self.db.execute(
                "INSERT INTO sky VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    slot,
                    b[0] - _BOX_EPS,
                    b[1] + _BOX_EPS,
                    b[2] - _BOX_EPS,
                    b[3] + _BOX_EPS,
                    b[4] - _BOX_EPS,
                    b[5] + _BOX_EPS,
                ),
            )
        self._set_columns(slot, row)
        self._name_rank = None

    def _remove_slot(self, slot: int) -> None:
        for sql in (
            "DELETE FROM rec WHERE slot=?",
            "DELETE FROM tags WHERE slot=?",
            "DELETE FROM shares WHERE slot=?",
            "DELETE FROM words WHERE rowid=?",
            "DELETE FROM sky WHERE slot=?",
        ):
            self.db.execute(sql, (slot,))
        if slot < self.cap:
            self.cols["alive"][slot] = False
        self._name_rank = None

    def remove(self, record_ids: Iterable[str]) -> int:
        n = 0
        with self.lock:
            self.db.execute("BEGIN")
            for rid in record_ids:
                found = self.db.execute("SELECT slot FROM rec WHERE id=?", (rid,)).fetchone()
                if found is not None:
                    self._remove_slot(int(found[0]))
                    n += 1
            self.db.execute("COMMIT")
        return n

    def _load_columns_fresh(self) -> None:
        self.cols, self.cap, self.size = {}, 0, 0
        self._grow(1024)
        self._load_columns()

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- reads ------------------------------------------------------------------------------

    def __len__(self) -> int:
        with self.lock:
            return int(self.cols["alive"][: self.size].sum())

    def get(self, record_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT entry FROM rec WHERE id=?", (record_id,)).fetchone()
        return None if row is None else decode_entry(row[0])

    def get_many(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        with self.lock:
            for start in range(0, len(record_ids), 500):
                chunk = list(record_ids[start : start + 500])
                rows = self.db.execute(
                    f"SELECT id, entry FROM rec WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                    chunk,
                ).fetchall()
                out.update({str(i): decode_entry(blob) for i, blob in rows})
        return out

    def ids_updated(self) -> dict[str, float]:
        """Every record's id and `updated_at` (for reconciliation)."""
        with self.lock:
            return {str(i): float(u) for i, u in self.db.execute("SELECT id, updated_at FROM rec")}

    def updated_at(self, record_ids: Sequence[str]) -> dict[str, float]:
        with self.lock:
            out: dict[str, float] = {}
            for start in range(0, len(record_ids), 500):
                chunk = list(record_ids[start : start + 500])
                rows = self.db.execute(
                    f"SELECT id, updated_at FROM rec WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608 -- placeholders only
                    chunk,
                ).fetchall()
                out.update({str(i): float(u) for i, u in rows})
            return out

    def _slots(self, sql: str, args: Sequence[Any]) -> np.ndarray:
        rows = self.db.execute(sql, args).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def _in(self, mask: np.ndarray, slots: np.ndarray) -> np.ndarray:
        out = np.zeros_like(mask)
        slots = slots[slots < len(mask)]
        out[slots] = True
        both: np.ndarray = mask & out
        return both

    def mask(self, q: RecordQuery, caller_id: str | None, is_admin: bool) -> np.ndarray:
        """Which slots match the query and the caller's access (lock held by the caller)."""
        n, c = self.size, self.cols
        m = c["alive"][:n].copy()
        owner_code = self.codes["owner"].index.get(caller_id) if caller_id else None
        if not is_admin:
            readable = c["visibility"][:n] == self.codes["visibility"].index.get("public", -1)
            if owner_code is not None:
                readable |= c["owner"][:n] == owner_code
            if caller_id is not None:
                shared = self._slots("SELECT slot FROM shares WHERE reader=?", (caller_id,))
                readable |= self._in(np.ones(n, bool), shared)
            m &= readable
        if q.archived is not None:
            m &= c["archived"][:n] == q.archived
        if caller_id is not None and q.owner != "any":
            mine = c["owner"][:n] == (owner_code if owner_code is not None else -1)
            m &= mine if q.owner == "me" else ~mine
        if q.visibility is not None:
            m &= np.isin(c["visibility"][:n], self.codes["visibility"].find([q.visibility.value]))
        for name, wanted in (
            ("instrument", lowered(q.instrument)),
            ("filter", lowered(q.filter)),
            ("target", lowered(q.target)),
            ("program", [program_key(v) for v in lowered(q.program)]),
            ("processing_level", [v for v in q.processing_level if v]),
            ("product_type", [v for v in q.product_type if v]),
            ("source", [v for v in q.source if v]),
        ):
            if wanted:
                m &= np.isin(c[name][:n], self.codes[name].find(wanted))
        for tag in dict.fromkeys(lowered(q.tags)):
            m = self._in(m, self._slots("SELECT slot FROM tags WHERE tag=?", (tag,)))
        for name, lo, hi in (
            ("observed_at", q.observed_after, q.observed_before),
            ("created_at", q.created_after, q.created_before),
        ):
            if lo is not None:
                m &= c[name][:n] >= _ts(lo)  # NaN (no value) never matches
            if hi is not None:
                m &= c[name][:n] <= _ts(hi)
        if q.wavelength_min is not None:
            m &= c["pivot"][:n] >= q.wavelength_min
        if q.wavelength_max is not None:
            m &= c["pivot"][:n] <= q.wavelength_max
        if q.text and q.text.strip():
            words = list(dict.fromkeys(tokens(q.text)))
            if words:
                match = " AND ".join(f'"{w}"*' for w in words)
                m = self._in(
                    m, self._slots("SELECT rowid FROM words WHERE words MATCH ?", (match,))
                )
        if q.ra is not None and q.dec is not None:
            m = self._sky(m, q.ra, q.dec, q.radius or 0.0)
        return m

    def _sky(self, m: np.ndarray, ra: float, dec: float, radius: float) -> np.ndarray:
        b = cap_box(ra, dec, radius)
        cand = self._slots(
            "SELECT slot FROM sky WHERE x1>=? AND x0<=? AND y1>=? AND y0<=? AND z1>=? AND z0<=?",
            (b[0], b[1], b[2], b[3], b[4], b[5]),
        )
        cand = cand[cand < len(m)]
        cand = cand[m[cand]]
        hits: list[int] = []
        for start in range(0, len(cand), 500):
            chunk = [int(s) for s in cand[start : start + 500]]
            rows = self.db.execute(
                f"SELECT slot, shape FROM rec WHERE slot IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ).fetchall()
            hits += [s for s, shape in rows if shape and shape_matches(shape, ra, dec, radius)]
        return self._in(m, np.asarray(hits, dtype=np.int64))

    def _sort_key(self, sort: str) -> np.ndarray:
        n, c = self.size, self.cols
        if sort in ("created_at", "updated_at", "observed_at", "size"):
            return c[sort][:n]
        if sort in ("target", "instrument"):
            keys: np.ndarray = self.codes[sort].ranks()[c[sort][:n]]
            return keys
        if sort == "file_name":
            if self._name_rank is None or len(self._name_rank) < n:
                rank = np.full(n, np.nan)
                slots = self._slots(
                    "SELECT slot FROM rec WHERE file_name_lower IS NOT NULL "
                    "ORDER BY file_name_lower, id",
                    (),
                )
                rank[slots] = np.arange(len(slots), dtype=float)
                self._name_rank = rank
            return self._name_rank[:n]
        raise ValueError(f"unknown sort {sort!r}")

    def query(
        self,
        q: RecordQuery,
        caller_id: str | None,
        is_admin: bool,
        cursor: str | None = None,
    ) -> Page:
        """One page: the entries in order, the number of matches, and a cursor for the page
        after it (missing sort values come last in either order; ties by id)."""
        with self.lock:
            m = self.mask(q, caller_id, is_admin)
            total = int(m.sum())
            sign = -1.0 if q.descending else 1.0
            key = self._sort_key(q.sort) * sign
            eff = np.where(np.isnan(key), np.inf, key)
            hi, lo = self.cols["oid_hi"][: self.size], self.cols["oid_lo"][: self.size]
            if q.descending:
                hi, lo = ~hi, ~lo
            idx = np.flatnonzero(m)
            if cursor:
                ck, chi, clo = self._cursor_key(cursor, q, eff, hi, lo)
                e, h, lw = eff[idx], hi[idx], lo[idx]
                after = (e > ck) | ((e == ck) & ((h > chi) | ((h == chi) & (lw > clo))))
                idx = idx[after]
            need = q.offset + q.limit
            more = len(idx) > need
            if more:
                vals = eff[idx]
                part = np.argpartition(vals, need - 1)[:need]
                threshold = vals[part].max()
                idx = idx[vals <= threshold]
            order = np.lexsort((lo[idx], hi[idx], eff[idx]))
            page = idx[order][q.offset : need]
            slots = [int(s) for s in page]
            blobs = dict(
                self.db.execute(
                    f"SELECT slot, entry FROM rec WHERE slot IN ({','.join('?' * len(slots))})",  # noqa: S608 -- placeholders only
                    slots,
                ).fetchall()
            )
            entries = [decode_entry(blobs[s]) for s in slots if s in blobs]
            next_cursor = None
            if slots and more:
                last = slots[-1]
                next_cursor = _make_cursor(q, str(entries[-1]["_id"]), float(eff[last]))
            return Page(entries, total, next_cursor)

    def _cursor_key(
        self, cursor: str, q: RecordQuery, eff: np.ndarray, hi: np.ndarray, lo: np.ndarray
    ) -> tuple[float, int, int]:
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=="))
            sort, desc, rid, value = data["s"], data["d"], str(data["i"]), float(data["k"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadCursor("the cursor is not one this server gave") from exc
        if sort != q.sort or desc != q.descending:
            raise BadCursor("the cursor belongs to another sort order")
        row = self.db.execute("SELECT slot FROM rec WHERE id=?", (rid,)).fetchone()
        if row is not None and int(row[0]) < len(eff):
            slot = int(row[0])
            return float(eff[slot]), int(hi[slot]), int(lo[slot])
        if sort == "file_name":
            raise BadCursor("the record the cursor points at is gone; start again")
        h, lw = _oid(rid)
        ch, cl = np.uint64(h), np.uint64(lw)
        if q.descending:
            ch, cl = ~ch, ~cl
        return value, int(ch), int(cl)

    def facets(self, q: RecordQuery, caller_id: str | None, is_admin: bool) -> dict[str, Any]:
        """Counts per instrument, filter, level and target among the records the query
        matches (the most frequent `FACET_LIMIT` of each)."""
        with self.lock:
            m = self.mask(q, caller_id, is_admin)
            out: dict[str, Any] = {"total": int(m.sum())}
            for name in FACETS:
                codes = self.codes[name]
                counts = np.bincount(self.cols[name][: self.size][m], minlength=len(codes.values))
                nz = np.flatnonzero(counts[1:]) + 1
                top = nz[np.argsort(-counts[nz], kind="stable")][:FACET_LIMIT]
                out[name] = [{"value": codes.values[c], "count": int(counts[c])} for c in top]
            return out

    def keyword_search(
        self, text: str, q: RecordQuery, caller_id: str | None, is_admin: bool, limit: int = 1000
    ) -> list[KeywordMatch]:
        """Records matching at least one word of `text`, best BM25 (FTS5) first, among those
        the query and the caller's access allow."""
        terms = list(dict.fromkeys(tokens(text)))
        if not terms:
            return []
        with self.lock:
            m = self.mask(q, caller_id, is_admin)
            rows = self.db.execute(
                "SELECT rowid, bm25(words) FROM words WHERE words MATCH ?",
                (" OR ".join(f'"{t}"' for t in terms),),
            ).fetchall()
            scored = [(int(s), -float(b)) for s, b in rows if int(s) < len(m) and m[int(s)]]
            if not scored:
                return []
            ids = dict(
                self.db.execute(
                    f"SELECT slot, id FROM rec WHERE slot IN ({','.join('?' * len(scored))})",  # noqa: S608 -- placeholders only
                    [s for s, _ in scored],
                ).fetchall()
                if len(scored) <= 30_000
                else self._all_ids([s for s, _ in scored])
            )
            scored.sort(key=lambda t: (-t[1], ids.get(t[0], "")))
            top = scored[:limit]
            matched: dict[int, list[str]] = {}
            keep = {s for s, _ in top}
            for t in terms:
                for (s,) in self.db.execute(
                    "SELECT rowid FROM words WHERE words MATCH ?", (f'"{t}"',)
                ):
                    if s in keep:
                        matched.setdefault(int(s), []).append(t)
            return [KeywordMatch(ids[s], score, tuple(matched.get(s, ()))) for s, score in top]

    def _all_ids(self, slots: list[int]) -> Iterator[tuple[int, str]]:
        wanted = set(slots)
        for s, i in self.db.execute("SELECT slot, id FROM rec"):
            if s in wanted:
                yield int(s), str(i)

    def owned_entries(self, owner_id: str, product_type: str) -> list[dict[str, Any]]:
        """The entries of one owner's records of one product type."""
        with self.lock:
            n, c = self.size, self.cols
            code = self.codes["owner"].index.get(owner_id)
            ptype = self.codes["product_type"].index.get(product_type)
            if code is None or ptype is None:
                return []
            slots = np.flatnonzero(
                c["alive"][:n] & (c["owner"][:n] == code) & (c["product_type"][:n] == ptype)
            )
            out: list[dict[str, Any]] = []
            for start in range(0, len(slots), 500):
                chunk = [int(s) for s in slots[start : start + 500]]
                rows = self.db.execute(
                    f"SELECT entry FROM rec WHERE slot IN ({','.join('?' * len(chunk))})",  # noqa: S608
                    chunk,
                ).fetchall()
                out += [decode_entry(b) for (b,) in rows]
            return out

    # -- snapshots --------------------------------------------------------------------------

    def snapshot_to(self, path: Path) -> None:
        """A consistent copy of the SQLite file (for a replica starting later)."""
        with self.lock:
            target = sqlite3.connect(str(path))
            try:
                self.db.backup(target)
            finally:
                target.close()

    def close(self) -> None:
        with self.lock:
            self.db.close()


def _make_cursor(q: RecordQuery, record_id: str, key: float) -> str:
    data = {
        "s": q.sort,
        "d": q.descending,
        "i": record_id,
        "k": key if math.isfinite(key) else 1e308,
    }
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
