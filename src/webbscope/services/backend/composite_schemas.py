"""Response and request models of `/api/composites` (the recipe models are in
`webbscope.composites.recipe`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from webbscope.composites.plan import ChannelInfo


class EstimateOut(BaseModel):
    width: int
    height: int
    pixels: int
    memory_bytes: int
    seconds: float
    status: Literal["ok", "warn", "fail"]
    reasons: list[str] = Field(default_factory=list)


ChannelInfoOut = ChannelInfo


class RenderOut(BaseModel):
    job_id: str
    formats: list[str]
    bits: int
    record_id: str | None = None
    keys: dict[str, str] = Field(default_factory=dict)


class CompositeOut(BaseModel):
    id: str
    url: str = Field(description="the shareable link in the app")
    name: str | None = None
    created_at: datetime
    width: int
    height: int
    levels: int
    tile_size: int
    pixel_scale_arcsec: float | None
    wcs: dict[str, Any]
    recipe: dict[str, Any] = Field(description="the canonical recipe (its hash is the id)")
    channels: list[ChannelInfoOut]
    luminance: ChannelInfoOut | None = Field(None, description="the luminance channel (LRGB)")
    estimate: EstimateOut
    record_id: str | None = Field(None, description="the derived record of the last render")
    renders: list[RenderOut] = Field(default_factory=list)


class CompositePage(BaseModel):
    items: list[CompositeOut]
    total: int


Format = Literal["png", "jpeg", "tiff", "fits"]


class RenderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    formats: list[Format] = Field(
        default_factory=lambda: list[Format](["png", "fits"]), min_length=1, max_length=4
    )
    bits: Literal[8, 16] = Field(8, description="PNG bit depth (TIFF is 16-bit, JPEG 8-bit)")


class PresetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60, pattern=r"^[\w .()+-]+$")
    preset: dict[str, Any] = Field(description="channel defaults and adjustments to apply")


class PresetOut(BaseModel):
    name: str
    builtin: bool
    description: str = ""
    preset: dict[str, Any]


class PresetsOut(BaseModel):
    looks: list[PresetOut]
    filter_sets: dict[str, list[str]]
    size_presets: dict[str, list[int]]
    user: list[PresetOut]
