"""`/metrics` on a service app built by the shared factory (no servers needed): route templates
rather than raw paths, service families, and who may read it."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families

from webbscope.services.common.app import create_service_app
from webbscope.services.common.metrics import gauge
from webbscope.settings import load_settings

TOKEN = "m" * 40


def _app(env: str = "test", token: str | None = None) -> TestClient:
    router = APIRouter(prefix="/api/things")

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    def families(app: FastAPI) -> Iterator[Metric]:
        yield gauge("webbscope_test_widgets", "Widgets in the app", app.state.widgets)

    overrides: dict[str, object] = {"WEBBSCOPE_ENV": env}
    if env != "test":
        overrides |= {"JWT_SECRET": "j" * 40, "INTERNAL_SERVICE_TOKEN": "s" * 40}
    if token:
        overrides["METRICS_TOKEN"] = token
    app = create_service_app(
        "unit",
        load_settings(**overrides),
        routers=[router],
        uses_database=False,
        uses_storage=False,
        metric_families=families,
    )
    app.state.widgets = 7
    return TestClient(app)


def _series(text: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample.labels)
    return out


def test_latency_is_recorded_per_route_template_not_raw_path() -> None:
    with _app() as client:
        for n in range(3):
            assert client.get(f"/api/things/t{n}").status_code == 200
        assert client.get("/no/such/path").status_code == 404
        reply = client.get("/metrics")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain")
    series = _series(reply.text)
    routes = {s["route"] for s in series["webbscope_http_request_duration_seconds_count"]}
    assert "/api/things/{thing_id}" in routes
    assert "<unmatched>" in routes
    assert not any("/t0" in r or "/t1" in r for r in routes)
    assert "/metrics" not in routes
    assert series["webbscope_test_widgets"] == [{}]
    assert "webbscope_test_widgets 7.0" in reply.text


def test_token_is_required_when_set() -> None:
    with _app(token=TOKEN) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "metrics_token"
        ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and "webbscope_http_request_duration_seconds" in ok.text


def test_metrics_are_off_outside_development_without_a_token() -> None:
    with _app(env="production") as client:
        reply = client.get("/metrics")
        assert reply.status_code == 404
        assert reply.json()["error"]["code"] == "metrics_disabled"
    with _app(env="production", token=TOKEN) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/metrics", headers=headers).status_code == 200


def test_metrics_token_must_be_long() -> None:
    import pytest

    from webbscope.settings import SettingsError

    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        load_settings(METRICS_TOKEN="short")
