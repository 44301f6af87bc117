"""What Webbscope knows about one FITS file after reading its headers.

Every field is optional except the few that can always be computed: a missing keyword is
`None`, never an error. Everything serialises to JSON (`model_dump(mode="json")`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: JWST calibration level: "1" raw ramps (`_uncal`), "2a" count rates (`_rate`), "2b" calibrated
#: exposures (`_cal`, level-2 `_x1d`/`_i2d`/`_s3d`), "3" combined products (level-3 names).
ProcessingLevel = Literal["1", "2a", "2b", "3", "unknown"]

#: How an HDU stores its data.
HduType = Literal["primary", "image", "compressed_image", "bintable", "table"]


class HduSummary(BaseModel):
    """One header-data unit, described from its header alone (the data is never read)."""

    model_config = ConfigDict(frozen=True)

    index: int
    name: str = Field(description="EXTNAME, 'PRIMARY' for an unnamed primary HDU, else ''")
    ver: int = 1
    type: HduType
    shape: list[int] | None = Field(
        None, description="numpy order (..., NAXIS2, NAXIS1); [rows] for tables; None if empty"
    )
    dtype: str | None = Field(None, description="numpy dtype name of an image; None for tables")
    columns: list[str] | None = Field(None, description="column names of a table")


class SpectralAxis(BaseModel):
    """The spectral axis of a cube, in the units its header declares."""

    model_config = ConfigDict(frozen=True)

    axis: int = Field(description="FITS axis number (1-based), usually 3")
    ctype: str | None = None
    cunit: str | None = None
    size: int = Field(description="number of planes")
    first: float | None = Field(None, description="world value of the first plane")
    last: float | None = Field(None, description="world value of the last plane")


class SkyPoint(BaseModel):
    """A position on the sky in degrees (ICRS), RA in [0, 360)."""

    model_config = ConfigDict(frozen=True)

    ra: float
    dec: float


class JwstMetadata(BaseModel):
    """Metadata of one FITS product, JWST keywords first but useful for any FITS file."""

    model_config = ConfigDict(frozen=True)

    file_name: str
    obs_id: str | None = Field(None, description="MAST obs_id: the file name without suffix")
    size_bytes: int

    telescope: str | None = None
    instrument: str | None = None
    detector: str | None = None
    filter: str | None = None
    pupil: str | None = None
    grating: str | None = None
    exp_type: str | None = None

    target_name: str | None = None
    target_ra: float | None = None
    target_dec: float | None = None

    program: str | None = None
    observation: str | None = None
    visit: str | None = None

    exposure_start_mjd: float | None = None
    exposure_start: datetime | None = Field(None, description="EXPSTART as a UTC datetime")
    exposure_end_mjd: float | None = None
    exposure_time: float | None = Field(None, description="seconds (EFFEXPTM, else XPOSURE)")

    bunit: str | None = None
    processing_level: ProcessingLevel = "unknown"
    product_type: str | None = Field(None, description="file suffix: i2d, cal, s3d, x1d, ...")

    science_hdu: int | None = Field(None, description="index of the HDU holding the science data")
    shape: list[int] | None = Field(None, description="science array shape, numpy order")
    dtype: str | None = None
    is_cube: bool = False
    spectral_axis: SpectralAxis | None = None

    has_celestial_wcs: bool = False
    footprint: list[SkyPoint] | None = Field(
        None, description="four corners in degrees, in order around the image"
    )
    center_ra: float | None = None
    center_dec: float | None = None
    pixel_scale_arcsec: float | None = None

    hdus: list[HduSummary] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list,
        description="what was not standard in the headers and how it was read (cards fixed "
        "or skipped)",
    )

    @field_validator("footprint", mode="before")
    @classmethod
    def _corners(cls, value: object) -> object:
        """Accept (ra, dec) pairs, as the WCS helpers return them."""
        if isinstance(value, list):
            return [
                {"ra": float(c[0]), "dec": float(c[1])} if isinstance(c, tuple | list) else c
                for c in value
            ]
        return value
