"""Search queries: validation, cache keys, and the astroquery criteria they become."""

from __future__ import annotations

import pytest
from astropy.coordinates import SkyCoord
from pydantic import ValidationError

from webbscope.mast import (
    DEFAULT_SERVER_URL,
    REAL_RESOLVER_URL,
    SearchFilters,
    SearchQuery,
    criteria_for,
    normalise_proposal_id,
    resolver_url_for,
)


def test_each_mode_needs_its_parameters() -> None:
    with pytest.raises(ValidationError, match="needs name"):
        SearchQuery(mode="target")
    with pytest.raises(ValidationError, match="needs ra, dec"):
        SearchQuery(mode="coordinates")
    with pytest.raises(ValidationError, match="needs proposal_id"):
        SearchQuery(mode="program", proposal_id="")
    with pytest.raises(ValidationError):
        SearchQuery(mode="observation", obs_id="x", page_size=100_000)
    with pytest.raises(ValidationError):
        SearchQuery(mode="coordinates", ra=10, dec=95)


def test_filter_validation() -> None:
    assert SearchFilters(instrument=" nircam ").instrument == "NIRCAM"
    assert SearchFilters(calib_level=[3, 2, 3]).calib_level == [2, 3]
    assert SearchFilters(product_type=["Image", " cube", ""]).product_type == ["cube", "image"]
    for bad in ({"instrument": "NIR*"}, {"filter": "F200W,F150W"}, {"calib_level": [7]}):
        with pytest.raises(ValidationError):
            SearchFilters.model_validate(bad)
    with pytest.raises(ValidationError, match="after"):
        SearchFilters(start_mjd=60000, end_mjd=59000)


def test_cache_keys_ignore_what_the_archive_ignores() -> None:
    a = SearchQuery(mode="target", name="NGC  3324", ra=1.0)
    b = SearchQuery(mode="target", name="ngc 3324")
    assert a.cache_key() == b.cache_key()
    assert (
        SearchQuery(mode="program", proposal_id="02731").cache_key()
        == SearchQuery(mode="program", proposal_id="2731").cache_key()
    )
    assert b.cache_key() != SearchQuery(mode="target", name="ngc 3324", page=2).cache_key()
    assert (
        b.cache_key()
        != SearchQuery(mode="target", name="ngc 3324", filters={"calib_level": [3]}).cache_key()
    )


def test_criteria_always_restrict_to_jwst() -> None:
    q = SearchQuery(mode="observation", obs_id=" jw01-o001* ")
    assert criteria_for(q) == {"obs_collection": "JWST", "obs_id": "jw01-o001*"}
    assert criteria_for(SearchQuery(mode="program", proposal_id="01181")) == {
        "obs_collection": "JWST",
        "proposal_id": "1181",
    }


def test_criteria_filters() -> None:
    q = SearchQuery(
        mode="coordinates",
        ra=10.0,
        dec=-5.0,
        radius_deg=0.3,
        filters=SearchFilters(
            instrument="MIRI",
            filter="f770w",
            calib_level=[2, 3],
            product_type=["image"],
            start_mjd=59000.5,
            end_mjd=59100.0,
        ),
    )
    c = criteria_for(q, (10.0, -5.0))
    coordinates = c.pop("coordinates")
    assert isinstance(coordinates, SkyCoord) and coordinates.ra.deg == 10.0
    assert c.pop("radius").value == 0.3
    assert c == {
        "obs_collection": "JWST",
        "instrument_name": "MIRI*",
        "filters": ["F770W"],
        "calib_level": ["2", "3"],
        "dataproduct_type": ["image"],
        "t_max": [59000.5, 100_000.0],
        "t_min": [0.0, 59100.0],
    }
    exact = SearchQuery(mode="program", proposal_id="1", filters={"instrument": "nircam/image"})
    assert criteria_for(exact)["instrument_name"] == "NIRCAM/IMAGE"


def test_proposal_ids_and_resolver_urls() -> None:
    assert normalise_proposal_id(" 02731 ") == "2731"
    assert normalise_proposal_id("ERS-1") == "ERS-1"
    assert resolver_url_for(DEFAULT_SERVER_URL + "/") == REAL_RESOLVER_URL
    assert resolver_url_for("http://127.0.0.1:8003/") == "http://127.0.0.1:8003/Santa-war/query"
    with pytest.raises(ValueError):
        resolver_url_for("mast.stsci.edu")
