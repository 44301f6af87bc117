"""Exact float tiles: scaled float16 keeps relative precision at any magnitude, and float32
is used where float16 would still lose it (DN counts, huge dynamic range)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from webbscope.errors import BadRequest
from webbscope.imaging import (
    FLOAT_TILE_MAGIC,
    decode_f16,
    decode_float_tile,
    encode_f16,
    encode_float_tile,
    float_tile_kind,
)

REL = 2.0**-11  # float16's relative precision (half an ulp)


def round_trip(tile: np.ndarray) -> tuple[str, np.ndarray]:
    blob = encode_float_tile(tile)
    assert blob[:4] == FLOAT_TILE_MAGIC
    return float_tile_kind(blob), decode_float_tile(blob)


def test_layout() -> None:
    tile = np.array([[1.0, 2.0, np.nan], [3.0, 4.5, 6.0]], dtype=np.float32)
    blob = encode_float_tile(tile)
    magic, w, h, kind, offset, scale = struct.unpack_from("<4sHHB7xdd", blob)
    assert (magic, w, h, kind) == (b"WFT1", 3, 2, 2)
    assert len(blob) == 32 + 2 * 6 and blob[9:16] == bytes(7)
    assert offset == 1.0 and scale == 2.0**-12  # from the smallest; residual 5 -> [2**14, 2**15)
    back = decode_float_tile(blob)
    np.testing.assert_array_equal(back, tile)  # few bits: exact
    assert np.isnan(back[0, 2])
    # decode_f16 reads both layouts
    np.testing.assert_array_equal(decode_f16(blob), back)
    np.testing.assert_array_equal(decode_f16(encode_f16(tile)), back)
    for bad in (blob[:20], b"XXXX" + blob[4:], blob[:-2], blob[:8] + b"\x03" + blob[9:]):
        with pytest.raises(BadRequest):
            decode_float_tile(bad)


def test_values_above_65504_keep_relative_precision(rng) -> None:
    tile = (1e6 * (1 + rng.random((256, 256)))).astype(np.float32)
    tile[0, 0] = 3e7
    kind, back = round_trip(tile)
    assert kind == "f16"
    assert np.all(np.isfinite(back)) and back.max() == pytest.approx(3e7, rel=REL)
    np.testing.assert_allclose(back, tile, rtol=2 * REL)
    # The old layout saturated them all at 65504.
    assert decode_f16(encode_f16(tile)).max() == 65504.0


def test_sky_at_1e6_keeps_its_faint_structure(rng) -> None:
    tile = (1e6 + rng.normal(0, 1.0, (128, 128))).astype(np.float32)
    kind, back = round_trip(tile)
    assert kind == "f16"
    # errors far below the noise: float32's own step at 1e6 is 0.0625
    assert np.abs(back - tile).max() <= 0.07
    # float16 alone saturates (old layout) or, for sky at 5e4, rounds to steps of 32
    assert (decode_f16(encode_f16(tile)) == 65504).all()
    low = tile - np.float32(1e6 - 5e4)
    assert np.abs(low.astype(np.float16).astype(np.float32) - low).max() > 5
    kind, back = round_trip(low)
    assert kind == "f16" and np.abs(back - low).max() < 0.01


def test_tiny_values_keep_relative_precision(rng) -> None:
    tile = (1e-8 * rng.random((256, 256)) + 1e-9).astype(np.float32)
    kind, back = round_trip(tile)
    assert kind == "f16"
    np.testing.assert_allclose(back, tile, rtol=2 * REL)
    # float16 alone flushes them to zero or to a few subnormal steps
    assert np.count_nonzero(tile.astype(np.float16)) < tile.size / 2


def test_background_noise_with_bright_stars(rng) -> None:
    tile = (0.1 + rng.normal(0, 1e-2, (256, 256))).astype(np.float32)
    tile[10, 10], tile[20, 20] = 5e3, -2.0
    kind, back = round_trip(tile)
    assert kind == "f16"
    # every value to float16's precision relative to itself
    np.testing.assert_allclose(back, tile, rtol=2 * REL)
    # the noise keeps steps far below its own size
    assert np.abs(back - tile)[np.abs(tile) < 1].max() < 1e-2 / 100


def test_dn_counts_level_1_are_exact(rng) -> None:
    # _uncal: uint16 DN read as float, spanning more than float16's 2048 exact integers
    tile = rng.integers(9000, 65535, (256, 256)).astype(np.float32)
    kind, back = round_trip(tile)
    assert kind == "f32"
    np.testing.assert_array_equal(back, tile)
    # a narrow DN range is exact as float16 after the offset, at half the bytes
    narrow = rng.integers(12000, 13500, (256, 256)).astype(np.float32)
    narrow[3, 3] = np.nan
    kind, back = round_trip(narrow)
    assert kind == "f16"
    np.testing.assert_array_equal(back, narrow)


def test_dn_scaled_level_2_rates(rng) -> None:
    # _rate: DN/s, floats from ~0 to thousands, with a large pedestal-free dynamic range
    tile = (rng.gamma(2.0, 0.5, (256, 256)) + 0.01).astype(np.float32)
    tile[100:103, 100:103] = 25_000.0 + rng.random((3, 3)).astype(np.float32)
    kind, back = round_trip(tile)
    assert kind == "f16"
    np.testing.assert_allclose(back, tile, rtol=2 * REL)


def test_noise_around_zero_keeps_relative_precision(rng) -> None:
    tile = rng.normal(0, 1e-3, (256, 256)).astype(np.float32)
    tile[5, 5] = 3e3
    kind, back = round_trip(tile)
    assert kind == "f16"
    floor = 2.0**-24 * 3e3
    assert np.all(np.abs(back - tile) <= 2 * REL * np.maximum(np.abs(tile), floor))


def test_huge_dynamic_range_falls_back_to_float32() -> None:
    tile = np.array([[1.5, 2.25], [3.75, 1e12]], dtype=np.float32)  # 2**40 : 1
    kind, back = round_trip(tile)
    assert kind == "f32"
    np.testing.assert_array_equal(back, tile)


def test_nan_and_infinities_stay_themselves(rng) -> None:
    tile = rng.random((16, 16)).astype(np.float32)
    tile[0, 0], tile[0, 1], tile[0, 2] = np.nan, np.inf, -np.inf
    kind, back = round_trip(tile)
    assert kind == "f16"
    assert np.isnan(back[0, 0]) and back[0, 1] == np.inf and back[0, 2] == -np.inf
    empty = np.full((4, 4), np.nan, np.float32)
    kind, back = round_trip(empty)
    assert kind == "f16" and np.isnan(back).all()
    constant = np.full((4, 4), 123456.0, np.float32)
    kind, back = round_trip(constant)
    assert kind == "f16"
    np.testing.assert_array_equal(back, constant)


def test_f32_tiles_are_the_engine_values_bit_for_bit(rng) -> None:
    from webbscope.imaging import tile_bytes

    data = (1e-3 * rng.random((300, 300))).astype(np.float32)
    f16 = tile_bytes(data, 1, 0, 0, "f16")
    f32 = tile_bytes(data, 1, 0, 0, "f32")
    assert float_tile_kind(f16) == "f16" and float_tile_kind(f32) == "f32"
    np.testing.assert_array_equal(decode_float_tile(f32), data[::-1][:256, :256])
