"""Running a plan: blocks computed one by one (or as Dask tasks) and written to the FITS.

`run_mosaic(plan, path, opts, ...)`:

1. creates the output file (`create_output`) with the common source keywords;
2. solves background offsets first when asked (`background_offsets`);
3. computes every block with `compute_block` and writes its section of SCI and WHT; a
   subsample of each block (every k-th pixel) goes into the preview (at most `preview_side` pixels a
   side), so the preview never needs the whole mosaic in memory;
4. reports progress after each block (``report(fraction, message)``).

Blocks run in this process by default (the job already runs in a child process that a cancel
terminates). With a Dask scheduler address they run as tasks on that cluster: at most a few
per worker thread are in flight, so the driver's memory stays bounded too; the workers must
see the inputs' paths (a shared volume). Leaving (a cancel kills the job's process) releases
the client's tasks on the scheduler.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging.mosaic._background import background_offsets
from webbscope.imaging.mosaic._combine import CombineOptions, compute_block
from webbscope.imaging.mosaic._inputs import close_files
from webbscope.imaging.mosaic._output import create_output, source_cards
from webbscope.imaging.mosaic._plan import Block, MosaicPlan

Report = Callable[[float, str | None], None]
PREVIEW_SIDE = 4096
IN_FLIGHT_PER_THREAD = 2


@dataclass(frozen=True)
class MosaicResult:
    path: Path
    width: int
    height: int
    covered_pixels: int
    offsets: list[float]
    preview: NDArray[np.float32]
    preview_factor: int
    seconds: float
    executor: str


def preview_factor(shape: tuple[int, int], block: int, side: int = PREVIEW_SIDE) -> int:
    """The power of two that brings the mosaic within `side` (at most one that divides the
    block, so block reductions tile the preview)."""
    k = 1
    while max(shape) / k > side and block % (k * 2) == 0:
        k *= 2
    return k


def _reduce(values: NDArray[np.float32], k: int) -> NDArray[np.float32]:
    """Every k-th pixel (the centre of each k x k cell): the preview's pixels. Cheap (no pass
    over the block), and a block at offset y0, x0 (multiples of k) lands at y0 / k, x0 / k."""
    if k == 1:
        return values
    return np.ascontiguousarray(values[k // 2 :: k, k // 2 :: k])


def _task_args(
    plan: MosaicPlan, block: Block, offsets: list[float], grid_header: str, opts: CombineOptions
) -> tuple[Any, ...]:
    idx = block.inputs
    return (
        [plan.inputs[i] for i in idx],
        [plan.homographies[i] for i in idx],
        [offsets[i] for i in idx],
        grid_header,
        (block.y0, block.y1, block.x0, block.x1),
        opts,
    )


def _local(
    plan: MosaicPlan, offsets: list[float], grid_header: str, opts: CombineOptions
) -> Iterator[tuple[Block, tuple[NDArray[np.float32], NDArray[np.float32]]]]:
    for block in plan.blocks:
        yield block, compute_block(*_task_args(plan, block, offsets, grid_header, opts))


def _dask(
    plan: MosaicPlan,
    offsets: list[float],
    grid_header: str,
    opts: CombineOptions,
    address: str,
) -> Iterator[tuple[Block, tuple[NDArray[np.float32], NDArray[np.float32]]]]:
    from distributed import Client, as_completed

    with Client(address, timeout=30, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        threads = sum(client.nthreads().values()) or 1
        limit = max(2, IN_FLIGHT_PER_THREAD * threads)
        pending = iter(plan.blocks)
        by_key: dict[str, Block] = {}

        def submit() -> Any:
            block = next(pending, None)
            if block is None:
                return None
            fut = client.submit(
                compute_block, *_task_args(plan, block, offsets, grid_header, opts), pure=False
            )
            by_key[fut.key] = block
            return fut

        first = [f for f in (submit() for _ in range(limit)) if f is not None]
        queue = as_completed(first, loop=client.loop)  # type: ignore[no-untyped-call]
        for fut in queue:
            result = fut.result()
            block = by_key.pop(fut.key)
            fut.release()
            yield block, result
            more = submit()
            if more is not None:
                queue.add(more)  # type: ignore[no-untyped-call]


def run_mosaic(
    plan: MosaicPlan,
    path: str | Path,
    opts: CombineOptions,
    *,
    match_background: bool = False,
    background_reference: int | None = None,
    report: Report | None = None,
    dask_address: str | None = None,
    extra_cards: list[tuple[str, Any, str]] | None = None,
    preview_side: int = PREVIEW_SIDE,
) -> MosaicResult:
    """Compute the plan into the FITS file at `path` (see the module notes)."""
    started = time.perf_counter()
    say = report or (lambda f, m: None)
    grid = plan.grid
    header = grid.header()
    grid_header = header.tostring()
    offsets = [0.0] * len(plan.inputs)
    if match_background:
        say(0.0, "matching backgrounds")
        offsets = background_offsets(plan, background_reference)
    cards = [
        ("ORIGIN", "Webbscope", "made by"),
        ("FILETYPE", "mosaic", "a WCS mosaic of the inputs"),
        ("NINPUTS", len(plan.inputs), "number of input images"),
        ("COMBINE", opts.combine, "how overlapping values were combined"),
        ("WEIGHTED", bool(opts.use_weights), "weighted by WHT or 1/ERR^2 where present"),
        ("SIGCLIP", bool(opts.clip), "sigma clipping"),
        ("BKGMATCH", bool(match_background), "additive background matching"),
        *source_cards(plan.inputs),
        *(extra_cards or []),
    ]
    sci_cards = [c for c in cards if c[0] in ("BUNIT",)]
    out = create_output(path, grid, cards, sci_cards)
    k = preview_factor(grid.shape, plan.block, preview_side)
    preview = np.full((math.ceil(grid.ny / k), math.ceil(grid.nx / k)), np.nan, np.float32)
    covered = 0
    total = len(plan.blocks)
    say(0.02, f"0 of {total} blocks")
    source = (
        _dask(plan, offsets, grid_header, opts, dask_address)
        if dask_address
        else _local(plan, offsets, grid_header, opts)
    )
    try:
        for done, (block, (values, weights)) in enumerate(source, start=1):
            box = (block.y0, block.y1, block.x0, block.x1)
            out.write(box, values, weights)
            covered += int(np.count_nonzero(weights))
            small = _reduce(values, k)
            py, px = block.y0 // k, block.x0 // k
            preview[py : py + small.shape[0], px : px + small.shape[1]] = small
            say(0.02 + 0.96 * done / total, f"{done} of {total} blocks")
    finally:
        out.close()
        close_files()
    return MosaicResult(
        path=Path(path),
        width=grid.nx,
        height=grid.ny,
        covered_pixels=covered,
        offsets=offsets,
        preview=preview,
        preview_factor=k,
        seconds=time.perf_counter() - started,
        executor="dask" if dask_address else "local",
    )
