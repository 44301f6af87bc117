"""The engine on real odd files (tests/fixtures/fits-corpus): opening, image information,
pixels, histograms, tiles, grids and thumbnails answer or refuse with a 4xx, never crash."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.corpus import REFUSED, corpus_files, mutations
from webbscope.errors import WebbscopeError
from webbscope.fits import FitsLimits
from webbscope.imaging import RenderParams
from webbscope.services.engine import measures, renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.info import image_info
from webbscope.services.engine.params import Plane
from webbscope.services.engine.thumbnail_render import render_thumbnail

CORPUS = corpus_files(Path(__file__).resolve().parents[3] / ".cache" / "fits-corpus")
SHA = "c" * 64


def _clear(fn: Callable[[], Any]) -> str:
    """'ok', or the code of the 4xx the step answered; anything else fails the test."""
    try:
        fn()
    except WebbscopeError as exc:
        assert 400 <= exc.status < 500, exc
        return exc.code
    return "ok"


def _every_step(path: Path) -> dict[str, str]:
    out = {"thumbnail": _clear(lambda: render_thumbnail(lambda *a: None, str(path), LIMITS, 64))}
    opened: dict[str, Any] = {}

    def open_file() -> None:
        opened["file"] = OpenFile(SHA, path, LIMITS)

    out["open"] = _clear(open_file)
    if "file" not in opened:
        return out
    file: OpenFile = opened["file"]
    plane = Plane("SCI")
    out["find"] = _clear(lambda: file.find("SCI"))
    if out["find"] != "ok":
        return out
    layout = file.find("SCI")
    views = ViewCache(10**7)
    out["info"] = _clear(lambda: image_info(file, layout))
    out["pixel"] = _clear(lambda: measures.pixels(file, plane, [(0.0, 0.0), (3.0, 2.0)]))
    out["histogram"] = _clear(lambda: measures.plane_histogram(file, plane, 16, None, None, False))
    out["tile"] = _clear(lambda: renders.tile(file, views, plane, "png", RenderParams(), 0, 0, 0))
    out["grid"] = _clear(lambda: measures.grid(file, plane, 5, "sexagesimal"))
    file.close()
    return out


LIMITS = FitsLimits()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_engine_step_answers_or_refuses_clearly(path: Path) -> None:
    outcome = _every_step(path)
    if path.name in REFUSED:
        assert outcome["open"] != "ok"
    else:
        assert outcome["open"] == "ok", outcome


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_damaged_variants_never_crash_the_engine(path: Path, tmp_path: Path) -> None:
    for kind, data in mutations(path.read_bytes(), zlib.crc32(path.name.encode()), count=3):
        damaged = tmp_path / f"{kind}-{path.name}"
        damaged.write_bytes(data)
        _every_step(damaged)
