"""Product lists judged for import: one set of rules for the Products panel and the import job."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from webbscope.errors import WebbscopeError
from webbscope.mast import ArchiveClient, ArchiveProduct, ImportRules, judged
from webbscope.settings import Settings

log = logging.getLogger("webbscope.mast")


def import_rules(settings: Settings, *, token_set: bool) -> ImportRules:
    return ImportRules(
        max_fits_bytes=settings.max_fits_bytes,
        max_table_bytes=settings.max_table_bytes,
        token_set=token_set,
    )


def release_dates(client: ArchiveClient, obsids: Sequence[str]) -> dict[str, datetime | None]:
    """When the observations' data become public (empty when the archive cannot say)."""
    if not obsids:
        return {}
    try:
        found = client.observations_by_obsid(list(obsids))
    except WebbscopeError as exc:  # the reason then says "until its release date"
        log.warning("could not look up release dates: %s", exc.message)
        return {}
    return {obsid: o.release_time for obsid, o in found.items()}


def judge(
    client: ArchiveClient, products: list[ArchiveProduct], rules: ImportRules
) -> list[ArchiveProduct]:
    """`products` marked importable or not, with the reason (release dates looked up for
    exclusive-access ones)."""
    exclusive = sorted({p.obsid for p in products if p.exclusive_access})
    return judged(products, rules, release_dates(client, exclusive))
