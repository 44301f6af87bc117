"""Per-account password-guess throttling with exponential backoff, kept in the database so every
replica counts the same guesses.

Each attempt is *claimed* atomically before the (slow) password check: one conditional upsert
moves the key's `not_before` past now, so parallel guesses at one account cannot all reach the
check; the losers are refused at once. After the check the attempt is settled: a success
clears the key, a failure counts and, past the free failures, pushes `not_before` out by a
backoff that doubles with every further failure (capped). There is no hard lock: the owner can
try again as soon as the backoff passes.

Keys are opaque to this module. Callers use the account's id when the login names an account
and the normalised login otherwise, so an unknown name is throttled exactly like a real one and
the answers cannot tell them apart.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webbscope.db._client import Database
from webbscope.errors import TooManyRequests

#: How long a claim holds the key while its password check runs (a crashed replica's claim
#: lapses after this).
CLAIM_S = 10.0


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_s: float = 1.0
    max_s: float = 900.0

    def delay_s(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        return float(min(self.max_s, self.base_s * 2 ** (failures - self.free_failures)))


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class LoginThrottle:
    def __init__(self, db: Database, policy: ThrottlePolicy) -> None:
        self.coll = db.collection("login_throttle")
        self.policy = policy

    async def claim(self, key: str) -> None:
        """Hold `key` for one password check, or raise 429 `login_throttled` (the same answer
        for every key, known account or not)."""
        now = _now()
        try:
            await self.coll.find_one_and_update(
                {"_id": key, "not_before": {"$lte": now}},
                {
                    "$set": {"not_before": now + timedelta(seconds=CLAIM_S), "in_flight": True},
                    "$setOnInsert": {"failures": 0},
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # the key exists and is not free: throttled or in flight
            doc = await self.coll.find_one({"_id": key}) or {}
            wait = 1.0
            if not doc.get("in_flight") and doc.get("not_before"):
                wait = (_aware(doc["not_before"]) - now).total_seconds()
            self._refuse(max(1, math.ceil(wait)))
        if random.random() < 0.01:
            horizon = now - timedelta(seconds=self.policy.max_s * 4 + CLAIM_S)
            await self.coll.delete_many({"not_before": {"$lt": horizon}, "in_flight": False})

    async def failed(self, key: str) -> float:
        """Settle a claimed attempt as a failure; the backoff (s) now in force."""
        doc = await self.coll.find_one_and_update(
            {"_id": key}, {"$inc": {"failures": 1}}, return_document=ReturnDocument.AFTER
        )
        failures = int(doc["failures"]) if doc else 1
        delay = self.policy.delay_s(failures)
        await self.coll.update_one(
            {"_id": key},
            {"$set": {"not_before": _now() + timedelta(seconds=delay), "in_flight": False}},
            upsert=True,
        )
        return delay

    async def succeeded(self, key: str) -> None:
        await self.coll.delete_one({"_id": key})

    async def release(self, key: str) -> None:
        """Give a claim back without counting it (the check could not run)."""
        await self.coll.update_one(
            {"_id": key, "in_flight": True}, {"$set": {"not_before": _now(), "in_flight": False}}
        )

    @staticmethod
    def _refuse(retry_after: int) -> None:
        err = TooManyRequests(
            "too many sign-in attempts for this account; wait and try again",
            code="login_throttled",
            details={"retry_after_s": retry_after},
        )
        err.headers = {"Retry-After": str(retry_after)}
        raise err
