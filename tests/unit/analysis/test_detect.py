"""Source detection: the fast path checked against photutils (detect_sources, SourceCatalog,
Background2D), the star finders, and the catalogue files."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.convolution import convolve
from astropy.io import fits
from astropy.table import Table
from photutils.background import Background2D, MedianBackground
from photutils.segmentation import SourceCatalog, make_2dgaussian_kernel
from photutils.segmentation import detect_sources as photutils_detect_sources

from tests.unit.analysis.helpers import star_field, tan_wcs
from webbscope.analysis import (
    CATALOGUE_COLUMNS,
    DetectParams,
    catalogue_fits,
    convolve_gaussian,
    detect_fast,
    detect_photutils,
    detect_sources,
    estimate_background,
    export_catalogue,
    gaussian_kernel_1d,
    measure,
    segment,
    table_from_fits,
)
from webbscope.analysis._detect import filtered
from webbscope.errors import Unprocessable


def test_kernel_is_photutils_kernel() -> None:
    k1 = gaussian_kernel_1d(3.0)
    ref = make_2dgaussian_kernel(3.0, size=5).array
    np.testing.assert_allclose(np.outer(k1, k1), ref, atol=2e-4)


def test_convolution_matches_astropy_convolve() -> None:
    img = star_field(128)
    k1 = gaussian_kernel_1d(3.0)
    ref = convolve(img, np.outer(k1, k1), boundary="fill", fill_value=0.0, normalize_kernel=False)
    np.testing.assert_allclose(convolve_gaussian(img, 3.0), ref, rtol=1e-5, atol=1e-4)


def test_background_close_to_background2d() -> None:
    img = star_field(512)
    fast = estimate_background(img, 64)
    ref = Background2D(img, (64, 64), filter_size=3, bkg_estimator=MedianBackground())
    assert np.abs(fast.background() - ref.background).max() < 0.25  # noise sigma is 1
    assert np.abs(fast.rms() - ref.background_rms).max() < 0.1


def test_segmentation_and_measurements_equal_photutils() -> None:
    img = star_field(512)
    p = DetectParams(method="segmentation", threshold=3.0, npixels=8)
    bkg = estimate_background(img, p.box)
    sub, conv, mask, _ = filtered(img, bkg, p.fwhm, p.threshold)
    thr = p.threshold * bkg.rms()
    seg = segment(conv, thr, p.npixels)
    np.testing.assert_array_equal(mask, conv > thr)
    ref_seg = photutils_detect_sources(conv, thr, n_pixels=p.npixels)
    np.testing.assert_array_equal(seg.image(), ref_seg.data)
    err = np.full(img.shape, 0.7)
    ours = measure(sub, conv, seg, error=err)
    cat = SourceCatalog(sub, ref_seg, convolved_data=conv, error=err)
    for name, ref in (
        ("x", cat.x_centroid),
        ("y", cat.y_centroid),
        ("flux", cat.segment_flux),
        ("flux_err", cat.segment_flux_err),
        ("fwhm", cat.fwhm.value),
        ("ellipticity", cat.ellipticity.value),
        ("orientation", cat.orientation.value),
    ):
        np.testing.assert_allclose(
            ours[name], np.asarray(ref, dtype=float), rtol=1e-9, atol=1e-9, err_msg=name
        )


def test_fast_path_finds_what_the_photutils_path_finds() -> None:
    img = star_field(512, count=60)
    p = DetectParams(method="segmentation", threshold=3.0, npixels=8)
    fast = detect_fast(img, p)
    ref = detect_photutils(img, p)
    assert abs(len(fast) - len(ref)) <= 2
    near = 0
    for x, y in zip(ref.columns["x"], ref.columns["y"], strict=True):
        d = np.hypot(fast.columns["x"] - x, fast.columns["y"] - y)
        if d.min() < 0.5:
            near += 1
    assert near >= len(ref) - 2


def test_detected_sources_are_the_injected_ones_with_sky_positions() -> None:
    img = star_field(256, count=20, seed=5)
    cat = detect_sources(
        img, DetectParams(method="segmentation", threshold=5), wcs=tan_wcs(256, 256)
    )
    assert 15 <= len(cat) <= 20
    assert list(cat.columns) == list(CATALOGUE_COLUMNS)
    assert np.all(np.isfinite(cat.columns["ra"]))
    assert np.median(cat.columns["fwhm"]) == pytest.approx(1.4 * 2.3548, rel=0.35)


def test_star_finders_and_auto_choice() -> None:
    img = star_field(256, count=25, seed=9)
    dao = detect_sources(img, DetectParams(method="dao", threshold=5))
    iraf = detect_sources(img, DetectParams(method="iraf", threshold=5))
    assert len(dao) >= 15 and len(iraf) >= 15
    assert np.all(dao.columns["flags"] & 8)
    auto = detect_sources(img, DetectParams(method="auto", threshold=5))
    assert auto.method in ("dao", "segmentation") and auto.notes


def test_deblending_uses_photutils_and_flags_the_split_sources() -> None:
    y, x = np.mgrid[0:128, 0:128]
    img = np.random.default_rng(1).normal(0, 1, (128, 128))
    for cx in (58, 68):
        img += 50 * np.exp(-((x - cx) ** 2 + (y - 64) ** 2) / (2 * 2.5**2))
    plain = detect_sources(img, DetectParams(method="segmentation", threshold=3))
    split = detect_sources(img, DetectParams(method="segmentation", threshold=3, deblend=True))
    assert len(split) == len(plain) + 1
    assert np.count_nonzero(split.columns["flags"] & 4) == 2


def test_nan_pixels_and_bad_params() -> None:
    img = star_field(256, count=10)
    img[:, :20] = np.nan
    cat = detect_sources(img, DetectParams(method="segmentation", threshold=5))
    assert np.all(np.isfinite(cat.columns["x"]))
    with pytest.raises(Unprocessable) as exc:
        detect_sources(img, DetectParams(threshold=-1, fwhm=0))
    assert exc.value.code == "invalid_detect_params"
    with pytest.raises(Unprocessable) as exc:
        detect_sources(np.zeros((4, 4, 4)), DetectParams(method="segmentation"))
    assert exc.value.code == "not_an_image"


def test_catalogue_files() -> None:
    img = star_field(256, count=10, seed=2)
    cat = detect_sources(
        img, DetectParams(method="segmentation", threshold=5), wcs=tan_wcs(256, 256)
    )
    data = catalogue_fits(cat, bunit="MJy/sr", primary_cards={"TELESCOP": "JWST", "TARGNAME": "X"})
    with fits.open(__import__("io").BytesIO(data)) as hdul:
        assert hdul[0].header["NSOURCES"] == len(cat)
        assert hdul["CATALOG"].header["TUNIT2"] == "pix"
    table = table_from_fits(data)
    assert len(table) == len(cat)
    csv = export_catalogue(table, "csv").decode()
    assert csv.splitlines()[0] == ",".join(CATALOGUE_COLUMNS)
    ecsv = Table.read(export_catalogue(table, "ecsv").decode(), format="ascii.ecsv")
    assert str(ecsv["ra"].unit) == "deg"
    vot = Table.read(__import__("io").BytesIO(export_catalogue(table, "votable")), format="votable")
    assert len(vot) == len(cat)
    ds9 = export_catalogue(table, "ds9").decode()
    assert ds9.splitlines()[1] == "fk5" and ds9.count("circle(") == len(cat)
