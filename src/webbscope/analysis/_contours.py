"""Contours by marching squares (contourpy, the C++ code behind matplotlib's contours; the
tests check it against `skimage.measure.find_contours`).

Levels are linear, logarithmic or given. Lines come back in 0-based FITS pixels (x along a
row, y up) and, with a WCS, on the sky. Pixels that are NaN or inf break the lines.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import contourpy
import numpy as np
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import Unprocessable

MAX_LEVELS = 50
LevelMode = Literal["linear", "log", "custom"]


@dataclass(frozen=True)
class ContourLine:
    level: float
    #: (n, 2) x, y in 0-based FITS pixels
    points: NDArray[np.float64]
    closed: bool


@dataclass(frozen=True)
class Contours:
    levels: list[float]
    lines: list[ContourLine]
    points: int
    truncated: bool


def _sample(data: Any, limit: int = 1_000_000) -> NDArray[np.float64]:
    arr = np.asarray(data)
    step = max(1, int(np.sqrt(arr.size / limit)))
    sample = np.asarray(arr[::step, ::step], dtype=np.float64).ravel()
    return sample[np.isfinite(sample)]


def contour_levels(
    data: Any,
    mode: LevelMode = "linear",
    *,
    n: int = 10,
    levels: Sequence[float] | None = None,
    low: float | None = None,
    high: float | None = None,
) -> list[float]:
    """The levels to draw. `custom` takes `levels` as given (sorted, unique). `linear` and
    `log` space `n` levels between `low` and `high`, by default from three robust standard
    deviations above the median to the 99.9th percentile (of a sample of the image)."""
    if mode == "custom":
        if not levels:
            raise Unprocessable("custom contours need levels", code="invalid_levels")
        out = sorted({float(v) for v in levels})
        if not all(np.isfinite(out)):
            raise Unprocessable("contour levels must be finite", code="invalid_levels")
    else:
        if not 1 <= n <= MAX_LEVELS:
            raise Unprocessable(
                f"between 1 and {MAX_LEVELS} contour levels",
                code="too_many_levels",
                details={"max": MAX_LEVELS, "requested": n},
            )
        sample = _sample(data)
        if low is None or high is None:
            if sample.size == 0:
                raise Unprocessable("the image has no finite pixels", code="no_finite_pixels")
            med = float(np.median(sample))
            mad = float(np.median(np.abs(sample - med))) * 1.4826
            lo = med + 3 * mad if low is None else low
            hi = float(np.percentile(sample, 99.9)) if high is None else high
        else:
            lo, hi = low, high
        if mode == "log":
            if lo <= 0:
                positive = sample[sample > 0]
                lo = float(np.percentile(positive, 50)) if positive.size else 0.0
            if not (lo > 0 and hi > lo):
                raise Unprocessable(
                    "logarithmic contours need 0 < low < high",
                    code="invalid_levels",
                    details={"low": lo, "high": hi},
                )
            out = [float(v) for v in np.geomspace(lo, hi, n)]
        else:
            if not hi > lo:
                hi = lo + 1.0 if hi == lo else hi
                lo, hi = min(lo, hi), max(lo, hi)
            out = [float(v) for v in np.linspace(lo, hi, n)]
    if len(out) > MAX_LEVELS:
        raise Unprocessable(
            f"at most {MAX_LEVELS} contour levels",
            code="too_many_levels",
            details={"max": MAX_LEVELS, "requested": len(out)},
        )
    return out


#: Images with more points than this are contoured tile by tile (see `_tiled_lines`).
TILED_ABOVE = 1024 * 1024
TILE = 32
#: Above this share of (tile, level) pairs crossed, tiles cost more than they save (lines
#: everywhere, as in pure noise at its median): the whole image is contoured at once.
DENSE = 0.4
_CLOSEPOLY = 79


def _whole_lines(zz: Any, levels: Sequence[float], threads: int) -> list[ContourLine]:
    name = "threaded" if threads > 1 else "serial"
    gen = contourpy.contour_generator(
        z=zz,
        name=name,
        line_type=contourpy.LineType.SeparateCode,
        thread_count=max(1, threads) if threads > 1 else 0,
    )
    lines: list[ContourLine] = []
    for level in levels:
        segs, codes = gen.lines(float(level))  # type: ignore[misc]
        for seg, code in zip(segs, codes, strict=True):
            if len(seg) < 2:
                continue
            closed = bool(code[-1] == _CLOSEPOLY)
            lines.append(ContourLine(float(level), np.asarray(seg, dtype=np.float64), closed))
    return lines


def _reduce_tiles(a: NDArray[Any], tile: int, reduce: np.ufunc) -> NDArray[Any]:
    """`reduce` over the rows of `a` tile by tile: tile j takes rows j*tile to (j+1)*tile
    inclusive (the row it shares with the next tile), for (len(a) - 1) / tile tiles."""
    n = a.shape[0]
    t = -(-(n - 1) // tile)
    full = min(t, n // tile)
    parts = [reduce.reduce(a[: full * tile].reshape(full, tile, *a.shape[1:]), axis=1)]
    if full < t:
        parts.append(reduce.reduce(a[full * tile :], axis=0, keepdims=True))
    out = np.concatenate(parts) if len(parts) > 1 else parts[0]
    shared = a[tile::tile][:t]
    out[: len(shared)] = reduce(out[: len(shared)], shared)
    return out


def _tile_ranges(data: NDArray[np.floating], tile: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Per tile of `tile` x `tile` quads, the minimum and maximum of the points its quads
    touch (NaN left out; a tile of NaN only gives NaN, which spans no level). One pass over
    the rows, then one over the columns of the (small) result; no copy of the image."""
    out = []
    for reduce in (np.fmin, np.fmax):
        rows = _reduce_tiles(data, tile, reduce)
        out.append(np.ascontiguousarray(_reduce_tiles(rows.T, tile, reduce).T))
    return out[0], out[1]


