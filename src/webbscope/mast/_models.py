"""The shapes the archive client returns and accepts (one shape per thing, whatever the
archive's columns)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

SearchMode = Literal["target", "coordinates", "program", "observation"]
MAX_PAGE_SIZE = 2000
PUBLIC = "PUBLIC"
EXCLUSIVE_ACCESS = "EXCLUSIVE_ACCESS"


def is_exclusive(data_rights: str | None) -> bool:
    """MAST marks proprietary data `EXCLUSIVE_ACCESS` (anything but PUBLIC is treated so)."""
    return data_rights is not None and data_rights.strip().upper() != PUBLIC


class ArchiveObservation(BaseModel):
    """One archive observation (a CAOM row), normalised."""

    model_config = ConfigDict(frozen=True)

    obs_id: str
    obsid: str = Field(description="the archive's numeric product-group id (what products need)")
    collection: str = "JWST"
    target: str | None = None
    instrument: str | None = Field(None, description="e.g. NIRCAM")
    instrument_mode: str | None = Field(None, description="e.g. IMAGE, IFU, GRISM")
    filters: list[str] = Field(default_factory=list, description="e.g. ['F290LP', 'G395M']")
    ra: float | None = None
    dec: float | None = None
    exposure_time: float | None = Field(None, description="seconds")
    start_time: datetime | None = None
    end_time: datetime | None = None
    calib_level: int | None = None
    product_type: str | None = Field(None, description="image, cube, spectrum, ...")
    proposal_id: str | None = None
    proposal_pi: str | None = None
    proposal_title: str | None = None
    preview_url: str | None = None
    data_uri: str | None = None
    s_region: str | None = None
    distance_arcsec: float | None = Field(None, description="from the search centre (cones)")
    data_rights: str | None = Field(None, description="PUBLIC or EXCLUSIVE_ACCESS (MAST)")
    intent: str | None = Field(None, description="science or calibration")
    release_time: datetime | None = Field(
        None, description="when its data become public (MAST t_obs_release)"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exclusive_access(self) -> bool:
        """In its exclusive-access period: only the programme's team may download its files."""
        return is_exclusive(self.data_rights)


class SearchPage(BaseModel):
    """One page of a search and the exact total (nothing is silently cut off)."""

    items: list[ArchiveObservation]
    total: int
    page: int
    page_size: int
    pages: int
    centre: tuple[float, float] | None = Field(
        None, description="(ra, dec) of the cone searched: the resolved target or coordinates"
    )

    @property
    def has_more(self) -> bool:
        return self.page < self.pages


class ArchiveProduct(BaseModel):
    """One downloadable product of an observation, normalised."""

    model_config = ConfigDict(frozen=True)

    product_id: str = Field(description="the product's file name (unique in the archive)")
    filename: str
    obs_id: str
    obsid: str = Field(description="the observation the product belongs to")
    parent_obsid: str | None = Field(
        None, description="the observation it was listed for (differs for level-2 members)"
    )
    product_type: str = Field(description="SCIENCE, PREVIEW, AUXILIARY, ...")
    subgroup: str | None = Field(None, description="i2d, cal, x1d, s3d, ... (lower case)")
    calib_level: int | None = None
    size: int | None = Field(None, description="bytes, as the archive reports it")
    data_uri: str
    download_url: str
    checksum: str | None = Field(None, description="'<algorithm>:<hex>' when the archive lists one")
    recommended: bool = Field(False, description="in the archive's Minimum Recommended Products")
    dataproduct_type: str | None = None
    description: str | None = None
    data_rights: str | None = Field(None, description="PUBLIC or EXCLUSIVE_ACCESS (MAST)")
    importable: bool | None = Field(
        None, description="whether an import can bring it into a library (None: not judged)"
    )
    reason: str | None = Field(None, description="why it cannot be imported")

    @property
    def exclusive_access(self) -> bool:
        return is_exclusive(self.data_rights)

    @property
    def is_member(self) -> bool:
        """Listed for a higher-level observation it is an input of (lineage)."""
        return self.parent_obsid is not None and self.parent_obsid != self.obsid


