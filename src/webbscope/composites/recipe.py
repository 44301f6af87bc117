"""Composite recipes: the canonical JSON that describes a composite, and its id.

A request names channels by record id with their look; `canonical_recipe` fills in every
default, adds the inputs' sha256 and the software version, and the composite's id is the
first 32 hex digits of the sha256 of the canonical JSON (sorted keys, no spaces). The id is
the cache key and the permalink (`/composites/{id}`): the same recipe gives the same id and
renders the same bytes. Web-free (pydantic and the imaging checks only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from webbscope import __version__
from webbscope.errors import BadRequest
from webbscope.imaging import FILTER_SETS, css_srgb, curve_points

RECIPE_VERSION = 1
Stretch = Literal["linear", "log", "sqrt", "squared", "asinh", "sinh"]
GridMode = Literal["finest", "record", "union", "intersection", "pixel"]
Method = Literal["bilinear", "flux", "interp", "adaptive", "exact"]
Curve = str | list[Annotated[list[float], Field(min_length=2, max_length=2)]]

#: Output size presets (width, height): wallpapers and common screens.
SIZE_PRESETS: dict[str, tuple[int, int]] = {
    "hd": (1920, 1080),
    "qhd": (2560, 1440),
    "4k": (3840, 2160),
    "5k": (5120, 2880),
    "8k": (7680, 4320),
    "ultrawide": (3440, 1440),
    "phone": (1170, 2532),
    "tablet": (2048, 2732),
    "square": (2048, 2048),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChannelIn(_Model):
    """One channel: one or more records of one filter and how the channel looks."""

    record_id: str | None = Field(None, description="the record (or use record_ids)")
    record_ids: list[str] = Field(default_factory=list, max_length=64)
    ext: str = Field("SCI", max_length=70)
    slice: int | None = Field(None, ge=0, description="the plane of a cube (required for cubes)")
    color: str | float = Field("white", description="any CSS colour, or a hue in degrees")
    weight: float = Field(1.0, ge=0.0, le=10.0)
    stretch: Stretch = "asinh"
    a: float | None = Field(None, gt=0.0, le=100.0, description="softening of log/asinh/sinh")
    interval: str = Field("99.5", max_length=20, description="minmax, zscale, manual or a %")
    vmin: float | None = None
    vmax: float | None = None
    gamma: float = Field(1.0, ge=0.05, le=20.0)
    black: float = Field(0.0, ge=0.0, lt=1.0)
    white: float = Field(1.0, gt=0.0, le=1.0)
    curve: Curve = "linear"
    auto: bool = Field(False, description="noise-aware auto-stretch (overrides the limits)")
    label: str | None = Field(None, max_length=80)
    fwhm_arcsec: float | None = Field(None, gt=0.0, le=10.0)

    @model_validator(mode="after")
    def _records(self) -> ChannelIn:
        ids = list(dict.fromkeys(([self.record_id] if self.record_id else []) + self.record_ids))
        if not ids:
            raise ValueError("a channel needs record_id or record_ids")
        self.record_ids = ids
        self.record_id = ids[0]
        if self.white <= self.black:
            raise ValueError("white must be above black")
        return self

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        v = v.strip().lower()
        if v in ("minmax", "zscale", "manual"):
            return v
        try:
            keep = float(v.rstrip("%"))
        except ValueError:
            raise ValueError("interval is minmax, zscale, manual or a percentage") from None
        if not 0 < keep <= 100:
            raise ValueError("a percentage interval is in (0, 100]")
        return f"{keep:g}"


class GridIn(_Model):
    mode: GridMode = "union"
    record_id: str | None = Field(None, description="the record whose grid is used (mode record)")
    resolution_arcsec: float | None = Field(None, gt=0.0, le=3600.0)


class AdjustIn(_Model):
    neutralise: bool = True
    black: float = Field(0.0, ge=0.0, lt=1.0)
    white: float = Field(1.0, gt=0.0, le=1.0)
    midtones: float = Field(1.0, ge=0.1, le=10.0)
    saturation: float = Field(1.0, ge=0.0, le=4.0)
    vibrance: float = Field(0.0, ge=-1.0, le=2.0)
    hue: float = Field(0.0, ge=-360.0, le=360.0)
    sharpen_amount: float = Field(0.0, ge=0.0, le=5.0)
    sharpen_radius: float = Field(1.0, gt=0.0, le=20.0)
    sharpen_threshold: float = Field(0.0, ge=0.0, le=1.0)
    feather_px: float = Field(0.0, ge=0.0, le=200.0)
    match_resolution: bool = False
    method: Method = "bilinear"


class OutputIn(_Model):
    rotate: float = Field(0.0, ge=-360.0, le=360.0, description="degrees, counter-clockwise")
    crop: list[int] | None = Field(None, description="x, y, width, height on the grid")
    scale: float = Field(1.0, gt=0.0, le=8.0, description="output pixels per grid pixel")
    preset: str | None = Field(None, description=f"one of {', '.join(SIZE_PRESETS)}")
    width: int | None = Field(None, ge=1, le=200_000)
    height: int | None = Field(None, ge=1, le=200_000)

    @field_validator("crop")
    @classmethod
    def _crop(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (len(v) != 4 or v[2] <= 0 or v[3] <= 0 or v[0] < 0 or v[1] < 0):
            raise ValueError("crop is [x, y, width, height] with a positive size")
        return v

    @field_validator("preset")
    @classmethod
    def _preset(cls, v: str | None) -> str | None:
        if v is not None and v not in SIZE_PRESETS:
            raise ValueError(f"unknown size preset; use one of {', '.join(SIZE_PRESETS)}")
        return v


class RecipeIn(_Model):
    """`POST /api/composites`: channels (1 to 8), an optional luminance channel, the grid,
    whole-image adjustments and the output geometry."""

    channels: list[ChannelIn] = Field(min_length=1, max_length=8)
    luminance: ChannelIn | None = None
    grid: GridIn = Field(default_factory=GridIn)
    adjust: AdjustIn = Field(default_factory=AdjustIn)
    output: OutputIn = Field(default_factory=OutputIn)
    name: str | None = Field(None, max_length=120)


def check_recipe(recipe: RecipeIn) -> None:
    """The checks pydantic cannot express as 400s: colours and tone curves."""
    for i, ch in enumerate([*recipe.channels, *([recipe.luminance] if recipe.luminance else [])]):
        try:
            css_srgb(ch.color)
            curve_points(ch.curve)
        except BadRequest as exc:
            exc.details = {"channel": i, **(exc.details if isinstance(exc.details, dict) else {})}
            raise
    if recipe.grid.mode == "record" and not recipe.grid.record_id:
        raise BadRequest("grid mode 'record' needs grid.record_id", code="invalid_grid")


def record_ids(recipe: RecipeIn) -> list[str]:
    """Every input record id, in order, once (the grid's record included)."""
    ids: list[str] = []
    for ch in [*recipe.channels, *([recipe.luminance] if recipe.luminance else [])]:
        ids += ch.record_ids
    if recipe.grid.record_id:
        ids.append(recipe.grid.record_id)
    return list(dict.fromkeys(ids))


def canonical_recipe(recipe: RecipeIn, shas: Mapping[str, str]) -> dict[str, Any]:
    """Every default filled in, inputs by record id and sha256, and the software version."""
    body = recipe.model_dump(mode="json")
    body.pop("name", None)
    return {
        "version": RECIPE_VERSION,
        "software": f"webbscope {__version__}",
        "inputs": [{"record_id": rid, "sha256": shas[rid]} for rid in record_ids(recipe)],
        **body,
    }


def canonical_json(recipe: Mapping[str, Any]) -> str:
    return json.dumps(recipe, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def recipe_id(recipe: Mapping[str, Any]) -> str:
    """The composite's id: 32 hex digits of the sha256 of the canonical JSON."""
    return hashlib.sha256(canonical_json(recipe).encode()).hexdigest()[:32]


def parse_canonical(recipe: Mapping[str, Any]) -> RecipeIn:
    """The request model back from a stored canonical recipe."""
    body = {k: v for k, v in recipe.items() if k not in ("version", "software", "inputs")}
    return RecipeIn.model_validate(body)


__all__ = [
    "FILTER_SETS",
    "SIZE_PRESETS",
    "AdjustIn",
    "ChannelIn",
    "GridIn",
    "OutputIn",
    "RecipeIn",
    "canonical_json",
    "canonical_recipe",
    "check_recipe",
    "parse_canonical",
    "recipe_id",
    "record_ids",
]
