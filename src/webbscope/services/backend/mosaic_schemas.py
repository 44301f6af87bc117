"""Response models of `/api/mosaics` (the request models are shared with the engine in
`webbscope.services.common.mosaic_schemas`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MosaicInputOut(BaseModel):
    record_id: str
    name: str
    width: int
    height: int
    bunit: str | None = None
    filter: str | None = None
    instrument: str | None = None
    weights: str | None = Field(None, description="wht, ivar (from ERR) or none")
    footprint: list[list[float]] = Field(description="(ra, dec) of the four outer corners")


class OverlapOut(BaseModel):
    a: str
    b: str
    area_px: float


class MosaicPlanOut(BaseModel):
    width: int
    height: int
    pixels: int
    megapixels: float
    disk_bytes: int
    memory_bytes: int
    seconds: float
    blocks: int
    block_size: int
    workers: int = Field(1, description="local worker processes the blocks run on")
    pixel_scale_arcsec: float | None
    wcs: dict[str, Any]
    corners: list[list[float]] = Field(description="(ra, dec) of the output grid's corners")
    inputs: list[MosaicInputOut]
    overlaps: list[OverlapOut]
    groups: list[list[str]]
    units: dict[str, list[str]]


class MosaicJobOut(BaseModel):
    job_id: str
    mosaic_id: str = Field(description="the recipe's hash")
    plan: MosaicPlanOut
