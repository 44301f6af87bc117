"""The engine's own metrics: render-gate occupancy and refusals, and its caches' hits and
misses (see services/common/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client.core import CounterMetricFamily, Metric

from webbscope.services.common.metrics import cache_families, gauge


def families(app: FastAPI) -> Iterator[Metric]:
    viewer = getattr(app.state, "viewer", None)
    if viewer is None:
        return
    gate = viewer.gate
    yield gauge("webbscope_render_gate_running", "Renders running now", gate.running)
    yield gauge("webbscope_render_gate_waiting", "Renders waiting for a slot", gate.waiting)
    yield gauge(
        "webbscope_render_gate_capacity", "Render slots (RENDER_CONCURRENCY)", gate.concurrency
    )
    yield gauge("webbscope_render_gate_queue", "Waiting places (RENDER_QUEUE)", gate.queue)
    rejected = CounterMetricFamily(
        "webbscope_render_rejected", "Renders refused with 429 (gate and queue full)"
    )
    rejected.add_metric([], gate.rejected)
    yield rejected
    yield from cache_families(
        {"engine_tiles": viewer.tiles.memory, "engine_views": viewer.views.cache}
    )
