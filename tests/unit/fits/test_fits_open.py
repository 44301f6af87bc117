from __future__ import annotations

import mmap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from astropy.io import fits

from webbscope.fits import FitsLimits, open_fits, scan_fits, validate_fits

I2D = "jw02731-o001_t017_nircam_clear-f200w_i2d.fits"


def test_open_fits_gives_a_lazy_memory_mapped_hdulist(
    demo_dir: Path, limits: FitsLimits, no_fd_leak: None
) -> None:
    with open_fits(demo_dir / I2D, limits) as hdul:
        assert isinstance(hdul, fits.HDUList)
        sci = hdul["SCI"]
        assert sci.header["BUNIT"] == "MJy/sr"
        data = sci.data
        assert data.shape == (128, 128)
        base = data
        while getattr(base, "base", None) is not None:
            base = base.base
        assert isinstance(base, mmap.mmap | np.memmap)
        handle = hdul._file
        del data, base, sci
    assert handle.closed


def test_open_fits_closes_the_file_when_the_block_raises(
    demo_dir: Path, limits: FitsLimits, no_fd_leak: None
) -> None:
    with pytest.raises(RuntimeError), open_fits(demo_dir / I2D, limits) as hdul:
        handle = hdul._file
        raise RuntimeError("boom")
    assert handle.closed


def test_validate_fits_accepts_every_demo_file(demo_dir: Path, limits: FitsLimits) -> None:
    files = sorted(demo_dir.glob("*.fits"))
    assert len(files) >= 10
    for path in files:
        validate_fits(path, limits)  # raises on any problem


def test_scan_matches_astropy_offsets(demo_dir: Path, limits: FitsLimits) -> None:
    for path in sorted(demo_dir.glob("*.fits")):
        layouts = scan_fits(path, limits)
        with fits.open(path) as hdul:
            assert len(layouts) == len(hdul)
            for layout, hdu in zip(layouts, hdul, strict=True):
                info = hdul.fileinfo(layout.index)
                assert layout.header_offset == info["hdrLoc"]
                assert layout.data_offset == info["datLoc"]
                assert layout.name == (hdu.name or "")
                if hdu.is_image and hdu.header["NAXIS"] > 0:
                    assert layout.shape == hdu.shape
                    assert layout.dtype == hdu.data.dtype.name


def test_limits_from_settings() -> None:
    settings = SimpleNamespace(
        max_fits_bytes=10,
        max_array_elements=20,
        max_hdus=3,
        max_compressed_tile_bytes=4096,
        max_header_bytes=5000,
    )
    expected = FitsLimits(10, 20, 3, max_tile_bytes=4096, max_header_bytes=5000)
    assert FitsLimits.from_settings(settings) == expected
    with pytest.raises(ValueError, match="max_hdus"):
        FitsLimits(max_hdus=0)


def test_limits_match_the_settings_defaults() -> None:
    from webbscope.settings import Settings

    fields = Settings.model_fields
    defaults = SimpleNamespace(
        max_fits_bytes=fields["max_fits_bytes"].default,
        max_array_elements=fields["max_array_elements"].default,
        max_hdus=fields["max_hdus"].default,
        max_compressed_tile_bytes=fields["max_compressed_tile_bytes"].default,
        max_header_bytes=fields["max_header_bytes"].default,
    )
    assert FitsLimits.from_settings(defaults) == FitsLimits()
