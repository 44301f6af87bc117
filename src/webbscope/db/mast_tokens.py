"""Users' MAST API tokens, stored sealed (encrypted with `MAST_TOKEN_KEY`), one per user.

The token itself never leaves this module except to the import job that downloads the user's
own files; everything else learns only whether one is set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from webbscope.auth import UnsealError, seal, unseal
from webbscope.db._client import Database
from webbscope.errors import ServiceUnavailable

log = logging.getLogger("webbscope.mast_tokens")


@dataclass(frozen=True)
class TokenStatus:
    set: bool
    set_at: datetime | None = None
    name: str | None = None
    """Whom the archive said the token belongs to, when it was set."""


def _key(key: str | None) -> str:
    if not key:
        raise ServiceUnavailable(
            "storing MAST API tokens is turned off on this server (MAST_TOKEN_KEY is not set)",
            code="mast_tokens_disabled",
        )
    return key


class MastTokensRepo:
    def __init__(self, db: Database, key: str | None) -> None:
        self.coll = db.collection("mast_tokens")
        self.key = key

    def require_enabled(self) -> None:
        """Raise 503 `mast_tokens_disabled` when no key is configured."""
        _key(self.key)

    async def status(self, user_id: str) -> TokenStatus:
        doc = await self.coll.find_one({"_id": user_id}, {"sealed": 0})
        if doc is None:
            return TokenStatus(set=False)
        return TokenStatus(set=True, set_at=doc.get("set_at"), name=doc.get("name"))

    async def store(self, user_id: str, token: str, name: str | None) -> TokenStatus:
        now = datetime.now(UTC)
        sealed = seal(token, _key(self.key))
        await self.coll.replace_one(
            {"_id": user_id}, {"sealed": sealed, "set_at": now, "name": name}, upsert=True
        )
        return TokenStatus(set=True, set_at=now, name=name)

    async def clear(self, user_id: str) -> None:
        await self.coll.delete_one({"_id": user_id})

    async def token(self, user_id: str) -> str | None:
        """The user's token in clear (None when none is set, or it can no longer be opened:
        the key changed — the user must set it again)."""
        doc = await self.coll.find_one({"_id": user_id})
        if doc is None or not self.key:
            return None
        try:
            return unseal(str(doc["sealed"]), self.key)
        except UnsealError:
            log.warning("the MAST token of user %s cannot be opened with the current key", user_id)
            return None
