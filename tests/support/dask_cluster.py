"""A real Dask distributed cluster on 127.0.0.1: a `dask scheduler` and `dask worker`
processes, each in its own session, stopped (SIGTERM, then SIGKILL) on leaving."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from webbscope.devstack.process import free_port

DASK = str(Path(sys.executable).with_name("dask"))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@contextlib.contextmanager
def dask_cluster(logs: Path, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """The scheduler's address, once `workers` single-threaded workers have joined; `env`
    is added to every process's environment."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    full_env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False", **(env or {})}

    def spawn(name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [DASK, *argv],
            stdout=(logs / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=full_env,
        )

    procs = [
        spawn(
            "scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
        )
    ]
    try:
        for i in range(workers):
            procs.append(
                spawn(
                    f"worker{i}",
                    [
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                    ],
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout=5, set_as_default=False) as c:  # type: ignore[no-untyped-call]
                    if len(c.nthreads()) >= workers:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Dask cluster did not start: " + str(list(logs.iterdir())))
            time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)
