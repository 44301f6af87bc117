"""The realtime hub: `/hubs/jobs`, a WebSocket that streams a user's job changes.

Every backend replica follows the job event log (the database is the source of truth), so a
change written by any worker reaches clients on any replica. Protocol (JSON messages):

    client → {"type": "auth", "token": "<access token>"}          first, within 10 s
    client → {"type": "subscribe"} | {"type": "subscribe", "job_id": "..."}
    client → {"type": "unsubscribe", "job_id": "..."} | {"type": "pong"}
    server → {"type": "ready", "user_id": ...}
    server → {"type": "job", "job": {...}}        current state on subscribe, then every change
    server → {"type": "ping"}                      every 15 s
    server → {"type": "error", "error": {"code", "message", "details"}}

Whatever the traffic, every `HUB_RECHECK_S` seconds (and at the token's expiry) the connection
checks that its access token has not expired and that the account is still enabled with the
same session version (a password, role or status change ends it); if not, it sends the error
(`token_expired`, `account_disabled`, `session_ended`) and closes with code 4401. A client keeps
a long connection open by sending a fresh `{"type": "auth"}` before its token expires.

A reconnecting client authenticates and subscribes again and receives the current state.
When a job succeeds, the records it made or changed are in this replica's library index
before the client hears of it, so listing them next shows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect
from pymongo.errors import ConnectionFailure

from webbscope.auth import decode_access_token
from webbscope.db.events import EventLog, EventReader
from webbscope.db.users import UsersRepo
from webbscope.domain.jobs import ACTIVE
from webbscope.errors import Unauthorized, WebbscopeError
from webbscope.jobs import JobQueue
from webbscope.services.backend.deps import user_from_token

log = logging.getLogger("webbscope.hub")
router = APIRouter()

AUTH_TIMEOUT_S = 10.0
PING_EVERY_S = 15.0
SEND_QUEUE = 1000
RECENT_ON_SUBSCRIBE = 50


@dataclass(eq=False)
class Client:
    ws: WebSocket
    user_id: str
    expires: float = 0.0
    session_version: int = 0
    all_jobs: bool = False
    job_ids: set[str] = field(default_factory=set)
    outbox: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=SEND_QUEUE)
    )

    def wants(self, owner_id: str, job_id: str) -> bool:
        return owner_id == self.user_id and (self.all_jobs or job_id in self.job_ids)

    def push(self, message: dict[str, Any]) -> bool:
        try:
            self.outbox.put_nowait(message)
            return True
        except asyncio.QueueFull:
            return False


class JobHub:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.clients: set[Client] = set()
        self._task: asyncio.Task[None] | None = None
        self._seen: OrderedDict[str, int] = OrderedDict()

    def _newest(self, job: dict[str, Any]) -> bool:
        """True unless a newer state of this job was already delivered. States are ordered by
        the job's version, which every write increments (not by timestamps: their ISO strings
        do not sort as times, `…:00Z` after `…:00.300000Z`)."""
        job_id, version = str(job["id"]), int(job.get("version") or 0)
        last = self._seen.get(job_id)
        if last is not None and last > version:
            return False
        self._seen[job_id] = version
        self._seen.move_to_end(job_id)
        while len(self._seen) > 50_000:
            self._seen.popitem(last=False)
        return True

    async def start(self) -> None:
        db = self.app.state.parts.db
        reader = await EventReader.at_head(EventLog(db, "job"))
        self._task = asyncio.create_task(self._follow(reader))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def _follow(self, reader: EventReader) -> None:
        interval = self.app.state.settings.events_poll_interval_s
        away = False
        while True:
            try:
                events = await reader.poll()
            except ConnectionFailure as exc:
                # The database is away: one line per outage, no traceback; it resumes after.
                if not away:
                    log.warning("job event log paused, database unavailable: %r", exc)
                away, events = True, []
            except Exception:
                log.exception("reading the job event log failed")
                events = []
            else:
                if away:
                    log.warning("job event log resumed")
                away = False
            for ev in events:
                if not self._newest(ev.data):
                    continue  # a late event older than one already delivered
                await self._records_first(ev.data)
                for client in list(self.clients):
                    if client.wants(ev.owner_id, ev.data["id"]) and not client.push(
                        {"type": "job", "job": ev.data}
                    ):
                        log.warning("hub client too slow; disconnecting")
                        self.clients.discard(client)
                        with contextlib.suppress(Exception):
                            await client.ws.close(code=1013)
            if not events:
                await asyncio.sleep(interval)

    async def _records_first(self, job: dict[str, Any]) -> None:
        """A client that sees a job succeed lists its records next: bring them into this
        replica's library index first (the record event log may not have been read yet)."""
        if job.get("status") != "succeeded":
            return
        ids = [str(job.get("params", {}).get("record_id") or "")]
        ids += [str(i.get("record_id")) for i in (job.get("result") or {}).get("imported", [])]
        ids = [i for i in ids if ObjectId.is_valid(i)]
        library = getattr(self.app.state, "library", None)
        if ids and library is not None:
            await library.refresh(*ids)


