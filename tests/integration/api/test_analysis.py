"""Analysis through the real stack: region statistics (checked against photutils on the same
file), regions and annotations saved per user, DS9 files, contours, tables, spectra, header
search and the `detect` job that saves a catalogue record with lineage; and the bad input of
issue 15, each a clear 4xx."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from photutils.aperture import ApertureStats, CircularAperture

from tests.support.api import ApiUser, register
from tests.support.stack import RunningStack
from tests.support.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def owner(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "analyst")


@pytest.fixture(scope="module")
def other(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "stranger")


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> dict[str, Path]:
    return {
        "f090w": demo_dir / "jw02731-o001_t017_nircam_clear-f090w_i2d.fits",
        "f200w": demo_dir / "jw02731-o001_t017_nircam_clear-f200w_i2d.fits",
        "cube": next(demo_dir.glob("*_s3d.fits")),
        "x1d": next(demo_dir.glob("*_x1d.fits")),
    }


@pytest.fixture(scope="module")
def ids(owner: ApiUser, demo: dict[str, Path]) -> dict[str, str]:
    r = owner.upload(*demo.values())
    assert r.status_code == 201, r.text
    got = [i["record"]["id"] for i in r.json()["items"]]
    return dict(zip(demo, got, strict=True))


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def test_region_stats_match_photutils(
    owner: ApiUser, ids: dict[str, str], demo: dict[str, Path]
) -> None:
    region = {"shape": "circle", "x": 120.4, "y": 98.2, "r": 25.3}
    r = owner.post(f"/api/records/{ids['f090w']}/regions/stats", json={"region": region})
    assert r.status_code == 200, r.text
    got = r.json()
    with fits.open(demo["f090w"]) as hdul:
        data = hdul["SCI"].data.astype(np.float64)
        err = hdul["ERR"].data.astype(np.float64)
        wcs = WCS(hdul["SCI"].header)
    ref = ApertureStats(data, CircularAperture((120.4, 98.2), 25.3), error=err)
    assert got["sum"] == pytest.approx(float(ref.sum), rel=1e-5)
    assert got["sum_err"] == pytest.approx(float(ref.sum_err), rel=1e-5)
    assert got["median"] == pytest.approx(float(ref.median), rel=1e-5)
    assert got["std"] == pytest.approx(float(ref.std), rel=1e-5)
    assert got["bunit"] == "MJy/sr" and got["flux_jy"] > 0
    scale = np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600
    assert got["area_arcsec2"] == pytest.approx(np.pi * 25.3**2 * scale**2, rel=1e-3)
    # the same circle given on the sky
    ra, dec = wcs.all_pix2world([[120.4, 98.2]], 0)[0]
    sky = {"shape": "circle", "frame": "icrs", "ra": ra, "dec": dec, "r": 25.3 * scale}
    r = owner.post(f"/api/records/{ids['f090w']}/regions/stats", json={"region": sky})
    assert r.json()["sum"] == pytest.approx(got["sum"], rel=1e-4)


@pytest.mark.parametrize(
    ("region", "want"),
    [
        ({"shape": "circle", "x": 5000, "y": 10, "r": 5}, "region_outside"),
        ({"shape": "polygon", "points": [[1, 1], [5, 5]]}, "polygon_too_few_vertices"),
        (
            {"shape": "polygon", "points": [[0, 0], [10, 10], [10, 0], [0, 10]]},
            "polygon_self_intersecting",
        ),
    ],
)
def test_bad_regions_are_422(owner: ApiUser, ids: dict[str, str], region: dict, want: str) -> None:
    r = owner.post(f"/api/records/{ids['f090w']}/regions/stats", json={"region": region})
    assert r.status_code == 422, r.text
    assert code(r) == want
    if want == "region_outside":
        assert r.json()["error"]["details"]["bounds"]["width"] == 256
    r = owner.post(f"/api/records/{ids['f090w']}/regions", json={"region": region})
    assert r.status_code == (201 if want == "region_outside" else 422)


def test_regions_saved_per_user_and_ds9(
    owner: ApiUser, other: ApiUser, ids: dict[str, str]
) -> None:
    rid = ids["f200w"]
    made = owner.post(
        f"/api/records/{rid}/regions",
        json={
            "region": {"shape": "ellipse", "x": 50, "y": 60, "a": 10, "b": 4, "angle": 30},
            "label": "knot",
        },
    )
    assert made.status_code == 201, made.text
    region_id = made.json()["id"]
    assert [r["label"] for r in owner.get(f"/api/records/{rid}/regions").json()["items"]] == [
        "knot"
    ]
    # another user cannot see the record at all (private): 404
    assert other.get(f"/api/records/{rid}/regions").status_code == 404
    moved = owner.patch(
        f"/api/records/{rid}/regions/{region_id}",
        json={"region": {"shape": "circle", "x": 70, "y": 60, "r": 8}},
    )
    assert moved.json()["region"]["shape"] == "circle"
    text = owner.get(f"/api/records/{rid}/regions.reg").text
    assert "icrs" in text.splitlines() and "circle(" in text and "knot" in text
    owner.delete(f"/api/records/{rid}/regions/{region_id}")
    assert owner.get(f"/api/records/{rid}/regions").json()["items"] == []
    back = owner.post(f"/api/records/{rid}/regions.reg", json={"text": text})
    assert back.status_code == 201, back.text
    spec = back.json()["items"][0]["region"]
    assert spec["x"] == pytest.approx(70, abs=1e-3) and spec["r"] == pytest.approx(8, abs=1e-3)


def test_annotations_are_anchored_on_the_sky(owner: ApiUser, ids: dict[str, str]) -> None:
    a, b = ids["f090w"], ids["f200w"]
    ruler = owner.post(
        f"/api/records/{a}/annotations", json={"type": "ruler", "points": [[10, 10], [110, 10]]}
    )
    assert ruler.status_code == 201, ruler.text
    assert ruler.json()["length_arcsec"] > 0 and ruler.json()["sky"] is not None
    owner.post(
        f"/api/records/{a}/annotations",
        json={"type": "text", "points": [[128, 128]], "text": "pillar"},
    )
    mine = owner.get(f"/api/records/{a}/annotations").json()["items"]
    assert {x["type"] for x in mine} == {"ruler", "text"}
    seen = owner.get(f"/api/records/{b}/annotations", params={"nearby": "true"}).json()["items"]
    text = next(x for x in seen if x["type"] == "text")
    assert text["elsewhere"] is True
    # the same sky position on the other image of the field (same WCS in the demo data)
    assert text["points"][0][0] == pytest.approx(128, abs=0.5)
    bad = owner.post(f"/api/records/{a}/annotations", json={"type": "arrow", "points": [[1, 1]]})
    assert bad.status_code == 422


def test_contours_and_limits(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.get(f"/api/records/{ids['f090w']}/contours", params={"mode": "log", "n": 4})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["levels"]) == 4 and body["lines"] and body["lines"][0]["sky"]
    custom = owner.get(
        f"/api/records/{ids['f090w']}/contours",
        params={"levels": ",".join(str(v) for v in body["levels"][:2])},
    )
    assert custom.json()["levels"] == pytest.approx(body["levels"][:2])
    other = owner.get(f"/api/records/{ids['f200w']}/contours", params={"n": 3, "on": ids["f090w"]})
    assert other.status_code == 200 and other.json()["frame"] == "other"
    many = ",".join(str(i) for i in range(51))
    r = owner.get(f"/api/records/{ids['f090w']}/contours", params={"levels": many})
    assert r.status_code == 422 and code(r) == "too_many_levels"


def test_tables_spectra_and_header_search(owner: ApiUser, ids: dict[str, str]) -> None:
    hdus = owner.get(f"/api/records/{ids['x1d']}/hdus").json()
    assert hdus["spectra"] == [1]
    page = owner.get(
        f"/api/records/{ids['x1d']}/tables/1",
        params={"page": 2, "page_size": 50, "sort": "FLUX", "order": "desc"},
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["columns"][0]["name"] == "WAVELENGTH" and body["columns"][0]["unit"] == "um"
    assert body["page"] == 2 and len(body["rows"]) == 50
    r = owner.get(f"/api/records/{ids['x1d']}/tables/1", params={"page": 999})
    assert r.status_code == 422 and code(r) == "page_out_of_range"
    r = owner.get(f"/api/records/{ids['f090w']}/tables/SCI")
    assert r.status_code == 422 and code(r) == "not_a_table"
    spec = owner.get(f"/api/records/{ids['x1d']}/spectrum1d").json()
    assert spec["wavelength_unit"] == "um" and len(spec["flux"]) == len(spec["error"])
    found = owner.get(f"/api/records/{ids['x1d']}/headers/search", params={"q": "telescop"}).json()
    assert found["matches"][0]["value"] == "JWST"
    lines = owner.get("/api/lines", params={"z": 0.1, "low": 2.8, "high": 5.3}).json()
    assert all(2.8 <= ln["observed"] <= 5.3 for ln in lines["lines"]) and lines["lines"]


def test_cube_region_spectrum(owner: ApiUser, ids: dict[str, str], demo: dict[str, Path]) -> None:
    region = {"shape": "circle", "x": 15, "y": 14, "r": 3}
    r = owner.post(
        f"/api/records/{ids['cube']}/regions/spectrum", json={"region": region, "how": "mean"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    with fits.open(demo["cube"]) as hdul:
        n = hdul["SCI"].data.shape[0]
    assert len(body["values"]) == len(body["wavelength"]) == n and body["unit"] == "um"
    r = owner.post(f"/api/records/{ids['f090w']}/regions/spectrum", json={"region": region})
    assert r.status_code == 422 and code(r) == "not_a_cube"


def test_detect_job_saves_a_catalogue_record(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.post(
        f"/api/records/{ids['f090w']}/detect",
        json={"params": {"method": "segmentation", "threshold": 5}},
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    job = eventually(
        lambda: owner.get(f"/api/jobs/{job_id}").json(),
        lambda j: j["status"] in ("succeeded", "failed"),
        timeout=120,
    )
    assert job["status"] == "succeeded", job
    cat_id = job["result"]["record_id"]
    assert job["result"]["sources"] > 0
    record = owner.get(f"/api/records/{cat_id}").json()
    assert record["source"] == "derived" and record["lineage"]["derived_from"] == [ids["f090w"]]
    parent = owner.get(f"/api/records/{ids['f090w']}").json()
    assert cat_id in parent["lineage"]["derivatives"]
    cat = owner.get(f"/api/records/{cat_id}/catalogue").json()
    assert cat["count"] == job["result"]["sources"] and cat["units"]["ra"] == "deg"
    for fmt, needle in (
        ("csv", "id,x,y,ra,dec"),
        ("ecsv", "%ECSV"),
        ("votable", "VOTABLE"),
        ("ds9", "fk5"),
    ):
        out = owner.get(f"/api/records/{cat_id}/catalogue/export", params={"format": fmt})
        assert out.status_code == 200 and needle in out.text, fmt
    table = owner.get(
        f"/api/records/{cat_id}/tables/CATALOG", params={"sort": "flux", "order": "desc"}
    ).json()
    assert table["total"] == cat["count"]


def test_detect_rejects_bad_input(owner: ApiUser, ids: dict[str, str]) -> None:
    r = owner.post(f"/api/records/{ids['x1d']}/detect", json={"ext": "EXTRACT1D"})
    assert r.status_code == 422 and code(r) == "not_an_image"
    r = owner.post(
        f"/api/records/{ids['f090w']}/detect",
        json={"region": {"shape": "circle", "x": -900, "y": 1, "r": 3}},
    )
    assert r.status_code == 422 and code(r) == "region_outside"
    r = owner.post(f"/api/records/{ids['f090w']}/detect", json={"params": {"threshold": -2}})
    assert r.status_code == 422