class SearchFilters(BaseModel):
    """Optional constraints every search mode accepts (JWST is always implied)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str | None = Field(
        None, description="NIRCAM, MIRI, NIRSPEC, NIRISS, FGS — or an exact mode 'NIRCAM/IMAGE'"
    )
    filter: str | None = Field(None, description="an optical element, e.g. F200W or G395M")
    calib_level: list[int] | None = Field(None, description="any of these levels (1-4)")
    product_type: list[str] | None = Field(None, description="image, cube, spectrum, ...")
    start_mjd: float | None = Field(None, description="observations ending at or after (MJD)")
    end_mjd: float | None = Field(None, description="observations starting at or before (MJD)")

    @field_validator("instrument", "filter")
    @classmethod
    def _clean(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip().upper()
        if not v or any(c in v for c in "%*,;"):
            raise ValueError("give one plain name (no wildcards or lists)")
        return v

    @field_validator("calib_level")
    @classmethod
    def _levels(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and any(level not in (0, 1, 2, 3, 4) for level in v):
            raise ValueError("calibration levels are 0-4")
        return sorted(set(v)) if v else None

    @field_validator("product_type")
    @classmethod
    def _types(cls, v: list[str] | None) -> list[str] | None:
        cleaned = sorted({t.strip().lower() for t in v or [] if t.strip()})
        return cleaned or None

    @model_validator(mode="after")
    def _range(self) -> SearchFilters:
        for value in (self.start_mjd, self.end_mjd):
            if value is not None and not math.isfinite(value):
                raise ValueError("dates must be finite MJDs")
        start, end = self.start_mjd, self.end_mjd
        if start is not None and end is not None and start > end:
            raise ValueError("start_mjd is after end_mjd")
        return self


class SearchQuery(BaseModel):
    """A whole search: the mode, its parameters, the filters and the page wanted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: SearchMode
    name: str | None = Field(None, description="target: a name the archive's resolver knows")
    ra: float | None = Field(None, ge=0.0, lt=360.0)
    dec: float | None = Field(None, ge=-90.0, le=90.0)
    radius_deg: float = Field(0.2, gt=0.0, le=10.0)
    proposal_id: str | None = None
    obs_id: str | None = None
    filters: SearchFilters = Field(default_factory=SearchFilters)
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _needs(self) -> SearchQuery:
        need = {
            "target": ("name",),
            "coordinates": ("ra", "dec"),
            "program": ("proposal_id",),
            "observation": ("obs_id",),
        }[self.mode]
        missing = [f for f in need if getattr(self, f) in (None, "")]
        if missing:
            raise ValueError(f"a {self.mode} search needs {', '.join(missing)}")
        return self

    def cache_key(self) -> str:
        """Equal for searches the archive answers identically (names compared case-blind)."""
        data = self.model_dump(mode="json")
        if data.get("name"):
            data["name"] = " ".join(str(data["name"]).lower().split())
        if data.get("proposal_id"):
            data["proposal_id"] = normalise_proposal_id(str(data["proposal_id"]))
        if data.get("obs_id"):
            data["obs_id"] = str(data["obs_id"]).strip().lower()
        keep = {
            "target": ("name", "radius_deg"),
            "coordinates": ("ra", "dec", "radius_deg"),
            "program": ("proposal_id",),
            "observation": ("obs_id",),
        }[self.mode]
        for f in ("name", "ra", "dec", "radius_deg", "proposal_id", "obs_id"):
            if f not in keep:
                data.pop(f, None)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def normalise_proposal_id(value: str) -> str:
    """The archive lists JWST programmes without leading zeros: '02731' -> '2731'."""
    v = value.strip()
    return str(int(v)) if v.isdigit() else v


class ProductsRequest(BaseModel):
    """Products of one or more observations (by `obsid`)."""

    model_config = ConfigDict(extra="forbid")

    obsids: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=100)
    recommended_only: bool = False


class ProductsQuery(ProductsRequest):
    """What backend asks the mast service: a `ProductsRequest`, and whether the caller has a
    MAST API token (exclusive-access products are importable only then)."""

    token_set: bool = False


class ProductList(BaseModel):
    items: list[ArchiveProduct]
