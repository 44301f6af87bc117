"""Access tokens: a token verified once is not verified again, but its expiry is checked on
every use, and a changed token or another secret is verified afresh."""

from __future__ import annotations

import time

import pytest

from webbscope.auth import _tokens
from webbscope.auth._tokens import create_access_token, decode_access_token
from webbscope.errors import Unauthorized

SECRET = "s" * 40


def _code(token: str, secret: str = SECRET) -> str:
    with pytest.raises(Unauthorized) as err:
        decode_access_token(token, secret)
    return err.value.code


def test_a_verified_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token, ttl = create_access_token("u1", "user", 3, SECRET, 60)
    first = decode_access_token(token, SECRET)
    assert decode_access_token(token, SECRET) == first
    assert first.user_id == "u1" and first.session_version == 3
    later = time.time() + ttl + 1
    monkeypatch.setattr(_tokens.time, "time", lambda: later)
    assert _code(token) == "token_expired"


def test_a_changed_token_or_another_secret_is_refused() -> None:
    token, _ = create_access_token("u2", "admin", 0, SECRET, 60)
    decode_access_token(token, SECRET)
    head, payload, signature = token.split(".")
    forged = ".".join((head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]))
    assert _code(forged) == "invalid_token"
    assert _code(token, "t" * 40) == "invalid_token"
    assert _code("not.a.token") == "invalid_token"


def test_the_memory_of_verified_tokens_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tokens, "_VERIFIED_MAX", 3)
    for i in range(10):
        token, _ = create_access_token(f"u{i}", "user", 0, SECRET, 60)
        decode_access_token(token, SECRET)
        assert len(_tokens._VERIFIED) <= 3
