"""The tile packs: every tile the backend sends from them (f16, and WebP in the default
rendering) is the engine's tile, byte for byte and with the engine's ETag, for float,
scaled-integer, primary-only, cube and small images; anything the packs do not hold is left
to the engine."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.fits_files import sky_header, write_image
from webbscope.fits import FitsLimits
from webbscope.imaging import (
    MEDIA_TYPES,
    decode_float_tile,
    pack_order,
    pack_tiles,
)
from webbscope.services.backend.stored_tiles import StoredTiles
from webbscope.services.engine import renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.params import Plane, render_params, tile_etag
from webbscope.services.engine.pyramid_build import build_pyramid, packed_planes
from webbscope.services.engine.pyramid_job import store_pyramid
from webbscope.services.engine.pyramids import PyramidStore
from webbscope.storage import LocalStorage

SHA = "cd" * 32
#: The default rendering as the app's 2-D viewer spells it out.
VIEWER_DEFAULTS = [
    ("stretch", "asinh"),
    ("interval", "99.5"),
    ("cmap", "gray"),
    ("invert", "0"),
    ("contrast", "1"),
    ("bias", "0.5"),
    ("gamma", "1"),
    ("nan", "transparent"),
]


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
    assert manifest["packs"]["f16"]["tiles"] == planes * pack_tiles(shape)
    assert manifest["packs"]["webp"]["tiles"] == planes * pack_tiles(shape)
    stored = asyncio.run(PyramidStore(storage, 10.0).find(SHA))
    views = ViewCache(1 << 24)
    backend = StoredTiles(storage, recheck_s=10.0, max_age_s=60)
    ext = "SCI" if kind != "scaled" else "0"
    for level, plane, x, y in pack_order(shape, planes):
        plane_query = [("ext", ext), ("slice", str(plane))] if planes > 1 else [("ext", ext)]
        for fmt, query in (("f16", plane_query), ("webp", plane_query + VIEWER_DEFAULTS)):
            path = f"/tiles/{level}/{x}/{y}.{fmt}"
            answer = asyncio.run(backend.answer(SHA, path, query, None))
            assert answer is not None, (fmt, level, plane, x, y)
            status, headers, body = answer
            want, _ = renders.tile(
                file, views, Plane(ext, plane), fmt, render_params(), level, x, y, stored
            )
            assert status == 200 and body == want, (fmt, level, plane, x, y)
            params = None if fmt == "f16" else render_params()
            assert headers["etag"] == tile_etag(
                SHA, Plane(ext, plane), fmt, params, level, x, y, stored=True
            )
            assert headers["content-type"] == MEDIA_TYPES[fmt]
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
        ("/tiles/0/0/0.png", []),  # another format: rendered by the engine
        ("/tiles/0/0/0.f32", []),
        ("/tiles/0/0/0.webp", [("cmap", "viridis")]),  # another rendering
        ("/tiles/0/0/0.webp", [("interval", "zscale")]),
        ("/tiles/0/0/0.webp", [("contrast", "x")]),  # invalid: the engine's 400
        ("/tiles/0/0/0.webp", [("bins", "3")]),  # not a tile parameter
        ("/tiles/0/0/0.f16", [("cmap", "gray")]),
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


def test_a_colour_image_gets_no_webp_pack(tmp_path: Path) -> None:
    """A composite's RGB cube is rendered in colour by the engine, not by the grey pack."""
    rng = np.random.default_rng(3)
    header = sky_header(300, 280)
    header["COLORIMG"] = "RGB"
    path = write_image(
        tmp_path / "rgb.fits", rng.random((3, 280, 300)).astype(np.float32), header=header
    )
    _, storage, manifest = _built(tmp_path, path)
    assert sorted(manifest["packs"]) == ["f16"]
    backend = StoredTiles(storage, recheck_s=10.0, max_age_s=60)
    assert asyncio.run(backend.answer(SHA, "/tiles/0/0/0.webp", [], None)) is None
    assert asyncio.run(backend.answer(SHA, "/tiles/0/0/0.f16", [("slice", "2")], None))


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
