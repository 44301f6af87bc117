"""`ArchiveClient` searches against the server: every mode, filters, paging, true cones, cache."""

from __future__ import annotations

import math

import pytest
from astropy.coordinates import SkyCoord

from webbscope.demo import CARINA, STEPHAN
from webbscope.devstack.mast_server import MastServer
from webbscope.errors import NotFound
from webbscope.mast import ArchiveClient, SearchFilters, SearchPage, datetime_to_mjd

pytestmark = pytest.mark.integration

F200W_L3 = "jw02731-o001_t017_nircam_clear-f200w"


def _all_pages(search: object, page_size: int) -> list[SearchPage]:
    pages = [search(page=1, page_size=page_size)]  # type: ignore[operator]
    for page in range(2, pages[0].pages + 1):
        pages.append(search(page=page, page_size=page_size))  # type: ignore[operator]
    return pages


def test_target_search_pages_with_an_exact_total(client: ArchiveClient) -> None:
    pages = _all_pages(lambda **kw: client.search_target("NGC 3324", 0.2, **kw), 40)
    first = pages[0]
    assert first.total > 100 and first.pages == math.ceil(first.total / 40) == len(pages)
    assert first.has_more and not pages[-1].has_more
    assert all(p.total == first.total for p in pages)
    ids = [o.obs_id for p in pages for o in p.items]
    assert len(ids) == len(set(ids)) == first.total
    assert [len(p.items) for p in pages[:-1]] == [40] * (len(pages) - 1)
    assert first.centre == (CARINA.ra, CARINA.dec)
    # beyond the last page: empty, and the total still says how many there are
    beyond = client.search_target("NGC 3324", 0.2, page=len(pages) + 1, page_size=40)
    assert beyond.items == [] and beyond.total == first.total


def test_target_search_is_a_cone_around_the_resolved_name(client: ArchiveClient) -> None:
    page = client.search_target("Stephan's Quintet", radius_deg=0.03, page_size=200)
    centre = SkyCoord(STEPHAN.ra, STEPHAN.dec, unit="deg")
    assert page.total == len(page.items) > 0
    for o in page.items:
        assert o.ra is not None and o.dec is not None
        assert centre.separation(SkyCoord(o.ra, o.dec, unit="deg")).deg <= 0.03
        assert o.distance_arcsec is not None and o.distance_arcsec <= 0.03 * 3600


def test_cone_not_box(client: ArchiveClient) -> None:
    """The synthetic row on the diagonal (+0.05°, +0.05°) is inside a 0.06° box, outside the
    0.06° cone: it must not come back — and comes back once the cone reaches it."""
    probe = client.search_observation("jw02732-o099*").items[0]
    assert probe.ra is not None and probe.dec is not None
    centre = SkyCoord(STEPHAN.ra, STEPHAN.dec, unit="deg")
    spot = SkyCoord(probe.ra, probe.dec, unit="deg")
    east, north = centre.spherical_offsets_to(spot)
    distance = centre.separation(spot).deg
    radius = 0.06
    assert max(abs(east.deg), abs(north.deg)) < radius < distance  # in the box, not the cone

    inside = client.search_coordinates(STEPHAN.ra, STEPHAN.dec, radius, page_size=500)
    assert probe.obs_id not in {o.obs_id for o in inside.items}
    reached = client.search_coordinates(STEPHAN.ra, STEPHAN.dec, distance + 1e-4, page_size=500)
    assert probe.obs_id in {o.obs_id for o in reached.items}


def test_coordinates_search_across_ra_zero(client: ArchiveClient) -> None:
    # WEBBSCOPE FIELD 3 sits at RA 3.58: a cone centred at RA 359.9 with radius 4° reaches it
    near = client.search_coordinates(359.9, -30.4, 4.0, page_size=100)
    assert {o.target for o in near.items} == {"WEBBSCOPE FIELD 3"}


def test_program_search_accepts_leading_zeros(client: ArchiveClient) -> None:
    padded = client.search_program("02732", page_size=100)
    plain = client.search_program("2732", page_size=100)
    assert padded.total == plain.total > 3
    assert {o.proposal_id for o in padded.items} == {"2732"}


