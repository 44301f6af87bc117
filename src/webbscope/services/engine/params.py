"""Query parameters of the render routes, parsed into `webbscope.imaging` values.

Pure functions (no request objects), shared by every route and unit-tested on their own.
Invalid values raise `BadRequest` (HTTP 400) with a code naming the parameter.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from webbscope.errors import BadRequest
from webbscope.imaging import Interval, RenderParams, normalise_format, parse_colour

#: The interval names the viewer offers; any number in (0, 100] is a symmetric percentile.
INTERVAL_PRESETS = ("minmax", "99", "99.5", "99.9", "zscale", "manual", "percentile")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: An extension name (printable ASCII, as FITS allows: slashes, brackets, commas and all),
#: `NAME,VER` or an HDU index.
_EXT = re.compile(r"^[\x20-\x7e]{1,70}$")


def parse_interval(
    text: str,
    *,
    lower: float | None = None,
    upper: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Interval:
    """`minmax`, `zscale`, `manual` (with `vmin`/`vmax`), `percentile` (with `lower` and
    `upper`, 0-100), or a number: the symmetric percentile interval keeping that much
    (``99.5`` keeps 0.25-99.75 %)."""
    name = text.strip().lower()
    if name == "minmax":
        return Interval.minmax()
    if name == "zscale":
        return Interval.zscale()
    if name == "manual":
        if vmin is not None and vmax is not None and not vmin < vmax:
            raise BadRequest(
                f"vmin must be below vmax, not {vmin} and {vmax}", code="invalid_interval"
            )
        return Interval.manual(vmin, vmax)
    if name == "percentile":
        if lower is None and upper is None:
            return Interval.percentile(99.5)
        return Interval.asymmetric(
            0.0 if lower is None else lower, 100.0 if upper is None else upper
        )
    try:
        keep = float(name.rstrip("%"))
    except ValueError:
        keep = math.nan
    if not math.isfinite(keep):
        raise BadRequest(
            f"unknown interval {text!r}; use minmax, zscale, manual, percentile or a "
            "percentage such as 99.5",
            code="invalid_interval",
        )
    return Interval.percentile(keep)


def parse_bool(value: str | bool | int | None, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool | int):
        return bool(value)
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise BadRequest(f"not a boolean: {value!r}", code="invalid_boolean")


def render_params(
    *,
    stretch: str = "asinh",
    interval: str = "99.5",
    lower: float | None = None,
    upper: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "gray",
    invert: str | bool | int | None = False,
    contrast: float = 1.0,
    bias: float = 0.5,
    gamma: float = 1.0,
    a: float | None = None,
    nan: str = "transparent",
) -> RenderParams:
    """The `RenderParams` the query asks for (validated by `RenderParams` itself)."""
    return RenderParams(
        stretch=stretch.strip().lower(),  # type: ignore[arg-type]
        a=a,
        gamma=gamma,
        interval=parse_interval(interval, lower=lower, upper=upper, vmin=vmin, vmax=vmax),
        contrast=contrast,
        bias=bias,
        cmap=cmap.strip().lower(),
        invert=parse_bool(invert),
        nan_colour=parse_colour(nan),
    )


def tile_format(fmt: str) -> str:
    """png, jpeg (or jpg), webp, f16 or f32."""
    name = normalise_format(fmt)
    if name == "tiff":
        raise BadRequest("tiles are png, jpg, webp, f16 or f32", code="unsupported_format")
    return name


def check_sha(sha: str) -> str:
    if not _SHA256.match(sha):
        raise BadRequest("the file identity must be a sha256 hex digest", code="invalid_sha256")
    return sha


def check_ext(ext: str) -> str:
    """An extension name (`SCI`, `raw/sci`: any printable text), `NAME,VER` or an HDU index
    (a number), as given."""
    if not _EXT.match(ext) or not ext.strip():
        raise BadRequest(f"invalid extension {ext!r}", code="invalid_extension")
    return ext.strip()


@dataclass(frozen=True)
class Plane:
    """Which 2-D image of a file: an HDU (by name or index, as asked) and a cube plane."""

    ext: str = "SCI"
    slice: int = 0


def digest(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (ETags, cache and storage keys)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def tile_etag(
    sha: str,
    plane: Plane,
    fmt: str,
    params: RenderParams | None,
    level: int,
    x: int,
    y: int,
    stored: bool = False,
) -> str:
    """The strong ETag of a tile: the file, the plane, the format, the rendering (none for
    f16 and f32, whose values do not depend on it) and the tile's place; `stored` when the
    file's pyramid is built (its coarse tiles are exact means, not the on-request samples)."""
    rendering = None if fmt in ("f16", "f32") or params is None else params.cache_key()
    # f16 tiles changed layout (WF16 -> WFT1): their tags changed with it.
    kind = "f16/WFT1" if fmt == "f16" else fmt
    parts: tuple[object, ...] = (sha, plane.ext, plane.slice, kind, rendering, level, x, y)
    if stored:
        parts += ("pyramid",)
    return f'"{digest("tile", 1, *parts)}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or any listed tag (weak comparison)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    bare = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == bare for t in tags)
