"""Tile pyramid geometry, orientation, downsampling, and reading only what a tile needs."""

from __future__ import annotations

import mmap
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from webbscope.demo import write_large_image
from webbscope.errors import BadRequest, NotFound
from webbscope.fits import FitsLimits, open_fits, scan_fits
from webbscope.imaging import (
    TILE,
    ScaledArray,
    extract_tile,
    hdu_image,
    level_shape,
    max_level,
    pyramid_levels,
    stored_image,
    thumbnail,
    tile_grid,
    tile_source_window,
)
from webbscope.imaging._source import advise_random


@pytest.mark.parametrize(
    ("shape", "levels"),
    [
        ((1, 1), 1),
        ((256, 256), 1),
        ((3, 257), 2),
        ((257, 3), 2),
        ((777, 1000), 3),
        ((1000, 777), 3),
        ((4096, 4096), 5),
        ((4097, 10), 6),
        ((5, 7, 300), 2),  # a cube: the last two axes
    ],
)
def test_levels(shape, levels) -> None:
    assert pyramid_levels(shape) == levels
    assert max_level(shape) == levels - 1
    h, w = level_shape(shape, 0)
    assert max(h, w) <= TILE
    assert level_shape(shape, levels - 1) == shape[-2:]


def test_grid_of_an_odd_size() -> None:
    shape = (777, 1000)  # ny, nx
    assert tile_grid(shape, 2) == (4, 4, 1)
    assert tile_grid(shape, 1) == (2, 2, 2)
    assert tile_grid(shape, 0) == (1, 1, 4)
    assert level_shape(shape, 1) == (389, 500)
    assert level_shape(shape, 0) == (195, 250)


