"""Start the real local stack (`webbscope up`) on free ports for integration tests."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from webbscope.devstack.process import (
    ManagedProcess,
    ProcessStartError,
    ephemeral_floor,
    port_bindable,
    port_clash,
)
from webbscope.devstack.stack import BASE_PORTS, StackPorts
from webbscope.settings import DEV_SERVICE_TOKEN


def free_offset(host: str = "127.0.0.1") -> int:
    """A port offset at which every port of the stack is free.

    Every port stays below the kernel's ephemeral range (where outgoing connections take their
    local ports) and out of the range `free_port` chooses from.
    """
    highest = ephemeral_floor() - max(BASE_PORTS.values())
    for _ in range(200):
        offset = random.randrange(1_000, highest, 10)
        if all(port_bindable(host, p + offset) for p in BASE_PORTS.values()):
            return offset
    raise RuntimeError("no free port offset found for the stack")


@dataclass
class RunningStack:
    proc: ManagedProcess
    ports: StackPorts
    data_dir: Path
    service_token: str = DEV_SERVICE_TOKEN

    def url(self, service: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    @property
    def api(self) -> str:
        return self.url("backend", "/api")

    @property
    def archive(self) -> str:
        """The offline archive (MAST-protocol test server), when the stack runs one."""
        return self.url("archive")

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['database']}"

    def run_admin(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`webbscope admin ...` against this stack's database, as an operator runs it."""
        return subprocess.run(
            [sys.executable, "-m", "webbscope", "admin", *args],
            env={"MONGODB_URI": self.mongodb_uri, "PATH": "/usr/bin:/bin", "WEBBSCOPE_ENV": "test"},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )


def start_stack(
    data_dir: Path,
    env: dict[str, str] | None = None,
    timeout: float = 180,
    offline_archive: bool = False,
) -> RunningStack:
    full_env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    full_env.update({"WEBBSCOPE_ENV": "test", "LOG_LEVEL": "INFO"})
    full_env.update(env or {})
    for attempt in range(1, 4):
        offset = free_offset()
        (data_dir / "up.log").unlink(missing_ok=True)  # a restart must not find the last "ready"
        proc = _up(data_dir, offset, full_env, offline_archive)

        def ready() -> bool:
            return "ready" in (data_dir / "up.log").read_text().splitlines()

        try:
            proc.wait_ready(ready, timeout)
        except ProcessStartError as exc:
            proc.stop()
            if port_clash(exc) and attempt < 3:  # a port was taken before its server bound
                continue
            raise
        return RunningStack(proc, StackPorts(offset), data_dir)
    raise AssertionError("unreachable")


def _up(data_dir: Path, offset: int, env: dict[str, str], offline_archive: bool) -> ManagedProcess:
    return ManagedProcess(
        "webbscope up",
        [
            sys.executable,
            "-m",
            "webbscope",
            "up",
            "--data-dir",
            str(data_dir),
            "--port-offset",
            str(offset),
            *(["--offline-archive"] if offline_archive else []),
        ],
        log_path=data_dir / "up.log",
        env=env,
    )


def stop_stack(stack: RunningStack) -> None:
    stack.proc.proc.send_signal(2)  # Ctrl-C, as a person would
    try:
        stack.proc.proc.wait(30)
    except subprocess.TimeoutExpired:
        stack.proc.stop()
