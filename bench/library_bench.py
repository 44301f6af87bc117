"""The library's list queries at 10,000 and 1,000,000 records, on the read model each backend
replica keeps (`webbscope.library.read_model`: SQLite with FTS5, plus numpy columns),
against today's in-memory index as the baseline, in the same run.

- Records: realistic stored JWST records (full metadata, footprints, tags; about 2 KB of
  JSON each), made by `make_doc` the way `RecordsRepo.create` stores them.
- Loading: records are written straight into the read model (its `upsert`, in batches), not
  through MongoDB and HTTP: a million inserts through the development wire-protocol server
  would take hours on this machine. Queries are timed in-process, the call a route makes in
  its worker thread (HTTP and JSON of the 50-record page are the same for both engines).
- Baseline: the in-memory index this replaces (`library.query.run_query` over every entry,
  as `LibraryIndex.query` did), at 10,000 and 100,000 records.
- Memory: the resident size of a fresh process that imports the backend application and
  opens the million-record model, after running every query. Start-up: copying the model's
  snapshot (`ReadModel.snapshot_to`, as `LibraryIndex.snapshot` stores it) as from storage,
  importing the backend, and opening the copy.
- Event loop: the longest the loop goes unserved while each query runs as its route runs it
  (in `asyncio.to_thread`, the page joined on the loop), seen by a probe task.

`python -m bench library_bench [--upload]` (the 2 GB upload benchmark runs with --upload).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.stats import pct
from webbscope.library.query import RecordQuery, query_entry, run_query
from webbscope.library.read_model import Page, ReadModel
from webbscope.records.fields import facets_of, keyword_text, sky_fields

REPEATS = 20
SIZES = (10_000, 1_000_000)
BASELINE_SIZES = (10_000, 100_000)
INSTRUMENTS = ["NIRCAM", "MIRI", "NIRSPEC", "NIRISS"]
FILTERS = ["F090W", "F200W", "F444W", "F770W", "F1130W", "F290LP", "F150W", "F356W"]
TARGETS = [
    ("NGC 3324", 159.2, -58.6),
    ("Stephan's Quintet", 339.0, 33.96),
    ("M16", 274.7, -13.8),
    ("NGC 628", 24.17, 15.78),
    ("SMACS 0723", 110.8, -73.45),
    ("Cas A", 350.85, 58.81),
    ("Orion Bar", 83.84, -5.42),
    ("WR 140", 305.12, 43.85),
]
TAGS = ["favourite", "paper-1", "calibration", "deep", "mosaic-input", "review"]
USERS = [f"{u:024x}" for u in range(1, 21)]  # 20 owners; the bench queries as the first
CALLER = USERS[0]

QUERIES: dict[str, RecordQuery] = {
    "newest page": RecordQuery(),
    "instrument": RecordQuery(instrument=["miri"]),
    "free text": RecordQuery(text="quintet"),
    "tags": RecordQuery(tags=["favourite"]),
    "sky cone": RecordQuery(ra=339.0, dec=33.96, radius=0.5),
    "facets": RecordQuery(),
    "sorted, page 500": RecordQuery(sort="file_name", descending=False, offset=499 * 50),
}


def make_doc(i: int, rng: random.Random) -> dict[str, Any]:
    """One stored record, as `RecordsRepo.create` writes it (about 2 KB of JSON)."""
    target, ra, dec = TARGETS[rng.randrange(len(TARGETS))]
    ra = (ra + rng.uniform(-0.4, 0.4)) % 360.0
    dec += rng.uniform(-0.4, 0.4)
    d = 0.02
    instrument = INSTRUMENTS[rng.randrange(4)]
    filt = FILTERS[rng.randrange(len(FILTERS))]
    program = str([2731, 2732, 1345, 2079, 1409, 1288][rng.randrange(6)])
    start = datetime(2022, 7, 1, tzinfo=UTC) + timedelta(minutes=7 * i)
    obs = f"jw0{program}-o{rng.randrange(1, 40):03d}_t{rng.randrange(1, 200):03d}"
    name = f"{obs}_{instrument.lower()}_clear-{filt.lower()}_{i:07d}_i2d.fits"
    owner = USERS[i % len(USERS)]
    public = i % 3 == 0
    meta = {
        "file_name": name,
        "obs_id": obs,
        "size_bytes": 170_000_000 + i,
        "telescope": "JWST",
        "instrument": instrument,
        "detector": "NRCALONG" if instrument == "NIRCAM" else "MIRIMAGE",
        "filter": filt,
        "pupil": "CLEAR",
        "grating": None,
        "exp_type": f"{instrument[:3]}_IMAGE",
        "target_name": target,
        "target_ra": ra,
        "target_dec": dec,
        "program": program,
        "observation": f"{rng.randrange(1, 40):03d}",
        "visit": "001",
        "exposure_start_mjd": 59761.0 + i / 200,
        "exposure_start": start,
        "exposure_end_mjd": 59761.01 + i / 200,
        "exposure_time": 1288.4,
        "bunit": "MJy/sr",
        "processing_level": "3",
        "product_type": "i2d",
        "science_hdu": 1,
        "shape": [4612, 4601],
        "dtype": "float32",
        "is_cube": False,
        "spectral_axis": None,
        "has_celestial_wcs": True,
        "footprint": [
            {"ra": ra - d, "dec": dec - d},
            {"ra": ra + d, "dec": dec - d},
            {"ra": ra + d, "dec": dec + d},
            {"ra": ra - d, "dec": dec + d},
        ],
        "center_ra": ra,
        "center_dec": dec,
        "pixel_scale_arcsec": 0.031,
        "hdus": [
            {"index": k, "name": n, "kind": "image", "shape": [4612, 4601], "dtype": "float32"}
            for k, n in enumerate(["PRIMARY", "SCI", "ERR", "CON", "WHT", "VAR_POISSON"])
        ],
        "warnings": [],
    }
    tags = sorted({TAGS[rng.randrange(len(TAGS))] for _ in range(rng.randrange(3))})
    if i % 50 == 0:
        tags = sorted({*tags, "favourite"})
    rid = f"{0x65000000 + i:08x}{rng.getrandbits(64):016x}"
    doc: dict[str, Any] = {
        "_id": rid,
        "owner_id": owner,
        "owner_username": f"user{USERS.index(owner)}",
        "file_name": name,
        "file_name_lower": name.lower(),
        "visibility": "public" if public else "private",
        "shared_with": [],
        "shared_with_ids": [],
        "readers": [owner, "*"] if public else [owner],
        "source": "mast",
        "storage_key": f"mast/{name}",
        "extra_keys": [],
        "size": 170_000_000 + i,
        "sha256": f"{rng.getrandbits(256):064x}",
        "metadata": meta,
        "processing_level": "3",
        "product_type": "i2d",
        "facets": facets_of(meta),
        "observed_at": start,
        "tags": tags,
        "description": "",
        "archived": False,
        "lineage": {"derived_from": [], "derivatives": [], "note": None},
        "thumbnail_key": f"thumbnails/{rid}.jpg",
        "created_at": start + timedelta(days=400),
        "updated_at": start + timedelta(days=400),
    }
    doc["sky"] = sky_fields([(c["ra"], c["dec"]) for c in meta["footprint"]])
    doc["search"] = keyword_text(doc)
    return doc


def entry_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The list entry the backend keeps (`library_index._entry`), its body built directly
    rather than through the pydantic model (the same keys; a million validations would
    dominate the run)."""
    entry = query_entry(doc)
    body = {
        k: doc[k]
        for k in (
            "owner_id",
            "owner_username",
            "file_name",
            "visibility",
            "shared_with",
            "source",
            "size",
            "sha256",
            "metadata",
            "processing_level",
            "product_type",
            "tags",
            "description",
            "archived",
            "created_at",
            "updated_at",
        )
    }
    body["id"] = entry["_id"]
    body["lineage"] = doc["lineage"]
    body["thumbnail_url"] = f"/api/records/{entry['_id']}/thumbnail"
    body["download_url"] = f"/api/records/{entry['_id']}/download"
    entry["body"] = json.loads(json.dumps(body, default=str))
    return entry


