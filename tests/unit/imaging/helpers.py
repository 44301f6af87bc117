"""Shared constants and data helpers for the imaging tests."""

from __future__ import annotations

import numpy as np

DEMO_SIZE = 128
I2D = "jw02731-o001_t017_nircam_clear-f200w_i2d.fits"
CAL = "jw02731001001_02101_00001_nrcb1_cal.fits"
S3D = "jw02731-o003_t017_nirspec_g395m-f290lp_s3d.fits"


def edge_values() -> np.ndarray:
    """Values a stretch must survive: the ends, tiny, subnormal, out of range, near 1."""
    return np.array(
        [0.0, 1.0, 0.5, 1e-7, 1e-30, 1e-45, -0.5, -1e-30, 1.5, 1.0 - 6e-8, 0.999, 0.001],
        dtype=np.float32,
    )


def random_unit(rng: np.random.Generator, n: int = 20_000) -> np.ndarray:
    """Random float32 values on [0, 1], with the edge values appended."""
    return np.concatenate([rng.random(n, dtype=np.float32), edge_values()])
