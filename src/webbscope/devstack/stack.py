"""`webbscope up`: the database (unless a URI is configured), the three services, `ready`."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

from webbscope.devstack.process import ManagedProcess, ProcessStartError, port_open
from webbscope.devstack.supervisor import CrashLoop, RestartPolicy, Supervisor
from webbscope.devstack.wiredb import WireDB
from webbscope.settings import Settings, load_settings

#: Default ports of the local stack; `--port-offset N` adds N to each.
BASE_PORTS = {
    "frontend": 3000,
    "backend": 5001,
    "engine": 8000,
    "mast": 8002,
    "archive": 8003,
    "database": 27017,
}
#: The built frontend the front door serves.
DIST = Path(__file__).resolve().parents[3] / "frontend" / "dist"


@dataclass(frozen=True)
class StackPorts:
    offset: int = 0

    def __getitem__(self, name: str) -> int:
        return BASE_PORTS[name] + self.offset


def _configured(name: str) -> bool:
    """True when `name` is set in the environment or in `.env`."""
    if os.environ.get(name):
        return True
    env_file = Path(".env")
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == name and value.strip():
                return True
    return False


def _say(msg: str) -> None:
    print(f"webbscope up: {msg}", file=sys.stderr, flush=True)


def _answers(url: str, want: int = 200) -> Callable[[], bool]:
    def ok() -> bool:
        return httpx.get(url, timeout=1.0).status_code == want

    return ok


def _wait_http(proc: ManagedProcess, url: str, timeout: float, want: int = 200) -> None:
    proc.wait_ready(_answers(url, want), timeout)


def restart_policy(settings: Settings) -> RestartPolicy:
    """The supervisor's policy: UP_CRASH_LOOP_RESTARTS crashes of one child within
    UP_CRASH_LOOP_WINDOW_S is a crash loop."""
    return RestartPolicy(
        loop_crashes=settings.up_crash_loop_restarts,
        loop_window_s=settings.up_crash_loop_window_s,
    )


def run_stack(
    data_dir: Path, port_offset: int = 0, host: str = "127.0.0.1", offline_archive: bool = False
) -> int:
    if not _configured("WEBBSCOPE_ENV"):
        # The one place besides the development compose overlay that chooses development (its
        # built-in secrets): everywhere else the default is production, which fails closed.
        os.environ["WEBBSCOPE_ENV"] = "development"
    settings = load_settings()  # a bad setting stops us before anything starts
    ports = StackPorts(port_offset)
    data_dir = data_dir.resolve()
    logs = data_dir / "logs"
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    started: list[ManagedProcess] = []
    #: How each child shows it serves (used after a restart).
    readiness: dict[str, Callable[[], bool]] = {}
    try:
        wanted = ["backend", "engine", "mast"]
        if not _configured("MONGODB_URI"):
            wanted.append("database")
        frontend = (DIST / "index.html").is_file()
        if frontend:
            wanted.append("frontend")
        if offline_archive:
            wanted.append("archive")
        busy = [f"{n} :{ports[n]}" for n in wanted if port_open(host, ports[n])]
        if busy:
            _say(
                f"port(s) already in use: {', '.join(busy)}; stop what holds them or "
                "use --port-offset N"
            )
            return 1
        env = dict(os.environ)
        env.setdefault("WEBBSCOPE_ENV", settings.environment.value)
        env.update(
            DATA_DIR=str(data_dir),
            ENGINE_URL=f"http://{host}:{ports['engine']}",
            MAST_URL=f"http://{host}:{ports['mast']}",
        )
        if "database" in wanted:
            db = WireDB(data_dir / "db", host=host, port=ports["database"])
            started.append(db)
            db.wait_ready(db.answers, timeout=30)
            readiness[db.name] = db.answers
            env["MONGODB_URI"] = db.uri
            _say(f"database (wire-protocol server) on {db.uri}, data in {db.data_dir}")
        if offline_archive:
            from webbscope.devstack.mast_server import MastServer

            _say("starting the offline archive (writes its demo data the first time)")
            archive = MastServer(
                data_dir / "mast-archive",
                host=host,
                port=ports["archive"],
                log_path=logs / "archive.log",
            )
            started.append(archive)
            archive.wait_ready(archive.answers, timeout=180)
            readiness[archive.name] = archive.answers
            env["MAST_SERVER_URL"] = archive.url
            _say(f"offline archive (MAST protocol) on {archive.url}")
        services = []
        for name in ("engine", "mast", "backend"):
            port = ports[name]
            proc = ManagedProcess(
                name,
                [
                    sys.executable,
                    "-m",
                    "webbscope",
                    "serve",
                    name,
                    "--host",
                    host,
                    "--port",
                    str(port),
                ],
                log_path=logs / f"{name}.log",
                env=env,
            )
            started.append(proc)
            services.append(proc)
        for proc in services:
            readiness[proc.name] = _answers(f"http://{host}:{ports[proc.name]}/health")
            proc.wait_ready(readiness[proc.name], timeout=60)
        _wait_http(services[-1], f"http://{host}:{ports['backend']}/api/health", timeout=30)
        if frontend:
            door = ManagedProcess(
                "frontend",
                [
                    sys.executable,
                    "-m",
                    "webbscope",
                    "frontdoor",
                    "--host",
                    host,
                    "--port",
                    str(ports["frontend"]),
                    "--dist",
                    str(DIST),
                    "--backend",
                    f"http://{host}:{ports['backend']}",
                ],
                log_path=logs / "frontdoor.log",
                env=env,
            )
            started.append(door)
            readiness[door.name] = _answers(f"http://{host}:{ports['frontend']}/")
            door.wait_ready(readiness[door.name], timeout=30)
            _say(f"Webbscope at http://{host}:{ports['frontend']}/")
        else:
            _say(f"no frontend build in {DIST}: run `npm run build` in frontend/ (`make up` does)")
        _say(f"backend http://{host}:{ports['backend']}/api  (logs in {logs})")
        print("ready", flush=True)
        # From here on a child that dies is restarted; only a crash loop stops the stack.
        supervisor = Supervisor(_say, restart_policy(settings))
        for proc in started:
            supervisor.add(proc, readiness.get(proc.name))
        while not stop.is_set():
            supervisor.tick()
            stop.wait(0.5)
        return 0
    except CrashLoop as exc:
        _say(str(exc))
        return 1
    except ProcessStartError as exc:
        _say(str(exc))
        return 1
    finally:
        for proc in reversed(started):
            proc.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if started:
            _say("stopped")
