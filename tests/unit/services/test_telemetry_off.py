"""The services export Prometheus metrics; FastAPI's native OpenTelemetry layer stays off, so
no request pays for asking the global providers whether to trace it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from opentelemetry import trace

from webbscope.services.backend.app import create_app as backend_app
from webbscope.services.engine.app import create_app as engine_app


class _Provider(trace.NoOpTracerProvider):
    """A configured (non-proxy) tracer provider, as an OpenTelemetry SDK would install."""


@pytest.mark.parametrize("make", [backend_app, engine_app], ids=["backend", "engine"])
def test_native_telemetry_is_off_even_with_a_tracer_provider(
    make: Callable[[], FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", _Provider())
    app = make()
    assert app._native_telemetry.enabled() is False