@pytest.mark.parametrize(
    "shape", [(777, 1000), (1000, 777), (3, 257), (257, 3), (1, 1), (300, 300)]
)
def test_windows_tile_the_image_exactly_once(shape) -> None:
    ny, nx = shape
    for level in range(pyramid_levels(shape)):
        covered = np.zeros(shape, dtype=np.int32)
        nx_tiles, ny_tiles, scale = tile_grid(shape, level)
        height, width = level_shape(shape, level)
        widths = [tile_source_window(shape, level, x, 0).width for x in range(nx_tiles)]
        heights = [tile_source_window(shape, level, 0, y).height for y in range(ny_tiles)]
        assert sum(widths) == width and sum(heights) == height
        assert all(w == TILE for w in widths[:-1]) and all(h == TILE for h in heights[:-1])
        for ty in range(ny_tiles):
            for tx in range(nx_tiles):
                win = tile_source_window(shape, level, tx, ty)
                assert win.scale == scale
                assert 0 <= win.x0 < win.x1 <= nx and 0 <= win.y0 < win.y1 <= ny
                assert -(-(win.x1 - win.x0) // scale) == win.width
                assert -(-(win.y1 - win.y0) // scale) == win.height
                covered[win.y0 : win.y1, win.x0 : win.x1] += 1
        assert np.all(covered == 1)


def test_orientation_north_up() -> None:
    # data[y, x] = y: FITS row 0 is the bottom. Tile y=0 is the top of the picture.
    data = np.repeat(np.arange(300, dtype=np.float32)[:, None], 300, axis=1)
    top = extract_tile(data, 1, 0, 0)
    bottom = extract_tile(data, 1, 0, 1)
    assert top.shape == (256, 256) and bottom.shape == (44, 256)
    assert top[0, 0] == 299 and top[-1, 0] == 44
    assert bottom[0, 0] == 43 and bottom[-1, 0] == 0
    right = extract_tile(data.T.copy(), 1, 1, 0)  # data[y, x] = x now
    assert right.shape == (256, 44) and right[0, 0] == 256 and right[0, -1] == 299
    assert tile_source_window((300, 300), 1, 0, 0).y0 == 44


def naive_level(data: np.ndarray, scale: int) -> np.ndarray:
    """NaN-aware block means, blocks anchored at pixel 0, flipped north up."""
    ny, nx = data.shape
    h, w = -(-ny // scale), -(-nx // scale)
    padded = np.full((h * scale, w * scale), np.nan)
    padded[:ny, :nx] = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(padded.reshape(h, scale, w, scale), axis=(1, 3))
    return means[::-1]


def stitch(data, level: int, **kwargs) -> np.ndarray:
    nx_tiles, ny_tiles, _ = tile_grid(data.shape, level)
    rows = [
        np.concatenate([extract_tile(data, level, x, y, **kwargs) for x in range(nx_tiles)], axis=1)
        for y in range(ny_tiles)
    ]
    return np.concatenate(rows, axis=0)


@pytest.mark.parametrize("shape", [(777, 1000), (257, 3), (1, 1), (600, 601)])
def test_tiles_are_nan_aware_block_means(shape, rng) -> None:
    data = rng.normal(0, 1, shape).astype(np.float32)
    data[rng.random(shape) < 0.2] = np.nan
    data[: min(8, shape[0]), : min(8, shape[1])] = np.nan  # whole blocks of NaN
    before = data.copy()
    top = max_level(shape)
    for level in range(max(0, top - 2), top + 1):  # scales 1, 2, 4: exact means
        scale = 1 << (top - level)
        np.testing.assert_allclose(
            stitch(data, level), naive_level(data, scale), rtol=1e-5, atol=1e-6, equal_nan=True
        )
    np.testing.assert_array_equal(data, before)  # the source is never written


def test_coarse_levels_sample_and_mean_is_exact(rng) -> None:
    data = rng.normal(0, 1, (2048, 1536)).astype(np.float32)
    assert max_level(data.shape) == 3
    exact = naive_level(data, 8)
    np.testing.assert_allclose(
        extract_tile(data, 0, 0, 0, method="mean"), exact, rtol=1e-5, atol=1e-6
    )
    sampled = extract_tile(data, 0, 0, 0)  # 16 of the 64 pixels of each block
    assert sampled.shape == exact.shape
    # White noise: a mean of 16 samples has sigma 1/4 (the exact 64-pixel mean 1/8, plain
    # decimation 1), and differs from the exact mean by sqrt(1/16 - 1/64).
    assert np.std(sampled) == pytest.approx(0.25, rel=0.05)
    assert np.std(sampled - exact) == pytest.approx(np.sqrt(3 / 64), rel=0.05)
    assert abs(np.mean(sampled - exact)) < 0.01
    plain = extract_tile(data, 0, 0, 0, method="stride", anti_alias=1)
    np.testing.assert_array_equal(plain, data[4::8, 4::8][::-1])  # block centres


def test_edge_and_tiny_images() -> None:
    one = np.array([[7.5]], dtype=np.float32)
    assert extract_tile(one, 0, 0, 0).tolist() == [[7.5]]
    thin = np.arange(257 * 3, dtype=np.float32).reshape(257, 3)
    assert tile_grid(thin.shape, 1) == (1, 2, 1)
    assert extract_tile(thin, 1, 0, 1).tolist() == [[0.0, 1.0, 2.0]]  # FITS row 0, bottom
    level0 = extract_tile(thin, 0, 0, 0)
    assert level0.shape == (129, 2)
    assert level0[0, 0] == thin[256, 0:2].mean()  # the top block holds one row only
    assert level0[0, 1] == thin[256, 2]


def test_all_nan_tiles(rng) -> None:
    data = np.full((600, 600), np.nan, dtype=np.float32)
    for level in range(pyramid_levels(data.shape)):
        assert np.isnan(extract_tile(data, level, 0, 0)).all()


def test_out_of_range_tiles_are_not_found() -> None:
    shape = (777, 1000)
    for level, x, y in ((-1, 0, 0), (3, 0, 0), (2, 4, 0), (2, 0, 4), (0, 1, 0), (1, -1, 0)):
        with pytest.raises(NotFound) as err:
            extract_tile(np.zeros(shape, np.float32), level, x, y)
        assert err.value.code == "tile_out_of_range" and err.value.status == 404
    with pytest.raises(BadRequest):
        extract_tile(np.zeros((2, 3, 4), np.float32), 0, 0, 0)
    with pytest.raises(BadRequest):
        extract_tile(np.zeros((4, 4), np.float32), 0, 0, 0, method="bilinear")  # type: ignore[arg-type]


def test_big_endian_equals_native(rng) -> None:
    data = rng.normal(0, 1, (700, 500)).astype(np.float32)
    for level in range(pyramid_levels(data.shape)):
        np.testing.assert_array_equal(
            extract_tile(data.astype(">f4"), level, 0, 0), extract_tile(data, level, 0, 0)
        )


class Spy:
    """An array that counts how many elements are read through it."""

    def __init__(self, raw: np.ndarray) -> None:
        self.raw, self.read = raw, 0
        self.shape, self.ndim, self.dtype = raw.shape, raw.ndim, raw.dtype

    def __getitem__(self, key):
        part = np.asarray(self.raw[key])
        self.read += part.size
        return part


def test_tiles_read_only_their_window() -> None:
    huge = Spy(np.broadcast_to(np.float32(1.0), (40_000, 50_000)))  # 8 GB, never allocated
    top = max_level(huge.shape)
    for level in (0, 3, top):
        huge.read = 0
        tile = extract_tile(huge, level, 0, 0)
        assert np.all(tile == 1.0)
        assert huge.read <= 16 * tile.size, (level, huge.read)


@pytest.fixture(scope="module")
def scaled_file(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """int16 data with BSCALE/BZERO and BLANK, as astropy writes it."""
    rng = np.random.default_rng(5)
    values = rng.normal(5.0, 2.0, (300, 520)).astype(np.float32)
    hdu = fits.ImageHDU(values.copy(), name="SCI")
    hdu.scale("int16", bscale=0.001, bzero=5.0)
    path = tmp_path_factory.mktemp("scaled") / "scaled.fits"
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
    with fits.open(path, memmap=False) as hdul:
        expected = hdul["SCI"].data.astype(np.float32)
    return path, expected


def test_scaled_int16_is_converted_per_tile(scaled_file) -> None:
    path, expected = scaled_file
    with open_fits(path, FitsLimits()) as hdul:
        data = hdu_image(hdul["SCI"])
        assert isinstance(data, ScaledArray) and data.raw.dtype == np.dtype(">i2")
        assert "data" not in hdul["SCI"].__dict__  # astropy never scaled the whole array
        for level in range(pyramid_levels(data.shape)):
            np.testing.assert_allclose(
                stitch(data, level), stitch(expected, level), rtol=1e-6, atol=1e-6
            )
        del data


def test_stored_image_from_scan_layout(scaled_file) -> None:
    path, expected = scaled_file
    layout = scan_fits(path, FitsLimits())[1]
    data = stored_image(path, layout)
    assert isinstance(data, ScaledArray)
    np.testing.assert_allclose(
        extract_tile(data, 1, 1, 0), extract_tile(expected, 1, 1, 0), rtol=1e-6
    )


def test_unsigned_and_blank_values(tmp_path) -> None:
    path = write_large_image(tmp_path / "u16.fits", (300, 280), np.uint16)
    with fits.open(path, memmap=False) as hdul:
        expected = hdul["SCI"].data.astype(np.float32)
    layout = scan_fits(path, FitsLimits())[1]
    data = stored_image(path, layout)
    assert isinstance(data, ScaledArray) and data.bzero == 32768
    np.testing.assert_array_equal(extract_tile(data, 1, 0, 0), extract_tile(expected, 1, 0, 0))
    raw = np.array([[1, -32768], [3, 4]], dtype=">i2")
    blanked = ScaledArray(raw, 2.0, 1.0, blank=-32768)
    np.testing.assert_array_equal(blanked[...], [[3.0, np.nan], [7.0, 9.0]])


def test_cube_slices(tmp_path, rng) -> None:
    path = write_large_image(tmp_path / "cube.fits", (4, 300, 280), np.float32)
    with open_fits(path, FitsLimits()) as hdul:
        cube = hdu_image(hdul["SCI"])
        with fits.open(path, memmap=False) as plain:
            expected = plain["SCI"].data
        for k in (0, 3):
            np.testing.assert_array_equal(
                extract_tile(cube[k], 1, 1, 1), extract_tile(expected[k], 1, 1, 1)
            )
        del cube
    path = write_large_image(tmp_path / "icube.fits", (3, 100, 90), np.uint16)
    stored = stored_image(path, scan_fits(path, FitsLimits())[1])
    plane = stored.plane(2)
    assert isinstance(plane, ScaledArray) and plane.shape == (100, 90)
    with fits.open(path, memmap=False) as plain:
        np.testing.assert_array_equal(extract_tile(plane, 0, 0, 0), plain["SCI"].data[2][::-1])


def test_thumbnail(rng) -> None:
    data = np.repeat(np.arange(1000, dtype=np.float32)[:, None], 700, axis=1)
    thumb = thumbnail(data, 200)
    assert thumb.shape == (200, 140)
    assert thumb[0, 0] > thumb[-1, 0]  # north up
    np.testing.assert_allclose(thumb, naive_level(data, 5), rtol=1e-6)
    assert thumbnail(data, 5000).shape == data.shape


def is_mapped(array: np.ndarray) -> bool:
    base = array
    while base is not None:
        if isinstance(base, np.memmap | mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


def test_hdu_image_kinds(tmp_path, rng) -> None:
    values = rng.normal(0, 1, (300, 280)).astype(np.float32)
    path = tmp_path / "kinds.fits"
    fits.HDUList(
        [
            fits.PrimaryHDU(),
            fits.ImageHDU(values, name="SCI"),
            fits.CompImageHDU(values, name="COMP", compression_type="GZIP_1"),
        ]
    ).writeto(path)
    with open_fits(path, FitsLimits()) as hdul:
        plain = hdu_image(hdul["SCI"])
        assert isinstance(plain, np.ndarray) and plain.dtype == np.dtype(">f4")
        assert is_mapped(plain)  # astropy's memory map, not a copy
        assert advise_random(plain)  # read-ahead off for the scattered reads of tiles
        assert not advise_random(values)
        compressed = hdu_image(hdul["COMP"])
        assert not isinstance(compressed, np.ndarray)  # astropy's section: read per slice
        with fits.open(path) as plain_open:
            decompressed = plain_open["COMP"].data  # float tile compression quantises
        for level in range(pyramid_levels(values.shape)):
            np.testing.assert_array_equal(
                extract_tile(compressed, level, 0, 0), extract_tile(decompressed, level, 0, 0)
            )
        del plain, compressed
