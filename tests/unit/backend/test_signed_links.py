"""Signed download links: valid until they expire, bound to one record and one file content."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from webbscope.errors import Forbidden
from webbscope.services.backend.signed_links import check_link, make_link, sign

SECRET = "s" * 40
RID = "0123456789abcdef01234567"
SHA = "a" * 64


def parts(url: str) -> tuple[int, str]:
    q = parse_qs(urlsplit(url).query)
    return int(q["expires"][0]), q["sig"][0]


def test_a_fresh_link_is_accepted_until_it_expires() -> None:
    url, expires = make_link(SECRET, RID, SHA, 300, now=1_000_000)
    assert url.startswith(f"/api/records/{RID}/file?") and expires == 1_000_300
    e, sig = parts(url)
    check_link(SECRET, RID, SHA, e, sig, now=1_000_299)
    with pytest.raises(Forbidden) as info:
        check_link(SECRET, RID, SHA, e, sig, now=1_000_301)
    assert info.value.code == "link_expired"


@pytest.mark.parametrize(
    "change",
    ["record", "sha", "expires", "sig", "secret"],
)
def test_forged_or_altered_links_are_refused(change: str) -> None:
    url, _ = make_link(SECRET, RID, SHA, 300, now=1_000_000)
    e, sig = parts(url)
    args = {"secret": SECRET, "record_id": RID, "sha256": SHA, "expires": e, "sig": sig}
    if change == "record":
        args["record_id"] = "f" * 24
    elif change == "sha":
        args["sha256"] = "b" * 64
    elif change == "expires":
        args["expires"] = e + 3600  # extending the expiry breaks the signature
    elif change == "sig":
        args["sig"] = sign("another secret", RID, SHA, e)
    else:
        args["secret"] = "t" * 40
    with pytest.raises(Forbidden) as info:
        check_link(**args, now=1_000_001)  # type: ignore[arg-type]
    assert info.value.code == "invalid_link"
