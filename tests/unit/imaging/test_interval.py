"""Intervals agree with astropy exactly on every pixel, and closely from the sample."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import visualization as av
from astropy.io import fits

from tests.unit.imaging.helpers import I2D
from webbscope.errors import BadRequest
from webbscope.imaging import (
    Interval,
    ScaledArray,
    display_limits,
    exact_limits,
    histogram,
    sample_pixels,
)
from webbscope.imaging._interval import MAX_SAMPLES, SAMPLE_READ_BUDGET, _lattice


def sky(rng: np.random.Generator, shape=(600, 700)) -> np.ndarray:
    """Background + noise + a few bright sources + NaN border + inf: like a JWST mosaic."""
    data = rng.normal(1.0, 0.05, shape).astype(np.float32)
    y, x = rng.integers(0, shape[0], 40), rng.integers(0, shape[1], 40)
    data[y, x] += rng.gamma(1.0, 50.0, 40).astype(np.float32)
    data[:12] = np.nan
    data[:, :7] = np.nan
    data[100, 100] = np.inf
    data[101, 101] = -np.inf
    return data


REFERENCES = [
    (Interval.minmax(), lambda: av.MinMaxInterval()),
    (Interval.percentile(99), lambda: av.PercentileInterval(99)),
    (Interval.percentile(99.5), lambda: av.PercentileInterval(99.5)),
    (Interval.percentile(99.9), lambda: av.PercentileInterval(99.9)),
    (Interval.asymmetric(1, 95), lambda: av.AsymmetricPercentileInterval(1, 95)),
    (Interval.zscale(), lambda: av.ZScaleInterval()),
    (Interval.manual(-1.0, 5.0), lambda: av.ManualInterval(-1.0, 5.0)),
    (Interval.manual(None, 5.0), lambda: av.ManualInterval(None, 5.0)),
    (Interval.manual(0.5, None), lambda: av.ManualInterval(0.5, None)),
]


@pytest.mark.parametrize(("interval", "reference"), REFERENCES)
def test_exact_limits_equal_astropy(interval, reference, rng) -> None:
    data = sky(rng)
    ours = exact_limits(data, interval)
    theirs = reference().get_limits(data)
    np.testing.assert_allclose(ours, [float(v) for v in theirs], rtol=1e-12)


@pytest.mark.parametrize("keep", [99.0, 99.5, 99.9])
def test_sampled_percentiles_are_close_in_rank(keep, rng) -> None:
    data = sky(rng, (1024, 1536))
    vmin, vmax = display_limits(data, Interval.percentile(keep))
    finite = np.sort(data[np.isfinite(data)])
    lo_rank = np.searchsorted(finite, vmin) / finite.size * 100
    hi_rank = np.searchsorted(finite, vmax) / finite.size * 100
    cut = (100 - keep) / 2
    assert abs(lo_rank - cut) < 0.1
    assert abs(hi_rank - (100 - cut)) < 0.1


def test_sampled_zscale_and_minmax_are_close(rng) -> None:
    data = sky(rng, (1024, 1024))
    zs, zx = display_limits(data, Interval.zscale()), exact_limits(data, Interval.zscale())
    # zscale fits 1000 of the pixels either way; which 1000 moves it by about the noise.
    assert zs == pytest.approx(zx, abs=0.1)  # sky noise sigma is 0.05
    lo, hi = display_limits(data, Interval.minmax())
    assert np.nanmin(data[np.isfinite(data)]) <= lo and hi <= np.max(data[np.isfinite(data)])


def test_small_images_are_sampled_whole(rng) -> None:
    data = sky(rng, (200, 300))  # 60,000 pixels < the minimum sample
    assert sample_pixels(data).size == np.isfinite(data).sum()
    assert display_limits(data) == exact_limits(data)


def test_sample_size_and_determinism(rng) -> None:
    data = rng.random((2048, 2048), dtype=np.float32)
    sample = sample_pixels(data)
    assert 0.9 * data.size / 64 <= sample.size <= 1.1 * data.size / 64
    np.testing.assert_array_equal(sample, sample_pixels(data))
    assert sample_pixels(data, max_samples=10_000).size <= 10_000
    assert sample_pixels(data, min_samples=100, fraction=1e-6).size >= 100


def test_sampling_reads_big_endian_and_scaled_data(rng) -> None:
    data = rng.normal(100.0, 10.0, (900, 800)).astype(np.float32)
    big = data.astype(">f4")
    assert display_limits(big) == display_limits(data)
    stored = np.round((data - 50.0) / 0.01).astype(">i4")
    scaled = ScaledArray(stored, bscale=0.01, bzero=50.0)
    lo, hi = display_limits(scaled)
    assert (lo, hi) == pytest.approx(display_limits(data), abs=0.01)


def test_huge_frames_sample_few_rows() -> None:
    shape = (50_000, 50_000)  # 10 GB of float32
    sr, sc = _lattice(shape, MAX_SAMPLES, 4)
    rows = -(-shape[0] // sr)
    assert rows * shape[1] * 4 <= SAMPLE_READ_BUDGET
    assert 0.8 * MAX_SAMPLES <= rows * (shape[1] // sc) <= 1.3 * MAX_SAMPLES
    assert _lattice((4096, 4096), 4096 * 4096 // 64, 4) == (8, 8)  # square when affordable
    huge = np.broadcast_to(np.float32(2.0), shape)  # never allocated
    assert display_limits(huge) == (2.0, 2.0)


def test_cube_and_1d_inputs_are_sampled(rng) -> None:
    cube = rng.random((10, 300, 300), dtype=np.float32)
    assert 0 < sample_pixels(cube).size < cube.size
    line = rng.random(1_000_000, dtype=np.float32)
    assert 65_536 <= sample_pixels(line).size < 70_000  # the minimum sample wins


def test_no_finite_pixel_gives_the_fallback() -> None:
    empty = np.full((50, 50), np.nan, dtype=np.float32)
    assert display_limits(empty) == (0.0, 1.0)
    assert display_limits(empty, Interval.manual(2.0, None)) == (2.0, 1.0)
    assert exact_limits(empty, Interval.minmax()) == (0.0, 1.0)


def test_intervals_validate() -> None:
    for bad in (
        lambda: Interval(kind="median"),  # type: ignore[arg-type]
        lambda: Interval.asymmetric(60, 40),
        lambda: Interval.percentile(0),
        lambda: Interval.manual(float("nan"), 1.0),
    ):
        with pytest.raises(BadRequest):
            bad()


def test_histogram_exact_matches_numpy(rng) -> None:
    data = sky(rng)
    result = histogram(data, bins=64, range=(0.5, 1.5), sample=False)
    finite = data[np.isfinite(data)]
    counts, edges = np.histogram(finite, bins=64, range=(0.5, 1.5))
    np.testing.assert_array_equal(result.counts, counts)
    np.testing.assert_allclose(result.edges, edges)
    assert result.total == finite.size and not result.sampled
    default = histogram(data, bins=10, sample=False)
    assert default.edges[0] == finite.min() and default.edges[-1] == finite.max()
    assert default.counts.sum() == finite.size


def test_histogram_sampled_has_the_same_shape(rng) -> None:
    data = rng.normal(0, 1, (1500, 1500)).astype(np.float32)
    sampled = histogram(data, bins=20, range=(-4, 4))
    exact = histogram(data, bins=20, range=(-4, 4), sample=False)
    assert sampled.sampled and sampled.total < exact.total
    np.testing.assert_allclose(
        sampled.counts / sampled.total, exact.counts / exact.total, atol=0.003
    )


def test_histogram_log_bins_and_validation(rng) -> None:
    data = rng.lognormal(0, 1, 10_000)
    result = histogram(data, bins=30, log=True, sample=False)
    assert np.allclose(np.diff(np.log10(result.edges)), np.diff(np.log10(result.edges))[0])
    assert result.counts.sum() == result.total
    with pytest.raises(BadRequest):
        histogram(data, bins=0)
    with pytest.raises(BadRequest):
        histogram(data, range=(2.0, 1.0))


def test_demo_mosaic_limits(demo_dir) -> None:
    with fits.open(demo_dir / I2D, memmap=True) as hdul:
        data = hdul["SCI"].data
        assert np.isnan(data).any()
        ours = display_limits(data, Interval.percentile(99.5))
        assert ours == pytest.approx(av.PercentileInterval(99.5).get_limits(data))
