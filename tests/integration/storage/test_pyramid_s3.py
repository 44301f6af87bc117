"""Stored pyramids on S3 (a real SeaweedFS): the level files and the manifest put as the job
puts them, the engine reading each tile with one ranged GET (no local copy of the level), and
the backend sending packed tiles the same way."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.integration.storage.conftest import drop_bucket, make_s3
from tests.support.fits_files import sky_header, write_image
from webbscope.devstack.seaweed import SeaweedProcess
from webbscope.fits import FitsLimits
from webbscope.imaging import extract_tile, pack_order, tile_grid
from webbscope.services.backend.stored_tiles import StoredTiles
from webbscope.services.common.pyramid_keys import level_file_name, level_key, manifest_key
from webbscope.services.engine import renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.params import Plane, render_params
from webbscope.services.engine.pyramid_build import build_pyramid
from webbscope.services.engine.pyramid_job import store_pyramid
from webbscope.services.engine.pyramids import PyramidStore
from webbscope.storage import S3Storage

pytestmark = pytest.mark.integration

SHA = "5a" * 32


@pytest.fixture
def s3(seaweed: SeaweedProcess) -> Iterator[S3Storage]:
    storage = make_s3(seaweed)
    yield storage
    drop_bucket(storage)


def test_tiles_are_read_from_s3_with_ranged_gets(s3: S3Storage, tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    data = rng.normal(20.0, 2.0, (700, 1000)).astype(np.float32)
    data[50:150, 600:700] = np.nan
    path = write_image(tmp_path / "img.fits", data, header=sky_header(1000, 700))
    out = tmp_path / "levels"
    out.mkdir()
    manifest = build_pyramid(lambda f, m: None, str(path), FitsLimits(), str(out), 1 << 16)
    assert manifest is not None and sorted(manifest["levels"]) == ["0", "1"]
    for lv, entry in manifest["levels"].items():
        entry["key"] = level_key(SHA, int(lv))
        s3.put_file(entry["key"], out / level_file_name(int(lv)), move=True)
    s3.put_bytes(manifest_key(SHA), json.dumps(manifest).encode())

    stored = asyncio.run(PyramidStore(s3, 10.0).find(SHA))
    assert stored is not None
    assert s3.local_path(stored.keys[0]) is None  # nothing local: every tile is a ranged GET
    for level in (0, 1):
        grid = tile_grid(data.shape, level)
        for y in range(grid.ny_tiles):
            for x in range(grid.nx_tiles):
                got = stored.tile(0, level, x, y)
                want = extract_tile(data, level, x, y, method="mean")
                np.testing.assert_allclose(got, want, rtol=2e-6, equal_nan=True)


def test_the_backend_sends_packed_tiles_from_s3(s3: S3Storage, tmp_path: Path) -> None:
    """The job's files put on S3 as the job puts them (`store_pyramid`); the backend reads
    each packed tile with one ranged GET, the bytes the engine's tile route sends."""
    rng = np.random.default_rng(8)
    data = rng.normal(5.0, 1.0, (600, 900)).astype(np.float32)
    path = write_image(tmp_path / "img.fits", data, header=sky_header(900, 600))
    out = tmp_path / "levels"
    out.mkdir()
    manifest = build_pyramid(lambda f, m: None, str(path), FitsLimits(), str(out), 1 << 16)
    assert manifest is not None
    store_pyramid(s3, SHA, out, manifest)
    stored = asyncio.run(PyramidStore(s3, 10.0).find(SHA))
    backend = StoredTiles(s3, recheck_s=10.0, max_age_s=60)
    pack = asyncio.run(backend.find(SHA))
    assert pack is not None and sorted(pack.files) == ["f16", "webp"]
    assert all(f.path is None for f in pack.files.values())  # ranged GETs, nothing local
    file = OpenFile(SHA, path, FitsLimits())
    views = ViewCache(1 << 24)
    for level, plane, x, y in pack_order(data.shape, 1):
        for fmt in ("f16", "webp"):
            answer = asyncio.run(backend.answer(SHA, f"/tiles/{level}/{x}/{y}.{fmt}", [], None))
            assert answer is not None and answer[0] == 200, (fmt, level, x, y)
            want, _ = renders.tile(
                file, views, Plane("SCI", plane), fmt, render_params(), level, x, y, stored
            )
            assert answer[2] == want, (fmt, level, x, y)
    file.close()
