"""Planning a mosaic without computing pixels: the output grid, its size on disk, the memory
and time a run needs, which inputs overlap, their footprints on the sky, and the blocks.

- **Grid.** `optimal_grid` (``reproject``'s `find_optimal_celestial_wcs`): a TAN grid, north
  up, covering every input, at the finest input scale unless `resolution_arcsec` is given.
- **Geometry.** Each input's outline (its pixel rectangle's corners, 0.5 px outside the
  outer pixel centres) in output pixels, through the exact TAN-to-TAN homography where it
  applies and through the WCS otherwise. Two inputs overlap when their outlines (convex
  quadrilaterals) share more than `MIN_OVERLAP_PX` square pixels (Sutherland-Hodgman
  clipping); connected components of that graph are the groups. `sky_components` finds the
  same groups from sky footprints alone (no files: for automatic mosaics), a little stricter.
- **Blocks.** The output is cut into `block` x `block` sections; each lists the inputs whose
  outline meets it. Memory is bounded by one block times its inputs, never by the mosaic.
- **Workers.** Blocks run on up to `processes` local worker processes, as many as the memory
  budget holds: each worker costs one block's working memory plus `WORKER_MEMORY`, so memory
  stays bounded by block size x overlapping inputs x workers (`workers_for`).
- **Estimates.** Disk: SCI and WHT as float32 plus headers. Memory: per worker a block's
  stack (values and weights per overlapping input) and accumulators, plus the preview and a
  fixed base. Time: per reprojected pixel and per written pixel, constants measured on these
  machines, shared among the workers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import PayloadTooLarge, Unprocessable
from webbscope.imaging._reproject import pixel_homography
from webbscope.imaging._skygrid import SkyGrid, optimal_grid
from webbscope.imaging._wcs import pix2world, world2pix
from webbscope.imaging.mosaic._inputs import MosaicInput

#: Overlaps smaller than this (square output pixels) do not join two inputs.
MIN_OVERLAP_PX = 4.0
#: `sky_components` asks this many times more overlap than the plan: its tangent plane and
#: pixel size differ a little from the plan's grid, and a group it joins must not be split
#: by the plan.
SKY_OVERLAP_FACTOR = 2.0
ARCSEC_PER_RADIAN = 180.0 / math.pi * 3600.0
DEFAULT_BLOCK = 1024
#: Measured: seconds per reprojected-and-combined input pixel, per written output pixel.
S_PER_INPUT_PX = 30e-9
S_PER_OUTPUT_PX = 12e-9
BASE_MEMORY = 192 * 1024**2
#: A local worker process's own memory beyond its block (a forked copy shares the rest).
WORKER_MEMORY = 96 * 1024**2
#: Assumed share of each added worker (bench/mosaic_bench.py measured 1.8x for two workers
#: on 2 loaded cores: the page cache and the shared memory bus).
PARALLEL_EFFICIENCY = 0.9
#: Methods that keep every input's values of a block (the others accumulate).
STACK_METHODS = frozenset({"median", "min", "max", "first", "last"})


@dataclass(frozen=True)
class Estimate:
    width: int
    height: int
    pixels: int
    megapixels: float
    disk_bytes: int
    memory_bytes: int
    seconds: float
    blocks: int
    workers: int = 1


@dataclass(frozen=True)
class Block:
    y0: int
    y1: int
    x0: int
    x1: int
    inputs: tuple[int, ...]


@dataclass(frozen=True)
class MosaicPlan:
    grid: SkyGrid
    inputs: tuple[MosaicInput, ...]
    #: Per input: output pixel -> input pixel (3 x 3) or None (the general path).
    homographies: tuple[NDArray[np.float64] | None, ...]
    #: Per input: (x, y) of its outline's corners in output pixels (4 x 2).
    outlines: tuple[NDArray[np.float64], ...]
    footprints: tuple[list[tuple[float, float]], ...]
    overlaps: tuple[tuple[int, int, float], ...]
    groups: tuple[tuple[int, ...], ...]
    blocks: tuple[Block, ...]
    block: int
    estimate: Estimate
    units: dict[str, list[str]] = field(default_factory=dict)


# -- convex polygons ---------------------------------------------------------------------------


def _area(poly: NDArray[np.float64]) -> float:
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _ccw(poly: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = poly[:, 0], poly[:, 1]
    signed = float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    return poly if signed >= 0 else poly[::-1]


def clip_polygon(subject: NDArray[np.float64], clip: NDArray[np.float64]) -> NDArray[np.float64]:
    """The intersection of two convex polygons (vertices as rows), Sutherland-Hodgman."""
    out = [tuple(p) for p in _ccw(subject)]
    c = _ccw(clip)
    for i in range(len(c)):
        a, b = c[i], c[(i + 1) % len(c)]
        if not out:
            break
        src, out = out, []

        def inside(p: tuple[float, float]) -> bool:
            return bool((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0)  # noqa: B023

        def cross(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
            dx, dy = q[0] - p[0], q[1] - p[1]
            ex, ey = b[0] - a[0], b[1] - a[1]  # noqa: B023
            den = ex * dy - ey * dx
            if den == 0:
                return q
            t = (ex * (a[1] - p[1]) - ey * (a[0] - p[0])) / den  # noqa: B023
            return (p[0] + t * dx, p[1] + t * dy)

        for j in range(len(src)):
            p, q = src[j - 1], src[j]
            if inside(q):
                if not inside(p):
                    out.append(cross(p, q))
                out.append(q)
            elif inside(p):
                out.append(cross(p, q))
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def overlap_area(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    return _area(clip_polygon(a, b))


# -- geometry -----------------------------------------------------------------------------------


def _corners(shape: tuple[int, int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    ny, nx = shape
    return np.array([-0.5, nx - 0.5, nx - 0.5, -0.5]), np.array([-0.5, -0.5, ny - 0.5, ny - 0.5])


def _outline(item: MosaicInput, grid: SkyGrid) -> tuple[NDArray[np.float64], Any]:
    """(corners in output pixels, homography output -> input or None)."""
    wcs = item.wcs()
    assert wcs is not None and grid.wcs is not None
    h = pixel_homography(wcs, grid.wcs)
    x, y = _corners(item.image_shape)
    if h is not None:
        inv = np.linalg.inv(h)
        q = inv @ np.vstack([x, y, np.ones(4)])
        pts = np.column_stack([q[0] / q[2], q[1] / q[2]])
    else:
        lon, lat = pix2world(wcs, x, y)
        u, v = world2pix(grid.wcs, lon, lat)
        pts = np.column_stack([u, v])
    return pts, h


def footprint(item: MosaicInput) -> list[tuple[float, float]]:
    """(ra, dec) of the input's four outer corners."""
    wcs = item.wcs()
    if wcs is None:
        return []
    x, y = _corners(item.image_shape)
    lon, lat = pix2world(wcs, x, y)
    return [(round(float(a) % 360.0, 8), round(float(b), 8)) for a, b in zip(lon, lat, strict=True)]


