"""Colour maps as 256 x 4 uint8 lookup tables, and applying them to 8-bit indexes.

The tables ship with the package (`_colormap_data`, with their sources and licences);
matplotlib is not needed. Index 0 is the bottom of the map (value 0), 255 the top (value 1,
matplotlib's convention: a normalised value x uses entry ``min(floor(256 x), 255)``).
`invert` reverses a map (matplotlib's ``_r`` maps).

Colour-blind-safe set (`COLOUR_BLIND_SAFE`): maps whose order stays readable under the
common colour-vision deficiencies and in greyscale, because their lightness rises
monotonically and they avoid red-green contrasts:

- gray: lightness only;
- viridis, magma, inferno, plasma: perceptually uniform, designed to be readable with
  deuteranopia/protanopia and when printed in grey (van der Walt & Smith, 2015);
- cividis: optimised so people with and without colour-vision deficiency see the same map
  (Nuñez et al. 2018);
- cubehelix: Green's (2011) map for astronomical intensity images, monotonic in perceived
  brightness by construction;
- batlow: Crameri's (2020) scientific map, perceptually uniform, colour-blind and
  greyscale readable.

hot, cool and turbo are offered for familiarity but are not in the set (turbo relies on
red-green differences and is not monotonic in lightness; hot and cool are not uniform).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import BadRequest
from webbscope.imaging._colormap_data import RGB_HEX

RGBA = tuple[int, int, int, int]

COLORMAPS: tuple[str, ...] = (
    "gray",
    "viridis",
    "inferno",
    "magma",
    "plasma",
    "cividis",
    "hot",
    "cool",
    "turbo",
    "cubehelix",
    "batlow",
)
PERCEPTUAL: frozenset[str] = frozenset(
    {"gray", "viridis", "inferno", "magma", "plasma", "cividis", "cubehelix", "batlow"}
)
COLOUR_BLIND_SAFE: frozenset[str] = PERCEPTUAL
TRANSPARENT: RGBA = (0, 0, 0, 0)

_DESCRIPTIONS = {
    "gray": "black to white",
    "viridis": "perceptually uniform, blue to yellow",
    "inferno": "perceptually uniform, black to pale yellow through red",
    "magma": "perceptually uniform, black to pale yellow through purple",
    "plasma": "perceptually uniform, blue to yellow through magenta",
    "cividis": "optimised for colour-vision deficiency, blue to yellow",
    "hot": "black, red, yellow, white",
    "cool": "cyan to magenta",
    "turbo": "rainbow with smooth lightness (not colour-blind safe)",
    "cubehelix": "monotonic brightness helix (Green 2011)",
    "batlow": "scientific colour map, colour-blind and greyscale readable (Crameri)",
}


@dataclass(frozen=True)
class ColourMapInfo:
    name: str
    perceptual: bool
    colour_blind_safe: bool
    description: str


def colormap_info() -> list[ColourMapInfo]:
    """Every colour map with its properties, in menu order."""
    return [
        ColourMapInfo(
            name=name,
            perceptual=name in PERCEPTUAL,
            colour_blind_safe=name in COLOUR_BLIND_SAFE,
            description=_DESCRIPTIONS[name],
        )
        for name in COLORMAPS
    ]


def check_colormap(name: str) -> str:
    if name not in RGB_HEX:
        raise BadRequest(
            f"unknown colour map {name!r}; use one of {', '.join(COLORMAPS)}",
            code="unknown_colormap",
        )
    return name


@cache
def _lut(name: str, invert: bool) -> NDArray[np.uint8]:
    rgb = np.frombuffer(bytes.fromhex(RGB_HEX[name]), dtype=np.uint8).reshape(256, 3)
    lut = np.empty((256, 4), dtype=np.uint8)
    lut[:, :3] = rgb[::-1] if invert else rgb
    lut[:, 3] = 255
    lut.flags.writeable = False
    return lut


def colormap_lut(name: str, *, invert: bool = False) -> NDArray[np.uint8]:
    """The 256 x 4 RGBA uint8 table of `name` (read-only, cached); reversed if `invert`."""
    return _lut(check_colormap(name), bool(invert))


@cache
def _lut32(name: str, invert: bool) -> NDArray[np.uint32]:
    packed = np.ascontiguousarray(_lut(name, invert)).view(np.uint32).reshape(256)
    packed.flags.writeable = False
    return packed


def packed_rgba(colour: RGBA) -> np.uint32:
    """One RGBA colour as the uint32 whose bytes in memory are R, G, B, A."""
    return np.uint32(int.from_bytes(bytes(colour), sys.byteorder))


def apply_colormap(
    index: NDArray[np.uint8],
    name: str = "gray",
    *,
    invert: bool = False,
    nan_mask: NDArray[np.bool_] | None = None,
    nan_colour: RGBA = TRANSPARENT,
    out: NDArray[np.uint8] | None = None,
) -> NDArray[np.uint8]:
    """RGBA pixels (..., 4) for 8-bit `index` through the map `name`.

    Where `nan_mask` is true the pixel is `nan_colour` (transparent by default). One
    lookup per pixel: the table is packed as uint32 and `np.take` copies whole pixels.
    """
    table = _lut32(check_colormap(name), bool(invert))
    if out is None:
        out = np.empty((*index.shape, 4), dtype=np.uint8)
    packed = out.view(np.uint32).reshape(index.shape)
    np.take(table, index, out=packed)
    if nan_mask is not None:
        np.copyto(packed, packed_rgba(nan_colour), where=nan_mask)
    return out


_HEX = re.compile(r"#?([0-9a-fA-F]{6})([0-9a-fA-F]{2})?")


def parse_colour(text: str) -> RGBA:
    """An RGBA colour from ``transparent``, ``#rrggbb`` or ``#rrggbbaa`` (``#`` optional)."""
    value = text.strip()
    if value.lower() in ("transparent", "none"):
        return TRANSPARENT
    match = _HEX.fullmatch(value)
    if not match:
        raise BadRequest(
            f"colour must be 'transparent', '#rrggbb' or '#rrggbbaa', not {text!r}",
            code="invalid_colour",
        )
    rgb = bytes.fromhex(match.group(1))
    alpha = int(match.group(2), 16) if match.group(2) else 255
    return (rgb[0], rgb[1], rgb[2], alpha)
