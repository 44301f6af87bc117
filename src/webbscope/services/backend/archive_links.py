"""Links the backend hands out for archive observations."""

from __future__ import annotations

from urllib.parse import urlencode


def preview_link(obsid: str, url: str | None) -> str | None:
    """The backend's preview route for an observation that has a preview (the archive's own URL
    is never handed out: previews are fetched through the mast service)."""
    return f"/api/mast/preview?{urlencode({'obsid': obsid})}" if url else None
