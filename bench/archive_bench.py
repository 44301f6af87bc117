"""Archive imports against the MAST-protocol server with its bandwidth throttled.

1. One shared link of a fixed rate: how close does an import of several files (three in
   flight) come to the link's rate? Baseline: the rate itself.
2. Each connection capped (as the real archive serves a few MB/s per download): what do three
   files in flight gain over one at a time? Baseline: MAST_DOWNLOAD_CONCURRENCY=1.
3. The test server's pacing (the archive tests check that throttled downloads arrive whole;
   how close they come to the rate is measured here). Baseline: the configured rate.
4. How soon the archive client gives up: an archive that answers EXECUTING forever against
   `deadline_s`, an answer slower than `timeout_s` against `timeout_s`, and an answer 300 ms
   slow within the timeout against the same search without the delay."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.api import ApiUser, register
from tests.support.stack import start_stack, stop_stack
from webbscope.devstack.mast_server import MastServer
from webbscope.errors import UpstreamTimeout
from webbscope.mast import ArchiveClient

RATE = 4_000_000  # bytes per second on the archive's link
PER_CONNECTION = 1_000_000  # bytes per second per download in the second scenario
OBSERVATIONS = [
    "jw02731-o001_t017_nircam_clear-f090w",
    "jw02731-o001_t017_nircam_clear-f200w",
    "jw02731-o001_t017_nircam_clear-f444w",
    "jw02732-o001_t101_nircam_clear-f200w",
    "jw02732-o002_t101_nircam_clear-f200w",
]


CUBE = "jw02731-o003_t017_nirspec_g395m-f290lp_s3d.fits"  # several MB at any demo size


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def pacing(archive: MastServer) -> dict[str, float]:
    """Measured rate / configured rate, for one paced download and for a shared link."""
    out: dict[str, float] = {}
    with ArchiveClient(archive.url, timeout_s=30, cache_ttl_s=0) as client:
        url = client.download_url(f"mast:JWST/product/{CUBE}")

        def fetch(i: int) -> int:
            return sum(len(c) for c in client.download_range(url, i * 1000, i * 1000 + 1_000_000))

        archive.set_faults([{"paths": ["/api/v0.1/Download"], "throttle_bps": 1_000_000}])
        out["one download at 1 MB/s"] = 1_000_000 / _seconds(lambda: fetch(0)) / 1e6
        archive.set_faults([{"paths": ["/api/v0.1/Download"], "throttle_total_bps": 2_000_000}])
        with ThreadPoolExecutor(3) as pool:
            shared = _seconds(lambda: sum(pool.map(fetch, range(3))))
        out["three downloads sharing 2 MB/s"] = 3_000_000 / shared / 2e6
    archive.clear_faults()
    return out


def give_up(archive: MastServer) -> dict[str, tuple[float, float]]:
    """(measured seconds, the bound it is compared with) for each failure."""

    def timed_out(client: ArchiveClient) -> None:
        try:
            client.search_program("2731")
        except UpstreamTimeout:
            return
        raise AssertionError("the search should have timed out")

    out: dict[str, tuple[float, float]] = {}
    with ArchiveClient(archive.url, timeout_s=5.0, cache_ttl_s=0) as c:
        c.search_program("2732", page_size=500)  # warm: column configuration, connections
        base = _seconds(lambda: c.search_program("2732", page_size=500))
        archive.set_faults([{"paths": ["/api/v0/invoke"], "latency_ms": 300, "count": 1}])
        slow = _seconds(lambda: c.search_program("2732", page_size=500))
        out["300 ms slower answer, delay added"] = (slow - base, 0.3)
    archive.set_faults([{"paths": ["/api/v0/invoke"], "executing": 1_000_000_000}])
    with ArchiveClient(archive.url, timeout_s=2.0, deadline_s=1.0, cache_ttl_s=0) as c:
        out["EXECUTING forever, deadline_s=1"] = (_seconds(lambda: timed_out(c)), 1.0)
    archive.set_faults([{"paths": ["/api/v0/invoke"], "latency_ms": 2500, "count": 1}])
    with ArchiveClient(archive.url, timeout_s=1.0, cache_ttl_s=0) as c:
        out["2.5 s answer, timeout_s=1"] = (_seconds(lambda: timed_out(c)), 1.0)
    archive.clear_faults()
    return out


def _obsids(user: ApiUser) -> list[str]:
    out = []
    for obs_id in OBSERVATIONS:
        r = user.post("/api/mast/search", json={"mode": "observation", "obs_id": obs_id})
        out.append(r.json()["items"][0]["obsid"])
    return out


def run_import(user: ApiUser, obsids: list[str]) -> dict[str, Any]:
    job = user.post("/api/mast/import", json={"obsids": obsids}).json()
    first_byte = None
    start = time.perf_counter()
    while True:
        j = user.get(f"/api/jobs/{job['id']}").json()
        if first_byte is None and (j["progress"].get("bytes_done") or 0) > 0:
            first_byte = time.perf_counter()
        if j["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.05)
    assert j["status"] == "succeeded", j
    return {
        "bytes": j["result"]["downloaded_bytes"],
        "files": j["result"]["files"],
        "total_s": time.perf_counter() - start,
    }


def measure(
    archive: MastServer, concurrency: int, root: Path, fault: dict[str, Any]
) -> dict[str, Any]:
    stack = start_stack(
        root,
        env={
            "MAST_SERVER_URL": archive.url,
            "MAST_DOWNLOAD_CONCURRENCY": str(concurrency),
            "MAST_SEARCH_RATE_PER_MINUTE": "1000",
        },
    )
    try:
        user = register(stack.url("backend"), "importer")
        obsids = _obsids(user)
        archive.set_faults([{"paths": ["/api/v0.1/Download"], "methods": ["GET"], **fault}])
        return run_import(user, obsids)
    finally:
        archive.clear_faults()
        stop_stack(stack)


def main() -> None:
    shared = {"throttle_total_bps": RATE}
    capped = {"throttle_bps": PER_CONNECTION}
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        root = Path(tmp)
        archive = MastServer(root / "archive", size=1024, log_path=root / "archive.log")
        try:
            archive.wait_ready(archive.answers, timeout=300)
            paced = pacing(archive)
            failures = give_up(archive)
            link = measure(archive, 3, root / "a", shared)
            one = measure(archive, 1, root / "b", capped)
            three = measure(archive, 3, root / "c", capped)
        finally:
            archive.stop()
    print(
        f"import of {len(OBSERVATIONS)} observations ({link['files']} files, "
        f"{link['bytes'] / 1e6:.1f} MB; whole job: listing, download, checks, records):"
    )
    rate = link["bytes"] / link["total_s"]
    print(
        f"  shared link of {RATE / 1e6:.1f} MB/s, 3 files in flight: {rate / 1e6:.2f} MB/s "
        f"= {rate / RATE:.0%} of the link"
    )
    r1, r3 = one["bytes"] / one["total_s"], three["bytes"] / three["total_s"]
    print(
        f"  {PER_CONNECTION / 1e6:.1f} MB/s per connection: 1 in flight {r1 / 1e6:.2f} MB/s, "
        f"3 in flight {r3 / 1e6:.2f} MB/s (x{r3 / r1:.2f})"
    )
    print("test server pacing (measured rate / configured rate):")
    for name, ratio in paced.items():
        print(f"  {name}: x{ratio:.2f}")
    print("giving up on a failing archive (measured / bound):")
    for name, (seconds, bound) in failures.items():
        print(f"  {name}: {seconds:.2f} s / {bound:.2f} s = x{seconds / bound:.2f}")


if __name__ == "__main__":
    main()
