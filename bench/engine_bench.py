"""The engine's viewer routes through the real HTTP stack (`webbscope up`: backend in front of
the engine), on a 4096 x 4096 float32 image uploaded as a record, and a 10 GB image.

Measured, each against its baseline in the same run:

- one tile, file already open: server time (the engine's `Server-Timing`: the render itself,
  and the whole engine handler) and client time (through the backend), fresh renders only
  (every request is a tile or rendering not asked before). Baseline: the plotting-library
  preview path of the system Webbscope is modelled on (`bench.imaging_bench.baseline_preview`,
  ~0.6 s), run in this process on the same file;
- first view: image-info of a file the engine has never opened (open, checks, statistics,
  histogram) plus the 16 tiles of the first screen (level 2, six at a time like a browser),
  once with f16 tiles (the WebGL viewer) and once with WebP (the 2-D fallback), each on a
  fresh upload, on running services (they have shown another file before). Baseline: the
  same preview path;
- display limits: a tile with an interval not seen before (sampled limits + render), server
  time; in-process `display_limits` (sampled) too. Baseline: exact percentiles
  (`np.nanpercentile` over every pixel);
- 50 concurrent tile clients (asyncio + httpx on loopback, a fixed number of requests each, a
  viewer's mix of levels and renderings): errors, p50/p95. Baseline: one client, same mix;
- a 10 GB float32 image (a sparse file: headers only on disk) viewed (image-info, histogram,
  level-0 / middle / full-resolution tiles, pixels) with the engine's resident memory sampled
  throughout (psutil). Limit: 4 GB.

Usage: ``python -m bench engine_bench`` (about 2 minutes) or ``python bench/engine_bench.py
[--tiles N] [--clients N] [--per-client N] [--no-huge]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

from bench.imaging_bench import baseline_preview
from bench.stats import pct
from tests.support.api import ApiUser, register
from tests.support.fits_files import sky_header, write_sparse
from tests.support.records import add_local_record
from tests.support.stack import RunningStack, start_stack, stop_stack
from webbscope.demo import write_large_image
from webbscope.fits import FitsLimits, open_fits
from webbscope.imaging import Interval, display_limits, hdu_image

SIZE = 4096
HUGE_SIDE = 50_000  # 50000^2 float32 = 10.0 GB
CMAPS = ["gray", "viridis", "inferno", "magma", "plasma", "cividis", "hot", "cool", "turbo"]
STRETCHES = ["linear", "log", "sqrt", "asinh", "squared", "sinh", "power"]
_DUR = re.compile(r"(\w+);dur=([0-9.]+)")


def timing(r: httpx.Response) -> dict[str, float]:
    """The engine's Server-Timing durations (ms) by name: render, engine."""
    return {
        m.group(1): float(m.group(2)) for m in _DUR.finditer(r.headers.get("server-timing", ""))
    }


def engine_process(stack: RunningStack) -> psutil.Process:
    for child in psutil.Process(stack.proc.proc.pid).children(recursive=True):
        if "serve" in child.cmdline() and "engine" in child.cmdline():
            return child
    raise RuntimeError("the engine process of the stack was not found")


def upload(user: ApiUser, directory: Path, seed: int) -> str:
    path = directory / f"bench{seed}_i2d.fits"
    write_large_image(path, (SIZE, SIZE), np.float32, seed=seed)
    r = user.upload(path)
    assert r.status_code == 201, r.text
    path.unlink()
    return str(r.json()["items"][0]["record"]["id"])


