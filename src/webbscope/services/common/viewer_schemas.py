"""The viewer's JSON shapes, shared by the engine (which produces them) and the backend
(which passes them through and documents them in its OpenAPI document).

Pixel coordinates are 0-based FITS pixels: x along a row, y up (FITS row 0 is the bottom
of the picture); tiles are north up (tile row y = 0 is the top of the image).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

#: Points per batch pixel request (as `webbscope.imaging.pixel_values` allows).
MAX_POINTS = 10_000


def finite(value: float | None) -> float | None:
    """`value` as a float, or None for NaN, inf or None (JSON has no NaN)."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


class HduOut(BaseModel):
    index: int
    name: str
    ver: int
    type: str = Field(description="image, compressed_image, bintable, table or primary")
    shape: list[int] | None = Field(description="numpy order: [..., ny, nx]")
    dtype: str | None


class LevelOut(BaseModel):
    level: int
    width: int
    height: int
    tiles_x: int
    tiles_y: int
    scale: int = Field(description="full-resolution pixels per level pixel (a power of two)")


class CubeOut(BaseModel):
    axis: int = Field(description="numpy axis of the slices (0)")
    size: int
    values: list[float] = Field(description="the spectral value of each slice (or its number)")
    unit: str


class StatsOut(BaseModel):
    min: float | None
    max: float | None
    exact_minmax: bool = Field(description="min/max over every pixel (else over the sample)")
    percentiles: dict[str, float] = Field(
        description='sampled percentiles by their value as text ("0.5", "99.5", ...)'
    )
    zscale: tuple[float, float] | None
    samples: int = Field(description="finite pixels in the sample the statistics come from")


class HistogramOut(BaseModel):
    counts: list[int]
    edges: list[float]
    total: int
    sampled: bool
    log: bool = False


class ImageInfoOut(BaseModel):
    ext: str = Field(description="the extension shown (its EXTNAME, or its index)")
    index: int = Field(description="its HDU index")
    hdus: list[HduOut]
    shape: list[int] = Field(description="numpy order: [ny, nx] or [nz, ny, nx]")
    dtype: str | None
    bunit: str | None
    wcs: dict[str, str | float | int | bool] | None = Field(
        description="the celestial WCS as FITS cards (SIP included), or null"
    )
    frame: str | None = Field(
        None,
        description="the WCS's own sky frame, which the readout uses: ICRS, FK5, FK4 (RADESYS "
        "of RA/Dec axes), galactic, ecliptic, ...; null without a celestial WCS. Record "
        "positions (footprint, centre, sky search) are always ICRS",
    )
    levels: list[LevelOut]
    tile_size: int
    formats: list[str] = Field(description="tile formats: png, jpg, webp, f16")
    cube: CubeOut | None
    stats: StatsOut
    histogram: HistogramOut
    flip_y: bool = Field(True, description="tiles are north up: tile row 0 is the image's top")
    all_nan: bool = Field(
        False,
        description="no pixel has a finite value (all NaN or infinite): there is nothing to show",
    )
    rgb: bool = Field(
        False,
        description="a colour image (a composite's R, G, B planes): image tiles are its colours "
        "and ignore the display parameters",
    )


class PlaneStatsOut(BaseModel):
    """The statistics of the plane shown: a cube's display limits come from its shown plane,
    not from the whole cube (image-info's statistics describe the whole HDU)."""

    ext: str
    slice: int = Field(description="the plane (0 for a 2-D image)")
    stats: StatsOut
    histogram: HistogramOut


class PixelOut(BaseModel):
    x: float
    y: float
    value: int | float | None = Field(
        description="null outside the image, or where NaN (or BLANK); an integer image's "
        "values are exact integers (64-bit ones may exceed what a JavaScript number holds)"
    )
    ra: float | None = Field(description="degrees (longitude for non-equatorial frames)")
    dec: float | None
    ra_str: str | None = Field(description="hh:mm:ss.ss for equatorial frames")
    dec_str: str | None
    frame: str | None


class PixelsRequest(BaseModel):
    points: list[tuple[float, float]] = Field(max_length=MAX_POINTS, description="[[x, y], ...]")


class PixelsOut(BaseModel):
    items: list[PixelOut]


class GridLineOut(BaseModel):
    axis: str = Field(description="ra or dec")
    kind: str
    value: float = Field(description="degrees")
    label: str
    points: list[tuple[float, float]] = Field(description="a polyline in pixel coordinates")


class GridLabelOut(BaseModel):
    x: float
    y: float
    text: str
    axis: str


class ScaleBarOut(BaseModel):
    arcsec: float
    pixels: float
    label: str


class GridOut(BaseModel):
    ra_step: float
    dec_step: float
    equatorial: bool
    lines: list[GridLineOut]
    labels: list[GridLabelOut]
    scale_bar: ScaleBarOut | None


class SpectrumOut(BaseModel):
    x: int
    y: int
    wavelength: list[float]
    values: list[float | None]
    unit: str = Field(description="of the wavelengths: um, GHz, ... or pixel")
    bunit: str | None