def components(n: int, edges: Sequence[tuple[int, int, float]]) -> list[tuple[int, ...]]:
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _ in edges:
        parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted((tuple(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))


def _unit_vectors(corners: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
    ra, dec = np.radians(np.asarray(corners, dtype=np.float64).reshape(-1, 2)).T
    return np.column_stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


def _gnomonic(vecs: NDArray[np.float64], centre: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Unit vectors -> (x, y) in arcsec on the plane tangent at `centre`; None when a point
    is 90 degrees or more from it. Great circles become straight lines."""
    east = np.cross([0.0, 0.0, 1.0], centre)
    if np.linalg.norm(east) < 1e-12:  # at a pole
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(centre, east)
    depth = vecs @ centre
    if (depth <= 1e-6).any():
        return None
    return np.column_stack([vecs @ east / depth, vecs @ north / depth]) * ARCSEC_PER_RADIAN


def sky_components(
    footprints: Sequence[Sequence[tuple[float, float]] | None],
    shapes: Sequence[tuple[int, int]],
    min_overlap_px: float = MIN_OVERLAP_PX * SKY_OVERLAP_FACTOR,
) -> list[tuple[int, ...]]:
    """Groups of images (indices) connected by overlapping sky footprints.

    `footprints` are each image's four corners (ra, dec) in degrees, in order, and `shapes`
    its (ny, nx). Two images overlap when their footprints, projected on the plane tangent
    between them, share more than `min_overlap_px` pixels of the finer of the two (the
    footprint's area over its pixel count). An image without a footprint is alone. Groups
    come as `components` orders them: largest first, then by first index."""
    n = len(footprints)
    vecs = [_unit_vectors(fp) if fp and len(fp) >= 3 else None for fp in footprints]
    edges: list[tuple[int, int, float]] = []
    for a in range(n):
        for b in range(a + 1, n):
            va, vb = vecs[a], vecs[b]
            if va is None or vb is None:
                continue
            centre = va.sum(axis=0) + vb.sum(axis=0)
            norm = float(np.linalg.norm(centre))
            if norm < 1e-12:
                continue
            pa, pb = _gnomonic(va, centre / norm), _gnomonic(vb, centre / norm)
            if pa is None or pb is None:
                continue
            pixel = min(
                _area(pa) / max(1, shapes[a][0] * shapes[a][1]),
                _area(pb) / max(1, shapes[b][0] * shapes[b][1]),
            )
            area = overlap_area(pa, pb)
            if pixel > 0 and area > min_overlap_px * pixel:
                edges.append((a, b, area / pixel))
    return components(n, edges)


# -- checks -------------------------------------------------------------------------------------


def check_inputs(inputs: Sequence[MosaicInput], *, allow_mixed_units: bool = False) -> None:
    """422 for inputs without a celestial WCS (named), cubes, and mixed BUNITs."""
    if len(inputs) < 1:
        raise Unprocessable("a mosaic needs at least one input", code="no_inputs")
    no_wcs = [i for i in inputs if i.wcs_header is None]
    if no_wcs:
        raise Unprocessable(
            "these inputs have no celestial WCS: " + ", ".join(i.name for i in no_wcs),
            code="no_celestial_wcs",
            details={"inputs": [{"record_id": i.record_id, "name": i.name} for i in no_wcs]},
        )
    cubes = [i for i in inputs if i.is_cube]
    if cubes and len(cubes) < len(inputs):
        raise Unprocessable(
            "cubes cannot be mixed with images: " + ", ".join(i.name for i in cubes),
            code="mixed_dimensions",
            details={"cubes": [{"record_id": i.record_id, "name": i.name} for i in cubes]},
        )
    if cubes:
        raise Unprocessable(
            "mosaics combine 2-D images; these inputs are cubes: "
            + ", ".join(i.name for i in cubes),
            code="cube_inputs",
            details={"cubes": [{"record_id": i.record_id, "name": i.name} for i in cubes]},
        )
    units = unit_groups(inputs)
    if len(units) > 1 and not allow_mixed_units:
        raise Unprocessable(
            "the inputs have different units (BUNIT): "
            + "; ".join(f"{u}: {', '.join(n)}" for u, n in units.items())
            + " (allow mixed units to go on)",
            code="mixed_units",
            details={"units": units},
        )


def unit_groups(inputs: Sequence[MosaicInput]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in inputs:
        out.setdefault(i.bunit or "(none)", []).append(i.name)
    return out


# -- the plan -----------------------------------------------------------------------------------


def block_memory(blocks: Sequence[Block], block: int, method: str, clip: bool) -> int:
    """Working memory of one block: its stack (values and weights of every overlapping
    input) for the stacked methods, else a few accumulator layers."""
    k = max((len(b.inputs) for b in blocks), default=0)
    layer = block * block * 4
    stacked = method in STACK_METHODS or clip
    return layer * ((2 * k + 4) if stacked else 6)


def _fixed_memory(pixels: int) -> int:
    return BASE_MEMORY + min(pixels, 4096 * 4096) * 4  # the base and the preview


def workers_for(
    pixels: int, per_block: int, n_blocks: int, processes: int, memory_budget: int | None
) -> int:
    """Local worker processes: at most `processes` and one per block, and no more than the
    memory budget holds (each costs a block's working memory and `WORKER_MEMORY`); at least 1."""
    n = max(1, min(int(processes), max(1, n_blocks)))
    if memory_budget is not None:
        spare = memory_budget - _fixed_memory(pixels)
        n = min(n, max(1, spare // (per_block + WORKER_MEMORY)))
    return int(n)


def estimate(
    grid: SkyGrid,
    blocks: Sequence[Block],
    block: int,
    method: str,
    clip: bool,
    workers: int = 1,
) -> Estimate:
    pixels = grid.ny * grid.nx
    data_bytes = -(-pixels * 4 // 2880) * 2880
    disk = 2 * data_bytes + 4 * 2880 * 2
    per_block = block_memory(blocks, block, method, clip)
    extra = WORKER_MEMORY if workers > 1 else 0
    memory = _fixed_memory(pixels) + workers * (per_block + extra)
    work = sum((b.y1 - b.y0) * (b.x1 - b.x0) * len(b.inputs) for b in blocks)
    share = 1.0 if workers <= 1 else workers * PARALLEL_EFFICIENCY
    seconds = 0.5 + (work * S_PER_INPUT_PX + pixels * S_PER_OUTPUT_PX) / share
    return Estimate(
        width=grid.nx,
        height=grid.ny,
        pixels=pixels,
        megapixels=round(pixels / 1e6, 3),
        disk_bytes=int(disk),
        memory_bytes=int(memory),
        seconds=round(seconds, 2),
        blocks=len(blocks),
        workers=workers,
    )


def _blocks(grid: SkyGrid, outlines: Sequence[NDArray[np.float64]], block: int) -> list[Block]:
    out = []
    boxes = [
        (o[:, 0].min(), o[:, 0].max(), o[:, 1].min(), o[:, 1].max())
        if np.isfinite(o).all()
        else None
        for o in outlines
    ]
    for y0 in range(0, grid.ny, block):
        y1 = min(grid.ny, y0 + block)
        for x0 in range(0, grid.nx, block):
            x1 = min(grid.nx, x0 + block)
            rect = np.array(
                [
                    [x0 - 1.5, y0 - 1.5],
                    [x1 + 0.5, y0 - 1.5],
                    [x1 + 0.5, y1 + 0.5],
                    [x0 - 1.5, y1 + 0.5],
                ]
            )
            hits = []
            for i, (o, box) in enumerate(zip(outlines, boxes, strict=True)):
                if box is None:
                    hits.append(i)
                    continue
                if box[1] < x0 - 1.5 or box[0] > x1 + 0.5 or box[3] < y0 - 1.5 or box[2] > y1 + 0.5:
                    continue
                if overlap_area(o, rect) > 0.0:
                    hits.append(i)
            out.append(Block(y0, y1, x0, x1, tuple(hits)))
    return out


def plan_mosaic(
    inputs: Sequence[MosaicInput],
    *,
    resolution_arcsec: float | None = None,
    grid: SkyGrid | None = None,
    block: int = DEFAULT_BLOCK,
    method: str = "mean",
    clip: bool = False,
    allow_mixed_units: bool = False,
    allow_groups: bool = False,
    max_pixels: int | None = None,
    max_bytes: int | None = None,
    processes: int = 1,
    memory_budget: int | None = None,
) -> MosaicPlan:
    """The plan (see the module notes). Raises 422 for bad inputs and disconnected groups
    (unless `allow_groups`), 413 with the estimate when over `max_pixels` or `max_bytes`.
    `processes` and `memory_budget` bound the local worker processes (`workers_for`)."""
    check_inputs(inputs, allow_mixed_units=allow_mixed_units)
    from webbscope.imaging._skygrid import SkyGrid as _SkyGrid

    if grid is None:
        grids = [_SkyGrid(i.wcs(), i.image_shape) for i in inputs]
        grid = optimal_grid(grids, "union", resolution_arcsec=resolution_arcsec)
    outlines, homs = [], []
    for item in inputs:
        o, h = _outline(item, grid)
        outlines.append(o)
        homs.append(h)
    overlaps = []
    for a in range(len(inputs)):
        for b in range(a + 1, len(inputs)):
            if not (np.isfinite(outlines[a]).all() and np.isfinite(outlines[b]).all()):
                continue
            area = overlap_area(outlines[a], outlines[b])
            if area > MIN_OVERLAP_PX:
                overlaps.append((a, b, round(area, 1)))
    groups = components(len(inputs), overlaps)
    if len(groups) > 1 and not allow_groups:
        raise Unprocessable(
            f"the inputs form {len(groups)} separate groups that do not overlap; "
            "make a mosaic of each group",
            code="disconnected_groups",
            details={
                "groups": [
                    {
                        "record_ids": [inputs[i].record_id for i in g],
                        "names": [inputs[i].name for i in g],
                    }
                    for g in groups
                ]
            },
        )
    block = max(64, int(block) // 64 * 64)
    # The estimate first from a cheap block count, so an oversize plan is refused fast.
    pixels = grid.ny * grid.nx
    rough = estimate(grid, [], block, method, clip)
    if (max_pixels is not None and pixels > max_pixels) or (
        max_bytes is not None and rough.disk_bytes > max_bytes
    ):
        limit = "pixel" if max_pixels is not None and pixels > max_pixels else "disk"
        raise PayloadTooLarge(
            f"the mosaic would be {grid.nx} x {grid.ny} ({pixels / 1e6:.1f} Mpx, "
            f"{rough.disk_bytes / 1e9:.2f} GB on disk), over the {limit} limit",
            code="mosaic_too_large",
            details={
                "width": grid.nx,
                "height": grid.ny,
                "pixels": pixels,
                "megapixels": rough.megapixels,
                "disk_bytes": rough.disk_bytes,
                "max_pixels": max_pixels,
                "max_bytes": max_bytes,
            },
        )
    blocks = _blocks(grid, outlines, block)
    workers = workers_for(
        pixels, block_memory(blocks, block, method, clip), len(blocks), processes, memory_budget
    )
    return MosaicPlan(
        grid=grid,
        inputs=tuple(inputs),
        homographies=tuple(homs),
        outlines=tuple(outlines),
        footprints=tuple(footprint(i) for i in inputs),
        overlaps=tuple(overlaps),
        groups=tuple(groups),
        blocks=tuple(blocks),
        block=block,
        estimate=estimate(grid, blocks, block, method, clip, workers),
        units=unit_groups(inputs),
    )


def plan_summary(plan: MosaicPlan) -> dict[str, Any]:
    """The plan as JSON-ready values (for the API and the job)."""
    e = plan.estimate
    header = plan.grid.header()
    return {
        "width": e.width,
        "height": e.height,
        "pixels": e.pixels,
        "megapixels": e.megapixels,
        "disk_bytes": e.disk_bytes,
        "memory_bytes": e.memory_bytes,
        "seconds": e.seconds,
        "blocks": e.blocks,
        "block_size": plan.block,
        "workers": e.workers,
        "pixel_scale_arcsec": plan.grid.pixel_scale_arcsec(),
        "wcs": {k: v for k, v in header.items() if k not in ("COMMENT", "HISTORY", "")},
        "corners": _grid_corners(plan.grid),
        "inputs": [
            {
                "record_id": i.record_id,
                "name": i.name,
                "width": i.image_shape[1],
                "height": i.image_shape[0],
                "bunit": i.bunit,
                "filter": i.keywords.get("FILTER"),
                "instrument": i.keywords.get("INSTRUME"),
                "weights": i.weight_kind,
                "footprint": [list(p) for p in fp],
            }
            for i, fp in zip(plan.inputs, plan.footprints, strict=True)
        ],
        "overlaps": [
            {"a": plan.inputs[a].record_id, "b": plan.inputs[b].record_id, "area_px": area}
            for a, b, area in plan.overlaps
        ],
        "groups": [[plan.inputs[i].record_id for i in g] for g in plan.groups],
        "units": plan.units,
    }


def _grid_corners(grid: SkyGrid) -> list[list[float]]:
    from webbscope.imaging._skygrid import grid_corners

    return [[round(a, 8), round(b, 8)] for a, b in grid_corners(grid)]


def blocks_touching(plan: MosaicPlan, index: int) -> int:
    return sum(1 for b in plan.blocks if index in b.inputs)


def block_count(shape: tuple[int, int], block: int) -> int:
    return math.ceil(shape[0] / block) * math.ceil(shape[1] / block)
