"""Mosaic blocks as tasks on a real Dask distributed cluster (a `dask scheduler` and two
`dask worker` processes on 127.0.0.1): the result equals the local run's, value for value."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.devstack.process import free_port
from webbscope.imaging.mosaic import CombineOptions, inspect_input, plan_mosaic, run_mosaic

pytestmark = pytest.mark.integration

DASK = str(Path(sys.executable).with_name("dask"))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask-logs")
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=(logs / "scheduler.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                    ],
                    stdout=(logs / f"worker{i}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env=env,
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout=5, set_as_default=False) as c:  # type: ignore[no-untyped-call]
                    if len(c.nthreads()) >= 2:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Dask cluster did not start: " + str(list(logs.iterdir())))
            time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


@pytest.mark.parametrize("combine", ["mean", "median"])
def test_dask_run_equals_local_run(cluster: str, tmp_path: Path, combine: str) -> None:
    paths = write_mosaic_tiles(tmp_path / "in", rows=2, cols=3, shape=(180, 220), seed=11)
    inputs = [inspect_input(str(p), f"r{i}", p.name) for i, p in enumerate(paths)]
    plan = plan_mosaic(inputs, block=128)
    assert len(plan.blocks) >= 6
    opts = CombineOptions(combine)  # type: ignore[arg-type]
    local = run_mosaic(plan, tmp_path / "local.fits", opts, match_background=True)
    remote = run_mosaic(
        plan, tmp_path / "dask.fits", opts, match_background=True, dask_address=cluster
    )
    assert remote.executor == "dask" and local.executor == "local"
    for ext in ("SCI", "WHT"):
        a = fits.getdata(local.path, ext)
        b = fits.getdata(remote.path, ext)
        np.testing.assert_array_equal(a, b)
    assert remote.covered_pixels == local.covered_pixels > 0
    np.testing.assert_array_equal(remote.preview, local.preview)
