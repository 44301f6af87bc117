"""Cross-replica lag (issue 17: "a record written by one replica is listed by every replica within
2 s"). Two backend replicas on one database and one data directory, started as the integration
test starts them (`tests.support.cluster.start_replicas`: reconciliation off, so the other
replica learns of each write from the record event log). N records are uploaded one at a time
through replica A; after each upload's answer, replica B's `GET /api/records` is polled (every
10 ms) until it lists the record. The same for a tag edit of each, then a deletion of each.

Target: 2 s for every write (the maximum). Baseline: replica A itself, which lists its own write
in its answer (0 s by construction, so it is not printed); EVENTS_POLL_INTERVAL_S (0.1 s by
default) is the floor of what B can do.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.stats import pct
from tests.support.api import register
from tests.support.cluster import start_replicas
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.wait import seconds_until

N = 50
TARGET_S = 2.0
SIZE = 64


def _row(what: str, lags: list[float]) -> str:
    worst = max(lags)
    verdict = "meets" if worst <= TARGET_S else "MISSES"
    return (
        f"{what:<10} {len(lags):>4} {pct(lags, 50) * 1000:>9.0f} {pct(lags, 95) * 1000:>9.0f} "
        f"{worst * 1000:>9.0f}   {verdict} the {TARGET_S:.0f} s target"
    )


def _lag(probe: Callable[[], set[str]], record_id: str, listed: bool = True) -> float:
    """Seconds until `probe` (replica B's list) has the record, or no longer has it."""
    return seconds_until(probe, lambda got: (record_id in got) == listed, 30.0)


def run(root: Path, n: int = N) -> dict[str, list[float]]:
    files = [
        write_image(
            root / f"replica{i:03d}_i2d.fits",
            gradient(SIZE, SIZE) + i,  # distinct bytes: each upload is a new record
            header=sky_header(SIZE, SIZE),
        )
        for i in range(n)
    ]
    cluster = start_replicas(root / "cluster")
    try:
        url_a, url_b = (f"http://127.0.0.1:{port}" for _, port in cluster.backends)
        on_a = register(url_a, "bench")
        on_b = on_a.on(url_b)
        lags: dict[str, list[float]] = {"created": [], "tagged": [], "deleted": []}
        ids = []
        for path in files:
            r = on_a.upload(path)
            assert r.status_code == 201, r.text
            ids.append(r.json()["items"][0]["record"]["id"])
            lags["created"].append(_lag(on_b.listed, ids[-1]))
        for rid in ids:
            tag = f"t{rid[-6:]}"
            r = on_a.patch(f"/api/records/{rid}", json={"tags": [tag]})
            assert r.status_code == 200, r.text
            lags["tagged"].append(_lag(partial(on_b.listed, tags=tag), rid))
        for rid in ids:
            assert on_a.delete(f"/api/records/{rid}").status_code == 204
            lags["deleted"].append(_lag(on_b.listed, rid, listed=False))
        return lags
    finally:
        cluster.stop()


def main() -> None:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="replica-bench-") as tmp:
        lags = run(Path(tmp))
    print(f"two backend replicas, {N} writes of each kind through A, lag until B lists it")
    print(f"{'write':<10} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for what, values in lags.items():
        print(_row(what, values))
    print(f"({time.perf_counter() - start:.1f} s in all)")


if __name__ == "__main__":
    main()
