"""The viewer routes through the real stack: backend (access, validation, pass-through) in front
of the engine (rendering, caches, gate). Pixel coordinates are 0-based FITS pixels, y up;
tile row 0 is the top of the image."""

from __future__ import annotations

import io
import math
from pathlib import Path

import httpx
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from tests.support.api import ApiUser, new_client, register
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.imaging import (
    COLORMAPS,
    STRETCHES,
    decode_f16,
    decode_float_tile,
    encode_float_tile,
    extract_tile,
)

pytestmark = pytest.mark.integration

NX, NY = 700, 300


@pytest.fixture(scope="module")
def owner(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "viewer")


@pytest.fixture(scope="module")
def odd_data() -> np.ndarray:
    data = gradient(NY, NX)
    data[:5, :5] = np.nan  # the bottom-left corner
    return data


@pytest.fixture(scope="module")
def pattern() -> np.ndarray:
    """Values exact in float16 (below 2048) whose periods (61, 31) share no factor with the
    tile size, so a tile shifted by whole tiles would not match."""
    y, x = np.mgrid[0:NY, 0:NX]
    data = ((x % 61) + 61 * (y % 31)).astype(np.float32)
    data[:5, :5] = np.nan
    return data


@pytest.fixture(scope="module")
def files(
    tmp_path_factory: pytest.TempPathFactory, odd_data: np.ndarray, pattern: np.ndarray
) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("viewer-files")
    small = gradient(40, 60) / 10.0
    return {
        "odd": write_image(d / "odd_i2d.fits", odd_data, header=sky_header(NX, NY)),
        "scaled": write_image(d / "scaled_i2d.fits", small, bscale=0.2, bzero=-5.0),
        "uint16": write_image(d / "uint16_i2d.fits", gradient(40, 60) * 1.0, bzero=32768),
        "nowcs": write_image(d / "nowcs_i2d.fits", gradient(40, 60), primary_only=True),
        "pattern": write_image(d / "pattern_i2d.fits", pattern, header=sky_header(NX, NY)),
    }


@pytest.fixture(scope="module")
def ids(owner: ApiUser, files: dict[str, Path], demo_dir: Path) -> dict[str, str]:
    cube = next(demo_dir.glob("*_s3d.fits"))
    r = owner.upload(*files.values(), cube)
    assert r.status_code == 201, r.text
    out = [i["record"]["id"] for i in r.json()["items"]]
    return dict(zip([*files, "cube"], out, strict=True))


def url(rid: str, path: str) -> str:
    return f"/api/records/{rid}/{path}"


def error_code(r: httpx.Response) -> str:
    body = r.json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return str(body["error"]["code"])


# -- image information -----------------------------------------------------------------------


