"""Running a plan: blocks computed one by one (or as Dask tasks) and written to the FITS.

`run_mosaic(plan, path, opts, ...)`:

1. creates the output file (`create_output`) with the common source keywords;
2. solves background offsets first when asked (`background_offsets`);
3. computes every block with `compute_block` and writes its section of SCI and WHT; a
   subsample of each block (every k-th pixel) goes into the preview (at most `preview_side` pixels a
   side), so the preview never needs the whole mosaic in memory;
4. reports progress after each block (``report(fraction, message)``).

Where the blocks run:

- **Local processes** (the default; `plan.workers` of them, chosen by the plan from the cores
  and the memory budget). Each block is one task, `block_task`: the worker computes the block,
  writes its section of the output file itself (the file's pages are shared between the
  processes' maps; blocks never overlap) and sends back only its covered-pixel count and its
  preview subsample, so nothing block-sized crosses a pipe. At most two tasks per worker are
  queued, so memory stays bounded by block size x overlapping inputs x workers. The workers
  are forked from this process (numpy, astropy and the inputs' descriptions already loaded)
  and are killed by Linux if it dies (a cancel terminates the job's process). With one
  worker the same task runs in this process. The result does not depend on the number of
  workers: each block is computed by the same function from the same arguments.
- **A Dask cluster**, with a scheduler address: the blocks run as tasks on that cluster and
  their values come back to be written here: at most a few per worker thread are in flight,
  so the driver's memory stays bounded too. The workers read the inputs by path: either they
  see the same paths (a shared volume), or `localize` (a picklable callable sent with every
  task) maps the inputs to files the worker can read before the block is computed (the
  engine's `StoredInputs` fetches them from S3). Leaving (a cancel kills the job's process)
  releases the client's tasks on the scheduler.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging.mosaic._background import background_offsets
from webbscope.imaging.mosaic._combine import CombineOptions, compute_block
from webbscope.imaging.mosaic._inputs import MosaicInput, close_files
from webbscope.imaging.mosaic._output import OutputFile, create_output, source_cards
from webbscope.imaging.mosaic._plan import Block, MosaicPlan
from webbscope.processes import die_with_parent, keep_freed_memory

Report = Callable[[float, str | None], None]
Localize = Callable[[list[MosaicInput]], list[MosaicInput]]
PREVIEW_SIDE = 4096
IN_FLIGHT_PER_THREAD = 2
IN_FLIGHT_PER_WORKER = 2
#: A block's outcome: the block, its covered-pixel count and its preview subsample.
Done = tuple[Block, int, NDArray[np.float32]]


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
    #: Local worker processes the blocks ran on (1: in this process; 0 on a Dask cluster).
    workers: int = 1


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


def block_task(out: OutputFile, k: int, args: tuple[Any, ...]) -> tuple[int, NDArray[np.float32]]:
    """Compute one block (`compute_block(*args)`), write its section of `out`, and return
    its covered-pixel count and preview subsample (runs in a worker or in this process)."""
    values, weights = compute_block(*args)
    y0, y1, x0, x1 = args[4]
    out.write((y0, y1, x0, x1), values, weights)
    return int(np.count_nonzero(weights)), _reduce(values, k)


def _serial(
    plan: MosaicPlan, out: OutputFile, k: int, tasks: Callable[[Block], tuple[Any, ...]]
) -> Iterator[Done]:
    keep_freed_memory()
    for block in plan.blocks:
        yield (block, *block_task(out, k, tasks(block)))


def _worker_start() -> None:
    die_with_parent()
    keep_freed_memory()
    close_files()  # the parent's open files are not this worker's


@contextlib.contextmanager
def _may_fork() -> Iterator[None]:
    """Let this process start children although it is itself a daemonic multiprocessing
    child (the job's process is): its workers die with it (`die_with_parent`)."""
    me: Any = mp.current_process()
    daemon = me._config.get("daemon")
    me._config["daemon"] = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            yield
    finally:
        if daemon is not None:
            me._config["daemon"] = daemon


def _processes(
    plan: MosaicPlan,
    out: OutputFile,
    k: int,
    tasks: Callable[[Block], tuple[Any, ...]],
    workers: int,
) -> Iterator[Done]:
    close_files()  # nothing mapped is inherited
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=mp.get_context("fork"), initializer=_worker_start
    )
    try:
        pending = iter(plan.blocks)
        running: dict[Future[tuple[int, NDArray[np.float32]]], Block] = {}

        def submit() -> None:
            block = next(pending, None)
            if block is not None:
                running[pool.submit(block_task, out, k, tasks(block))] = block

        with _may_fork():  # a fork context starts every worker at the first submit
            submit()
        for _ in range(IN_FLIGHT_PER_WORKER * workers - 1):
            submit()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                block = running.pop(fut)
                covered, small = fut.result()
                submit()
                yield block, covered, small
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def remote_block(
    localize: Localize | None, inputs: list[MosaicInput], *args: Any
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """`compute_block` on a Dask worker, after `localize` maps the inputs to its own files."""
    return compute_block(localize(inputs) if localize else inputs, *args)


def _dask(
    plan: MosaicPlan,
    out: OutputFile,
    k: int,
    tasks: Callable[[Block], tuple[Any, ...]],
    address: str,
    localize: Localize | None,
) -> Iterator[Done]:
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
            fut = client.submit(remote_block, localize, *tasks(block), pure=False)
            by_key[fut.key] = block
            return fut

        first = [f for f in (submit() for _ in range(limit)) if f is not None]
        queue = as_completed(first, loop=client.loop)  # type: ignore[no-untyped-call]
        for fut in queue:
            values, weights = fut.result()
            block = by_key.pop(fut.key)
            fut.release()
            out.write((block.y0, block.y1, block.x0, block.x1), values, weights)
            yield block, int(np.count_nonzero(weights)), _reduce(values, k)
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
    workers: int | None = None,
    localize: Localize | None = None,
) -> MosaicResult:
    """Compute the plan into the FITS file at `path` (see the module notes); `workers`
    overrides the plan's number of local worker processes; `localize` maps the inputs to a
    Dask worker's own files."""
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
    n = max(1, min(len(plan.blocks), plan.estimate.workers if workers is None else workers))

    def tasks(block: Block) -> tuple[Any, ...]:
        return _task_args(plan, block, offsets, grid_header, opts)

    source: Iterator[Done]
    if dask_address:
        source, executor = _dask(plan, out, k, tasks, dask_address, localize), "dask"
    elif n > 1:
        source, executor = _processes(plan, out, k, tasks, n), "local"
    else:
        source, executor = _serial(plan, out, k, tasks), "local"
    try:
        for done, (block, count, small) in enumerate(source, start=1):
            covered += count
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
        executor=executor,
        workers=0 if dask_address else n,
    )
