"""The library: listing and filtering 10,000 records, and uploading a 2 GB FITS file.

Baselines, in the same run:
- listing: the same queries on a 500-record library (the system this is modelled on aimed at
  under 1 s for 500 records);
- upload: copying the same file on the same disk (`shutil.copyfile`), the ceiling for any
  upload path; memory: the backend's resident size before the upload.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from bench.stats import pct
from tests.support.api import register
from tests.support.stack import RunningStack, start_stack, stop_stack
from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.demo import write_large_image
from webbscope.domain.records import Source

N_RECORDS = 10_000
BASELINE_RECORDS = 500
REPEATS = 20
INSTRUMENTS = ["NIRCAM", "MIRI", "NIRSPEC", "NIRISS"]
FILTERS = ["F090W", "F200W", "F444W", "F770W", "F1130W", "F290LP"]
TARGETS = [
    ("NGC 3324", 159.2, -58.6),
    ("Stephan's Quintet", 339.0, 33.96),
    ("M16", 274.7, -13.8),
    ("NGC 628", 24.17, 15.78),
    ("SMACS 0723", 110.8, -73.45),
]
QUERIES = {
    "newest page": {"owner": "me"},
    "instrument": {"owner": "me", "instrument": "MIRI"},
    "free text": {"owner": "me", "q": "quintet"},
    "tags": {"owner": "me", "tags": "favourite"},
    "sky cone": {"owner": "me", "ra": 339.0, "dec": 33.96, "radius": 0.5},
    "sorted, page 20": {"owner": "me", "sort": "file_name", "order": "asc", "offset": 950},
}


def _metadata(i: int, rng: random.Random) -> dict[str, object]:
    target, ra, dec = rng.choice(TARGETS)
    ra += rng.uniform(-0.3, 0.3)
    dec += rng.uniform(-0.3, 0.3)
    d = 0.02
    return {
        "telescope": "JWST",
        "instrument": rng.choice(INSTRUMENTS),
        "filter": rng.choice(FILTERS),
        "target_name": target,
        "program": str(rng.choice([2731, 2732, 1345, 2079])),
        "processing_level": rng.choice(["2b", "3"]),
        "product_type": rng.choice(["i2d", "cal", "s3d"]),
        "exposure_start": datetime(2022, 7, 1, tzinfo=UTC) + timedelta(hours=i),
        "footprint": [
            {"ra": ra - d, "dec": dec - d},
            {"ra": ra + d, "dec": dec - d},
            {"ra": ra + d, "dec": dec + d},
            {"ra": ra - d, "dec": dec + d},
        ],
        "shape": [2048, 2048],
    }


async def fill(stack: RunningStack, user_id: str, n: int) -> None:
    db = Database(stack.mongodb_uri, "webbscope")
    owner = await UsersRepo(db).require(user_id)
    repo = RecordsRepo(db)
    rng = random.Random(n)
    for i in range(n):
        await repo.create(
            owner=owner,
            file_name=f"jw{rng.randrange(10**8):08d}_{i:05d}_i2d.fits",
            source=Source.upload,
            storage_key=f"uploads/{user_id}/{i:064d}.fits",
            size=10**6,
            sha256=f"{i:064x}",
            metadata=_metadata(i, rng),
            tags=["favourite"] if i % 50 == 0 else [],
        )
    await db.close()


def listing(stack: RunningStack, n: int) -> dict[str, list[float]]:
    user = register(stack.url("backend"), "bench")
    asyncio.run(fill(stack, user.id, n))
    out: dict[str, list[float]] = {}
    for name, params in QUERIES.items():
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            r = user.get("/api/records", params=params)
            times.append(time.perf_counter() - start)
            assert r.status_code == 200, r.text
        out[name] = times
    return out


def upload(stack: RunningStack, work: Path) -> dict[str, float]:
    big = work / "big_i2d.fits"
    write_large_image(big, (23_170, 23_170))  # 2.1 GB of float32
    size = big.stat().st_size
    start = time.perf_counter()
    shutil.copyfile(big, work / "copy.fits")
    copy_s = time.perf_counter() - start
    (work / "copy.fits").unlink()
    user = register(stack.url("backend"), "uploader")
    backend = next(
        p
        for p in psutil.Process(stack.proc.pid).children(recursive=True)
        if "serve" in p.cmdline() and "backend" in p.cmdline()
    )
    before = backend.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], backend.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()

    def body():  # type: ignore[no-untyped-def]
        yield (
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="big_i2d.fits"\r\n\r\n'
        )
        with open(big, "rb") as f:
            while chunk := f.read(1024 * 1024):
                yield chunk
        yield b"\r\n--b--\r\n"

    start = time.perf_counter()
    r = user.client.post(
        "/api/records",
        content=body(),
        timeout=600,
        headers={**user.auth, "Content-Type": "multipart/form-data; boundary=b"},
    )
    upload_s = time.perf_counter() - start
    done.set()
    sampler.join()
    assert r.status_code == 201, r.text[:500]
    return {
        "size": size,
        "copy_s": copy_s,
        "upload_s": upload_s,
        "rss_before": before,
        "rss_peak": peak[0],
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="library-bench-") as tmp:
        stack = start_stack(Path(tmp) / "stack", env={"AUTH_RATE_LIMIT_PER_MINUTE": "10000"})
        try:
            small = listing(stack, BASELINE_RECORDS)
            large = listing(stack, N_RECORDS)
            print(
                f"GET /api/records, {REPEATS} requests each, wire-protocol database "
                "(FerretDB over SQLite):"
            )
            print(
                f"  {'query':<16} {N_RECORDS} records p50/p95 ms   "
                f"{BASELINE_RECORDS} records p50/p95 ms   p95 ratio"
            )
            for name in QUERIES:
                a, b = large[name], small[name]
                print(
                    f"  {name:<16} {statistics.median(a) * 1000:8.1f} /{pct(a, 95) * 1000:8.1f}"
                    f"          {statistics.median(b) * 1000:8.1f} /{pct(b, 95) * 1000:8.1f}"
                    f"          x{pct(a, 95) / pct(b, 95):.1f}"
                )
            up = upload(stack, Path(tmp))
            mb = up["size"] / 1e6
            print(
                f"upload of {mb:.0f} MB: {mb / up['upload_s']:.0f} MB/s "
                f"(disk copy baseline {mb / up['copy_s']:.0f} MB/s, "
                f"x{up['copy_s'] / up['upload_s']:.2f}); backend RSS "
                f"{up['rss_before'] / 1e6:.0f} MB -> peak {up['rss_peak'] / 1e6:.0f} MB "
                f"(+{(up['rss_peak'] - up['rss_before']) / 1e6:.0f} MB)"
            )
        finally:
            stop_stack(stack)


if __name__ == "__main__":
    main()
