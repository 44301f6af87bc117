"""Accounts: registration, log-in, tokens, refresh rotation, lockout and rate limits."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest

from tests.support.api import PASSWORD, ApiUser, new_client, register, sign_in
from tests.support.cluster import start_cluster
from tests.support.stack import RunningStack
from webbscope.settings import DEV_JWT_SECRET

pytestmark = pytest.mark.integration


def err(r: httpx.Response) -> dict[str, object]:
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_register_returns_the_user_without_secrets(api_stack: RunningStack) -> None:
    c = new_client(api_stack.url("backend"))
    r = c.post(
        "/api/auth/register",
        json={
            "username": "ada_lovelace",
            "email": "ada@example.org",
            "password": PASSWORD,
            "display_name": "Ada",
            "organisation": "Analytical Engines",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["username"] == "ada_lovelace" and body["role"] == "user"
    assert "password" not in r.text and "hash" not in r.text
    again = c.post(
        "/api/auth/register",
        json={"username": "ADA_lovelace", "email": "x@example.org", "password": PASSWORD},
    )
    assert again.status_code == 409 and err(again)["code"] == "registration_conflict"
    same_mail = c.post(
        "/api/auth/register",
        json={"username": "someone_else", "email": "ADA@example.org", "password": PASSWORD},
    )
    assert same_mail.status_code == 409 and err(same_mail) == err(again)  # one answer for both


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "shorter than 12"),
        ("elevenchars", "shorter than 12"),
        ("password1234", "most common"),
        ("aaaaaaaaaaaa", "too few different"),
        ("xx-newuser42-xx", "contains the username"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    api_stack: RunningStack, password: str, reason: str
) -> None:
    c = new_client(api_stack.url("backend"))
    r = c.post(
        "/api/auth/register",
        json={"username": "newuser42", "email": "n42@example.org", "password": password},
    )
    assert r.status_code == 422
    e = err(r)
    assert e["code"] == "weak_password" and reason in str(e["message"])


@pytest.mark.parametrize(
    "body",
    [
        {"username": "../etc", "email": "a@example.org", "password": PASSWORD},
        {"username": "okname", "email": "not-an-email", "password": PASSWORD},
        {"username": "okname", "email": "a@example.org", "password": PASSWORD, "role": "admin"},
        {"username": "okname", "email": "a@example.org"},
    ],
)
def test_malformed_registrations_are_422(api_stack: RunningStack, body: dict[str, str]) -> None:
    r = new_client(api_stack.url("backend")).post("/api/auth/register", json=body)
    assert r.status_code == 422
    assert err(r)["code"] == "validation_error"


def test_login_by_username_or_email_sets_a_strict_refresh_cookie(alice: ApiUser) -> None:
    for login in (alice.username, alice.email.upper()):
        r = alice.client.post(
            "/api/auth/login", json={"username": login, "password": alice.password}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "bearer" and 60 <= body["expires_in"] <= 3600
        cookie = r.headers["set-cookie"]
        assert "webbscope_refresh=" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "Path=/api/auth" in cookie
        assert "secure" not in cookie.lower()  # a test stack (see the production one below)
    me = alice.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["username"] == alice.username


def test_wrong_password_and_unknown_user_look_the_same(alice: ApiUser) -> None:
    a = alice.client.post(
        "/api/auth/login", json={"username": alice.username, "password": "x" * 12}
    )
    b = alice.client.post("/api/auth/login", json={"username": "nobody-here", "password": "x" * 12})
    assert a.status_code == b.status_code == 401
    assert err(a)["message"] == err(b)["message"]


def test_login_is_rate_limited_per_address(api_stack: RunningStack) -> None:
    c = new_client(api_stack.url("backend"))
    codes: list[int] = []
    # Fixed one-minute windows: if the window turns over during the run, the count restarts,
    # so allow up to two windows' worth of requests.
    while 429 not in codes and len(codes) < 62:
        r = c.post("/api/auth/login", json={"username": f"ghost{len(codes)}", "password": "x" * 12})
        codes.append(r.status_code)
    assert 429 in codes
    first = codes.index(429)
    assert first >= 30 and set(codes[:first]) == {401}
    r = c.post("/api/auth/login", json={"username": "ghost", "password": "x" * 12})
    assert err(r)["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    other = new_client(api_stack.url("backend"))  # another address is not affected
    assert (
        other.post("/api/auth/login", json={"username": "g", "password": "x" * 12}).status_code
        == 401
    )


def test_registration_is_rate_limited_per_address(api_stack: RunningStack) -> None:
    c = new_client(api_stack.url("backend"))

    def attempt(n: int) -> httpx.Response:  # refused by the password policy, after the limiter
        name = f"flood{uuid.uuid4().hex[:8]}{n}"
        body = {"username": name, "email": f"{name}@example.org", "password": "password1"}
        return c.post("/api/auth/register", json=body)

    codes: list[int] = []
    while 429 not in codes and len(codes) < 62:  # two windows at most (see the login test)
        codes.append(attempt(len(codes)).status_code)
    assert 429 in codes
    first = codes.index(429)
    assert first >= 20 and set(codes[:first]) == {422}  # the account-lookup budget (20)
    r = attempt(99)
    assert r.status_code == 429
    assert err(r)["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    # Sign-in has a budget of its own, and another address is not affected.
    login = c.post("/api/auth/login", json={"username": "ghost", "password": "x" * 12})
    assert login.status_code == 401
    assert register(api_stack.url("backend"), "after").id


def test_admin_create_makes_a_first_administrator(api_stack: RunningStack) -> None:
    name = f"root{uuid.uuid4().hex[:8]}"
    args = ("create", "--username", name, "--email", f"{name}@example.org", "--password-stdin")
    made = api_stack.run_admin(*args, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert f"administrator {name} created" in made.stdout
    c = new_client(api_stack.url("backend"))
    r = c.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert c.get("/api/auth/me", headers=headers).json()["role"] == "admin"
    assert c.get("/api/users", headers=headers).status_code == 200
    # A taken name and a weak password are refused with a message and exit code 1.
    again = api_stack.run_admin(*args, stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "webbscope admin: that username is already" in again.stderr
    weak_name = f"weak{uuid.uuid4().hex[:8]}"
    weak = api_stack.run_admin(
        "create", "--username", weak_name, "--email", f"{weak_name}@example.org",
        "--password-stdin", stdin="password1\n",
    )  # fmt: skip
    assert weak.returncode == 1 and "webbscope admin:" in weak.stderr
    r = c.post("/api/auth/login", json={"username": weak_name, "password": "password1"})
    assert r.status_code == 401


@pytest.fixture(scope="module")
def production_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A backend as production runs it: WEBBSCOPE_ENV=production with real secrets."""
    cluster = start_cluster(tmp_path_factory.mktemp("production"))
    try:
        port = cluster.add_backend(
            WEBBSCOPE_ENV="production",
            JWT_SECRET=secrets.token_hex(32),
            INTERNAL_SERVICE_TOKEN=secrets.token_hex(32),
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        cluster.stop()


def test_the_refresh_cookie_is_secure_outside_development(production_backend: str) -> None:
    user = register(production_backend, "prod", login=False)
    r = user.client.post(
        "/api/auth/login", json={"username": user.username, "password": user.password}
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "webbscope_refresh=" in cookie and "HttpOnly" in cookie
    assert "; secure" in cookie.lower()
    # Clearing it on sign-out carries the same attributes.
    token = r.json()["access_token"]
    out = user.client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert "; secure" in out.headers.get("set-cookie", "").lower()


def _token(sub: str, **over: object) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "role": "user",
        "sv": 0,
        "iat": now,
        "exp": now + 600,
        "iss": "webbscope",
        "typ": "access",
    }
    claims.update(over)
    return jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256")


def _me(user: ApiUser, token: str) -> httpx.Response:
    return user.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_bad_tokens_are_401(alice: ApiUser) -> None:
    assert err(alice.client.get("/api/auth/me"))["code"] == "not_signed_in"
    expired = _token(alice.id, exp=int(time.time()) - 10)
    assert err(_me(alice, expired))["code"] == "token_expired"
    assert alice.token
    head, payload, sig = alice.token.split(".")
    tampered = f"{head}.{payload[:-2]}AA.{sig}"
    assert err(_me(alice, tampered))["code"] == "invalid_token"
    none_alg = jwt.encode(
        {
            "sub": alice.id,
            "exp": int(time.time()) + 600,
            "iss": "webbscope",
            "iat": int(time.time()),
            "typ": "access",
        },
        None,
        algorithm="none",
    )
    assert err(_me(alice, none_alg))["code"] == "invalid_token"
    other_key = jwt.encode(
        {
            "sub": alice.id,
            "exp": int(time.time()) + 600,
            "iss": "webbscope",
            "iat": int(time.time()),
            "typ": "access",
        },
        "k" * 40,
        algorithm="HS256",
    )
    assert err(_me(alice, other_key))["code"] == "invalid_token"
    assert _me(alice, "not.a.jwt").status_code == 401
    assert _me(alice, _token(alice.id)).status_code == 200  # a well-formed one passes


def test_refresh_rotates_and_reuse_revokes_the_family(alice: ApiUser) -> None:
    first = alice.client.cookies.get("webbscope_refresh", path="/api/auth")
    r = alice.client.post("/api/auth/refresh")
    assert r.status_code == 200, r.text
    second = alice.client.cookies.get("webbscope_refresh", path="/api/auth")
    assert second and second != first
    assert _me(alice, r.json()["access_token"]).status_code == 200
    # A thief replays the first (spent) token: the whole family is revoked.
    thief = httpx.Client(base_url=alice.client.base_url, headers=dict(alice.client.headers))
    thief.cookies.set("webbscope_refresh", str(first), path="/api/auth")
    replay = thief.post("/api/auth/refresh")
    assert replay.status_code == 401 and err(replay)["code"] == "refresh_token_reused"
    assert alice.client.post("/api/auth/refresh").status_code == 401


def test_logout_revokes_the_refresh_token(alice: ApiUser) -> None:
    cookie = alice.client.cookies.get("webbscope_refresh", path="/api/auth")
    assert cookie
    r = alice.client.post("/api/auth/logout")
    assert r.status_code == 204
    assert "webbscope_refresh=" in r.headers.get("set-cookie", "")
    kept = httpx.Client(base_url=alice.client.base_url, headers=dict(alice.client.headers))
    kept.cookies.set("webbscope_refresh", str(cookie), path="/api/auth")
    refused = kept.post("/api/auth/refresh")
    assert refused.status_code == 401 and err(refused)["code"] == "refresh_token_revoked"


def test_refresh_without_a_cookie_is_no_session_not_an_error(api_stack: RunningStack) -> None:
    """The app asks on every first load; a signed-out visitor must not see a failed request."""
    r = new_client(api_stack.url("backend")).post("/api/auth/refresh")
    assert r.status_code == 204
    assert r.content == b""
    assert "set-cookie" not in r.headers


def test_password_change_ends_other_sessions(alice: ApiUser) -> None:
    old_token = alice.token
    assert old_token
    wrong = alice.post(
        "/api/users/me/password",
        json={"current_password": "nope-nope-nope", "new_password": "a new long passphrase"},
    )
    assert wrong.status_code == 401
    weak = alice.post(
        "/api/users/me/password",
        json={"current_password": alice.password, "new_password": "password1"},
    )
    assert weak.status_code == 422 and err(weak)["code"] == "weak_password"
    r = alice.post(
        "/api/users/me/password",
        json={"current_password": alice.password, "new_password": "a new long passphrase"},
    )
    assert r.status_code == 200, r.text
    assert err(_me(alice, old_token))["code"] == "session_ended"
    assert _me(alice, r.json()["access_token"]).status_code == 200
    alice.password = "a new long passphrase"
    sign_in(alice)


def test_profile_update(alice: ApiUser) -> None:
    r = alice.patch("/api/users/me", json={"display_name": "Alice A.", "organisation": "STScI"})
    assert r.status_code == 200 and r.json()["display_name"] == "Alice A."
    assert alice.patch("/api/users/me", json={"role": "admin"}).status_code == 422


def test_admin_routes(admin: ApiUser, alice: ApiUser) -> None:
    assert alice.get("/api/users").status_code == 403
    listing = admin.get("/api/users", params={"limit": 200})
    assert listing.status_code == 200
    assert listing.json()["total"] >= 2
    assert admin.get("/api/users", params={"limit": 0}).status_code == 422
    promoted = admin.patch(f"/api/users/{alice.id}/role", json={"role": "admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert err(_me(alice, str(alice.token)))["code"] == "session_ended"  # role change
    sign_in(alice)
    assert alice.get("/api/users").status_code == 200
    disabled = admin.patch(f"/api/users/{alice.id}/disabled", json={"disabled": True})
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert alice.get("/api/auth/me").status_code == 401  # the disabled user's token
    r = alice.client.post(
        "/api/auth/login", json={"username": alice.username, "password": alice.password}
    )
    assert r.status_code == 403 and err(r)["code"] == "account_disabled"
    assert admin.patch("/api/users/nonsense/disabled", json={"disabled": True}).status_code == 422
