"""A cube's display limits come from the shown plane, computed per plane and cached: the
engine's tiles of a plane use that plane's limits, and `plane-stats` gives the viewer the
statistics of the plane it shows (image-info's describe the whole cube)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.fits_files import write_image
from webbscope.imaging import Interval, RenderParams, prepare_view, tile_bytes
from webbscope.services.common.errors import install_error_handlers
from webbscope.services.engine.gate import RenderGate
from webbscope.services.engine.routes import measure, render
from webbscope.services.engine.state import ViewerState
from webbscope.settings import load_settings
from webbscope.storage import LocalStorage

SHA = "ef" * 32
SCALES = [(1.0, 0.1), (1000.0, 100.0), (-50.0, 5.0)]  # (mean, sigma) of each plane


class CountingGate(RenderGate):
    def __init__(self) -> None:
        super().__init__(2, 64)
        self.calls: list[str] = []

    async def run(self, fn: Any, /, *args: Any) -> Any:
        self.calls.append(fn.__name__)
        return await super().run(fn, *args)


@pytest.fixture(scope="module")
def cube() -> np.ndarray:
    rng = np.random.default_rng(8)
    return np.stack([rng.normal(m, s, (300, 300)) for m, s in SCALES]).astype(np.float32)


@pytest.fixture(scope="module")
def client(cube: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root = tmp_path_factory.mktemp("cube")
    (root / "mast").mkdir()
    write_image(root / "mast" / "cube_s3d.fits", cube)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(measure.router)
    app.include_router(render.router)
    settings = load_settings(STORAGE_PROVIDER="local", DATA_DIR=str(root))
    app.state.viewer = ViewerState(settings, LocalStorage(root))
    app.state.viewer.gate = CountingGate()
    return TestClient(app)


def _get(client: TestClient, path: str, **kw: Any) -> Any:
    sep = "&" if "?" in path else "?"
    return client.get(f"/internal/images/{SHA}/{path}{sep}key=mast/cube_s3d.fits", **kw)


def test_plane_stats_are_those_of_the_shown_plane_and_cached(client: TestClient) -> None:
    gate = client.app.state.viewer.gate  # type: ignore[attr-defined]
    for k, (mean, sigma) in enumerate(SCALES):
        r = _get(client, f"plane-stats?slice={k}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["slice"] == k
        lo, hi = body["stats"]["percentiles"]["0.25"], body["stats"]["percentiles"]["99.75"]
        assert mean - 4 * sigma < lo < mean - 2 * sigma, (k, lo)
        assert mean + 2 * sigma < hi < mean + 4 * sigma, (k, hi)
        assert sum(body["histogram"]["counts"]) == body["histogram"]["total"] > 0
    calls = gate.calls.count("plane_stats")
    again = _get(client, "plane-stats?slice=1")
    assert again.status_code == 200 and gate.calls.count("plane_stats") == calls  # cached
    same = _get(client, "plane-stats?slice=1", headers={"If-None-Match": again.headers["etag"]})
    assert same.status_code == 304
    assert _get(client, "plane-stats?slice=3").status_code == 404


def test_tiles_of_a_plane_use_that_planes_limits(client: TestClient, cube: np.ndarray) -> None:
    params = RenderParams(stretch="linear", interval=Interval.percentile(99.5), cmap="gray")
    whole = prepare_view(cube, params)  # what the whole cube's limits would give
    for k in range(3):
        r = _get(client, f"tiles/0/0/0.png?slice={k}&stretch=linear&interval=99.5&cmap=gray")
        assert r.status_code == 200, r.text
        own = tile_bytes(cube[k], 0, 0, 0, "png", params, prepare_view(cube[k], params))
        assert r.content == own
        assert r.content != tile_bytes(cube[k], 0, 0, 0, "png", params, whole)
