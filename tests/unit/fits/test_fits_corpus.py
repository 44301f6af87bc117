"""Real odd files (tests/fixtures/fits-corpus): every one is read or refused with a clear 4xx,
never a crash, and so is every damaged variant of it."""

from __future__ import annotations

import warnings
import zlib
from pathlib import Path

import bson
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import wcs_to_celestial_frame

from tests.support.corpus import REFUSED, corpus_files, mutations
from webbscope.errors import WebbscopeError
from webbscope.fits import FitsLimits, extract_metadata, read_headers
from webbscope.library.ingest import inspect_file

CORPUS = corpus_files(Path(__file__).resolve().parents[3] / ".cache" / "fits-corpus")


def _outcome(path: Path) -> str:
    try:
        found = inspect_file(path, path.name, FitsLimits())
    except WebbscopeError as exc:
        assert 400 <= exc.status < 500, exc
        assert exc.code and exc.message
        return exc.code
    # What is stored must be storable: BSON (8-byte integers at most, string keys).
    bson.encode({"metadata": found.metadata.model_dump(mode="python"), "hdus": found.headers})
    return "ok"


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_corpus_file_is_read_or_clearly_refused(path: Path) -> None:
    outcome = _outcome(path)
    if path.name in REFUSED:
        assert outcome != "ok"
    else:
        assert outcome == "ok"


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_damaged_variants_never_crash(path: Path, tmp_path: Path) -> None:
    seed = zlib.crc32(path.name.encode())
    for kind, data in mutations(path.read_bytes(), seed):
        damaged = tmp_path / f"{kind}-{path.name}"
        damaged.write_bytes(data)
        _outcome(damaged)  # raises only for an unexpected exception (a 500)


def _corpus(name: str) -> Path:
    return next(p for p in CORPUS if p.name == name)


def test_a_plate_solution_with_an_unparsable_card_is_read_with_a_warning() -> None:
    """The DSS header's SKEW card has two numbers and no quotes: astropy raises VerifyError
    when its value is read. The card is kept as text and the record says so."""
    path = _corpus("dss_plate_solution.fits")
    meta = extract_metadata(path, FitsLimits())
    assert any("SKEW" in w and "kept as text" in w for w in meta.warnings), meta.warnings
    assert meta.telescope == "UK 48-inch Schmidt"
    assert meta.target_name == "dss126604"
    # The position is the one astropy computes from the (lenient) header: FK5 J2000 -> ICRS.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wcs = WCS(fits.getheader(path))
        ra, dec = wcs.all_pix2world([[49.5, 49.5]], 0)[0]
        frame = wcs_to_celestial_frame(wcs)
    assert frame.name == "fk5"
    icrs = SkyCoord(ra * u.deg, dec * u.deg, frame=frame).icrs
    assert meta.center_ra == pytest.approx(icrs.ra.deg, abs=1e-9)
    assert meta.center_dec == pytest.approx(icrs.dec.deg, abs=1e-9)
    skew = next(
        c for h in read_headers(path, FitsLimits()) for c in h["cards"] if c["key"] == "SKEW"
    )
    assert "-1.3869888376036E+00" in str(skew["value"])


def test_a_card_that_cannot_be_fixed_is_skipped_with_a_warning(tmp_path: Path) -> None:
    header = fits.Header()
    header["OBJECT"] = "plate 1904"
    text = header.tostring().replace("END" + " " * 77, "")
    text += "BROKEN  = 'never closed".ljust(80) + "END".ljust(80)
    data = (
        "SIMPLE  =                    T".ljust(80)
        + "BITPIX  =                    8".ljust(80)
        + "NAXIS   =                    0".ljust(80)
    )
    body = (data + text).encode()
    path = tmp_path / "broken.fits"
    path.write_bytes(body + b" " * (-len(body) % 2880))
    meta = extract_metadata(path, FitsLimits())
    assert meta.target_name == "plate 1904"
    assert any("BROKEN" in w for w in meta.warnings), meta.warnings


def test_a_clean_file_has_no_warnings(tmp_path: Path) -> None:
    path = tmp_path / "clean.fits"
    fits.PrimaryHDU().writeto(path)
    assert extract_metadata(path, FitsLimits()).warnings == []
