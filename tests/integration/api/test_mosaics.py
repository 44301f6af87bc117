"""Mosaics through the real stack: the plan (grid, estimate, overlaps, footprints), the
`mosaic` job (progress, the FITS with its keywords, the pictures, the derived record and its
lineage both ways), cancel, and every bad input (4xx, nothing queued or saved)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from tests.support.api import ApiUser, register
from tests.support.fits_files import gradient, write_image
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.demo._tiles import write_mosaic_tiles

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def mosaicker(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "mosaicker")


def _upload(user: ApiUser, paths: list[Path]) -> list[str]:
    r = user.upload(*paths)
    assert r.status_code in (200, 201), r.text
    return [i["record"]["id"] for i in r.json()["items"]]


@pytest.fixture(scope="module")
def tiles(mosaicker: ApiUser, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    paths = write_mosaic_tiles(
        tmp_path_factory.mktemp("mosaic-tiles"), rows=2, cols=2, shape=(200, 240), seed=7
    )
    return _upload(mosaicker, paths)


def _jobs(user: ApiUser) -> int:
    return len([j for j in user.get("/api/jobs").json()["items"] if j["type"] == "mosaic"])


def test_plan_reports_grid_estimate_overlaps_and_footprints(
    mosaicker: ApiUser, tiles: list[str]
) -> None:
    r = mosaicker.post("/api/mosaics/plan", json={"record_ids": tiles})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["pixels"] == plan["width"] * plan["height"] and plan["blocks"] >= 1
    assert plan["disk_bytes"] > 8 * plan["pixels"] - 1 and plan["memory_bytes"] > 0
    assert plan["seconds"] > 0 and abs(plan["pixel_scale_arcsec"] - 0.063) < 1e-3
    assert [i["record_id"] for i in plan["inputs"]] == tiles
    assert all(len(i["footprint"]) == 4 and i["filter"] == "F200W" for i in plan["inputs"])
    assert all(i["weights"] == "wht" for i in plan["inputs"])
    pairs = {(o["a"], o["b"]) for o in plan["overlaps"]}
    assert (tiles[0], tiles[1]) in pairs and (tiles[0], tiles[2]) in pairs
    assert plan["groups"] == [tiles]


def test_job_makes_a_derived_record_with_lineage_and_files(
    mosaicker: ApiUser, tiles: list[str], api_stack: RunningStack
) -> None:
    r = mosaicker.post(
        "/api/mosaics",
        json={"record_ids": tiles, "combine": "mean", "formats": ["fits", "png", "jpeg"]},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    mid, job_id = body["mosaic_id"], body["job_id"]
    job = eventually(
        lambda: mosaicker.get(f"/api/jobs/{job_id}").json(),
        lambda j: j["status"] in ("succeeded", "failed", "cancelled"),
        timeout=120,
    )
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert (result["width"], result["height"]) == (body["plan"]["width"], body["plan"]["height"])
    rid = result["record_id"]
    rec = mosaicker.get(f"/api/records/{rid}").json()
    assert result["created"] is True, (job, rec)
    assert rec["source"] == "derived" and "mosaic" in rec["tags"], rec
    assert sorted(rec["lineage"]["derived_from"]) == sorted(tiles)
    for parent in tiles:
        assert rid in mosaicker.get(f"/api/records/{parent}").json()["lineage"]["derivatives"]
    assert rec["metadata"]["mosaic"]["recipe"]["inputs"][0]["sha256"]
    assert set(rec["metadata"]["mosaic"]["footprints"]) == set(tiles)
    data = mosaicker.get(f"/api/records/{rid}/download").content
    with fits.open(io.BytesIO(data)) as hdul:
        p = hdul[0].header
        assert p["TELESCOP"] == "JWST" and p["FILTER"] == "F200W" and p["COMBINE"] == "mean"
        assert hdul["SCI"].header["BUNIT"] == "MJy/sr"
        assert WCS(hdul["SCI"].header).has_celestial
        sci, wht = hdul["SCI"].data, hdul["WHT"].data
        assert sci.shape == (result["height"], result["width"])
        assert np.isfinite(sci).mean() > 0.5 and (wht > 0).sum() == result["covered_pixels"]
    storage = api_stack.data_dir / "mosaics" / mid
    assert (storage / f"mosaic_{mid[:12]}.png").read_bytes()[:4] == b"\x89PNG"
    assert (storage / f"mosaic_{mid[:12]}.jpg").read_bytes()[:2] == b"\xff\xd8"
    # the viewer shows it like any record
    assert mosaicker.get(f"/api/records/{rid}/tiles/0/0/0.png").status_code == 200


def test_cancel_stops_the_job_and_saves_nothing(mosaicker: ApiUser, tiles: list[str]) -> None:
    before = mosaicker.get("/api/records", params={"source": "derived"}).json()["total"]
    r = mosaicker.post(
        "/api/mosaics",
        json={"record_ids": tiles, "resolution_arcsec": 0.004, "combine": "median"},
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    eventually(
        lambda: mosaicker.get(f"/api/jobs/{job_id}").json(),
        lambda j: (j.get("progress") or {}).get("stage") == "mosaicking" or j["status"] != "queued",
        timeout=60,
    )
    assert mosaicker.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    job = eventually(
        lambda: mosaicker.get(f"/api/jobs/{job_id}").json(),
        lambda j: j["status"] in ("cancelled", "succeeded", "failed"),
        timeout=60,
    )
    assert job["status"] == "cancelled", job
    after = mosaicker.get("/api/records", params={"source": "derived"}).json()["total"]
    assert after == before


def test_bad_inputs_are_4xx_and_queue_nothing(
    mosaicker: ApiUser, tiles: list[str], tmp_path: Path, api_stack: RunningStack
) -> None:
    before = _jobs(mosaicker)

    def post(body: dict[str, object]) -> tuple[int, dict[str, object]]:
        r = mosaicker.post("/api/mosaics", json=body)
        return r.status_code, r.json().get("error", {})

    # no celestial WCS, named
    plain = _upload(mosaicker, [write_image(tmp_path / "nowcs.fits", gradient(64, 64))])[0]
    status, err = post({"record_ids": [tiles[0], plain]})
    assert status == 422 and err["code"] == "no_celestial_wcs"
    assert err["details"]["inputs"][0]["record_id"] == plain  # type: ignore[index]

    # different BUNITs, unless allowed
    dn = write_mosaic_tiles(tmp_path / "dn", rows=2, cols=2, shape=(200, 240), seed=7, bunit="DN/s")
    dn_ids = _upload(mosaicker, [dn[1]])
    status, err = post({"record_ids": [tiles[0], *dn_ids]})
    assert status == 422 and err["code"] == "mixed_units"
    ok = mosaicker.post(
        "/api/mosaics/plan", json={"record_ids": [tiles[0], *dn_ids], "allow_mixed_units": True}
    )
    assert ok.status_code == 200, ok.text

    # a cube mixed with images
    cube_path = tmp_path / "cube.fits"
    h = WCS(fits.getheader(dn[0], "SCI")).to_header()
    h["CTYPE3"] = "WAVE"
    fits.HDUList(
        [fits.PrimaryHDU(), fits.ImageHDU(np.ones((3, 40, 40), np.float32), h, name="SCI")]
    ).writeto(cube_path)
    cube = _upload(mosaicker, [cube_path])[0]
    status, err = post({"record_ids": [tiles[0], cube]})
    assert status == 422 and err["code"] == "mixed_dimensions"

    # disconnected groups, listed
    far = write_mosaic_tiles(
        tmp_path / "far", rows=1, cols=3, shape=(64, 64), gap=(0, 2), seed=2, prefix="jw09999-o001"
    )
    far_ids = _upload(mosaicker, far)
    status, err = post({"record_ids": far_ids})
    assert status == 422 and err["code"] == "disconnected_groups"
    groups = [g["record_ids"] for g in err["details"]["groups"]]  # type: ignore[index]
    assert groups == [far_ids[:2], far_ids[2:]]

    # over the pixel limit: 413 with the estimate
    status, err = post({"record_ids": tiles, "resolution_arcsec": 0.0002})
    assert status == 413 and err["code"] == "mosaic_too_large"
    assert err["details"]["pixels"] > 400_000_000  # type: ignore[index]

    # a record the caller may not read: 404 naming it
    other = register(api_stack.url("backend"), "stranger")
    status, err = (lambda r: (r.status_code, r.json()["error"]))(
        other.post("/api/mosaics", json={"record_ids": tiles})
    )
    assert status == 404 and err["code"] == "record_not_found"
    assert other.post("/api/mosaics/plan", json={"record_ids": tiles}).status_code == 404

    # bad options
    assert post({"record_ids": tiles, "combine": "mode"})[0] == 422
    assert post({"record_ids": []})[0] == 422
    assert _jobs(mosaicker) == before