async def start_hub(app: FastAPI) -> None:
    app.state.hub = JobHub(app)
    await app.state.hub.start()


async def stop_hub(app: FastAPI) -> None:
    await app.state.hub.stop()


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message, "details": None}}


async def _authenticate(ws: WebSocket) -> tuple[str, float, int]:
    try:
        first = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT_S)
    except TimeoutError:
        raise Unauthorized("authenticate within 10 s", code="auth_timeout") from None
    try:
        msg = json.loads(first)
    except ValueError:
        raise Unauthorized("the first message must be JSON", code="bad_message") from None
    if not isinstance(msg, dict) or msg.get("type") != "auth" or not msg.get("token"):
        raise Unauthorized(
            'the first message must be {"type": "auth", "token": ...}', code="not_signed_in"
        )
    return await _check_token(ws, str(msg["token"]))


async def _check_token(ws: WebSocket, token: str) -> tuple[str, float, int]:
    app = ws.app
    settings = app.state.settings
    user = await user_from_token(token, settings, UsersRepo(app.state.parts.db))
    claims = decode_access_token(token, settings.jwt_secret.get_secret_value())
    return user.id, float(claims.expires_at), claims.session_version


async def _watch(client: Client) -> dict[str, Any]:
    """Return the error that ends the connection: the token expired, or the account changed."""
    app = client.ws.app
    every = float(app.state.settings.hub_recheck_s)
    users = UsersRepo(app.state.parts.db)
    while True:
        await asyncio.sleep(max(0.05, min(every, client.expires - time.time() + 0.05)))
        if time.time() >= client.expires:
            return _error("token_expired", "the access token expired; auth again")
        try:
            user = await users.get(client.user_id)
        except Exception:
            log.warning("hub: could not re-check an account; will try again", exc_info=True)
            continue
        if user is None or user.disabled:
            return _error("account_disabled", "this account is disabled")
        if user.session_version != client.session_version:
            return _error("session_ended", "the session has ended; sign in again")


