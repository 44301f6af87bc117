"""Every heavy engine route runs its work through the render gate: with the gate full, each
answers 429 `render_busy` with Retry-After instead of reading pixels or tables beside it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from webbscope.services.common.errors import install_error_handlers
from webbscope.services.engine.gate import RenderGate
from webbscope.services.engine.routes import analysis, measure, render
from webbscope.services.engine.state import ViewerState
from webbscope.settings import load_settings
from webbscope.storage import LocalStorage

SHA = "cd" * 32
REGION = {"shape": "circle", "x": 10, "y": 10, "r": 5}


class FullGate(RenderGate):
    """Every slot busy and no room to wait: `run` refuses at once (and remembers what)."""

    def __init__(self) -> None:
        super().__init__(1, 0, 3)
        self.refused: list[str] = []

    async def run(self, fn: Any, /, *args: Any) -> Any:
        self.refused.append(getattr(fn, "__name__", repr(fn)))
        raise self._busy()


@pytest.fixture(scope="module")
def client(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root = tmp_path_factory.mktemp("gated")
    for name in ("f090w_i2d", "s3d", "x1d"):
        src = next(demo.glob(f"*{name}.fits"))
        (root / "mast").mkdir(exist_ok=True)
        shutil.copy(src, root / "mast" / f"{name}.fits")
    settings = load_settings(STORAGE_PROVIDER="local", DATA_DIR=str(root))
    app = FastAPI()
    install_error_handlers(app)
    for r in (measure.router, render.router, analysis.router):
        app.include_router(r)
    app.state.viewer = ViewerState(settings, LocalStorage(root))
    app.state.viewer.gate = FullGate()
    return TestClient(app)


def _url(path: str, name: str) -> str:
    sep = "&" if "?" in path else "?"
    return f"/internal/images/{SHA}/{path}{sep}key=mast/{name}.fits"


ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("GET", "f090w_i2d", "tiles/0/0/0.png", None),
    ("GET", "f090w_i2d", "preview?size=64", None),
    ("GET", "f090w_i2d", "export?width=64", None),
    ("GET", "f090w_i2d", "cutout?x=10&y=10&w=8", None),
    ("GET", "f090w_i2d", "histogram", None),
    ("GET", "f090w_i2d", "pixel?x=3&y=4", None),
    ("POST", "f090w_i2d", "pixels", {"points": [[1, 2], [3, 4]]}),
    ("GET", "f090w_i2d", "grid", None),
    ("POST", "f090w_i2d", "world2pix", {"points": [[83.8, -5.4]]}),
    ("POST", "f090w_i2d", "regions/stats", {"region": REGION}),
    ("POST", "f090w_i2d", "regions/ds9", {"regions": [REGION]}),
    ("POST", "f090w_i2d", "regions/ds9/parse", {"text": "image\ncircle(10,10,5)\n"}),
    ("GET", "f090w_i2d", "contours?levels=1", None),
    ("GET", "s3d", "spectrum?x=5&y=5&box=3", None),
    ("POST", "s3d", "regions/spectrum", {"region": REGION}),
    ("GET", "x1d", "spectrum1d", None),
    ("GET", "x1d", "catalogue", None),
    ("GET", "x1d", "catalogue/export?format=csv", None),
]


@pytest.mark.parametrize(("method", "name", "path", "body"), ROUTES, ids=[r[2] for r in ROUTES])
def test_a_full_gate_refuses_every_heavy_route(
    client: TestClient, method: str, name: str, path: str, body: dict[str, Any] | None
) -> None:
    gate = client.app.state.viewer.gate  # type: ignore[attr-defined]
    before = len(gate.refused)
    r = client.request(method, _url(path, name), json=body)
    assert r.status_code == 429, (path, r.status_code, r.text[:300])
    assert r.json()["error"]["code"] == "render_busy" and r.headers["retry-after"] == "3"
    assert len(gate.refused) == before + 1
