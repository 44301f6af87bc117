"""Mosaic blocks on local worker processes: the same bytes as the serial run, bounded by the
cores and the memory budget, startable from the job's (daemonic) process, and never
outliving it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from astropy.io import fits

from tests.support.fits_files import add_sip
from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.imaging.mosaic import CombineOptions, inspect_input, plan_mosaic, run_mosaic
from webbscope.imaging.mosaic._plan import WORKER_MEMORY, block_memory, workers_for
from webbscope.jobs.process import run_in_process
from webbscope.processes import _quota, available_cores


@pytest.fixture(scope="module")
def tiles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_mosaic_tiles(
        tmp_path_factory.mktemp("tiles"), rows=2, cols=3, shape=(160, 200), seed=5
    )


def _plan(paths: list[Path], **kw: object):  # type: ignore[no-untyped-def]
    inputs = [inspect_input(str(p), f"r{i}", p.name) for i, p in enumerate(paths)]
    return plan_mosaic(inputs, block=64, **kw)  # type: ignore[arg-type]


def _bytes(path: Path) -> tuple[bytes, bytes]:
    with fits.open(path) as hdul:
        return hdul["SCI"].data.tobytes(), hdul["WHT"].data.tobytes()


@pytest.mark.parametrize(
    "opts",
    [
        CombineOptions("mean"),
        CombineOptions("median", clip=True),
        CombineOptions("last", use_weights=False),
    ],
)
def test_workers_give_the_serial_bytes(
    tiles: list[Path], tmp_path: Path, opts: CombineOptions
) -> None:
    plan = _plan(tiles)
    assert len(plan.blocks) > 8
    serial = run_mosaic(plan, tmp_path / "serial.fits", opts, workers=1)
    parallel = run_mosaic(plan, tmp_path / "parallel.fits", opts, workers=2)
    assert serial.workers == 1 and parallel.workers == 2
    assert _bytes(serial.path) == _bytes(parallel.path)
    assert serial.covered_pixels == parallel.covered_pixels > 0
    np.testing.assert_array_equal(serial.preview, parallel.preview)
    assert (tmp_path / "serial.fits").read_bytes() == (tmp_path / "parallel.fits").read_bytes()


def test_background_matching_with_workers(tiles: list[Path], tmp_path: Path) -> None:
    plan = _plan(tiles)
    opts = CombineOptions("mean")
    a = run_mosaic(plan, tmp_path / "a.fits", opts, match_background=True, workers=1)
    b = run_mosaic(plan, tmp_path / "b.fits", opts, match_background=True, workers=3)
    assert a.offsets == b.offsets and _bytes(a.path) == _bytes(b.path)


def test_workers_bounded_by_processes_blocks_and_memory() -> None:
    per_block = 64 * 1024**2
    assert workers_for(10**6, per_block, 100, 2, None) == 2
    assert workers_for(10**6, per_block, 1, 4, None) == 1  # one block, one worker
    assert workers_for(10**6, per_block, 100, 0, None) == 1  # at least one
    # the budget holds the base and preview, then (block + worker) per worker
    fixed = 192 * 1024**2 + 10**6 * 4
    budget = fixed + 3 * (per_block + WORKER_MEMORY) + 1
    assert workers_for(10**6, per_block, 100, 8, budget) == 3
    assert workers_for(10**6, per_block, 100, 8, fixed) == 1  # never fewer than one


def test_plan_chooses_workers_and_estimates_their_memory(tiles: list[Path]) -> None:
    one = _plan(tiles)
    two = _plan(tiles, processes=2, memory_budget=4 * 1024**3)
    assert one.estimate.workers == 1 and two.estimate.workers == 2
    per_block = block_memory(two.blocks, two.block, "mean", False)
    assert two.estimate.memory_bytes == one.estimate.memory_bytes + per_block + 2 * WORKER_MEMORY
    assert two.estimate.seconds <= one.estimate.seconds
    tight = _plan(tiles, processes=2, memory_budget=one.estimate.memory_bytes)
    assert tight.estimate.workers == 1


def test_available_cores_reads_the_cgroup_quota(tmp_path: Path) -> None:
    assert _quota("max 100000") is None and _quota("150000 100000") == 1.5
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("100000 100000\n")
    assert available_cores(cpu_max) == 1
    assert available_cores(tmp_path / "absent") == len(os.sched_getaffinity(0))


def _in_job_process(report: object, paths: list[str], out: str) -> int:
    plan = _plan([Path(p) for p in paths])
    return run_mosaic(plan, out, CombineOptions("mean"), workers=2).workers


def test_workers_start_inside_the_jobs_daemonic_process(tiles: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "job.fits"
    workers = asyncio.run(run_in_process(_in_job_process, [str(p) for p in tiles], str(out)))
    assert workers == 2
    serial = run_mosaic(_plan(tiles), tmp_path / "serial.fits", CombineOptions("mean"))
    assert _bytes(out) == _bytes(serial.path)


SLOW_RUN = """
import sys, time
from pathlib import Path
from webbscope.imaging.mosaic import CombineOptions, inspect_input, plan_mosaic, run_mosaic
paths = sys.argv[1:-1]
inputs = [inspect_input(p, f"r{i}", p) for i, p in enumerate(paths)]
plan = plan_mosaic(inputs, block=64)
def report(f, m):
    time.sleep(0.5)  # slow: the test kills this process while its workers run
run_mosaic(plan, sys.argv[-1], CombineOptions("median", clip=True), workers=2, report=report)
"""


def test_workers_die_with_their_parent(tiles: list[Path], tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, *map(str, tiles), str(tmp_path / "slow.fits")]
    )
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and len(children) < 2:
            children = parent.children()
            time.sleep(0.05)
        assert len(children) >= 2, "the workers did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_sip_inputs_take_the_general_path_and_match_the_reference(tmp_path: Path) -> None:
    import warnings

    from astropy.wcs import WCS
    from reproject import reproject_interp
    from reproject.mosaicking import reproject_and_coadd

    paths = write_mosaic_tiles(tmp_path / "in", rows=1, cols=2, shape=(120, 150), seed=9)
    add_sip(paths[1])
    plan = _plan(paths)
    assert plan.homographies[0] is not None and plan.homographies[1] is None  # SIP: general
    one = run_mosaic(plan, tmp_path / "one.fits", CombineOptions("mean"), workers=1)
    two = run_mosaic(plan, tmp_path / "two.fits", CombineOptions("mean"), workers=2)
    assert _bytes(one.path) == _bytes(two.path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, fp = reproject_and_coadd(
            [(fits.getdata(p, "SCI"), WCS(fits.getheader(p, "SCI"))) for p in paths],
            plan.grid.wcs,
            shape_out=plan.grid.shape,
            input_weights=[fits.getdata(p, "WHT") for p in paths],
            reproject_function=reproject_interp,
            combine_function="mean",
            order="bilinear",
        )
    from scipy.ndimage import binary_erosion

    with fits.open(one.path) as hdul:
        ours = np.asarray(hdul["SCI"].data, dtype=np.float64)
    inner = binary_erosion(fp > 0, iterations=3, border_value=0)
    assert inner.sum() > 1000
    rel = np.abs(ours[inner] - ref[inner]) / np.maximum(np.abs(ref[inner]), 1e-6)
    assert float(np.nanmax(rel)) < 1e-4
