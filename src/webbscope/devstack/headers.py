"""The security headers of the front door, read from nginx's own snippet
(deploy/nginx/snippets/security-headers.conf): one source for the CSP and its companions, so
`webbscope up` and the browser tests run the app under exactly what staging and production send.

nginx variables in the values are filled in per request as nginx fills them: `$ws_scheme` (ws
or wss, after the page's scheme), `$host`, `$ws_authority` (the Host the browser sent, port
included, when it is a plain name or address with an optional port; else the host name), and
`$hsts_header` (HSTS on HTTPS only; a header whose value is empty is not sent).
`$req_id` (X-Request-ID) is the backend's business here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SNIPPET = (
    Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "snippets" / "security-headers.conf"
)
_ADD_HEADER = re.compile(
    r'^\s*add_header\s+(\S+)\s+("(?:[^"\\]|\\.)*"|\S+)(?:\s+always)?\s*;', re.M
)
_HSTS = "max-age=31536000; includeSubDomains"
# A Host header that is a plain name or address with an optional port (as nginx's map checks).
_AUTHORITY = re.compile(r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


@cache
def nginx_headers(snippet: Path = SNIPPET) -> tuple[tuple[str, str], ...]:
    """(name, value template) for every `add_header` of the snippet, in order."""
    if not snippet.is_file():
        raise FileNotFoundError(
            f"{snippet} is missing: the front door takes its security headers from the nginx "
            "configuration of this repository"
        )
    out = []
    for name, raw in _ADD_HEADER.findall(snippet.read_text()):
        value = raw[1:-1] if raw.startswith('"') else raw
        out.append((name, value))
    return tuple(out)


def security_headers(scheme: str, host: str, snippet: Path = SNIPPET) -> dict[str, str]:
    """The headers nginx would send on a response to `scheme://host/` (`host` as the Host header
    gave it, port included)."""
    match = _AUTHORITY.fullmatch(host)
    name = match.group(1) if match else "localhost"
    values = {
        "$ws_scheme": "wss" if scheme == "https" else "ws",
        "$ws_authority": host if match else name,
        "$host": name,
        "$hsts_header": _HSTS if scheme == "https" else "",
    }
    out: dict[str, str] = {}
    for name, template in nginx_headers(snippet):
        if "$req_id" in template:
            continue
        value = template
        for var, replacement in values.items():
            value = value.replace(var, replacement)
        if "$" in value:
            raise ValueError(f"{snippet.name}: {name} uses an nginx variable the front door lacks")
        if value:
            out[name] = value
    return out
