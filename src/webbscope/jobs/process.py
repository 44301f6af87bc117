"""CPU-bound work in a child process that can be stopped for real.

`run_in_process(fn, *args, progress=...)` runs `fn(report, *args)` in a fresh process from a
fork server (numpy, astropy and the science modules preloaded, so a start costs milliseconds).
`report(fraction, message)` inside the child sends progress back. Cancelling the awaiting task
terminates the child (SIGTERM, then SIGKILL after a second): a loop that never checks a flag
still stops.

The fork server and its children live in a process group of their own (`_forkserver`), so a
signal sent to the worker's group stops the worker, which then ends its children itself; a child
is killed when the fork server exits, which it does when the worker does.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import traceback
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any

from webbscope.errors import WebbscopeError
from webbscope.processes import die_with_parent

Report = Callable[[float, str | None], None]
_CTX: Any = None

#: Imported once by the fork server, so a child starts with them loaded. Importing the science
#: modules (astropy's WCS, coordinates and tables, the encoders) takes seconds; a child that
#: imported them itself made every thumbnail of a tiny file cost seconds.
PRELOAD = (
    "webbscope.jobs._forkserver",
    "numpy",
    "astropy.io.fits",
    "webbscope.errors",
    "webbscope.jobs.process",
    "webbscope.fits",
    "webbscope.imaging",
)


def _context() -> Any:
    global _CTX
    if _CTX is None:
        _CTX = mp.get_context("forkserver")
        _CTX.set_forkserver_preload(list(PRELOAD))
    return _CTX


def start_children() -> None:
    """Start the fork server now (it imports `PRELOAD`), not at the first job."""
    _context()
    forkserver.ensure_running()


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    die_with_parent()  # when the fork server exits

    def report(fraction: float, message: str | None = None) -> None:
        conn.send(("progress", float(fraction), message))

    try:
        conn.send(("result", fn(report, *args)))
    except WebbscopeError as exc:
        conn.send(("error", exc.code, exc.message, exc.status))
    except BaseException as exc:
        conn.send(("crash", f"{exc.__class__.__name__}: {exc}", traceback.format_exc()))
    finally:
        conn.close()


class ChildCrashed(RuntimeError):
    """The child raised an unexpected exception or died."""


async def run_in_process(
    fn: Callable[..., Any],
    *args: Any,
    progress: Callable[[float, str | None], Any] | None = None,
) -> Any:
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args), daemon=True)
    proc.start()
    child.close()
    try:
        while True:
            ready = await asyncio.to_thread(parent.poll, 0.1)
            if not ready:
                if not proc.is_alive() and not parent.poll():
                    raise ChildCrashed(f"the worker process died (exit code {proc.exitcode})")
                continue
            try:
                msg = parent.recv()
            except EOFError:
                raise ChildCrashed(f"the worker process died (exit code {proc.exitcode})") from None
            if msg[0] == "progress":
                if progress is not None:
                    out = progress(msg[1], msg[2])
                    if asyncio.iscoroutine(out):
                        await out
                continue
            if msg[0] == "result":
                return msg[1]
            if msg[0] == "error":
                raise WebbscopeError(msg[2], code=msg[1], status=msg[3])
            raise ChildCrashed(msg[1])
    finally:
        parent.close()
        if proc.is_alive():
            proc.terminate()
            await asyncio.to_thread(proc.join, 1.0)
            if proc.is_alive():
                proc.kill()
                await asyncio.to_thread(proc.join, 1.0)
        else:
            proc.join(0)
