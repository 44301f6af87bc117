"""`webbscope up` supervises its children: `kill -9` of one brings it back while the others keep
serving; only a crash loop stops the stack, naming the child and why."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.api import register
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually

pytestmark = pytest.mark.integration


def child_pid(stack: RunningStack, name: str) -> int:
    for child in psutil.Process(stack.proc.pid).children(recursive=True):
        cmd = child.cmdline()
        if name == "wiredb" and cmd and cmd[0].endswith("wiredb"):
            return child.pid
        if "serve" in cmd and name in cmd:
            return child.pid
    raise AssertionError(f"no {name} process under webbscope up")


def up_log(stack: RunningStack) -> str:
    return (stack.data_dir / "up.log").read_text()


def test_a_killed_engine_comes_back_while_the_others_keep_serving(tmp_path: Path) -> None:
    s = start_stack(tmp_path)
    try:
        user = register(s.url("backend"))
        old = child_pid(s, "engine")
        os.kill(old, signal.SIGKILL)
        killed_at = time.monotonic()

        # The backend, the archive proxy and the database keep serving while the engine is away.
        served = 0
        engine_back = False
        while time.monotonic() - killed_at < 60 and not engine_back:
            assert user.get("/api/auth/me").status_code == 200
            assert httpx.get(s.url("mast", "/health"), timeout=5).status_code == 200
            served += 1
            try:
                engine_back = httpx.get(s.url("engine", "/health"), timeout=1).status_code == 200
            except httpx.HTTPError:
                engine_back = False
            time.sleep(0.1)
        assert engine_back, up_log(s)
        assert served >= 1
        print(
            f"\nengine back {time.monotonic() - killed_at:.1f} s after kill -9; "
            f"{served} rounds of backend and mast calls served meanwhile, none failed"
        )
        new = child_pid(s, "engine")
        assert new != old
        assert s.proc.alive()
        log = eventually(lambda: up_log(s), lambda t: "engine is serving again" in t, timeout=20)
        assert "engine killed by SIGKILL; restarting it in 0.5 s" in log
        assert "engine restarted (pid" in log
        # The whole stack answers again, engine included.
        health = httpx.get(s.url("backend", "/api/health"), timeout=10).json()
        assert health["checks"]["engine"]["status"] == "ok"

        # The database too: a killed wiredb is restarted on its port and the services reconnect.
        os.kill(child_pid(s, "wiredb"), signal.SIGKILL)
        db_killed = time.monotonic()
        eventually(lambda: up_log(s), lambda t: "wiredb is serving again" in t, timeout=30)
        r = eventually(lambda: user.get("/api/auth/me"), lambda r: r.status_code == 200, 30, 0.2)
        assert r.json()["id"] == user.id  # nothing was lost with it
        print(f"database back and serving {time.monotonic() - db_killed:.1f} s after kill -9")
    finally:
        stop_stack(s)
    assert s.proc.proc.returncode == 0


def test_a_crash_loop_stops_the_stack_and_says_which_service_and_why(tmp_path: Path) -> None:
    s = start_stack(tmp_path, env={"UP_CRASH_LOOP_RESTARTS": "3", "UP_CRASH_LOOP_WINDOW_S": "120"})
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        children = psutil.Process(s.proc.pid).children(recursive=True)
        os.kill(child_pid(s, "engine"), signal.SIGKILL)
        # Hold the engine's port: every restart now fails to bind, as it would with a port
        # taken by something else.
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        eventually(lambda: _try_bind(blocker, s.ports["engine"]), bool, timeout=5, every=0.01)
        blocker.listen()
        s.proc.proc.wait(120)
        assert s.proc.proc.returncode == 1
        log = up_log(s)
        assert "engine crashed 3 times within 120 s" in log, log
        assert "giving up" in log
        assert "address already in use" in log.lower()  # why: the end of the engine's log
        _gone, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"left behind: {[p.cmdline() for p in alive]}"
    finally:
        blocker.close()
        stop_stack(s)


def _try_bind(sock: socket.socket, port: int) -> bool:
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True
