"""Colour and tone for composites: colours in linear light, sRGB encoding, tone curves.

- `channel_colour`: any CSS colour (`#rgb`, `#rrggbb`, `rgb()`, `hsl()`, the CSS named
  colours) or a hue in degrees, as linear-light RGB in [0, 1] (400 BadRequest
  ``unknown_colour`` otherwise). `hue_colour(h)` is the fully saturated sRGB colour of hue h.
- `srgb_to_linear` / `linear_to_srgb`: the IEC 61966-2-1 transfer functions.
- Tone curves are monotone: a name (``linear``, ``s-curve``, ``inverse-s``, ``shadows``,
  ``highlights``) or custom control points ``[[x, y], ...]`` in [0, 1], interpolated by a
  monotone cubic (PCHIP, Fritsch-Carlson: never overshoots, so the curve stays monotone).
  `curve_lut(curve)` samples it at 256 points; the renderer and the browser's shader both
  use that table with linear interpolation, so they agree.
- `wavelength_hues(n)`: hues spread from blue (240 deg, shortest) to red (0 deg, longest).
"""

from __future__ import annotations

import colorsys
import itertools
import math
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import BadRequest

CURVES: dict[str, tuple[tuple[float, float], ...]] = {
    "linear": ((0.0, 0.0), (1.0, 1.0)),
    "s-curve": ((0.0, 0.0), (0.25, 0.17), (0.5, 0.5), (0.75, 0.83), (1.0, 1.0)),
    "inverse-s": ((0.0, 0.0), (0.25, 0.33), (0.5, 0.5), (0.75, 0.67), (1.0, 1.0)),
    "shadows": ((0.0, 0.0), (0.15, 0.28), (0.5, 0.66), (1.0, 1.0)),
    "highlights": ((0.0, 0.0), (0.5, 0.4), (0.85, 0.78), (1.0, 1.0)),
}
LUT_SIZE = 256

_NAMED = {
    "black": "#000000", "white": "#ffffff", "red": "#ff0000", "lime": "#00ff00",
    "green": "#008000", "blue": "#0000ff", "yellow": "#ffff00", "cyan": "#00ffff",
    "aqua": "#00ffff", "magenta": "#ff00ff", "fuchsia": "#ff00ff", "orange": "#ffa500",
    "purple": "#800080", "violet": "#ee82ee", "indigo": "#4b0082", "pink": "#ffc0cb",
    "gold": "#ffd700", "teal": "#008080", "navy": "#000080", "maroon": "#800000",
    "olive": "#808000", "silver": "#c0c0c0", "gray": "#808080", "grey": "#808080",
    "crimson": "#dc143c", "coral": "#ff7f50", "salmon": "#fa8072", "tomato": "#ff6347",
    "orangered": "#ff4500", "darkorange": "#ff8c00", "skyblue": "#87ceeb",
    "deepskyblue": "#00bfff", "dodgerblue": "#1e90ff", "royalblue": "#4169e1",
    "turquoise": "#40e0d0", "chartreuse": "#7fff00", "springgreen": "#00ff7f",
    "limegreen": "#32cd32", "khaki": "#f0e68c", "lavender": "#e6e6fa", "plum": "#dda0dd",
    "orchid": "#da70d6", "hotpink": "#ff69b4", "deeppink": "#ff1493", "firebrick": "#b22222",
    "brown": "#a52a2a", "tan": "#d2b48c", "beige": "#f5f5dc", "ivory": "#fffff0",
    "steelblue": "#4682b4", "slateblue": "#6a5acd", "mediumpurple": "#9370db",
    "darkviolet": "#9400d3", "blueviolet": "#8a2be2", "seagreen": "#2e8b57",
    "forestgreen": "#228b22", "darkred": "#8b0000", "darkblue": "#00008b",
    "darkgreen": "#006400", "lightblue": "#add8e6", "lightgreen": "#90ee90",
    "amber": "#ffbf00",
}  # fmt: skip
_HEX = re.compile(r"^#([0-9a-f]{3}|[0-9a-f]{6})$")
_FUNC = re.compile(r"^(rgb|hsl)a?\(([^)]*)\)$")


def srgb_to_linear(x: NDArray[np.floating] | float) -> NDArray[np.float32]:
    """IEC 61966-2-1 decoding of values in [0, 1] (float32)."""
    v = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    low = v / np.float32(12.92)
    high = ((v + np.float32(0.055)) / np.float32(1.055)) ** np.float32(2.4)
    out: NDArray[np.float32] = np.where(v <= 0.04045, low, high).astype(np.float32)
    return out


def linear_to_srgb(x: NDArray[np.floating] | float) -> NDArray[np.float32]:
    """IEC 61966-2-1 encoding of linear values in [0, 1] (float32)."""
    v = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    low = v * np.float32(12.92)
    high = np.float32(1.055) * v ** np.float32(1.0 / 2.4) - np.float32(0.055)
    out: NDArray[np.float32] = np.where(v <= 0.0031308, low, high).astype(np.float32)
    return out


def hue_colour(hue_deg: float) -> tuple[float, float, float]:
    """The fully saturated, full-value sRGB colour of `hue_deg` (0 red, 120 green, 240 blue)."""
    r, g, b = colorsys.hsv_to_rgb((hue_deg % 360.0) / 360.0, 1.0, 1.0)
    return float(r), float(g), float(b)


def _bad(text: str) -> BadRequest:
    return BadRequest(
        f"unknown colour {text!r}: use a CSS colour (#ff8800, rgb(), hsl(), a name) or a hue "
        "in degrees",
        code="unknown_colour",
        details={"colour": text},
    )