def _tile_generator(
    block: NDArray[np.floating],
    grids: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> Any:
    """contourpy's serial generator over one tile, built as `contour_generator(z=...,
    name="serial", line_type=SeparateCode)` builds it (NaN and inf masked, corner mask, one
    chunk) but without its per-call checks and grid building, which cost more than the
    marching on a small tile. The local x, y grids are shared by tiles of one shape."""
    z = np.asarray(block, dtype=np.float64)
    bad = ~np.isfinite(z)
    mask: Any = bad if bad.any() else None
    if z.shape not in grids:
        ny, nx = z.shape
        grids[z.shape] = tuple(  # type: ignore[assignment]
            np.meshgrid(np.arange(nx, dtype=np.float64), np.arange(ny, dtype=np.float64))
        )
    x, y = grids[z.shape]
    return contourpy.SerialContourGenerator(
        x,
        y,
        z,
        mask,
        corner_mask=True,
        line_type=contourpy.LineType.SeparateCode,
        fill_type=contourpy.FillType.OuterOffset,
        quad_as_tri=False,
        z_interp=contourpy.ZInterp.Linear,
        x_chunk_size=0,
        y_chunk_size=0,
    )


def _tiled_lines(
    data: NDArray[np.floating], levels: Sequence[float], tile: int, force: bool = False
) -> list[ContourLine] | None:
    """The same lines as contourpy on the whole image, found only where they can be: the
    image is cut into tiles of `tile` x `tile` quads, contourpy runs on each tile whose
    values span a level (for those levels only), and the pieces of a line cut at tile edges
    are joined end to end again. On a large image most tiles span no level, so most of the
    marching is skipped. None when more than `DENSE` of the (tile, level) pairs are crossed
    (unless `force`): the whole image is then faster."""
    ny, nx = data.shape
    lo, hi = _tile_ranges(data, tile)
    lv = np.asarray(levels, dtype=np.float64)
    # pieces[level index] = list of (n, 2) arrays in image pixels
    pieces: list[list[NDArray[np.float64]]] = [[] for _ in levels]
    closed_lines: list[list[NDArray[np.float64]]] = [[] for _ in levels]
    spans = (lo[..., None] <= lv) & (hi[..., None] >= lv)
    if force is False and spans.mean() > DENSE:
        return None
    # A level equal to a value on a tile edge puts line points on grid points of that edge,
    # where pieces cannot be told apart by their ends (integer images with integer levels
    # do this): such levels are contoured on the whole image instead.
    edges = np.concatenate([data[tile::tile, :].ravel(), data[:, tile::tile].ravel()])
    whole = [bool(np.any(edges == v)) for v in lv]
    spans[..., whole] = False
    grids: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    for j, i in zip(*np.nonzero(spans.any(axis=2)), strict=True):
        r0, c0 = int(j) * tile, int(i) * tile
        gen = _tile_generator(data[r0 : r0 + tile + 1, c0 : c0 + tile + 1], grids)
        for k in np.flatnonzero(spans[j, i]):
            segs, codes = gen.lines(float(lv[k]))
            for seg, code in zip(segs, codes, strict=True):
                if len(seg) < 2:
                    continue
                seg = seg + np.array([c0, r0], dtype=np.float64)
                if code[-1] == _CLOSEPOLY:
                    closed_lines[k].append(seg)
                else:
                    pieces[k].append(seg)
    lines: list[ContourLine] = []
    by_level: list[ContourLine] = []
    if any(whole):
        z = np.asarray(data, dtype=np.float64)
        bad = ~np.isfinite(z)
        zz: Any = np.ma.array(z, mask=bad) if bad.any() else z
        by_level = _whole_lines(zz, [v for v, w in zip(levels, whole, strict=True) if w], 1)
    for kk, level in enumerate(levels):
        if whole[kk]:
            lines.extend(ln for ln in by_level if ln.level == float(level))
            continue
        lines.extend(ContourLine(float(level), seg, True) for seg in closed_lines[kk])
        lines.extend(_join(float(level), pieces[kk], tile, ny, nx))
    return lines


def _key(p: NDArray[np.float64], tile: int) -> tuple[int, int] | None:
    """The key of a piece's end if it lies on an inner tile edge (where it continues in the
    next tile), else None. Coordinates are rounded well below a pixel's rounding noise."""
    x, y = float(p[0]), float(p[1])
    on_col = abs(x / tile - round(x / tile)) < 1e-9 and x > 0.5
    on_row = abs(y / tile - round(y / tile)) < 1e-9 and y > 0.5
    if not (on_col or on_row):
        return None
    return (round(x * 1e6), round(y * 1e6))


def _join(
    level: float, pieces: list[NDArray[np.float64]], tile: int, ny: int, nx: int
) -> list[ContourLine]:
    """Join pieces of lines that meet at tile edges (each meeting point is shared by exactly
    two pieces, one on either side); a chain that comes back to its start is closed."""
    ends: dict[tuple[int, int], list[tuple[int, int]]] = {}
    keys: list[tuple[tuple[int, int] | None, tuple[int, int] | None]] = []
    for n, seg in enumerate(pieces):
        a, b = _key(seg[0], tile), _key(seg[-1], tile)
        keys.append((a, b))
        if a is not None:
            ends.setdefault(a, []).append((n, 0))
        if b is not None:
            ends.setdefault(b, []).append((n, 1))

    def other(key: tuple[int, int] | None, n: int, end: int) -> tuple[int, int] | None:
        if key is None:
            return None
        for m, e in ends.get(key, ()):
            if (m, e) != (n, end):
                return m, e
        return None

    used = [False] * len(pieces)
    out: list[ContourLine] = []

    def walk(n: int, forward: bool) -> tuple[list[NDArray[np.float64]], bool]:
        """Follow the chain from piece n (taken forward or reversed) onwards."""
        chain: list[NDArray[np.float64]] = []
        start = n
        while True:
            used[n] = True
            seg = pieces[n] if forward else pieces[n][::-1]
            chain.append(seg if not chain else seg[1:])
            tail_end = 1 if forward else 0
            nxt = other(keys[n][tail_end], n, tail_end)
            if nxt is None:
                return chain, False
            m, e = nxt
            if m == start:
                return chain, True
            if used[m]:
                return chain, False
            n, forward = m, e == 0

    # Open chains first: start at a piece whose head meets nothing.
    for n in range(len(pieces)):
        if used[n]:
            continue
        if other(keys[n][0], n, 0) is None:
            chain, _ = walk(n, True)
        elif other(keys[n][1], n, 1) is None:
            chain, _ = walk(n, False)
        else:
            continue
        out.append(ContourLine(level, np.concatenate(chain), False))
    # What is left are rings made of several pieces.
    for n in range(len(pieces)):
        if used[n]:
            continue
        chain, closed = walk(n, True)
        pts = np.concatenate(chain)
        if closed:
            pts[-1] = pts[0]  # the ring ends where it starts, as contourpy's closed lines
        out.append(ContourLine(level, pts, closed))
    return out


def find_contours(
    data: Any,
    levels: Sequence[float],
    *,
    max_points: int = 500_000,
    threads: int = 1,
    tile: int | None = None,
) -> Contours:
    """Contour lines of a 2-D image at each level. When the lines hold more than
    `max_points` points, the shortest lines are dropped (``truncated``).

    Images larger than `TILED_ABOVE` points (or any image when `tile` is given) are
    contoured tile by tile, only where a level is crossed (`_tiled_lines`); the lines are
    the same."""
    if len(levels) > MAX_LEVELS:
        raise Unprocessable(
            f"at most {MAX_LEVELS} contour levels",
            code="too_many_levels",
            details={"max": MAX_LEVELS, "requested": len(levels)},
        )
    z = np.asarray(data)
    if z.ndim != 2:
        raise Unprocessable("contours need a 2-D image", code="not_an_image")
    # float32 images stay float32 (no float64 copy of the whole image on the tiled path).
    want = np.dtype(np.float32) if z.dtype.kind == "f" and z.dtype.itemsize <= 4 else np.float64
    z = np.asarray(z, dtype=want)
    size = tile if tile is not None else TILE
    found = None
    if threads <= 1 and (tile is not None or z.size > TILED_ABOVE):
        found = _tiled_lines(z, levels, size, force=tile is not None)
    if found is not None:
        lines = found
    else:
        z = np.asarray(z, dtype=np.float64)
        bad = ~np.isfinite(z)
        lines = _whole_lines(np.ma.array(z, mask=bad) if bad.any() else z, levels, threads)
    total = sum(len(line.points) for line in lines)
    truncated = False
    if total > max_points:
        truncated = True
        keep: list[ContourLine] = []
        budget = max_points
        for line in sorted(lines, key=lambda ln: -len(ln.points)):
            if len(line.points) <= budget:
                keep.append(line)
                budget -= len(line.points)
        lines = keep
        total = max_points - budget
    return Contours(
        levels=[float(v) for v in levels], lines=lines, points=total, truncated=truncated
    )


def to_sky(wcs: WCS, lines: Sequence[ContourLine]) -> list[NDArray[np.float64]]:
    """Each line's points as (ra, dec) degrees (one WCS call for all of them)."""
    if not lines:
        return []
    allpts = np.concatenate([line.points for line in lines])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        ra, dec = wcs.all_pix2world(allpts[:, 0], allpts[:, 1], 0)
    sky = np.column_stack([ra, dec])
    out = []
    start = 0
    for line in lines:
        out.append(sky[start : start + len(line.points)])
        start += len(line.points)
    return out


def sky_to_pixels(wcs: WCS, sky: NDArray[np.float64]) -> NDArray[np.float64]:
    """(ra, dec) degrees to 0-based pixels of another image (contours of one record drawn on
    another, aligned by WCS)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        x, y = wcs.all_world2pix(sky[:, 0], sky[:, 1], 0)
    return np.column_stack([x, y])
