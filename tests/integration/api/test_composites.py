"""Composites through the real stack: recipes and their ids, previews and channel tiles, the
estimate, every bad input (4xx, nothing saved), the `composite` job (files, AVM, the derived
record and its lineage both ways) and byte-identical output for the same recipe."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from tests.support.api import ApiUser, register
from tests.support.fits_files import gradient, write_image
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.imaging import decode_f16

pytestmark = pytest.mark.integration

CARINA = ["f090w", "f200w", "f444w", "f770w"]


@pytest.fixture(scope="module")
def maker(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "composer")


@pytest.fixture(scope="module")
def carina(maker: ApiUser, demo_dir: Path) -> dict[str, str]:
    files = [next(demo_dir.glob(f"jw02731-o00*{f}_i2d.fits")) for f in CARINA]
    r = maker.upload(*files)
    assert r.status_code in (200, 201), r.text
    return {f: i["record"]["id"] for f, i in zip(CARINA, r.json()["items"], strict=True)}


def recipe(ids: dict[str, str], **extra: object) -> dict[str, object]:
    hues = [240, 160, 60, 0]
    return {
        "channels": [
            {"record_id": ids[f], "color": h, "stretch": "asinh", "interval": "99.5"}
            for f, h in zip(CARINA, hues, strict=True)
        ],
        "grid": {"mode": "union"},
        **extra,
    }


def _count(maker: ApiUser) -> int:
    return int(maker.get("/api/composites").json()["total"])


def test_create_get_list_preview_and_tiles(maker: ApiUser, carina: dict[str, str]) -> None:
    r = maker.post("/api/composites", json=recipe(carina, name="Cliffs"))
    assert r.status_code in (200, 201), r.text
    body = r.json()
    cid = body["id"]
    assert body["url"] == f"/composites/{cid}"
    assert len(body["channels"]) == 4 and body["width"] > 0
    assert [c["filter"] for c in body["channels"]] == ["F090W", "F200W", "F444W", "F770W"]
    assert body["recipe"]["inputs"][0]["sha256"]
    assert body["estimate"]["status"] == "ok"
    again = maker.post("/api/composites", json=recipe(carina, name="Cliffs"))
    assert again.status_code == 200 and again.json()["id"] == cid  # same recipe, same id
    assert maker.get(f"/api/composites/{cid}").json()["id"] == cid
    assert cid in [c["id"] for c in maker.get("/api/composites").json()["items"]]

    png = maker.get(f"/api/composites/{cid}/preview.png", params={"width": 128})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert image.mode == "RGB" and image.size[0] <= 128
    pixels = np.asarray(image).astype(float)
    assert pixels.mean() > 10  # not empty
    for fmt in ("jpg", "webp"):
        assert maker.get(f"/api/composites/{cid}/preview.{fmt}?width=64").status_code == 200

    tile = maker.get(f"/api/composites/{cid}/tiles/0/0/0/0.f16")
    assert tile.status_code == 200
    values = decode_f16(tile.content)
    assert values.shape[1] <= 256 and np.isfinite(values).mean() > 0.3
    assert maker.get(f"/api/composites/{cid}/tiles/5/0/0/0.f16").status_code == 404

    # The 2-D fallback's finished RGB tiles, on the channel tiles' pyramid.
    rgb = maker.get(f"/api/composites/{cid}/rgb/0/0/0.png")
    assert rgb.status_code == 200 and rgb.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(rgb.content)).mode == "RGB"
    assert maker.get(f"/api/composites/{cid}/rgb/0/5/0.png").status_code == 404


def test_lrgb_and_feathered_tiles(maker: ApiUser, carina: dict[str, str]) -> None:
    lrgb = recipe(
        carina,
        luminance={"record_id": carina["f200w"], "auto": True},
        adjust={"feather_px": 10},
    )
    r = maker.post("/api/composites", json=lrgb)
    assert r.status_code in (200, 201), r.text
    body = r.json()
    assert body["luminance"]["label"].startswith("luminance")
    assert body["luminance"]["vmax"] > body["luminance"]["vmin"]
    assert body["channels"][0]["planes"] is None
    tile = maker.get(f"/api/composites/{body['id']}/tiles/-1/0/0/0.f16")
    assert tile.status_code == 200
    width, height = np.frombuffer(tile.content[4:8], "<u2")
    assert len(tile.content) == 8 + 4 * int(width) * int(height)  # values, then the alpha


def test_estimate(maker: ApiUser, carina: dict[str, str]) -> None:
    r = maker.post("/api/composites/estimate", json=recipe(carina))
    assert r.status_code == 200, r.text
    est = r.json()
    assert est["status"] == "ok" and est["pixels"] == est["width"] * est["height"]
    assert est["memory_bytes"] > 0 and est["seconds"] > 0
    huge = maker.post(
        "/api/composites/estimate",
        json=recipe(carina, output={"width": 100_000, "height": 100_000}),
    )
    assert huge.status_code == 200 and huge.json()["status"] == "fail"
    wall = maker.post("/api/composites/estimate", json=recipe(carina, output={"preset": "4k"}))
    assert (wall.json()["width"], wall.json()["height"]) == (3840, 2160)  # never downscaled


def test_bad_inputs_are_4xx_and_save_nothing(
    maker: ApiUser, carina: dict[str, str], demo_dir: Path, tmp_path: Path, api_stack: RunningStack
) -> None:
    before = _count(maker)
    ch = recipe(carina)["channels"][0]  # type: ignore[index]

    def post(body: dict[str, object]) -> tuple[int, dict[str, object]]:
        r = maker.post("/api/composites", json=body)
        return r.status_code, r.json().get("error", {})

    assert post({"channels": []})[0] == 422
    assert post({"channels": [ch] * 9})[0] == 422
    status, err = post({"channels": [{**ch, "color": "blurple"}]})  # type: ignore[dict-item]
    assert status == 400 and err["code"] == "unknown_colour"

    # no celestial WCS, named
    plain = write_image(tmp_path / "nowcs.fits", gradient(64, 64))
    other = write_image(tmp_path / "nowcs2.fits", gradient(64, 64) * 2)
    up = maker.upload(plain, other).json()["items"]
    a, b = up[0]["record"]["id"], up[1]["record"]["id"]
    status, err = post({"channels": [{"record_id": a}, {"record_id": ch["record_id"]}]})  # type: ignore[index]
    assert status == 422 and err["code"] == "no_celestial_wcs"
    assert err["details"]["record_id"] == a  # type: ignore[index]
    # ... unless the shapes match and the pixel grid is chosen
    ok = maker.post(
        "/api/composites",
        json={
            "channels": [{"record_id": a, "color": "red"}, {"record_id": b, "color": "cyan"}],
            "grid": {"mode": "pixel"},
        },
    )
    assert ok.status_code == 201, ok.text
    before += 1

    # inputs that do not overlap (Stephan's Quintet is elsewhere on the sky)
    far = maker.upload(next(demo_dir.glob("jw02732-o001_*_i2d.fits"))).json()["items"][0]["record"][
        "id"
    ]
    status, err = post({"channels": [ch, {"record_id": far}], "grid": {"mode": "finest"}})
    assert status == 422 and err["code"] == "no_overlap"

    # a cube without a slice
    cube = maker.upload(next(demo_dir.glob("*_s3d.fits"))).json()["items"][0]["record"]["id"]
    status, err = post({"channels": [{"record_id": cube}], "grid": {"mode": "finest"}})
    assert status == 422 and err["code"] == "slice_required"

    # over the pixel limit: 413 with the size
    r = maker.post(
        "/api/composites", json=recipe(carina, output={"width": 100_000, "height": 90_000})
    )
    assert r.status_code == 413
    assert r.json()["error"]["details"]["width"] == 100_000

    # a record the caller may not read: 404
    stranger = register(api_stack.url("backend"), "stranger")
    r = stranger.post("/api/composites", json=recipe(carina))
    assert r.status_code == 404 and r.json()["error"]["code"] == "record_not_found"
    assert _count(maker) == before  # nothing saved by any refusal


def _png16_pixels(data: bytes) -> np.ndarray:
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            size = (int.from_bytes(chunk[:4], "big"), int.from_bytes(chunk[4:8], "big"))
            assert chunk[8] == 16 and chunk[9] == 2
        if kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(size[1], 1 + size[0] * 6)
    return raw[:, 1:].copy().view(">u2").reshape(size[1], size[0], 3)


def _render(maker: ApiUser, cid: str, **body: object) -> dict[str, object]:
    r = maker.post(f"/api/composites/{cid}/render", json=body)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    job = eventually(
        lambda: maker.get(f"/api/jobs/{job_id}").json(),
        lambda j: j["status"] in ("succeeded", "failed"),
        timeout=120,
    )
    assert job["status"] == "succeeded", job
    return job["result"]  # type: ignore[no-any-return]


def test_render_job_files_record_lineage_and_byte_identity(
    maker: ApiUser, carina: dict[str, str], api_stack: RunningStack
) -> None:
    cid = maker.post("/api/composites", json=recipe(carina)).json()["id"]
    result = _render(maker, cid, formats=["png", "jpeg", "tiff", "fits"], bits=16)
    rid = result["record_id"]
    rec = maker.get(f"/api/records/{rid}").json()
    assert rec["source"] == "derived"
    assert sorted(rec["lineage"]["derived_from"]) == sorted(carina.values())
    for parent in carina.values():
        assert rid in maker.get(f"/api/records/{parent}").json()["lineage"]["derivatives"]
    # the record's file: an RGB FITS cube with the grid's WCS
    cube = fits.open(io.BytesIO(maker.get(f"/api/records/{rid}/download").content))
    assert cube[0].data.shape[0] == 3 and cube[0].header["CTYPE1"] == "RA---TAN"
    # the stored images, with AVM
    storage = api_stack.data_dir / "composites" / cid
    png = (storage / f"composite_{cid[:12]}.png").read_bytes()
    assert b"Spectral.CentralWavelength" in png and b"Spatial.ReferenceValue" in png
    pixels = _png16_pixels(png)
    assert pixels.shape == (cube[0].data.shape[1], cube[0].data.shape[2], 3)
    assert (storage / f"composite_{cid[:12]}.tif").read_bytes()[:4] == b"II*\x00"
    assert (storage / f"composite_{cid[:12]}.jpg").read_bytes()[:2] == b"\xff\xd8"
    # the viewer shows it in colour: image tiles are its RGB planes
    info = maker.get(f"/api/records/{rid}/image-info").json()
    assert info["rgb"] is True and info["cube"] is None
    tile = Image.open(io.BytesIO(maker.get(f"/api/records/{rid}/tiles/0/0/0.png").content))
    colours = np.asarray(tile.convert("RGB")).astype(int)
    assert np.abs(colours[..., 0] - colours[..., 2]).mean() > 5  # not grey
    assert maker.get(f"/api/composites/{cid}/download.png").content == png
    # the same recipe renders the same bytes
    first = png
    (storage / f"composite_{cid[:12]}.png").unlink()
    _render(maker, cid, formats=["png", "fits"], bits=16)
    assert (storage / f"composite_{cid[:12]}.png").read_bytes() == first
    assert maker.get(f"/api/composites/{cid}").json()["record_id"] == rid