@router.websocket("/hubs/jobs")
async def jobs_hub(ws: WebSocket) -> None:
    await ws.accept()
    try:
        user_id, expires, version = await _authenticate(ws)
    except WebbscopeError as exc:
        await ws.send_json(_error(exc.code, exc.message))
        await ws.close(code=4401)
        return
    except ConnectionFailure:
        # The database is away: not an authentication answer. 1013 = try again later.
        await ws.send_json(
            _error("database_unavailable", "the database cannot be reached; reconnect shortly")
        )
        await ws.close(code=1013)
        return
    except WebSocketDisconnect:
        return
    hub: JobHub = ws.app.state.hub
    client = Client(ws, user_id, expires=expires, session_version=version)
    hub.clients.add(client)
    await ws.send_json({"type": "ready", "user_id": user_id})
    sender = asyncio.create_task(_send_loop(client))
    reader = asyncio.create_task(_read_loop(client, JobQueue(ws.app.state.parts.db)))
    watcher = asyncio.create_task(_watch(client))
    close_code = 1000
    try:
        done, _ = await asyncio.wait({reader, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if watcher in done and not watcher.cancelled() and watcher.exception() is None:
            client.push(watcher.result())
            close_code = 4401
        elif reader in done and not reader.cancelled() and reader.exception() is None:
            close_code = reader.result()
    finally:
        hub.clients.discard(client)
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await watcher
        # The sender delivers what is queued (the error that ends the connection) and stops.
        # Neither it nor the reader is cancelled mid-operation: a send or receive cut short can
        # leave the socket unable to complete the close handshake.
        try:
            client.outbox.put_nowait(_STOP)
        except asyncio.QueueFull:
            sender.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(sender, 5.0)
        with contextlib.suppress(Exception):
            await ws.close(code=close_code)
        with contextlib.suppress(BaseException):  # the reader ends with the closed socket
            await asyncio.wait_for(reader, 5.0)


async def _read_loop(client: Client, queue: JobQueue) -> int:
    """Serve the client's messages; the close code when the connection should end."""
    ws = client.ws
    try:
        while True:
            try:
                raw = await asyncio.wait_for(ws.receive_text(), PING_EVERY_S)
            except TimeoutError:
                client.push({"type": "ping"})
                continue
            try:
                msg = json.loads(raw)
                kind = msg.get("type")
            except (ValueError, AttributeError):
                client.push(_error("bad_message", "messages must be JSON objects"))
                continue
            if kind == "auth":
                try:
                    new_user, expires, version = await _check_token(ws, str(msg.get("token", "")))
                except WebbscopeError as exc:
                    client.push(_error(exc.code, exc.message))
                    return 4401
                if new_user != client.user_id:
                    client.push(_error("wrong_user", "a connection serves one user"))
                    return 4401
                client.expires, client.session_version = expires, version
            elif kind == "subscribe":
                await _subscribe(client, queue, msg.get("job_id"))
            elif kind == "unsubscribe":
                job_id = msg.get("job_id")
                if job_id:
                    client.job_ids.discard(str(job_id))
                else:
                    client.all_jobs = False
            elif kind in ("pong", "ping"):
                if kind == "ping":
                    client.push({"type": "pong"})
            else:
                client.push(_error("bad_message", f"unknown message type {kind!r}"))
    except (WebSocketDisconnect, RuntimeError):  # the client left, or the socket was closed
        return 1000


async def _subscribe(client: Client, queue: JobQueue, job_id: Any) -> None:
    if job_id:
        try:
            job = await queue.get(str(job_id))
        except WebbscopeError as exc:
            client.push(_error(exc.code, exc.message))
            return
        if job.owner_id != client.user_id:
            client.push(_error("job_not_found", f"job {job_id} not found"))
            return
        client.job_ids.add(job.id)
        client.push({"type": "job", "job": job.model_dump(mode="json")})
        return
    client.all_jobs = True
    active, _ = await queue.list_jobs(owner_id=client.user_id, status=list(ACTIVE), limit=200)
    recent, _ = await queue.list_jobs(owner_id=client.user_id, limit=RECENT_ON_SUBSCRIBE)
    seen: set[str] = set()
    for job in [*active, *recent]:
        if job.id not in seen:
            seen.add(job.id)
            client.push({"type": "job", "job": job.model_dump(mode="json")})


_STOP: dict[str, Any] = {"type": "_stop"}


async def _send_loop(client: Client) -> None:
    while True:
        msg = await client.outbox.get()
        if msg is _STOP:
            return
        await client.ws.send_json(msg)
