"""The engine's mosaic build (what the `mosaic` job runs in its child process): the FITS and
the pictures asked for, progress reports, options from the request model."""

from __future__ import annotations

from pathlib import Path

from astropy.io import fits

from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.services.engine.mosaics import build_mosaic


def test_build_writes_fits_png_jpeg_and_thumbnail(tmp_path: Path) -> None:
    paths = write_mosaic_tiles(tmp_path / "in", rows=1, cols=2, shape=(120, 150), seed=4)
    items = [(f"r{i}", p.name, str(p)) for i, p in enumerate(paths)]
    out = tmp_path / "out"
    out.mkdir()
    reports: list[tuple[float, str | None]] = []
    result = build_mosaic(
        lambda f, m: reports.append((f, m)),
        "a" * 32,
        items,
        {"combine": "median", "clip": True, "formats": ["fits", "png", "jpeg"]},
        str(out),
        128,
        10**9,
        10**12,
        "",
    )
    files = result["files"]
    assert set(files) == {"fits", "png", "jpeg"}
    assert (out / files["png"]).read_bytes()[:4] == b"\x89PNG"
    assert (out / files["jpeg"]).read_bytes()[:2] == b"\xff\xd8"
    assert (out / "thumb.jpg").stat().st_size > 0
    with fits.open(out / files["fits"]) as hdul:
        assert hdul[0].header["COMBINE"] == "median" and hdul[0].header["SIGCLIP"] is True
        assert hdul[0].header["MOSAICID"] == "a" * 32
        assert hdul["SCI"].data.shape == (result["height"], result["width"])
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m and "blocks" in m for _, m in reports)  # progress per block
    assert result["executor"] == "local" and result["covered_pixels"] > 0
    # the inputs' outlines in the mosaic's pixels, for the viewer's footprint overlay
    assert set(result["outlines"]) == {"r0", "r1"}
    xy = result["outlines"]["r0"]["xy"]
    assert len(xy) == 8 and all(-1 <= v <= max(result["width"], result["height"]) for v in xy)