def _number(part: str, scale: float) -> float:
    part = part.strip()
    if part.endswith("%"):
        return float(part[:-1]) / 100.0
    return float(part.removesuffix("deg")) / scale


def css_srgb(text: str | float) -> tuple[float, float, float]:
    """The sRGB (encoded, 0-1) of a CSS colour or a hue in degrees."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if not math.isfinite(float(text)):
            raise _bad(str(text))
        return hue_colour(float(text))
    s = str(text).strip().lower()
    try:
        return hue_colour(float(s.removesuffix("deg")))
    except ValueError:
        pass
    s = _NAMED.get(s, s)
    if m := _HEX.match(s):
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return int(h[0:2], 16) / 255.0, int(h[2:4], 16) / 255.0, int(h[4:6], 16) / 255.0
    if m := _FUNC.match(s):
        parts = [p for p in re.split(r"[,\s/]+", m.group(2).strip()) if p]
        try:
            if m.group(1) == "rgb" and len(parts) in (3, 4):
                rgb = tuple(min(1.0, max(0.0, _number(p, 255.0))) for p in parts[:3])
                return rgb[0], rgb[1], rgb[2]
            if m.group(1) == "hsl" and len(parts) in (3, 4):
                h = float(parts[0].removesuffix("deg")) % 360.0 / 360.0
                sat, light = (min(1.0, max(0.0, _number(p, 100.0))) for p in parts[1:3])
                r, g, b = colorsys.hls_to_rgb(h, light, sat)
                return r, g, b
        except ValueError:
            pass
    raise _bad(str(text))


def channel_colour(text: str | float) -> NDArray[np.float32]:
    """A channel's colour as linear-light RGB (3,) float32."""
    return srgb_to_linear(np.array(css_srgb(text), dtype=np.float32))


def wavelength_hues(n: int) -> list[float]:
    """`n` hues from blue (240 deg) for the shortest to red (0 deg) for the longest."""
    if n <= 1:
        return [0.0] * max(n, 0)
    return [240.0 - 240.0 * i / (n - 1) for i in range(n)]


def curve_points(curve: str | Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    """The control points of a named or custom curve, checked (400 ``invalid_curve``)."""
    if isinstance(curve, str):
        if curve not in CURVES:
            raise BadRequest(
                f"unknown tone curve {curve!r}; use one of {', '.join(CURVES)} or control points",
                code="invalid_curve",
            )
        return list(CURVES[curve])
    pts = [(float(p[0]), float(p[1])) for p in curve]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    problems = []
    if not 2 <= len(pts) <= 32:
        problems.append("a custom curve needs 2 to 32 control points")
    if any(not (0.0 <= v <= 1.0) for v in xs + ys):
        problems.append("control points must lie in [0, 1] x [0, 1]")
    if any(b <= a for a, b in itertools.pairwise(xs)):
        problems.append("control points must have increasing x")
    if any(b < a for a, b in itertools.pairwise(ys)):
        problems.append("a tone curve must not decrease (y must not go down)")
    if problems:
        raise BadRequest("; ".join(problems), code="invalid_curve", details=problems)
    if xs[0] > 0.0:
        pts.insert(0, (0.0, ys[0]))
    if xs[-1] < 1.0:
        pts.append((1.0, ys[-1]))
    return pts


def curve_lut(curve: str | Sequence[Sequence[float]], size: int = LUT_SIZE) -> NDArray[np.float32]:
    """The curve sampled at `size` points evenly spaced over [0, 1] (monotone cubic)."""
    pts = curve_points(curve)
    x = np.linspace(0.0, 1.0, size)
    if len(pts) == 2:
        return np.interp(x, [p[0] for p in pts], [p[1] for p in pts]).astype(np.float32)
    from scipy.interpolate import PchipInterpolator

    fn = PchipInterpolator([p[0] for p in pts], [p[1] for p in pts])
    out: NDArray[np.float32] = np.clip(fn(x), 0.0, 1.0).astype(np.float32)
    return out


def _steps(lut: NDArray[np.float32]) -> NDArray[np.float32]:
    """Differences between neighbouring entries, with a 0 after the last (so the top entry
    interpolates to itself without clamping the index)."""
    step = np.zeros(len(lut), dtype=np.float32)
    np.subtract(lut[1:], lut[:-1], out=step[:-1])
    return step


#: Elements per block of `apply_lut`: its temporaries (indexes, fractions, gathers) stay
#: in the CPU cache, about five times faster than one pass over a large array.
LUT_BLOCK = 1 << 15


def apply_lut(x: NDArray[np.float32], lut: NDArray[np.float32]) -> NDArray[np.float32]:
    """`lut` (evenly sampled over [0, 1]) at `x` with linear interpolation, in place (x is
    clipped to [0, 1] first; NaN counts as 0)."""
    n = len(lut) - 1
    step = _steps(lut)
    flat = x.reshape(-1)  # a view for contiguous x (written back below otherwise)
    for b in range(0, flat.size, LUT_BLOCK):
        part = flat[b : b + LUT_BLOCK]
        np.fmax(part, np.float32(0.0), out=part)
        np.fmin(part, np.float32(1.0), out=part)
        part *= np.float32(n)
        i = part.astype(np.intp)
        np.subtract(part, i, out=part, dtype=np.float32, casting="unsafe")
        out = step[i]
        out *= part
        out += lut[i]
        part[...] = out
    if not np.shares_memory(flat, x):
        x[...] = flat.reshape(x.shape)
    return x
