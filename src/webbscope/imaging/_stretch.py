"""Stretches: maps of [0, 1] onto [0, 1], with `astropy.visualization` semantics.

Each function takes values already normalised to [0, 1] (by an interval), clips them to
[0, 1] first (astropy's default ``clip=True``) and writes float32 into ``out`` — a new array
when ``out`` is None, the input itself when ``out is values``. No temporary array is
allocated beyond ``out``. Formulas (x in [0, 1]):

==========  =======================================  ==========================
linear      x                                        LinearStretch()
log         log(a x + 1) / log(a + 1)                LogStretch(a), a=1000
sqrt        sqrt(x)                                  SqrtStretch()
squared     x**2                                     SquaredStretch()
asinh       asinh(x / a) / asinh(1 / a)              AsinhStretch(a), a=0.1
sinh        sinh(x / a) / sinh(1 / a)                SinhStretch(a), a=1/3
power       x**gamma                                 PowerStretch(gamma)
histeq      rank of x among the sample, in [0, 1]    HistEqStretch(sample)
==========  =======================================  ==========================

and `contrast_bias`: (x - bias) * contrast + 0.5, clipped (ContrastBiasStretch), applied
after the stretch. Scalars are float32 and divisions are multiplications by a reciprocal,
so results agree with astropy (which computes in float32 too) to about one float32 ulp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float32]
StretchName = Literal["linear", "log", "sqrt", "squared", "asinh", "sinh", "power", "histeq"]
STRETCHES: tuple[StretchName, ...] = get_args(StretchName)

#: astropy's default `a` for the stretches that take one.
DEFAULT_A: dict[str, float] = {"log": 1000.0, "asinh": 0.1, "sinh": 1.0 / 3.0}
#: Below this `a`, sinh(1/a) overflows float32.
MIN_SINH_A = 1.0 / 85.0


def _prepare(values: ArrayLike, out: FloatArray | None) -> FloatArray:
    """Clip to [0, 1] into float32 `out` (allocated when None)."""
    if out is None:
        out = np.empty(np.shape(values), dtype=np.float32)
    elif out.dtype != np.float32:
        raise TypeError(f"out must be float32, not {out.dtype}")
    np.clip(values, 0.0, 1.0, out=out)
    return out


def _positive(name: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")
    return float(value)


def linear_stretch(values: ArrayLike, *, out: FloatArray | None = None) -> FloatArray:
    """y = x (LinearStretch with slope 1 and intercept 0: only the clip)."""
    return _prepare(values, out)


def sqrt_stretch(values: ArrayLike, *, out: FloatArray | None = None) -> FloatArray:
    """y = sqrt(x) (SqrtStretch)."""
    v = _prepare(values, out)
    np.sqrt(v, out=v)
    return v


def squared_stretch(values: ArrayLike, *, out: FloatArray | None = None) -> FloatArray:
    """y = x**2 (SquaredStretch, i.e. PowerStretch(2))."""
    v = _prepare(values, out)
    np.square(v, out=v)
    return v


def power_stretch(values: ArrayLike, gamma: float, *, out: FloatArray | None = None) -> FloatArray:
    """y = x**gamma (PowerStretch(gamma)); gamma > 0."""
    g = _positive("gamma", gamma)
    v = _prepare(values, out)
    if g == 2.0:
        np.square(v, out=v)
    elif g == 0.5:
        np.sqrt(v, out=v)
    elif g != 1.0:
        np.power(v, np.float32(g), out=v)
    return v


def log_stretch(
    values: ArrayLike, a: float = DEFAULT_A["log"], *, out: FloatArray | None = None
) -> FloatArray:
    """y = log(a x + 1) / log(a + 1) (LogStretch(a)); a > 0."""
    a = _positive("a", a)
    v = _prepare(values, out)
    np.multiply(v, np.float32(a), out=v)
    # add-then-log as astropy does (log1p would differ from it by more than an ulp near 0)
    np.add(v, np.float32(1.0), out=v)
    np.log(v, out=v)
    np.multiply(v, np.float32(1.0 / math.log(a + 1.0)), out=v)
    return v


def asinh_stretch(
    values: ArrayLike, a: float = DEFAULT_A["asinh"], *, out: FloatArray | None = None
) -> FloatArray:
    """y = asinh(x / a) / asinh(1 / a) (AsinhStretch(a)); a > 0."""
    a = _positive("a", a)
    v = _prepare(values, out)
    np.true_divide(v, np.float32(a), out=v)
    np.arcsinh(v, out=v)
    np.multiply(v, np.float32(1.0 / math.asinh(1.0 / a)), out=v)
    return v


def sinh_stretch(
    values: ArrayLike, a: float = DEFAULT_A["sinh"], *, out: FloatArray | None = None
) -> FloatArray:
    """y = sinh(x / a) / sinh(1 / a) (SinhStretch(a)); a >= 1/85 (float32 range)."""
    a = _positive("a", a)
    if a < MIN_SINH_A:
        raise ValueError(f"a must be >= {MIN_SINH_A:.4g} for sinh (float32 overflow)")
    v = _prepare(values, out)
    np.true_divide(v, np.float32(a), out=v)
    np.sinh(v, out=v)
    np.multiply(v, np.float32(1.0 / math.sinh(1.0 / a)), out=v)
    return v


@dataclass(frozen=True, eq=False)
class HistEqTable:
    """The equalisation curve of HistEqStretch: `np.interp(x, data, values)`.

    `data` are the sorted finite sample values rescaled to [0, 1] by their own min and max,
    `values` their ranks in [0, 1] (`linspace(0, 1, n)`), exactly as astropy builds them.
    """

    data: NDArray[np.floating[Any]]
    values: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.data)


def histeq_table(sample: ArrayLike, *, max_points: int | None = None) -> HistEqTable:
    """The table `HistEqStretch(sample)` builds, optionally thinned to `max_points` knots.

    Thinning keeps evenly spaced ranks (their values are exact, the curve between them is
    linear), so a table of a few thousand knots stands in for millions of pixels. The sample
    should be the normalised image values (after the interval); NaN and inf are ignored. A
    sample with fewer than two distinct finite values gives the identity curve.
    """
    data = np.sort(np.asarray(sample).ravel())
    data = data[np.isfinite(data)]
    if data.size < 2 or data[0] == data[-1]:
        line = np.array([0.0, 1.0])
        return HistEqTable(line, line.copy())
    vmin, vmax = data[0], data[-1]
    data = (data - vmin) / (vmax - vmin)
    n = data.size
    if max_points is not None and n > max_points >= 2:
        ranks = np.rint(np.linspace(0, n - 1, max_points)).astype(np.int64)
        return HistEqTable(data[ranks], ranks / float(n - 1))
    return HistEqTable(data, np.linspace(0.0, 1.0, n))


def histeq_stretch(
    values: ArrayLike, table: HistEqTable, *, out: FloatArray | None = None
) -> FloatArray:
    """Histogram equalisation through `table` (HistEqStretch semantics).

    Exact but slow for big arrays (`np.interp` allocates float64); the render pipeline uses
    a 65,536-entry lookup table of this function instead (see `histeq_lut`).
    """
    v = _prepare(values, out)
    v[...] = np.interp(v, table.data, table.values)
    return v


def histeq_lut(table: HistEqTable, size: int = 65536) -> FloatArray:
    """The curve of `table` sampled at `size` points evenly spaced over [0, 1]."""
    x = np.linspace(0.0, 1.0, size)
    return np.interp(x, table.data, table.values).astype(np.float32)


def contrast_bias(
    values: ArrayLike,
    contrast: float = 1.0,
    bias: float = 0.5,
    *,
    out: FloatArray | None = None,
) -> FloatArray:
    """y = clip((x - bias) * contrast + 0.5, 0, 1) (ContrastBiasStretch(contrast, bias)).

    Unlike the stretches the input is not clipped first, as in astropy. contrast=1 and
    bias=0.5 is the identity.
    """
    if out is None:
        out = np.empty(np.shape(values), dtype=np.float32)
    if contrast == 1.0 and bias == 0.5:
        if out is not values:
            np.copyto(out, values, casting="same_kind")
    else:
        np.subtract(values, np.float32(bias), out=out)
        np.multiply(out, np.float32(contrast), out=out)
        np.add(out, np.float32(0.5), out=out)
    np.clip(out, 0.0, 1.0, out=out)
    return out


def apply_stretch(
    values: ArrayLike,
    name: StretchName,
    *,
    a: float | None = None,
    gamma: float = 1.0,
    histeq: HistEqTable | None = None,
    out: FloatArray | None = None,
) -> FloatArray:
    """Apply the stretch called `name`; `a` defaults to astropy's (see `DEFAULT_A`).

    `histeq` needs a table (see `histeq_table`); without one the values equalise themselves.
    """
    if name == "linear":
        return linear_stretch(values, out=out)
    if name == "sqrt":
        return sqrt_stretch(values, out=out)
    if name == "squared":
        return squared_stretch(values, out=out)
    if name == "power":
        return power_stretch(values, gamma, out=out)
    if name == "log":
        return log_stretch(values, DEFAULT_A["log"] if a is None else a, out=out)
    if name == "asinh":
        return asinh_stretch(values, DEFAULT_A["asinh"] if a is None else a, out=out)
    if name == "sinh":
        return sinh_stretch(values, DEFAULT_A["sinh"] if a is None else a, out=out)
    if name == "histeq":
        table = histeq if histeq is not None else histeq_table(np.clip(values, 0.0, 1.0))
        return histeq_stretch(values, table, out=out)
    raise ValueError(f"unknown stretch {name!r}; use one of {', '.join(STRETCHES)}")