def tile_paths(rid: str, n: int, rng: random.Random, fresh: bool, cmap: str = "gray") -> list[str]:
    """`n` tile requests over all levels. With `fresh` no two share a rendering (every one is
    rendered); else a viewer's mix: 70 % f16 tiles (what the WebGL viewer asks for), 30 %
    WebP tiles with one rendering (the 2-D fallback), so viewers of one image share tiles."""
    levels = 5  # 4096 px: levels 0-4
    out = []
    for i in range(n):
        level = rng.randrange(levels)
        side = 1 << level
        x, y = rng.randrange(side), rng.randrange(side)
        if fresh:
            name, stretch = CMAPS[i % len(CMAPS)], STRETCHES[(i // 9) % 7]
            fmt = ("png", "webp", "jpg")[i % 3]
            q = f"?cmap={name}&stretch={stretch}&contrast={1 + i / 1000}"
        elif rng.random() < 0.7:
            fmt, q = "f16", ""
        else:
            fmt, q = "webp", f"?stretch=asinh&interval=99.5&cmap={cmap}"
        out.append(f"/api/records/{rid}/tiles/{level}/{x}/{y}.{fmt}{q}")
    return out


def single_tiles(user: ApiUser, rid: str, n: int) -> dict[str, list[float]]:
    rng = random.Random(1)
    user.get(f"/api/records/{rid}/image-info")
    user.get(f"/api/records/{rid}/tiles/0/0/0.png")  # the file is open, the view cached
    out: dict[str, list[float]] = {"render": [], "engine": [], "client": [], "cached": []}
    for path in tile_paths(rid, n, rng, fresh=True):
        t0 = time.perf_counter()
        r = user.get(path)
        out["client"].append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
        st = timing(r)
        out["render"].append(st["render"])
        out["engine"].append(st["engine"])
    for path in tile_paths(rid, n, random.Random(1), fresh=True)[: n // 2]:
        t0 = time.perf_counter()
        assert user.get(path).status_code == 200
        out["cached"].append((time.perf_counter() - t0) * 1000)
    return out


def warm(user: ApiUser, rid: str) -> None:
    for path in ("image-info", "tiles/0/0/0.f16", "tiles/0/0/0.webp", "pixel?x=1&y=1"):
        assert user.get(f"/api/records/{rid}/{path}").status_code == 200


async def _first_view(base: str, token: str, rid: str, fmt: str) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=6)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:
        t0 = time.perf_counter()
        info = await c.get(f"/api/records/{rid}/image-info")
        assert info.status_code == 200, info.text
        t1 = time.perf_counter()
        q = "" if fmt == "f16" else "?stretch=asinh&interval=99.5&cmap=gray"
        tiles = await asyncio.gather(
            *(
                c.get(f"/api/records/{rid}/tiles/2/{x}/{y}.{fmt}{q}")
                for y in range(4)
                for x in range(4)
            )
        )
        t2 = time.perf_counter()
    assert all(t.status_code == 200 for t in tiles)
    return {"total": (t2 - t0) * 1000, "info": (t1 - t0) * 1000, "tiles": (t2 - t1) * 1000}


def limits_server(user: ApiUser, rid: str, n: int = 12) -> list[float]:
    """Server time of a tile whose interval was never asked for: sampled limits + render."""
    out = []
    for i in range(n):
        r = user.get(f"/api/records/{rid}/tiles/0/0/0.jpg?interval={97 + i / 7:.4f}")
        assert r.status_code == 200, r.text
        out.append(timing(r)["render"])
    return out


async def _clients(
    base: str, headers: dict[str, str], paths: list[list[str]]
) -> tuple[list[float], list[str], float]:
    """One client per list of paths, all at once, each request after the previous answer."""
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    latencies: list[float] = []
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:

        async def one(mine: list[str]) -> None:
            for path in mine:
                t0 = time.perf_counter()
                try:
                    r = await c.get(path)
                    if r.status_code != 200:
                        errors.append(f"HTTP {r.status_code}: {r.text[:120]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                latencies.append((time.perf_counter() - t0) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(one(mine) for mine in paths))
        wall = time.perf_counter() - start
    return latencies, errors, wall


WRK_SECONDS = 15
WRK_WARMUP_SECONDS = 10
_WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Authorization"] = "Bearer %s"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%d %%d %%.3f %%.3f %%.3f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def wrk_clients(
    base: str,
    token: str,
    paths: list[list[str]],
    workdir: Path,
    seconds: int = WRK_SECONDS,
    warmup: int = WRK_WARMUP_SECONDS,
) -> dict[str, float]:
    """The same requests from wrk (a load generator in C, so the Python client's CPU does
    not compete with the services on the two cores): one connection per client, each request
    after the previous answer, the list cycled. A first, unmeasured run renders every tile of
    the set once; the measured run is many viewers on tiles already rendered (the Python run
    above measures the cold start)."""
    flat = [p for mine in paths for p in mine]
    script = workdir / "tiles.lua"
    script.write_text(_WRK_SCRIPT % (", ".join(f'"{p}"' for p in flat), token))

    def run(seconds: int) -> str:
        return subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{len(paths)}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout

    run(warmup)  # every tile of the set rendered once (not measured)
    out = run(seconds)
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK "))
    n, errors, bad, p50, p95, p99 = line.split()[1:]
    return {
        "requests": int(n),
        "errors": int(errors) + int(bad),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "rate": int(n) / seconds,
        "seconds": seconds,
    }


_WRK_COLD = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local function now()  -- CLOCK_MONOTONIC, seconds
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end
paths = {%s}
local threads = {}
setup = function(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end
init = function(args)
  n = 0
  answered = 0
  started = now()
  ended = 0
  -- with `once`, this thread stops when its share of answers is in: its half of the list,
  -- less one request per connection, so the requests in flight at that moment are new tiles
  -- too (nothing is asked twice); it then leaves a mark for the caller, which ends the run
  share = math.floor(#paths / 2) - %d
end
request = function()
  -- this thread's half of the list, in order (cycled when the run outlasts it)
  local i = (first + n * 2) %% #paths + 1
  n = n + 1
  return wrk.format("GET", paths[i], {["Authorization"] = "Bearer %s"})
end
response = function(status, headers, body)
  answered = answered + 1
  if %s and answered == share then
    ended = now()
    io.open("%s." .. first, "w"):close()
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local took = summary.duration / 1e6
  local t0, t1 = math.huge, 0
  for _, t in ipairs(threads) do
    t0 = math.min(t0, t:get("started"))
    t1 = math.max(t1, t:get("ended"))
  end
  if t1 > 0 then took = t1 - t0 end
  io.write(string.format("WRK %%d %%d %%d %%d %%d %%d %%.3f %%.3f %%.3f %%.6f\\n", summary.requests,
    e.connect, e.read, e.write, e.timeout, e.status, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, took))
end
"""


def wrk_once(
    base: str,
    token: str,
    paths: list[str],
    workdir: Path,
    clients: int,
    seconds: int,
    once: bool = False,
) -> dict[str, Any]:
    """wrk (the C load generator) with `clients` connections walking `paths` in order, each
    request after the previous answer, for `seconds`; with `once`, one pass over the list and
    no more (`seconds` is then only a limit: the run ends when both threads have their share),
    so that every request of a list of distinct tiles is a cold one. Errors by kind: connect,
    read, write, timeout (30 s) and non-2xx statuses."""
    script = workdir / f"once-{len(paths)}-{time.monotonic_ns()}.lua"
    marks = script.with_suffix(".done")
    per_thread = -(-clients // 2)
    joined = ", ".join(f'"{p}"' for p in paths)
    script.write_text(_WRK_COLD % (joined, per_thread, token, str(once).lower(), marks))
    cmd = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    proc = subprocess.Popen([*cmd, base], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + seconds + 120
    while once and proc.poll() is None and time.monotonic() < deadline:
        if all(Path(f"{marks}.{i}").exists() for i in range(2)):
            proc.send_signal(signal.SIGINT)  # wrk ends the run and reports at once
            break
        time.sleep(0.05)
    out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out}")
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK "))
    n, conn, read, write, tmo, status, p50, p95, p99, took = line.split()[1:]
    kinds = {"connect": int(conn), "read": int(read), "write": int(write), "timeout": int(tmo)}
    kinds["status"] = int(status)
    return {
        "requests": int(n),
        "listed": len(paths),
        "errors": sum(kinds.values()),
        "kinds": kinds,
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "rate": int(n) / float(took),
        "seconds": float(took),
    }


#: The cold passes: the WebGL viewer's f16 tiles, and one WebP rendering (the 2-D viewer's).
COLD_FORMATS = {"f16": "f16", "webp": "webp?stretch=asinh&interval=99.5&cmap=gray"}


def cold_paths(rids: list[str], seed: int, fmt: str) -> list[str]:
    """Every tile of the records (levels 0-4) in one format of `COLD_FORMATS`, each once, in
    a seeded random order: a list on which no request is asked twice."""
    out = [
        f"/api/records/{rid}/tiles/{level}/{x}/{y}.{COLD_FORMATS[fmt]}"
        for rid in rids
        for level in range(5)
        for x in range(1 << level)
        for y in range(1 << level)
    ]
    random.Random(seed).shuffle(out)
    return out


def client_paths(rid: str, clients: int, per_client: int, cmap: str) -> list[list[str]]:
    return [
        tile_paths(rid, per_client, random.Random(1000 + i), fresh=False, cmap=cmap)
        for i in range(clients)
    ]


def engine_paths(
    paths: list[list[str]], rid: str, doc: dict[str, Any], owner_id: str
) -> list[list[str]]:
    """The same requests as the backend passes them to the engine."""
    prefix = f"/api/records/{rid}/"
    key = f"uploads/{owner_id}/{doc['sha256']}.fits"  # where uploads are stored
    ref = f"key={key}&file_size={doc['size']}"
    return [
        [
            f"/internal/images/{doc['sha256']}/{p.removeprefix(prefix)}"
            + ("&" if "?" in p else "?")
            + ref
            for p in mine
        ]
        for mine in paths
    ]


def _anon(pid: int) -> int:
    """Anonymous resident memory of a process (bytes): what no memory limit can reclaim,
    unlike the clean file pages a memory map makes resident (which RSS also counts)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    return 0


class RssSampler:
    """The peak resident memory of a process (with `tree`, of it and all its children: the
    engine's job processes), sampled every 20 ms in a thread; `anon_peak` is the peak of
    their anonymous memory alone."""

    def __init__(self, proc: psutil.Process, tree: bool = False) -> None:
        self.proc = proc
        self.tree = tree
        self.anon = 0
        self.peak = self._rss()
        self.anon_peak = self.anon
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = self.proc.memory_info().rss
        anon = _anon(self.proc.pid)
        if self.tree:
            for child in self.proc.children(recursive=True):
                try:
                    total += child.memory_info().rss
                    anon += _anon(child.pid)
                except (psutil.Error, OSError):  # ended between the listing and the reading
                    pass
        self.anon = anon
        return int(total)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, self._rss())
                self.anon_peak = max(self.anon_peak, self.anon)
            except (psutil.Error, OSError):
                pass

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def huge_view(stack: RunningStack, user: ApiUser) -> dict[str, Any]:
    staging = stack.data_dir / ".bench"
    staging.mkdir(exist_ok=True)
    path = write_sparse(
        staging / "huge_i2d.fits", HUGE_SIDE, header=sky_header(HUGE_SIDE, HUGE_SIDE)
    )
    gigabytes = path.stat().st_size / 1e9
    rid = add_local_record(stack, user.id, path, "huge_i2d.fits")
    engine = engine_process(stack)
    before = engine.memory_info().rss
    steps: dict[str, float] = {}
    with RssSampler(engine) as rss:

        def step(name: str, path: str) -> None:
            t0 = time.perf_counter()
            r = user.get(f"/api/records/{rid}/{path}")
            assert r.status_code == 200, (path, r.text[:300])
            steps[name] = (time.perf_counter() - t0) * 1000

        step("image-info", "image-info")
        step("histogram", "histogram?bins=512")
        step("tile level 0", "tiles/0/0/0.png")
        step("tile level 4 (middle)", "tiles/4/3/5.png")
        step("tile level 8 (full)", "tiles/8/100/90.png")
        step("f16 tile full", "tiles/8/101/90.f16")
        step("pixel", "pixel?x=25000&y=25000")
        step("preview 512", "preview?size=512")
    return {
        "gigabytes": gigabytes,
        "rss_before_mb": before / 2**20,
        "rss_peak_mb": rss.peak / 2**20,
        "steps": steps,
    }


def baseline(stack_file: Path, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """The preview baseline, sampled limits and exact percentiles, in this process."""
    with open_fits(stack_file, FitsLimits()) as hdul:
        data = hdu_image(hdul["SCI"])
        baseline_preview(data)  # warm
        preview = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            baseline_preview(data)
            preview.append((time.perf_counter() - t0) * 1000)
        sampled, exact = [], []
        for _ in range(10):
            t0 = time.perf_counter()
            display_limits(data, Interval.percentile(99.5))
            sampled.append((time.perf_counter() - t0) * 1000)
        for _ in range(repeat):
            t0 = time.perf_counter()
            np.nanpercentile(np.asarray(data), [0.25, 99.75])
            exact.append((time.perf_counter() - t0) * 1000)
    return preview, sampled, exact


def run(tiles: int, clients: int, per_client: int, huge: bool, repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as tmp:
        stack = start_stack(
            Path(tmp) / "stack",
            env={
                "MAX_ARRAY_ELEMENTS": "3000000000",
                "AUTH_RATE_LIMIT_PER_MINUTE": "10000",
                "WORKER_CONCURRENCY": "0",  # no thumbnail jobs competing for the two cores
                # Many viewers, one bench account: the per-account share is not measured here.
                "CALLER_CONCURRENCY": "1000",
                "LOG_LEVEL": "WARNING",
            },
        )
        try:
            user = register(stack.url("backend"), "bench")
            assert user.token is not None
            base = stack.url("backend")
            rid = upload(user, Path(tmp), 7)
            fresh_f16, fresh_webp = upload(user, Path(tmp), 8), upload(user, Path(tmp), 9)
            # A running system: the services have answered a viewer before (another file),
            # so "first view" is that of a new file, not of a new process.
            warm(user, rid)
            results["first_view_f16"] = asyncio.run(_first_view(base, user.token, fresh_f16, "f16"))
            results["first_view_webp"] = asyncio.run(
                _first_view(base, user.token, fresh_webp, "webp")
            )
            results["single"] = single_tiles(user, rid, tiles)
            results["limits_server"] = limits_server(user, rid)
            auth = {"Authorization": f"Bearer {user.token}"}
            doc = user.get(f"/api/records/{rid}").json()
            # Each run starts from cold rendered tiles (its own colour map); f16 tiles are
            # shared by all renderings, as in the viewer.
            one = client_paths(rid, 1, per_client, "viridis")
            many = client_paths(rid, clients, per_client, "gray")
            results["one_client"] = asyncio.run(_clients(base, auth, one))
            results["many_clients"] = asyncio.run(_clients(base, auth, many))
            if shutil.which("wrk"):
                wrk_paths = client_paths(rid, clients, per_client, "cividis")
                results["wrk"] = wrk_clients(base, user.token, wrk_paths, Path(tmp))
            # The same load straight at the engine (as the backend calls it), on a fresh
            # rendering (new tiles, not the cache the run above filled).
            direct = {"X-Service-Token": stack.service_token}
            again = client_paths(rid, clients, per_client, "magma")
            results["engine_clients"] = asyncio.run(
                _clients(stack.url("engine"), direct, engine_paths(again, rid, doc, user.id))
            )
            results["clients"] = clients
            stored = stack.data_dir / f"uploads/{user.id}/{doc['sha256']}.fits"
            results["baseline"], results["sampled"], results["exact"] = baseline(stored, repeat)
            if huge:
                results["huge"] = huge_view(stack, user)
        finally:
            stop_stack(stack)
    return results


# -- issue 18: the stored pyramid -------------------------------------------------------------

BIG_SIDE = 23_170  # 23170^2 float32 = 2.15 GB
#: Files per side of the cold run: 682 distinct tiles each (341 positions, f16 and WebP).
COLD_FILES = 12


def _job_of(user: ApiUser, job_type: str, rid: str) -> dict[str, Any] | None:
    items = user.get("/api/jobs", params={"type": job_type, "limit": 200}).json()["items"]
    found = [j for j in items if j["params"].get("record_id") == rid]
    return found[0] if found else None


def wait_job(user: ApiUser, job_type: str, rid: str, timeout: float = 1800) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job_of(user, job_type, rid)
        if job is not None and job["status"] in ("succeeded", "failed", "cancelled"):
            assert job["status"] == "succeeded", job
            return job
        time.sleep(0.25)
    raise TimeoutError(f"the {job_type} job of {rid} did not finish in {timeout} s")


def _job_seconds(job: dict[str, Any]) -> float:
    from datetime import datetime

    started = datetime.fromisoformat(job["started_at"])
    finished = datetime.fromisoformat(job["finished_at"])
    return (finished - started).total_seconds()


def pyramid_job_run(
    stack: RunningStack, user: ApiUser, rid: str, queue_it: bool = False
) -> dict[str, Any]:
    """Wait for the record's pyramid job (queueing it first for records made directly in
    storage) with the engine's memory (the service and its job processes) sampled."""
    engine = engine_process(stack)
    with RssSampler(engine, tree=True) as rss:
        before, anon_before = rss.peak, rss.anon
        if queue_it:
            asyncio.run(_queue_pyramid(stack, user.id, rid))
        job = wait_job(user, "pyramid", rid)
    return {
        "job_s": _job_seconds(job),
        "build_s": float(job["result"]["seconds"]),
        "stored_mb": job["result"]["bytes"] / 2**20,
        "packs_mb": sum(p["bytes"] for p in job["result"]["packs"].values()) / 2**20,
        "rss_before_mb": before / 2**20,
        "rss_peak_mb": rss.peak / 2**20,
        "anon_before_mb": anon_before / 2**20,
        "anon_peak_mb": rss.anon_peak / 2**20,
    }


async def _queue_pyramid(stack: RunningStack, owner_id: str, rid: str) -> None:
    from webbscope.db import Database
    from webbscope.jobs.queue import JobQueue
    from webbscope.library.derived import queue_pyramid

    db = Database(stack.mongodb_uri, "webbscope")
    try:
        await queue_pyramid(JobQueue(db), owner_id, rid)
    finally:
        await db.close()


def pyramid_bench(
    clients: int, per_client: int, many: int, wrk_seconds: int, big: bool
) -> dict[str, Any]:
    """Issue 18, in one stack with its job worker on: the pyramid job's time and memory (a
    4096^2 upload, and a ~2 GB image), cold tiles of a file whose pyramid is built against
    the same tiles of a file without one (today's on-request path), and `many` viewers on
    tiles already rendered (wrk). Every load run reports its errors."""
    out: dict[str, Any] = {"clients": clients, "many": many}
    with tempfile.TemporaryDirectory(prefix="pyramid-bench-") as tmp:
        stack = start_stack(
            Path(tmp) / "stack",
            env={
                "MAX_ARRAY_ELEMENTS": "3000000000",
                "MAX_FITS_BYTES": str(8 * 1024**3),
                "AUTH_RATE_LIMIT_PER_MINUTE": "10000",
                # Many viewers, one bench account: the per-account share is not measured here.
                "CALLER_CONCURRENCY": "1000",
                "LOG_LEVEL": "WARNING",
            },
        )
        try:
            user = register(stack.url("backend"), "pyr")
            assert user.token is not None
            base = stack.url("backend")
            auth = {"Authorization": f"Bearer {user.token}"}
            with_levels = upload(user, Path(tmp), 7)
            out["job_4096"] = pyramid_job_run(stack, user, with_levels)
            # Cold tiles: every tile of COLD_FILES files, once each, from wrk; COLD_FILES more
            # files of the same size are the baseline, their stored pyramids removed before
            # any tile of them was asked for, so the engine downsamples on request (the path
            # before the job).
            built = [with_levels] + [upload(user, Path(tmp), 20 + i) for i in range(COLD_FILES - 1)]
            bare = [upload(user, Path(tmp), 40 + i) for i in range(COLD_FILES)]
            for rid in built + bare:
                wait_job(user, "pyramid", rid)
                wait_job(user, "thumbnail", rid)
            for rid in bare:
                sha = user.get(f"/api/records/{rid}").json()["sha256"]
                shutil.rmtree(stack.data_dir / "tiles" / sha / "pyramid")
            limit = wrk_seconds * 12

            def cold(rids: list[str], fmt: str) -> dict[str, Any]:
                # As a viewer opening each record does: image-info first (the file opened,
                # its statistics, the caller's access to it remembered), then the tiles.
                for rid in rids:
                    assert user.get(f"/api/records/{rid}/image-info").status_code == 200
                paths = cold_paths(rids, 1, fmt)
                return wrk_once(base, user.token, paths, Path(tmp), clients, limit, True)

            for fmt in COLD_FORMATS:
                out[f"cold_on_request_{fmt}"] = cold(bare, fmt)
                out[f"cold_pyramid_{fmt}"] = cold(built, fmt)
            # Many viewers on tiles already rendered: every tile of the set asked once first
            # (8 at a time, not measured), then wrk cycling over the set.
            warm = client_paths(with_levels, many, per_client, "viridis")
            unique = sorted({p for mine in warm for p in mine})
            _, pre_errors, _ = asyncio.run(_clients(base, auth, [unique[i::8] for i in range(8)]))
            out["prerender_errors"] = len(pre_errors)
            out["wrk_many"] = wrk_once(
                base,
                user.token,
                [p for mine in warm for p in mine],
                Path(tmp),
                many,
                wrk_seconds,
            )
            if big:
                path = write_large_image(
                    stack.data_dir / ".bench" / "big_i2d.fits", (BIG_SIDE, BIG_SIDE), seed=3
                )
                out["big_gb"] = path.stat().st_size / 1e9
                rid = add_local_record(stack, user.id, path, "big_i2d.fits")
                out["job_big"] = pyramid_job_run(stack, user, rid, queue_it=True)
        finally:
            stop_stack(stack)
    return out


def pyramid_report(r: dict[str, Any]) -> str:
    lines = [
        "Issue 18: stored pyramid, through the real stack (backend -> engine on loopback), "
        "2-core machine; load from wrk on the same machine.",
        "",
        _row("measure", "ours p50 / p95", "baseline p95", "ratio", "target"),
        _row("-" * 46, "-" * 19, "-" * 14, "-" * 8, "-" * 14),
    ]

    def kinds(w: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in w["kinds"].items())

    names = {"f16": "f16 (WebGL viewer)", "webp": "WebP (2-D viewer)"}
    for fmt in COLD_FORMATS:
        b, c = r[f"cold_on_request_{fmt}"], r[f"cold_pyramid_{fmt}"]
        lines.append(
            _row(
                f"cold {names[fmt]}: {r['clients']} clients, pyramid",
                f"{c['p50']:7.1f} / {c['p95']:7.1f} ms",
                f"{b['p95']:9.1f} ms",
                f"{b['p95'] / max(c['p95'], 1e-3):6.1f}x",
                "p95 < 100 ms, 0 errors",
            )
        )
        for name, w in (("pyramid", c), ("baseline, on request (same tiles, no pyramid)", b)):
            lines.append(
                f"    {name}: {w['requests']} requests of {w['listed']} listed in "
                f"{w['seconds']:.1f} s, {w['rate']:.0f} tiles/s, p50 {w['p50']:.1f} ms, "
                f"p95 {w['p95']:.1f} ms, p99 {w['p99']:.1f} ms, {w['errors']} errors "
                f"({kinds(w)})"
            )
    c = r["cold_pyramid_f16"]
    if "wrk_many" in r:
        w = r["wrk_many"]
        lines.append(
            _row(
                f"{r['many']} clients, rendered tiles (wrk)",
                f"{w['p50']:7.1f} / {w['p95']:7.1f} ms",
                f"{c['p95']:9.1f} ms",
                f"{c['p95'] / max(w['p95'], 1e-3):6.1f}x",
                "p95 < 150 ms, 0 errors",
            )
        )
        lines.append(
            f"    {w['requests']} requests in {w['seconds']} s, {w['rate']:.0f} tiles/s, p99 "
            f"{w['p99']:.1f} ms, {w['errors']} errors ({kinds(w)}); pre-render "
            f"{r['prerender_errors']} errors (baseline column: the cold pyramid run's p95)"
        )
    for key, label in (("job_4096", f"{SIZE}^2 float32 (64 MB)"), ("job_big", "big")):
        if key not in r:
            continue
        j = r[key]
        if key == "job_big":
            label = f"{BIG_SIDE}^2 float32 ({r['big_gb']:.2f} GB)"
        lines.append(
            _row(
                f"pyramid job, {label}",
                f"{j['job_s']:9.1f} s",
                f"{j['rss_peak_mb']:9.0f} MB",
                f"{4096 / j['rss_peak_mb']:6.1f}x",
                "peak < 4096 MB",
            )
        )
        lines.append(
            f"    build in the job process {j['build_s']:.1f} s, {j['stored_mb']:.0f} MB of "
            f"levels and {j['packs_mb']:.0f} MB of tile packs stored; engine + job processes "
            f"RSS {j['rss_before_mb']:.0f} MB before, peak {j['rss_peak_mb']:.0f} MB (baseline "
            f"column; ratio = 4 GB limit / peak); of it anonymous memory (RSS less the clean "
            f"file pages memory maps made resident, which a limit reclaims) "
            f"{j['anon_before_mb']:.0f} MB before, peak {j['anon_peak_mb']:.0f} MB"
        )
    return "\n".join(lines)


def _row(name: str, ours: str, base: str, ratio: str, target: str) -> str:
    return f"{name:<46} {ours:>19} {base:>14} {ratio:>8}  {target}"


def report(r: dict[str, Any]) -> str:
    base = statistics.median(r["baseline"])
    exact = statistics.median(r["exact"])
    s = r["single"]
    lines = [
        f"Engine benchmark: {SIZE}x{SIZE} float32 record through the real stack (backend -> "
        "engine on loopback), 2-core machine.",
        "Baseline 'preview': bench.imaging_bench.baseline_preview (the plotting-library path) on "
        "the same file; 'exact': np.nanpercentile over every pixel.",
        "Server time = the engine's Server-Timing (render: the work in the render thread; engine: "
        "the whole engine handler); client = wall time through the backend.",
        "",
        _row("measure", "ours p50 / p95", "baseline p50", "ratio", "target"),
        _row("-" * 46, "-" * 19, "-" * 14, "-" * 8, "-" * 14),
    ]

    def add(name: str, values: list[float], baseline: float, target: str) -> None:
        p50 = statistics.median(values)
        lines.append(
            _row(
                name,
                f"{p50:7.2f} / {pct(values, 95):7.2f} ms",
                f"{baseline:9.1f} ms",
                f"{baseline / p50:6.0f}x",
                target,
            )
        )

    n = len(s["render"])
    add(f"tile, fresh render: server render ({n})", s["render"], base, "p50 < 10 ms")
    add("tile, fresh render: engine handler", s["engine"], base, "")
    add("tile, fresh render: client via backend", s["client"], base, "")
    add("tile, memory cache hit: client via backend", s["cached"], base, "")
    for fmt in ("f16", "webp"):
        fv = r[f"first_view_{fmt}"]
        lines.append(
            _row(
                f"first view ({fmt}): info + 16 tiles, client",
                f"{fv['total']:9.1f} ms",
                f"{base:9.1f} ms",
                f"{base / fv['total']:6.1f}x",
                "< 300 ms",
            )
        )
        lines.append(
            f"    image-info (new file) {fv['info']:.1f} ms, 16 tiles {fv['tiles']:.1f} ms"
        )
    add("display limits, new interval: server (+tile)", r["limits_server"], exact, "< 10 ms")
    add("display limits, sampled (in-process)", r["sampled"], exact, "< 10 ms")
    one_lat, one_err, one_wall = r["one_client"]
    clients = r["clients"]
    for key, label in (("many_clients", "client via backend"), ("engine_clients", "engine direct")):
        lat, err, wall = r[key]
        lines.append(
            _row(
                f"{clients} concurrent tile clients: {label}",
                f"{statistics.median(lat):7.1f} / {pct(lat, 95):7.1f} ms",
                f"{pct(one_lat, 95):9.1f} ms",
                f"{pct(lat, 95) / pct(one_lat, 95):6.1f}x",
                "p95 < 100 ms, no errors",
            )
        )
        lines.append(
            f"    {len(lat)} requests, {len(err)} errors, {len(lat) / wall:.0f} tiles/s"
            + (f" (first error: {err[0]})" if err else "")
        )
    if "wrk" in r:
        w = r["wrk"]
        lines.append(
            _row(
                f"{clients} concurrent tile clients: wrk, rendered tiles",
                f"{w['p50']:7.1f} / {w['p95']:7.1f} ms",
                f"{pct(one_lat, 95):9.1f} ms",
                f"{w['p95'] / pct(one_lat, 95):6.1f}x",
                "p95 < 100 ms, no errors",
            )
        )
        lines.append(
            f"    {w['requests']} requests in {w['seconds']} s, {w['errors']} errors, "
            f"{w['rate']:.0f} tiles/s, p99 {w['p99']:.1f} ms (load generator in C)"
        )
    lines.append(
        f"    baseline, 1 client via backend: p50 {statistics.median(one_lat):.1f} ms, p95 "
        f"{pct(one_lat, 95):.1f} ms, {len(one_err)} errors, {len(one_lat) / one_wall:.0f} tiles/s "
        "(ratio column: p95 / that p95)"
    )
    if "huge" in r:
        h = r["huge"]
        steps = ", ".join(f"{k} {v:.0f} ms" for k, v in h["steps"].items())
        lines.append(
            _row(
                f"{h['gigabytes']:.1f} GB image: engine RSS peak",
                f"{h['rss_peak_mb']:9.0f} MB",
                "4096 MB limit",
                f"{4096 / h['rss_peak_mb']:6.1f}x",
                "< 4096 MB",
            )
        )
        lines.append(f"    RSS before {h['rss_before_mb']:.0f} MB; first requests: {steps}")
    lines.append(
        f"baseline preview p50 {base:.0f} ms over {len(r['baseline'])} runs; exact percentiles "
        f"p50 {exact:.0f} ms"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tiles", type=int, default=200, help="fresh single-tile requests")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=30, help="requests per client")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the slow baselines")
    parser.add_argument("--no-huge", action="store_true", help="skip the 10 GB image")
    parser.add_argument(
        "--pyramid-only", action="store_true", help="only the stored-pyramid runs (issue 18)"
    )
    parser.add_argument("--no-pyramid", action="store_true", help="skip the stored-pyramid runs")
    parser.add_argument("--many", type=int, default=100, help="clients on rendered tiles")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--no-big", action="store_true", help="skip the 2 GB pyramid job")
    args = parser.parse_args(argv or [])
    start = time.perf_counter()
    if not args.pyramid_only:
        results = run(args.tiles, args.clients, args.per_client, not args.no_huge, args.repeat)
        print(report(results))
    if not args.no_pyramid:
        pyramid = pyramid_bench(
            args.clients, args.per_client, args.many, args.wrk_seconds, not args.no_big
        )
        print(pyramid_report(pyramid))
    print(f"(benchmark ran in {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
