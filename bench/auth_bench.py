"""Backend memory under a burst of simultaneous log-ins (issue 12, item 2).

Each argon2id verification takes 64 MiB. A backend process is started per setting of
PASSWORD_HASH_CONCURRENCY; N log-ins are sent at once (unknown names: the dummy-hash check, the
same work as a real one) and the process's peak RSS (VmHWM) is read. Baseline: the same backend
with the bound effectively off (64, as many as the thread pool runs), in the same run.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.cluster import start_cluster

N_LOGINS = 16
SETTINGS = [64, 4, 2, 1]  # the first is the baseline (unbounded in practice)


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _burst(url: str, n: int) -> tuple[float, dict[int, int]]:
    def one(_: int) -> int:
        body = {"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "x" * 16}
        return httpx.post(f"{url}/api/auth/login", json=body, timeout=120).status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        codes = list(pool.map(one, range(n)))
    counts: dict[int, int] = {}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    return time.perf_counter() - start, counts


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="auth-bench-") as tmp:
        cluster = start_cluster(Path(tmp))
        try:
            for concurrency in SETTINGS:
                port = cluster.add_backend(
                    PASSWORD_HASH_CONCURRENCY=str(concurrency), PASSWORD_HASH_QUEUE="1000"
                )
                proc = cluster.backends[-1][0]
                url = f"http://127.0.0.1:{port}"
                idle = _peak_rss_mib(proc.pid)
                seconds, codes = _burst(url, N_LOGINS)
                rows.append((concurrency, idle, _peak_rss_mib(proc.pid), seconds, codes))
                proc.stop()
        finally:
            cluster.stop()
    base = rows[0]
    print(f"{N_LOGINS} simultaneous log-ins, argon2id 64 MiB per hash, one backend process:")
    print("  hashes at once   idle peak MiB   burst peak MiB   x of baseline   burst s   answers")
    for concurrency, idle, peak, seconds, codes in rows:
        label = f"{concurrency} (baseline)" if concurrency == base[0] else str(concurrency)
        print(
            f"  {label:<15} {idle:14.0f} {peak:16.0f} {peak / base[2]:15.2f} "
            f"{seconds:9.2f}   {codes}"
        )


if __name__ == "__main__":
    main()
