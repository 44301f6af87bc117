"""Archive rows -> ArchiveObservation / ArchiveProduct, whatever shape the empty cells take."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.table import Table

from webbscope.mast import (
    ArchiveObservation,
    datetime_to_mjd,
    mjd_to_datetime,
    observation_from_row,
    product_from_row,
)

SERVER = "http://127.0.0.1:9999"
ROW: dict[str, Any] = {
    "dataproduct_type": "cube",
    "obs_collection": "JWST",
    "instrument_name": "NIRSPEC/IFU",
    "filters": "F290LP;G395M",
    "target_name": "NGC 3324",
    "obs_id": "jw02731-o003_t017_nirspec_g395m-f290lp",
    "s_ra": 159.2001,
    "s_dec": -58.6,
    "proposal_id": "2731",
    "proposal_pi": "Webbscope Demo",
    "calib_level": 3,
    "t_min": 59734.4012,
    "t_max": 59734.4314,
    "t_exptime": 2334.2,
    "obs_title": "Cosmic Cliffs",
    "s_region": "POLYGON ICRS 1 2 3 4 5 6",
    "jpegURL": "mast:JWST/product/jw02731-o003_t017_nirspec_g395m-f290lp_s3d.jpg",
    "dataURL": "mast:JWST/product/jw02731-o003_t017_nirspec_g395m-f290lp_s3d.fits",
    "obsid": "87602009",
    "distance": 12.5,
}


def test_a_full_row() -> None:
    o = observation_from_row(ROW, SERVER)
    assert o == ArchiveObservation(
        obs_id=ROW["obs_id"],
        obsid="87602009",
        collection="JWST",
        target="NGC 3324",
        instrument="NIRSPEC",
        instrument_mode="IFU",
        filters=["F290LP", "G395M"],
        ra=159.2001,
        dec=-58.6,
        exposure_time=2334.2,
        start_time=mjd_to_datetime(59734.4012),
        end_time=mjd_to_datetime(59734.4314),
        calib_level=3,
        product_type="cube",
        proposal_id="2731",
        proposal_pi="Webbscope Demo",
        proposal_title="Cosmic Cliffs",
        preview_url=(
            f"{SERVER}/api/v0.1/Download/file?uri=mast:JWST/product/"
            "jw02731-o003_t017_nirspec_g395m-f290lp_s3d.jpg"
        ),
        data_uri=ROW["dataURL"],
        s_region="POLYGON ICRS 1 2 3 4 5 6",
        distance_arcsec=12.5,
    )
    assert json.loads(o.model_dump_json())["start_time"].startswith("2022-06-04T09:37:43")


@pytest.mark.parametrize("empty", [None, "", "  ", "--", float("nan"), np.nan, np.ma.masked])
def test_empty_cells_become_none(empty: Any) -> None:
    row = {**ROW}
    for key in ("s_ra", "t_min", "t_exptime", "jpegURL", "proposal_pi", "filters", "calib_level"):
        row[key] = empty
    o = observation_from_row(row, SERVER)
    assert o.ra is None and o.start_time is None and o.exposure_time is None
    assert o.preview_url is None and o.proposal_pi is None and o.filters == []
    assert o.calib_level is None


def test_numeric_ids_and_numpy_scalars() -> None:
    row = {
        **ROW,
        "obsid": np.int64(87602009),
        "proposal_id": 2731.0,
        "calib_level": np.int32(2),
        "s_ra": np.float32(10.5),
    }
    o = observation_from_row(row, SERVER)
    assert (o.obsid, o.proposal_id, o.calib_level, o.ra) == ("87602009", "2731", 2, 10.5)
    assert isinstance(o.ra, float)


def test_http_previews_kept_other_links_dropped() -> None:
    assert observation_from_row({**ROW, "jpegURL": "https://x/p.jpg"}, SERVER).preview_url == (
        "https://x/p.jpg"
    )
    assert observation_from_row({**ROW, "jpegURL": "ftp://x/p.jpg"}, SERVER).preview_url is None


def test_instrument_without_mode() -> None:
    o = observation_from_row({**ROW, "instrument_name": "miri"}, SERVER)
    assert (o.instrument, o.instrument_mode) == ("MIRI", None)


def test_rows_without_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="obs_id"):
        observation_from_row({**ROW, "obsid": None}, SERVER)
    with pytest.raises(ValueError, match="dataURI"):
        product_from_row({"productFilename": "x.fits"}, SERVER)


def test_rows_of_an_astropy_table() -> None:
    """astroquery's tables (masked columns) normalise like the raw JSON rows."""
    table = Table(rows=[ROW, {**ROW, "s_ra": np.nan, "obsid": "2"}], masked=True)
    table["s_ra"].mask = [False, True]
    first, second = (observation_from_row(r, SERVER) for r in table)
    assert first.ra == pytest.approx(159.2001) and second.ra is None
    assert (first.obsid, second.obsid) == ("87602009", "2")


