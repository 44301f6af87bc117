from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from webbscope.fits import FitsLimits, json_value, read_headers


def test_read_headers_of_a_demo_file(demo_dir: Path, limits: FitsLimits, no_fd_leak: None) -> None:
    path = demo_dir / "jw02731-o003_t017_nirspec_g395m-f290lp_x1d.fits"
    headers = read_headers(path, limits)
    json.dumps(headers, allow_nan=False)
    assert [(h["index"], h["name"], h["type"]) for h in headers] == [
        (0, "PRIMARY", "primary"),
        (1, "EXTRACT1D", "bintable"),
    ]
    primary = {c["key"]: c for c in headers[0]["cards"]}
    assert primary["TELESCOP"] == {
        "key": "TELESCOP",
        "value": "JWST",
        "comment": "Telescope used to acquire the data",
    }
    assert primary["SIMPLE"]["value"] is True
    assert primary["EXPSTART"]["value"] == pytest.approx(59734.4012)
    assert headers[0]["cards"][0]["key"] == "SIMPLE"
    assert any(
        c["key"] == "COMMENT" and "Synthetic" in str(c["value"]) for c in headers[0]["cards"]
    )
    table = {c["key"]: c["value"] for c in headers[1]["cards"]}
    assert table["TTYPE1"] == "WAVELENGTH"
    assert table["TUNIT1"] == "um"


def test_read_headers_keeps_every_card_in_order(demo_dir: Path, limits: FitsLimits) -> None:
    path = demo_dir / "jw02731001001_02101_00001_nrcb1_cal.fits"
    headers = read_headers(path, limits)
    with fits.open(path) as hdul:
        assert len(headers) == len(hdul)
        for entry, hdu in zip(headers, hdul, strict=True):
            assert [c["key"] for c in entry["cards"]] == [c.keyword for c in hdu.header.cards]
    sci = {c["key"]: c["value"] for c in headers[1]["cards"]}
    assert sci["CTYPE1"] == "RA---TAN-SIP"
    assert sci["A_ORDER"] == 3
    assert sci["S_REGION"].startswith("POLYGON ICRS")


def test_odd_header_values_are_json_safe(tmp_path: Path, limits: FitsLimits) -> None:
    hdu = fits.PrimaryHDU()
    hdu.header["CPLX"] = complex(1.5, -2.0)
    hdu.header["UNDEF"] = None
    hdu.header["HIERARCH ESO LONG KEYWORD"] = 3
    hdu.header["HISTORY"] = "made by a test"
    hdu.header["BLANKVAL"] = ("", "an empty string")
    path = tmp_path / "odd.fits"
    hdu.writeto(path)
    headers = read_headers(path, limits)
    json.dumps(headers, allow_nan=False)
    cards = {c["key"]: c["value"] for c in headers[0]["cards"]}
    assert cards["CPLX"] == [1.5, -2.0]
    assert cards["UNDEF"] is None
    assert cards["ESO LONG KEYWORD"] == 3
    assert cards["HISTORY"] == "made by a test"
    assert cards["BLANKVAL"] == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float32(1.5), 1.5),
        (np.int64(7), 7),
        (np.bool_(True), True),
        (math.nan, "nan"),
        (math.inf, "inf"),
        ("text", "text"),
        (None, None),
        (b"bytes", "b'bytes'"),
    ],
)
def test_json_value(value: object, expected: object) -> None:
    result = json_value(value)
    assert result == expected
    assert type(result) is type(expected)
