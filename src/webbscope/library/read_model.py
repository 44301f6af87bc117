"""The library's read model: what `GET /api/records` needs of every record, in SQLite (the
standard library's) and numpy columns, with no web or database-driver imports.

- SQLite (a local file, or memory) holds each record's list entry (compressed JSON), an FTS5
  table of its words, its sky shape, its tags and who it is shared with.
- numpy columns (one slot per record) hold the filter and sort fields, dictionary-encoded:
  a filter is a vectorised mask over the columns, a count or a facet a `bincount` of it, and a
  page a partial sort of the masked keys. The sky is a column too: each record's bounding
  circle as a unit vector (no seam at RA 0/360, no singularity at the poles) and a radius;
  a cone looks only at the records in its band of declination (bisection in an index of
  the centres sorted by declination), three multiplications each, and tests only those on
  the circle's rim exactly against their polygon. Tags are a bit set per record (the first
  63 tags; the rest through SQLite). Memory: about 145 bytes a record in the columns; the
  SQLite page cache is bounded (`cache_mb`), the rest stays on disk.

Every method takes the model's lock and is meant to run in a worker thread, never on the
event loop. The model is rebuilt from the database (the source of truth) or opened from a
snapshot of its SQLite file. A snapshot (and a file closed with `store`) holds the columns
too, as raw arrays in its `colstore` table: opening reads them back instead of rebuilding
them from every row, and the first write after that drops them in its own transaction, so
stored columns never disagree with the rows beside them.
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
from webbscope.records.sky import angular_distance_deg, polygon_meets_circle, unit_vector
from webbscope.semantic._keyword import tokens

_DATES = ("observed_at", "created_at", "updated_at")
#: Facets reported for the current filter, and how many values of each at most.
FACETS = ("instrument", "filter", "processing_level", "target")
FACET_LIMIT = 50

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rec(
  slot INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, owner TEXT, visibility TEXT,
  archived INT, instrument TEXT, filter TEXT, target TEXT, program TEXT,
  processing_level TEXT, product_type TEXT, source TEXT, observed_at REAL, created_at REAL,
  updated_at REAL, file_name_lower TEXT, size REAL, pivot REAL, sx REAL, sy REAL, sz REAL,
  srad REAL, spoly INT, tags TEXT, shape TEXT, entry BLOB, body BLOB);
CREATE INDEX IF NOT EXISTS rec_name ON rec(file_name_lower, id);
CREATE TABLE IF NOT EXISTS tags(tag TEXT, slot INT, PRIMARY KEY(tag, slot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shares(reader TEXT, slot INT, PRIMARY KEY(reader, slot))
  WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(w);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS colstore(name TEXT PRIMARY KEY, data BLOB);
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
_FLOATS = ("observed_at", "created_at", "updated_at", "size", "pivot", "sx", "sy", "sz", "srad")
#: Tags with a code below this are a bit in the `tagbits` column.
_TAG_BITS = 63
_REC_COLS = (
    "id",
    *_CODED,
    "archived",
    *_FLOATS,
    "spoly",
    "tags",
    "file_name_lower",
    "shape",
    "entry",
    "body",
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


def decode_entry(blob: bytes, body: bytes | None = None) -> dict[str, Any]:
    """A stored entry (and its body, when given, under "body")."""
    entry: dict[str, Any] = json.loads(zlib.decompress(blob))
    if body is not None:
        entry["body"] = json.loads(zlib.decompress(body))
    for key in _DATES:
        if isinstance(entry.get(key), str):
            entry[key] = datetime.fromisoformat(entry[key])
    return entry


def _shape(entry: dict[str, Any]) -> tuple[str | None, tuple[float, float, float, float, int]]:
    """The record's sky shape (JSON: a polygon's corners, or a single centre) and its bounding
    circle: (x, y, z) of its centre, its radius in degrees, and whether it is a polygon."""
    sky = entry.get("sky")
    if sky and sky.get("corners"):
        corners = [[float(c["ra"]), float(c["dec"])] for c in sky["corners"]]
        x, y, z = unit_vector(float(sky["ra"]), float(sky["dec"]))
        return json.dumps(corners), (x, y, z, float(sky["radius"]), 1)
    meta = (entry.get("body") or {}).get("metadata") or {}
    for ra_key, dec_key in (("center_ra", "center_dec"), ("target_ra", "target_dec")):
        ra, dec = meta.get(ra_key), meta.get(dec_key)
        if isinstance(ra, int | float) and isinstance(dec, int | float):
            x, y, z = unit_vector(float(ra), float(dec))
            return json.dumps([[float(ra) % 360.0, float(dec)]]), (x, y, z, 0.0, 0)
    return None, (math.nan, math.nan, math.nan, math.nan, 0)


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
    shape, (sx, sy, sz, srad, spoly) = _shape(entry)
    tags = sorted(set(entry.get("tags") or ()))
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
        "sx": sx,
        "sy": sy,
        "sz": sz,
        "srad": srad,
        "spoly": spoly,
        "tags": " ".join(tags),
        "shape": shape,
        "entry": _encode_entry({k: v for k, v in entry.items() if k != "body"}),
        "body": zlib.compress(
            json.dumps(entry.get("body"), default=_json_default, separators=(",", ":")).encode(), 1
        ),
        "_tags": tags,
        "_shares": sorted(
            {r for r in entry.get("readers") or () if r not in (PUBLIC, entry.get("owner_id"))}
        ),
        "_words": " ".join(tokens(entry.get("search") or "")),
    }


@dataclass(frozen=True)
class Page:
    #: Each record's API body (`RecordOut`), as JSON text.
    bodies: list[str]
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
        self.tag_codes = _Codes()
        self.size = 0
        self.cap = 0
        self.cols: dict[str, np.ndarray] = {}
        self._grow(1024)
        self._name_rank: np.ndarray | None = None
        self._max_id: tuple[int, int] = (-1, -1)
        self._next_rank = 0.0
        self._rank_stale = False
        #: The sky band index: alive slots with a sky, sorted by the z of their centre (see
        #: `_sky`), and the slots written since it was built.
        self._band: tuple[np.ndarray, np.ndarray] | None = None
        self._band_new: list[int] = []
        self._widest = 0.0
        #: Whether the file's stored columns (`colstore`) are those of its rows: the first
        #: write after opening them deletes them, in its transaction.
        self._stored = self._load_stored()
        if not self._stored:
            self.db.execute("DELETE FROM colstore")  # none, or not of these rows
            self._load_columns()

    # -- columns ----------------------------------------------------------------------------

    def _grow(self, need: int, exact: bool = False) -> None:
        cap = max(1024, self.cap)
        while cap < need and not exact:
            cap = cap * 2 if cap < 1 << 20 else cap + cap // 4
        cap = max(cap, need)
        if cap == self.cap:
            return
        specs: dict[str, tuple[Any, Any]] = {
            "alive": (np.bool_, False),
            "archived": (np.bool_, False),
            "spoly": (np.bool_, False),
            "tagbits": (np.uint64, 0),
            "oid_hi": (np.uint64, 0),
            "oid_lo": (np.uint64, 0),
            "idrank": (np.float64, np.nan),
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
        c["spoly"][slot] = bool(row["spoly"])
        bits = 0
        for tag in (row["tags"] or "").split():
            code = self.tag_codes.code(tag)
            if code <= _TAG_BITS:
                bits |= 1 << (code - 1)
        c["tagbits"][slot] = bits
        hi, lo = _oid(row["id"])
        c["oid_hi"][slot], c["oid_lo"][slot] = hi, lo
        rank = row.get("_rank")
        if rank is None and (hi, lo) > self._max_id:
            self._max_id, self._next_rank = (hi, lo), self._next_rank + 1
            rank = self._next_rank
        if rank is None:
            self._rank_stale = True  # an id older than the newest: ranks are recomputed
        c["idrank"][slot] = math.nan if rank is None else rank
        for name in _CODED:
            c[name][slot] = self.codes[name].code(row[name])
        for name in _FLOATS:
            value = row[name]
            c[name][slot] = math.nan if value is None else value
        srad = c["srad"][slot]
        if srad > self._widest:
            self._widest = float(srad)
        if self._band is not None:
            self._band_new.append(slot)
            if len(self._band_new) > 1 << 14:
                self._band, self._band_new = None, []
        self.size = max(self.size, slot + 1)

    def _load_columns(self) -> None:
        cur = self.db.execute(
            f"SELECT slot, id, archived, spoly, tags, {', '.join(_CODED)}, {', '.join(_FLOATS)} "  # noqa: S608 -- placeholders only
            "FROM rec"
        )
        names = ["slot", "id", "archived", "spoly", "tags", *_CODED, *_FLOATS]
        while batch := cur.fetchmany(10_000):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                self._set_columns(int(row["slot"]), row)
        self._name_rank = None

    def store_columns(self, db: sqlite3.Connection | None = None) -> None:
        """Write the columns and their dictionaries into `colstore` of `db` (the model's own
        file by default, or a snapshot's copy of it), so that opening the file reads them
        back as they are instead of rebuilding them from every row (lock held)."""
        db = self.db if db is None else db
        with self.lock:
            n = self.size
            self._ranks()
            cols = dict(self.cols)
            if self._name_rank is not None and len(self._name_rank) >= n:
                cols["name_rank"] = self._name_rank
            state = {
                "size": n,
                "dtypes": {k: v.dtype.str for k, v in cols.items()},
                "codes": {k: self.codes[k].values[1:] for k in _CODED},
                "tags": self.tag_codes.values[1:],
                "max_id": list(self._max_id),
                "next_rank": self._next_rank,
                "widest": self._widest,
            }
            db.execute("BEGIN")
            try:
                db.execute("DELETE FROM colstore")
                db.execute("INSERT INTO colstore VALUES ('state', ?)", (json.dumps(state),))
                for name, arr in cols.items():
                    db.execute(
                        "INSERT INTO colstore VALUES (?, ?)",
                        (name, arr[:n].tobytes()),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            if db is self.db:
                self._stored = True

    def _load_stored(self) -> bool:
        """Read the columns stored in the file (`store_columns`), one at a time into arrays
        of their final size; False when there are none (or they do not match the rows)."""
        row = self.db.execute("SELECT data FROM colstore WHERE name='state'").fetchone()
        if row is None:
            return False
        state = json.loads(row[0])
        n = int(state["size"])
        self._grow(n + n // 16 + 1024, exact=True)
        for name, dtype in state["dtypes"].items():
            found = self.db.execute("SELECT data FROM colstore WHERE name=?", (name,)).fetchone()
            arr = np.frombuffer(found[0], dtype=np.dtype(dtype)) if found else None
            if arr is None or len(arr) != n:
                self._load_columns_fresh_state()
                return False
            if name == "name_rank":
                self._name_rank = arr.copy()
            else:
                self.cols[name][:n] = arr
            del found, arr
        for name in _CODED:
            for value in state["codes"][name]:
                self.codes[name].code(value)
        for value in state["tags"]:
            self.tag_codes.code(value)
        self._max_id = (int(state["max_id"][0]), int(state["max_id"][1]))
        self._next_rank = float(state["next_rank"])
        self._widest = float(state["widest"])
        self.size = n
        (rows,) = self.db.execute("SELECT count(*) FROM rec").fetchone()
        if int(rows) != int(self.cols["alive"][:n].sum()):  # not this file's rows: rebuild
            self._load_columns_fresh_state()
            return False
        return True

    def _load_columns_fresh_state(self) -> None:
        self.cols, self.cap, self.size = {}, 0, 0
        self.codes = {name: _Codes() for name in _CODED}
        self.tag_codes = _Codes()
        self._name_rank, self._band, self._band_new = None, None, []
        self._max_id, self._next_rank, self._rank_stale, self._widest = (-1, -1), 0.0, False, 0.0
        self._grow(1024)

    def _begin(self) -> None:
        """Open a write transaction; the stored columns stop matching the rows in it."""
        self.db.execute("BEGIN")
        if self._stored:
            self.db.execute("DELETE FROM colstore")

    def _committed(self) -> None:
        self.db.execute("COMMIT")
        self._stored = False

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, entries: Iterable[dict[str, Any]]) -> int:
        """Add or replace list entries; returns how many."""
        rows = [entry_row(e) for e in entries]
        with self.lock:
            self._begin()
            try:
                for row in rows:
                    self._write(row)
                self._committed()
            except BaseException:
                self.db.execute("ROLLBACK")
                self._load_columns_fresh()
                raise
        return len(rows)

    def bulk_insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows (from `entry_row`) of records not in the model yet, with one
        statement per table: the fast path for a first load."""
        with self.lock:
            first = int(self.db.execute("SELECT coalesce(max(slot), 0) + 1 FROM rec").fetchone()[0])
            slots = range(first, first + len(rows))
            cols = ("slot", *_REC_COLS)
            self._begin()
            self.db.executemany(
                f"INSERT INTO rec({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",  # noqa: S608
                (
                    [slot, *(row[k] for k in _REC_COLS)]
                    for slot, row in zip(slots, rows, strict=True)
                ),
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO tags(tag, slot) VALUES (?, ?)",
                ((t, slot) for slot, row in zip(slots, rows, strict=True) for t in row["_tags"]),
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO shares(reader, slot) VALUES (?, ?)",
                ((r, slot) for slot, row in zip(slots, rows, strict=True) for r in row["_shares"]),
            )
            self.db.executemany(
                "INSERT INTO words(rowid, w) VALUES (?, ?)",
                ((slot, row["_words"]) for slot, row in zip(slots, rows, strict=True)),
            )
            self._committed()
            for slot, row in zip(slots, rows, strict=True):
                self._set_columns(slot, row)
            self._name_rank = None

    def _write(self, row: dict[str, Any]) -> None:
        found = self.db.execute("SELECT slot FROM rec WHERE id=?", (row["id"],)).fetchone()
        if found is not None:
            old = int(found[0])
            if old < self.cap and not math.isnan(self.cols["idrank"][old]):
                row = {**row, "_rank": float(self.cols["idrank"][old])}  # the same id
            self._remove_slot(old)
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
        self._set_columns(slot, row)
        self._place_name(slot, row["file_name_lower"], row["id"])

    def _place_name(self, slot: int, name: str | None, record_id: str) -> None:
        """Give a written record its place in the file-name order (`_sort_key`): a rank
        halfway between those of its neighbours in (name, id) order, so that a write does not
        cost the next file-name sort a rebuild; when there is no room left between them the
        order is dropped (rebuilt by the next sort)."""
        rank = self._name_rank
        if rank is None:
            return
        if len(rank) <= slot:
            more = np.full(max(slot + 1, self.cap) - len(rank), np.nan)
            rank = self._name_rank = np.concatenate([rank, more])
        if name is None:
            rank[slot] = math.nan
            return
        near = [
            self.db.execute(
                f"SELECT slot FROM rec WHERE (file_name_lower, id) {op} (?, ?) "  # noqa: S608 -- fixed text
                f"ORDER BY file_name_lower {order}, id {order} LIMIT 1",
                (name, record_id),
            ).fetchone()
            for op, order in (("<", "DESC"), (">", "ASC"))
        ]
        lo, hi = (None if r is None else float(rank[int(r[0])]) for r in near)
        if lo is None and hi is None:
            mid = 0.0
        elif lo is None or hi is None:
            mid = hi - 1.0 if lo is None else lo + 1.0  # type: ignore[operator]
        else:
            mid = (lo + hi) / 2
        if (
            math.isnan(mid)
            or (lo is not None and not lo < mid)
            or (hi is not None and not mid < hi)
        ):
            self._name_rank = None
            return
        rank[slot] = mid

    def _remove_slot(self, slot: int) -> None:
        for sql in (
            "DELETE FROM rec WHERE slot=?",
            "DELETE FROM tags WHERE slot=?",
            "DELETE FROM shares WHERE slot=?",
            "DELETE FROM words WHERE rowid=?",
        ):
            self.db.execute(sql, (slot,))
        if slot < self.cap:
            self.cols["alive"][slot] = False

    def remove(self, record_ids: Iterable[str]) -> int:
        n = 0
        with self.lock:
            self._begin()
            for rid in record_ids:
                found = self.db.execute("SELECT slot FROM rec WHERE id=?", (rid,)).fetchone()
                if found is not None:
                    self._remove_slot(int(found[0]))
                    n += 1
            self._committed()
        return n

    def _load_columns_fresh(self) -> None:
        self._load_columns_fresh_state()
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
            row = self.db.execute("SELECT entry, body FROM rec WHERE id=?", (record_id,)).fetchone()
        return None if row is None else decode_entry(row[0], row[1])

    def get_many(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        with self.lock:
            for start in range(0, len(record_ids), 500):
                chunk = list(record_ids[start : start + 500])
                rows = self.db.execute(
                    f"SELECT id, entry, body FROM rec WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                    chunk,
                ).fetchall()
                out.update({str(i): decode_entry(e, b) for i, e, b in rows})
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
        """The slots a `SELECT <slot> ...` finds, as an array (one string from SQLite, not
        a Python tuple per row)."""
        row = self.db.execute(f"SELECT group_concat(x) FROM ({sql})", args).fetchone()  # noqa: S608
        if row is None or not row[0]:
            return np.zeros(0, dtype=np.int64)
        return np.fromstring(str(row[0]), dtype=np.int64, sep=",")

    def _ranks(self) -> np.ndarray:
        """Each slot's rank in id order (recomputed only after an id older than the newest
        was added)."""
        n, c = self.size, self.cols
        if self._rank_stale:
            alive = np.flatnonzero(c["alive"][:n])
            order = alive[np.lexsort((c["oid_lo"][alive], c["oid_hi"][alive]))]
            c["idrank"][:n] = np.nan
            c["idrank"][order] = np.arange(len(order), dtype=np.float64)
            self._next_rank = float(len(order))
            if len(order):
                last = int(order[-1])
                self._max_id = (int(c["oid_hi"][last]), int(c["oid_lo"][last]))
            self._rank_stale = False
        ranks: np.ndarray = c["idrank"][:n]
        return ranks

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
                shared = self._slots("SELECT slot AS x FROM shares WHERE reader=?", (caller_id,))
                readable |= self._in(np.ones(n, bool), shared)
            m &= readable
        if q.archived is not None:
            m &= c["archived"][:n] == q.archived
        if caller_id is not None and q.owner != "any":
            mine = c["owner"][:n] == (owner_code if owner_code is not None else -1)
            m &= mine if q.owner == "me" else ~mine
        if q.visibility is not None:
            vis = self.codes["visibility"]
            m &= _coded_in(c["visibility"][:n], vis.find([q.visibility.value]), len(vis.values))
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
                codes = self.codes[name]
                m &= _coded_in(c[name][:n], codes.find(wanted), len(codes.values))
        for tag in dict.fromkeys(lowered(q.tags)):
            code = self.tag_codes.index.get(tag)
            if code is None:
                m[:] = False
            elif code <= _TAG_BITS:
                m &= (c["tagbits"][:n] & np.uint64(1 << (code - 1))) != 0
            else:
                m = self._in(m, self._slots("SELECT slot AS x FROM tags WHERE tag=?", (tag,)))
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
                    m, self._slots("SELECT rowid AS x FROM words WHERE words MATCH ?", (match,))
                )
        if q.ra is not None and q.dec is not None:
            m = self._sky(m, q.ra, q.dec, q.radius or 0.0)
        return m

    def _sky(self, m: np.ndarray, ra: float, dec: float, radius: float) -> np.ndarray:
        """Records whose footprint meets the circle (see `shape_matches`): decided from the
        bounding circles for all but those on the rim, which are tested exactly. Only the
        records whose centre lies in the circle's band of declination (widened by the widest
        bounding circle) are looked at, found by bisection in the band index."""
        n, c = self.size, self.cols
        px, py, pz = unit_vector(ra, dec)
        reach = radius + self._widest
        cand = self._band_slots(dec - reach, dec + reach)
        cand = cand[m[cand]]
        dots = c["sx"][cand] * px + c["sy"][cand] * py + c["sz"][cand] * pz  # NaN: no sky
        near = dots >= math.cos(math.radians(radius))  # the centre is within the circle
        sure = np.zeros(n, dtype=bool)
        sure[cand[near]] = True
        rim = c["spoly"][cand] & ~near
        rim &= dots >= math.cos(math.radians(min(reach, 180.0)))
        reach_each = np.radians(np.minimum(radius + c["srad"][cand[rim]], 180.0))
        rim_slots = cand[rim][dots[rim] >= np.cos(reach_each)]
        slots = [int(s) for s in rim_slots]
        hits: list[int] = []
        for start in range(0, len(slots), 500):
            chunk = slots[start : start + 500]
            rows = self.db.execute(
                f"SELECT slot, shape FROM rec WHERE slot IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ).fetchall()
            hits += [s for s, shape in rows if shape and shape_matches(shape, ra, dec, radius)]
        sure[np.asarray(hits, dtype=np.int64)] = True
        return sure

    def _band_slots(self, dec_lo: float, dec_hi: float) -> np.ndarray:
        """Alive slots whose centre's declination may lie in [dec_lo, dec_hi] (a superset:
        the band is widened by a margin, and slots written since the index was built are
        all included; `_sky` tests each exactly)."""
        n, c = self.size, self.cols
        if self._band is None:
            z = c["sz"][:n]
            have = np.flatnonzero(c["alive"][:n] & ~np.isnan(z))
            order = have[np.argsort(z[have], kind="stable")]
            self._band, self._band_new = (order, z[order].copy()), []
        order, zs = self._band
        lo = -2.0 if dec_lo <= -90.0 else math.sin(math.radians(dec_lo)) - 1e-9
        hi = 2.0 if dec_hi >= 90.0 else math.sin(math.radians(dec_hi)) + 1e-9
        found = order[np.searchsorted(zs, lo, "left") : np.searchsorted(zs, hi, "right")]
        if self._band_new:
            found = np.union1d(found, np.asarray(self._band_new, dtype=np.int64))
        found = found[found < n]
        alive: np.ndarray = found[c["alive"][found]]
        return alive

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
                    "SELECT slot AS x FROM rec WHERE file_name_lower IS NOT NULL "
                    "ORDER BY file_name_lower, id",
                    (),
                )
                slots = slots[slots < n]
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
        """One page: the records' bodies (JSON text) in order, the number of matches, and a
        cursor for the page after it (missing sort values come last in either order; ties
        by id)."""
        with self.lock:
            idx = np.flatnonzero(self.mask(q, caller_id, is_admin))
            total = len(idx)
            sign = -1.0 if q.descending else 1.0
            full_key = self._sort_key(q.sort)
            eff = full_key[idx] * sign
            eff[np.isnan(eff)] = np.inf
            rank = self._ranks()[idx] * sign
            if cursor:
                ck, cr = self._cursor_key(cursor, q, full_key)
                after = (eff > ck) | ((eff == ck) & (rank > cr))
                idx, eff, rank = idx[after], eff[after], rank[after]
            need = q.offset + q.limit
            more = len(idx) > need
            if more:
                part = np.argpartition(eff, need - 1)[:need]
                keep = eff <= eff[part].max()
                idx, eff, rank = idx[keep], eff[keep], rank[keep]
            order = _order(eff, rank)[q.offset : need]
            slots = [int(s) for s in idx[order]]
            found = {
                int(slot): (str(rid), blob)
                for slot, rid, blob in self.db.execute(
                    f"SELECT slot, id, body FROM rec WHERE slot IN ({','.join('?' * len(slots))})",  # noqa: S608
                    slots,
                )
            }
            bodies = [zlib.decompress(found[s][1]).decode() for s in slots if s in found]
            next_cursor = None
            if slots and more and slots[-1] in found:
                last = int(order[-1])
                next_cursor = _make_cursor(q, found[slots[-1]][0], float(eff[last]))
            return Page(bodies, total, next_cursor)

    def _cursor_key(self, cursor: str, q: RecordQuery, full_key: np.ndarray) -> tuple[float, float]:
        """The (sort key, id rank) after which the page starts, in the page's direction."""
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=="))
            sort, desc, rid, value = data["s"], data["d"], str(data["i"]), float(data["k"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadCursor("the cursor is not one this server gave") from exc
        if sort != q.sort or desc != q.descending:
            raise BadCursor("the cursor belongs to another sort order")
        sign = -1.0 if q.descending else 1.0
        row = self.db.execute("SELECT slot FROM rec WHERE id=?", (rid,)).fetchone()
        if row is None or int(row[0]) >= len(full_key):
            raise BadCursor("the record the cursor points at is gone; start again")
        slot = int(row[0])
        k = float(full_key[slot]) * sign
        _ = value
        return (math.inf if math.isnan(k) else k), float(self._ranks()[slot]) * sign

    def facets(self, q: RecordQuery, caller_id: str | None, is_admin: bool) -> dict[str, Any]:
        """Counts per instrument, filter, level and target among the records the query
        matches (the most frequent `FACET_LIMIT` of each)."""
        with self.lock:
            idx = np.flatnonzero(self.mask(q, caller_id, is_admin))
            out: dict[str, Any] = {"total": len(idx)}
            for name in FACETS:
                codes = self.codes[name]
                counts = np.bincount(self.cols[name].take(idx), minlength=len(codes.values))
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
                    f"SELECT entry, body FROM rec WHERE slot IN ({','.join('?' * len(chunk))})",  # noqa: S608
                    chunk,
                ).fetchall()
                out += [decode_entry(e, b) for e, b in rows]
            return out

    # -- snapshots --------------------------------------------------------------------------

    def snapshot_to(self, path: Path) -> None:
        """A consistent copy of the SQLite file with the columns stored in it (for a replica
        starting later: it reads them back instead of rebuilding them from every row)."""
        with self.lock:
            target = sqlite3.connect(str(path), isolation_level=None)
            try:
                self.db.backup(target)
                self.store_columns(target)
            finally:
                target.close()

    def close(self, store: bool = False) -> None:
        """Close the file; with `store`, keep the columns in it for the next opening."""
        with self.lock:
            if store and self.path != ":memory:" and not self._stored:
                self.store_columns()
            self.db.close()


def _coded_in(column: np.ndarray, codes: list[int], n_codes: int) -> np.ndarray:
    """Which entries of a dictionary-encoded column (codes below `n_codes`) hold one of
    `codes`: one comparison, or a look-up table of the codes."""
    if len(codes) == 1:
        one: np.ndarray = column == codes[0]
        return one
    table = np.zeros(n_codes, dtype=bool)
    table[codes] = True
    hit: np.ndarray = table[column]
    return hit


def _order(eff: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Indices sorting by (eff, rank): a quick sort on the key, then the runs of equal keys
    (records without the value, equal dates) sorted again by rank."""
    order = np.argsort(eff)
    keys = eff[order]
    tie = np.flatnonzero(keys[1:] == keys[:-1])
    if len(tie):
        pos = np.unique(np.concatenate([tie, tie + 1]))
        sub = order[pos]
        order[pos] = sub[np.lexsort((rank[sub], eff[sub]))]
    return order


def _make_cursor(q: RecordQuery, record_id: str, key: float) -> str:
    data = {
        "s": q.sort,
        "d": q.descending,
        "i": record_id,
        "k": key if math.isfinite(key) else 1e308,
    }
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
