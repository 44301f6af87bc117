"""The analysis JSON shapes, shared by the engine (which produces them) and the backend (which
checks access, passes them through and documents them). Pixels are 0-based FITS pixels (x
along a row, y up); sky positions are degrees, sky sizes arcsec."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Shape = Literal["circle", "ellipse", "rectangle", "polygon", "point"]
Frame = Literal["image", "pixel", "icrs", "fk5", "galactic"]


class RegionIn(BaseModel):
    """A region: ``{"shape": "circle", "x": 100, "y": 120, "r": 30}`` in pixels, or with
    ``"frame": "icrs"``, ``ra``/``dec`` in degrees and sizes in arcsec. Ellipses take the
    semi-axes ``a`` and ``b``; rectangles ``width`` and ``height``; both an ``angle`` (degrees,
    counter-clockwise); polygons ``points`` ([[x, y], ...] or [[ra, dec], ...])."""

    model_config = ConfigDict(extra="forbid")

    shape: Shape
    frame: Frame = "image"
    x: float | None = None
    y: float | None = None
    ra: float | None = Field(None, ge=-360, le=360)
    dec: float | None = Field(None, ge=-90, le=90)
    r: float | None = None
    a: float | None = None
    b: float | None = None
    width: float | None = None
    height: float | None = None
    angle: float | None = None
    points: list[tuple[float, float]] | None = Field(None, max_length=1000)

    def spec(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class StatsRequest(BaseModel):
    region: RegionIn
    ext: str = Field("SCI", max_length=70)
    slice: int = Field(0, ge=0, le=1_000_000)
    percentiles: list[float] = Field(default=[1, 5, 25, 75, 95, 99], max_length=20)


class RegionStatsOut(BaseModel):
    region: dict[str, Any] = Field(description="the region in this image's pixels")
    pixels: int = Field(description="pixels whose centres are in the region")
    nan_pixels: int = Field(description="of those, NaN or inf")
    sum: float | None = Field(description="exact-overlap weighted sum (photutils 'exact')")
    sum_err: float | None = Field(description="from the ERR extension, when there is one")
    sum_area: float = Field(description="sum of the overlap weights of the finite pixels")
    mean: float | None
    median: float | None
    std: float | None
    min: float | None
    max: float | None
    percentiles: dict[str, float | None]
    area_pix: float = Field(description="the region's area on the image (pixels)")
    area_arcsec2: float | None
    pixel_area_arcsec2: float | None
    flux_jy: float | None = Field(description="integrated flux density, for MJy/sr data")
    flux_jy_err: float | None
    bunit: str | None


class ContourLineOut(BaseModel):
    level: float
    closed: bool
    pixels: list[tuple[float, float]] = Field(
        description="in the pixels of the image drawn on (the record, or `on`)"
    )
    sky: list[tuple[float, float]] | None = Field(description="(ra, dec) degrees")


class ContoursOut(BaseModel):
    levels: list[float]
    lines: list[ContourLineOut]
    points: int
    truncated: bool = Field(description="the shortest lines were dropped to fit max_points")
    frame: Literal["self", "other"] = Field(description="pixels of this record or of `on`")


class HduSummaryOut(BaseModel):
    index: int
    name: str
    ver: int
    type: str
    shape: list[int] | None
    rows: int | None = None
    columns: int | None = None


class HdusOut(BaseModel):
    hdus: list[HduSummaryOut]
    spectra: list[int] = Field(description="table HDUs holding a 1-D spectrum")
    catalogues: list[int] = Field(description="table HDUs holding a source catalogue")


class ColumnOut(BaseModel):
    name: str
    dtype: str
    unit: str | None
    description: str | None
    shape: list[int] | None
    sortable: bool


class TablePageOut(BaseModel):
    hdu: int
    name: str
    columns: list[ColumnOut]
    rows: list[list[Any]]
    page: int
    page_size: int
    pages: int
    total: int
    matched: int
    sort: str | None
    order: str


class HeaderMatchOut(BaseModel):
    hdu: int
    name: str
    key: str
    value: Any
    comment: str


class HeaderSearchOut(BaseModel):
    q: str
    matches: list[HeaderMatchOut]


class Spectrum1DOut(BaseModel):
    hdu: int
    wavelength: list[float | None]
    flux: list[float | None]
    error: list[float | None] | None
    wavelength_unit: str
    flux_unit: str | None
    flux_column: str


class RegionSpectrumRequest(BaseModel):
    region: RegionIn
    ext: str = Field("SCI", max_length=70)
    how: Literal["sum", "mean"] = "sum"


class RegionSpectrumOut(BaseModel):
    wavelength: list[float]
    values: list[float | None]
    pixels: list[int]
    how: str
    unit: str = Field(description="of the wavelengths")
    bunit: str | None


class LineOut(BaseModel):
    name: str
    rest: float = Field(description="rest wavelength, µm (vacuum)")
    observed: float = Field(description="rest x (1 + z), µm")
    kind: str


class LinesOut(BaseModel):
    z: float
    lines: list[LineOut]


class CatalogueOut(BaseModel):
    count: int
    columns: dict[str, list[Any]] = Field(description="id, x, y, ra, dec, flux, ... as arrays")
    units: dict[str, str | None]
    meta: dict[str, Any]


class DetectParamsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["auto", "segmentation", "dao", "iraf"] = "auto"
    threshold: float = Field(3.0, gt=0, le=1000, description="sigma above the background")
    fwhm: float = Field(3.0, ge=0.5, le=100, description="pixels (kernel / PSF)")
    npixels: int = Field(10, ge=1, le=100_000, description="minimum pixels per source")
    deblend: bool = False
    nlevels: int = Field(32, ge=1, le=1000)
    contrast: float = Field(0.001, ge=0, le=1)
    sharplo: float = 0.2
    sharphi: float = 1.0
    roundlo: float = -1.0
    roundhi: float = 1.0
    box: int = Field(64, ge=8, le=1024, description="background mesh (pixels)")


class DetectRequest(BaseModel):
    ext: str = Field("SCI", max_length=70)
    slice: int = Field(0, ge=0, le=1_000_000)
    region: RegionIn | None = Field(None, description="detect only inside this region")
    params: DetectParamsIn = Field(default_factory=DetectParamsIn)


class WorldPointsRequest(BaseModel):
    points: list[tuple[float, float]] = Field(max_length=10_000, description="[[ra, dec], ...]")
    ext: str = Field("SCI", max_length=70)


class PixelPointsOut(BaseModel):
    points: list[tuple[float, float] | None] = Field(
        description="[[x, y], ...] 0-based pixels; null where the position has no pixel"
    )


class Ds9ExportRequest(BaseModel):
    regions: list[RegionIn] = Field(max_length=5000)
    labels: list[str | None] | None = None
    ext: str = Field("SCI", max_length=70)


class Ds9ImportRequest(BaseModel):
    text: str = Field(max_length=2 * 1024 * 1024)
    ext: str = Field("SCI", max_length=70)


class Ds9ImportOut(BaseModel):
    regions: list[dict[str, Any]]
