"""Display intervals (vmin, vmax) and histograms, from a pixel sample or exactly.

Intervals follow `astropy.visualization`: min-max (MinMaxInterval), percentile
(PercentileInterval / AsymmetricPercentileInterval, `np.percentile` with linear
interpolation), zscale (ZScaleInterval, called as is) and manual (ManualInterval: a side
left as None is the data's min or max). NaN and inf are ignored.

Sampling. Exact percentiles of a 4096x4096 frame take ~175 ms; a viewer needs limits in a
few ms. `sample_pixels` reads a deterministic lattice: every `sc`-th pixel of every
`sr`-th row, with `sr * sc` close to 64 (about 1/64 of the pixels), starting half a stride
in from the edges (JWST mosaics often have NaN borders). The count is kept between
`min_samples` (small images are read whole) and `max_samples` (huge ones are not read
whole: a 50k x 50k frame still yields ~1M values), and the sampled rows are limited to
`SAMPLE_READ_BUDGET` bytes (32 MB) so a 10 GB frame is not paged in for its limits.
Same data, same sample, same limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from astropy.visualization import ZScaleInterval
from numpy.typing import NDArray

from webbscope.errors import BadRequest
from webbscope.imaging._source import ImageData, ScaledArray

IntervalKind = Literal["minmax", "percentile", "zscale", "manual"]
INTERVALS: tuple[IntervalKind, ...] = get_args(IntervalKind)

SAMPLE_FRACTION = 1.0 / 64.0
MIN_SAMPLES = 65_536
MAX_SAMPLES = 1_048_576
SAMPLE_READ_BUDGET = 32 * 1024 * 1024
#: Limits returned when the data has no finite value at all.
EMPTY_LIMITS = (0.0, 1.0)


@dataclass(frozen=True)
class Interval:
    """How display limits are chosen.

    - ``minmax``: the finite min and max;
    - ``percentile``: the `lower` and `upper` percentiles (0-100); the common presets
      keep 99, 99.5 or 99.9 % of the pixels symmetrically (`Interval.percentile(99.5)`);
    - ``zscale``: IRAF's zscale (astropy defaults: 1000 samples, contrast 0.25);
    - ``manual``: `vmin` and `vmax` as given (a missing side is the data's min or max).
    """

    kind: IntervalKind = "percentile"
    lower: float = 0.25
    upper: float = 99.75
    vmin: float | None = None
    vmax: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.kind not in INTERVALS:
            problems.append(f"unknown interval {self.kind!r}; use one of {', '.join(INTERVALS)}")
        if not (0.0 <= self.lower < self.upper <= 100.0):
            problems.append(
                f"percentiles must satisfy 0 <= lower < upper <= 100, not {self.lower}, "
                f"{self.upper}"
            )
        for name in ("vmin", "vmax"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                problems.append(f"{name} must be finite, not {value}")
        if problems:
            raise BadRequest("; ".join(problems), code="invalid_interval", details=problems)

    @classmethod
    def minmax(cls) -> Interval:
        return cls(kind="minmax")

    @classmethod
    def percentile(cls, keep: float = 99.5) -> Interval:
        """Keep `keep` % of the pixels, cutting the same fraction at both ends."""
        if not 0.0 < keep <= 100.0:
            raise BadRequest(f"percentile must be in (0, 100], not {keep}", code="invalid_interval")
        lower = (100.0 - keep) * 0.5
        return cls(kind="percentile", lower=lower, upper=100.0 - lower)

    @classmethod
    def asymmetric(cls, lower: float, upper: float) -> Interval:
        return cls(kind="percentile", lower=lower, upper=upper)

    @classmethod
    def zscale(cls) -> Interval:
        return cls(kind="zscale")

    @classmethod
    def manual(cls, vmin: float | None, vmax: float | None) -> Interval:
        return cls(kind="manual", vmin=vmin, vmax=vmax)


@dataclass(frozen=True, eq=False)
class Histogram:
    """`counts[i]` values fell in `[edges[i], edges[i+1])` (the last bin is closed).

    `total` is the number of finite values counted; `sampled` says whether they were a
    sample (see `sample_pixels`) rather than every pixel.
    """

    counts: NDArray[np.int64]
    edges: NDArray[np.float64]
    total: int
    sampled: bool


def _lattice(shape: tuple[int, int], target: int, itemsize: int) -> tuple[int, int]:
    """Row and column strides giving about `target` samples of a 2-D `shape`.

    A square lattice, unless its rows would touch more than `SAMPLE_READ_BUDGET` bytes: a
    row is read page by page whatever the column stride, so very wide images get fewer,
    more densely sampled rows instead.
    """
    ny, nx = shape
    k = ny * nx / target
    sc = max(1, min(nx, math.floor(math.sqrt(k))))
    sr = max(1, min(ny, math.ceil(k / sc)))
    max_rows = max(1, SAMPLE_READ_BUDGET // (nx * itemsize))
    if -(-ny // sr) > max_rows:
        sr = -(-ny // max_rows)
        sc = max(1, math.floor(nx * -(-ny // sr) / target))
    return sr, sc


def _reshaped(data: ImageData, shape: tuple[int, int]) -> ImageData:
    """A 2-D view of `data` (no read) for lattice sampling."""
    if data.shape == shape:
        return data
    if isinstance(data, ScaledArray):
        return ScaledArray(data.raw.reshape(shape), data.bscale, data.bzero, data.blank)
    return np.asarray(data).reshape(shape)


def sample_pixels(
    data: ImageData,
    *,
    fraction: float = SAMPLE_FRACTION,
    min_samples: int = MIN_SAMPLES,
    max_samples: int = MAX_SAMPLES,
) -> NDArray[np.floating[Any]]:
    """The finite values of a deterministic lattice sample of `data` (1-D, native order).

    About `fraction` of the pixels, at least `min_samples` (all of them if fewer) and at
    most `max_samples`. Only the sampled rows of a memory-mapped array are read.
    """
    size = math.prod(data.shape)
    if size == 0:
        return np.empty(0, dtype=np.float32)
    target = int(min(max(size * fraction, min_samples), max_samples))
    if size <= target:
        values = np.asarray(data[...])
    elif data.ndim >= 2:
        flat2 = _reshaped(data, (size // data.shape[-1], data.shape[-1]))
        itemsize = np.dtype(getattr(getattr(data, "raw", data), "dtype", np.float32)).itemsize
        sr, sc = _lattice(flat2.shape, target, itemsize)
        values = np.asarray(flat2[sr // 2 :: sr, sc // 2 :: sc])
    else:
        step = max(1, size // target)
        values = np.asarray(data[step // 2 :: step])
    values = values.ravel()
    if not values.dtype.isnative:
        values = values.astype(values.dtype.newbyteorder("="))
    finite = np.isfinite(values)
    return values if finite.all() else values[finite]


def finite_values(data: ImageData) -> NDArray[np.floating[Any]]:
    """Every finite value of `data`, 1-D (reads everything: for exact limits and tests)."""
    values = np.asarray(data[...]).ravel()
    finite = np.isfinite(values)
    return values if finite.all() else values[finite]


def limits_of(values: NDArray[Any], interval: Interval) -> tuple[float, float]:
    """Apply `interval` to finite 1-D `values` (already sampled or complete)."""
    if interval.kind == "manual" and interval.vmin is not None and interval.vmax is not None:
        return float(interval.vmin), float(interval.vmax)
    if values.size == 0:
        lo, hi = EMPTY_LIMITS
        if interval.kind == "manual":
            lo = lo if interval.vmin is None else interval.vmin
            hi = hi if interval.vmax is None else interval.vmax
        return float(lo), float(hi)
    if interval.kind == "percentile":
        lo, hi = np.percentile(values, (interval.lower, interval.upper))
        return float(lo), float(hi)
    if interval.kind == "zscale":
        lo, hi = ZScaleInterval().get_limits(values)
        return float(lo), float(hi)
    vmin, vmax = float(np.min(values)), float(np.max(values))
    if interval.kind == "manual":
        vmin = vmin if interval.vmin is None else float(interval.vmin)
        vmax = vmax if interval.vmax is None else float(interval.vmax)
    return vmin, vmax


def display_limits(
    data: ImageData,
    interval: Interval | None = None,
    *,
    sample: bool = True,
    fraction: float = SAMPLE_FRACTION,
    min_samples: int = MIN_SAMPLES,
    max_samples: int = MAX_SAMPLES,
) -> tuple[float, float]:
    """(vmin, vmax) of `data` for `interval` (default: 99.5 % percentile).

    With `sample` (the default) the limits come from `sample_pixels`; with ``sample=False``
    every pixel is used and the result equals astropy's interval on the full array.
    No finite pixel gives `EMPTY_LIMITS`.
    """
    interval = interval or Interval()
    if interval.kind == "manual" and interval.vmin is not None and interval.vmax is not None:
        return float(interval.vmin), float(interval.vmax)
    if sample:
        values = sample_pixels(
            data, fraction=fraction, min_samples=min_samples, max_samples=max_samples
        )
    else:
        values = finite_values(data)
    return limits_of(values, interval)


def exact_limits(data: ImageData, interval: Interval | None = None) -> tuple[float, float]:
    """`display_limits` over every pixel (slow on big frames; the reference for tests)."""
    if interval is not None and interval.kind == "zscale":
        # astropy samples the full array itself; give it exactly that array.
        lo, hi = ZScaleInterval().get_limits(np.asarray(data[...]))
        return float(lo), float(hi)
    return display_limits(data, interval, sample=False)


def histogram(
    data: ImageData,
    bins: int = 256,
    range: tuple[float, float] | None = None,
    *,
    sample: bool = True,
    log: bool = False,
) -> Histogram:
    """Counts of the finite values of `data` in `bins` equal bins over `range`.

    `range` defaults to the finite min and max (of the sample when sampling). With `log`
    the bins are equal in log10 of the value over a positive range (values <= 0 are
    dropped). Sampling follows `sample_pixels`; ``sample=False`` counts every pixel.
    """
    if not 1 <= bins <= 65_536:
        raise BadRequest(f"bins must be 1 to 65536, not {bins}", code="invalid_histogram")
    values = sample_pixels(data) if sample else finite_values(data)
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise BadRequest(
                f"range must be finite with lo < hi, not {range}", code="invalid_histogram"
            )
    elif values.size:
        lo, hi = float(values.min()), float(values.max())
    else:
        lo, hi = EMPTY_LIMITS
    if log:
        values = values[values > 0]
        lo = lo if lo > 0 else (float(values.min()) if values.size else 1.0)
        hi = max(hi, lo * (1 + 1e-9))
        edges = np.geomspace(lo, hi, bins + 1)
        counts, _ = np.histogram(values, bins=edges)
    else:
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return Histogram(
        counts=counts.astype(np.int64),
        edges=np.asarray(edges, dtype=np.float64),
        total=int(values.size),
        sampled=bool(sample),
    )
