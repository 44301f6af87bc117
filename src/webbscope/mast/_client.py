"""`ArchiveClient`: JWST searches, product lists and downloads against one MAST archive."""

from __future__ import annotations

import math
import threading
from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from typing import Any

import astropy.units as u
import httpx
from astropy.coordinates import SkyCoord
from astroquery.mast import utils as mast_utils

from webbscope.caches import TTLCache
from webbscope.errors import BadRequest, UpstreamError, UpstreamTimeout
from webbscope.mast._astroquery import (
    DEFAULT_SERVER_URL,
    ConfiguredObservations,
    Redirect,
    archive_errors,
    normalise_server_url,
    redirected,
    resolver_url_for,
)
from webbscope.mast._download import Downloader, RemoteFile, token_cookies
from webbscope.mast._models import (
    ArchiveObservation,
    ArchiveProduct,
    SearchFilters,
    SearchPage,
    SearchQuery,
    normalise_proposal_id,
)
from webbscope.mast._normalise import download_url, observation_from_row, product_from_row

_FAR_FUTURE_MJD = 100_000.0  # 2132
_PRODUCTS_BATCH = 50
SESSION_INFO_PATH = "/whoami"


def criteria_for(query: SearchQuery, centre: tuple[float, float] | None = None) -> dict[str, Any]:
    """The astroquery `query_criteria` keywords for a search (JWST always; filters)."""
    criteria: dict[str, Any] = {"obs_collection": "JWST"}
    f = query.filters
    if f.instrument:
        criteria["instrument_name"] = f.instrument if "/" in f.instrument else f"{f.instrument}*"
    if f.filter:
        criteria["filters"] = [f.filter]
    if f.calib_level:
        criteria["calib_level"] = [str(level) for level in f.calib_level]
    if f.product_type:
        criteria["dataproduct_type"] = list(f.product_type)
    if f.start_mjd is not None:
        criteria["t_max"] = [f.start_mjd, _FAR_FUTURE_MJD]
    if f.end_mjd is not None:
        criteria["t_min"] = [0.0, f.end_mjd]
    if query.mode == "program":
        criteria["proposal_id"] = normalise_proposal_id(str(query.proposal_id))
    elif query.mode == "observation":
        criteria["obs_id"] = str(query.obs_id).strip()
    elif centre is not None:
        criteria["coordinates"] = SkyCoord(centre[0], centre[1], unit="deg", frame="icrs")
        criteria["radius"] = query.radius_deg * u.deg
    return criteria


def _rows(responses: Sequence[Any]) -> list[dict[str, Any]]:
    """The data rows of astroquery's raw responses (an ERROR status raises)."""
    from astroquery.exceptions import RemoteServiceError

    rows: list[dict[str, Any]] = []
    for response in responses:
        result = response.json()
        if result.get("status") == "ERROR":
            raise RemoteServiceError(result.get("msg") or "there was an error with the request")
        if result.get("status") != "COMPLETE":
            raise RemoteServiceError(f"unexpected status {result.get('status')!r}")
        rows.extend(result.get("data") or [])
    return rows


