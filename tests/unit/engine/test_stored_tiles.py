"""Tiles from a stored pyramid (local storage, real level files) equal the on-request tiles:
byte for byte where the on-request path is exact (the three finest levels), and the exact
block mean at every level; an unreadable pyramid falls back to downsampling."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from tests.support.fits_files import sky_header, write_image
from webbscope.fits import FitsLimits
from webbscope.imaging import (
    Interval,
    RenderParams,
    encode_tile,
    extract_tile,
    max_level,
    tile_bytes,
    tile_grid,
)
from webbscope.services.common.pyramid_keys import level_file_name, level_key, manifest_key
from webbscope.services.engine import renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.params import Plane
from webbscope.services.engine.pyramid_build import build_pyramid
from webbscope.services.engine.pyramids import PyramidStore
from webbscope.storage import LocalStorage

SHA = "ab" * 32
PARAMS = RenderParams(stretch="asinh", interval=Interval.percentile(99.5), cmap="viridis")


@pytest.fixture
def setup(tmp_path: Path):
    rng = np.random.default_rng(11)
    data = rng.gamma(2.0, 50.0, (1500, 2300)).astype(np.float32)
    data[200:600, 100:400] = np.nan
    data[rng.random(data.shape) < 0.05] = np.nan
    path = write_image(tmp_path / "img_i2d.fits", data, header=sky_header(2300, 1500))
    storage = LocalStorage(tmp_path / "store")
    out = tmp_path / "levels"
    out.mkdir()
    manifest = build_pyramid(lambda f, m: None, str(path), FitsLimits(), str(out), 1 << 18)
    assert manifest is not None
    for lv in manifest["levels"]:
        manifest["levels"][lv]["key"] = level_key(SHA, int(lv))
        storage.put_file(level_key(SHA, int(lv)), out / level_file_name(int(lv)), move=True)
    storage.put_bytes(manifest_key(SHA), json.dumps(manifest).encode())
    file = OpenFile(SHA, path, FitsLimits())
    return data, file, storage


def _values(file, stored, level, x, y):
    layout = file.find("SCI")
    data = file.plane(layout, 0)
    return renders.tile_values(file, layout, data, 0, level, x, y, stored)


def _tiles(data):
    for level in range(max_level(data.shape)):
        grid = tile_grid(data.shape, level)
        for y in range(grid.ny_tiles):
            for x in range(grid.nx_tiles):
                yield level, x, y


def test_stored_tile_values_equal_the_on_request_values(setup) -> None:
    """The exact block means: the on-request `mean` method at every level, and the default
    tiles at the three finest levels (where they are exact too); float32 rounding apart
    (the stored means are summed in float64)."""
    data, file, storage = setup
    stored = asyncio.run(PyramidStore(storage, 10.0).find(SHA))
    assert stored is not None
    top = max_level(data.shape)
    for level, x, y in _tiles(data):
        got = _values(file, stored, level, x, y)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        exact = extract_tile(data, level, x, y, method="mean")
        np.testing.assert_array_equal(np.isnan(got), np.isnan(exact))
        np.testing.assert_allclose(got, exact, rtol=2e-6, equal_nan=True)
        if level >= top - 2:
            default = _values(file, None, level, x, y)
            np.testing.assert_allclose(got, default, rtol=2e-6, equal_nan=True)


def test_the_tile_route_encodes_the_stored_values(setup) -> None:
    _, file, storage = setup
    stored = asyncio.run(PyramidStore(storage, 10.0).find(SHA))
    views = ViewCache(1 << 24)
    view = views.view(file, 1, 0, PARAMS)
    for level, x, y in [(0, 0, 0), (1, 1, 0), (2, 0, 1), (3, 2, 1)]:
        values = stored.tile(0, level, x, y)
        for fmt in ("f16", "png", "jpeg"):
            body, _ = renders.tile(file, views, Plane("SCI", 0), fmt, PARAMS, level, x, y, stored)
            want = encode_tile(
                values, fmt, None if fmt == "f16" else PARAMS, None if fmt == "f16" else view
            )
            assert body == want, (fmt, level, x, y)


def test_a_pyramid_whose_files_are_gone_falls_back_to_downsampling(setup) -> None:
    data, file, storage = setup
    store = PyramidStore(storage, 10.0)
    stored = asyncio.run(store.find(SHA))
    assert stored is not None
    storage.delete_prefix(f"tiles/{SHA}/")
    views = ViewCache(1 << 24)
    body, _ = renders.tile(file, views, Plane("SCI", 0), "f16", PARAMS, 1, 0, 0, stored)
    assert body == tile_bytes(data, 1, 0, 0, "f16")
    assert stored.failed
    assert asyncio.run(store.find(SHA)) is None  # forgotten, looked up again later


def test_no_pyramid_is_remembered_for_the_recheck_time(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    store = PyramidStore(storage, 3600.0)
    assert asyncio.run(store.find(SHA)) is None
    storage.put_bytes(manifest_key(SHA), b"{}")
    assert asyncio.run(store.find(SHA)) is None  # not asked again within the recheck time
    assert asyncio.run(PyramidStore(storage, 0.0).find(SHA)) is None  # a bad manifest: unused
