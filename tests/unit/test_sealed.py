"""Secrets sealed at rest (users' MAST API tokens) and the key that seals them."""

from __future__ import annotations

import pytest

from webbscope.auth import UnsealError, seal, unseal
from webbscope.settings import DEV_MAST_TOKEN_KEY, SettingsError, load_settings

KEY = "k" * 40


def test_a_sealed_secret_opens_with_its_key_only() -> None:
    sealed = seal("my-mast-token", KEY)
    assert "my-mast-token" not in sealed and seal("my-mast-token", KEY) != sealed  # random IV
    assert unseal(sealed, KEY) == "my-mast-token"
    with pytest.raises(UnsealError):
        unseal(sealed, "other-" + KEY)
    with pytest.raises(UnsealError):
        unseal(sealed[:-4] + "AAAA", KEY)


def test_the_key_comes_from_the_settings() -> None:
    assert load_settings(WEBBSCOPE_ENV="development").mast_token_secret == DEV_MAST_TOKEN_KEY
    prod = {
        "WEBBSCOPE_ENV": "production",
        "JWT_SECRET": "j" * 40,
        "INTERNAL_SERVICE_TOKEN": "s" * 40,
    }
    assert load_settings(**prod).mast_token_secret is None  # storing tokens is off
    assert load_settings(**prod, MAST_TOKEN_KEY=KEY).mast_token_secret == KEY
    with pytest.raises(SettingsError, match="MAST_TOKEN_KEY"):
        load_settings(**prod, MAST_TOKEN_KEY=DEV_MAST_TOKEN_KEY)
    with pytest.raises(SettingsError, match="MAST_TOKEN_KEY"):
        load_settings(**prod, MAST_TOKEN_KEY="short")
