"""Point astroquery's MAST classes at one archive URL — the name resolver included — with
timeouts, and turn its exceptions into ours.

astroquery 0.4.x computes its request URLs (`PortalAPI.MAST_REQUEST_URL`, ...) from
`conf.server` at import time, and resolves names with a plain `requests.get` to a hard-coded
`http://mastresolver.stsci.edu/Santa-war/query` (no timeout). So:

- `ConfiguredObservations` (an `ObservationsClass`) sets those URLs as *instance* attributes
  of its own connections and mounts a default timeout on its own `requests` session;
- `astroquery.mast.utils._simple_request` (the resolver's — and `mast_relative_path`'s — only
  HTTP call) is replaced once, process-wide, by an equivalent that rewrites the hard-coded hosts
  to the redirect active for the current call (set per thread by `ConfiguredObservations`
  around the methods that resolve names) or to the process-wide one `configure_astroquery`
  sets, and applies a timeout. With neither, requests go where astroquery meant them to.
"""

from __future__ import annotations

import contextlib
import platform
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from astroquery.exceptions import InvalidQueryError, RemoteServiceError, ResolverError
from astroquery.mast import ObservationsClass
from astroquery.mast import utils as mast_utils
from astroquery.mast.discovery_portal import PortalAPI
from astroquery.mast.services import ServiceAPI
from requests.adapters import HTTPAdapter

from webbscope.errors import (
    BadRequest,
    NotFound,
    UpstreamError,
    UpstreamTimeout,
    WebbscopeError,
)

DEFAULT_SERVER_URL = "https://mast.stsci.edu"
#: Where the real archive's name resolver (SANTA) lives.
REAL_RESOLVER_URL = "https://mastresolver.stsci.edu/Santa-war/query"
RESOLVER_PATH = "/Santa-war/query"
#: The URLs astroquery hard-codes (prefixes), rewritten by the redirect.
_HARDCODED_RESOLVER = ("http://mastresolver.stsci.edu/Santa-war/query",)
_HARDCODED_SERVER = ("https://mast.stsci.edu", "http://mast.stsci.edu")

_PORTAL_PATHS = {
    "MAST_REQUEST_URL": "/api/v0/invoke",
    "COLUMNS_CONFIG_URL": "/portal/Mashup/Mashup.asmx/columnsconfig",
    "MAST_DOWNLOAD_URL": "/api/v0.1/Download/file",
    "MAST_BUNDLE_URL": "/api/v0.1/Download/bundle",
}
_CAOM_SERVICES = ("Mast.Caom.Cone", "Mast.Caom.Filtered", "Mast.Caom.Filtered.Position")
_SERVICE_PATHS = {
    "SERVICE_URL": "",
    "REQUEST_URL": "/api/v0.1/",
    "MISSIONS_DOWNLOAD_URL": "/search/",
    "MAST_DOWNLOAD_URL": "/api/v0.1/Download/file",
}


def normalise_server_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"the archive URL must start with http:// or https://, not {url!r}")
    return url


def resolver_url_for(server_url: str) -> str:
    """The name resolver that goes with an archive: the real one for the real archive,
    `{server_url}/Santa-war/query` for any other server speaking the protocol."""
    server_url = normalise_server_url(server_url)
    if server_url == DEFAULT_SERVER_URL:
        return REAL_RESOLVER_URL
    return server_url + RESOLVER_PATH


@dataclass(frozen=True)
class Redirect:
    """Where astroquery's hard-coded hosts go, and the timeout of those calls."""

    server_url: str
    resolver_url: str
    timeout_s: float

    def rewrite(self, url: str) -> str:
        for prefix in _HARDCODED_RESOLVER:
            if url.startswith(prefix):
                return self.resolver_url + url[len(prefix) :]
        for prefix in _HARDCODED_SERVER:
            if url.startswith(prefix):
                return self.server_url + url[len(prefix) :]
        return url


_active = threading.local()
_process_redirect: Redirect | None = None
_install_lock = threading.Lock()
_installed = False


def _current_redirect() -> Redirect | None:
    redirect: Redirect | None = getattr(_active, "redirect", None)
    return redirect or _process_redirect


def _simple_request(url: str, params: Any = None) -> requests.Response:
    """astroquery's `_simple_request`, redirected and with a timeout."""
    redirect = _current_redirect()
    timeout = redirect.timeout_s if redirect else 60.0
    if redirect is not None:
        url = redirect.rewrite(url)
    from astroquery.version import version

    headers = {
        "User-Agent": (
            f"astroquery/{version} Python/{platform.python_version()} ({platform.system()}) "
            f"{requests.utils.default_user_agent()}"
        ),
        "Content-type": "application/x-www-form-urlencoded",
        "Accept": "text/plain",
    }
    response = requests.get(url, params=params, headers=headers, timeout=timeout)
    response.raise_for_status()
    return response


def install_resolver_redirect() -> None:
    """Replace astroquery's `_simple_request` once (idempotent, thread-safe)."""
    global _installed
    with _install_lock:
        if not _installed:
            mast_utils._simple_request = _simple_request
            _installed = True


@contextlib.contextmanager
def redirected(redirect: Redirect) -> Iterator[None]:
    """Send astroquery's hard-coded resolver calls made by this thread to `redirect`."""
    install_resolver_redirect()
    previous = getattr(_active, "redirect", None)
    _active.redirect = redirect
    try:
        yield
    finally:
        _active.redirect = previous


