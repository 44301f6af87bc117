"""Domain errors with a stable code and an HTTP status.

Web-free: services translate them into the one error shape
`{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

from typing import Any


class WebbscopeError(Exception):
    """Base class: a problem with a code, a human message, an HTTP status and details."""

    code = "error"
    status = 500

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details
        #: Extra HTTP headers for the answer (e.g. Retry-After on a 429).
        self.headers: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(WebbscopeError):
    code, status = "bad_request", 400


class Unauthorized(WebbscopeError):
    code, status = "unauthorized", 401


class Forbidden(WebbscopeError):
    code, status = "forbidden", 403


class NotFound(WebbscopeError):
    code, status = "not_found", 404


class Conflict(WebbscopeError):
    code, status = "conflict", 409


class PayloadTooLarge(WebbscopeError):
    code, status = "payload_too_large", 413


class UnsupportedMediaType(WebbscopeError):
    code, status = "unsupported_media_type", 415


class Unprocessable(WebbscopeError):
    code, status = "unprocessable", 422


class TooManyRequests(WebbscopeError):
    code, status = "too_many_requests", 429


class UpstreamError(WebbscopeError):
    code, status = "upstream_error", 502


class UpstreamTimeout(WebbscopeError):
    code, status = "upstream_timeout", 504


class ServiceUnavailable(WebbscopeError):
    code, status = "service_unavailable", 503
