"""The pyramid job's CPU part on a real FITS file: level files whose tiles equal the
on-request exact tiles of the file's science image."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.support.fits_files import sky_header, write_image
from webbscope.fits import FitsLimits
from webbscope.imaging import extract_tile, level_layout, tile_grid
from webbscope.services.engine.pyramid_build import build_pyramid, level_file_name


def test_build_pyramid_writes_every_level_tile_for_tile(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    data = rng.normal(0, 1, (700, 1100)).astype(np.float32)
    data[100:300, 50:90] = np.nan
    path = write_image(tmp_path / "img.fits", data, header=sky_header(1100, 700))
    out = tmp_path / "levels"
    out.mkdir()
    fractions: list[float] = []
    manifest = build_pyramid(
        lambda f, m: fractions.append(f), str(path), FitsLimits(), str(out), 1 << 16
    )
    assert manifest is not None
    assert sorted(manifest["levels"]) == ["0", "1", "2"]
    assert (manifest["height"], manifest["width"], manifest["planes"]) == (700, 1100, 1)
    assert fractions and fractions == sorted(fractions)
    for name in manifest["levels"]:
        level = int(name)
        lay = level_layout(data.shape, level)
        stored = np.fromfile(out / level_file_name(level), dtype="<f4").reshape(lay.shape)
        grid = tile_grid(data.shape, level)
        for y in range(grid.ny_tiles):
            for x in range(grid.nx_tiles):
                h, w = lay.tile_size(x, y)
                want = extract_tile(data, level, x, y, method="mean")
                np.testing.assert_allclose(
                    stored[0, y, x, :h, :w], want, rtol=2e-6, atol=1e-6, equal_nan=True
                )


def test_a_small_image_has_no_levels_to_store(tmp_path: Path) -> None:
    path = write_image(tmp_path / "s.fits", np.ones((64, 64), np.float32))
    manifest = build_pyramid(lambda f, m: None, str(path), FitsLimits(), str(tmp_path), 1 << 16)
    assert manifest is not None and manifest["levels"] == {}


def test_file_rows_read_what_the_memory_map_reads(tmp_path: Path) -> None:
    """The build reads with plain file reads (not a memory map that keeps the file's pages
    resident): scaled integers, any window, the same values as the viewer's memory map."""
    from webbscope.fits import open_fits, scan_fits
    from webbscope.imaging import file_rows, hdu_image

    rng = np.random.default_rng(3)
    data = rng.integers(0, 3000, (300, 410)).astype(np.float64) * 0.2 - 5.0
    path = write_image(tmp_path / "s.fits", data, bscale=0.2, bzero=-5.0)
    layout = next(lay for lay in scan_fits(path, FitsLimits()) if lay.shape)
    rows = file_rows(path, layout)
    with open_fits(path, FitsLimits()) as hdul:
        mapped = hdu_image(hdul[layout.index])
        for key in [(slice(0, 300), slice(0, 410)), (slice(17, 143), slice(40, 101))]:
            np.testing.assert_array_equal(rows[key], np.asarray(mapped[key], dtype=np.float32))
