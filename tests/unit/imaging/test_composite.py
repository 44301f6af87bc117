"""Composite science: colours, tone curves, the channel transfer, mixing in linear light,
neutralisation, LRGB, adjustments, auto-stretch and a whole render on the demo products."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.visualization import AsinhStretch

from webbscope.errors import BadRequest
from webbscope.imaging import (
    FILTER_SETS,
    Channel,
    ChannelStyle,
    Finish,
    SkyGrid,
    Source,
    auto_stretch,
    background_rgb,
    channel_colour,
    css_srgb,
    curve_lut,
    finish_display,
    linear_to_srgb,
    mix,
    optimal_grid,
    pivot_um,
    render_composite,
    srgb_to_linear,
    transfer,
    wavelength_hues,
)
from webbscope.imaging._composite import apply_luminance, neutralise
from webbscope.imaging._wcs import celestial_wcs

CARINA = [
    "jw02731-o001_t017_nircam_clear-f090w_i2d.fits",
    "jw02731-o001_t017_nircam_clear-f200w_i2d.fits",
    "jw02731-o001_t017_nircam_clear-f444w_i2d.fits",
    "jw02731-o002_t017_miri_f770w_i2d.fits",
]


def test_css_colours_and_hues() -> None:
    assert css_srgb("#ff8800") == pytest.approx((1.0, 0x88 / 255, 0.0))
    assert css_srgb("#f80") == pytest.approx((1.0, 0x88 / 255, 0.0))
    assert css_srgb("rgb(0, 128, 255)") == pytest.approx((0.0, 128 / 255, 1.0))
    assert css_srgb("hsl(120, 100%, 50%)") == pytest.approx((0.0, 1.0, 0.0))
    assert css_srgb("orange") == pytest.approx(css_srgb("#ffa500"))
    assert css_srgb(240) == pytest.approx((0.0, 0.0, 1.0))
    assert css_srgb("60") == pytest.approx((1.0, 1.0, 0.0))
    for bad in ("notacolour", "#12345", "rgb(1,2)", "hsl(x, 1%, 2%)"):
        with pytest.raises(BadRequest) as err:
            css_srgb(bad)
        assert err.value.code == "unknown_colour"


def test_srgb_round_trip_and_reference_points() -> None:
    x = np.linspace(0, 1, 1001, dtype=np.float32)
    assert np.abs(linear_to_srgb(srgb_to_linear(x)) - x).max() < 2e-6
    assert float(srgb_to_linear(np.float32(0.5))) == pytest.approx(0.21404, abs=1e-5)


def test_wavelength_hues_and_filters() -> None:
    assert wavelength_hues(1) == [0.0]
    assert wavelength_hues(3) == [240.0, 120.0, 0.0]
    hues = wavelength_hues(7)
    assert hues[0] == 240.0 and hues[-1] == 0.0 and hues == sorted(hues, reverse=True)
    for names in FILTER_SETS.values():
        waves = [pivot_um(n) for n in names]
        assert waves == sorted(waves)  # curated sets are in wavelength order
    assert pivot_um("CLEAR;F444W") == pytest.approx(4.421)


def test_tone_curves_are_monotone() -> None:
    for name in ("linear", "s-curve", "inverse-s", "shadows", "highlights"):
        lut = curve_lut(name)
        assert lut[0] == 0.0 and lut[-1] == pytest.approx(1.0)
        assert np.all(np.diff(lut) >= 0)
    custom = curve_lut([[0, 0], [0.1, 0.6], [0.2, 0.62], [1, 1]])
    assert np.all(np.diff(custom) >= -1e-7)  # PCHIP does not overshoot
    with pytest.raises(BadRequest):
        curve_lut([[0, 0], [0.5, 0.8], [0.6, 0.3], [1, 1]])  # goes down
    with pytest.raises(BadRequest):
        curve_lut("wiggly")


def test_transfer_matches_astropy_asinh() -> None:
    values = np.linspace(-1.0, 11.0, 500, dtype=np.float32)
    style = ChannelStyle(colour=(1, 1, 1), vmin=0.0, vmax=10.0, stretch="asinh", a=0.05)
    ref = AsinhStretch(a=0.05)(np.clip(values / 10.0, 0, 1))
    assert np.abs(transfer(values, style) - ref).max() < 2e-3  # 256-entry identity table
    gamma = ChannelStyle(colour=(1, 1, 1), vmin=0, vmax=1, stretch="linear", gamma=2.0)
    assert float(transfer(np.array([0.5], np.float32), gamma)[0]) == pytest.approx(0.25, abs=2e-3)
    levels = ChannelStyle(colour=(1, 1, 1), vmin=0, vmax=1, stretch="linear", black=0.2, white=0.6)
    assert transfer(np.array([0.1, 0.4, 0.9, np.nan], np.float32), levels) == pytest.approx(
        [0.0, 0.5, 1.0, 0.0], abs=3e-3
    )


def test_mixing_in_linear_light() -> None:
    red = ChannelStyle(colour=tuple(channel_colour("red")), vmin=0, vmax=1)
    green = ChannelStyle(colour=tuple(channel_colour("lime")), vmin=0, vmax=1)
    blue = ChannelStyle(colour=tuple(channel_colour("blue")), vmin=0, vmax=1)
    x = np.array([[0.5]], np.float32)
    rgb = mix([x, x * 0, x * 2], [None, None, None], [red, green, blue])
    # Primaries reduce to a classic RGB composite: each intensity is its own component.
    assert linear_to_srgb(rgb)[0, 0] == pytest.approx([0.5, 0.0, 1.0], abs=1e-5)
    # Four hues at equal intensity mix to grey (each component normalised).
    styles = [
        ChannelStyle(colour=tuple(channel_colour(h)), vmin=0, vmax=1) for h in wavelength_hues(4)
    ]
    grey = linear_to_srgb(mix([x] * 4, [None] * 4, styles))[0, 0]
    assert grey == pytest.approx([0.5, 0.5, 0.5], abs=1e-5)


def test_background_neutralisation_makes_the_sky_grey() -> None:
    reds = ChannelStyle(colour=tuple(channel_colour("red")), vmin=0, vmax=10, sky=2.0)
    blues = ChannelStyle(colour=tuple(channel_colour("blue")), vmin=0, vmax=10, sky=0.5)
    sky = [np.full((1, 1), 2.0, np.float32), np.full((1, 1), 0.5, np.float32)]
    rgb = mix(
        [transfer(v, s) for v, s in zip(sky, (reds, blues), strict=True)],
        [None, None],
        [reds, blues],
    )
    neutralise(rgb, background_rgb([reds, blues]))
    assert rgb[0, 0, 0] == pytest.approx(rgb[0, 0, 2], abs=1e-6)
    white = np.ones((1, 1, 3), np.float32)
    neutralise(white, background_rgb([reds, blues]))
    assert white[0, 0] == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)


def test_luminance_and_adjustments() -> None:
    rgb = np.array([[[0.2, 0.1, 0.05]]], np.float32)
    apply_luminance(rgb, np.array([[0.8]], np.float32))
    y = float(rgb[0, 0] @ np.array([0.2126, 0.7152, 0.0722]))
    assert y == pytest.approx(float(srgb_to_linear(np.float32(0.8))), rel=1e-5)
    assert rgb[0, 0, 0] > rgb[0, 0, 1] > rgb[0, 0, 2]  # hue kept
    pixel = np.array([[[0.3, 0.1, 0.05]]], np.float32)
    grey = finish_display(pixel, Finish(saturation=0.0))
    assert np.ptp(grey[0, 0]) < 1e-6
    rotated = finish_display(pixel, Finish(hue=120.0))
    assert rotated[0, 0, 1] > rotated[0, 0, 0]  # red turned towards green
    full = finish_display(pixel, Finish(hue=360.0))
    assert full == pytest.approx(finish_display(pixel, Finish()), abs=1e-6)
    levels = finish_display(np.full((1, 1, 3), 0.5, np.float32), Finish(black=0.2, white=0.8))
    assert levels[0, 0, 0] == pytest.approx((0.7354 - 0.2) / 0.6, abs=1e-3)


def test_auto_stretch_is_noise_aware() -> None:
    rng = np.random.default_rng(0)
    sky = rng.normal(10.0, 2.0, 200_000)
    stars = rng.exponential(400.0, 2_000) + 10
    auto = auto_stretch(np.concatenate([sky, stars]))
    assert auto.stats.sky == pytest.approx(10.0, abs=0.1)
    assert auto.stats.noise == pytest.approx(2.0, rel=0.05)
    assert auto.stats.empty_fraction > 0.95
    assert auto.vmin < 10.0 < auto.vmax
    assert auto.a == pytest.approx(2 * auto.stats.noise / (auto.vmax - auto.vmin), rel=1e-6)
    style = ChannelStyle(
        colour=(1, 1, 1), vmin=auto.vmin, vmax=auto.vmax, a=auto.a, gamma=auto.gamma
    )
    median = transfer(np.array([np.median(sky)], np.float32), style)[0]
    assert median == pytest.approx(0.25, abs=0.02)
    assert len(auto.reasons) == 5 and "Lupton" in auto.reasons[3]


def _channels(demo_dir: Path) -> tuple[list[Channel], list[SkyGrid]]:
    chans, grids = [], []
    for name, hue in zip(CARINA, wavelength_hues(len(CARINA)), strict=True):
        with fits.open(demo_dir / name) as hdul:
            data = hdul["SCI"].data.astype(np.float32)
            wcs = celestial_wcs(hdul["SCI"].header)
        auto = auto_stretch(data)
        style = ChannelStyle(
            colour=tuple(channel_colour(hue)),
            vmin=auto.vmin,
            vmax=auto.vmax,
            a=auto.a,
            gamma=auto.gamma,
            sky=auto.stats.sky,
        )
        chans.append(Channel([Source(data, wcs)], style))
        grids.append(SkyGrid(wcs, data.shape))
    return chans, grids


def test_render_is_deterministic_and_strip_independent(demo_dir: Path) -> None:
    chans, grids = _channels(demo_dir)
    grid = optimal_grid(grids, "intersection")
    finish = Finish(feather_px=3, sharpen_amount=0.4, saturation=1.2)
    one = render_composite(chans, grid, finish, strip_rows=grid.ny, workers=1)
    strips = render_composite(chans, grid, finish, strip_rows=17, workers=2)
    assert one.shape == (grid.ny, grid.nx, 3) and one.dtype == np.uint8
    assert np.array_equal(one, strips)  # strips with halos give the same picture
    deep = render_composite(chans, grid, finish, bits=16)
    assert deep.dtype == np.uint16
    assert np.abs(deep.astype(np.int64) // 257 - one).max() <= 1
    # Shortest wavelength is blue, longest red: the stars (white-ish) and the warm dust.
    assert one[..., 2].mean() > 5 and one[..., 0].mean() > 5
    with pytest.raises(BadRequest):
        render_composite([], grid)


def test_fast_linear_transfer_agrees_with_the_reference() -> None:
    from webbscope.imaging._composite import transfer_linear

    values = np.linspace(-2.0, 14.0, 20_001, dtype=np.float32)
    values[::97] = np.nan
    for curve in ("linear", "s-curve", [[0, 0], [0.2, 0.5], [1, 1]]):
        style = ChannelStyle(
            colour=(1, 1, 1), vmin=0.5, vmax=12.0, a=0.02, gamma=0.8, black=0.1, white=0.95,
            curve=curve_lut(curve),
        )  # fmt: skip
        ref = srgb_to_linear(transfer(values, style))
        assert np.abs(transfer_linear(values, style) - ref).max() < 2e-5