def test_observation_search(client: ArchiveClient) -> None:
    page = client.search_observation(F200W_L3)
    assert page.total == 1
    o = page.items[0]
    assert (o.obs_id, o.target, o.instrument, o.instrument_mode) == (
        F200W_L3,
        "NGC 3324",
        "NIRCAM",
        "IMAGE",
    )
    assert o.filters == ["F200W"] and o.calib_level == 3 and o.product_type == "image"
    assert o.proposal_id == "2731" and o.proposal_pi and o.proposal_title
    assert o.obsid.isdigit()
    assert o.start_time is not None and o.end_time is not None and o.start_time < o.end_time
    assert o.exposure_time and o.exposure_time > 0
    assert o.preview_url == (
        f"{client.server_url}/api/v0.1/Download/file?uri=mast:JWST/product/{F200W_L3}_i2d.jpg"
    )
    assert client.search_observation("jw09999-o001*").total == 0


def test_filters(client: ArchiveClient) -> None:
    def search(**filters: object) -> SearchPage:
        return client.search_target(
            "NGC 3324", 0.2, filters=SearchFilters.model_validate(filters), page_size=500
        )

    everything = search()
    miri = search(instrument="MIRI")
    assert 0 < miri.total < everything.total
    assert {o.instrument for o in miri.items} == {"MIRI"}
    exact = search(instrument="NIRSPEC/IFU")
    assert {(o.instrument, o.instrument_mode) for o in exact.items} == {("NIRSPEC", "IFU")}

    f200w = search(filter="F200W")
    assert f200w.total > 0 and all("F200W" in o.filters for o in f200w.items)
    assert F200W_L3 in {o.obs_id for o in f200w.items}

    levels = search(calib_level=[2, 3])
    assert {o.calib_level for o in levels.items} == {2, 3}

    cubes = search(product_type=["cube"])
    assert cubes.total > 0 and {o.product_type for o in cubes.items} == {"cube"}

    # the real Carina level-3 products were taken on MJD 59733-59734
    june = search(start_mjd=59733.0, end_mjd=59735.0, calib_level=[3])
    assert F200W_L3 in {o.obs_id for o in june.items}
    for o in june.items:
        assert o.start_time is not None and o.end_time is not None
        assert datetime_to_mjd(o.end_time) >= 59733.0 and datetime_to_mjd(o.start_time) <= 59735.0

    combined = search(instrument="NIRCAM", filter="F200W", calib_level=[3], product_type=["image"])
    assert combined.total == len(
        [o for o in f200w.items if o.instrument == "NIRCAM" and o.calib_level == 3]
    )


def test_unresolvable_target(client: ArchiveClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.search_target("Nowhere In Particular")
    assert caught.value.code == "target_not_resolved" and caught.value.status == 404


def test_identical_searches_are_cached(mast_server: MastServer) -> None:
    with ArchiveClient(mast_server.url, timeout_s=5.0, cache_ttl_s=60) as cached:
        mast_server.reset_stats()
        first = cached.search_target("ngc 3324", 0.2, page_size=20)
        calls = mast_server.stats()["requests"]
        again = cached.search_target("  NGC   3324 ", 0.2, page_size=20)
        assert again == first
        assert mast_server.stats()["requests"] == calls  # nothing reached the archive
        cached.search_target("NGC 3324", 0.2, page=2, page_size=20)  # another page: a new query
        assert mast_server.stats()["requests"] != calls


def test_concurrent_searches_from_threads(client: ArchiveClient) -> None:
    """The service calls the client from worker threads: each gets its own astroquery objects."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = [("2731", 1), ("2731", 2), ("2732", 1), ("1181", 1), ("1345", 1), ("2561", 1)] * 2
    expected = {job: client.search_program(job[0], page=job[1], page_size=30) for job in jobs}
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda j: client.search_program(j[0], page=j[1], page_size=30), jobs)
        )
    assert results == [expected[job] for job in jobs]
