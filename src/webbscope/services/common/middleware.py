"""Request ids and one structured log line per request (pure ASGI: streaming stays streaming)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from pymongo.errors import ConnectionFailure
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webbscope.logs import REQUEST_ID_HEADER, request_id_var
from webbscope.services.common.errors import database_unavailable

log = logging.getLogger("webbscope.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_HEADER = REQUEST_ID_HEADER.lower().encode()


def _internal_error_body(rid: str) -> bytes:
    return json.dumps(
        {
            "error": {
                "code": "internal_error",
                "message": "an unexpected error occurred; the request id identifies it in the logs",
                "details": {"request_id": rid},
            }
        }
    ).encode()


def _internal_error(rid: str) -> Message:
    body = _internal_error_body(rid)
    return {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }


async def _send_response(send: Send, response: Response) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": bytes(response.body)})


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(_HEADER, b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        start = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((_HEADER, rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ConnectionFailure as exc:
            # The database went away outside a route (a middleware, a dependency's clean-up):
            # a 503 like every other request that needed it, not an unexpected error.
            log.warning("database unavailable in %s: %s", scope.get("path"), type(exc).__name__)
            if scope["type"] == "http" and status == 0:
                await _send_response(send_with_id, database_unavailable(5))
        except Exception:
            # Unexpected: log it with the request id, answer in the shared shape, keep serving.
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if scope["type"] == "http" and status == 0:
                await send_with_id(_internal_error(rid))
                await send({"type": "http.response.body", "body": _internal_error_body(rid)})
        finally:
            if scope["type"] == "http" and scope.get("path") not in ("/health",):
                log.info(
                    "%s %s %s",
                    scope.get("method"),
                    scope.get("path"),
                    status,
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    },
                )
            request_id_var.reset(token)
