from __future__ import annotations

import itertools
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from webbscope.demo import BANDS, CARINA, STEPHAN, load_demo_manifest
from webbscope.fits import DQ_FLAGS

DEMO_SIZE = 256  # the size tests/unit/demo/conftest.py writes the demo data at
LEVEL3 = re.compile(r"^jw\d{5}-o\d{3}_t\d{3}_(nircam|miri|nirspec)_[a-z0-9-]+_(i2d|s3d|x1d)\.fits$")
LEVEL2 = re.compile(r"^jw\d{11}_\d{5}_\d{5}_[a-z0-9]+_cal\.fits$")
CARINA_I2D = {
    "F090W": "jw02731-o001_t017_nircam_clear-f090w_i2d.fits",
    "F200W": "jw02731-o001_t017_nircam_clear-f200w_i2d.fits",
    "F444W": "jw02731-o001_t017_nircam_clear-f444w_i2d.fits",
    "F770W": "jw02731-o002_t017_miri_f770w_i2d.fits",
    "F1130W": "jw02731-o002_t017_miri_f1130w_i2d.fits",
}
CAL = "jw02731001001_02101_00001_nrcb1_cal.fits"
S3D = "jw02731-o003_t017_nirspec_g395m-f290lp_s3d.fits"
X1D = "jw02731-o003_t017_nirspec_g395m-f290lp_x1d.fits"
MOSAIC = [f"jw02732-o00{i}_t101_nircam_clear-f200w_i2d.fits" for i in (1, 2, 3)]


def _sci_header(path: Path) -> fits.Header:
    return fits.getheader(path, "SCI")


def test_writes_the_expected_products(demo_files: list[Path], demo_dir: Path) -> None:
    names = [p.name for p in demo_files]
    assert sorted(names) == sorted([*CARINA_I2D.values(), CAL, S3D, X1D, *MOSAIC])
    for name in names:
        assert LEVEL3.match(name) or LEVEL2.match(name), name
    assert (demo_dir / "demo_manifest.json").is_file()


def test_every_file_opens_and_verifies(demo_files: list[Path]) -> None:
    for path in demo_files:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with fits.open(path, checksum=True) as hdul:
                hdul.verify("exception")
                primary = hdul[0].header
                for key in ("TELESCOP", "INSTRUME", "DETECTOR", "FILTER", "TARGNAME"):
                    assert primary[key], key
                for key in ("TARG_RA", "TARG_DEC", "EXPSTART", "EXPEND", "EFFEXPTM"):
                    assert isinstance(primary[key], float), key
                for key in ("PROGRAM", "OBSERVTN", "VISIT", "DATE-OBS", "CAL_VER", "DATAMODL"):
                    assert isinstance(primary[key], str) and primary[key], key
                assert primary["TELESCOP"] == "JWST"
                assert primary["FILENAME"] == path.name
                assert primary["EXPEND"] > primary["EXPSTART"]


def test_science_extensions_have_a_celestial_wcs(demo_files: list[Path]) -> None:
    for path in demo_files:
        if path.name == X1D:
            continue
        header = _sci_header(path)
        wcs = WCS(header, relax=True)
        assert wcs.has_celestial, path.name
        assert header["BUNIT"] == "MJy/sr"
        assert header["S_REGION"].startswith("POLYGON ICRS")


