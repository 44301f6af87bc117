"""Mosaic benchmark: speed, scale and a Dask cluster, each against a baseline in one run.

Inputs are JWST-like level-3 tiles (`write_mosaic_tiles`: TAN, each centred on its own
pointing and rotated, SCI + WHT float32, ~4470 x 4470 = 20 Mpx each), laid 3 rows x 4
columns with 8% overlap; they are written once and opened memory-mapped, as the engine
opens them.

1. Speed: 8 inputs (the first two rows), mean combine weighted by WHT, planned and computed
   block by block into the FITS on disk, the blocks on local worker processes (one per core,
   within a 3 GB budget, as the engine runs them). Baseline: `reproject.mosaicking.
   reproject_and_coadd` (`reproject_interp`, bilinear, the same weights) on the same inputs
   and grid, in memory; also the same run on one process (`--skip-serial` leaves it out).
   Target: under 10 s (the modelled system: about 50 s for 8 tiles).
2. Scale: all 12 inputs, an output of over 180 Mpx, in a fresh process; its peak memory
   (the sum of the proportional set sizes of the run's process and its workers, sampled every
   50 ms) against the engine's 4 GB limit, and the naive in-memory footprint of
   `reproject_and_coadd` (float64 output and footprint plus one reprojected input).

CPU figures add the workers' CPU time to the driver's. The inputs are read once before each
timed run, so they start in the page cache (as files the engine has just downloaded would);
the baseline gets the same. Other processes on the machine (the load average is printed)
inflate wall times.
3. Cluster: the scale run again on a local Dask cluster (`dask scheduler` + two `dask
   worker` processes, one thread each, on 127.0.0.1), its time beside the local run's.

Usage: ``python -m bench.mosaic_bench [--side 4470] [--skip-baseline] [--skip-dask]
[--skip-scale] [--skip-serial] [--inputs DIR]`` (``--inputs`` keeps the tiles there between
runs; writing them takes about 40 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

GB = 1024**3
ROWS, COLS = 3, 4


def _tiles(out: Path, side: int) -> list[Path]:
    from webbscope.demo._tiles import write_mosaic_tiles

    return write_mosaic_tiles(
        out,
        rows=ROWS,
        cols=COLS,
        shape=(side, side),
        overlap=0.08,
        scale_arcsec=0.031,
        rotation_deg=7.0,
        extensions=("SCI", "WHT"),
        n_blobs=6,
        seed=1,
    )


def _peak_rss() -> int:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux keeps that across
    exec, so a child started by a large parent reports the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class _MemorySampler(threading.Thread):
    """The peak of (this process + its children)'s proportional set size: shared pages
    (a forked worker's copy of the parent, the page cache of mapped files) counted once."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.05):
            try:
                kids = Path(f"/proc/{me}/task/{me}/children").read_text().split()
            except OSError:
                kids = []
            self.peak = max(self.peak, _pss(me) + sum(_pss(int(k)) for k in kids))


def _run(paths: list[str], out: str, dask: str | None, processes: int = 0) -> dict[str, Any]:
    """Plan and compute (in this process, the blocks on `processes` local workers, 0 = one
    per core, or on Dask); returns timings and the peak memory."""
    from webbscope.imaging.mosaic import CombineOptions, inspect_input, plan_mosaic, run_mosaic
    from webbscope.processes import available_cores

    for p in paths:  # in the page cache, as a file the engine has just downloaded would be
        with open(p, "rb") as f:
            while f.read(16 * 1024 * 1024):
                pass
    sampler = _MemorySampler()
    sampler.start()
    t0 = time.perf_counter()
    c0 = time.process_time()
    k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    inputs = [inspect_input(p, f"r{i}", Path(p).name, weights="wht") for i, p in enumerate(paths)]
    plan = plan_mosaic(inputs, processes=processes or available_cores(), memory_budget=3 * GB)
    t_plan = time.perf_counter() - t0
    result = run_mosaic(plan, out, CombineOptions("mean"), dask_address=dask)
    total = time.perf_counter() - t0
    k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.stop.set()
    sampler.join()
    kids = (k1.ru_utime - k0.ru_utime) + (k1.ru_stime - k0.ru_stime)
    return {
        "plan_s": t_plan,
        "total_s": total,
        "cpu_s": time.process_time() - c0 + kids,
        "workers": result.workers,
        "peak_memory": max(sampler.peak, _peak_rss()),
        "width": result.width,
        "height": result.height,
        "mpx": result.width * result.height / 1e6,
        "estimate_s": plan.estimate.seconds,
        "estimate_memory": plan.estimate.memory_bytes,
        "peak_rss": _peak_rss(),
        "grid": plan.grid.header().tostring(),
    }


def _child(
    paths: list[Path], out: Path, dask: str | None = None, processes: int = 0
) -> dict[str, Any]:
    code = (
        "import json,sys; from bench.mosaic_bench import _run; a=json.loads(sys.argv[1]); "
        "print(json.dumps(_run(a['paths'], a['out'], a['dask'], a['processes'])))"
    )
    arg = json.dumps(
        {"paths": [str(p) for p in paths], "out": str(out), "dask": dask, "processes": processes}
    )
    done = subprocess.run(
        [sys.executable, "-c", code, arg],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _baseline(paths: list[Path], grid_header: str) -> float:
    import numpy as np
    from astropy.io import fits
    from astropy.wcs import WCS
    from reproject import reproject_interp
    from reproject.mosaicking import reproject_and_coadd

    header = fits.Header.fromstring(grid_header)
    shape = (int(header["NAXIS2"]), int(header["NAXIS1"]))
    for p in paths:
        with open(p, "rb") as f:
            while f.read(16 * 1024 * 1024):
                pass
    t0 = time.perf_counter()
    hduls = [fits.open(p, memmap=True) for p in paths]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reproject_and_coadd(
            [(h["SCI"].data, WCS(h["SCI"].header)) for h in hduls],
            WCS(header),
            shape_out=shape,
            input_weights=[np.asarray(h["WHT"].data) for h in hduls],
            reproject_function=reproject_interp,
            combine_function="mean",
            order="bilinear",
        )
    for h in hduls:
        h.close()
    return time.perf_counter() - t0


def _baseline_child(paths: list[Path], grid_header: str) -> float:
    code = (
        "import json,sys; from bench.mosaic_bench import _baseline; from pathlib import Path; "
        "a=json.loads(sys.argv[1]); print(_baseline([Path(p) for p in a['paths']], a['grid']))"
    )
    arg = json.dumps({"paths": [str(p) for p in paths], "grid": grid_header})
    done = subprocess.run(
        [sys.executable, "-c", code, arg],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return float(done.stdout.strip().splitlines()[-1])


def _cluster(logs: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    from distributed import Client

    from webbscope.devstack.process import free_port

    dask = str(Path(sys.executable).with_name("dask"))
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=(logs / "scheduler.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ]
    for i in range(2):
        procs.append(
            subprocess.Popen(
                [
                    *(dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1"),
                    *("--no-dashboard", "--name", f"w{i}"),
                ],
                stdout=(logs / f"worker{i}.log").open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with Client(address, timeout=5, set_as_default=False) as c:  # type: ignore[no-untyped-call]
                if len(c.nthreads()) >= 2:
                    return address, procs
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the Dask cluster did not start")


def _gb(n: float) -> str:
    return f"{n / GB:.2f} GB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", type=int, default=4470, help="input side in pixels (20 Mpx)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--skip-scale", action="store_true", help="the speed figure only")
    ap.add_argument("--skip-serial", action="store_true", help="no one-process run")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--inputs", type=Path, default=None, help="keep the tiles here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-", dir=args.dir) as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        where = args.inputs or root / "in"
        paths = sorted(where.glob("*_i2d.fits")) if args.inputs else []
        if len(paths) != ROWS * COLS or any(p.stat().st_size < args.side**2 * 8 for p in paths):
            paths = _tiles(where, args.side)
        print(
            f"inputs: {len(paths)} tiles of {args.side} x {args.side} "
            f"({args.side**2 / 1e6:.1f} Mpx) ready in {time.perf_counter() - t0:.1f} s"
        )

        # 1. speed: 8 inputs
        eight = paths[: 2 * COLS]
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (before)")
        ours = _child(eight, root / "eight.fits")
        (root / "eight.fits").unlink()
        print(
            f"\n1. speed, 8 inputs -> {ours['width']} x {ours['height']} ({ours['mpx']:.0f} Mpx), "
            f"mean weighted by WHT"
        )
        print(
            f"   webbscope, {ours['workers']} workers: {ours['total_s']:.2f} s wall, "
            f"{ours['cpu_s']:.2f} s CPU, peak memory {_gb(ours['peak_memory'])} "
            f"(plan {ours['plan_s']:.2f} s; estimated {ours['estimate_s']:.1f} s, "
            f"{_gb(ours['estimate_memory'])}); target < 10 s"
        )
        print("   modelled system: ~50 s  ratio %.1fx" % (50.0 / ours["total_s"]))
        if not args.skip_serial:
            one = _child(eight, root / "one.fits", processes=1)
            (root / "one.fits").unlink()
            print(
                f"   webbscope, 1 process: {one['total_s']:.2f} s wall, {one['cpu_s']:.2f} s CPU, "
                f"peak memory {_gb(one['peak_memory'])}  "
                f"ratio {one['total_s'] / ours['total_s']:.2f}x for the workers"
            )
        if not args.skip_baseline:
            base = _baseline_child(eight, ours["grid"])
            print(
                f"   reproject_and_coadd: {base:.2f} s  ratio {base / ours['total_s']:.1f}x faster"
            )
        print(f"   load average {os.getloadavg()[0]:.1f} (after)")

        if args.skip_scale:
            return
        # 2. scale: 12 inputs
        scale = _child(paths, root / "all.fits")
        (root / "all.fits").unlink()
        naive = scale["mpx"] * 1e6 * 8 * 2 + args.side**2 * 8 * 2
        print(
            f"\n2. scale, {len(paths)} inputs -> {scale['width']} x {scale['height']} "
            f"({scale['mpx']:.0f} Mpx), {scale['workers']} workers: {scale['total_s']:.2f} s "
            f"wall, {scale['cpu_s']:.2f} s CPU"
        )
        print(
            f"   peak memory {_gb(scale['peak_memory'])} "
            f"(estimated {_gb(scale['estimate_memory'])}); limit 4 GB "
            f"({4 * GB / scale['peak_memory']:.1f}x headroom)"
        )
        print(
            f"   reproject_and_coadd in memory would hold >= {_gb(naive)} "
            f"(ratio {naive / scale['peak_memory']:.1f}x)"
        )

        # 3. the same on a local Dask cluster
        if not args.skip_dask:
            logs = root / "logs"
            logs.mkdir()
            address, procs = _cluster(logs)
            try:
                remote = _child(paths, root / "dask.fits", address)
            finally:
                for p in reversed(procs):
                    if p.poll() is None:
                        os.killpg(p.pid, signal.SIGTERM)
                        p.wait(15)
            print(
                f"\n3. dask (2 workers x 1 thread): {remote['total_s']:.2f} s beside local "
                f"{scale['total_s']:.2f} s (ratio {scale['total_s'] / remote['total_s']:.2f}x); "
                f"driver peak memory {_gb(remote['peak_memory'])}"
            )


if __name__ == "__main__":
    main()
