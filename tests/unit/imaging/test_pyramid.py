"""The stored pyramid: every level equals the on-request exact block mean, tile for tile."""

from __future__ import annotations

import numpy as np
import pytest

from webbscope.imaging import (
    ScaledArray,
    build_levels,
    extract_tile,
    level_layout,
    max_level,
    read_stored_tile,
    stored_levels,
    tile_from_bytes,
    tile_grid,
)


def _build(data, chunk_pixels=1 << 20):
    shape = tuple(data.shape)
    planes = shape[0] if len(shape) == 3 else 1
    layouts = {lv: level_layout(shape, lv, planes) for lv in stored_levels(shape)}
    outputs = {lv: np.empty(lay.shape, dtype=np.float32) for lv, lay in layouts.items()}
    build_levels(data, outputs, chunk_pixels=chunk_pixels)
    return layouts, outputs


def _image(ny, nx, seed=1, nan=0.1):
    rng = np.random.default_rng(seed)
    data = rng.normal(100.0, 30.0, (ny, nx)).astype(np.float32)
    data[rng.random((ny, nx)) < nan] = np.nan
    data[: ny // 5, : nx // 7] = np.nan  # a whole region without data
    return data


@pytest.mark.parametrize(
    ("ny", "nx", "chunk"),
    [(1000, 700, 1 << 20), (513, 2100, 4096), (300, 257, 1 << 20), (1030, 1030, 2048)],
)
def test_every_stored_tile_equals_the_exact_on_request_tile(ny, nx, chunk):
    data = _image(ny, nx)
    layouts, outputs = _build(data, chunk)
    assert sorted(layouts) == list(range(max_level(data.shape)))
    for level, layout in layouts.items():
        grid = tile_grid(data.shape, level)
        for y in range(grid.ny_tiles):
            for x in range(grid.nx_tiles):
                want = extract_tile(data, level, x, y, method="mean")
                got = read_stored_tile(outputs[level], layout, 0, x, y)
                assert got.shape == want.shape
                np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
                np.testing.assert_allclose(got, want, rtol=2e-6, equal_nan=True)


def test_the_finest_levels_equal_the_default_auto_tiles():
    """Up to 4 x 4 blocks the viewer's default tiles are exact means too: same values."""
    data = _image(2048, 1500, seed=3)
    layouts, outputs = _build(data)
    top = max_level(data.shape)
    for level in (top - 1, top - 2):
        grid = tile_grid(data.shape, level)
        for y in range(grid.ny_tiles):
            for x in range(grid.nx_tiles):
                want = extract_tile(data, level, x, y)
                got = read_stored_tile(outputs[level], layouts[level], 0, x, y)
                np.testing.assert_allclose(got, want, rtol=2e-6, equal_nan=True)


def test_padding_is_nan_and_tiles_read_from_bytes_match():
    data = _image(600, 900, seed=5, nan=0.0)
    layouts, outputs = _build(data)
    layout = layouts[1]
    raw = outputs[1].tobytes()
    x, y = layout.nx_tiles - 1, layout.ny_tiles - 1
    h, w = layout.tile_size(x, y)
    assert (h, w) != (256, 256)
    assert np.isnan(outputs[1][0, y, x, h:, :]).all() and np.isnan(outputs[1][0, y, x, :, w:]).all()
    off = layout.tile_offset(0, x, y)
    got = tile_from_bytes(raw[off : off + 256 * 256 * 4], layout, x, y)
    np.testing.assert_array_equal(got, read_stored_tile(outputs[1], layout, 0, x, y))


def test_cube_planes_and_scaled_integers():
    rng = np.random.default_rng(9)
    raw = rng.integers(-3000, 3000, (3, 600, 520)).astype(">i2")
    raw[1, :40, :] = -32768  # BLANK
    cube = ScaledArray(raw, bscale=0.5, bzero=10.0, blank=-32768)
    layouts, outputs = _build(cube)
    for p in range(3):
        plane = cube.plane(p)
        for level, layout in layouts.items():
            grid = tile_grid(plane.shape, level)
            for y in range(grid.ny_tiles):
                for x in range(grid.nx_tiles):
                    want = extract_tile(plane, level, x, y, method="mean")
                    got = read_stored_tile(outputs[level], layout, p, x, y)
                    np.testing.assert_allclose(got, want, rtol=2e-6, equal_nan=True)


def test_small_images_store_nothing():
    assert stored_levels((256, 200)) == []
    assert build_levels(np.zeros((100, 100), np.float32), {}) == 0


def test_cancel_stops_the_pass():
    data = _image(1024, 1024)
    layouts = {lv: level_layout(data.shape, lv) for lv in stored_levels(data.shape)}
    outputs = {lv: np.empty(lay.shape, np.float32) for lv, lay in layouts.items()}
    with pytest.raises(InterruptedError):
        build_levels(data, outputs, chunk_pixels=4096, cancelled=lambda: True)


def test_each_row_of_tiles_is_written_once_in_file_order():
    """The file writer appends: rows of tiles arrive once each, top first, plane by plane."""
    data = np.stack([_image(1100, 900, seed=s) for s in (1, 2)])
    seen: dict[int, list[tuple[int, int]]] = {}

    class Sink:
        def __init__(self, level):
            self.level = level

        def __setitem__(self, key, tiles):
            seen.setdefault(self.level, []).append(key)

    levels = stored_levels(data.shape)
    build_levels(data, {lv: Sink(lv) for lv in levels}, chunk_pixels=8192)
    for lv in levels:
        lay = level_layout(data.shape, lv, 2)
        assert seen[lv] == [(p, ty) for p in range(2) for ty in range(lay.ny_tiles)]
