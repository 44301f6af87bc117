"""Image information: shapes, levels, statistics, histogram, WCS, cube axis; its cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from tests.support.fits_files import gradient, sky_header, write_image
from webbscope.fits import FitsLimits
from webbscope.imaging import ScaledArray, pyramid_levels, stored_image
from webbscope.services.engine.files import OpenFile
from webbscope.services.engine.info import InfoCache, exact_minmax, image_info
from webbscope.storage import LocalStorage

SHA = "1" * 64


def _info(path: Path, ext: str = "SCI"):  # type: ignore[no-untyped-def]
    f = OpenFile(SHA, path, FitsLimits())
    return image_info(f, f.find(ext))


def test_image_info_of_an_i2d(i2d: Path) -> None:
    info = _info(i2d)
    with fits.open(i2d) as hdul:
        data = hdul["SCI"].data
        bunit = hdul["SCI"].header["BUNIT"]
    assert info.ext == "SCI" and info.index == 1
    assert info.shape == list(data.shape) and info.dtype == "float32" and info.bunit == bunit
    assert [h.name for h in info.hdus][:4] == ["PRIMARY", "SCI", "ERR", "DQ"]
    assert info.hdus[0].type == "primary" and info.hdus[1].type == "image"
    assert len(info.levels) == pyramid_levels(data.shape) and info.tile_size == 256
    top = info.levels[-1]
    assert (top.width, top.height, top.scale) == (data.shape[1], data.shape[0], 1)
    assert info.cube is None and info.flip_y is True
    assert info.wcs is not None and info.wcs["CTYPE1"] == "RA---TAN"
    stats = info.stats
    assert stats.exact_minmax
    assert stats.min == float(np.nanmin(data)) and stats.max == float(np.nanmax(data))
    for key in ("0.05", "0.25", "0.5", "99", "99.5", "99.75", "99.9", "99.95", "50"):
        assert key in stats.percentiles
    values = sorted(stats.percentiles.values())
    assert values == [stats.percentiles[k] for k in sorted(stats.percentiles, key=float)]
    assert stats.zscale is not None and stats.zscale[0] < stats.zscale[1]
    hist = info.histogram
    assert len(hist.counts) == 256 and len(hist.edges) == 257
    assert sum(hist.counts) == hist.total == stats.samples


def test_a_cube_has_its_spectral_axis(s3d: Path) -> None:
    info = _info(s3d)
    assert info.cube is not None
    assert info.cube.size == info.shape[0] == len(info.cube.values)
    assert info.cube.unit == "um"
    assert info.cube.values[0] < info.cube.values[-1]
    assert info.wcs is not None and "CTYPE3" not in info.wcs


def test_scaled_data_and_images_without_wcs(tmp_path: Path) -> None:
    values = gradient(30, 50) / 10.0
    path = write_image(tmp_path / "s.fits", values, bscale=0.1, bzero=0.0)
    info = _info(path)
    assert info.dtype == "float32" and info.wcs is None and info.bunit is None
    assert info.stats.min == 0.0 and abs(info.stats.max - values.max()) < 1e-3


def test_exact_minmax_streams_any_layout(tmp_path: Path) -> None:
    cube = np.random.default_rng(0).normal(size=(5, 40, 30)).astype(np.float32)
    cube[2, 3, 4] = np.nan
    path = write_image(tmp_path / "c.fits", cube, header=sky_header(30, 40))
    f = OpenFile(SHA, path, FitsLimits())
    lo, hi = exact_minmax(f.data(1))  # type: ignore[misc]
    assert (lo, hi) == (float(np.nanmin(cube)), float(np.nanmax(cube)))
    scaled = write_image(tmp_path / "i.fits", gradient(10, 10) * 1.0, bscale=2.0, bzero=7.0)
    g = OpenFile(SHA, scaled, FitsLimits())
    layout = g.find("SCI")
    data = stored_image(scaled, layout)
    assert isinstance(data, ScaledArray)
    assert exact_minmax(data) == (float(np.min(data[...])), float(np.max(data[...])))
    with fits.open(scaled) as hdul:
        assert exact_minmax(data) == (float(hdul[1].data.min()), float(hdul[1].data.max()))
    nan = write_image(tmp_path / "n.fits", np.full((4, 4), np.nan, np.float32))
    assert exact_minmax(OpenFile(SHA, nan, FitsLimits()).data(1)) is None


def test_all_nan_image_has_empty_statistics(tmp_path: Path) -> None:
    path = write_image(tmp_path / "n.fits", np.full((20, 20), np.nan, np.float32))
    info = _info(path)
    assert info.stats.min is None and info.stats.max is None
    assert info.stats.percentiles == {} and info.stats.zscale is None
    assert info.histogram.total == 0
    assert info.all_nan is True


def test_all_nan_is_decided_over_every_pixel_not_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large image whose few finite pixels the sample misses is not called all NaN."""
    from webbscope.imaging import sample_pixels
    from webbscope.services.engine import info as info_module

    monkeypatch.setattr(info_module, "EXACT_MINMAX_BYTES", 0)  # as for a large image
    monkeypatch.setattr(
        info_module, "sample_pixels", lambda d: sample_pixels(d, min_samples=4, max_samples=4)
    )
    data = np.full((64, 64), np.nan, np.float32)
    data[0, 0] = 3.0  # off the sample's lattice
    info = _info(write_image(tmp_path / "sparse.fits", data))
    assert info.stats.samples == 0 and not info.stats.exact_minmax
    assert info.all_nan is False
    data[0, 0] = np.inf
    assert _info(write_image(tmp_path / "inf.fits", data)).all_nan is True


def test_an_ordinary_image_is_not_all_nan(i2d: Path) -> None:
    assert _info(i2d).all_nan is False


def test_info_cache_memory_then_storage(i2d: Path, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    info = _info(i2d)
    cache = InfoCache(storage)
    assert cache.get(SHA, 1) is None
    cache.put(SHA, info)
    assert cache.get(SHA, 1) is info
    assert storage.exists(f"tiles/{SHA}/info.json")
    fresh = InfoCache(storage)
    again = fresh.get(SHA, 1)
    assert again == info
    other = _info(i2d, "ERR")
    fresh.put(SHA, other)
    assert InfoCache(storage).get(SHA, 2) == other and InfoCache(storage).get(SHA, 1) == info


def test_image_info_names_the_native_frame(i2d: Path) -> None:
    """The readout keeps the image's own frame; image-info says which it is."""
    from tests.support.corpus import corpus_files

    corpus = {
        p.name: p
        for p in corpus_files(Path(__file__).resolve().parents[3] / ".cache" / "fits-corpus")
    }
    assert _info(i2d).frame == "ICRS"
    assert _info(corpus["galactic_car.fits"]).frame == "galactic"
    assert _info(corpus["rice_compressed_b1950.fits"]).frame == "FK4"
    assert _info(corpus["cadc_fk5.fits"]).frame == "FK5"
    assert _info(corpus["fixed-1890.fits"]).frame is None
