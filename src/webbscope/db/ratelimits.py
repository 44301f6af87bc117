"""Fixed-window rate limits kept in the database, so every replica counts the same requests."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webbscope.db._client import Database
from webbscope.errors import TooManyRequests


class RateLimiter:
    def __init__(self, db: Database) -> None:
        self.coll = db.collection("rate_limits")

    async def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> None:
        """Count one request; past `limit` in the current window raise a 429 with
        Retry-After."""
        now = time.time()
        window = int(now // window_s)
        doc_id = f"{bucket}:{key}:{window}"
        expires = datetime.fromtimestamp((window + 1) * window_s, UTC)
        for _ in range(2):  # two first hits racing on the upsert: the loser retries once
            try:
                doc = await self.coll.find_one_and_update(
                    {"_id": doc_id},
                    {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": expires}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                break
            except DuplicateKeyError:
                continue
        else:  # pragma: no cover - needs three-way races
            return
        if random.random() < 0.01:
            await self.coll.delete_many({"expires_at": {"$lt": datetime.now(UTC)}})
        if doc is not None and doc["n"] > limit:
            retry = max(1, math.ceil((window + 1) * window_s - now))
            err = TooManyRequests(
                f"too many {bucket} requests: the limit is {limit} per {window_s} s; "
                f"retry in {retry} s",
                code="rate_limited",
                details={"limit": limit, "window_s": window_s, "retry_after_s": retry},
            )
            err.headers = {"Retry-After": str(retry)}
            raise err
