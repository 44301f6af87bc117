"""The f16 tile pack: every tile the backend sends from it is the engine's tile, byte for
byte and with the engine's ETag, for float, scaled-integer, primary-only, cube and small
images; anything the pack does not hold is left to the engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.fits_files import sky_header, write_image
from webbscope.fits import FitsLimits
from webbscope.imaging import RenderParams, decode_float_tile, pack_order, pack_tiles
from webbscope.services.backend.stored_tiles import StoredTiles
from webbscope.services.engine import renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.params import Plane, tile_etag
from webbscope.services.engine.pyramid_build import build_pyramid, packed_planes
from webbscope.services.engine.pyramid_job import store_pyramid
from webbscope.services.engine.pyramids import PyramidStore
from webbscope.storage import LocalStorage

SHA = "cd" * 32


def _built(tmp_path: Path, path: Path) -> tuple[OpenFile, LocalStorage, dict[str, Any]]:
    storage = LocalStorage(tmp_path / "store")
    out = tmp_path / "levels"
    out.mkdir()
    manifest = build_pyramid(lambda f, m: None, str(path), FitsLimits(), str(out), 1 << 18)
    assert manifest is not None
    store_pyramid(storage, SHA, out, manifest)
    return OpenFile(SHA, path, FitsLimits()), storage, manifest


def _image(tmp_path: Path, kind: str) -> Path:
    rng = np.random.default_rng(5)
    if kind == "float":
        data = rng.gamma(2.0, 50.0, (700, 1100)).astype(np.float32)
        data[100:300, 50:200] = np.nan
        return write_image(tmp_path / "f_i2d.fits", data, header=sky_header(1100, 700))
    if kind == "scaled":  # int16 with BSCALE/BZERO, in the primary HDU
        data = rng.normal(3e6, 2e4, (600, 520)).astype(np.float32)
        return write_image(tmp_path / "s.fits", data, bscale=2.0, bzero=3e6, primary_only=True)
    if kind == "cube":
        data = rng.normal(1e-8, 1e-9, (3, 300, 420)).astype(np.float32)
        return write_image(tmp_path / "c_s3d.fits", data)
    data = rng.normal(10.0, 1.0, (90, 130)).astype(np.float32)  # one level, one tile
    return write_image(tmp_path / "t_i2d.fits", data)


@pytest.mark.parametrize("kind", ["float", "scaled", "cube", "small"])
def test_every_packed_tile_is_the_engines_tile(tmp_path: Path, kind: str) -> None:
    file, storage, manifest = _built(tmp_path, _image(tmp_path, kind))
    shape = (int(manifest["height"]), int(manifest["width"]))
    planes = int(manifest["planes"])
    assert manifest["f16"]["tiles"] == planes * pack_tiles(shape)
    stored = asyncio.run(PyramidStore(storage, 10.0).find(SHA))
    views = ViewCache(1 << 24)
    backend = StoredTiles(storage, recheck_s=10.0, max_age_s=60)
    ext = "SCI" if kind != "scaled" else "0"
    for level, plane, x, y in pack_order(shape, planes):
        query = [("ext", ext), ("slice", str(plane))] if planes > 1 else [("ext", ext)]
        answer = asyncio.run(backend.answer(SHA, f"/tiles/{level}/{x}/{y}.f16", query, None))
        assert answer is not None, (level, plane, x, y)
        status, headers, body = answer
        want, _ = renders.tile(
            file, views, Plane(ext, plane), "f16", RenderParams(), level, x, y, stored
        )
        assert status == 200 and body == want, (level, plane, x, y)
        assert headers["etag"] == tile_etag(
            SHA, Plane(ext, plane), "f16", None, level, x, y, stored=True
        )
        assert headers["content-type"] == "application/octet-stream"
    # The values keep their precision (1e-8 data, 3e6 data scaled from integers).
    _, _, body = asyncio.run(backend.answer(SHA, "/tiles/0/0/0.f16", [], None))  # type: ignore[misc]
    assert np.isfinite(decode_float_tile(body)).any()


def test_the_default_extension_name_and_index_are_served(tmp_path: Path) -> None:
    _, storage, manifest = _built(tmp_path, _image(tmp_path, "float"))
    backend = StoredTiles(storage, recheck_s=10.0, max_age_s=60)
    bodies = {
        ext: asyncio.run(backend.answer(SHA, "/tiles/1/1/0.f16", q, None))
        for ext, q in [("default", []), ("SCI", [("ext", "SCI")]), ("1", [("ext", "1")])]
    }
    assert manifest["hdu"] == 1
    assert all(a is not None and a[0] == 200 for a in bodies.values())
    assert len({a[2] for a in bodies.values() if a}) == 1


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/tiles/0/0/0.webp", []),  # another format: rendered by the engine
        ("/tiles/0/0/0.f32", []),
        ("/tiles/0/0/0.f16", [("stretch", "linear")]),  # the engine checks its parameters
        ("/tiles/0/0/0.f16", [("ext", "DQ")]),  # another extension
        ("/tiles/0/0/0.f16", [("slice", "1")]),  # no such plane
        ("/tiles/0/0/0.f16", [("slice", "-1")]),
        ("/tiles/0/0/0.f16", [("ext", "SCI"), ("ext", "1")]),
        ("/tiles/9/0/0.f16", []),  # no such level or tile: the engine's 404
        ("/tiles/1/7/0.f16", []),
        ("/tiles/1/0/7.f16", []),
    ],
)
def test_what_the_pack_does_not_hold_goes_to_the_engine(
    tmp_path: Path, path: str, query: list[tuple[str, str]]
) -> None:
    _built(tmp_path, _image(tmp_path, "float"))
    backend = StoredTiles(LocalStorage(tmp_path / "store"), recheck_s=10.0, max_age_s=60)
    assert asyncio.run(backend.answer(SHA, path, query, None)) is None


def test_a_matching_etag_is_a_304_and_a_removed_pack_is_forgotten(tmp_path: Path) -> None:
    _, storage, _ = _built(tmp_path, _image(tmp_path, "float"))
    backend = StoredTiles(storage, recheck_s=3600.0, max_age_s=60)
    status, headers, _ = asyncio.run(backend.answer(SHA, "/tiles/2/2/1.f16", [], None))  # type: ignore[misc]
    assert status == 200 and headers["cache-control"] == "private, max-age=60"
    again = asyncio.run(backend.answer(SHA, "/tiles/2/2/1.f16", [], headers["etag"]))
    assert again is not None and again[0] == 304 and again[2] == b""
    storage.delete_prefix(f"tiles/{SHA}/")
    assert asyncio.run(backend.answer(SHA, "/tiles/2/2/1.f16", [], None)) is None
    assert asyncio.run(backend.find(SHA)) is None  # remembered as missing


def test_a_file_without_a_pack_is_asked_again_after_the_recheck_time(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    backend = StoredTiles(storage, recheck_s=0.0, max_age_s=60)
    assert asyncio.run(backend.find(SHA)) is None
    _built(tmp_path, _image(tmp_path, "small"))
    assert asyncio.run(backend.find(SHA)) is not None


def test_a_cube_too_large_for_the_pack_keeps_its_first_planes() -> None:
    per_plane = pack_tiles((4096, 4096))
    assert per_plane == 1 + 4 + 16 + 64 + 256
    assert packed_planes((10, 4096, 4096), 10) == 10
    assert packed_planes((5000, 4096, 4096), 5000) == 200_000 // per_plane
