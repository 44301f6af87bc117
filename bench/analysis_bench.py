"""Analysis benchmark: source detection, region statistics and contours on a 4096 x 4096
image, each against a named baseline run in the same process on the same image.

- Detection: Webbscope's fast path (`detect_fast`: segmentation without deblending) against
  the photutils default path as its documentation writes it: `Background2D` (64 px boxes,
  3 x 3 filter, SExtractor estimator), `convolve` with `make_2dgaussian_kernel(3, size=5)`,
  `detect_sources` (3 sigma, 10 pixels) and a `SourceCatalog` with the same columns read.
  Target: under 1 s.
- Region statistics: `region_stats` of a 1000-pixel-radius circle (exact-overlap sum, mean,
  median, std, min, max, six percentiles) against photutils' `ApertureStats` with the same
  numbers read (percentiles by `np.percentile` of its centre values). Target: under 50 ms.
  The same for an ellipse (semi-axes 1000 and 600 px) and a rotated 2000 x 1200 px rectangle
  against `EllipticalAperture` and `RectangularAperture`.
- Contours: 10 levels with `find_contours` (contourpy, serial, run tile by tile where a level
  is crossed) against `skimage.measure.find_contours` level by level. Target: under 500 ms.

The image is a smooth nebula with noise and 3000 Gaussian sources (float32).
Usage: ``python -m bench analysis_bench`` or ``python bench/analysis_bench.py [--size N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from webbscope.analysis import (
    DetectParams,
    contour_levels,
    detect_fast,
    find_contours,
    pixel_region,
    region_stats,
)

PERCENTILES = (1.0, 5.0, 25.0, 75.0, 95.0, 99.0)


def make_image(n: int, sources: int = 3000, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = (np.arange(n, dtype=np.float32) / np.float32(n / 4))[:, None]
    x = (np.arange(n, dtype=np.float32) / np.float32(n / 4))[None, :]
    img = (2.0 + np.sin(x) * np.cos(0.7 * y) + 0.5 * np.sin(1.3 * x + y)).astype(np.float32)
    img += rng.normal(0, 0.3, (n, n)).astype(np.float32)
    stamp = np.arange(-7, 8, dtype=np.float32)
    for sx, sy, amp in zip(
        rng.uniform(10, n - 10, sources),
        rng.uniform(10, n - 10, sources),
        rng.lognormal(1.0, 0.8, sources),
        strict=True,
    ):
        ix, iy = int(sx), int(sy)
        gx = np.exp(-((stamp + ix - sx) ** 2) / (2 * 1.3**2))
        gy = np.exp(-((stamp + iy - sy) ** 2) / (2 * 1.3**2))
        img[iy - 7 : iy + 8, ix - 7 : ix + 8] += np.float32(amp) * np.outer(gy, gx)
    return img


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds over `repeat` runs (after one warm-up run) and the last result."""
    out = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def photutils_detection(img: np.ndarray) -> int:
    from astropy.convolution import convolve
    from photutils.background import Background2D
    from photutils.segmentation import SourceCatalog, detect_sources, make_2dgaussian_kernel

    bkg = Background2D(img, (64, 64), filter_size=(3, 3))
    sub = img - bkg.background
    conv = convolve(sub, make_2dgaussian_kernel(3.0, size=5))
    segm = detect_sources(conv, 3.0 * bkg.background_rms, n_pixels=10)
    cat = SourceCatalog(sub, segm, convolved_data=conv)
    for col in ("x_centroid", "y_centroid", "segment_flux", "fwhm", "ellipticity", "orientation"):
        getattr(cat, col)
    return int(segm.n_labels)


def photutils_region(img: np.ndarray, aperture: Any) -> dict[str, float]:
    from photutils.aperture import ApertureStats

    st = ApertureStats(img, aperture)
    out = {k: float(getattr(st, k)) for k in ("sum", "mean", "median", "std", "min", "max")}
    centre = aperture.to_mask(method="center").get_values(img)
    centre = centre[np.isfinite(centre)]
    out.update(
        {
            f"p{q:g}": float(v)
            for q, v in zip(PERCENTILES, np.percentile(centre, PERCENTILES), strict=True)
        }
    )
    return out


def skimage_contours(img: np.ndarray, levels: list[float]) -> int:
    from skimage.measure import find_contours as sk

    return sum(len(sk(img, level)) for level in levels)


def run(size: int = 4096, repeat: int = 3) -> list[dict[str, Any]]:
    img = make_image(size)
    rows: list[dict[str, Any]] = []
    params = DetectParams(method="segmentation", threshold=3.0, npixels=10)

    fast_s, cat = timed(lambda: detect_fast(img, params), repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_s, n_ref = timed(lambda: photutils_detection(img), max(1, repeat - 1))
    rows.append(
        {"what": f"detection {size}² ({len(cat)} vs {n_ref} sources)", "ours": fast_s,
         "baseline": base_s, "baseline_name": "photutils default path", "target": 1.0}
    )  # fmt: skip

    import astropy.units as u
    from photutils.aperture import CircularAperture, EllipticalAperture, RectangularAperture

    c = size / 2
    x, y = c + 0.3, c - 0.4
    shapes = [
        ("circle, r = 1000 px", {"shape": "circle", "x": x, "y": y, "r": 1000},
         CircularAperture((x, y), 1000)),
        ("ellipse, 1000 x 600 px",
         {"shape": "ellipse", "x": x, "y": y, "a": 1000, "b": 600, "angle": 30},
         EllipticalAperture((x, y), 1000, 600, theta=30 * u.deg)),
        ("rectangle, 2000 x 1200 px at 30°", {"shape": "rectangle", "x": x, "y": y,
                                               "width": 2000, "height": 1200, "angle": 30},
         RectangularAperture((x, y), 2000, 1200, theta=30 * u.deg)),
    ]  # fmt: skip
    for name, spec, aperture in shapes:
        region = pixel_region(spec)
        ours_s, got = timed(partial(region_stats, img, region, percentiles=PERCENTILES), repeat)
        base_s, ref = timed(partial(photutils_region, img, aperture), repeat)
        assert abs(got.sum - ref["sum"]) <= 1e-6 * abs(ref["sum"]), (name, got.sum, ref["sum"])
        rows.append(
            {"what": f"region statistics, {name}", "ours": ours_s, "baseline": base_s,
             "baseline_name": "photutils ApertureStats", "target": 0.05}
        )  # fmt: skip

    levels = contour_levels(img, "linear", n=10)
    ours_s, found = timed(lambda: find_contours(img, levels, max_points=50_000_000), repeat)
    base_s, n_sk = timed(lambda: skimage_contours(img, levels), max(1, repeat - 1))
    rows.append(
        {"what": f"contours, 10 levels on {size}² ({len(found.lines)} vs {n_sk} lines)",
         "ours": ours_s, "baseline": base_s, "baseline_name": "skimage find_contours",
         "target": 0.5}
    )  # fmt: skip
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'measurement':58} {'ours':>9} {'baseline':>9} {'ratio':>7}  target   baseline"]
    for r in rows:
        ok = "met" if r["ours"] <= r["target"] else "MISSED"
        lines.append(
            f"{r['what']:58} {r['ours'] * 1000:7.1f}ms {r['baseline'] * 1000:7.0f}ms "
            f"{r['baseline'] / r['ours']:6.1f}x  <{r['target'] * 1000:.0f} ms {ok:6}  "
            f"{r['baseline_name']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv or [])
    start = time.perf_counter()
    print(report(run(size=args.size, repeat=args.repeat)))
    print(f"(benchmark ran in {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
