"""Limits and load on the viewer routes, through a stack of their own: a render gate of one
slot and no queue (429 with Retry-After), small output and array limits (422 / 413 before any
memory is spent), every tile kept in storage; and an engine that cannot be reached (502)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.support.api import ApiUser, register
from tests.support.fits_files import sky_header, write_image, write_sparse
from tests.support.records import add_local_record
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually
from webbscope.devstack.wiredb import WireDB
from webbscope.settings import load_settings

pytestmark = pytest.mark.integration

SIDE = 1024


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(
        tmp_path_factory.mktemp("tight-stack"),
        env={
            "MAX_UPLOAD_BYTES": "50000000",
            "RENDER_CONCURRENCY": "1",
            "RENDER_QUEUE": "0",
            "RENDER_RETRY_AFTER_S": "2",
            "MAX_OUTPUT_PIXELS": "200000",
            "MAX_ARRAY_ELEMENTS": "5000000",
            "MAX_FITS_BYTES": "100000000",
            "ENGINE_TILE_STORE_MIN_MS": "0",
            "WORKER_CONCURRENCY": "0",
            # The render gate is under test here, not the per-caller share (issue 12).
            "CALLER_CONCURRENCY": "1000",
        },
    )
    yield stack
    stop_stack(stack)


@pytest.fixture(scope="module")
def user(tight: RunningStack) -> ApiUser:
    return register(tight.url("backend"), "tight")


@pytest.fixture(scope="module")
def image(user: ApiUser, tmp_path_factory: pytest.TempPathFactory) -> str:
    rng = np.random.default_rng(5)
    data = rng.normal(10, 3, size=(SIDE, SIDE)).astype(np.float32)
    path = write_image(
        tmp_path_factory.mktemp("tight") / "noise_i2d.fits", data, header=sky_header(SIDE, SIDE)
    )
    r = user.upload(path)
    assert r.status_code == 201, r.text
    return str(r.json()["items"][0]["record"]["id"])


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def _burst(base: str, token: str, paths: list[str]) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        return await asyncio.gather(*(client.get(p) for p in paths))


def test_a_full_gate_answers_429_with_retry_after(
    tight: RunningStack, user: ApiUser, image: str
) -> None:
    assert user.token is not None
    statuses: list[int] = []
    for cmap in ("viridis", "magma", "plasma", "inferno"):  # fresh tiles each round
        paths = [
            f"/api/records/{image}/tiles/2/{x}/{y}.png?cmap={cmap}&stretch=histeq"
            for x in range(4)
            for y in range(4)
        ]
        answers = asyncio.run(_burst(tight.url("backend"), user.token, paths))
        for r in answers:
            assert r.status_code in (200, 429), r.text
            if r.status_code == 429:
                assert _code(r) == "render_busy"
                assert r.headers["retry-after"] == "2"
                assert r.json()["error"]["details"] == {"concurrency": 1, "queue": 0}
        statuses += [r.status_code for r in answers]
        if 429 in statuses and 200 in statuses:
            break
    assert 429 in statuses and 200 in statuses
    # Once the burst is over, the same tiles render.
    assert user.get(f"/api/records/{image}/tiles/0/0/0.png").status_code == 200


def test_pixel_reads_go_through_the_gate(tight: RunningStack, user: ApiUser, image: str) -> None:
    """Issue 12: pixel, batch-pixel and spectrum reads decompress tiles of compressed images
    too, so they share the render gate (one slot, no queue here) instead of bypassing it."""
    assert user.token is not None
    busy: set[str] = set()
    for cmap in ("cividis", "hot", "cool", "turbo", "gray", "batlow"):
        tiles = [
            f"/api/records/{image}/tiles/2/{x}/{y}.png?cmap={cmap}&stretch=histeq"
            for x in range(4)
            for y in range(4)
        ]
        pixels = [f"/api/records/{image}/pixel?x={i}&y={i}" for i in range(16)]
        mixed = [p for pair in zip(tiles, pixels, strict=True) for p in pair]
        answers = asyncio.run(_burst(tight.url("backend"), user.token, mixed))
        for path, r in zip(mixed, answers, strict=True):
            assert r.status_code in (200, 429), r.text
            if r.status_code == 429 and "/pixel" in path:
                assert _code(r) == "render_busy" and r.headers["retry-after"] == "2"
                busy.add("pixel")
        if busy:
            break
    assert busy == {"pixel"}
    batch = user.post(f"/api/records/{image}/pixels", json={"points": [[1, 2], [3, 4]]})
    assert batch.status_code == 200 and len(batch.json()["items"]) == 2


def test_output_limits_are_422_before_rendering(user: ApiUser, image: str) -> None:
    base = f"/api/records/{image}"
    assert user.get(f"{base}/preview", params={"size": 256}).status_code == 200
    for path, params in (
        ("preview", {"size": 1024}),
        ("export", {"width": 1024}),
        ("cutout", {"x": 500, "y": 500, "w": 600, "h": 600}),
    ):
        r = user.get(f"{base}/{path}", params=params)
        assert r.status_code == 422, (path, r.text)
        assert _code(r) == "output_too_large"
        assert r.json()["error"]["details"]["max_pixels"] == 200_000


def test_file_and_array_limits_are_413(tight: RunningStack, user: ApiUser, tmp_path: Path) -> None:
    # Records made under looser limits (or by an import): the engine checks its own limits
    # from the headers alone, before mapping anything.
    elements = add_local_record(
        tight, user.id, write_sparse(tmp_path / "wide.fits", 4096), "wide_i2d.fits"
    )
    size = add_local_record(
        tight, user.id, write_sparse(tmp_path / "big.fits", 6000), "big_i2d.fits"
    )
    for rid, code in ((elements, "fits_array_too_large"), (size, "fits_too_large")):
        for path in ("image-info", "tiles/0/0/0.png", "pixel?x=1&y=1", "histogram"):
            r = user.get(f"/api/records/{rid}/{path}")
            assert r.status_code == 413, (path, r.text)
            assert _code(r) == code


def test_slow_enough_tiles_and_image_info_are_kept_in_storage(
    tight: RunningStack, user: ApiUser, image: str
) -> None:
    r = user.get(f"/api/records/{image}/tiles/1/0/0.webp")
    assert r.status_code == 200
    sha = user.get(f"/api/records/{image}").json()["sha256"]
    stored = tight.data_dir / "tiles" / sha
    eventually(lambda: list(stored.glob("*.webp")), bool)  # written after the answer
    assert user.get(f"/api/records/{image}/image-info").status_code == 200
    assert (stored / "info.json").is_file()


def test_an_unreachable_engine_is_502_naming_it(
    wiredb: WireDB, tmp_path: Path, demo_dir: Path
) -> None:
    from tests.support.api import PASSWORD
    from webbscope.services.backend.app import create_app

    settings = load_settings(
        mongodb_uri=wiredb.uri,
        mongodb_db="viewer_engine_down",
        data_dir=tmp_path,
        engine_url="http://127.0.0.1:9",
        environment="test",
    )
    with TestClient(create_app(settings)) as client:
        client.post(
            "/api/auth/register",
            json={"username": "downer", "email": "d@example.org", "password": PASSWORD},
        )
        token = client.post(
            "/api/auth/login", json={"username": "downer", "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        demo = next(demo_dir.glob("*_i2d.fits"))
        up = client.post(
            "/api/records",
            headers=auth,
            files=[("files", (demo.name, demo.read_bytes(), "application/fits"))],
        )
        assert up.status_code == 201, up.text
        rid = up.json()["items"][0]["record"]["id"]
        for path in ("image-info", "tiles/0/0/0.png"):
            r = client.get(f"/api/records/{rid}/{path}", headers=auth)
            assert r.status_code == 502
            assert _code(r) == "engine_unreachable"
            assert "engine" in r.json()["error"]["message"]
