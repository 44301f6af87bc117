"""Mosaic blocks on Dask workers that do not share the engine's disk: with S3 storage the
engine's inputs are copies in its own temporary directory, so each worker fetches them from
the bucket itself (`StoredInputs`, with the worker's own credentials) into its own cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from tests.integration.storage.conftest import S3_ACCESS_KEY, S3_SECRET_KEY, S3Factory
from tests.support.dask_cluster import dask_cluster
from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.devstack.seaweed import SeaweedProcess
from webbscope.imaging.mosaic import CombineOptions, inspect_input, plan_mosaic, run_mosaic
from webbscope.services.engine.mosaic_fetch import CACHE_DIR_NAME, StoredInputs

pytestmark = pytest.mark.integration


def test_workers_fetch_the_inputs_from_the_bucket(
    seaweed: SeaweedProcess, s3_factory: S3Factory, tmp_path: Path
) -> None:
    s3 = s3_factory()
    paths = write_mosaic_tiles(tmp_path / "in", rows=2, cols=2, shape=(160, 200), seed=5)
    keys = [f"uploads/u1/tile{i}.fits" for i in range(len(paths))]
    for key, path in zip(keys, paths, strict=True):
        s3.put_file(key, path)
    engine = tmp_path / "engine"  # the engine's temporary copies, as the mosaic job makes them
    copies = [s3.download_to(key, engine / f"r{i}.fits") for i, key in enumerate(keys)]
    inputs = [inspect_input(str(c), f"r{i}", c.name) for i, c in enumerate(copies)]
    plan = plan_mosaic(inputs, block=96)
    assert len(plan.blocks) >= 4
    opts = CombineOptions("mean")
    local = run_mosaic(plan, tmp_path / "local.fits", opts)
    stored = StoredInputs(
        tuple((str(c), k) for c, k in zip(copies, keys, strict=True)),
        s3.bucket,
        seaweed.endpoint_url,
        "us-east-1",
    )
    shutil.rmtree(engine)  # a worker reading the engine's paths would now fail
    worker_tmp = tmp_path / "worker-tmp"
    worker_tmp.mkdir()
    env = {
        "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "TMPDIR": str(worker_tmp),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    with dask_cluster(logs, workers=2, env=env) as address:
        remote = run_mosaic(
            plan, tmp_path / "dask.fits", opts, dask_address=address, localize=stored
        )
    assert remote.executor == "dask"
    for ext in ("SCI", "WHT"):
        np.testing.assert_array_equal(fits.getdata(local.path, ext), fits.getdata(remote.path, ext))
    cached = sorted((worker_tmp / CACHE_DIR_NAME).glob("*.fits"))
    assert 1 <= len(cached) <= len(keys)  # each input fetched at most once (one shared cache)
    sizes = {p.stat().st_size for p in paths}
    assert {p.stat().st_size for p in cached} <= sizes


def test_the_cache_keeps_the_most_recently_used_within_its_budget(
    seaweed: SeaweedProcess, s3_factory: S3Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = s3_factory()
    for i in range(3):
        s3.put_bytes(f"uploads/u1/f{i}.fits", bytes([i]) * 1000)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("S3_ACCESS_KEY_ID", S3_ACCESS_KEY)
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", S3_SECRET_KEY)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    stored = StoredInputs((), s3.bucket, seaweed.endpoint_url, "us-east-1", cache_bytes=2500)
    first = stored.fetch("uploads/u1/f0.fits")
    second = stored.fetch("uploads/u1/f1.fits")
    assert first.read_bytes() == bytes([0]) * 1000 and second.parent == tmp_path / CACHE_DIR_NAME
    assert stored.fetch("uploads/u1/f0.fits") == first  # a hit, now the most recent
    third = stored.fetch("uploads/u1/f2.fits")  # 3000 bytes would exceed 2500: f1 goes
    assert first.exists() and third.exists() and not second.exists()
