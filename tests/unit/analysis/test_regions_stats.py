"""Regions and their statistics, checked against photutils' ApertureStats and regions."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from photutils.aperture import (
    ApertureStats,
    CircularAperture,
    EllipticalAperture,
    RectangularAperture,
)
from regions import PixCoord, PolygonPixelRegion

from tests.unit.analysis.helpers import tan_wcs
from webbscope.analysis import (
    percentiles,
    pixel_region,
    region_stats,
    region_to_spec,
    self_crossings,
)
from webbscope.errors import Unprocessable


def noisy() -> np.ndarray:
    rng = np.random.default_rng(7)
    d = rng.normal(5.0, 2.0, (300, 400)).astype(np.float32)
    d[100:105, 100:110] = np.nan
    return d


CASES = [
    (
        {"shape": "circle", "x": 100.3, "y": 102.7, "r": 30.2},
        CircularAperture((100.3, 102.7), 30.2),
    ),
    (
        {"shape": "ellipse", "x": 150.3, "y": 140.7, "a": 30.2, "b": 12.1, "angle": 33},
        EllipticalAperture((150.3, 140.7), 30.2, 12.1, theta=np.deg2rad(33)),
    ),
    (
        {"shape": "rectangle", "x": 390.3, "y": 140.7, "width": 30.2, "height": 12.1, "angle": -20},
        RectangularAperture((390.3, 140.7), 30.2, 12.1, theta=np.deg2rad(-20)),
    ),
    # partly off the image
    ({"shape": "circle", "x": 5.5, "y": 290.1, "r": 22}, CircularAperture((5.5, 290.1), 22)),
]


@pytest.mark.parametrize(("spec", "aperture"), CASES)
def test_stats_match_photutils_aperture_stats(spec: dict, aperture: object) -> None:
    data = noisy()
    err = np.full(data.shape, 0.5, dtype=np.float32)
    got = region_stats(data, pixel_region(spec), error=err, percentiles=[10, 90])
    ref = ApertureStats(data, aperture, error=err)
    # photutils' rectangle overlap is computed in single precision (its weights sum to
    # 365.41797 for a 30.2 x 12.1 box); the regions package's is exact.
    rel = 1e-4 if spec["shape"] == "rectangle" else 1e-6
    assert got.sum == pytest.approx(float(ref.sum), rel=rel)
    assert got.sum_err == pytest.approx(float(ref.sum_err), rel=rel)
    assert got.sum_area == pytest.approx(float(ref.sum_aper_area.value), rel=rel)
    for name in ("mean", "median", "std", "min", "max"):
        assert getattr(got, name) == pytest.approx(float(getattr(ref, name)), rel=1e-6), name
    assert got.pixels - got.nan_pixels == int(ref.center_aper_area.value)
    values = np.asarray(ref._data_values_center[0])
    assert got.percentiles["10"] == pytest.approx(float(np.percentile(values, 10)), rel=1e-6)
    assert got.percentiles["90"] == pytest.approx(float(np.percentile(values, 90)), rel=1e-6)


def test_nan_pixels_are_counted_and_skipped() -> None:
    data = noisy()
    got = region_stats(
        data, pixel_region({"shape": "rectangle", "x": 104.5, "y": 102, "width": 10, "height": 5})
    )
    assert got.pixels == 50
    assert got.nan_pixels == 50
    assert got.mean is None and got.median is None and got.sum is None
    assert got.area_pix == pytest.approx(50)


def test_all_nan_area_gives_counts_and_nulls() -> None:
    data = np.full((50, 50), np.nan, dtype=np.float32)
    got = region_stats(data, pixel_region({"shape": "circle", "x": 25, "y": 25, "r": 5}))
    assert got.pixels == 69 and got.nan_pixels == got.pixels  # as photutils counts centres
    assert got.sum is None and got.std is None and got.percentiles["99"] is None
    assert got.flux_jy is None


def test_area_and_flux_density_for_mjy_per_sr() -> None:
    wcs = tan_wcs(scale_arcsec=0.031)
    data = np.ones((300, 400), dtype=np.float32)
    got = region_stats(
        data,
        pixel_region({"shape": "circle", "x": 200, "y": 150, "r": 10}),
        wcs=wcs,
        bunit="MJy/sr",
    )
    area = np.pi * 100
    assert got.area_pix == pytest.approx(area, rel=1e-6)
    assert got.area_arcsec2 == pytest.approx(area * 0.031**2, rel=1e-6)
    sr = 0.031**2 * (u.arcsec**2).to(u.sr)
    assert got.flux_jy == pytest.approx(area * sr * 1e6, rel=1e-6)
    no_unit = region_stats(
        data, pixel_region({"shape": "circle", "x": 200, "y": 150, "r": 10}), wcs=wcs, bunit="DN/s"
    )
    assert no_unit.flux_jy is None and no_unit.area_arcsec2 is not None


def test_sky_circle_is_the_pixel_circle() -> None:
    wcs = tan_wcs(scale_arcsec=0.05)
    centre = SkyCoord.from_pixel(120, 80, wcs, origin=0)
    spec = {
        "shape": "circle",
        "frame": "icrs",
        "ra": centre.ra.deg,
        "dec": centre.dec.deg,
        "r": 1.0,
    }
    region = pixel_region(spec, wcs)
    assert float(region.center.x) == pytest.approx(120, abs=1e-6)
    assert float(region.radius) == pytest.approx(20, rel=1e-4)


def test_polygon_exact_overlap_equals_rotated_rectangle() -> None:
    data = noisy()
    cx, cy, w, h, t = 250.3, 180.6, 40.0, 18.0, np.deg2rad(25)
    c, s = np.cos(t), np.sin(t)
    corners = [
        (cx + dx * c - dy * s, cy + dx * s + dy * c)
        for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))
    ]
    poly = region_stats(data, pixel_region({"shape": "polygon", "points": corners}))
    ref = ApertureStats(data, RectangularAperture((cx, cy), w, h, theta=t))
    assert poly.sum == pytest.approx(float(ref.sum), rel=1e-4)
    assert poly.area_pix == pytest.approx(w * h, rel=1e-6)


def test_polygon_weights_match_regions_subpixel_masks() -> None:
    pts = np.array([[10.2, 10.1], [60.7, 20.3], [40.1, 70.9], [25.5, 40.2], [8.3, 55.0]])
    exact = PolygonPixelRegion(PixCoord(pts[:, 0], pts[:, 1])).to_mask(mode="exact").data
    fine = (
        PolygonPixelRegion(PixCoord(pts[:, 0], pts[:, 1]))
        .to_mask(mode="subpixels", subpixels=40)
        .data
    )
    assert np.abs(exact - fine).max() < 0.02


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ({"shape": "polygon", "points": [[0, 0], [5, 5]]}, "polygon_too_few_vertices"),
        (
            {"shape": "polygon", "points": [[0, 0], [10, 10], [10, 0], [0, 10]]},
            "polygon_self_intersecting",
        ),
        ({"shape": "circle", "x": 1, "y": 1, "r": -3}, "invalid_region"),
        ({"shape": "star", "x": 1, "y": 1}, "invalid_region"),
        ({"shape": "circle", "frame": "icrs", "ra": 1, "dec": 1, "r": 1}, "no_celestial_wcs"),
    ],
)
def test_bad_regions_are_422(spec: dict, code: str) -> None:
    with pytest.raises(Unprocessable) as exc:
        pixel_region(spec)
    assert exc.value.code == code


def test_region_wholly_outside_names_the_bounds() -> None:
    with pytest.raises(Unprocessable) as exc:
        region_stats(noisy(), pixel_region({"shape": "circle", "x": 900, "y": 20, "r": 10}))
    assert exc.value.code == "region_outside"
    assert exc.value.details["bounds"] == {
        "x": [-0.5, 399.5],
        "y": [-0.5, 299.5],
        "width": 400,
        "height": 300,
    }


def test_point_region_reads_one_pixel() -> None:
    data = noisy()
    got = region_stats(data, pixel_region({"shape": "point", "x": 12.4, "y": 7.6}))
    assert got.pixels == 1 and got.mean == pytest.approx(float(data[8, 12]))


def test_self_crossings_and_spec_round_trip() -> None:
    assert self_crossings(np.array([[0, 0], [4, 0], [4, 4], [0, 4]], dtype=float)) == []
    spec = {"shape": "ellipse", "x": 3.0, "y": 4.0, "a": 5.0, "b": 2.0, "angle": 10.0}
    back = region_to_spec(pixel_region(spec))
    assert back["a"] == pytest.approx(5) and back["angle"] == pytest.approx(10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_percentiles_equal_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for values in (
        rng.normal(5, 2, 600_000).astype(np.float32),
        rng.lognormal(0, 3, 300_000),
        np.round(rng.normal(0, 2, 400_000)).astype(np.float32),
        np.concatenate([rng.normal(0, 1, 300_000), [1e30]]).astype(np.float32),
    ):
        qs = [50, 0, 1, 5, 33.3, 99, 100]
        np.testing.assert_array_equal(percentiles(values, qs), np.percentile(values, qs))


@pytest.mark.parametrize(
    ("x", "y", "r"), [(200.3, 150.6, 140.7), (-30.2, 260.9, 95.5), (399.5, 0.0, 61.0)]
)
def test_large_circle_weights_are_sparse_and_exact(x: float, y: float, r: float) -> None:
    """A large circle's exact weights are computed on its edge only (tile by tile) and are
    the regions package's dense `to_mask(mode="exact")` weights."""
    from regions import CirclePixelRegion

    from webbscope.analysis import region_weights

    region = CirclePixelRegion(PixCoord(x, y), r)
    rw = region_weights(region, (300, 400))
    mask = region.to_mask(mode="exact")
    big, small = mask.get_overlap_slices((300, 400))
    assert (rw.ys, rw.xs) == big
    dense = mask.data[small]
    assert np.abs(rw.exact - dense).max() < 1e-12
    centre = region.to_mask(mode="center").data[small].astype(bool)
    assert np.array_equal(rw.center, centre)
    # Only the pixels on the edge carry explicit weights (tiles of 32 px on the edge).
    assert rw.edge_idx.size < 0.6 * dense.size


