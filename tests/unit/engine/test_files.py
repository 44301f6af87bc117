"""Open files (layouts, headers, memory-mapped data) and the view cache."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from tests.support.fits_files import gradient, sky_header, write_image
from webbscope.errors import NotFound, PayloadTooLarge, Unprocessable
from webbscope.fits import FitsLimits
from webbscope.imaging import Interval, RenderParams, ScaledArray, display_limits
from webbscope.services.engine.files import FileCache, OpenFile, ViewCache

SHA = "0" * 64


def test_find_extensions_by_name_version_and_index(i2d: Path) -> None:
    f = OpenFile(SHA, i2d, FitsLimits())
    assert f.find("SCI").index == 1
    assert f.find("sci").index == 1
    assert f.find("SCI,1").index == 1
    assert f.find("2").name == "ERR"
    with pytest.raises(NotFound) as info:
        f.find("NOPE")
    assert info.value.code == "extension_not_found"
    assert "SCI" in info.value.details["images"]
    with pytest.raises(Unprocessable) as bad:
        f.find("0")  # the empty primary header
    assert bad.value.code == "not_an_image"


def test_a_table_is_not_an_image(x1d: Path) -> None:
    f = OpenFile(SHA, x1d, FitsLimits())
    with pytest.raises(NotFound):
        f.find("SCI")  # no image at all to fall back on
    with pytest.raises(Unprocessable):
        f.find("EXTRACT1D")


def test_sci_falls_back_to_a_primary_image(tmp_path: Path) -> None:
    path = write_image(tmp_path / "p.fits", gradient(30, 40), primary_only=True)
    f = OpenFile(SHA, path, FitsLimits())
    layout = f.find("SCI")
    assert layout.index == 0
    assert f.plane(layout, 0).shape == (30, 40)


def test_cube_planes(s3d: Path) -> None:
    f = OpenFile(SHA, s3d, FitsLimits())
    layout = f.find("SCI")
    nz = layout.shape[0]  # type: ignore[index]
    with fits.open(s3d) as hdul:
        expected = hdul["SCI"].data[nz - 1]
    np.testing.assert_array_equal(np.asarray(f.plane(layout, nz - 1)), expected)
    with pytest.raises(NotFound) as info:
        f.plane(layout, nz)
    assert info.value.code == "slice_out_of_range"


def test_a_2d_image_has_only_slice_0(i2d: Path) -> None:
    f = OpenFile(SHA, i2d, FitsLimits())
    with pytest.raises(NotFound):
        f.plane(f.find("SCI"), 1)


def test_scaled_int16_is_read_lazily_and_scaled(tmp_path: Path) -> None:
    values = gradient(20, 30) / 100.0
    path = write_image(tmp_path / "s.fits", values, bscale=0.01, bzero=50.0)
    f = OpenFile(SHA, path, FitsLimits())
    data = f.data(f.find("SCI").index)
    assert isinstance(data, ScaledArray)
    with fits.open(path) as hdul:
        assert hdul["SCI"].header["BITPIX"] == 16
        np.testing.assert_allclose(np.asarray(data[...]), hdul["SCI"].data, rtol=1e-6)


def test_wcs_is_celestial_or_none(tmp_path: Path, s3d: Path) -> None:
    with_wcs = write_image(tmp_path / "w.fits", gradient(8, 8), header=sky_header(8, 8))
    assert OpenFile(SHA, with_wcs, FitsLimits()).wcs(1).naxis == 2  # type: ignore[union-attr]
    cube = OpenFile(SHA, s3d, FitsLimits())
    assert cube.wcs(1).naxis == 2  # type: ignore[union-attr]
    bare = write_image(tmp_path / "b.fits", gradient(8, 8))
    assert OpenFile(SHA, bare, FitsLimits()).wcs(1) is None


def test_limits_are_checked_before_anything_is_mapped(i2d: Path) -> None:
    with pytest.raises(PayloadTooLarge) as size:
        OpenFile(SHA, i2d, FitsLimits(max_bytes=1000))
    assert size.value.code == "fits_too_large"
    with pytest.raises(PayloadTooLarge) as elements:
        OpenFile(SHA, i2d, FitsLimits(max_elements=100))
    assert elements.value.code == "fits_array_too_large"


def test_file_cache_reuses_reopens_and_closes(tmp_path: Path) -> None:
    cache = FileCache(2, FitsLimits())
    paths = [write_image(tmp_path / f"{i}.fits", gradient(8, 8) + i) for i in range(3)]
    first = cache.open("a" * 64, paths[0])
    assert cache.open("a" * 64, paths[0]) is first
    write_image(paths[0], gradient(9, 9))  # the file changed on disk
    st = paths[0].stat()
    os.utime(paths[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = cache.open("a" * 64, paths[0])
    assert again is not first and again.layouts[1].shape == (9, 9)
    cache.open("b" * 64, paths[1])
    cache.open("c" * 64, paths[2])
    assert len(cache) == 2


def test_view_cache_computes_once_per_interval(i2d: Path) -> None:
    f = OpenFile(SHA, i2d, FitsLimits())
    views = ViewCache(1 << 20)
    params = RenderParams(interval=Interval.percentile(99.5))
    one = views.view(f, 1, 0, params)
    assert views.view(f, 1, 0, RenderParams(cmap="viridis", interval=params.interval)) is one
    assert (one.vmin, one.vmax) == display_limits(f.data(1), params.interval)
    other = views.view(f, 1, 0, RenderParams(interval=Interval.minmax()))
    assert other is not one
    histeq = views.view(f, 1, 0, RenderParams(stretch="histeq", interval=params.interval))
    assert histeq.histeq is not None and one.histeq is None
    assert len(views.cache) == 3


def test_the_same_content_under_two_keys_shares_one_open_file(tmp_path: Path) -> None:
    cache = FileCache(4, FitsLimits())
    a = write_image(tmp_path / "a.fits", gradient(8, 8))
    b = tmp_path / "b.fits"
    b.write_bytes(a.read_bytes())
    first = cache.open("d" * 64, a)
    assert cache.open("d" * 64, b) is first
    a.unlink()  # the first owner's copy is gone: the other one is opened
    again = cache.open("d" * 64, b)
    assert again is not first and again.path == b


def test_extensions_with_any_name_are_found_by_name_and_by_index(tmp_path: Path) -> None:
    """Issue: names with path characters could not be chosen (400); an index always works."""
    hdus = [fits.PrimaryHDU()]
    for name in ("raw/sci", "chip,1", "SCI"):
        hdus.append(fits.ImageHDU(np.zeros((4, 5), np.float32), name=name))
    hdus.append(fits.ImageHDU(np.zeros((4, 5), np.float32), name="SCI", ver=2))
    path = tmp_path / "names.fits"
    fits.HDUList(hdus).writeto(path)
    file = OpenFile("e" * 64, path, FitsLimits())
    assert file.find("raw/sci").index == 1 and file.find("RAW/SCI").index == 1
    assert file.find("chip,1").index == 2  # a comma in the name, not a version
    assert file.find("SCI").index == 3 and file.find("SCI,2").index == 4
    assert file.find("1").index == 1 and file.find("4").index == 4
    file.close()