def test_i2d_layout_and_nan_borders(demo_dir: Path) -> None:
    for filt, name in CARINA_I2D.items():
        band = BANDS[filt]
        with fits.open(demo_dir / name) as hdul:
            assert [h.name for h in hdul] == [
                "PRIMARY",
                "SCI",
                "ERR",
                "DQ",
                "WHT",
                "CON",
                "VAR_POISSON",
                "VAR_RNOISE",
                "VAR_FLAT",
            ]
            n = round(DEMO_SIZE * 0.031 / band.pixel_scale)
            sci, err, dq, wht = (hdul[k].data for k in ("SCI", "ERR", "DQ", "WHT"))
            assert sci.shape == (n, n) and sci.dtype.name == "float32"
            assert dq.dtype.name == "uint32"
            assert hdul["SCI"].header["CDELT1"] * 3600 == pytest.approx(band.pixel_scale)
            for corner in (sci[0, 0], sci[0, -1], sci[-1, 0], sci[-1, -1]):
                assert np.isnan(corner)
            assert np.isfinite(sci[n // 2 - 2 : n // 2 + 2, n // 2 - 2 : n // 2 + 2]).all()
            nan = np.isnan(sci)
            assert 0.05 < nan.mean() < 0.35
            assert ((dq[nan] & DQ_FLAGS["DO_NOT_USE"]) != 0).all()
            border = (dq & DQ_FLAGS["NON_SCIENCE"]) != 0
            assert (wht[border] == 0).all() and (wht[~nan] > 0).all()
            assert np.array_equal(np.isnan(err), nan)
            assert (err[~nan] > 0).all()
            variance = sum(hdul[k].data for k in ("VAR_POISSON", "VAR_RNOISE", "VAR_FLAT"))
            assert np.allclose(np.sqrt(variance[~nan]), err[~nan], rtol=1e-4)


def test_the_nebula_brightens_towards_the_infrared(demo_dir: Path) -> None:
    medians = [
        float(np.nanmedian(fits.getdata(demo_dir / name, "SCI"))) for name in CARINA_I2D.values()
    ]
    assert medians == sorted(medians), medians


def _peaks(image: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The brightest isolated, compact local maxima: no bright pixel 3 px away in any
    direction (which excludes diffraction spikes) and no other source within 12 px."""
    filled = np.where(np.isfinite(image), image, np.inf)
    background = float(np.nanmedian(image))
    threshold = 10 * 1.4826 * float(np.nanmedian(np.abs(image - background)))
    candidates = []
    ny, nx = image.shape
    for y in range(4, ny - 4):
        for x in range(4, nx - 4):
            value = filled[y, x]
            if value - background < threshold or value < filled[y - 1 : y + 2, x - 1 : x + 2].max():
                continue
            ring = [filled[y + dy, x + dx] for dy in (-3, 0, 3) for dx in (-3, 0, 3) if dy or dx]
            if max(ring) - background < 0.3 * (value - background):
                candidates.append((float(value), y, x))
    isolated = [
        (v, y, x)
        for v, y, x in candidates
        if all(math.hypot(y - y2, x - x2) > 12 for _, y2, x2 in candidates if (y2, x2) != (y, x))
    ]
    isolated.sort(reverse=True)
    return [(y, x) for _, y, x in isolated[:count]]


def test_sources_line_up_across_filters(demo_dir: Path) -> None:
    ref_path = demo_dir / CARINA_I2D["F200W"]
    ref = fits.getdata(ref_path, "SCI")
    ref_wcs = WCS(_sci_header(ref_path))
    matched = 0
    for y, x in _peaks(ref, 8):
        ra, dec = ref_wcs.all_pix2world([[x, y]], 0)[0]
        for filt in ("F090W", "F444W"):
            path = demo_dir / CARINA_I2D[filt]
            image = fits.getdata(path, "SCI")
            px, py = WCS(_sci_header(path)).all_world2pix([[ra, dec]], 0)[0]
            ix, iy = round(px), round(py)
            box = image[max(iy - 2, 0) : iy + 3, max(ix - 2, 0) : ix + 3]
            around = image[max(iy - 8, 0) : iy + 9, max(ix - 8, 0) : ix + 9]
            if not np.isfinite(box).any():
                continue
            background = np.nanmedian(around)
            spread = 1.4826 * np.nanmedian(np.abs(around - background))
            if np.nanmax(box) < background + 20 * spread:
                continue  # not detected in this filter (e.g. a star behind the cloud)
            by, bx = np.unravel_index(np.nanargmax(box), box.shape)
            found_x, found_y = max(ix - 2, 0) + bx, max(iy - 2, 0) + by
            assert math.hypot(found_x - px, found_y - py) <= 1.5, (filt, x, y)
            matched += 1
    assert matched >= 4


def test_cal_has_sip_distortion(demo_dir: Path) -> None:
    with fits.open(demo_dir / CAL) as hdul:
        assert [h.name for h in hdul] == [
            "PRIMARY",
            "SCI",
            "ERR",
            "DQ",
            "AREA",
            "VAR_POISSON",
            "VAR_RNOISE",
            "VAR_FLAT",
        ]
        header = hdul["SCI"].header
        assert header["CTYPE1"] == "RA---TAN-SIP" and header["CTYPE2"] == "DEC--TAN-SIP"
        assert header["A_ORDER"] == 3 and header["B_ORDER"] == 3
        assert "CD1_1" in header
        wcs = WCS(header, relax=True)
        assert wcs.sip is not None
        assert wcs.sip.a_order == 3 and wcs.sip.b_order == 3
        pixels = np.array([[0.0, 0.0], [DEMO_SIZE - 1, DEMO_SIZE - 1], [10.0, 100.0]])
        back = wcs.all_world2pix(wcs.all_pix2world(pixels, 0), 0)
        assert np.allclose(back, pixels, atol=1e-3)
        # the fitted inverse polynomial (AP/BP) agrees with the forward one
        foc = wcs.sip_pix2foc(pixels, 0)
        assert np.allclose(wcs.sip_foc2pix(foc, 0), pixels, atol=0.02)
        sci, dq, area = hdul["SCI"].data, hdul["DQ"].data, hdul["AREA"].data
        assert sci.shape == (DEMO_SIZE, DEMO_SIZE)
        reference = (dq & DQ_FLAGS["REFERENCE_PIXEL"]) != 0
        assert reference[:4].all() and reference[:, -4:].all() and not reference[4:-4, 4:-4].any()
        assert np.isnan(sci[reference]).all()
        assert np.isnan(sci).mean() < 0.2
        assert 0.97 < area.min() < area.max() < 1.03 and area.std() > 1e-5
        assert hdul[0].header["DETECTOR"] == "NRCB1"


def test_cube_has_a_spectral_axis_and_lines(demo_dir: Path) -> None:
    with fits.open(demo_dir / S3D) as hdul:
        header = hdul["SCI"].header
        assert (header["CTYPE3"], header["CUNIT3"]) == ("WAVE", "um")
        wcs = WCS(header)
        assert wcs.has_celestial and wcs.has_spectral
        sci = hdul["SCI"].data
        assert sci.shape == (481, 29, 33)
        lam = wcs.spectral.pixel_to_world_values(np.arange(sci.shape[0])) * 1e6  # m -> um
        assert lam[0] == pytest.approx(2.87) and lam[-1] == pytest.approx(5.27)
        spectrum = np.nanmedian(sci, axis=(1, 2))
        for line in (4.0523, 4.6947):
            i = int(np.argmin(np.abs(lam - line)))
            continuum = np.median(np.r_[spectrum[i - 12 : i - 4], spectrum[i + 5 : i + 13]])
            assert spectrum[i] > continuum * 1.05, line
        assert np.isnan(sci[:, 0, 0]).all()
        assert np.isfinite(sci[:, 14, 16]).all()


def test_x1d_spectrum(demo_dir: Path) -> None:
    with fits.open(demo_dir / X1D) as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "EXTRACT1D"]
        table = hdul["EXTRACT1D"]
        assert isinstance(table, fits.BinTableHDU)
        names = table.columns.names
        assert names[:4] == ["WAVELENGTH", "FLUX", "FLUX_ERROR", "SURF_BRIGHT"]
        assert "DQ" in names
        units = {c.name: c.unit for c in table.columns}
        assert units["WAVELENGTH"] == "um" and units["FLUX"] == "Jy"
        assert units["FLUX_ERROR"] == "Jy"
        data = table.data
        lam, flux = data["WAVELENGTH"], data["FLUX"]
        assert len(lam) == 481 and (np.diff(lam) > 0).all()
        assert np.isfinite(flux).all() and (flux > 0).all() and (data["FLUX_ERROR"] > 0).all()
        assert data["DQ"].dtype == np.uint32
        # CO2 ice absorbs the young star's light at 4.27 um
        ice = flux[np.argmin(np.abs(lam - 4.27))]
        around = np.interp(
            4.27, [4.17, 4.37], [flux[np.argmin(np.abs(lam - w))] for w in (4.17, 4.37)]
        )
        assert ice < 0.8 * around


def test_mosaic_pointings_overlap_and_agree(demo_dir: Path) -> None:
    field = DEMO_SIZE * 0.031
    images = [fits.getdata(demo_dir / name, "SCI") for name in MOSAIC]
    wcses = [WCS(_sci_header(demo_dir / name)) for name in MOSAIC]
    centres = [w.all_pix2world([[(DEMO_SIZE - 1) / 2] * 2], 0)[0] for w in wcses]
    for (ra1, dec1), (ra2, dec2) in itertools.pairwise(centres):
        sep = math.hypot((ra1 - ra2) * math.cos(math.radians(dec1)), dec1 - dec2) * 3600
        assert sep == pytest.approx(0.6 * field, rel=0.05)
        midpoint = [[(ra1 + ra2) / 2, (dec1 + dec2) / 2]]
        values = []
        for image, wcs in zip(images, wcses, strict=True):
            x, y = wcs.all_world2pix(midpoint, 0)[0]
            if 4 <= x < DEMO_SIZE - 4 and 4 <= y < DEMO_SIZE - 4:
                box = image[round(y) - 3 : round(y) + 4, round(x) - 3 : round(x) + 4]
                values.append(float(np.nanmedian(box)))
        assert len(values) == 2
        assert abs(values[0] - values[1]) < 0.3


def test_manifest_describes_every_file(demo_files: list[Path], demo_dir: Path) -> None:
    import hashlib

    entries = load_demo_manifest(demo_dir)
    assert [e["file_name"] for e in entries] == [p.name for p in demo_files]
    by_name = {e["file_name"]: e for e in entries}
    for path in demo_files:
        entry = by_name[path.name]
        assert entry["size_bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["obs_id"] == path.name.rsplit("_", 1)[0]
        assert entry["target_key"] in (CARINA.key, STEPHAN.key)
        assert entry["calib_level"] in (2, 3)
        assert entry["t_max"] > entry["t_min"]
        assert entry["wavelength_max_um"] > entry["wavelength_min_um"]
        numbers = re.findall(r"-?\d+\.\d+", entry["s_region"])
        assert len(numbers) in (3, 8)
    assert by_name[CAL]["level"] == "2b" and by_name[CAL]["calib_level"] == 2
    assert by_name[S3D]["dataproduct_type"] == "cube"
    assert by_name[X1D]["dataproduct_type"] == "spectrum"
    assert {by_name[n]["filter"] for n in CARINA_I2D.values()} == set(CARINA_I2D)
    assert {by_name[n]["target"] for n in MOSAIC} == {STEPHAN.label}
