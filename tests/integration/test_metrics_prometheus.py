"""Debian's Prometheus scrapes a running local stack (`webbscope up`) with the metrics token,
and its queries return the series the dashboard (deploy/grafana) is built on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.api import register
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.prometheus import Prometheus, start_prometheus
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

TOKEN = "metrics-token-for-the-test-0123456789abcdef"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    s = start_stack(tmp_path_factory.mktemp("metrics-stack"), env={"METRICS_TOKEN": TOKEN})
    yield s
    stop_stack(s)


@pytest.fixture(scope="module")
def prometheus(
    stack: RunningStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prometheus]:
    targets = {s: [f"127.0.0.1:{stack.ports[s]}"] for s in ("backend", "engine", "mast")}
    prom = start_prometheus(tmp_path_factory.mktemp("prometheus"), targets, bearer_token=TOKEN)
    yield prom
    prom.stop()


def _value(prom: Prometheus, promql: str) -> list[tuple[dict[str, str], float]]:
    return [(r["metric"], float(r["value"][1])) for r in prom.query(promql)]


def _some(prom: Prometheus, promql: str) -> list[tuple[dict[str, str], float]]:
    """The query's result once it has one (rates need two scrapes)."""
    return eventually(lambda: _value(prom, promql), bool, 30)


def test_metrics_need_the_token_and_are_not_public(stack: RunningStack) -> None:
    for service in ("backend", "engine", "mast"):
        assert httpx.get(stack.url(service, "/metrics")).status_code == 401
        ok = httpx.get(stack.url(service, "/metrics"), headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and "webbscope_http_request_duration_seconds" in ok.text
    # Not under the public /api path (nginx and the Ingress route only /api and /hubs; the
    # nginx replica test checks /metrics through nginx).
    api = httpx.get(
        stack.url("backend", "/api/metrics"), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert api.status_code == 404


def test_prometheus_scrapes_every_service_and_queries_answer(
    stack: RunningStack, prometheus: Prometheus, tmp_path: Path
) -> None:
    user = register(stack.url("backend"), "metrics")
    image = write_image(tmp_path / "m_i2d.fits", gradient(300, 300), header=sky_header(300, 300))
    added = user.upload(image)
    assert added.status_code == 201, added.text
    record_id = added.json()["items"][0]["record"]["id"]
    for _ in range(2):  # the second one is a backend tile-cache hit
        assert user.get(f"/api/records/{record_id}/tiles/0/0/0.png").status_code == 200
    with connect(f"ws://127.0.0.1:{stack.ports['backend']}/hubs/jobs") as ws:
        ws.send(json.dumps({"type": "auth", "token": user.token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"

        up = eventually(
            lambda: _value(prometheus, "up"),
            lambda v: len(v) == 3 and all(x == 1 for _, x in v),
            60,
        )
        assert {m["job"] for m, _ in up} == {"backend", "engine", "mast"}
        clients = eventually(
            lambda: _value(prometheus, 'webbscope_hub_clients{job="backend"}'),
            lambda v: bool(v) and v[0][1] == 1,
            30,
        )
        assert clients

    routes = eventually(
        lambda: _value(
            prometheus,
            'sum by (route) (webbscope_http_request_duration_seconds_count{job="backend"})',
        ),
        lambda v: (
            "/api/records/{record_id}/tiles/{level}/{x}/{y}.{fmt}" in {m.get("route") for m, _ in v}
        ),
        30,
    )
    names = {m["route"] for m, _ in routes}
    assert "/api/auth/login" in names and "/api/records" in names
    assert not any(record_id in n for n in names)  # templates, never raw paths
    assert _some(
        prometheus,
        "histogram_quantile(0.9, sum by (le) "
        '(rate(webbscope_http_request_duration_seconds_bucket{job="backend"}[1m])))',
    )

    # The engine rendered the tile (through its gate) and reports the gate.
    capacity = _value(prometheus, 'webbscope_render_gate_capacity{job="engine"}')
    assert capacity and capacity[0][1] == 2
    assert _value(prometheus, 'webbscope_render_rejected_total{job="engine"}')
    engine_routes = _value(
        prometheus, 'sum by (route) (webbscope_http_request_duration_seconds_count{job="engine"})'
    )
    assert any("tiles" in m["route"] for m, _ in engine_routes)

    # The job queue by type (the upload queued a thumbnail job), running jobs, import bytes.
    queued = eventually(
        lambda: _value(prometheus, 'webbscope_jobs_queued{job="backend"}'),
        lambda v: {"thumbnail", "import"} <= {m["type"] for m, _ in v},
        30,
    )
    assert all(x >= 0 for _, x in queued)
    assert _value(prometheus, 'webbscope_jobs_queued_oldest_age_seconds{type="thumbnail"}')
    assert _value(prometheus, "webbscope_jobs_running") is not None
    assert _some(prometheus, 'rate(webbscope_import_bytes_total{job="mast"}[1m])')
    # Cache hit ratio of the backend's tile cache: one miss, then a hit.
    ratio = eventually(
        lambda: _value(
            prometheus,
            'webbscope_cache_hits_total{cache="backend_tiles"} / ignoring() '
            '(webbscope_cache_hits_total{cache="backend_tiles"} '
            '+ webbscope_cache_misses_total{cache="backend_tiles"})',
        ),
        lambda v: bool(v) and 0 < v[0][1] < 1,
        30,
    )
    assert ratio
    lag = _value(prometheus, 'webbscope_library_index_lag_seconds{job="backend"}')
    assert lag and lag[0][1] >= 0
    assert _value(prometheus, 'webbscope_library_index_lag_events{job="backend"}')


def test_every_dashboard_query_runs_on_series_that_exist(prometheus: Prometheus) -> None:
    """deploy/grafana's dashboard: each query is valid PromQL and names only scraped metrics."""
    import re

    dashboard = json.loads(
        (
            Path(__file__).resolve().parents[2] / "deploy/grafana/webbscope-dashboard.json"
        ).read_text()
    )
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 15
    names = eventually(
        lambda: set(
            httpx.get(f"{prometheus.url}/api/v1/label/__name__/values", timeout=10).json()["data"]
        ),
        lambda n: "webbscope_hub_clients" in n and "webbscope_render_gate_running" in n,
        60,
    )
    for expr in exprs:
        query = expr.replace("$backend", "backend")
        prometheus.query(query)  # raises unless Prometheus accepts it
        used = {m for m in re.findall(r"\b(webbscope_[a-z_]+|process_[a-z_]+)\b", query)}
        used = {re.sub(r"_(bucket|count|sum)$", "", m) if m not in names else m for m in used}
        missing = {m for m in used if m not in names and f"{m}_bucket" not in names}
        assert not missing, f"{expr}: {missing}"
