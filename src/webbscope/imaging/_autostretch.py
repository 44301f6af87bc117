"""Noise-aware automatic stretch of one channel, in the manner of Lupton et al. (2004, PASP
116, 133): an asinh stretch whose softening comes from the noise, so the sky noise stays in
the stretch's linear part and bright structure is compressed logarithmically.

From a pixel sample:

- sky and noise: sigma-clipped median and standard deviation (3 sigma, 5 iterations);
- the "empty" fraction: pixels within 3 sigma of the sky;
- black point: the percentile ``25 * empty fraction`` (a quarter of the empty sky goes
  black, so the background is dark but its noise still shows), at least 0.1;
- white point: the 99.9th percentile (the range Lupton's Q is scaled to);
- softening: ``a = 2 sigma / (white - black)`` in the normalised units of the asinh stretch;
- gamma: the power (y = x^gamma) that puts the stretched median at `target` (0.25).

`auto_stretch` returns the parameters and the reasons, in words, for the app to show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from astropy.stats import sigma_clipped_stats
from numpy.typing import NDArray

from webbscope.imaging._stretch import asinh_stretch

TARGET_MEDIAN = 0.25


@dataclass(frozen=True)
class SkyStats:
    sky: float
    noise: float
    median: float
    empty_fraction: float


@dataclass(frozen=True)
class AutoStretch:
    vmin: float
    vmax: float
    a: float
    gamma: float
    stats: SkyStats
    reasons: list[str] = field(default_factory=list)


def sky_stats(sample: NDArray[Any]) -> SkyStats:
    values = np.asarray(sample, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return SkyStats(0.0, 0.0, 0.0, 0.0)
    _, sky, noise = sigma_clipped_stats(values, sigma=3.0, maxiters=5)
    sky, noise = float(sky), float(noise)
    empty = float(np.mean(np.abs(values - sky) <= 3.0 * noise)) if noise > 0 else 1.0
    return SkyStats(sky, noise, float(np.median(values)), empty)


def auto_stretch(sample: NDArray[Any], target: float = TARGET_MEDIAN) -> AutoStretch:
    """Stretch parameters for a channel from a sample of its pixels (see the module notes)."""
    values = np.asarray(sample, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    stats = sky_stats(values)
    if values.size < 2:
        return AutoStretch(0.0, 1.0, 0.1, 1.0, stats, ["no data: default limits"])
    black_pct = max(0.1, 25.0 * stats.empty_fraction)
    vmin, vmax = (float(v) for v in np.percentile(values, (black_pct, 99.9)))
    if not vmax > vmin:
        vmax = vmin + max(abs(vmin) * 1e-6, 1e-12)
    span = vmax - vmin
    a = min(1.0, max(1e-4, 2.0 * stats.noise / span)) if stats.noise > 0 else 0.1
    m = float(asinh_stretch(np.array([(stats.median - vmin) / span], np.float32), a)[0])
    gamma = 1.0
    if 0.0 < m < 1.0:
        gamma = min(3.0, max(0.3, math.log(target) / math.log(m)))
    reasons = [
        f"sky {stats.sky:.4g} with noise {stats.noise:.3g} (sigma-clipped); "
        f"{100 * stats.empty_fraction:.0f}% of the pixels are empty sky (within 3 sigma)",
        f"black point {vmin:.4g}: the {black_pct:.1f}th percentile, so a quarter of the "
        "empty sky is black",
        f"white point {vmax:.4g}: the 99.9th percentile",
        f"asinh softening a = {a:.3g}: twice the noise, so noise stays in the linear part "
        "(Lupton et al. 2004)",
        f"gamma {gamma:.2f}: puts the median ({stats.median:.4g}) at {target:.2f} of the display",
    ]
    return AutoStretch(vmin, vmax, a, gamma, stats, reasons)