PRODUCT: dict[str, Any] = {
    "obsID": 87602010,
    "obs_collection": "JWST",
    "dataproduct_type": "image",
    "obs_id": "jw02731001001_02101_00001_nrcb1",
    "description": "Level-2b calibrated exposure (cal)",
    "type": "S",
    "dataURI": "mast:JWST/product/jw02731001001_02101_00001_nrcb1_cal.fits",
    "productType": "SCIENCE",
    "productGroupDescription": None,
    "productSubGroupDescription": "CAL",
    "productFilename": "jw02731001001_02101_00001_nrcb1_cal.fits",
    "size": 152640,
    "parent_obsid": "87602009",
    "calib_level": 2,
}


def test_a_member_product() -> None:
    p = product_from_row(PRODUCT, SERVER)
    assert p.filename == p.product_id == PRODUCT["productFilename"]
    assert (p.obsid, p.parent_obsid, p.is_member) == ("87602010", "87602009", True)
    assert (p.product_type, p.subgroup, p.calib_level, p.size) == ("SCIENCE", "cal", 2, 152640)
    assert not p.recommended and p.checksum is None
    assert p.download_url == (
        f"{SERVER}/api/v0.1/Download/file?uri=mast:JWST/product/{PRODUCT['productFilename']}"
    )


def test_recommended_checksums_and_defaults() -> None:
    p = product_from_row(
        {
            "dataURI": "mast:JWST/product/a b_i2d.fits",
            "productGroupDescription": "Minimum Recommended Products",
            "md5": "ABCDEF",
            "productType": "science",
        },
        SERVER,
    )
    assert p.recommended and p.checksum == "md5:abcdef" and p.product_type == "SCIENCE"
    assert p.filename == "a b_i2d.fits" and p.download_url.endswith("a%20b_i2d.fits")
    assert p.subgroup is None and p.size is None and p.parent_obsid is None


def test_mjd_round_trip() -> None:
    moment = datetime(2022, 7, 12, 14, 30, tzinfo=UTC)
    assert mjd_to_datetime(datetime_to_mjd(moment)) == moment
    assert mjd_to_datetime(0.0) == datetime(1858, 11, 17, tzinfo=UTC)
    assert mjd_to_datetime(math.inf) is None and mjd_to_datetime(None) is None
    assert datetime_to_mjd(datetime(2000, 1, 1)) == 51544.0  # naive means UTC


def test_recorded_astroquery_responses_normalise() -> None:
    """The real (HST) responses astroquery ships normalise without loss of ids."""
    import astroquery.mast.tests as recorded

    data = Path(recorded.__file__).parent / "data"
    caom = json.loads((data / "caom.json").read_text())
    observations = [observation_from_row(r, SERVER) for r in caom["data"]]
    assert len(observations) == len(caom["data"]) and all(o.obsid for o in observations)
    products = json.loads((data / "products.json").read_text())
    normalised = [product_from_row(r, SERVER) for r in products["data"]]
    assert {p.subgroup for p in normalised} >= {"c3m"}