def entries(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [entry_of(make_doc(i, rng)) for i in range(n)]


def build_model(path: Path, n: int, templates: int = 20_000, batch: int = 20_000) -> float:
    """Write n records into a fresh model file (its bulk path); seconds taken. Past the first
    `templates` records, each is a template's row with its own id, file name, dates and
    size (its words, sky and stored body are the template's): a realistic distribution at a
    cost this machine can pay a million times."""
    from webbscope.library.read_model import entry_row

    started = time.perf_counter()
    model = ReadModel(path, cache_mb=64)
    rng = random.Random(1)
    base = [entry_row(entry_of(make_doc(i, rng))) for i in range(min(n, templates))]
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            row = base[i % len(base)]
            if i >= len(base):
                row = dict(row)
                row["id"] = f"{0x65000000 + i:08x}{rng.getrandbits(64):016x}"
                row["file_name_lower"] = row["file_name_lower"].replace(".fits", f"-{i}.fits")
                shift = 420.0 * i
                for k in ("created_at", "updated_at", "observed_at"):
                    row[k] = row[k] + shift
                row["size"] = 170_000_000.0 + i
            rows.append(row)
        model.bulk_insert(rows)
        if n >= 100_000 and (start // batch) % 10 == 0:
            print(
                f"    {start + len(rows):,} records in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    model.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    model.close(store=True)
    return time.perf_counter() - started


def time_queries(run: Callable[[str, RecordQuery], object]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name, q in QUERIES.items():
        run(name, q)  # warm
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            run(name, q)
            times.append(time.perf_counter() - start)
        out[name] = times
    return out


def baseline(n: int) -> tuple[dict[str, list[float]], float]:
    """Today's index: every entry in a dict, `run_query` in Python (the facets: a count per
    field over the matches, as a Python index would do it). Returns timings and MB held."""
    tracemalloc.start()
    held = {e["_id"]: e for e in entries(n)}
    mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()

    def run(name: str, q: RecordQuery) -> object:
        if name == "facets":
            page, _ = run_query(held.values(), RecordQuery(limit=10**9), CALLER, False)
            counts: dict[str, dict[str, int]] = {}
            for e in page:
                for f in ("instrument", "filter", "target"):
                    v = (e.get("facets") or {}).get(f)
                    counts.setdefault(f, {})[v] = counts.setdefault(f, {}).get(v, 0) + 1
            return counts
        page, total = run_query(held.values(), q, CALLER, False)
        return [e["body"] for e in page], total

    return time_queries(run), mb


def _call(model: ReadModel, name: str, q: RecordQuery) -> object:
    if name == "facets":
        return model.facets(q, CALLER, False)
    return model.query(q, CALLER, False)


def engine(path: Path, snapshot: Path) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Query timings, the event loop's stalls while the queries run as the routes run them,
    and a snapshot of the model (as `LibraryIndex.snapshot` stores it) at `snapshot`."""
    model = ReadModel(path)
    try:
        times = time_queries(lambda name, q: _call(model, name, q))
        stalls = asyncio.run(loop_stalls(model))
        model.snapshot_to(snapshot)
        return times, stalls
    finally:
        model.close()


async def loop_stalls(model: ReadModel, runs: int = 5) -> dict[str, float]:
    """Per query: the longest the event loop went unserved while the query ran, as a route
    runs it (`asyncio.to_thread`, then the page's JSON joined on the loop); seen by a probe
    that asks to be woken every 0.5 ms and notes how late it was."""
    out: dict[str, float] = {}
    for name, q in QUERIES.items():
        done = asyncio.Event()
        task = asyncio.create_task(_probe(done))
        await asyncio.sleep(0.01)
        for _ in range(runs):
            result = await asyncio.to_thread(_call, model, name, q)
            if isinstance(result, Page):
                body = f'{{"items":[{",".join(result.bodies)}],"total":{result.total}}}'
                assert body
        done.set()
        out[name] = await task
    return out


async def _probe(done: asyncio.Event, every: float = 0.0005) -> float:
    """The longest the loop was late to wake this task, until `done`."""
    worst = 0.0
    while not done.is_set():
        t = time.perf_counter()
        await asyncio.sleep(every)
        worst = max(worst, time.perf_counter() - t - every)
    return worst


_REPLICA = """
import json, resource, sys, time
t = time.perf_counter()
import webbscope.services.backend.app  # the backend's code, as a replica holds it
imported = time.perf_counter() - t
from bench.library_bench import QUERIES, CALLER
from webbscope.library.read_model import ReadModel
t = time.perf_counter()
m = ReadModel(sys.argv[1])
opened = time.perf_counter() - t
stored = m._stored
for name, q in QUERIES.items():
    (m.facets if name == "facets" else m.query)(q, CALLER, False)
rss = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
# VmHWM: this process's own peak (ru_maxrss carries the parent's peak across exec on Linux)
peak = next(int(ln.split()[1]) * 1024 for ln in open("/proc/self/status")
            if ln.startswith("VmHWM:"))
print(json.dumps({"import_s": imported, "open_s": opened, "stored": stored, "rss": rss,
                  "peak": peak, "n": len(m)}))
"""


def replica(path: Path) -> dict[str, float]:
    """A fresh process with the backend imported and the model opened and queried."""
    proc = subprocess.run(
        [sys.executable, "-c", _REPLICA, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _row(name: str, times: list[float]) -> str:
    return f"{sum(times) / len(times) * 1000:7.1f} /{pct(times, 95) * 1000:7.1f}"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sizes = tuple(int(a) for a in os.environ.get("LIBRARY_BENCH_SIZES", "").split(",") if a)
    sizes = sizes or SIZES
    size_kb = len(json.dumps(make_doc(0, random.Random(0)), default=str)) / 1024
    print(f"library read model vs today's in-memory index; records ~{size_kb:.1f} KB of JSON")
    base: dict[int, dict[str, list[float]]] = {}
    for n in BASELINE_SIZES:
        print(f"  baseline: in-memory index at {n:,} records ...", flush=True)
        base[n], mb = baseline(n)
        print(f"    entries held: {mb:.0f} MB (Python objects)", flush=True)
    results: dict[int, dict[str, list[float]]] = {}
    stalls: dict[int, dict[str, float]] = {}
    facts: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="library-bench-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"model-{n}.sqlite"
            print(f"  read model: loading {n:,} records ...", flush=True)
            load_s = build_model(path, n)
            print(f"    loaded in {load_s:.0f} s ({path.stat().st_size / 1e6:.0f} MB file)")
            snap = Path(tmp) / "snapshot.sqlite"
            results[n], stalls[n] = engine(path, snap)
            path.unlink()
            # Start-up from a snapshot: copy it (as from storage) and open it.
            started = time.perf_counter()
            copy = Path(tmp) / "snapshot-copy.sqlite"
            shutil.copyfile(snap, copy)
            copy_s = time.perf_counter() - started
            snap.unlink()
            rep = replica(copy)
            copy.unlink()
            facts[n] = {"load_s": load_s, "copy_s": copy_s, **rep}
    print()
    print(f"p95 in ms of each query ({REPEATS} runs, in-process; mean / p95):")
    header = (
        "  query              "
        + "".join(f"model {n:>9,}    " for n in sizes)
        + "".join(f"baseline {n:>7,}   " for n in BASELINE_SIZES)
    )
    print(header + "ratio (baseline / model at equal or larger size)")
    for name in QUERIES:
        cells = "".join(_row(name, results[n][name]) + "   " for n in sizes)
        cells += "".join(_row(name, base[n][name]) + "   " for n in BASELINE_SIZES)
        ratios = []
        for b in BASELINE_SIZES:
            m = min((n for n in sizes if n >= b), default=None)
            if m is not None:
                ratio = pct(base[b][name], 95) / pct(results[m][name], 95)
                ratios.append(f"{b // 1000}k/{m // 1000}k x{ratio:.1f}")
        print(f"  {name:<18} {cells}{'  '.join(ratios)}")
    print()
    print("longest event-loop stall in ms while each query ran through asyncio.to_thread:")
    for name in QUERIES:
        print(
            f"  {name:<18} " + "".join(f"{stalls[n][name] * 1000:7.1f} at {n:,}   " for n in sizes)
        )
    print()
    for n in sizes:
        f = facts[n]
        total = f["copy_s"] + f["import_s"] + f["open_s"]
        print(
            f"  {n:>9,} records: load {f['load_s']:.0f} s; start-up from snapshot: copy "
            f"{f['copy_s']:.1f} s + import the backend {f['import_s']:.1f} s + open "
            f"{f['open_s']:.1f} s (columns {'read back' if f['stored'] else 'REBUILT'}) = "
            f"{total:.1f} s; replica RSS after the queries {f['rss'] / 2**20:.0f} MiB "
            f"(peak {f['peak'] / 2**20:.0f} MiB)"
        )
    targets = {10_000: 20.0, 1_000_000: 100.0}
    for n, limit in targets.items():
        if n in results:
            worst = max(pct(t, 95) for t in results[n].values()) * 1000
            print(
                f"  target p95 < {limit:.0f} ms at {n:,}: worst {worst:.1f} ms "
                f"({'met' if worst < limit else 'NOT met'})"
            )
    if "--upload" in argv:
        from bench.library_upload_bench import main as upload_main

        upload_main()
    _ = math


if __name__ == "__main__":
    main()
