"""The builder's live tiles from a plan (web-free engine functions): feathering and resolution
matching in the channel tiles (with the coverage alpha as a second plane), the finished RGB
tiles of the 2-D fallback (seamless against a render of the whole level), the luminance
channel's information and cube planes."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from webbscope.composites.plan import InputImage, Plan, build_plan
from webbscope.composites.recipe import RecipeIn
from webbscope.errors import Unprocessable
from webbscope.imaging import celestial_wcs, decode_f16, render_composite
from webbscope.imaging._tiles import level_shape, tile_grid
from webbscope.services.engine.composites import channel_tile, preview, rgb_tile, tile_levels

FILTERS = ["f090w", "f200w", "f444w"]


def _images(demo: Path) -> dict[str, InputImage]:
    out = {}
    for f in FILTERS:
        path = next(demo.glob(f"*{f}_i2d.fits"))
        with fits.open(path) as hdul:
            data = hdul["SCI"].data.astype(np.float32)
            wcs = celestial_wcs(hdul["SCI"].header)
        out[f] = InputImage(f, path.name, data, wcs, f.upper())
    cube_path = next(demo.glob("*_s3d.fits"))
    with fits.open(cube_path) as hdul:
        cube = hdul["SCI"].data.astype(np.float32)
    out["cube"] = InputImage("cube", cube_path.name, cube, None, None)
    return out


def _plan(images: dict[str, InputImage], **extra: object) -> Plan:
    recipe = RecipeIn.model_validate(
        {
            "channels": [
                {"record_id": f, "color": h} for f, h in zip(FILTERS, (240, 120, 0), strict=True)
            ],
            "grid": {"mode": "union"},
            **extra,
        }
    )
    return build_plan(recipe, images, 1 << 30)


def test_feathered_channel_tiles_carry_their_alpha(demo: Path) -> None:
    images = _images(demo)
    plain = _plan(images)
    body = channel_tile(plain, 0, 0, 0, 0)
    values = decode_f16(body)
    assert len(body) == 8 + 2 * values.size  # no alpha plane without feathering
    soft = _plan(images, adjust={"feather_px": 12, "match_resolution": True})
    assert any(c.blur_px > 0 for c in soft.channels)  # F090W blurred towards F444W
    top = tile_levels(soft) - 1
    body = channel_tile(soft, 0, top, 0, 0)
    width, height = struct.unpack_from("<HH", body, 4)
    values = decode_f16(body[: 8 + 2 * width * height])
    alpha = np.frombuffer(body[8 + 2 * values.size :], "<f2").astype(np.float32)
    assert alpha.size == values.size
    alpha = alpha.reshape(values.shape)
    assert alpha.min() >= 0.0 and alpha.max() == pytest.approx(1.0, abs=1e-3)
    # Faded inside the coverage's edge, NaN (alpha 0) outside it.
    assert ((alpha > 0.01) & (alpha < 0.99)).any()
    assert np.all(np.isnan(values[alpha <= 0]))
    # Resolution matching blurs: the tile is smoother than the plain one.
    sharp = decode_f16(channel_tile(plain, 0, top, 0, 0))
    both = np.isfinite(sharp) & np.isfinite(values)
    assert np.nanstd(np.diff(values, axis=1)[both[:, 1:]]) < np.nanstd(
        np.diff(sharp, axis=1)[both[:, 1:]]
    )


def test_rgb_tiles_join_into_the_level_without_seams(demo: Path) -> None:
    images = _images(demo)
    plan = _plan(
        images,
        adjust={"feather_px": 6, "sharpen_amount": 0.8, "sharpen_radius": 2.0, "saturation": 1.3},
        output={"scale": 2.0},  # a grid large enough for several tiles
    )
    top = tile_levels(plan) - 1
    assert top >= 1
    height, width = level_shape(plan.grid.shape, top)
    nx, ny, _ = tile_grid(plan.grid.shape, top)
    assert nx * ny > 1
    stitched = np.zeros((height, width, 3), np.uint8)
    for ty in range(ny):
        for tx in range(nx):
            png = Image.open(io.BytesIO(rgb_tile(plan, top, tx, ty)))
            part = np.asarray(png)
            h, w = part.shape[:2]
            stitched[ty * 256 : ty * 256 + h, tx * 256 : tx * 256 + w] = part
    whole = render_composite(plan.channels, plan.grid, plan.finish, plan.luminance)
    diff = np.abs(stitched.astype(int) - whole.astype(int))
    assert diff.max() <= 2 and diff.mean() < 0.05  # the same picture, no seams at tile edges
    # A coarser level is the whole picture at the level's scale (as the preview is).
    small = np.asarray(Image.open(io.BytesIO(rgb_tile(plan, 0, 0, 0))))
    assert small.shape[2] == 3 and small.mean() > 5


def test_luminance_information_and_cube_planes(demo: Path) -> None:
    images = _images(demo)
    lrgb = _plan(images, luminance={"record_id": "f200w", "auto": True})
    assert lrgb.luminance_info is not None
    assert lrgb.luminance_info.label.startswith("luminance")
    assert lrgb.luminance_info.vmax > lrgb.luminance_info.vmin
    assert decode_f16(channel_tile(lrgb, -1, 0, 0, 0)).size > 0
    body, _, _ = preview(lrgb, 64, "png")
    assert Image.open(io.BytesIO(body)).mode == "RGB"
    cube = images["cube"]
    with pytest.raises(Unprocessable) as err:
        _plan(
            images,
            channels=[{"record_id": "cube", "color": "red"}],
            grid={"mode": "pixel"},
        )
    assert err.value.code == "slice_required"
    assert err.value.details["planes"] == cube.data.shape[0]
    sliced = _plan(
        images,
        channels=[{"record_id": "cube", "color": "red", "slice": 2}],
        grid={"mode": "pixel"},
    )
    assert sliced.info[0].planes == cube.data.shape[0] and sliced.info[0].slice == 2
    assert _plan(images).info[0].planes is None
