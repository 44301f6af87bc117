"""The internal service credential: engine and mast answer only callers that present it."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Header, Request

from webbscope.errors import Unauthorized

SERVICE_TOKEN_HEADER = "X-Service-Token"


async def require_service_token(
    request: Request,
    x_service_token: Annotated[str | None, Header(alias=SERVICE_TOKEN_HEADER)] = None,
) -> None:
    expected: str = request.app.state.settings.service_token.get_secret_value()
    if not x_service_token or not hmac.compare_digest(x_service_token.encode(), expected.encode()):
        raise Unauthorized(
            "this service is internal: a valid service credential is required",
            code="service_credential_required",
        )
