"""The render pipeline against an astropy reference, NaN handling, modes and speed."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import visualization as av

from webbscope.errors import BadRequest
from webbscope.imaging import (
    Interval,
    RenderParams,
    ViewSetup,
    colormap_lut,
    display_limits,
    prepare_view,
    render,
    render_index,
)


def field(rng: np.random.Generator, shape=(256, 256)) -> np.ndarray:
    data = rng.gamma(2.0, 1.0, shape).astype(np.float32)
    data[:5, :5] = np.nan
    return data


ASTROPY = {
    "linear": lambda p: av.LinearStretch(),
    "log": lambda p: av.LogStretch(p.stretch_a),
    "sqrt": lambda p: av.SqrtStretch(),
    "squared": lambda p: av.SquaredStretch(),
    "asinh": lambda p: av.AsinhStretch(p.stretch_a),
    "sinh": lambda p: av.SinhStretch(p.stretch_a),
    "power": lambda p: av.PowerStretch(p.gamma),
}


def reference(data: np.ndarray, params: RenderParams, vmin: float, vmax: float) -> np.ndarray:
    """What matplotlib + astropy would draw: interval, stretch, contrast/bias, N=256 map."""
    x = av.ManualInterval(vmin, vmax)(data)
    x = ASTROPY[params.stretch](params)(x)
    x = av.ContrastBiasStretch(params.contrast, params.bias)(x)
    nan = np.isnan(x)
    index = np.minimum(np.floor(np.where(nan, 0, x) * 256), 255).astype(np.uint8)
    rgba = colormap_lut(params.cmap, invert=params.invert)[index].copy()
    rgba[nan] = params.nan_colour
    return rgba


def assert_matches(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Equal, except a float32 rounding may move a rare pixel to the neighbouring level."""
    assert ours.shape == theirs.shape and ours.dtype == np.uint8
    differ = np.any(ours != theirs, axis=-1)
    assert differ.mean() < 1e-3, differ.mean()


@pytest.mark.parametrize("stretch", sorted(ASTROPY))
@pytest.mark.parametrize("cmap", ["gray", "viridis", "turbo"])
def test_render_matches_the_astropy_pipeline(stretch, cmap, rng) -> None:
    data = field(rng)
    params = RenderParams(stretch=stretch, cmap=cmap, gamma=0.6, contrast=1.3, bias=0.45)
    vmin, vmax = display_limits(data, params.interval)
    assert_matches(render(data, params, (vmin, vmax)), reference(data, params, vmin, vmax))


@pytest.mark.parametrize("a", [0.01, 0.3, 5.0])
def test_stretch_parameter_and_invert(a, rng) -> None:
    data = field(rng)
    params = RenderParams(stretch="asinh", a=a, cmap="magma", invert=True)
    view = prepare_view(data, params)
    assert_matches(render(data, params, view), reference(data, params, view.vmin, view.vmax))


