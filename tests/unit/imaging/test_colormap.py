"""Colour-map tables: shape, published values, perceptual properties, application."""

from __future__ import annotations

import numpy as np
import pytest

from webbscope.errors import BadRequest
from webbscope.imaging import (
    COLORMAPS,
    COLOUR_BLIND_SAFE,
    PERCEPTUAL,
    apply_colormap,
    colormap_info,
    colormap_lut,
    parse_colour,
)

# Published float values (matplotlib's _cm_listed.py / BIDS colormap data, Google's turbo
# table, Crameri's batlow.txt): (map, index, (r, g, b)).
PUBLISHED = [
    ("viridis", 0, (0.267004, 0.004874, 0.329415)),
    ("viridis", 128, (0.127568, 0.566949, 0.550556)),
    ("viridis", 255, (0.993248, 0.906157, 0.143936)),
    ("magma", 0, (0.001462, 0.000466, 0.013866)),
    ("magma", 255, (0.987053, 0.991438, 0.749504)),
    ("inferno", 0, (0.001462, 0.000466, 0.013866)),
    ("inferno", 255, (0.988362, 0.998364, 0.644924)),
    ("plasma", 0, (0.050383, 0.029803, 0.527975)),
    ("plasma", 255, (0.940015, 0.975158, 0.131326)),
    ("cividis", 0, (0.000000, 0.135112, 0.304751)),
    ("cividis", 255, (0.995737, 0.909344, 0.217772)),
    ("turbo", 0, (0.18995, 0.07176, 0.23217)),
    ("turbo", 128, (0.64362, 0.98999, 0.23356)),
    ("turbo", 255, (0.47960, 0.01583, 0.01055)),
    ("batlow", 0, (0.005193, 0.098238, 0.349842)),
    ("batlow", 128, (0.511253, 0.510898, 0.193296)),
    ("batlow", 255, (0.981354, 0.800406, 0.981267)),
    ("gray", 0, (0.0, 0.0, 0.0)),
    ("gray", 255, (1.0, 1.0, 1.0)),
    ("hot", 0, (0.0416, 0.0, 0.0)),
    ("hot", 255, (1.0, 1.0, 1.0)),
    ("cool", 0, (0.0, 1.0, 1.0)),
    ("cool", 255, (1.0, 0.0, 1.0)),
    ("cubehelix", 0, (0.0, 0.0, 0.0)),
    ("cubehelix", 255, (1.0, 1.0, 1.0)),
]


def lightness(rgb: np.ndarray) -> np.ndarray:
    """CIE L* of sRGB colours (0-255)."""
    c = rgb[:, :3] / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    y = linear @ np.array([0.2126, 0.7152, 0.0722])
    f = np.where(y > (6 / 29) ** 3, np.cbrt(y), y / (3 * (6 / 29) ** 2) + 4 / 29)
    return 116 * f - 16


@pytest.mark.parametrize("name", COLORMAPS)
def test_tables_are_256_opaque_rgba(name) -> None:
    lut = colormap_lut(name)
    assert lut.shape == (256, 4) and lut.dtype == np.uint8
    assert np.all(lut[:, 3] == 255)
    assert not lut.flags.writeable
    np.testing.assert_array_equal(colormap_lut(name, invert=True), lut[::-1])


@pytest.mark.parametrize(("name", "index", "rgb"), PUBLISHED)
def test_published_values(name, index, rgb) -> None:
    expected = np.rint(np.array(rgb) * 255)
    np.testing.assert_array_equal(colormap_lut(name)[index, :3], expected)


def test_gray_is_the_identity() -> None:
    lut = colormap_lut("gray")
    for channel in range(3):
        np.testing.assert_array_equal(lut[:, channel], np.arange(256))


def test_cubehelix_follows_greens_formula() -> None:
    x = np.linspace(0, 1, 256)
    a = x * (1 - x) / 2
    phi = 2 * np.pi * (0.5 / 3 - 1.5 * x)
    rgb = np.column_stack(
        [
            x + a * (p0 * np.cos(phi) + p1 * np.sin(phi))
            for p0, p1 in ((-0.14861, 1.78277), (-0.29227, -0.90649), (1.97294, 0.0))
        ]
    )
    expected = np.rint(np.clip(rgb, 0, 1) * 255)
    assert np.abs(colormap_lut("cubehelix")[:, :3] - expected).max() <= 1


@pytest.mark.parametrize("name", sorted(PERCEPTUAL))
def test_perceptual_maps_rise_monotonically_in_lightness(name) -> None:
    light = lightness(colormap_lut(name).astype(float))
    assert light[-1] - light[0] > 50
    assert np.diff(light).min() > -0.6  # 8-bit rounding only
    inverted = lightness(colormap_lut(name, invert=True).astype(float))
    assert np.diff(inverted).max() < 0.6


def test_colour_blind_safe_set_excludes_rainbows() -> None:
    assert {"cividis", "viridis", "cubehelix", "batlow"} <= COLOUR_BLIND_SAFE
    assert "turbo" not in COLOUR_BLIND_SAFE and "hot" not in COLOUR_BLIND_SAFE
    light = lightness(colormap_lut("turbo").astype(float))
    assert light.max() - light[-1] > 50  # why: turbo's lightness falls back after its middle
    info = {i.name: i for i in colormap_info()}
    assert list(info) == list(COLORMAPS)
    assert info["cividis"].colour_blind_safe and not info["turbo"].colour_blind_safe


def test_apply_colormap_with_nan_colour() -> None:
    index = np.array([[0, 128], [255, 7]], dtype=np.uint8)
    mask = np.array([[False, True], [False, False]])
    out = apply_colormap(index, "viridis", nan_mask=mask)
    lut = colormap_lut("viridis")
    np.testing.assert_array_equal(out[0, 0], lut[0])
    np.testing.assert_array_equal(out[1, 0], lut[255])
    np.testing.assert_array_equal(out[0, 1], [0, 0, 0, 0])
    red = apply_colormap(index, "viridis", nan_mask=mask, nan_colour=(255, 0, 0, 255))
    np.testing.assert_array_equal(red[0, 1], [255, 0, 0, 255])
    inverted = apply_colormap(index, "viridis", invert=True)
    np.testing.assert_array_equal(inverted[0, 0], lut[255])


def test_unknown_map_and_colour_parsing() -> None:
    with pytest.raises(BadRequest) as err:
        colormap_lut("jet")
    assert err.value.code == "unknown_colormap"
    assert parse_colour("transparent") == (0, 0, 0, 0)
    assert parse_colour("#ff8000") == (255, 128, 0, 255)
    assert parse_colour("00ff0080") == (0, 255, 0, 128)
    with pytest.raises(BadRequest):
        parse_colour("red")
