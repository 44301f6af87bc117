"""The backend's own metrics: the job queue (read from the database at each scrape), hub
clients, library index lag and the tile cache (see services/common/metrics.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI
from prometheus_client.core import GaugeMetricFamily, Metric

from webbscope.jobs.registry import HANDLERS
from webbscope.services.common.metrics import cache_families, gauge

QUEUE_PREFIX = "job_queue."


@dataclass
class QueueSample:
    queued: dict[str, int] = field(default_factory=dict)
    oldest_s: dict[str, float] = field(default_factory=dict)
    running: dict[str, int] = field(default_factory=dict)
    index_lag_events: int = 0
    index_lag_s: float = 0.0


async def sample(app: FastAPI) -> None:
    """Read queue depth, age and running jobs per type, and how far the library index is
    behind the record event log (MongoDB and the development database alike)."""
    db = app.state.parts.db
    now = datetime.now(UTC)
    out = QueueSample()
    names = await db.db.list_collection_names()
    types = set(HANDLERS) | {n[len(QUEUE_PREFIX) :] for n in names if n.startswith(QUEUE_PREFIX)}
    for type_ in sorted(types):
        coll = db.collection(QUEUE_PREFIX + type_)
        out.queued[type_] = await coll.count_documents({})
        oldest = await coll.find_one({}, {"created_at": 1}, sort=[("created_at", 1)])
        age = (now - oldest["created_at"]).total_seconds() if oldest else 0.0
        out.oldest_s[type_] = max(0.0, age)
    running = Counter[str]()
    async for entry in db.collection("job_running").find({}, {"type": 1}):
        running[str(entry.get("type", "unknown"))] += 1
    out.running = {t: running.get(t, 0) for t in types | set(running)}
    index = getattr(app.state, "library", None)
    if index is not None:
        out.index_lag_events, out.index_lag_s = await index.lag()
    app.state.metric_sample = out


def families(app: FastAPI) -> Iterator[Metric]:
    s: QueueSample = getattr(app.state, "metric_sample", None) or QueueSample()
    queued = GaugeMetricFamily("webbscope_jobs_queued", "Jobs waiting, per type", labels=["type"])
    oldest = GaugeMetricFamily(
        "webbscope_jobs_queued_oldest_age_seconds",
        "Age of the oldest waiting job, per type (0 when none waits)",
        labels=["type"],
    )
    running = GaugeMetricFamily(
        "webbscope_jobs_running", "Jobs held by a worker, per type", labels=["type"]
    )
    for type_, n in sorted(s.queued.items()):
        queued.add_metric([type_], n)
        oldest.add_metric([type_], s.oldest_s.get(type_, 0.0))
    for type_, n in sorted(s.running.items()):
        running.add_metric([type_], n)
    yield from (queued, oldest, running)
    hub = getattr(app.state, "hub", None)
    yield gauge(
        "webbscope_hub_clients",
        "WebSocket clients connected to this replica's realtime hub",
        len(hub.clients) if hub is not None else 0,
    )
    yield gauge(
        "webbscope_library_index_lag_events",
        "Record events this replica's library index has not applied yet",
        s.index_lag_events,
    )
    yield gauge(
        "webbscope_library_index_lag_seconds",
        "Age of the oldest record event the library index has not applied (0 when caught up)",
        s.index_lag_s,
    )
    tile_cache = getattr(app.state, "tile_cache", None)
    if tile_cache is not None:
        yield from cache_families({"backend_tiles": tile_cache})
