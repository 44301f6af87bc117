"""DS9 files (regions package), contours (checked against skimage), tables and spectra."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from regions import Regions
from scipy.spatial import cKDTree
from skimage.measure import find_contours as sk_find_contours

from tests.unit.analysis.helpers import tan_wcs
from webbscope.analysis import (
    MAX_LEVELS,
    contour_levels,
    find_contours,
    from_ds9,
    line_list,
    pixel_region,
    region_spectrum,
    search_headers,
    shifted_lines,
    sky_to_pixels,
    spectrum_1d,
    table_page,
    to_ds9,
    to_sky,
)
from webbscope.errors import Unprocessable

SPECS = [
    {"shape": "circle", "x": 10.0, "y": 20.0, "r": 5.0},
    {"shape": "ellipse", "x": 50.0, "y": 60.0, "a": 8.0, "b": 3.0, "angle": 30.0},
    {"shape": "rectangle", "x": 30.0, "y": 30.0, "width": 10.0, "height": 4.0, "angle": 15.0},
    {"shape": "polygon", "points": [[1.0, 1.0], [10.0, 1.0], [5.0, 8.0]]},
    {"shape": "point", "x": 3.0, "y": 4.0},
]


@pytest.mark.parametrize("with_wcs", [True, False])
def test_ds9_round_trip(with_wcs: bool) -> None:
    wcs = tan_wcs() if with_wcs else None
    text = to_ds9(SPECS, wcs, labels=["first", None, None, None, None])
    parsed = Regions.parse(text, format="ds9")
    assert len(parsed) == len(SPECS)
    back = from_ds9(text, wcs)
    assert back[0]["label"] == "first"
    for a, b in zip(SPECS, back, strict=True):
        assert a["shape"] == b["shape"]
        for key, value in a.items():
            if key == "points":
                np.testing.assert_allclose(b[key], value, atol=1e-3)
            elif isinstance(value, float):
                assert b[key] == pytest.approx(value, abs=1e-3), key


def test_ds9_reads_a_file_written_by_ds9() -> None:
    text = (
        "# Region file format: DS9 version 4.1\nglobal color=green\nimage\n"
        "circle(11,21,5)\nbox(31,31,10,4,15) # text={b}\n"
    )
    got = from_ds9(text)
    assert got[0] == {"shape": "circle", "x": 10.0, "y": 20.0, "r": 5.0}
    assert got[1]["label"] == "b"
    with pytest.raises(Unprocessable):
        from_ds9('fk5\ncircle(10,20,1")\n')  # sky regions need a WCS


def smooth_image() -> np.ndarray:
    y, x = np.mgrid[0:200, 0:300]
    z = np.exp(-((x - 100) ** 2 + (y - 80) ** 2) / 400.0) + 0.5 * np.exp(
        -((x - 200) ** 2 + (y - 120) ** 2) / 200.0
    )
    return z


@pytest.mark.parametrize("level", [0.1, 0.3, 0.45])
def test_contours_match_skimage(level: float) -> None:
    z = smooth_image()
    ours = [line for line in find_contours(z, [level]).lines]
    ref = sk_find_contours(z, level)
    assert sorted(len(line.points) for line in ours) == sorted(len(c) for c in ref)
    a = np.concatenate([line.points for line in ours])
    b = np.concatenate(ref)[:, ::-1]  # skimage gives (row, col)
    assert cKDTree(b).query(a)[0].max() < 1e-9
    assert cKDTree(a).query(b)[0].max() < 1e-9
    assert all(line.closed for line in ours)


def test_contour_levels_and_limits() -> None:
    z = smooth_image()
    lin = contour_levels(z, "linear", n=5, low=0.1, high=0.9)
    assert lin == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    log = contour_levels(z, "log", n=3, low=0.01, high=1.0)
    assert log == pytest.approx([0.01, 0.1, 1.0])
    assert contour_levels(z, "custom", levels=[0.5, 0.2, 0.2]) == [0.2, 0.5]
    with pytest.raises(Unprocessable) as exc:
        contour_levels(z, "linear", n=MAX_LEVELS + 1)
    assert exc.value.code == "too_many_levels"
    with pytest.raises(Unprocessable):
        find_contours(z, list(np.linspace(0, 1, 51)))


def test_contours_break_at_nan_and_go_to_the_sky_and_back() -> None:
    z = smooth_image()
    z[80, :] = np.nan
    found = find_contours(z, [0.3])
    assert found.lines and not all(line.closed for line in found.lines)
    wcs = tan_wcs(300, 200)
    sky = to_sky(wcs, found.lines)
    back = sky_to_pixels(wcs, sky[0])
    np.testing.assert_allclose(back, found.lines[0].points, atol=1e-6)


def test_contour_point_budget_drops_the_shortest_lines() -> None:
    z = smooth_image()
    full = find_contours(z, [0.1, 0.3])
    small = find_contours(z, [0.1, 0.3], max_points=300)
    assert small.truncated and small.points <= 300 < full.points


def x1d_hdul() -> fits.HDUList:
    wave = np.linspace(2.9, 5.2, 50)
    cols = [
        fits.Column("WAVELENGTH", "D", unit="um", array=wave),
        fits.Column("FLUX", "D", unit="Jy", array=np.linspace(1, 2, 50)),
        fits.Column("FLUX_ERROR", "D", unit="Jy", array=np.full(50, 0.1)),
        fits.Column("NAME", "8A", array=np.array([f"s{i}" for i in range(50)])),
    ]
    table = fits.BinTableHDU.from_columns(cols, name="EXTRACT1D")
    table.header.comments["TTYPE2"] = "flux density"
    return fits.HDUList([fits.PrimaryHDU(), table])


def test_table_pages_sort_search_units_and_descriptions() -> None:
    hdu = x1d_hdul()[1]
    page = table_page(hdu.header, hdu.data, page=2, page_size=20, sort="FLUX", order="desc")
    assert page.pages == 3 and page.total == 50
    assert page.columns[1].unit == "Jy" and page.columns[1].description == "flux density"
    flux = [row[1] for row in page.rows]
    assert flux == sorted(flux, reverse=True)
    found = table_page(hdu.header, hdu.data, q="S4")
    assert found.matched == 11  # s4, s40..s49
    with pytest.raises(Unprocessable) as exc:
        table_page(hdu.header, hdu.data, page=4, page_size=20)
    assert exc.value.code == "page_out_of_range" and exc.value.details["pages"] == 3


def test_header_search_spans_every_hdu() -> None:
    hdul = x1d_hdul()
    hdul[0].header["TARGNAME"] = "NGC 3324"
    found = search_headers([h.header for h in hdul], "jy")
    assert {f["hdu"] for f in found} == {1}
    assert search_headers([h.header for h in hdul], "ngc")[0]["key"] == "TARGNAME"


def test_spectrum_1d_and_lines() -> None:
    hdu = x1d_hdul()[1]
    spec = spectrum_1d(hdu.header, hdu.data)
    assert spec.wavelength_unit == "um" and spec.flux_unit == "Jy"
    assert spec.error is not None and spec.error[0] == pytest.approx(0.1)
    names = {line.name for line in line_list()}
    assert "Br alpha" in names and "PAH 3.3" in names
    shifted = dict((line.name, obs) for line, obs in shifted_lines(0.5))
    assert shifted["Pa alpha"] == pytest.approx(1.8756 * 1.5)
    with pytest.raises(Unprocessable):
        spectrum_1d(hdu.header, np.zeros(3, dtype=[("A", "f8")]))


def test_region_spectrum_sum_and_mean() -> None:
    rng = np.random.default_rng(0)
    cube = rng.normal(1, 0.1, (20, 30, 40))
    cube[3] = np.nan
    region = pixel_region({"shape": "circle", "x": 20.2, "y": 15.1, "r": 6.3})
    total = region_spectrum(cube, region, "sum")
    mean = region_spectrum(cube, region, "mean")
    w = region.to_mask(mode="exact").to_image((30, 40))
    np.testing.assert_allclose(total.values[0], np.sum(cube[0] * w), rtol=1e-10)
    np.testing.assert_allclose(mean.values[5], np.sum(cube[5] * w) / w.sum(), rtol=1e-10)
    assert np.isnan(total.values[3]) and total.pixels[3] == 0


@pytest.mark.parametrize("tile", [7, 16, 32])
def test_tiled_contours_are_the_whole_image_lines(tile: int) -> None:
    """Contoured tile by tile (only where a level is crossed, pieces joined at tile edges),
    the lines are skimage's: same lengths, same points, closed where they close."""
    z = smooth_image()
    z[60:64, 150:170] = np.nan
    for level in (0.2, 0.5, 0.8):
        ours = find_contours(z, [level], tile=tile).lines
        ref = sk_find_contours(np.ma.array(z, mask=~np.isfinite(z)).filled(np.nan), level)
        whole = find_contours(z, [level]).lines
        assert sorted((len(ln.points), ln.closed) for ln in ours) == sorted(
            (len(ln.points), ln.closed) for ln in whole
        )
        a = np.concatenate([line.points for line in ours])
        b = np.concatenate([line.points for line in whole])
        assert cKDTree(b).query(a)[0].max() < 1e-9
        assert cKDTree(a).query(b)[0].max() < 1e-9
        if level == 0.5:  # away from the NaN patch skimage and contourpy agree point for point
            c = np.concatenate(ref)[:, ::-1]
            assert cKDTree(c).query(a)[0].max() < 1e-9


def test_tiled_contours_of_an_integer_image_at_its_values() -> None:
    """Levels equal to pixel values put line points on grid points, where tile pieces
    cannot be joined by their ends: those levels are contoured on the whole image."""
    z = np.random.default_rng(2).integers(0, 10, (120, 150)).astype(np.float32)
    for level in (3.0, 4.5):
        tiled = find_contours(z, [level], tile=16).lines
        whole = find_contours(z, [level]).lines
        assert sorted((len(ln.points), ln.closed) for ln in tiled) == sorted(
            (len(ln.points), ln.closed) for ln in whole
        )