class ArchiveClient:
    """JWST searches, product lists and downloads against one server speaking the MAST
    protocol — the real archive by default (`MAST_SERVER_URL`).

    Everything goes to `server_url`: the Portal API (column configuration, invoke), downloads,
    and the name resolver (`resolver_url_for(server_url)`: the real resolver host for the real
    archive, `{server_url}/Santa-war/query` otherwise; override with `resolver_url`).

    Sync, like astroquery: call it from worker threads (e.g. `anyio.to_thread.run_sync`). It is
    thread-safe: each thread gets its own astroquery instance and session; the search cache
    and the download client are shared. `timeout_s` bounds every HTTP request; `deadline_s`
    (default 4 x timeout) bounds one astroquery query including EXECUTING polling and paging.
    Identical searches (and product lists, and resolved names) are cached for `cache_ttl_s`
    in this process only — each replica has its own cache.

    `mast_token` is a user's MAST API token, sent with downloads as astroquery's
    `Observations.login(token=...)` sends it (the `mast_token` cookie): give one only to a
    client that downloads for that user alone.
    """

    def __init__(
        self,
        server_url: str = DEFAULT_SERVER_URL,
        timeout_s: float = 30.0,
        *,
        resolver_url: str | None = None,
        deadline_s: float | None = None,
        cache_ttl_s: float = 300.0,
        cache_max_entries: int = 512,
        mast_token: str | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.server_url = normalise_server_url(server_url)
        self.resolver_url = resolver_url or resolver_url_for(self.server_url)
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s if deadline_s is not None else 4 * timeout_s
        self._redirect = Redirect(self.server_url, self.resolver_url, timeout_s)
        self._cache: TTLCache[str, Any] = TTLCache(cache_ttl_s, cache_max_entries)
        self._local = threading.local()
        self._instances: list[ConfiguredObservations] = []
        self._lock = threading.Lock()
        self._downloader = Downloader(self.server_url, timeout_s, mast_token)

    # -- astroquery ---------------------------------------------------------------------------

    def observations(self) -> ConfiguredObservations:
        """This thread's astroquery `ObservationsClass`, configured for this archive (all of
        astroquery's API works on it: `query_criteria`, `query_object`, `download_products`...)."""
        obs: ConfiguredObservations | None = getattr(self._local, "observations", None)
        if obs is None:
            obs = ConfiguredObservations(self._redirect, deadline_s=self.deadline_s)
            self._local.observations = obs
            with self._lock:
                self._instances.append(obs)
        return obs

    def _errors(self, what: str) -> Any:
        return archive_errors(self.server_url, what, self.timeout_s)

    # -- searches -----------------------------------------------------------------------------

    def resolve(self, name: str) -> tuple[float, float]:
        """(ra, dec) in degrees of a target name, from the archive's resolver (cached).

        Raises `NotFound` (code `target_not_resolved`) when the resolver does not know it."""
        name = " ".join(name.split())
        if not name:
            raise BadRequest("a target name is required")
        key = "resolve:" + name.lower()
        cached: tuple[float, float] | None = self._cache.get(key)
        if cached is not None:
            return cached
        with self._errors(f"the name resolution of {name!r}"), redirected(self._redirect):
            coord = mast_utils.resolve_object(name)
        centre = (float(coord.ra.deg), float(coord.dec.deg))
        self._cache.set(key, centre)
        return centre

    def search(self, query: SearchQuery) -> SearchPage:
        """One page of JWST observations matching `query`, with the exact total (cached)."""
        key = "search:" + query.cache_key()
        cached: SearchPage | None = self._cache.get(key)
        if cached is not None:
            return cached
        centre: tuple[float, float] | None = None
        if query.mode == "target":
            centre = self.resolve(str(query.name))
        elif query.mode == "coordinates":
            centre = (float(query.ra or 0.0), float(query.dec or 0.0))
        criteria = criteria_for(query, centre)
        obs = self.observations()
        with self._errors(f"a {query.mode} search"):
            responses = obs.query_criteria_async(
                page=query.page, pagesize=query.page_size, **criteria
            )
            rows = _rows(responses)
            if 0 < len(rows) < query.page_size:  # a partial page: the total follows exactly
                total = (query.page - 1) * query.page_size + len(rows)
            else:
                total = int(obs.query_criteria_count(**criteria))
        if len(rows) > query.page_size:
            raise UpstreamError(
                f"the MAST archive at {self.server_url} returned more rows than the page size",
                code="archive_error",
            )
        try:
            items = [observation_from_row(r, self.server_url) for r in rows]
        except ValueError as exc:
            raise UpstreamError(
                f"the MAST archive at {self.server_url} returned an unreadable row: {exc}",
                code="archive_error",
            ) from exc
        for item in items:  # known observations: what previews may be fetched for
            self._cache.set("obs:" + item.obsid, item)
        page = SearchPage(
            items=items,
            total=total,
            page=query.page,
            page_size=query.page_size,
            pages=math.ceil(total / query.page_size),
            centre=centre,
        )
        self._cache.set(key, page)
        return page

    def search_target(
        self,
        name: str,
        radius_deg: float = 0.2,
        filters: SearchFilters | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> SearchPage:
        """Observations within `radius_deg` (a true cone) of a resolved target name."""
        return self.search(
            SearchQuery(
                mode="target",
                name=name,
                radius_deg=radius_deg,
                filters=filters or SearchFilters(),
                page=page,
                page_size=page_size,
            )
        )

    def search_coordinates(
        self,
        ra: float,
        dec: float,
        radius_deg: float = 0.2,
        filters: SearchFilters | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> SearchPage:
        """Observations within `radius_deg` (a true cone) of (ra, dec), degrees ICRS."""
        return self.search(
            SearchQuery(
                mode="coordinates",
                ra=ra % 360.0,
                dec=dec,
                radius_deg=radius_deg,
                filters=filters or SearchFilters(),
                page=page,
                page_size=page_size,
            )
        )

    def search_program(
        self,
        proposal_id: str,
        filters: SearchFilters | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> SearchPage:
        """Observations of one JWST programme ('2731' or '02731')."""
        return self.search(
            SearchQuery(
                mode="program",
                proposal_id=proposal_id,
                filters=filters or SearchFilters(),
                page=page,
                page_size=page_size,
            )
        )

    def search_observation(
        self,
        obs_id: str,
        filters: SearchFilters | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> SearchPage:
        """Observations by obs_id (exact; `*` is a wildcard, e.g. 'jw02731-o001*')."""
        return self.search(
            SearchQuery(
                mode="observation",
                obs_id=obs_id,
                filters=filters or SearchFilters(),
                page=page,
                page_size=page_size,
            )
        )

    def observations_by_obsid(self, obsids: Sequence[str]) -> dict[str, ArchiveObservation]:
        """The observations of these `obsid`s that the archive knows (cached; searches fill
        the cache too)."""
        ids = list(dict.fromkeys(str(i).strip() for i in obsids if str(i).strip()))
        found: dict[str, ArchiveObservation] = {}
        missing = []
        for obsid in ids:
            cached: ArchiveObservation | None = self._cache.get("obs:" + obsid)
            if cached is not None:
                found[obsid] = cached
            else:
                missing.append(obsid)
        if missing:
            obs = self.observations()
            with self._errors("an observation lookup"):
                rows = _rows(
                    obs.query_criteria_async(
                        obs_collection="JWST", obsid=missing, pagesize=len(missing), page=1
                    )
                )
            try:
                items = [observation_from_row(r, self.server_url, distance=False) for r in rows]
            except ValueError as exc:
                raise UpstreamError(
                    f"the MAST archive at {self.server_url} returned an unreadable row: {exc}",
                    code="archive_error",
                ) from exc
            for item in items:
                if item.obsid in missing:
                    self._cache.set("obs:" + item.obsid, item)
                    found[item.obsid] = item
        return found

    # -- products -----------------------------------------------------------------------------

    def list_products(
        self,
        obsids: Sequence[str],
        *,
        recommended_only: bool = False,
        product_types: Collection[str] | None = None,
        subgroups: Collection[str] | None = None,
    ) -> list[ArchiveProduct]:
        """The products of observations given by `obsid` (the numeric ids, not `obs_id`).

        A level-3 observation's list includes its level-2 members' science products
        (`parent_obsid` = the level-3 obsid, `obsid` = the member's): that is its lineage.
        `recommended_only` keeps the archive's Minimum Recommended Products; `product_types`
        (SCIENCE, PREVIEW, AUXILIARY, ...) and `subgroups` (i2d, cal, ...) filter further."""
        ids = list(dict.fromkeys(str(i).strip() for i in obsids if str(i).strip()))
        if not ids:
            raise BadRequest("at least one observation id (obsid) is required")
        key = "products:" + ",".join(sorted(ids))
        products: list[ArchiveProduct] | None = self._cache.get(key)
        if products is None:
            obs = self.observations()
            rows: list[dict[str, Any]] = []
            with self._errors("a product list request"):
                for i in range(0, len(ids), _PRODUCTS_BATCH):
                    rows += _rows(obs.get_product_list_async(ids[i : i + _PRODUCTS_BATCH]))
            try:
                normalised = [product_from_row(r, self.server_url) for r in rows]
            except ValueError as exc:
                raise UpstreamError(
                    f"the MAST archive at {self.server_url} returned an unreadable product: {exc}",
                    code="archive_error",
                ) from exc
            unique = {(p.parent_obsid, p.data_uri): p for p in normalised}
            products = list(unique.values())
            self._cache.set(key, products)
        types = {t.upper() for t in product_types} if product_types else None
        groups = {s.lower() for s in subgroups} if subgroups else None
        return [
            p
            for p in products
            if (not recommended_only or p.recommended)
            and (types is None or p.product_type in types)
            and (groups is None or (p.subgroup or "") in groups)
        ]

    # -- MAST API tokens ------------------------------------------------------------------

    def session_info(self, token: str) -> dict[str, Any]:
        """What the archive says about a MAST API token (`GET {server}/whoami` with the token
        cookie, as astroquery's `Observations.login` checks it): `anon` is false for a
        token it accepts, and `attrib.display_name` names its owner."""
        url = self.server_url + SESSION_INFO_PATH
        try:
            with httpx.Client(
                timeout=self.timeout_s, cookies=token_cookies(self.server_url, token)
            ) as http:
                response = http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                info = response.json()
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"the MAST archive at {self.server_url} did not answer the token check in time",
                code="archive_timeout",
            ) from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise UpstreamError(
                f"the MAST archive at {self.server_url} could not check the token: "
                f"{type(exc).__name__}",
                code="archive_error",
            ) from exc
        if not isinstance(info, dict) or "anon" not in info:
            raise UpstreamError(
                f"the MAST archive at {self.server_url} answered the token check unreadably",
                code="archive_error",
            )
        return info

    # -- downloads ----------------------------------------------------------------------------

    def download_url(self, data_uri: str) -> str:
        """The URL a `mast:` data URI downloads from."""
        return download_url(self.server_url, data_uri)

    def head(self, url: str) -> RemoteFile:
        """Size (and checksum, if the archive sends one) of a file."""
        return self._downloader.head(url)

    def download_range(self, url: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes `[start, end)` of a file (`end=None`: to its end), streamed. Raises
        `DownloadInterrupted` (with `.received`) if the transfer stops early: resume from
        `start + received`."""
        return self._downloader.download_range(url, start, end)

    async def ahead(self, url: str) -> RemoteFile:
        return await self._downloader.ahead(url)

    def adownload_range(
        self, url: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """`download_range` for an event loop (its client belongs to the first loop using it)."""
        return self._downloader.adownload_range(url, start, end)

    # -- lifecycle ----------------------------------------------------------------------------

    def clear_cache(self) -> None:
        self._cache.clear()

    def close(self) -> None:
        self._downloader.close()
        with self._lock:
            for obs in self._instances:
                obs.session.close()
            self._instances.clear()

    async def aclose(self) -> None:
        await self._downloader.aclose()
        self.close()

    def __enter__(self) -> ArchiveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