class _TimeoutAdapter(HTTPAdapter):
    """Applies a default timeout to every request of a session (astroquery passes none)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(pool_connections=4, pool_maxsize=8)
        self._timeout_s = timeout_s

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout_s
        return super().send(request, *args, **kwargs)


def _point(obj: Any, paths: dict[str, str], server_url: str) -> None:
    for attr, path in paths.items():
        setattr(obj, attr, server_url + path)


class ConfiguredObservations(ObservationsClass):  # type: ignore[misc]
    """astroquery's `ObservationsClass` talking only to one archive, with timeouts.

    `timeout_s` bounds each HTTP request; `deadline_s` bounds one whole query (astroquery's
    EXECUTING polling and paging). Not thread-safe (astroquery keeps per-call state on the
    instance and its session): use one instance per thread.
    """

    def __init__(self, redirect: Redirect, *, deadline_s: float) -> None:
        super().__init__()
        self._redirect = redirect
        adapter = _TimeoutAdapter(redirect.timeout_s)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        _point(self._portal_api_connection, _PORTAL_PATHS, redirect.server_url)
        self._portal_api_connection.TIMEOUT = deadline_s
        _point(self._service_api_connection, _SERVICE_PATHS, redirect.server_url)
        install_resolver_redirect()

    @property
    def session(self) -> requests.Session:
        session: requests.Session = self._session
        return session

    def _parse_caom_criteria(self, **kwargs: Any) -> Any:
        # astroquery caches column configurations in a class-level dict, including the empty
        # one the archive answers on an error — which would break every later search of the
        # process. Forget empty ones so the next query fetches the configuration again.
        configs = self._portal_api_connection._column_configs
        for service in _CAOM_SERVICES:
            if service in configs and not configs.get(service):
                configs.pop(service, None)
        with redirected(self._redirect):
            return super()._parse_caom_criteria(**kwargs)

    def query_object_async(self, *args: Any, **kwargs: Any) -> Any:
        with redirected(self._redirect):
            return super().query_object_async(*args, **kwargs)

    def query_object_count(self, *args: Any, **kwargs: Any) -> Any:
        with redirected(self._redirect):
            return super().query_object_count(*args, **kwargs)

    def resolve_object(self, *args: Any, **kwargs: Any) -> Any:
        with redirected(self._redirect):
            return super().resolve_object(*args, **kwargs)


def configure_astroquery(
    server_url: str = DEFAULT_SERVER_URL,
    *,
    resolver_url: str | None = None,
    timeout_s: float = 60.0,
) -> None:
    """Point astroquery's own module-level objects (`astroquery.mast.Observations`, `Mast`, and
    any `PortalAPI` made later) at `server_url`, resolver included — for notebooks and scripts.
    `ArchiveClient` does not need it (it configures its own instances). Process-wide; calling
    it with the defaults restores the real archive."""
    global _process_redirect
    server_url = normalise_server_url(server_url)
    redirect = Redirect(server_url, resolver_url or resolver_url_for(server_url), timeout_s)
    install_resolver_redirect()
    _point(PortalAPI, _PORTAL_PATHS, server_url)
    _point(ServiceAPI, _SERVICE_PATHS, server_url)
    from astroquery.mast import Mast, Observations

    for singleton in (Observations, Mast):
        for attr in _PORTAL_PATHS:  # instance attributes would shadow the class ones
            singleton._portal_api_connection.__dict__.pop(attr, None)
        _point(singleton._service_api_connection, _SERVICE_PATHS, server_url)
    is_default = server_url == DEFAULT_SERVER_URL and resolver_url is None
    _process_redirect = None if is_default else redirect


def _archive_name(server_url: str) -> str:
    return "the MAST archive" + ("" if server_url == DEFAULT_SERVER_URL else f" at {server_url}")


@contextlib.contextmanager
def archive_errors(server_url: str, what: str, timeout_s: float) -> Iterator[None]:
    """Translate what astroquery and requests raise into the project's errors."""
    archive = _archive_name(server_url)
    details: dict[str, Any] = {"archive": server_url}
    try:
        yield
    except WebbscopeError:
        raise
    except (requests.Timeout, TimeoutError) as exc:
        raise UpstreamTimeout(
            f"{archive} did not answer {what} in time (limit {timeout_s:g} s)",
            code="archive_timeout",
            details={**details, "retryable": True},
        ) from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        raise UpstreamError(
            f"{archive} answered {what} with HTTP {status}",
            code="archive_error",
            details={
                **details,
                "http_status": status,
                "retryable": status is None or status >= 500 or status in (408, 429),
            },
        ) from exc
    except requests.ConnectionError as exc:
        raise UpstreamError(
            f"{archive} could not be reached for {what}: {type(exc).__name__}",
            code="archive_error",
            details={**details, "retryable": True},
        ) from exc
    except RemoteServiceError as exc:
        raise UpstreamError(
            f"{archive} reported an error for {what}: {exc}",
            code="archive_error",
            details={**details, "retryable": False},
        ) from exc
    except ResolverError as exc:
        raise NotFound(str(exc), code="target_not_resolved", details=details) from exc
    except InvalidQueryError as exc:
        raise BadRequest(f"invalid archive query: {exc}", code="invalid_archive_query") from exc
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise UpstreamError(
            f"{archive} gave an answer to {what} that could not be read: {exc}",
            code="archive_error",
            details={**details, "retryable": False},
        ) from exc
