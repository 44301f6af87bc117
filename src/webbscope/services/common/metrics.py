"""`/metrics` on every service: Prometheus text format, internal only.

What is measured:

- every service: request latency per route *template* (`/api/records/{record_id}`, never the
  raw path, so the series stay few), by method and status;
- backend: job queue depth and the age of the oldest queued job per type, running jobs per type
  (read from the database when scraped), realtime hub clients, library index lag, and the hit
  ratio of its tile cache;
- engine: render-gate occupancy (running, waiting, capacity) and its 429s, tile, view and file
  cache hits and misses;
- mast: bytes downloaded by import jobs (`rate()` gives bytes per second).

Who may read it: `/metrics` sits outside `/api`, so neither nginx nor the Kubernetes Ingress
(which route only `/api` and `/hubs`) can reach it. With `METRICS_TOKEN` set, a scrape must send
`Authorization: Bearer <METRICS_TOKEN>`; without it `/metrics` is open in development and test and
answers 404 everywhere else. The token is for Prometheus only: it grants nothing but metrics.

A service run with several uvicorn workers (mast in Compose) shares its metrics through
`PROMETHEUS_MULTIPROC_DIR`, which `webbscope serve --workers N` sets up.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webbscope.errors import NotFound, Unauthorized

#: Set by a layer that answers before routing (the backend's tile fast path).
ROUTE_SCOPE_KEY = "webbscope.route"
UNMATCHED = "<unmatched>"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "webbscope_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
)
IMPORT_BYTES = Counter(
    "webbscope_import_bytes",
    "Bytes downloaded from the archive by import jobs",
)

Sampler = Callable[[FastAPI], Awaitable[None]]
Families = Callable[[FastAPI], Iterable[Metric]]


def route_of(scope: Scope) -> str:
    """The route template that served the request (after routing), else `<unmatched>`."""
    named = scope.get(ROUTE_SCOPE_KEY)
    if named:
        return str(named)
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class MetricsMiddleware:
    """Observe each HTTP request's duration under its route template (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = route_of(scope)
            if route != "/metrics":
                REQUEST_SECONDS.labels(route, scope["method"], str(status)).observe(
                    time.perf_counter() - start
                )


class StateCollector(Collector):
    """Metrics read from a running app's state when scraped (`families(app)`)."""

    def __init__(self, app: FastAPI, families: Families) -> None:
        self.app = app
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families(self.app)


def gauge(name: str, doc: str, value: float, **labels: str) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


def cache_families(caches: dict[str, Any]) -> Iterator[Metric]:
    """Hits, misses and evictions of named caches (each with a `stats` CacheStats)."""
    hits = CounterMetricFamily("webbscope_cache_hits", "Cache lookups that hit", labels=["cache"])
    misses = CounterMetricFamily(
        "webbscope_cache_misses", "Cache lookups that missed", labels=["cache"]
    )
    for name, cache in caches.items():
        hits.add_metric([name], cache.stats.hits)
        misses.add_metric([name], cache.stats.misses)
    yield hits
    yield misses


def _authorised(request: Request) -> None:
    settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not token:
        if settings.is_development:
            return
        raise NotFound("metrics are disabled: set METRICS_TOKEN", code="metrics_disabled")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("metrics need the METRICS_TOKEN bearer token", code="metrics_token")


def _base_registry() -> CollectorRegistry:
    """The process's registry, or every worker's metrics when several share the service."""
    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def install_metrics(
    app: FastAPI,
    families: Families | None = None,
    sample: Sampler | None = None,
) -> None:
    """Add the middleware and `/metrics` to `app`. `families(app)` yields the service's own
    metrics at scrape time; `sample(app)` first refreshes what needs the database."""
    app.add_middleware(MetricsMiddleware)
    own = CollectorRegistry(auto_describe=False)
    if families is not None:
        own.register(StateCollector(app, families))
    router = APIRouter(tags=["health"])

    @router.get(
        "/metrics",
        summary="Prometheus metrics (internal: Bearer METRICS_TOKEN; never proxied)",
        response_class=Response,
        include_in_schema=False,  # not part of the public API (nor of its typed client)
    )
    async def metrics(request: Request) -> Response:
        _authorised(request)
        if sample is not None:
            await sample(request.app)
        body = generate_latest(_base_registry()) + generate_latest(own)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
