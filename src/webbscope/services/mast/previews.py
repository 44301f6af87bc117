"""Archive previews: the JPEG or PNG preview of an observation the archive lists — never an
arbitrary URL — fetched whole (at most `MAST_PREVIEW_MAX_BYTES`) before anything is answered, so
every failure is a clean error and never a truncated image."""

from __future__ import annotations

import asyncio

from webbscope.errors import Forbidden, NotFound, UpstreamError
from webbscope.mast import ArchiveAccessDenied, ArchiveClient, ArchiveObservation, release_text

_MEDIA = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
_SUFFIXES = (".jpg", ".jpeg", ".png")
#: Previews fetched at once by one mast process (each is held in memory until answered).
CONCURRENT_FETCHES = 8


async def preview_url(
    client: ArchiveClient, obsid: str, product: str | None
) -> tuple[str, ArchiveObservation]:
    """The archive URL of an observation's preview (`product`: one of its PREVIEW products),
    and the observation."""
    found = await asyncio.to_thread(client.observations_by_obsid, [obsid])
    observation = found.get(obsid)
    if observation is None:
        raise NotFound(f"the archive has no observation {obsid}", code="observation_not_found")
    url: str | None = observation.preview_url
    if product is not None:
        listed = await asyncio.to_thread(client.list_products, [obsid], product_types=["PREVIEW"])
        match = next((p for p in listed if p.filename == product), None)
        url = match.download_url if match is not None else None
    if (
        url is None
        or not url.startswith(client.server_url + "/")
        or not url.lower().endswith(_SUFFIXES)
    ):
        raise NotFound(
            f"observation {observation.obs_id} has no such preview image", code="no_preview"
        )
    return url, observation


async def fetch_preview(
    client: ArchiveClient, url: str, max_bytes: int, observation: ArchiveObservation
) -> tuple[bytes, str]:
    """The image and its media type; `ArchiveAccessDenied` becomes a 403 that says why."""
    body = bytearray()
    try:
        async for chunk in client.adownload_range(url, 0, None):
            body += chunk
            if len(body) > max_bytes:
                raise UpstreamError(
                    f"the archive's preview is larger than the {max_bytes}-byte limit "
                    "(MAST_PREVIEW_MAX_BYTES)",
                    code="archive_preview_too_large",
                )
    except ArchiveAccessDenied as exc:
        raise Forbidden(
            f"{observation.obs_id} is in exclusive access "
            f"{release_text(observation.release_time)}: its preview is not public",
            code="exclusive_access",
            details={"http_status": (exc.details or {}).get("http_status")},
        ) from exc
    data = bytes(body)
    for magic, media in _MEDIA:
        if data.startswith(magic):
            return data, media
    raise UpstreamError(
        "the archive's preview is not a JPEG or PNG image", code="archive_preview_invalid"
    )
