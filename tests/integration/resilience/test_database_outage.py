"""The database stopped under load and started again: every call answers 503
`database_unavailable` with Retry-After while it is away (never 401, never 500), and everything
works again once it is back, with nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets

from tests.support.api import PASSWORD, ApiUser, new_client, register
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually
from webbscope.devstack.process import free_port
from webbscope.devstack.wiredb import WireDB, start_wiredb

pytestmark = pytest.mark.integration

REFRESH = "webbscope_refresh"


@dataclass
class Outage:
    stack: RunningStack
    db: WireDB
    db_dir: Path
    port: int

    def stop_db(self) -> None:
        self.db.stop()  # SIGTERM to its process group: the database goes away

    def start_db(self) -> None:
        """The database again, on the same port with the same data."""
        self.db = WireDB(self.db_dir, port=self.port)
        self.db.wait_ready(self.db.answers, timeout=30)


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[Outage]:
    """A stack whose database the test owns (so it can stop it and start it again)."""
    port = free_port()
    db = start_wiredb(tmp_path / "db", port=port)
    try:
        s = start_stack(
            tmp_path / "stack",
            env={
                "MONGODB_URI": db.uri,
                "MONGODB_TIMEOUT_MS": "1000",
                "DATABASE_RETRY_AFTER_S": "3",
            },
        )
    except BaseException:
        db.stop()
        raise
    o = Outage(s, db, tmp_path / "db", port)
    try:
        yield o
    finally:
        stop_stack(s)
        o.db.stop()


def _calls(s: RunningStack, user: ApiUser) -> dict[str, Callable[[], httpx.Response]]:
    base = s.url("backend")
    # Each refresh rotates the cookie: keep the newest (a spent one would be a 401).
    cookie = {"value": user.client.cookies.get(REFRESH, path="/api/auth") or ""}

    def fresh() -> httpx.Client:
        return new_client(base)

    def login() -> httpx.Response:
        with fresh() as c:
            return c.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})

    def register_call() -> httpx.Response:
        with fresh() as c:
            name = f"new{time.monotonic_ns() % 10**9}"
            return c.post(
                "/api/auth/register",
                json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
            )

    def refresh() -> httpx.Response:
        with fresh() as c:
            c.cookies.set(REFRESH, cookie["value"], path="/api/auth")
            r = c.post("/api/auth/refresh")
            if REFRESH in r.cookies:
                cookie["value"] = r.cookies[REFRESH]
            return r

    return {
        "me": lambda: user.get("/api/auth/me"),
        "records": lambda: user.get("/api/records"),
        "jobs": lambda: user.get("/api/jobs"),
        "login": login,
        "register": register_call,
        "refresh": refresh,
    }


def test_a_database_outage_answers_503_and_recovers(outage: Outage) -> None:
    s = outage.stack
    user = register(s.url("backend"))
    calls = _calls(s, user)
    for name, call in calls.items():
        assert call().status_code in (200, 201), name

    outage.stop_db()

    seen: Counter[tuple[str, int]] = Counter()
    bad: list[str] = []
    stop = threading.Event()

    def load(name: str, call: Callable[[], httpx.Response]) -> None:
        while not stop.is_set():
            r = call()
            seen[(name, r.status_code)] += 1
            if r.status_code != 503:
                bad.append(f"{name}: {r.status_code} {r.text[:200]}")
                continue
            body = r.json()["error"]
            if body["code"] != "database_unavailable" or r.headers.get("retry-after") != "3":
                bad.append(f"{name}: {body} {dict(r.headers)}")

    threads = [threading.Thread(target=load, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    time.sleep(6)
    stop.set()
    for t in threads:
        t.join(30)
    assert not bad, bad[:5]
    assert {name for name, _ in seen} == set(calls), seen
    hub = asyncio.run(_hub_answer(s, user.token or ""))
    assert hub == ("database_unavailable", 1013), hub  # try again later, not "sign in again"
    health = httpx.get(s.url("backend", "/api/health"), timeout=10)
    assert health.status_code == 503
    assert health.json()["checks"]["database"]["status"] == "error"

    # The database comes back on the same port with the same data: everything works again.
    outage.start_db()
    for name, call in calls.items():
        r = eventually(call, lambda r: r.status_code in (200, 201), timeout=30, every=0.2)
        assert r.status_code in (200, 201), name
    assert user.get("/api/auth/me").json()["id"] == user.id  # the account survived
    log = (s.data_dir / "logs" / "backend.log").read_text()
    assert "Traceback" not in log
    print(f"\noutage answers: {dict(seen)}")


async def _hub_answer(s: RunningStack, token: str) -> tuple[str, int | None]:
    """What the jobs hub answers a signed-in client while the database is away."""
    url = f"ws://127.0.0.1:{s.ports['backend']}/hubs/jobs"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 30)
        return str(msg["error"]["code"]), ws.close_code
