from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from webbscope.demo import write_large_image
from webbscope.fits import FitsLimits, scan_fits


def test_large_float_image_is_written_in_chunks(tmp_path: Path) -> None:
    shape = (4000, 2500)  # 40 MB of float32, written 4 MB at a time
    path = tmp_path / "large_i2d.fits"
    tracemalloc.start()
    try:
        write_large_image(path, shape, np.float32, seed=3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak  # half the image: it never was in memory
    layouts = scan_fits(path, FitsLimits())
    assert [layout.name for layout in layouts] == ["PRIMARY", "SCI"]
    assert layouts[1].shape == shape and layouts[1].dtype == "float32"
    assert path.stat().st_size % 2880 == 0
    with fits.open(path, memmap=True) as hdul:
        assert hdul[0].header["TELESCOP"] == "JWST"
        sci = hdul["SCI"]
        assert sci.shape == shape
        assert WCS(sci.header).has_celestial
        rows = np.asarray(sci.data[2090:2110])
        assert np.isfinite(rows).all() and 0.0 < float(rows.mean()) < 5.0
        del rows, sci


def test_large_image_is_deterministic(tmp_path: Path) -> None:
    a = write_large_image(tmp_path / "a.fits", (300, 200), seed=1)
    b = write_large_image(tmp_path / "b.fits", (300, 200), seed=1)
    c = write_large_image(tmp_path / "c.fits", (300, 200), seed=2)
    assert a.read_bytes()[2880 * 2 :] == b.read_bytes()[2880 * 2 :]
    assert fits.getdata(a, 1).tobytes() == fits.getdata(b, 1).tobytes()
    assert fits.getdata(a, 1).tobytes() != fits.getdata(c, 1).tobytes()


@pytest.mark.parametrize("dtype", [np.uint16, np.int16, np.uint32, np.float64, np.uint8])
def test_large_image_dtypes(tmp_path: Path, dtype: type) -> None:
    path = write_large_image(tmp_path / "cube.fits", (3, 50, 40), dtype)
    with fits.open(path) as hdul:
        data = hdul["SCI"].data
        assert data.shape == (3, 50, 40)
        assert data.dtype.name == np.dtype(dtype).name
        assert data.max() > data.min()


def test_large_image_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported dtype"):
        write_large_image(tmp_path / "x.fits", (10, 10), np.complex64)
    with pytest.raises(ValueError, match="shape"):
        write_large_image(tmp_path / "x.fits", (0, 10))
