"""Signed download links: valid until they expire, bound to one record, one file content and
the account they were issued to."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from webbscope.errors import Forbidden
from webbscope.services.backend.signed_links import check_link, make_link, sign

SECRET = "s" * 40
RID = "0123456789abcdef01234567"
SHA = "a" * 64
ACCOUNT = "fedcba9876543210fedcba98"


def parts(url: str) -> tuple[int, str]:
    q = parse_qs(urlsplit(url).query)
    return int(q["expires"][0]), q["sig"][0]


def test_a_fresh_link_is_accepted_until_it_expires() -> None:
    url, expires = make_link(SECRET, RID, SHA, ACCOUNT, 300, now=1_000_000)
    assert url.startswith(f"/api/records/{RID}/file?") and expires == 1_000_300
    q = parse_qs(urlsplit(url).query)
    assert q["sha256"] == [SHA] and q["account"] == [ACCOUNT]
    e, sig = parts(url)
    check_link(SECRET, RID, SHA, ACCOUNT, e, sig, now=1_000_299)
    with pytest.raises(Forbidden) as info:
        check_link(SECRET, RID, SHA, ACCOUNT, e, sig, now=1_000_301)
    assert info.value.code == "link_expired"


def test_a_link_issued_without_an_account_names_none() -> None:
    url, _ = make_link(SECRET, RID, SHA, "", 300, now=1_000_000)
    assert "account" not in parse_qs(urlsplit(url).query)
    e, sig = parts(url)
    check_link(SECRET, RID, SHA, "", e, sig, now=1_000_001)
    with pytest.raises(Forbidden) as info:  # an account cannot be added to it
        check_link(SECRET, RID, SHA, ACCOUNT, e, sig, now=1_000_001)
    assert info.value.code == "invalid_link"


@pytest.mark.parametrize(
    "change",
    ["record", "sha", "account", "expires", "sig", "secret"],
)
def test_forged_or_altered_links_are_refused(change: str) -> None:
    url, _ = make_link(SECRET, RID, SHA, ACCOUNT, 300, now=1_000_000)
    e, sig = parts(url)
    args = {
        "secret": SECRET,
        "record_id": RID,
        "sha256": SHA,
        "account": ACCOUNT,
        "expires": e,
        "sig": sig,
    }
    if change == "record":
        args["record_id"] = "f" * 24
    elif change == "sha":
        args["sha256"] = "b" * 64
    elif change == "account":
        args["account"] = "0" * 24  # a link cannot be handed to another account
    elif change == "expires":
        args["expires"] = e + 3600  # extending the expiry breaks the signature
    elif change == "sig":
        args["sig"] = sign("another secret", RID, SHA, ACCOUNT, e)
    else:
        args["secret"] = "t" * 40
    with pytest.raises(Forbidden) as info:
        check_link(**args, now=1_000_001)  # type: ignore[arg-type]
    assert info.value.code == "invalid_link"
