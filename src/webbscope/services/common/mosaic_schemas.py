"""Request models of mosaics, shared by the backend (`/api/mosaics`) and the engine."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CombineName = Literal["mean", "median", "sum", "min", "max", "first", "last"]
MosaicFormat = Literal["fits", "png", "jpeg"]


class MosaicOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    combine: CombineName = Field("mean", description="how overlapping values are combined")
    weights: Literal["auto", "wht", "err", "none"] = Field(
        "auto", description="WHT as weights, inverse variance from ERR, auto (WHT, else ERR)"
    )
    clip: bool = Field(False, description="sigma-clip each pixel's values before combining")
    clip_sigma: float = Field(3.0, gt=0.5, le=20)
    clip_iters: int = Field(3, ge=1, le=10)
    match_background: bool = Field(
        False, description="additive offsets solved over the overlaps by least squares"
    )
    allow_mixed_units: bool = Field(False, description="go on although BUNITs differ")
    resolution_arcsec: float | None = Field(
        None, gt=0, le=60, description="output pixel scale; default the finest input's"
    )
    formats: list[MosaicFormat] = Field(
        default_factory=lambda: list[MosaicFormat](["fits", "png"]), min_length=1, max_length=3
    )


class MosaicRequest(MosaicOptions):
    record_ids: list[str] = Field(min_length=1, max_length=500)
    name: str | None = Field(None, max_length=120)


class MosaicInputRef(BaseModel):
    """An input as the backend names it (it has checked the caller's access)."""

    record_id: str
    key: str = Field(max_length=1024)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int | None = Field(None, ge=0)
    name: str = ""


class EngineMosaicBody(BaseModel):
    inputs: list[MosaicInputRef] = Field(min_length=1, max_length=10_000)
    options: MosaicOptions = Field(default_factory=MosaicOptions)
