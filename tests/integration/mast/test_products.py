"""Product lists: types, subgroups, recommended products, lineage, several observations."""

from __future__ import annotations

from typing import Any

import pytest

from webbscope.errors import BadRequest
from webbscope.mast import ArchiveClient

pytestmark = pytest.mark.integration

F200W_L3 = "jw02731-o001_t017_nircam_clear-f200w"
IFU_L3 = "jw02731-o003_t017_nirspec_g395m-f290lp"
CAL = "jw02731001001_02101_00001_nrcb1"


def _obsid(client: ArchiveClient, obs_id: str) -> str:
    return client.search_observation(obs_id).items[0].obsid


def test_level3_products_and_their_level2_members(
    client: ArchiveClient, manifest: dict[str, dict[str, Any]]
) -> None:
    parent, member = _obsid(client, F200W_L3), _obsid(client, CAL)
    products = {p.filename: p for p in client.list_products([parent])}
    assert set(products) == {
        f"{F200W_L3}_i2d.fits",
        f"{F200W_L3}_cat.ecsv",
        f"{F200W_L3}_segm.fits",
        f"{F200W_L3}_i2d.jpg",
        f"{CAL}_cal.fits",
    }

    i2d = products[f"{F200W_L3}_i2d.fits"]
    assert (i2d.product_type, i2d.subgroup, i2d.calib_level, i2d.recommended) == (
        "SCIENCE",
        "i2d",
        3,
        True,
    )
    assert (i2d.obsid, i2d.parent_obsid, i2d.obs_id, i2d.is_member) == (
        parent,
        parent,
        F200W_L3,
        False,
    )
    assert i2d.size == manifest[i2d.filename]["size_bytes"]
    assert i2d.data_uri == f"mast:JWST/product/{i2d.filename}"
    assert i2d.download_url == client.download_url(i2d.data_uri)
    assert i2d.product_id == i2d.filename

    cal = products[f"{CAL}_cal.fits"]  # lineage: the level-2 exposure the mosaic was made from
    assert (cal.subgroup, cal.calib_level, cal.obsid, cal.parent_obsid) == (
        "cal",
        2,
        member,
        parent,
    )
    assert cal.is_member and not cal.recommended

    preview = products[f"{F200W_L3}_i2d.jpg"]
    assert preview.product_type == "PREVIEW" and not preview.recommended

    # Beside the image, as in the real archive: its source catalogue and segmentation map.
    cat, segm = products[f"{F200W_L3}_cat.ecsv"], products[f"{F200W_L3}_segm.fits"]
    assert (cat.product_type, cat.subgroup, cat.recommended) == ("SCIENCE", "cat", True)
    assert (segm.product_type, segm.subgroup, segm.recommended) == ("SCIENCE", "segm", True)
    assert all(p.data_rights == "PUBLIC" and not p.exclusive_access for p in products.values())


def test_filtering_products(client: ArchiveClient) -> None:
    parent = _obsid(client, F200W_L3)
    recommended = client.list_products([parent], recommended_only=True)
    assert sorted(p.filename for p in recommended) == [
        f"{F200W_L3}_cat.ecsv",
        f"{F200W_L3}_i2d.fits",
        f"{F200W_L3}_segm.fits",
    ]
    science = client.list_products([parent], product_types=["science"])
    assert {p.subgroup for p in science} == {"i2d", "cat", "segm", "cal"}
    cal_only = client.list_products([parent], subgroups=["CAL"])
    assert [p.filename for p in cal_only] == [f"{CAL}_cal.fits"]
    previews = client.list_products([parent], product_types=["PREVIEW"])
    assert [p.filename for p in previews] == [f"{F200W_L3}_i2d.jpg"]


def test_several_observations_at_once(client: ArchiveClient) -> None:
    ifu, cal = _obsid(client, IFU_L3), _obsid(client, CAL)
    products = client.list_products([ifu, cal, ifu], recommended_only=True)
    assert {(p.filename, p.parent_obsid) for p in products} == {
        (f"{IFU_L3}_s3d.fits", ifu),
        (f"{IFU_L3}_x1d.fits", ifu),
        (f"{CAL}_cal.fits", cal),
    }
    assert {p.subgroup: p.dataproduct_type for p in products} == {
        "s3d": "cube",
        "x1d": "spectrum",
        "cal": "image",
    }


def test_metadata_only_observations_have_no_products(client: ArchiveClient) -> None:
    synthetic = client.search_observation("jw02731-o099*").items[0]
    assert client.list_products([synthetic.obsid]) == []
    assert client.list_products(["12345"]) == []  # unknown obsid


def test_exclusive_access_rows(client: ArchiveClient) -> None:
    page = client.search_program("4446")
    assert page.total == 1
    obs = page.items[0]
    assert obs.data_rights == "EXCLUSIVE_ACCESS" and obs.exclusive_access
    assert obs.release_time is not None and obs.release_time.year == 2035
    products = client.list_products([obs.obsid])
    assert products and all(p.exclusive_access for p in products)


def test_observations_by_obsid(client: ArchiveClient) -> None:
    l3, cal = _obsid(client, F200W_L3), _obsid(client, CAL)
    found = client.observations_by_obsid([l3, cal, "1"])
    assert set(found) == {l3, cal}
    assert found[l3].obs_id == F200W_L3 and found[l3].preview_url is not None


def test_an_empty_list_is_refused(client: ArchiveClient) -> None:
    with pytest.raises(BadRequest):
        client.list_products([" ", ""])
