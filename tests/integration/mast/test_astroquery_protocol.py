"""astroquery itself (`ObservationsClass`) against the server, configured by `ArchiveClient`:
the protocol is what astroquery 0.4.x speaks, and one URL redirects everything."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path
from typing import Any

import astropy.units as u
import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astroquery.exceptions import ResolverError

from webbscope.devstack.mast_server import OUTSIDER_TOKEN, TEAM_TOKEN, MastServer
from webbscope.mast import ArchiveClient, configure_astroquery

pytestmark = pytest.mark.integration

F200W_L3 = "jw02731-o001_t017_nircam_clear-f200w"
CAL = "jw02731001001_02101_00001_nrcb1"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_query_criteria_wildcards_ranges_and_lists(client: ArchiveClient) -> None:
    obs = client.observations()
    table = obs.query_criteria(obs_collection="JWST", obs_id="jw02731-o00*")
    assert set(table["obs_id"]) >= {F200W_L3, "jw02731-o003_t017_nirspec_g395m-f290lp"}
    assert all(str(o).startswith("jw02731-o00") for o in table["obs_id"])

    levels = obs.query_criteria(obs_collection="JWST", proposal_id="2731", calib_level=[1, 2])
    assert len(levels) > 0 and set(np.asarray(levels["calib_level"])) <= {1, 2}

    t_min = obs.query_criteria(obs_collection="JWST", target_name="NGC 3324", t_min=[59733, 59734])
    assert len(t_min) > 0 and all(59733 <= t <= 59734 for t in t_min["t_min"])

    # `filters` is multi-valued (";"): an exact element matches inside "F290LP;G395M"
    grating = obs.query_criteria(obs_collection="JWST", filters="G395M")
    assert "jw02731-o003_t017_nirspec_g395m-f290lp" in set(grating["obs_id"])


def test_counts_match_rows(client: ArchiveClient) -> None:
    obs = client.observations()
    rows = obs.query_criteria(obs_collection="JWST", target_name="NGC 3324")
    assert obs.query_criteria_count(obs_collection="JWST", target_name="NGC 3324") == len(rows)
    assert len(rows) > 100  # the archive pages this target


def test_astroquery_pages_through_everything(
    client: ArchiveClient, mast_server: MastServer
) -> None:
    mast_server.reset_stats()
    rows = client.observations().query_criteria(
        obs_collection="JWST", target_name="NGC 3324", pagesize=40
    )
    assert len(rows) == len(set(rows["obs_id"])) > 120
    assert mast_server.stats()["services"]["Mast.Caom.Filtered"] == -(-len(rows) // 40)


def test_query_region_is_a_cone(client: ArchiveClient) -> None:
    obs = client.observations()
    centre = SkyCoord(159.2, -58.6, unit="deg")
    table = obs.query_region(centre, radius=0.05 * u.deg)
    assert len(table) > 0
    assert "distance" in table.colnames
    positions = SkyCoord(table["s_ra"], table["s_dec"], unit="deg")
    assert (positions.separation(centre) <= 0.05 * u.deg).all()
    assert obs.query_region_count(centre, radius=0.05 * u.deg) == len(table)


def test_query_object_resolves_through_the_server(
    client: ArchiveClient, mast_server: MastServer
) -> None:
    mast_server.reset_stats()
    table = client.observations().query_object("Stephan's Quintet", radius=0.2 * u.deg)
    assert set(table["target_name"]) == {"STEPHANS QUINTET"}
    assert mast_server.stats()["requests"]["/Santa-war/query"] == 1
    with pytest.raises(ResolverError):
        client.observations().query_object("surely not a target", radius=0.1)


def test_criteria_with_an_object_name(client: ArchiveClient) -> None:
    table = client.observations().query_criteria(
        objectname="HCG 92", radius=0.2, obs_collection="JWST", calib_level=3
    )
    assert len(table) > 0 and set(np.asarray(table["calib_level"])) == {3}


def test_product_list_and_download_products(
    client: ArchiveClient, mast_server: MastServer, tmp_path: Path, archive_dir: Path
) -> None:
    obs = client.observations()
    rows = obs.query_criteria(obs_collection="JWST", obs_id=F200W_L3)
    products = obs.get_product_list(rows)
    by_name = {str(p["productFilename"]): p for p in products}
    assert set(by_name) == {
        f"{F200W_L3}_i2d.fits",
        f"{F200W_L3}_cat.ecsv",
        f"{F200W_L3}_segm.fits",
        f"{F200W_L3}_i2d.jpg",
        f"{CAL}_cal.fits",
    }
    # The recommended set of level-3 imaging, as the real archive lists it: not only FITS.
    science = obs.filter_products(products, productType="SCIENCE", mrp_only=True)
    assert sorted(str(p["productFilename"]) for p in science) == [
        f"{F200W_L3}_cat.ecsv",
        f"{F200W_L3}_i2d.fits",
        f"{F200W_L3}_segm.fits",
    ]

    mast_server.reset_stats()
    manifest = obs.download_products(products, download_dir=str(tmp_path), verbose=False)
    assert set(manifest["Status"]) == {"COMPLETE"}
    for local in manifest["Local Path"]:
        local = Path(str(local))
        if local.suffix in (".fits", ".ecsv"):
            original = archive_dir / local.name
            if not original.exists():  # made by the server beside the demo data
                original = archive_dir / "derived" / local.name
            assert _sha256(local) == _sha256(original)
    first = mast_server.stats()["files"][f"{F200W_L3}_i2d.fits"]
    assert first["requests"] == 1 and first["heads"] == 1

    # again: astroquery HEADs, sees the same size, and skips the GET
    obs.download_products(products, download_dir=str(tmp_path), verbose=False)
    again = mast_server.stats()["files"][f"{F200W_L3}_i2d.fits"]
    assert again["requests"] == 1 and again["heads"] == 2


def test_astroquery_replaces_or_resumes_a_partial_file(
    client: ArchiveClient, mast_server: MastServer, tmp_path: Path, archive_dir: Path
) -> None:
    """astroquery 0.4.11's `download_file` re-fetches a partial file whole (continuation=False);
    its continuation path — used by later releases (astropy/astroquery#3448) — sends Range."""
    name = f"{CAL}_cal.fits"
    original = (archive_dir / name).read_bytes()
    url = client.download_url(f"mast:JWST/product/{name}")
    obs = client.observations()

    local = tmp_path / "whole" / name
    local.parent.mkdir()
    local.write_bytes(original[:10_000])
    status, msg, _url = obs.download_file(
        f"mast:JWST/product/{name}", local_path=str(local), verbose=False
    )
    assert (status, msg) == ("COMPLETE", None)
    assert local.read_bytes() == original

    local = tmp_path / "resumed" / name
    local.parent.mkdir()
    local.write_bytes(original[:10_000])
    mast_server.reset_stats()
    obs._download_file(url, str(local), head_safe=True, continuation=True, verbose=False)
    assert local.read_bytes() == original
    assert mast_server.stats()["files"][name]["ranges"] == [[10_000, len(original)]]


def test_exclusive_access_needs_a_token_as_astroquery_logs_in(
    client: ArchiveClient, tmp_path: Path
) -> None:
    """`Observations.login(token=...)` puts the token in the `mast_token` cookie and checks it
    with `/whoami`; exclusive-access files answer 401 without it."""
    from astroquery.exceptions import LoginError
    from astroquery.mast.auth import MastAuth

    obs = client.observations()
    row = obs.query_criteria(obs_collection="JWST", proposal_id="4446")
    assert list(row["dataRights"]) == ["EXCLUSIVE_ACCESS"]
    assert float(row["t_obs_release"][0]) > 60_000  # public in the future
    products = obs.get_product_list(row["obsid"][0])
    i2d = next(p for p in products if str(p["productFilename"]).endswith("_i2d.fits"))
    assert i2d["dataRights"] == "EXCLUSIVE_ACCESS"
    uri = str(i2d["dataURI"])

    status, msg, _url = obs.download_file(uri, local_path=str(tmp_path / "anon.fits"))
    assert status == "ERROR" and "401" in str(msg)

    auth = MastAuth(obs.session)
    auth.SESSION_INFO_URL = client.server_url + "/whoami"  # astroquery builds it from conf.server
    with pytest.raises(LoginError):
        auth.login(token="not-a-token")
    assert auth.login(token=TEAM_TOKEN) is True
    status, msg, _url = obs.download_file(uri, local_path=str(tmp_path / "team.fits"))
    assert (status, msg) == ("COMPLETE", None)

    assert auth.login(token=OUTSIDER_TOKEN) is True  # a real user, not on the team
    status, msg, _url = obs.download_file(uri, local_path=str(tmp_path / "outsider.fits"))
    assert status == "ERROR" and "403" in str(msg)
    auth.logout()


def test_curl_bundle(client: ArchiveClient, tmp_path: Path) -> None:
    obs = client.observations()
    products = obs.get_product_list(
        obs.query_criteria(obs_collection="JWST", obs_id=F200W_L3)["obsid"][0]
    )
    manifest = obs.download_products(
        products, download_dir=str(tmp_path), curl_flag=True, verbose=False
    )
    script = Path(str(manifest["Local Path"][0])).read_text()
    assert f"{client.server_url}/api/v0.1/Download/file?uri=mast:JWST/product/{CAL}_cal.fits" in (
        script
    )


def test_name_lookup_service(client: ArchiveClient) -> None:
    obs = client.observations()
    response = obs._portal_api_connection.service_request_async(
        "Mast.Name.Lookup", {"input": "NGC 3324", "format": "json"}
    )
    found = response[0].json()["resolvedCoordinate"][0]
    assert (found["ra"], found["decl"]) == (159.2, -58.6)


def test_configure_astroquery_redirects_the_module_objects(mast_server: MastServer) -> None:
    from astroquery.mast import Observations

    configure_astroquery(mast_server.url, timeout_s=5.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = Observations.query_object("NGC 3324", radius=0.01)
        assert len(table) > 0
        assert Observations._portal_api_connection.MAST_DOWNLOAD_URL.startswith(mast_server.url)
    finally:
        configure_astroquery()
    assert Observations._portal_api_connection.MAST_REQUEST_URL.startswith("https://mast.stsci.edu")


def test_proxy_style_requests_reach_the_resolver(mast_server: MastServer) -> None:
    """The other way to redirect astroquery's hard-coded resolver: HTTP_PROXY -> this server."""
    response = requests.get(
        "http://mastresolver.stsci.edu/Santa-war/query",
        params={"name": "NGC 3324", "outputFormat": "json"},
        proxies={"http": mast_server.url},
        timeout=5,
    )
    entries: list[dict[str, Any]] = response.json()["resolvedCoordinate"]
    assert entries[0]["searchString"] == "ngc 3324"
    assert entries[0]["canonicalName"] == "NGC 3324"