def test_large_circle_stats_match_aperture_stats() -> None:
    data = noisy()
    data[140:160, 300:330] = np.nan
    err = np.abs(np.random.default_rng(3).normal(1.0, 0.2, data.shape)).astype(np.float32)
    got = region_stats(data, pixel_region({"shape": "circle", "x": 250.3, "y": 149.6, "r": 170}))
    ref = ApertureStats(data, CircularAperture((250.3, 149.6), 170))
    assert got.sum == pytest.approx(float(ref.sum), rel=1e-6)
    assert got.sum_area == pytest.approx(float(ref.sum_aper_area.value), rel=1e-6)
    for name in ("mean", "median", "std", "min", "max"):
        assert getattr(got, name) == pytest.approx(float(getattr(ref, name)), rel=1e-6), name
    with_err = region_stats(
        data, pixel_region({"shape": "circle", "x": 250.3, "y": 149.6, "r": 170}), error=err
    )
    ref_err = ApertureStats(data, CircularAperture((250.3, 149.6), 170), error=err)
    assert with_err.sum_err == pytest.approx(float(ref_err.sum_err), rel=1e-6)


@pytest.mark.parametrize(
    "spec",
    [
        {"shape": "ellipse", "x": 200.3, "y": 150.6, "a": 180.2, "b": 90.7, "angle": 33.0},
        {"shape": "ellipse", "x": -20.0, "y": 280.4, "a": 120.0, "b": 119.0, "angle": 0.0},
        {"shape": "rectangle", "x": 210.7, "y": 140.2, "width": 301.3, "height": 150.9,
         "angle": 61.0},
        {"shape": "rectangle", "x": 390.0, "y": 10.0, "width": 200.0, "height": 64.0,
         "angle": 0.0},
        {"shape": "polygon", "points": [[10.5, 20.2], [380.3, 40.8], [300.1, 290.6],
                                        [150.4, 160.0], [40.9, 250.3]]},
    ],
    ids=["ellipse", "ellipse-off-edge", "rotated-rectangle", "aligned-rectangle", "polygon"],
)  # fmt: skip
def test_large_shapes_weights_are_sparse_and_exact(spec: dict) -> None:
    """Ellipses, rectangles and polygons get the tiled path too: the same weights as the
    regions package's dense `to_mask(mode="exact")`, the same "center" mask, edge only."""
    from webbscope.analysis import region_weights

    region = pixel_region(spec)
    rw = region_weights(region, (300, 400))
    mask = region.to_mask(mode="exact")
    big, small = mask.get_overlap_slices((300, 400))
    assert (rw.ys, rw.xs) == big
    dense = mask.data[small]
    assert np.abs(rw.exact - dense).max() < 1e-9  # pixel edges are summed in another order
    centre = region.to_mask(mode="center").data[small].astype(bool)
    assert np.array_equal(rw.center, centre)
    assert rw.edge_idx.size < 0.6 * dense.size
