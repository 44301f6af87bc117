"""Imported only by the fork server of `webbscope.jobs.process` (it is on the server's preload
list): moves the fork server, and so every child it forks, into a process group of its own.

Signals meant for a worker's whole process group — a graceful stop by `webbscope up`, systemd or
an init that signals the group, Ctrl-C in a terminal — then reach the worker alone. The worker
stops its running jobs itself and hands them back without using an attempt; before, SIGTERM
killed the child first and the job failed with `ChildCrashed`. The fork server still exits with
the worker (it watches a pipe from it), and each child with the fork server (`process._child`
asks for SIGKILL when its parent dies).
"""

from __future__ import annotations

import os
import sys


def _in_fork_server() -> bool:
    """Whether this import runs inside multiprocessing's fork server (its `main`)."""
    suffix = os.path.join("multiprocessing", "forkserver.py")
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_code.co_filename.endswith(suffix):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


if _in_fork_server():
    os.setpgrp()
