"""Attacks on accounts (issue 12, items 2, 5, 6, 8): raced guesses, lockout as an oracle,
password-change guessing and hash floods, against a real stack."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.api import ApiUser, new_client, register, sign_in
from tests.support.cluster import start_cluster
from tests.support.stack import RunningStack

pytestmark = pytest.mark.integration


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def _guess(base: str, login: str, password: str = "wrong-password-1") -> httpx.Response:
    with new_client(base) as c:  # each guess from its own address: the per-address limit
        return c.post("/api/auth/login", json={"username": login, "password": password})


def test_parallel_guesses_cannot_all_reach_the_password_check(api_stack: RunningStack) -> None:
    """Before: the lock was read before the slow check and never again, so 24 parallel guesses
    were all checked. Now each is claimed first: at most the free failures are checked."""
    base = api_stack.url("backend")
    user = register(base, "raced", login=False)
    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(lambda _: _guess(base, user.username), range(24)))
    checked = [r for r in answers if r.status_code == 401]
    throttled = [r for r in answers if r.status_code == 429]
    assert len(checked) + len(throttled) == 24, [r.status_code for r in answers]
    assert 1 <= len(checked) <= 5  # LOGIN_MAX_FAILURES
    assert {code(r) for r in throttled} == {"login_throttled"}
    assert all(int(r.headers["retry-after"]) >= 1 for r in throttled)


def _five_failures_then_one(base: str, login: str) -> list[tuple[int, str, str]]:
    seen = []
    for _ in range(6):
        r = _guess(base, login)
        e = r.json()["error"]
        seen.append((r.status_code, e["code"], e["message"]))
    return seen


def test_unknown_and_throttled_accounts_answer_the_same(api_stack: RunningStack) -> None:
    """Before: only real accounts ever answered 403 `account_locked`, and the lock held even the
    right password out for 15 minutes. Now a name nobody has is throttled exactly like an
    account, and the owner gets in once the (short, doubling) backoff passes."""
    base = api_stack.url("backend")
    user = register(base, "backoff", login=False)
    real = _five_failures_then_one(base, user.username)
    throttled = _guess(base, user.username, user.password)
    ghost = _five_failures_then_one(base, f"ghost{uuid.uuid4().hex[:8]}")
    assert real == ghost
    assert [s for s, _, _ in real] == [401] * 5 + [429]
    assert real[-1][1] == "login_throttled"
    assert throttled.status_code == 429  # even the right password waits for the backoff
    wait = int(throttled.headers["retry-after"])
    assert wait <= 2  # a backoff, not a 15-minute lock

    time.sleep(wait + 0.2)  # (the ghost's run above took about as long)
    assert _guess(base, user.username, user.password).status_code == 200


def test_wrong_current_passwords_count_toward_the_throttle(api_stack: RunningStack) -> None:
    """Before: the password-change route verified guesses without limit or count."""
    user = register(api_stack.url("backend"), "changer")
    body = {"current_password": "not-my-password-1", "new_password": "a new long passphrase"}
    for _ in range(5):
        r = user.post("/api/users/me/password", json=body)
        assert r.status_code == 401 and code(r) == "invalid_credentials"
    # The account is now in backoff for sign-in too (the same key).
    r = user.client.post(
        "/api/auth/login", json={"username": user.username, "password": user.password}
    )
    assert r.status_code == 429 and code(r) == "login_throttled"
    # And the route itself is rate limited per account (5 a minute).
    again = user.post("/api/users/me/password", json=body)
    assert again.status_code == 429 and code(again) == "rate_limited"


def test_registration_conflicts_do_not_say_which_field(alice: ApiUser) -> None:
    base = str(alice.client.base_url)
    c = new_client(base)
    fresh = f"fresh{uuid.uuid4().hex[:8]}"
    by_name = c.post(
        "/api/auth/register",
        json={"username": alice.username, "email": f"{fresh}@example.org",
              "password": "a long enough passphrase"},
    )  # fmt: skip
    by_mail = c.post(
        "/api/auth/register",
        json={"username": fresh, "email": alice.email, "password": "a long enough passphrase"},
    )
    assert by_name.status_code == by_mail.status_code == 409
    assert by_name.json() == by_mail.json()
    assert code(by_name) == "registration_conflict"


@pytest.fixture(scope="module")
def one_hash_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A backend that checks one password at a time and lets none wait."""
    cluster = start_cluster(tmp_path_factory.mktemp("one-hash"))
    try:
        port = cluster.add_backend(PASSWORD_HASH_CONCURRENCY="1", PASSWORD_HASH_QUEUE="0")
        yield f"http://127.0.0.1:{port}"
    finally:
        cluster.stop()


def test_simultaneous_logins_beyond_the_hash_bound_are_refused_at_once(
    one_hash_backend: str,
) -> None:
    """Before: every log-in ran its 64 MiB hash at once in the thread pool."""
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(
                lambda n: _guess(one_hash_backend, f"nobody{n}-{secrets.token_hex(3)}"),
                range(12),
            )
        )
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {401, 503}, statuses
    busy = [r for r in answers if r.status_code == 503]
    assert busy, statuses
    assert {code(r) for r in busy} == {"busy"} and busy[0].headers["retry-after"] == "1"
    # After the burst, sign-in works as before.
    user = register(one_hash_backend, "calm", login=False)
    sign_in(user)


def test_bulk_share_resolves_names_only_for_an_owner(alice: ApiUser, bob: ApiUser) -> None:
    """Before: bulk share answered 422 `unknown_user` for a name nobody has, before looking at
    the records, so anyone could test names. Now a caller who owns none of the records gets the
    same answer whatever the names."""
    ids = ["0123456789abcdef01234567"]  # not bob's (nobody's)

    def share(name: str) -> httpx.Response:
        return bob.post("/api/records/bulk", json={"action": "share", "ids": ids, "users": [name]})

    real, ghost = share(alice.username), share(f"nobody{uuid.uuid4().hex[:6]}")
    assert real.status_code == ghost.status_code == 200, (real.text, ghost.text)
    assert real.json() == ghost.json()
    assert real.json()["succeeded"] == 0


def test_email_changes_are_throttled_and_answer_generically(alice: ApiUser, bob: ApiUser) -> None:
    """Before: PATCH /api/users/me answered `email_taken` without any limit."""
    taken = bob.patch("/api/users/me", json={"email": alice.email})
    assert taken.status_code == 409 and code(taken) == "email_unavailable"
    codes = []
    for n in range(25):
        r = bob.patch("/api/users/me", json={"email": f"probe{n}-{uuid.uuid4().hex[:6]}@x.org"})
        codes.append(r.status_code)
        if r.status_code == 429:
            assert code(r) == "rate_limited"
            break
    assert codes[-1] == 429 and len(codes) <= 21, codes
    # Other profile fields are not counted.
    assert bob.patch("/api/users/me", json={"display_name": "Bob"}).status_code == 200
