"""WCS mosaics against `reproject.mosaicking.reproject_and_coadd` (the reference), and the
plan's checks, combine methods, background matching and the on-disk FITS."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.errors import PayloadTooLarge, Unprocessable
from webbscope.imaging.mosaic import (
    CombineOptions,
    MosaicInput,
    combine_stack,
    inspect_input,
    overlap_area,
    plan_mosaic,
    plan_summary,
    run_mosaic,
    solve_offsets,
)

EDGE = 3


def _inputs(paths: list[Path], weights: str = "auto") -> list[MosaicInput]:
    return [
        inspect_input(str(p), f"r{i}", p.name, weights=weights)  # type: ignore[arg-type]
        for i, p in enumerate(paths)
    ]


def _interior(coverage: np.ndarray) -> np.ndarray:
    """Pixels at least EDGE pixels from any uncovered pixel (and from the border)."""
    from scipy.ndimage import binary_erosion

    return binary_erosion(coverage, iterations=EDGE, border_value=0)


def _reference(paths: list[Path], plan, weights: bool, combine: str = "mean"):
    from reproject import reproject_interp
    from reproject.mosaicking import reproject_and_coadd

    data = [(fits.getdata(p, "SCI"), WCS(fits.getheader(p, "SCI"))) for p in paths]
    w_in = [fits.getdata(p, "WHT") for p in paths] if weights else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reproject_and_coadd(
            data,
            plan.grid.wcs,
            shape_out=plan.grid.shape,
            input_weights=w_in,
            reproject_function=reproject_interp,
            combine_function=combine,
            order="bilinear",
        )


@pytest.fixture(scope="module")
def tiles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_mosaic_tiles(
        tmp_path_factory.mktemp("tiles"), rows=2, cols=3, shape=(160, 200), seed=3
    )


@pytest.mark.parametrize("weights", [False, True])
def test_mean_matches_reproject_and_coadd(tiles: list[Path], tmp_path: Path, weights: bool) -> None:
    inputs = _inputs(tiles, "wht" if weights else "none")
    plan = plan_mosaic(inputs, block=128)
    assert len(plan.blocks) > 4  # several blocks: the streaming is exercised
    result = run_mosaic(plan, tmp_path / "m.fits", CombineOptions("mean"))
    with fits.open(result.path) as hdul:
        ours = np.asarray(hdul["SCI"].data, dtype=np.float64)
        wht = np.asarray(hdul["WHT"].data, dtype=np.float64)
    ref, ref_fp = _reference(tiles, plan, weights)
    ours_cov = wht > 0
    ref_cov = ref_fp > 0
    assert np.array_equal(ours_cov, ref_cov)
    inner = _interior(ref_cov)
    assert inner.sum() > 0.5 * ref_cov.sum()
    rel = np.abs(ours[inner] - ref[inner]) / np.maximum(np.abs(ref[inner]), 1e-6)
    assert float(rel.max()) < 1e-4
    np.testing.assert_allclose(wht[inner], ref_fp[inner], rtol=1e-5)
    assert np.isnan(ours[~ours_cov]).all()


@pytest.mark.parametrize("combine", ["sum", "min", "max", "first", "last"])
def test_other_combines_match_reference(tiles: list[Path], tmp_path: Path, combine: str) -> None:
    inputs = _inputs(tiles, "none")
    plan = plan_mosaic(inputs, block=192)
    result = run_mosaic(plan, tmp_path / "m.fits", CombineOptions(combine))  # type: ignore[arg-type]
    ours = fits.getdata(result.path, "SCI").astype(np.float64)
    ref, ref_fp = _reference(tiles, plan, False, combine)
    inner = _interior(ref_fp > 0)
    rel = np.abs(ours[inner] - ref[inner]) / np.maximum(np.abs(ref[inner]), 1e-6)
    assert float(rel.max()) < 1e-4


def test_median_and_clipping_on_a_stack() -> None:
    v = np.array([[[1.0]], [[2.0]], [[3.0]], [[100.0]], [[2.5]]], dtype=np.float32)
    w = np.ones_like(v)
    med, wsum = combine_stack(v, w, CombineOptions("median"))
    assert med[0, 0] == pytest.approx(2.5) and wsum[0, 0] == 5
    mean, _ = combine_stack(v, w, CombineOptions("mean"))
    assert mean[0, 0] == pytest.approx(21.7, rel=1e-5)
    clipped, wsum = combine_stack(v, w, CombineOptions("mean", clip=True))
    assert clipped[0, 0] == pytest.approx(2.125) and wsum[0, 0] == 4
    none, wsum = combine_stack(v, np.zeros_like(v), CombineOptions("max"))
    assert np.isnan(none[0, 0]) and wsum[0, 0] == 0


def test_background_matching_removes_offsets(tmp_path: Path) -> None:
    offsets = [0.0, 0.5, -0.3, 0.2]
    paths = write_mosaic_tiles(
        tmp_path / "in", rows=2, cols=2, shape=(150, 150), offsets=offsets, noise=0.0, seed=5
    )
    plain = write_mosaic_tiles(
        tmp_path / "plain", rows=2, cols=2, shape=(150, 150), noise=0.0, seed=5
    )
    plan = plan_mosaic(_inputs(paths, "none"))
    result = run_mosaic(plan, tmp_path / "m.fits", CombineOptions("mean"), match_background=True)
    expected = np.array(offsets) - np.mean(offsets)
    np.testing.assert_allclose(result.offsets, expected, atol=1e-3)
    truth_plan = plan_mosaic(_inputs(plain, "none"))
    truth = run_mosaic(truth_plan, tmp_path / "t.fits", CombineOptions("mean"))
    ours = fits.getdata(result.path, "SCI")
    ref = fits.getdata(truth.path, "SCI")
    good = np.isfinite(ref)
    assert float(np.abs(ours[good] - (ref[good] + np.mean(offsets))).max()) < 2e-3


def test_solve_offsets_least_squares() -> None:
    o = solve_offsets([(0, 1, -1.0), (1, 2, -1.0), (0, 2, -2.0)], 3)
    np.testing.assert_allclose(o, [-1.0, 0.0, 1.0], atol=1e-9)
    o = solve_offsets([(0, 1, -1.0)], 3, reference=0)
    np.testing.assert_allclose(o[:2], [0.0, 1.0], atol=1e-9)


def test_plan_reports_grid_estimate_overlaps_and_footprints(tiles: list[Path]) -> None:
    plan = plan_mosaic(_inputs(tiles), block=256)
    s = plan_summary(plan)
    assert s["width"] * s["height"] == s["pixels"]
    assert s["disk_bytes"] >= 8 * s["pixels"] and s["memory_bytes"] > 0 and s["seconds"] > 0
    assert len(s["inputs"]) == 6 and all(len(i["footprint"]) == 4 for i in s["inputs"])
    pairs = {(o["a"], o["b"]) for o in s["overlaps"]}
    assert ("r0", "r1") in pairs and ("r0", "r3") in pairs and ("r0", "r2") not in pairs
    assert s["groups"] == [["r0", "r1", "r2", "r3", "r4", "r5"]]
    # north up at the finest input scale
    assert s["wcs"]["CTYPE1"] == "RA---TAN"
    assert abs(s["pixel_scale_arcsec"] - 0.063) < 1e-3


def test_overlap_area_of_squares() -> None:
    a = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], dtype=float)
    b = a + 1.0
    assert overlap_area(a, b) == pytest.approx(1.0)
    assert overlap_area(a, a + 5.0) == 0.0


def test_disconnected_groups_are_refused_and_listed(tmp_path: Path) -> None:
    paths = write_mosaic_tiles(tmp_path, rows=1, cols=3, shape=(64, 64), gap=(0, 2), seed=1)
    with pytest.raises(Unprocessable) as err:
        plan_mosaic(_inputs(paths))
    assert err.value.code == "disconnected_groups"
    groups = err.value.details["groups"]
    assert [g["record_ids"] for g in groups] == [["r0", "r1"], ["r2"]]


def test_mixed_units_refused_unless_allowed(tmp_path: Path) -> None:
    a = write_mosaic_tiles(tmp_path / "a", rows=1, cols=2, shape=(64, 64), seed=1)
    b = write_mosaic_tiles(tmp_path / "b", rows=1, cols=2, shape=(64, 64), seed=1, bunit="DN/s")
    inputs = _inputs([a[0], b[1]])
    with pytest.raises(Unprocessable) as err:
        plan_mosaic(inputs)
    assert err.value.code == "mixed_units"
    assert plan_mosaic(inputs, allow_mixed_units=True).estimate.pixels > 0


def test_no_wcs_and_cubes_are_named(tmp_path: Path) -> None:
    good = write_mosaic_tiles(tmp_path, rows=1, cols=1, shape=(64, 64))[0]
    bare = tmp_path / "bare.fits"
    fits.HDUList(
        [fits.PrimaryHDU(), fits.ImageHDU(np.zeros((8, 8), np.float32), name="SCI")]
    ).writeto(bare)
    with pytest.raises(Unprocessable) as err:
        plan_mosaic(_inputs([good, bare]))
    assert err.value.code == "no_celestial_wcs"
    assert err.value.details["inputs"] == [{"record_id": "r1", "name": "bare.fits"}]
    cube = tmp_path / "cube.fits"
    h = fits.getheader(good, "SCI")
    cube_hdu = fits.ImageHDU(np.zeros((3, 64, 64), np.float32), name="SCI")
    cube_hdu.header.update(WCS(h).to_header())
    cube_hdu.header["CTYPE3"] = "WAVE"
    fits.HDUList([fits.PrimaryHDU(), cube_hdu]).writeto(cube)
    with pytest.raises(Unprocessable) as err:
        plan_mosaic(_inputs([good, cube]))
    assert err.value.code == "mixed_dimensions"


def test_over_the_pixel_limit_is_413_with_the_estimate(tiles: list[Path]) -> None:
    with pytest.raises(PayloadTooLarge) as err:
        plan_mosaic(_inputs(tiles), max_pixels=1000)
    assert err.value.details["pixels"] > 1000 and err.value.details["disk_bytes"] > 0
    with pytest.raises(PayloadTooLarge):
        plan_mosaic(_inputs(tiles), max_bytes=10_000)


def test_fits_carries_source_keywords_and_wcs(tiles: list[Path], tmp_path: Path) -> None:
    plan = plan_mosaic(_inputs(tiles))
    result = run_mosaic(plan, tmp_path / "m.fits", CombineOptions("mean"))
    with fits.open(result.path) as hdul:
        hdul.verify("exception")
        p = hdul[0].header
        assert p["TELESCOP"] == "JWST" and p["INSTRUME"] == "NIRCAM" and p["FILTER"] == "F200W"
        assert p["TARGNAME"] == "MOSAIC-FIELD" and p["NINPUTS"] == 6
        assert hdul["SCI"].header["BUNIT"] == "MJy/sr"
        w = WCS(hdul["SCI"].header)
        assert w.has_celestial and hdul["SCI"].data.shape == plan.grid.shape
    assert result.preview.shape == plan.grid.shape  # small mosaic: the preview is full size