def test_histeq_matches_astropy_within_one_level(rng) -> None:
    data = field(rng, (300, 400))
    params = RenderParams(stretch="histeq", interval=Interval.minmax())
    view = prepare_view(data, params, sample=False)
    assert view.histeq is not None
    x = av.ManualInterval(view.vmin, view.vmax)(data)
    finite = x[np.isfinite(x)]
    y = av.HistEqStretch(finite)(np.where(np.isnan(x), 0, x))
    expected = np.minimum(np.floor(y * 256), 255)
    ours = render(data, params, view)[..., 0].astype(int)
    ok = ~np.isnan(data)
    diff = np.abs(ours[ok] - expected[ok])
    assert diff.max() <= 2 and (diff > 1).mean() < 1e-3
    # Equalised: the histogram of the output is close to flat.
    counts = np.bincount(ours[ok] // 32, minlength=8)
    assert counts.min() > 0.8 * counts.mean()


def test_histeq_without_a_view_uses_the_data_itself(rng) -> None:
    data = field(rng)
    out = render(data, RenderParams(stretch="histeq"))
    assert out.shape == (256, 256, 4)


def test_nan_is_transparent_or_the_chosen_colour(rng) -> None:
    data = field(rng)
    out = render(data, RenderParams(cmap="viridis"))
    assert np.all(out[:5, :5] == 0)
    assert np.all(out[5:, 5:, 3] == 255)
    red = render(data, RenderParams(cmap="viridis", nan_colour=(255, 0, 0, 255)))
    assert np.all(red[:5, :5] == [255, 0, 0, 255])


def test_infinities_and_out_of_range_values_saturate() -> None:
    data = np.array([[np.inf, -np.inf, 5.0, -5.0, 0.5]], dtype=np.float32)
    out = render(data, RenderParams(mode="L"), (0.0, 1.0))
    np.testing.assert_array_equal(out, [[255, 0, 255, 0, 128]])


def test_output_modes(rng) -> None:
    data = field(rng, (40, 70))
    view = prepare_view(data, RenderParams())
    rgba = render(data, RenderParams(cmap="gray"), view)
    rgb = render(data, RenderParams(cmap="gray", mode="RGB", nan_colour=(9, 8, 7, 0)), view)
    lum = render(data, RenderParams(cmap="gray", mode="L", nan_colour=(9, 9, 9, 255)), view)
    assert rgba.shape == (40, 70, 4) and rgb.shape == (40, 70, 3) and lum.shape == (40, 70)
    ok = ~np.isnan(data)
    np.testing.assert_array_equal(rgb[ok], rgba[ok][:, :3])
    np.testing.assert_array_equal(lum[ok], rgba[ok][:, 0])
    assert np.all(rgb[~ok] == [9, 8, 7]) and np.all(lum[~ok] == 9)
    inverted = render(data, RenderParams(cmap="gray", mode="L", invert=True), view)
    np.testing.assert_array_equal(inverted[ok], 255 - lum[ok])


def test_degenerate_limits_and_empty_images() -> None:
    flat = np.full((8, 8), 3.0, dtype=np.float32)
    assert np.all(render(flat, RenderParams(mode="L")) == 0)
    assert render(np.zeros((0, 5), np.float32), RenderParams()).shape == (0, 5, 4)
    nan = np.full((4, 4), np.nan, dtype=np.float32)
    assert np.all(render(nan, RenderParams())[..., 3] == 0)


def test_other_dtypes_and_byte_orders(rng) -> None:
    data = field(rng)
    view = ViewSetup(0.0, 8.0)
    expected = render(data, RenderParams(), view)
    np.testing.assert_array_equal(render(data.astype(">f4"), RenderParams(), view), expected)
    np.testing.assert_array_equal(render(data.astype(np.float64), RenderParams(), view), expected)
    counts = np.arange(100, dtype=">i2").reshape(10, 10)
    out = render(counts, RenderParams(mode="L"), (0, 99))
    assert out[0, 0] == 0 and out[-1, -1] == 255


def test_large_images_render_in_blocks(rng) -> None:
    data = field(rng, (700, 1000))  # several blocks, uneven last block
    params = RenderParams(stretch="log", cmap="plasma")
    view = prepare_view(data, params)
    assert_matches(render(data, params, view), reference(data, params, view.vmin, view.vmax))


def test_render_index(rng) -> None:
    data = field(rng, (30, 30))
    index, nan = render_index(data, RenderParams(stretch="sqrt", cmap="viridis"), None)
    assert index.shape == (30, 30) and index.dtype == np.uint8
    np.testing.assert_array_equal(nan, np.isnan(data))


def test_params_validate_and_have_a_stable_key() -> None:
    for bad in (
        {"stretch": "cubic"},
        {"a": -1.0},
        {"stretch": "sinh", "a": 0.001},
        {"gamma": 0.0},
        {"contrast": float("inf")},
        {"cmap": "jet"},
        {"nan_colour": (0, 0, 0)},
        {"nan_colour": (0, 0, 0, 256)},
        {"mode": "L", "cmap": "viridis"},
        {"mode": "CMYK"},
    ):
        with pytest.raises(BadRequest) as err:
            RenderParams(**bad)  # type: ignore[arg-type]
        assert err.value.code == "invalid_render_params"
    a = RenderParams(stretch="log", interval=Interval.percentile(99.9))
    b = RenderParams(stretch="log", interval=Interval.percentile(99.9))
    assert a == b and hash(a) == hash(b) and a.cache_key() == b.cache_key()
    assert a.cache_key() != RenderParams(stretch="log").cache_key()
    assert RenderParams(stretch="log").stretch_a == 1000.0
    assert RenderParams(stretch="linear").stretch_a is None
