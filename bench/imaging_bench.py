"""Imaging benchmark: tiles, display limits and the first view, against named baselines.

Runs on a 4096 x 4096 float32 JWST-like image written to a temporary file with
`write_large_image` and opened memory-mapped through `open_fits`, as the engine will.

Baselines (run in the same process, same machine):

- Tile: the plotting-library preview path of the system Webbscope is modelled on. matplotlib
  is not installed, so it is re-implemented step by step with what that path did: read the
  whole frame, exact percentiles over every pixel (``np.nanpercentile``), normalise and
  stretch the whole frame (astropy's ``ManualInterval`` + ``AsinhStretch``, as
  ``ImageNormalize`` would), resample it to a 1200-pixel preview (matplotlib resamples
  before colour mapping), colour-map it and encode it as PNG at the default zlib level (6),
  as ``savefig`` does through Pillow. Figure layout, axes and text rendering are left out,
  so the baseline is, if anything, faster than the original (FACTS.md: ~0.6 s).
- Display limits: exact percentiles of the whole frame (``np.nanpercentile``).

Usage: ``python bench/imaging_bench.py [--size N] [--tiles N] [--repeat N]`` or
``python -m bench imaging_bench``; importable (`run` returns the numbers).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.visualization import AsinhStretch, ManualInterval
from PIL import Image

from webbscope.demo import write_large_image
from webbscope.fits import FitsLimits, header_wcs, open_fits, scan_fits
from webbscope.imaging import (
    Interval,
    RenderParams,
    colormap_lut,
    display_limits,
    grid_lines,
    hdu_image,
    histogram,
    prepare_view,
    pyramid_levels,
    render,
    tile_bytes,
    tile_grid,
)

PARAMS = RenderParams(stretch="asinh", cmap="viridis", interval=Interval.percentile(99.5))


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo, hi = int(k), min(len(ordered) - 1, int(k) + 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@contextmanager
def _image(size: int) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="webbscope-bench-") as tmp:
        path = Path(tmp) / "bench_i2d.fits"
        write_large_image(path, (size, size), np.float32, seed=7)
        yield path


def baseline_preview(data: Any, parts: dict[str, list[float]] | None = None) -> bytes:
    """The old plotting-library path for one 1200-pixel PNG preview (see module notes).

    Steps as matplotlib + astropy run them: the whole frame as float32, exact percentiles
    over every pixel, normalise and stretch the whole frame, resample to the preview size
    (matplotlib resamples before colour mapping), colour map, PNG at zlib level 6.
    """
    marks = [time.perf_counter()]
    frame = np.asarray(data, dtype=np.float32)  # the whole frame, as imshow receives it
    vmin, vmax = np.nanpercentile(frame, [0.25, 99.75])  # PercentileInterval(99.5), exact
    marks.append(time.perf_counter())
    normed = ManualInterval(float(vmin), float(vmax))(frame)
    stretched = AsinhStretch()(normed, out=normed)
    marks.append(time.perf_counter())
    small = Image.fromarray(stretched[::-1]).resize((1200, 1200), Image.Resampling.BILINEAR)
    preview = np.asarray(small)
    index = np.minimum((np.nan_to_num(preview) * 256).astype(np.int64), 255)
    rgba = colormap_lut("viridis")[index]
    rgba[np.isnan(preview)] = 0
    marks.append(time.perf_counter())
    out = io.BytesIO()
    Image.fromarray(rgba).save(out, "PNG")  # zlib level 6, savefig's default
    marks.append(time.perf_counter())
    if parts is not None:
        names = ("read + exact percentiles", "full-frame stretch", "resample + colour map", "PNG")
        for name, a, b in zip(names, marks, marks[1:], strict=False):
            parts.setdefault(name, []).append(b - a)
    return out.getvalue()


def serve_tile(data: Any, view: Any, level: int, x: int, y: int, fmt: str) -> bytes:
    """One tile as the engine serves it: extract, render with the cached view, encode."""
    return tile_bytes(data, level, x, y, fmt, PARAMS, view)


def first_view(path: Path, fmt: str) -> dict[str, float]:
    """Open + image info + the 16 tiles of level 2, timed as a whole and by part."""
    t0 = time.perf_counter()
    limits = FitsLimits()
    layouts = scan_fits(path, limits)
    with open_fits(path, limits) as hdul:
        hdu = hdul["SCI"]
        data = hdu_image(hdu)
        t_open = time.perf_counter()
        wcs = header_wcs(hdu.header)
        levels = pyramid_levels(data.shape)
        view = prepare_view(data, PARAMS)
        hist = histogram(data, bins=256)
        lo, hi = display_limits(data, Interval.minmax())
        info = {
            "hdus": len(layouts),
            "levels": levels,
            "limits": (view.vmin, view.vmax),
            "minmax": (lo, hi),
            "histogram": int(hist.counts.sum()),
            "wcs": wcs is not None,
        }
        t_info = time.perf_counter()
        nx_tiles, ny_tiles, _ = tile_grid(data.shape, 2)
        total = 0
        for ty in range(ny_tiles):
            for tx in range(nx_tiles):
                total += len(serve_tile(data, view, 2, tx, ty, fmt))
        t_tiles = time.perf_counter()
        del data, hdu
    assert info["levels"] and total > 0
    return {
        "total": t_tiles - t0,
        "open": t_open - t0,
        "info": t_info - t_open,
        "tiles": t_tiles - t_info,
        "tile_count": float(nx_tiles * ny_tiles),
    }


def _rss_mb() -> float:
    """Resident memory of this process (MB), from /proc; 0 where unavailable."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def huge_view(directory: Path, side: int = 50_000) -> dict[str, float]:
    """A 10 GB float32 image (a sparse file: nothing is written but the headers) viewed
    through the same code: sampled limits and tiles at the coarsest, a middle and the full
    level, with the resident memory they cost."""
    path = directory / "huge_i2d.fits"
    primary = fits.PrimaryHDU().header
    primary["EXTEND"] = True
    sci = fits.Header(
        [
            ("XTENSION", "IMAGE"),
            ("BITPIX", -32),
            ("NAXIS", 2),
            ("NAXIS1", side),
            ("NAXIS2", side),
            ("PCOUNT", 0),
            ("GCOUNT", 1),
            ("EXTNAME", "SCI"),
            ("BUNIT", "MJy/sr"),
        ]
    )
    header_bytes = primary.tostring().encode() + sci.tostring().encode()
    data_bytes = side * side * 4
    with path.open("wb") as f:
        f.write(header_bytes)
        f.truncate(len(header_bytes) + -(-data_bytes // 2880) * 2880)
    limits = FitsLimits(max_bytes=16 * 1024**3, max_elements=3 * 10**9)
    out: dict[str, float] = {"gigabytes": path.stat().st_size / 1e9}
    rss0 = _rss_mb()
    with open_fits(path, limits) as hdul:
        data = hdu_image(hdul["SCI"])
        top = pyramid_levels(data.shape) - 1
        out["limits"] = _timed(lambda: prepare_view(data, PARAMS))
        view = prepare_view(data, PARAMS)
        for name, level in (("level0", 0), ("middle", top // 2), ("full", top)):
            out[f"tile_{name}"] = _timed(lambda lv=level: serve_tile(data, view, lv, 0, 0, "png"))
        out["levels"] = float(top + 1)
        out["rss_mb"] = _rss_mb() - rss0
    path.unlink()
    return out


def run(
    size: int = 4096, tiles: int = 300, repeat: int = 3, seed: int = 1, huge: bool = True
) -> dict[str, Any]:
    """Run every measurement; returns the raw numbers (seconds) for callers and tests."""
    rng = random.Random(seed)
    results: dict[str, Any] = {"size": size}
    with _image(size) as path:
        with open_fits(path, FitsLimits()) as hdul:
            data = hdu_image(hdul["SCI"])
            np.asarray(data[::64]).sum()  # page the file in once, as a recent import would
            view = prepare_view(data, PARAMS)
            levels = pyramid_levels(data.shape)
            requests = []
            for _ in range(tiles):
                level = rng.randrange(levels)
                nx_tiles, ny_tiles, _ = tile_grid(data.shape, level)
                requests.append((level, rng.randrange(nx_tiles), rng.randrange(ny_tiles)))
            for fmt in ("jpeg", "png", "webp", "f16"):
                serve_tile(data, view, *requests[0], fmt)  # warm up
                times = [_timed(lambda r=r, f=fmt: serve_tile(data, view, *r, f)) for r in requests]
                results[f"tile_{fmt}"] = times
            full_res = [
                (levels - 1, rng.randrange(size // 256), rng.randrange(size // 256))
                for _ in range(100)
            ]
            results["tile_jpeg_full_res"] = [
                _timed(lambda r=r: serve_tile(data, view, *r, "jpeg")) for r in full_res
            ]
            results["tile_png_level0"] = [
                _timed(lambda: serve_tile(data, view, 0, 0, 0, "png")) for _ in range(20)
            ]
            results["limits_sampled"] = [
                _timed(lambda: display_limits(data, Interval.percentile(99.5))) for _ in range(20)
            ]
            results["limits_exact"] = [
                _timed(lambda: np.nanpercentile(np.asarray(data), [0.25, 99.75]))
                for _ in range(repeat)
            ]
            results["render_full_frame"] = [
                _timed(lambda: render(data, PARAMS, view)) for _ in range(repeat)
            ]
            parts: dict[str, list[float]] = {}
            results["baseline_preview"] = [
                _timed(lambda: baseline_preview(data, parts)) for _ in range(repeat)
            ]
            results["baseline_parts"] = parts
            results["grid_lines"] = [
                _timed(lambda: grid_lines(hdul["SCI"].header, data.shape)) for _ in range(3)
            ]
        first_view(path, "jpeg")  # warm the code paths, not the file
        results["first_view_jpeg"] = [first_view(path, "jpeg") for _ in range(repeat)]
        results["first_view_png"] = [first_view(path, "png") for _ in range(repeat)]
        if huge:
            results["huge"] = huge_view(path.parent)
    return results


def _row(name: str, ours: str, baseline: str, ratio: str, target: str) -> str:
    return f"{name:<44} {ours:>17} {baseline:>17} {ratio:>9}  {target}"


def report(results: dict[str, Any]) -> str:
    size = results["size"]
    base = statistics.median(results["baseline_preview"])
    exact = statistics.median(results["limits_exact"])
    lines = [
        f"Imaging benchmark: {size}x{size} float32 (big-endian FITS, memory-mapped, page cache "
        "warm), 2-core machine",
        "Baseline 'preview': the plotting-library preview path re-implemented without "
        "matplotlib: the whole",
        "  frame read as float32, exact np.nanpercentile, full-frame normalise + AsinhStretch "
        "(astropy),",
        "  resample to 1200 px, colour map, PNG (zlib 6). Baseline 'limits': exact "
        "np.nanpercentile.",
        "Ours: extract_tile from the memmap + render with the cached view + encode (server "
        "CPU time, no HTTP).",
        "",
        _row("measure", "ours p50 / p95", "baseline p50", "ratio", "target"),
        _row("-" * 44, "-" * 17, "-" * 17, "-" * 9, "-" * 12),
    ]
    for key, label in (
        ("tile_jpeg", "tile render+encode JPEG q90 (any level)"),
        ("tile_png", "tile render+encode PNG zlib 1 (any level)"),
        ("tile_webp", "tile render+encode WebP q90 (any level)"),
        ("tile_f16", "tile extract+encode f16 (any level)"),
        ("tile_jpeg_full_res", "tile JPEG, full-resolution level"),
        ("tile_png_level0", "tile PNG, level 0 (whole image)"),
    ):
        times = results[key]
        p50, p95 = _ms(statistics.median(times)), _ms(_percentile(times, 95))
        lines.append(
            _row(
                label,
                f"{p50:6.2f} / {p95:6.2f} ms",
                f"{_ms(base):8.1f} ms",
                f"{base / statistics.median(times):7.0f}x",
                "p50 < 10 ms",
            )
        )
    sampled = results["limits_sampled"]
    lines.append(
        _row(
            "display limits, 99.5% (sampled 1/64)",
            f"{_ms(statistics.median(sampled)):6.2f} / {_ms(_percentile(sampled, 95)):6.2f} ms",
            f"{_ms(exact):8.1f} ms",
            f"{exact / statistics.median(sampled):7.0f}x",
            "< 10 ms",
        )
    )
    frame = statistics.median(results["render_full_frame"])
    lines.append(
        _row("full-frame render 4096^2 (no encode)", f"{_ms(frame):8.1f} ms", "-", "-", "< 150 ms")
    )
    grid = statistics.median(results["grid_lines"])
    breakdown = ", ".join(
        f"{name} {_ms(statistics.median(times)):.0f} ms"
        for name, times in results["baseline_parts"].items()
    )
    lines.append(f"    baseline preview steps: {breakdown}")
    lines.append(_row("RA/Dec grid lines", f"{_ms(grid):8.1f} ms", "-", "-", "-"))
    for fmt in ("jpeg", "png"):
        runs = results[f"first_view_{fmt}"]
        total = statistics.median(r["total"] for r in runs)
        parts = {k: statistics.median(r[k] for r in runs) for k in ("open", "info", "tiles")}
        lines.append(
            _row(
                f"first view ({fmt}): open+info+16 tiles L2",
                f"{_ms(total):8.1f} ms",
                f"{_ms(base):8.1f} ms",
                f"{base / total:7.1f}x",
                "< 300 ms",
            )
        )
        lines.append(
            f"    open {_ms(parts['open']):.1f} ms, info (limits, histogram, min/max, "
            f"WCS) {_ms(parts['info']):.1f} ms, 16 tiles {_ms(parts['tiles']):.1f} ms"
        )
    if "huge" in results:
        h = results["huge"]
        lines.append(
            f"10 GB image ({h['gigabytes']:.1f} GB sparse float32 file, {h['levels']:.0f} levels, "
            f"first touch of its pages): limits {_ms(h['limits']):.0f} ms, PNG tile level 0 "
            f"{_ms(h['tile_level0']):.0f} ms, middle level {_ms(h['tile_middle']):.0f} ms, full "
            f"resolution {_ms(h['tile_full']):.1f} ms; resident memory +{h['rss_mb']:.0f} MB"
        )
    lines.append(
        f"baseline preview p50 {_ms(base):.0f} ms over {len(results['baseline_preview'])}"
        f" runs; exact limits p50 {_ms(exact):.0f} ms"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--tiles", type=int, default=300, help="random tile requests per format")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the slow measurements")
    parser.add_argument("--no-huge", action="store_true", help="skip the 10 GB sparse image")
    args = parser.parse_args(argv or [])
    start = time.perf_counter()
    results = run(size=args.size, tiles=args.tiles, repeat=args.repeat, huge=not args.no_huge)
    print(report(results))
    print(f"(benchmark ran in {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
