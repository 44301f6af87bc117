"""Archive imports: with the MAST-protocol server throttled to a fixed rate (one shared link),
how close does an import of several files come to that rate?

Baselines, in the same run: the link's rate itself, and the same import with one file at a
time (MAST_DOWNLOAD_CONCURRENCY=1)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.api import ApiUser, register
from tests.support.stack import start_stack, stop_stack
from webbscope.devstack.mast_server import MastServer

RATE = 4_000_000  # bytes per second on the archive's link
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


def measure(concurrency: int, root: Path) -> dict[str, Any]:
    archive = MastServer(root / "archive", size=1024, log_path=root / f"archive{concurrency}.log")
    archive.wait_ready(archive.answers, timeout=300)
    stack = start_stack(
        root / f"stack{concurrency}",
        env={
            "MAST_SERVER_URL": archive.url,
            "MAST_DOWNLOAD_CONCURRENCY": str(concurrency),
            "MAST_SEARCH_RATE_PER_MINUTE": "1000",
        },
    )
    try:
        user = register(stack.url("backend"), "importer")
        obsids = _obsids(user)
        httpx.post(
            f"{archive.url}/_faults",
            json={"paths": ["/api/v0.1/Download"], "methods": ["GET"], "throttle_total_bps": RATE},
        )
        return run_import(user, obsids)
    finally:
        stop_stack(stack)
        archive.stop()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        results = {c: measure(c, Path(tmp)) for c in (3, 1)}
    print(
        f"import of {len(OBSERVATIONS)} observations, archive link throttled to "
        f"{RATE / 1e6:.1f} MB/s:"
    )
    for c, r in results.items():
        rate = r["bytes"] / r["total_s"]
        print(
            f"  {c} file(s) in flight: {r['files']} files, {r['bytes'] / 1e6:.1f} MB in "
            f"{r['total_s']:.1f} s = {rate / 1e6:.2f} MB/s = {rate / RATE:.0%} of the link "
            "(whole job: listing, download, checks, records)"
        )


if __name__ == "__main__":
    main()
