"""Calls from one service to another: the service credential and request id go along."""

from __future__ import annotations

from typing import Any

import httpx

from webbscope.errors import UpstreamError, UpstreamTimeout
from webbscope.logs import REQUEST_ID_HEADER, request_id_var
from webbscope.services.common.internal import SERVICE_TOKEN_HEADER


class ServiceClient:
    """An httpx client for one internal service (engine or mast)."""

    def __init__(self, name: str, base_url: str, token: str, timeout_s: float) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={SERVICE_TOKEN_HEADER: token},
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        )

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        rid = request_id_var.get()
        if rid:
            headers[REQUEST_ID_HEADER] = rid
        return headers

    async def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        try:
            return await self._client.request(method, path, headers=self._headers(headers), **kw)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"the {self.name} service did not answer in time",
                code=f"{self.name}_timeout",
            ) from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"the {self.name} service at {self.base_url} is unreachable: "
                f"{exc.__class__.__name__}",
                code=f"{self.name}_unreachable",
            ) from exc

    async def aclose(self) -> None:
        await self._client.aclose()
