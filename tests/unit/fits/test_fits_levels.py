from __future__ import annotations

import pytest

from webbscope.fits import obs_id_from_filename, processing_level, product_type

LEVELS = [
    # level 1 and 2a
    ("jw02731001001_02101_00001_nrcb1_uncal.fits", "1", "uncal"),
    ("jw02731001001_02101_00001_nrcb1_rate.fits", "2a", "rate"),
    ("jw01366004001_04101_00001-seg001_nrs1_rateints.fits", "2a", "rateints"),
    # level 2b
    ("jw02731001001_02101_00001_nrcb1_cal.fits", "2b", "cal"),
    ("jw01366004001_04101_00001-seg001_nrs1_calints.fits", "2b", "calints"),
    ("jw02731001001_02101_00001_nrcb1_x1d.fits", "2b", "x1d"),
    ("jw01366004001_04101_00001-seg001_nrs1_x1dints.fits", "2b", "x1dints"),
    ("jw02731001001_02101_00001_nrcb1_i2d.fits", "2b", "i2d"),
    ("jw01234001001_02101_00001_nrs1_s3d.fits", "2b", "s3d"),
    ("jw01234001001_02101_00001_nrs1_s2d.fits", "2b", "s2d"),
    ("jw02731001001_02101_00001_nrcb1_crf.fits", "2b", "crf"),
    ("jw02731001001_02101_00001_mirimage_bsub.fits", "2b", "bsub"),
    # level 3
    ("jw02731-o001_t017_nircam_clear-f090w_i2d.fits", "3", "i2d"),
    ("jw02731-o001_t017_nircam_clear-f090w_x1d.fits", "3", "x1d"),
    ("jw02731-o001_t017_nircam_clear-f090w_segm.fits", "3", "segm"),
    ("jw02731-o001_t017_nircam_clear-f090w_cat.ecsv", "3", "cat"),
    ("jw01234-o005_t001_nirspec_g395h-f290lp_s3d.fits", "3", "s3d"),
    ("jw01234-o005_t001_nirspec_g395h-f290lp_c1d.fits", "3", "c1d"),
    ("jw01345-o066_s000005373_nirspec_f170lp-g235m_x1d.fits", "3", "x1d"),
    ("jw01345-c1001_t001_miri_ch1-short_s3d.fits", "3", "s3d"),
    ("jw02079-a3001_t001_niriss_clear-f150w_i2d.fits", "3", "i2d"),
    ("jw01093-o012_t005_niriss_f480m-nrm_ami-oi.fits", "3", "ami-oi"),
    ("jw02731-o001_t017_nircam_clear-f090w_i2d.fits.gz", "3", "i2d"),
    ("/data/mast/JWST/jw02731-o001_t017_nircam_clear-f090w_i2d.fits", "3", "i2d"),
    ("JW02731-O001_T017_NIRCAM_CLEAR-F090W_I2D.FITS", "3", "i2d"),
    # not JWST-like, nothing in the header
    ("m31_mosaic.fits", "unknown", None),
    ("image.fits", "unknown", None),
    ("", "unknown", None),
]


@pytest.mark.parametrize(("name", "level", "suffix"), LEVELS)
def test_processing_level_and_product_type(name: str, level: str, suffix: str | None) -> None:
    assert processing_level(name, None) == level
    assert product_type(name, None) == suffix


def test_unknown_suffix_of_a_jwst_name_is_still_reported() -> None:
    name = "jw02731-o001_t017_nircam_clear-f090w_newthing.fits"
    assert product_type(name) == "newthing"
    assert processing_level(name) == "unknown"


def test_ambiguous_suffix_with_an_unknown_name_uses_the_header() -> None:
    assert processing_level("renamed_i2d.fits", {"S_REGION": "POLYGON ICRS 1 2 3 4"}) == "2b"
    assert processing_level("renamed_i2d.fits", {}) == "unknown"


@pytest.mark.parametrize(
    ("header", "level"),
    [
        ({"FILENAME": "jw02731-o001_t017_nircam_clear-f090w_i2d.fits"}, "3"),
        ({"FILENAME": "jw02731001001_02101_00001_nrcb1_x1d.fits"}, "2b"),
        ({"FILENAME": "jw02731001001_02101_00001_nrcb1_uncal.fits"}, "1"),
        ({"DATAMODL": "Level1bModel"}, "1"),
        ({"DATAMODL": "RampModel"}, "1"),
        ({"DATAMODL": "ImageModel", "CAL_VER": "1.14.0", "S_REGION": "POLYGON"}, "2b"),
        ({"DATAMODL": "ImageModel", "CAL_VER": "1.14.0"}, "2a"),
        ({"DATAMODL": "CubeModel", "CAL_VER": "1.14.0"}, "2a"),
        ({"DATAMODL": "ImageModel"}, "unknown"),
        ({"TELESCOP": "HST"}, "unknown"),
    ],
)
def test_header_fallback(header: dict[str, str], level: str) -> None:
    assert processing_level("download.fits", header) == level


def test_product_type_from_the_header_filename() -> None:
    header = {"FILENAME": "jw02731-o001_t017_nircam_clear-f090w_i2d.fits"}
    assert product_type("download.fits", header) == "i2d"
    assert product_type("download.fits", {}) is None


@pytest.mark.parametrize(
    ("name", "obs_id"),
    [
        ("jw02731-o001_t017_nircam_clear-f090w_i2d.fits", "jw02731-o001_t017_nircam_clear-f090w"),
        ("jw02731001001_02101_00001_nrcb1_cal.fits", "jw02731001001_02101_00001_nrcb1"),
        ("jw02731-o001_t017_nircam_clear-f090w_cat.ecsv", "jw02731-o001_t017_nircam_clear-f090w"),
        ("image.fits", None),
    ],
)
def test_obs_id_from_filename(name: str, obs_id: str | None) -> None:
    assert obs_id_from_filename(name) == obs_id
