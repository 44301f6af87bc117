"""Calls from one service to another: the service credential and request id go along."""

from __future__ import annotations

import logging
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from webbscope.errors import UpstreamError, UpstreamTimeout, WebbscopeError
from webbscope.logs import REQUEST_ID_HEADER, request_id_var
from webbscope.services.common.internal import SERVICE_TOKEN_HEADER

log = logging.getLogger("webbscope.client")


def cookieless() -> CookieJar:
    """A cookie jar that keeps nothing. A client that calls a service on behalf of many users
    must not remember one user's cookies and send them for the next."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


#: Seconds an idle pooled connection is kept (below the services' HTTP_KEEP_ALIVE_S).
KEEPALIVE_S = 30.0
#: Errors of a request sent on a connection the other side had just closed; an idempotent
#: request is sent once more on a fresh connection.
STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class ServiceClient:
    """An httpx client for one internal service (engine or mast)."""

    def __init__(
        self, name: str, base_url: str, token: str, timeout_s: float, connections: int = 32
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={SERVICE_TOKEN_HEADER: token},
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            # A bounded pool: httpcore checks every pooled connection on each request (a poll of
            # each idle socket). Idle connections are dropped well before the services' own
            # keep-alive (75 s).
            limits=httpx.Limits(
                max_connections=connections,
                max_keepalive_connections=connections,
                keepalive_expiry=KEEPALIVE_S,
            ),
            cookies=cookieless(),
        )

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        rid = request_id_var.get()
        if rid:
            headers[REQUEST_ID_HEADER] = rid
        return headers

    async def _send(
        self, method: str, path: str, *, stream: bool, headers: dict[str, str] | None, **kw: Any
    ) -> httpx.Response:
        request = self._client.build_request(method, path, headers=self._headers(headers), **kw)
        try:
            try:
                return await self._client.send(request, stream=stream)
            except STALE_CONNECTION as exc:
                if method.upper() not in IDEMPOTENT:
                    raise
                # A pooled connection the service closed as the request went out (its idle
                # timeout): once more, on a fresh connection.
                log.info("retrying %s %s on a fresh connection: %r", method, path, exc)
                request = self._client.build_request(
                    method, path, headers=self._headers(headers), **kw
                )
                return await self._client.send(request, stream=stream)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"the {self.name} service did not answer in time",
                code=f"{self.name}_timeout",
            ) from exc
        except httpx.HTTPError as exc:
            # The address stays in the log: an answer to the browser must not map the inside.
            log.warning(
                "the %s service at %s is unreachable: %s: %s",
                self.name,
                self.base_url,
                exc.__class__.__name__,
                exc,
            )
            raise UpstreamError(
                f"the {self.name} service is unreachable; try again later",
                code=f"{self.name}_unreachable",
            ) from exc

    async def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self._send(method, path, stream=False, headers=headers, **kw)

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        """The JSON answer; an error answer is raised as the same error (code, message,
        status) so it reaches the browser unchanged."""
        resp = await self.request(method, path, **kw)
        if resp.status_code >= 400:
            raise self._error(resp)
        return resp.json()

    def _error(self, resp: httpx.Response) -> WebbscopeError:
        try:
            body = resp.json()["error"]
            return WebbscopeError(
                str(body["message"]),
                code=str(body["code"]),
                status=resp.status_code,
                details=body.get("details"),
            )
        except (ValueError, KeyError, TypeError):
            return UpstreamError(
                f"the {self.name} service answered HTTP {resp.status_code}",
                code=f"{self.name}_error",
            )

    async def forward(
        self,
        method: str,
        path: str,
        *,
        pass_headers: tuple[str, ...] = (
            "content-type",
            "etag",
            "cache-control",
            "content-disposition",
            "retry-after",
            "server-timing",
            "content-length",
        ),
        **kw: Any,
    ) -> Response:
        """Stream the service's answer (status, chosen headers and body) back unchanged."""
        resp = await self._send(method, path, stream=True, headers=kw.pop("headers", None), **kw)
        headers = {k: v for k, v in resp.headers.items() if k.lower() in pass_headers}
        return StreamingResponse(
            resp.aiter_raw(),
            status_code=resp.status_code,
            headers=headers,
            background=BackgroundTask(resp.aclose),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
