"""Archive imports against the MAST-protocol server with its bandwidth throttled.

1. One shared link of a fixed rate: how close does an import of several files (three in
   flight) come to the link's rate? Baseline: the rate itself.
2. Each connection capped (as the real archive serves a few MB/s per download): what do three
   files in flight gain over one at a time? Baseline: MAST_DOWNLOAD_CONCURRENCY=1."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.api import ApiUser, register
from tests.support.stack import start_stack, stop_stack
from webbscope.devstack.mast_server import MastServer

RATE = 4_000_000  # bytes per second on the archive's link
PER_CONNECTION = 1_000_000  # bytes per second per download in the second scenario
OBSERVATIONS = [
    "jw02731-o001_t017_nircam_clear-f090w",
    "jw02731-o001_t017_nircam_clear-f200w",
    "jw02731-o001_t017_nircam_clear-f444w",
    "jw02732-o001_t101_nircam_clear-f200w",
    "jw02732-o002_t101_nircam_clear-f200w",
]


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


if __name__ == "__main__":
    main()
