from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits

from webbscope.domain import JwstMetadata
from webbscope.fits import FitsLimits, extract_metadata

DEMO_SIZE = 128  # the size tests/unit/fits/conftest.py writes the demo data at
SW_FIELD_ARCSEC = DEMO_SIZE * 0.031


def _separation_arcsec(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    d_ra = (ra1 - ra2) * math.cos(math.radians((dec1 + dec2) / 2))
    return math.hypot(d_ra, dec1 - dec2) * 3600.0


def test_every_demo_file_matches_its_manifest(
    demo_dir: Path, demo_manifest: dict[str, dict[str, Any]], limits: FitsLimits
) -> None:
    assert len(demo_manifest) == len(list(demo_dir.glob("*.fits")))
    for name, entry in demo_manifest.items():
        meta = extract_metadata(demo_dir / name, limits)
        json.dumps(meta.model_dump(mode="json"), allow_nan=False)
        assert meta.file_name == name
        assert meta.obs_id == entry["obs_id"]
        assert meta.size_bytes == entry["size_bytes"]
        assert meta.telescope == "JWST"
        assert meta.instrument == entry["instrument"]
        assert meta.detector == entry["detector"]
        assert meta.filter == entry["filter"]
        assert meta.pupil == entry["pupil"]
        assert meta.grating == entry["grating"]
        assert meta.target_name == entry["target_name"]
        assert meta.target_ra == pytest.approx(entry["target_ra"])
        assert meta.target_dec == pytest.approx(entry["target_dec"])
        assert meta.program == entry["program"]
        assert meta.observation == entry["observation"]
        assert meta.visit == entry["visit"]
        assert meta.processing_level == entry["level"]
        assert meta.product_type == entry["product_type"]
        assert meta.exposure_time == pytest.approx(entry["exposure_time"])
        assert meta.exposure_start_mjd == pytest.approx(entry["t_min"])
        assert meta.exposure_end_mjd == pytest.approx(entry["t_max"])
        assert meta.exposure_start is not None
        assert meta.exposure_start.tzinfo is not None
        assert meta.exposure_start.isoformat()[:19] == entry["date_obs"][:19]
        if entry["dataproduct_type"] == "spectrum":
            continue
        assert meta.bunit == "MJy/sr"
        assert meta.has_celestial_wcs
        assert meta.center_ra is not None and meta.center_dec is not None
        sep = _separation_arcsec(meta.center_ra, meta.center_dec, entry["ra"], entry["dec"])
        assert sep < 0.1, (name, sep)
        assert meta.footprint is not None and len(meta.footprint) == 4
        for ra, dec in ((c.ra, c.dec) for c in meta.footprint):
            assert 0.0 <= ra < 360.0
            assert _separation_arcsec(ra, dec, entry["ra"], entry["dec"]) < SW_FIELD_ARCSEC


def test_image_metadata(demo_dir: Path, limits: FitsLimits) -> None:
    meta = extract_metadata(demo_dir / "jw02731-o001_t017_nircam_clear-f444w_i2d.fits", limits)
    assert meta.shape == [63, 63]
    assert meta.dtype == "float32"
    assert not meta.is_cube and meta.spectral_axis is None
    assert meta.science_hdu == 1
    assert meta.pixel_scale_arcsec == pytest.approx(0.063)
    assert meta.exposure_start == datetime(2022, 6, 3, 2, 9, 53, 280000, tzinfo=UTC)
    names = [(h.index, h.name, h.type, h.dtype) for h in meta.hdus]
    assert names[:5] == [
        (0, "PRIMARY", "primary", None),
        (1, "SCI", "image", "float32"),
        (2, "ERR", "image", "float32"),
        (3, "DQ", "image", "uint32"),
        (4, "WHT", "image", "float32"),
    ]
    assert meta.hdus[5].shape == [1, 63, 63]  # CON
    # The footprint spans the field: ~ DEMO_SIZE * 0.031 arcsec on a side.
    (ra0, dec0), (ra1, dec1) = [(c.ra, c.dec) for c in meta.footprint[:2]]  # type: ignore[index]
    side = _separation_arcsec(ra0, dec0, ra1, dec1)
    assert side == pytest.approx(63 * 0.063, rel=1e-3)


def test_cal_metadata_includes_sip(demo_dir: Path, limits: FitsLimits) -> None:
    meta = extract_metadata(demo_dir / "jw02731001001_02101_00001_nrcb1_cal.fits", limits)
    assert meta.processing_level == "2b"
    assert meta.detector == "NRCB1"
    assert meta.shape == [DEMO_SIZE, DEMO_SIZE]
    assert [h.name for h in meta.hdus] == [
        "PRIMARY",
        "SCI",
        "ERR",
        "DQ",
        "AREA",
        "VAR_POISSON",
        "VAR_RNOISE",
        "VAR_FLAT",
    ]
    # The SIP distortion moves the corners away from the purely linear (TAN) footprint.
    with fits.open(demo_dir / meta.file_name) as hdul:
        header = hdul["SCI"].header.copy()
    for key in [k for k in header if k[:2] in ("A_", "B_", "AP", "BP")]:
        del header[key]
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN", "DEC--TAN"
    from webbscope.fits import footprint_from_wcs, header_wcs

    linear = footprint_from_wcs(header_wcs(header), DEMO_SIZE, DEMO_SIZE)
    assert linear is not None and meta.footprint is not None
    shifts = [
        _separation_arcsec(a.ra, a.dec, b[0], b[1])
        for a, b in zip(meta.footprint, linear, strict=True)
    ]
    assert 0.001 < max(shifts) < 1.0


def test_cube_metadata(demo_dir: Path, limits: FitsLimits) -> None:
    meta = extract_metadata(demo_dir / "jw02731-o003_t017_nirspec_g395m-f290lp_s3d.fits", limits)
    assert meta.is_cube
    assert meta.shape == [481, 29, 33]
    assert meta.processing_level == "3"
    axis = meta.spectral_axis
    assert axis is not None
    assert (axis.axis, axis.ctype, axis.cunit, axis.size) == (3, "WAVE", "um", 481)
    assert axis.first == pytest.approx(2.87)
    assert axis.last == pytest.approx(5.27)
    assert meta.pixel_scale_arcsec == pytest.approx(0.1)
    assert meta.footprint is not None
    (ra0, dec0), (ra1, dec1) = [(c.ra, c.dec) for c in meta.footprint[:2]]
    assert _separation_arcsec(ra0, dec0, ra1, dec1) == pytest.approx(2.9, rel=1e-3)


def test_spectrum_metadata(demo_dir: Path, limits: FitsLimits) -> None:
    meta = extract_metadata(demo_dir / "jw02731-o003_t017_nirspec_g395m-f290lp_x1d.fits", limits)
    assert meta.product_type == "x1d"
    assert meta.processing_level == "3"
    assert meta.shape is None and meta.science_hdu is None
    assert meta.footprint is None and not meta.has_celestial_wcs
    table = meta.hdus[1]
    assert table.name == "EXTRACT1D" and table.type == "bintable"
    assert table.shape == [481]
    assert table.columns is not None
    assert table.columns[:4] == ["WAVELENGTH", "FLUX", "FLUX_ERROR", "SURF_BRIGHT"]


def test_missing_keywords_are_none(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "bare.fits"
    fits.PrimaryHDU(np.zeros((4, 6), np.int16)).writeto(path)
    meta = extract_metadata(path, limits)
    data = meta.model_dump()
    for key in (
        "telescope",
        "instrument",
        "filter",
        "target_name",
        "target_ra",
        "program",
        "exposure_start",
        "exposure_time",
        "bunit",
        "footprint",
        "center_ra",
        "pixel_scale_arcsec",
        "product_type",
        "obs_id",
    ):
        assert data[key] is None, key
    assert meta.processing_level == "unknown"
    assert meta.shape == [4, 6] and meta.dtype == "int16" and meta.science_hdu == 0
    assert isinstance(meta, JwstMetadata)


def test_odd_keyword_values_do_not_raise(tmp_path: Path, limits: FitsLimits) -> None:
    hdu = fits.PrimaryHDU(np.zeros((8, 8), np.float32))
    h = hdu.header
    h["TARG_RA"] = "not a number"
    h["TARG_DEC"] = "12.5"
    h["PROGRAM"] = 2731
    h["OBSERVTN"] = 1
    h["EXPSTART"] = 1e30
    h["FILTER"] = "   "
    h["CTYPE1"], h["CTYPE2"] = "RA---XYZ", "DEC--XYZ"
    h["CRVAL1"] = 10.0
    path = tmp_path / "odd.fits"
    hdu.writeto(path)
    meta = extract_metadata(path, limits)
    assert meta.target_ra is None
    assert meta.target_dec == 12.5
    assert (meta.program, meta.observation) == ("02731", "001")
    assert meta.exposure_start_mjd == 1e30 and meta.exposure_start is None
    assert meta.filter is None
    assert not meta.has_celestial_wcs and meta.footprint is None


def test_footprint_ra_wraps_into_0_360(tmp_path: Path, limits: FitsLimits) -> None:
    hdu = fits.ImageHDU(np.zeros((100, 100), np.float32), name="SCI")
    for key, value in {
        "CTYPE1": "RA---TAN",
        "CTYPE2": "DEC--TAN",
        "CRPIX1": 50.5,
        "CRPIX2": 50.5,
        "CRVAL1": 0.0001,
        "CRVAL2": 10.0,
        "CDELT1": -0.001,
        "CDELT2": 0.001,
    }.items():
        hdu.header[key] = value
    path = tmp_path / "wrap.fits"
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
    meta = extract_metadata(path, limits)
    assert meta.footprint is not None
    ras = sorted(c.ra for c in meta.footprint)
    assert 0.0 <= ras[0] < 0.1 and 359.9 < ras[-1] < 360.0
    assert meta.center_ra is not None and 0.0 <= meta.center_ra < 360.0


def test_the_real_name_of_a_temporary_file(
    demo_dir: Path, tmp_path: Path, limits: FitsLimits
) -> None:
    real = "jw02731001001_02101_00001_nrcb1_cal.fits"
    upload = tmp_path / "upload-1234.tmp"
    upload.write_bytes((demo_dir / real).read_bytes())
    meta = extract_metadata(upload, limits, file_name="jw02731001001_02101_00001_nrcb1_x1d.fits")
    assert meta.file_name == "jw02731001001_02101_00001_nrcb1_x1d.fits"
    assert meta.product_type == "x1d" and meta.processing_level == "2b"
    assert meta.obs_id == "jw02731001001_02101_00001_nrcb1"
    # without it, the header's FILENAME still gives level and product type
    plain = extract_metadata(upload, limits)
    assert plain.file_name == "upload-1234.tmp" and plain.obs_id is None
    assert plain.product_type == "cal" and plain.processing_level == "2b"