def test_image_info_has_what_the_viewer_uses(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.get(url(ids["odd"], "image-info"))
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["shape"] == [NY, NX] and info["dtype"] == "float32"
    assert info["bunit"] == "MJy/sr" and info["tile_size"] == 256 and info["flip_y"] is True
    assert [(lv["level"], lv["width"], lv["height"]) for lv in info["levels"]] == [
        (0, 175, 75),
        (1, 350, 150),
        (2, 700, 300),
    ]
    assert info["levels"][2]["tiles_x"] == 3 and info["levels"][2]["tiles_y"] == 2
    assert info["wcs"]["CTYPE1"] == "RA---TAN" and info["cube"] is None
    stats = info["stats"]
    assert stats["min"] == 5.0 and stats["max"] == NX - 1 + 1000 * (NY - 1)  # exact, NaN ignored
    for key in ("0.5", "99.5", "0.25", "99.75", "0.05", "99.95", "99", "99.9"):
        assert key in stats["percentiles"]
    assert len(stats["zscale"]) == 2
    assert len(info["histogram"]["counts"]) == 256 and len(info["histogram"]["edges"]) == 257
    assert [h["name"] for h in info["hdus"]] == ["PRIMARY", "SCI"]


def test_image_info_is_cached_and_revalidates(
    owner: ApiUser, ids: dict[str, str], api_stack: RunningStack
) -> None:
    first = owner.get(url(ids["odd"], "image-info"))
    etag = first.headers["etag"]
    again = owner.get(url(ids["odd"], "image-info"), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert list(api_stack.data_dir.glob("tiles/*/info.json"))


def test_unknown_extension_and_tables(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.get(url(ids["odd"], "image-info"), params={"ext": "NOPE"})
    assert r.status_code == 404 and error_code(r) == "extension_not_found"
    r = owner.get(url(ids["odd"], "image-info"), params={"ext": "0"})
    assert r.status_code == 422 and error_code(r) == "not_an_image"
    # A primary-only image is shown for the default extension.
    r = owner.get(url(ids["nowcs"], "image-info"))
    assert r.status_code == 200 and r.json()["index"] == 0 and r.json()["wcs"] is None


# -- tiles -----------------------------------------------------------------------------------


def as_f16(values: np.ndarray) -> np.ndarray:
    """What an f16 tile holds for `values` (an exact float tile: scaled float16 or float32)."""
    return decode_float_tile(encode_float_tile(values))


def f16(r: httpx.Response) -> np.ndarray:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    return decode_f16(r.content)


def test_tile_geometry_at_the_edges(
    owner: ApiUser, ids: dict[str, str], pattern: np.ndarray
) -> None:
    rid = ids["pattern"]
    # Full resolution (level 2): 3 x 2 tiles; y = 0 is the top, so tile row 1 holds FITS
    # rows 0-43 (the bottom), flipped; the last column is 700 - 512 = 188 wide.
    bottom_right = f16(owner.get(url(rid, "tiles/2/2/1.f16")))
    assert bottom_right.shape == (44, 188)
    np.testing.assert_array_equal(bottom_right, np.flipud(pattern[0:44, 512:700]))
    bottom_left = f16(owner.get(url(rid, "tiles/2/0/1.f16")))
    np.testing.assert_array_equal(bottom_left, np.flipud(pattern[0:44, 0:256]))
    assert np.isnan(bottom_left[-1, 0])  # FITS (0, 0) is the bottom-left pixel
    top_middle = f16(owner.get(url(rid, "tiles/2/1/0.f16")))
    assert top_middle.shape == (256, 256)
    np.testing.assert_array_equal(top_middle, np.flipud(pattern[44:300, 256:512]))
    # Level 1 (scale 2): 350 x 150 in 2 x 1 tiles; each pixel the mean of a 2 x 2 block.
    right = f16(owner.get(url(rid, "tiles/1/1/0.f16")))
    np.testing.assert_array_equal(right, as_f16(extract_tile(pattern, 1, 1, 0)))
    assert right.shape == (150, 94)
    # Level 0: the whole image in one tile, each pixel the NaN-aware mean of a 4 x 4 block.
    whole = f16(owner.get(url(rid, "tiles/0/0/0.f16")))
    assert whole.shape == (75, 175)
    np.testing.assert_array_equal(whole, as_f16(extract_tile(pattern, 0, 0, 0)))
    # Rendered tiles have the same geometry.
    png = Image.open(io.BytesIO(owner.get(url(rid, "tiles/2/2/1.png")).content))
    assert png.size == (188, 44) and png.mode in ("P", "RGBA")
    assert Image.open(io.BytesIO(owner.get(url(rid, "tiles/1/1/0.webp")).content)).size == (94, 150)
    assert Image.open(io.BytesIO(owner.get(url(rid, "tiles/1/0/0.jpg")).content)).size == (256, 150)
    for missing in ("tiles/3/0/0.png", "tiles/2/3/0.png", "tiles/2/0/2.png", "tiles/0/1/0.f16"):
        r = owner.get(url(rid, missing))
        assert r.status_code == 404 and error_code(r) == "tile_out_of_range", missing


def test_nan_pixels_are_transparent_or_a_chosen_colour(owner: ApiUser, ids: dict[str, str]) -> None:
    rid = ids["odd"]
    png = Image.open(io.BytesIO(owner.get(url(rid, "tiles/2/0/1.png")).content)).convert("RGBA")
    assert png.getpixel((0, 43)) == (0, 0, 0, 0)  # FITS (0, 0): NaN, bottom-left
    assert png.getpixel((10, 20))[3] == 255
    red = owner.get(url(rid, "tiles/2/0/1.png"), params={"nan": "#ff0000"})
    assert Image.open(io.BytesIO(red.content)).convert("RGBA").getpixel((0, 43)) == (255, 0, 0, 255)


@pytest.mark.parametrize("stretch", STRETCHES)
def test_every_stretch_renders(owner: ApiUser, ids: dict[str, str], stretch: str) -> None:
    r = owner.get(url(ids["odd"], "tiles/1/0/0.png"), params={"stretch": stretch, "gamma": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(r.content)).size == (256, 150)


def test_every_colour_map_and_interval_renders(owner: ApiUser, ids: dict[str, str]) -> None:
    seen = set()
    for cmap in COLORMAPS:
        for invert in ("0", "1"):
            r = owner.get(
                url(ids["odd"], "tiles/0/0/0.png"), params={"cmap": cmap, "invert": invert}
            )
            assert r.status_code == 200, (cmap, r.text)
            seen.add(r.headers["etag"])
    assert len(seen) == 2 * len(COLORMAPS)
    intervals = [
        {"interval": "minmax"},
        {"interval": "99"},
        {"interval": "99.5"},
        {"interval": "99.9"},
        {"interval": "zscale"},
        {"interval": "97.5"},
        {"interval": "manual", "vmin": 1000, "vmax": 200000},
        {"interval": "percentile", "lower": 1, "upper": 90},
    ]
    for q in intervals:
        r = owner.get(
            url(ids["odd"], "tiles/0/0/0.jpg"), params={**q, "contrast": 1.5, "bias": 0.4}
        )
        assert r.status_code == 200, (q, r.text)
        assert r.headers["content-type"] == "image/jpeg"


def test_bad_render_parameters_are_400_in_the_error_shape(
    owner: ApiUser, ids: dict[str, str]
) -> None:
    for q, code in (
        ({"stretch": "wavy"}, "invalid_render_params"),
        ({"cmap": "rainbow"}, "invalid_render_params"),
        ({"interval": "sometimes"}, "invalid_interval"),
        ({"interval": "manual", "vmin": 5, "vmax": 1}, "invalid_interval"),
        ({"nan": "blue"}, "invalid_colour"),
    ):
        r = owner.get(url(ids["odd"], "tiles/0/0/0.png"), params=q)
        assert r.status_code == 400 and error_code(r) == code, q
    r = owner.get(url(ids["odd"], "tiles/0/0/0.gif"))
    assert r.status_code == 422 and error_code(r) == "validation_error"
    r = owner.get(url(ids["odd"], "tiles/0/0/0.png"), params={"slice": -1})
    assert r.status_code == 422


def test_etags_304_and_cache_control(owner: ApiUser, ids: dict[str, str]) -> None:
    path = url(ids["odd"], "tiles/1/1/0.png")
    first = owner.get(path, params={"cmap": "magma"})
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "private, max-age=86400"
    assert "render;dur=" in first.headers["server-timing"]
    again = owner.get(path, params={"cmap": "magma"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    cached = owner.get(path, params={"cmap": "magma"})
    # Served from memory: the backend's tile cache (or the engine's).
    assert cached.content == first.content and "memory" in cached.headers["server-timing"]
    other = owner.get(path, params={"cmap": "plasma"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


# -- data types ------------------------------------------------------------------------------


def test_scaled_and_unsigned_integers(
    owner: ApiUser, ids: dict[str, str], files: dict[str, Path]
) -> None:
    for name in ("scaled", "uint16"):
        with fits.open(files[name]) as hdul:
            assert hdul["SCI"].header["BITPIX"] == 16 and "BZERO" in hdul["SCI"].header
            data = hdul["SCI"].data.astype(np.float32)
        info = owner.get(url(ids[name], "image-info")).json()
        assert info["dtype"] == ("float32" if name == "scaled" else "uint16")
        assert info["stats"]["min"] == pytest.approx(float(data.min()), rel=1e-6)
        assert info["stats"]["max"] == pytest.approx(float(data.max()), rel=1e-6)
        tile = f16(owner.get(url(ids[name], "tiles/0/0/0.f16")))
        np.testing.assert_array_equal(tile, as_f16(np.flipud(data)))
        r = owner.get(url(ids[name], "pixel"), params={"x": 7, "y": 3})
        assert r.json()["value"] == pytest.approx(float(data[3, 7]), rel=1e-6)
        assert r.json()["ra"] is None


# -- measurements ----------------------------------------------------------------------------


def test_pixel_values_and_sky_positions(
    owner: ApiUser, ids: dict[str, str], files: dict[str, Path]
) -> None:
    with fits.open(files["odd"]) as hdul:
        wcs = WCS(hdul["SCI"].header)
    r = owner.get(url(ids["odd"], "pixel"), params={"x": 123, "y": 45})
    assert r.status_code == 200
    p = r.json()
    assert p["value"] == 123 + 1000 * 45 and (p["x"], p["y"]) == (123, 45)
    ra, dec = wcs.all_pix2world([[123, 45]], 0)[0]
    assert p["ra"] == pytest.approx(ra, abs=1e-9) and p["dec"] == pytest.approx(dec, abs=1e-9)
    assert p["ra_str"].startswith("10:36:") and p["dec_str"].startswith("-58:3")
    assert p["frame"] == "ICRS"
    nan = owner.get(url(ids["odd"], "pixel"), params={"x": 1, "y": 1}).json()
    assert nan["value"] is None and nan["ra"] is not None
    outside = owner.get(url(ids["odd"], "pixel"), params={"x": -10, "y": 5}).json()
    assert outside["value"] is None
    batch = owner.post(
        url(ids["odd"], "pixels"), json={"points": [[0, 299], [699, 0], [350.4, 150.6]]}
    )
    assert batch.status_code == 200, batch.text
    values = [i["value"] for i in batch.json()["items"]]
    assert values == [299000.0, 699.0, 350 + 1000 * 151]
    too_many = owner.post(url(ids["odd"], "pixels"), json={"points": [[0, 0]] * 10_001})
    assert too_many.status_code == 422


def test_histogram_bins_and_range(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.get(url(ids["odd"], "histogram"), params={"bins": 32, "min": 0, "max": 100000})
    assert r.status_code == 200
    h = r.json()
    assert len(h["counts"]) == 32 and h["edges"][0] == 0 and h["edges"][-1] == 100000
    assert sum(h["counts"]) <= h["total"]
    log = owner.get(url(ids["odd"], "histogram"), params={"bins": 10, "log": "true"}).json()
    assert log["log"] is True and len(log["edges"]) == 11
    half = owner.get(url(ids["odd"], "histogram"), params={"min": 5})
    assert half.status_code == 422 and error_code(half) == "invalid_range"


def test_grid_lines_and_scale_bar(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.get(url(ids["odd"], "grid"))
    assert r.status_code == 200, r.text
    grid = r.json()
    axes = {line["axis"] for line in grid["lines"]}
    assert axes == {"ra", "dec"} and grid["labels"]
    for line in grid["lines"]:
        for x, y in line["points"]:
            assert -0.5 - 1e-6 <= x <= NX - 0.5 + 1e-6 and -0.5 - 1e-6 <= y <= NY - 0.5 + 1e-6
    assert grid["scale_bar"]["pixels"] > 0
    none = owner.get(url(ids["nowcs"], "grid"))
    assert none.status_code == 422 and error_code(none) == "no_celestial_wcs"


def test_cube_slices_and_spectrum(owner: ApiUser, ids: dict[str, str], demo_dir: Path) -> None:
    with fits.open(next(demo_dir.glob("*_s3d.fits"))) as hdul:
        cube = hdul["SCI"].data.astype(np.float32)
    nz, ny, nx = cube.shape
    info = owner.get(url(ids["cube"], "image-info")).json()
    assert info["shape"] == [nz, ny, nx]
    assert info["cube"]["size"] == nz and len(info["cube"]["values"]) == nz
    assert info["cube"]["unit"] == "um"
    for k in (0, nz // 2, nz - 1):
        tile = f16(owner.get(url(ids["cube"], "tiles/0/0/0.f16"), params={"slice": k}))
        np.testing.assert_array_equal(tile, as_f16(np.flipud(cube[k])))
        png = owner.get(url(ids["cube"], "tiles/0/0/0.png"), params={"slice": k, "cmap": "viridis"})
        assert png.status_code == 200
    r = owner.get(url(ids["cube"], "tiles/0/0/0.png"), params={"slice": nz})
    assert r.status_code == 404 and error_code(r) == "slice_out_of_range"
    x, y = nx // 2, ny // 2
    p = owner.get(url(ids["cube"], "pixel"), params={"x": x, "y": y, "slice": 5}).json()
    assert p["value"] == pytest.approx(float(cube[5, y, x]), rel=1e-6)
    s = owner.get(url(ids["cube"], "spectrum"), params={"x": x, "y": y})
    assert s.status_code == 200, s.text
    spec = s.json()
    assert spec["unit"] == "um" and len(spec["wavelength"]) == nz == len(spec["values"])
    for got, want in zip(spec["values"], cube[:, y, x], strict=True):
        assert (got is None and math.isnan(want)) or got == pytest.approx(float(want), rel=1e-6)
    flat = owner.get(url(ids["odd"], "spectrum"), params={"x": 1, "y": 1})
    assert flat.status_code == 400 and error_code(flat) == "not_a_cube"


# -- images out ------------------------------------------------------------------------------


def test_preview_of_a_chosen_size(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.get(url(ids["odd"], "preview"), params={"size": 100})
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (100, 43)
    webp = owner.get(url(ids["odd"], "preview"), params={"size": 350, "format": "webp"})
    assert Image.open(io.BytesIO(webp.content)).size == (350, 150)
    again = owner.get(
        url(ids["odd"], "preview"),
        params={"size": 100},
        headers={"If-None-Match": r.headers["etag"]},
    )
    assert again.status_code == 304


def test_exports_carry_wcs_and_avm(
    owner: ApiUser, ids: dict[str, str], files: dict[str, Path]
) -> None:
    r = owner.get(
        url(ids["odd"], "export"), params={"format": "png", "width": 350, "cmap": "inferno"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert "attachment" in r.headers["content-disposition"]
    assert "odd_i2d_asinh_inferno.png" in r.headers["content-disposition"]
    picture = Image.open(io.BytesIO(r.content))
    assert picture.size == (350, 150)
    assert (r.headers["x-image-width"], r.headers["x-image-height"]) == ("350", "150")
    text = picture.text  # type: ignore[attr-defined]
    assert text["CTYPE1"] == "RA---TAN" and text["CTYPE2"] == "DEC--TAN"
    assert "avm:Spatial.ReferenceValue" in text["XML:com.adobe.xmp"]
    # The reduced image's WCS: its pixel (0, 0) is source block [0, 2) x [0, 2).
    cards = {
        k: text[k] if k.startswith("CTYPE") else float(text[k])
        for k in text
        if k[:2] in ("CR", "CD", "CT", "PC")
    }
    with fits.open(files["odd"]) as hdul:
        full = WCS(hdul["SCI"].header)
    np.testing.assert_allclose(
        WCS(fits.Header(cards)).all_pix2world([[0, 0]], 0),
        full.all_pix2world([[0.5, 0.5]], 0),
        atol=1e-9,
    )
    jpeg = owner.get(url(ids["odd"], "export"), params={"format": "jpeg", "width": 700})
    assert jpeg.status_code == 200 and b"avm:Spatial" in jpeg.content
    assert Image.open(io.BytesIO(jpeg.content)).size == (700, 300)
    tiff = owner.get(url(ids["odd"], "export"), params={"format": "tiff", "width": 200})
    assert Image.open(io.BytesIO(tiff.content)).size == (175, 75)


def test_cutout_opens_in_astropy_with_its_wcs(
    owner: ApiUser, ids: dict[str, str], files: dict[str, Path]
) -> None:
    r = owner.get(url(ids["odd"], "cutout"), params={"x": 200, "y": 100, "w": 40, "h": 20})
    assert r.status_code == 200 and r.headers["content-type"] == "application/fits"
    assert "odd_i2d_cutout.fits" in r.headers["content-disposition"]
    with fits.open(files["odd"]) as src:
        full = WCS(src["SCI"].header)
    with fits.open(io.BytesIO(r.content)) as hdul:
        sci = hdul["SCI"]
        assert sci.data.shape == (20, 40)
        assert sci.data[0, 0] == 180 + 1000 * 90
        assert hdul[0].header["TELESCOP"] == "JWST" and sci.header["BUNIT"] == "MJy/sr"
        np.testing.assert_allclose(
            WCS(sci.header).all_pix2world([[0, 0], [39, 19]], 0),
            full.all_pix2world([[180, 90], [219, 109]], 0),
            atol=1e-9,
        )
    ra, dec = full.all_pix2world([[350, 150]], 0)[0]
    sky = owner.get(url(ids["odd"], "cutout"), params={"ra": ra, "dec": dec, "size": 1.2})
    with fits.open(io.BytesIO(sky.content)) as hdul:
        assert hdul["SCI"].data.shape == (20, 20)
    bad = owner.get(url(ids["odd"], "cutout"), params={"x": 5})
    assert bad.status_code == 400 and error_code(bad) == "invalid_cutout"


# -- access ----------------------------------------------------------------------------------

ROUTES = [
    "image-info",
    "tiles/0/0/0.png",
    "tiles/0/0/0.f16",
    "histogram",
    "pixel?x=3&y=4",
    "grid",
    "preview?size=64",
    "export?width=64",
    "cutout?x=10&y=10&w=5&h=5",
]


def test_access_through_the_backend(
    owner: ApiUser, admin: ApiUser, api_stack: RunningStack, demo_dir: Path
) -> None:
    files = sorted(demo_dir.glob("*_i2d.fits"))[:2]
    r = owner.upload(*files)
    assert r.status_code in (200, 201), r.text
    private, public = (i["record"]["id"] for i in r.json()["items"])
    assert owner.patch(f"/api/records/{public}", json={"visibility": "public"}).status_code == 200
    other = register(api_stack.url("backend"), "other")
    anon = new_client(api_stack.url("backend"))
    callers: dict[str, ApiUser | httpx.Client] = {
        "anonymous": anon,
        "owner": owner,
        "other": other,
        "admin": admin,
    }
    for who, caller in callers.items():
        for vis, rid in (("private", private), ("public", public)):
            allowed = vis == "public" or who in ("owner", "admin")
            for route in ROUTES:
                got = caller.get(url(rid, route))
                if allowed:
                    assert got.status_code == 200, (who, vis, route, got.text[:200])
                else:
                    assert got.status_code == 404, (who, vis, route, got.status_code)
                    assert error_code(got) == "record_not_found"
            batch = caller.post(url(rid, "pixels"), json={"points": [[1, 1]]})
            assert batch.status_code == (200 if allowed else 404)
    # Access changes reach the viewer routes once VIEWER_ACCESS_CACHE_S (2 s) has passed.
    assert owner.patch(f"/api/records/{public}", json={"visibility": "private"}).status_code == 200
    for caller in (anon, other):
        eventually(
            lambda caller=caller: caller.get(url(public, "tiles/0/0/0.png")).status_code,
            lambda status: status == 404,
        )
    assert owner.get(url(public, "tiles/0/0/0.png")).status_code == 200
    missing = owner.get(url("0" * 24, "tiles/0/0/0.png"))
    assert missing.status_code == 404 and error_code(missing) == "record_not_found"


def test_engine_requires_the_service_credential(
    api_stack: RunningStack, owner: ApiUser, ids: dict[str, str]
) -> None:
    r = httpx.get(
        api_stack.url("engine", f"/internal/images/{'a' * 64}/info"),
        params={"key": "uploads/x.fits"},
    )
    assert r.status_code == 401 and error_code(r) == "service_credential_required"


def test_the_openapi_document_describes_every_viewer_route(api_stack: RunningStack) -> None:
    doc = httpx.get(api_stack.url("backend", "/openapi.json")).json()
    paths = doc["paths"]
    base = "/api/records/{record_id}"
    for route in (
        "image-info",
        "tiles/{level}/{x}/{y}.{fmt}",
        "histogram",
        "pixel",
        "pixels",
        "grid",
        "spectrum",
        "preview",
        "export",
        "cutout",
    ):
        assert f"{base}/{route}" in paths, route
    info = paths[f"{base}/image-info"]["get"]["responses"]["200"]["content"]["application/json"]
    assert info["schema"]["$ref"].endswith("/ImageInfoOut")
    params = {
        p["name"] for p in paths[f"{base}/tiles/{{level}}/{{x}}/{{y}}.{{fmt}}"]["get"]["parameters"]
    }
    assert {
        "stretch",
        "interval",
        "cmap",
        "invert",
        "contrast",
        "bias",
        "gamma",
        "ext",
        "slice",
        "nan",
    } <= params


def test_kept_tiles_still_check_access(
    owner: ApiUser, ids: dict[str, str], api_stack: RunningStack
) -> None:
    """A tile the backend keeps in memory is answered before routing — but only to callers
    the route would answer: another user and an anonymous caller still get 404. The same
    holds for an f16 tile, which comes from the tile pack once the pyramid is built."""
    stranger = register(api_stack.url("backend"), "stranger")
    for name in ("tiles/0/0/0.webp", "tiles/0/0/0.f16"):
        path = url(ids["odd"], name)
        first = owner.get(path)
        kept = owner.get(path)
        assert first.status_code == kept.status_code == 200 and kept.content == first.content
        if name.endswith(".webp"):
            assert "backend memory" in kept.headers["server-timing"]
        assert stranger.get(path).status_code == 404
        assert new_client(api_stack.url("backend")).get(path).status_code == 404
        bad = owner.get(path, headers={"Authorization": "Bearer not.a.token"})
        assert bad.status_code == 401
        etag = first.headers["etag"]
        assert owner.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_plane_stats_of_a_cube_are_per_plane(owner: ApiUser, ids: dict[str, str]) -> None:
    """Issue 18: a cube's display limits come from its shown plane (image-info's statistics
    describe the whole cube)."""
    info = owner.get(url(ids["cube"], "image-info")).json()
    size = info["cube"]["size"]
    answers = [owner.get(url(ids["cube"], f"plane-stats?slice={k}")) for k in (0, size - 1)]
    for k, r in zip((0, size - 1), answers, strict=True):
        assert r.status_code == 200, r.text
        assert r.json()["slice"] == k and r.json()["stats"]["samples"] > 0
    again = owner.get(
        url(ids["cube"], "plane-stats?slice=0"),
        headers={"If-None-Match": answers[0].headers["etag"]},
    )
    assert again.status_code == 304
    assert (
        error_code(owner.get(url(ids["cube"], f"plane-stats?slice={size}"))) == "slice_out_of_range"
    )
