"""Exclusive access and MAST API tokens, as the archive enforces them.

A file in exclusive access downloads only with the `mast_token` cookie of a user on its
programme's team (what astroquery's `Observations.login(token=...)` sets): no token, or an
unknown one, is answered 401; a valid token of someone outside the team, 403.
`GET /whoami` says whom a token belongs to (`anon` true for no token or an unknown one).

The server knows two tokens (fixed, for tests and the offline stack): `TEAM_TOKEN`, of a member
of programme 4446's team, and `OUTSIDER_TOKEN`, of a user of no team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PUBLIC = "PUBLIC"
EXCLUSIVE_ACCESS = "EXCLUSIVE_ACCESS"
EXCLUSIVE_PROGRAM = "04446"
#: 2035-01-01: when the exclusive-access observation becomes public.
EXCLUSIVE_RELEASE_MJD = 64328.0
TOKEN_COOKIE = "mast_token"
TEAM_TOKEN = "webbscope-offline-archive-team-token-4446"
OUTSIDER_TOKEN = "webbscope-offline-archive-outsider-token"


@dataclass(frozen=True)
class Account:
    display_name: str
    programs: frozenset[str]


ACCOUNTS = {
    TEAM_TOKEN: Account("Webbscope Team Member", frozenset({str(int(EXCLUSIVE_PROGRAM))})),
    OUTSIDER_TOKEN: Account("Webbscope Outsider", frozenset()),
}


def session_info(token: str | None) -> dict[str, Any]:
    """The answer of `GET /whoami` for a token."""
    account = ACCOUNTS.get(token or "")
    if account is None:
        return {"anon": True, "attrib": {}, "ezid": "anonymous", "scopes": []}
    return {
        "anon": False,
        "attrib": {"display_name": account.display_name},
        "ezid": account.display_name.lower().replace(" ", "."),
        "scopes": ["mast:exclusive_access"],
    }


def denied(program: str | None, token: str | None) -> int | None:
    """The HTTP status refusing a file of `program` (None: public) to `token`, or None."""
    if program is None:
        return None
    account = ACCOUNTS.get(token or "")
    if account is None:
        return 401
    return None if program in account.programs else 403
