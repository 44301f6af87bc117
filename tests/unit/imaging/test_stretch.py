"""Every stretch agrees with astropy.visualization on random data and edge values."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import visualization as av

from tests.unit.imaging.helpers import random_unit
from webbscope.imaging import (
    DEFAULT_A,
    STRETCHES,
    apply_stretch,
    asinh_stretch,
    contrast_bias,
    histeq_stretch,
    histeq_table,
    linear_stretch,
    log_stretch,
    power_stretch,
    sinh_stretch,
    sqrt_stretch,
    squared_stretch,
)
from webbscope.imaging._stretch import histeq_lut

RTOL, ATOL = 1e-6, 1e-7


def close(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


CASES = [
    ("linear", {}, lambda: av.LinearStretch()),
    ("sqrt", {}, lambda: av.SqrtStretch()),
    ("squared", {}, lambda: av.SquaredStretch()),
    *[("power", {"gamma": g}, (lambda g=g: av.PowerStretch(g))) for g in (0.2, 0.5, 1, 1.7, 2, 3)],
    *[("log", {"a": a}, (lambda a=a: av.LogStretch(a))) for a in (0.1, 1, 10, 1000, 1e5)],
    *[("asinh", {"a": a}, (lambda a=a: av.AsinhStretch(a))) for a in (0.001, 0.02, 0.1, 0.5, 3)],
    *[("sinh", {"a": a}, (lambda a=a: av.SinhStretch(a))) for a in (0.0125, 0.05, 1 / 3, 1, 3)],
]


@pytest.mark.parametrize(("name", "kwargs", "reference"), CASES)
def test_stretch_matches_astropy(name, kwargs, reference, rng) -> None:
    x = random_unit(rng)
    ours = apply_stretch(x, name, **kwargs)
    theirs = reference()(x.copy())
    close(ours, theirs)
    assert np.all((ours >= 0) & (ours <= 1 + 1e-6))  # within an ulp of [0, 1], as astropy


def test_named_functions_match_apply_stretch(rng) -> None:
    x = random_unit(rng, 1000)
    np.testing.assert_array_equal(linear_stretch(x), apply_stretch(x, "linear"))
    np.testing.assert_array_equal(sqrt_stretch(x), apply_stretch(x, "sqrt"))
    np.testing.assert_array_equal(squared_stretch(x), apply_stretch(x, "squared"))
    np.testing.assert_array_equal(log_stretch(x), apply_stretch(x, "log"))
    np.testing.assert_array_equal(asinh_stretch(x), apply_stretch(x, "asinh"))
    np.testing.assert_array_equal(sinh_stretch(x), apply_stretch(x, "sinh"))
    np.testing.assert_array_equal(power_stretch(x, 0.7), apply_stretch(x, "power", gamma=0.7))


@pytest.mark.parametrize("name", ["log", "asinh", "sinh"])
def test_default_a_is_astropys(name) -> None:
    default = {"log": av.LogStretch(), "asinh": av.AsinhStretch(), "sinh": av.SinhStretch()}
    assert DEFAULT_A[name] == pytest.approx(default[name].a)
    x = np.linspace(0, 1, 101, dtype=np.float32)
    close(apply_stretch(x, name), default[name](x.copy()))


def test_histeq_matches_astropy(rng) -> None:
    # A skewed sample, as astronomical images are: most pixels near the background.
    sample = rng.gamma(0.5, size=5000).astype(np.float32)
    sample = sample / sample.max()
    x = random_unit(rng)
    ours = histeq_stretch(x, histeq_table(sample))
    theirs = av.HistEqStretch(sample)(x.copy())
    close(ours, theirs)


def test_histeq_ignores_nan_and_inf_in_the_sample(rng) -> None:
    sample = rng.random(1000).astype(np.float32)
    dirty = np.concatenate([sample, [np.nan, np.inf, -np.inf]]).astype(np.float32)
    x = random_unit(rng, 500)
    close(histeq_stretch(x, histeq_table(dirty)), av.HistEqStretch(sample)(x.copy()))


def test_thinned_histeq_table_is_exact_at_its_knots(rng) -> None:
    # float64 values have no ties, so every knot is a unique point of the full curve.
    sample = rng.normal(0.3, 0.05, 200_001)
    full, thin = histeq_table(sample), histeq_table(sample, max_points=1001)
    assert len(thin) == 1001
    np.testing.assert_allclose(
        np.interp(thin.data, thin.data, thin.values), np.interp(thin.data, full.data, full.values)
    )
    x = random_unit(rng, 5000)
    assert np.abs(histeq_stretch(x, thin) - histeq_stretch(x, full)).max() < 2e-3
    lut = histeq_lut(thin, 65536)
    assert lut.shape == (65536,) and lut[0] == 0 and lut[-1] == 1


def test_histeq_of_a_constant_sample_is_the_identity() -> None:
    x = np.linspace(0, 1, 11, dtype=np.float32)
    close(histeq_stretch(x, histeq_table(np.full(10, 3.0))), x)
    close(histeq_stretch(x, histeq_table(np.array([np.nan]))), x)


@pytest.mark.parametrize(("contrast", "bias"), [(1, 0.5), (2, 0.3), (0.5, 0.7), (-1, 0.5)])
def test_contrast_bias_matches_astropy(contrast, bias, rng) -> None:
    x = random_unit(rng)
    close(contrast_bias(x, contrast, bias), av.ContrastBiasStretch(contrast, bias)(x.copy()))


def test_in_place_and_out_buffers(rng) -> None:
    x = rng.random((64, 64), dtype=np.float32)
    expected = av.LogStretch(100)(x.copy())
    buf = x.copy()
    result = log_stretch(buf, 100, out=buf)
    assert result is buf
    close(buf, expected)
    out = np.empty_like(x)
    assert asinh_stretch(x, out=out) is out
    with pytest.raises(TypeError):
        sqrt_stretch(x, out=np.empty(x.shape, dtype=np.float64))


def test_inputs_of_other_dtypes_are_clipped_into_float32() -> None:
    x = np.array([-1.0, 0.25, 2.0])
    out = sqrt_stretch(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


def test_nan_propagates_like_astropy() -> None:
    x = np.array([np.nan, 0.5], dtype=np.float32)
    for name in STRETCHES:
        if name != "histeq":
            assert np.isnan(apply_stretch(x, name)[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: log_stretch(np.zeros(2), 0), "a must be"),
        (lambda: asinh_stretch(np.zeros(2), -1), "a must be"),
        (lambda: sinh_stretch(np.zeros(2), 0.001), "float32 overflow"),
        (lambda: power_stretch(np.zeros(2), float("nan")), "gamma must be"),
        (lambda: apply_stretch(np.zeros(2), "cubic"), "unknown stretch"),  # type: ignore[arg-type]
    ],
)
def test_bad_parameters_are_rejected(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
