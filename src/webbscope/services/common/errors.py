"""The one error shape for every API: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import errno
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from webbscope.errors import WebbscopeError

log = logging.getLogger("webbscope.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "unprocessable",
    429: "too_many_requests",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Documented on every route: the shape of each 4xx and 5xx answer."""

    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def database_unavailable(retry_after_s: int) -> JSONResponse:
    """503 `database_unavailable` with Retry-After: the answer to any request that needed the
    database while it could not be reached (never an authentication answer, never a 500)."""
    return error_response(
        503,
        "database_unavailable",
        "the database cannot be reached at the moment; try again shortly",
        {"retry_after_s": retry_after_s},
        {"Retry-After": str(retry_after_s)},
    )


def disk_full() -> JSONResponse:
    return error_response(
        507,
        "storage_full",
        "the server's disk is full: nothing was stored; try again once space is freed",
    )


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WebbscopeError)
    async def _domain(_: Request, exc: WebbscopeError) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(ConnectionFailure)
    async def _database(request: Request, exc: ConnectionFailure) -> JSONResponse:
        # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError: the database is away.
        log.warning(
            "database unavailable in %s %s: %s",
            request.method,
            request.url.path,
            exc.__class__.__name__,
        )
        settings = getattr(request.app.state, "settings", None)
        return database_unavailable(getattr(settings, "database_retry_after_s", 5))

    @app.exception_handler(OSError)
    async def _os_error(request: Request, exc: OSError) -> JSONResponse:
        if exc.errno != errno.ENOSPC:
            raise exc  # unexpected: the request-id middleware logs it and answers 500
        log.warning("disk full in %s %s", request.method, request.url.path)
        return disk_full()

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(p for p in first["loc"] if p != "body") or "request"
        return error_response(
            422, "validation_error", f"invalid request: {where}: {first['msg']}", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, None, exc.headers)
