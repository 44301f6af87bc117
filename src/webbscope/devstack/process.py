"""Start a child process, wait until it answers, stop it (and only it) by its pid."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

#: Where chosen ports come from: below the kernel's ephemeral range, where outgoing connections
#: take their local ports, and above the stack's offset ports (see `tests/support/stack.py`).
_PORT_RANGE = (14_000, 28_000)
_handed_out: set[int] = set()


def ephemeral_floor() -> int:
    """The lowest port the kernel gives outgoing connections (32768 when it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_bindable(host: str, port: int) -> bool:
    """True when nothing holds `port` on `host`: no listener, no connection, no TIME_WAIT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on `host`, not handed out before by this process.

    A port the kernel picks with bind(0) lies in the ephemeral range, where any outgoing
    connection may take it as its local port before the server that was given it binds (a suite
    run saw an engine refused its port that way). Ports here are chosen below that range.
    """
    low, high = _PORT_RANGE[0], min(_PORT_RANGE[1], ephemeral_floor())
    for _ in range(1000):
        port = random.randrange(low, high)
        if port not in _handed_out and port_bindable(host, port):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port between {low} and {high} on {host}")


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class ProcessStartError(RuntimeError):
    """The process died or did not become ready; the message carries its log tail."""


#: What a child's log says when a port chosen for it was taken before it bound.
PORT_IN_USE = ("address already in use", "port allocation failed", "is not available")


def port_clash(exc: ProcessStartError) -> bool:
    """True when the process failed to start because a port chosen for it was taken."""
    return any(p in str(exc).lower() for p in PORT_IN_USE)


class ManagedProcess:
    """A child process with its output in a log file, started in its own process group."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )

    def restart(self) -> None:
        """Start the same command again after the process exited. What is left of the old
        process group (a helper the dead process had started) is killed first."""
        if self.alive():
            raise RuntimeError(f"{self.name} is still running")
        self._signal(signal.SIGKILL)
        if self._log.closed:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = self._spawn()

    def exit_reason(self) -> str:
        """How the process ended: its exit code, or the signal that killed it."""
        code = self.proc.returncode
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, check: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise ProcessStartError(
                    f"{self.name} exited with code {self.proc.returncode} while starting:\n"
                    f"{self.log_tail()}"
                )
            try:
                if check():
                    return
            except Exception:  # noqa: S110 - not ready yet
                pass
            time.sleep(0.05)
        self.stop()
        raise ProcessStartError(
            f"{self.name} did not become ready within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group we created, then SIGKILL it after `timeout`."""
        if self.alive():
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(5)
        if not self._log.closed:
            self._log.close()

    def kill(self) -> None:
        """SIGKILL at once (used by crash tests)."""
        self._signal(signal.SIGKILL)
        self.proc.wait(5)

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.proc.pid, sig)  # the group was created by start_new_session
        except ProcessLookupError:
            pass

    def __enter__(self) -> ManagedProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
