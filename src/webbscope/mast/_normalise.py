"""Archive rows (JSON dicts, or astropy table rows) -> the client's one shape per thing.

The archive leaves cells empty in several ways (`null`, `""`, `NaN`, masked table cells); every
one of them becomes None here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import numpy as np

from webbscope.mast._models import ArchiveObservation, ArchiveProduct

MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)
MRP = "Minimum Recommended Products"
DOWNLOAD_PATH = "/api/v0.1/Download/file"
_CHECKSUM_COLUMNS = (("sha256", "sha256"), ("md5", "md5"), ("checksum", None))


def mjd_to_datetime(mjd: float | None) -> datetime | None:
    if mjd is None or not math.isfinite(mjd):
        return None
    try:
        return MJD_EPOCH + timedelta(days=mjd)
    except OverflowError:
        return None


def datetime_to_mjd(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - MJD_EPOCH).total_seconds() / 86400.0


def _value(value: Any) -> Any:
    """None for every kind of empty cell; plain Python scalars for numpy ones."""
    if value is None:
        return None
    if value is np.ma.masked:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        if value in ("", "--", "null", "None", "nan", "NaN"):
            return None
    return value


def text(value: Any) -> str | None:
    v = _value(value)
    return None if v is None else str(v)


def number(value: Any) -> float | None:
    v = _value(value)
    if v is None or isinstance(v, bool):
        return None
    try:
        out = float(v)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def integer(value: Any) -> int | None:
    v = number(value)
    return None if v is None or v != int(v) else int(v)


def identifier(value: Any) -> str | None:
    """An id column that may arrive as a number (obsid 87602009 or 87602009.0) or a string."""
    v = _value(value)
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def download_url(server_url: str, data_uri: str) -> str:
    """The archive's download URL for a `mast:` data URI."""
    return f"{server_url.rstrip('/')}{DOWNLOAD_PATH}?uri={quote(data_uri, safe=':/')}"


def _link(value: Any, server_url: str) -> str | None:
    v = text(value)
    if v is None:
        return None
    if v.lower().startswith("mast:"):
        return download_url(server_url, v)
    if v.startswith(("http://", "https://")):
        return v
    return None


def _get(row: Mapping[str, Any], key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def observation_from_row(
    row: Mapping[str, Any], server_url: str, *, distance: bool = True
) -> ArchiveObservation:
    """One CAOM row -> `ArchiveObservation` (raises ValueError without obs_id/obsid)."""
    obs_id, obsid = text(_get(row, "obs_id")), identifier(_get(row, "obsid"))
    if obs_id is None or obsid is None:
        raise ValueError("an observation row needs obs_id and obsid")
    instrument_name = text(_get(row, "instrument_name"))
    instrument, _, mode = (instrument_name or "").partition("/")
    filters = text(_get(row, "filters"))
    return ArchiveObservation(
        obs_id=obs_id,
        obsid=obsid,
        collection=text(_get(row, "obs_collection")) or "JWST",
        target=text(_get(row, "target_name")),
        instrument=instrument.upper() or None,
        instrument_mode=mode.upper() or None,
        filters=[f.strip() for f in (filters or "").split(";") if f.strip()],
        ra=number(_get(row, "s_ra")),
        dec=number(_get(row, "s_dec")),
        exposure_time=number(_get(row, "t_exptime")),
        start_time=mjd_to_datetime(number(_get(row, "t_min"))),
        end_time=mjd_to_datetime(number(_get(row, "t_max"))),
        calib_level=integer(_get(row, "calib_level")),
        product_type=text(_get(row, "dataproduct_type")),
        proposal_id=identifier(_get(row, "proposal_id")),
        proposal_pi=text(_get(row, "proposal_pi")),
        proposal_title=text(_get(row, "obs_title")),
        preview_url=_link(_get(row, "jpegURL"), server_url),
        data_uri=text(_get(row, "dataURL")),
        s_region=text(_get(row, "s_region")),
        distance_arcsec=number(_get(row, "distance")) if distance else None,
        data_rights=_rights(_get(row, "dataRights")),
        intent=text(_get(row, "intentType")),
        release_time=mjd_to_datetime(number(_get(row, "t_obs_release"))),
    )


def _rights(value: Any) -> str | None:
    v = text(value)
    return v.upper() if v else None


def _checksum(row: Mapping[str, Any]) -> str | None:
    for column, algorithm in _CHECKSUM_COLUMNS:
        value = text(_get(row, column))
        if value:
            return value if algorithm is None else f"{algorithm}:{value.lower()}"
    return None


def product_from_row(row: Mapping[str, Any], server_url: str) -> ArchiveProduct:
    """One `Mast.Caom.Products` row -> `ArchiveProduct` (raises ValueError without a dataURI)."""
    data_uri = text(_get(row, "dataURI"))
    if data_uri is None:
        raise ValueError("a product row needs a dataURI")
    filename = text(_get(row, "productFilename")) or data_uri.rsplit("/", 1)[-1]
    subgroup = text(_get(row, "productSubGroupDescription"))
    return ArchiveProduct(
        product_id=filename,
        filename=filename,
        obs_id=text(_get(row, "obs_id")) or "",
        obsid=identifier(_get(row, "obsID")) or "",
        parent_obsid=identifier(_get(row, "parent_obsid")),
        product_type=(text(_get(row, "productType")) or "UNKNOWN").upper(),
        subgroup=subgroup.lower() if subgroup else None,
        calib_level=integer(_get(row, "calib_level")),
        size=integer(_get(row, "size")),
        data_uri=data_uri,
        download_url=download_url(server_url, data_uri),
        checksum=_checksum(row),
        recommended=text(_get(row, "productGroupDescription")) == MRP,
        dataproduct_type=text(_get(row, "dataproduct_type")),
        description=text(_get(row, "description")),
        data_rights=_rights(_get(row, "dataRights")),
    )
