"""Mosaic blocks as tasks on a real Dask distributed cluster (a `dask scheduler` and two
`dask worker` processes on 127.0.0.1): the result equals the local run's, value for value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from tests.support.dask_cluster import dask_cluster
from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.imaging.mosaic import CombineOptions, inspect_input, plan_mosaic, run_mosaic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dask_cluster(tmp_path_factory.mktemp("dask-logs")) as address:
        yield address


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
