"""ECSV catalogues read as astropy reads them, within a size limit; bad ones are clear 4xx."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table

from webbscope.errors import WebbscopeError
from webbscope.library.catalogues import inspect_catalogue, with_image
from webbscope.tables import read_ecsv

NAME = "jw02731-o001_t017_nircam_clear-f200w_cat.ecsv"


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    t = Table()
    t["label"] = np.arange(1, 6, dtype=np.int32)
    t["sky_centroid"] = SkyCoord([159.2] * 5, [-58.6] * 5, unit="deg")
    t["isophotal_flux"] = np.linspace(1e-6, 5e-6, 5)
    t["isophotal_flux"].unit = "Jy"
    t["isophotal_flux"].description = "Isophotal flux"
    t.meta = {"version": {"jwst": "1.14.0"}, "aperture_params": {"radii": [0.1, 0.2]}}
    path = tmp_path / NAME
    t.write(path, format="ascii.ecsv")
    return path


def test_a_catalogue_is_summarised_as_astropy_reads_it(catalogue: Path) -> None:
    summary = read_ecsv(catalogue, 1_000_000)
    reference = Table.read(catalogue, format="ascii.ecsv")
    assert summary.rows == len(reference) == 5
    assert [c.name for c in summary.columns] == reference.colnames
    flux = next(c for c in summary.columns if c.name == "isophotal_flux")
    assert (flux.unit, flux.description, flux.dtype) == ("Jy", "Isophotal flux", "float64")
    assert ("version.jwst", "1.14.0") in summary.meta
    assert ("aperture_params.radii[1]", 0.2) in summary.meta


def test_a_catalogue_record(catalogue: Path) -> None:
    info = inspect_catalogue(catalogue, NAME, catalogue.stat().st_size, 1_000_000)
    meta = info.metadata
    assert (meta.product_type, meta.processing_level, meta.obs_id) == (
        "cat",
        "3",
        "jw02731-o001_t017_nircam_clear-f200w",
    )
    assert meta.science_hdu is None and meta.shape is None
    [hdu] = meta.hdus
    assert (hdu.type, hdu.shape, hdu.columns) == (
        "table",
        [5],
        ["label", "sky_centroid", "isophotal_flux"],
    )
    image = {"instrument": "NIRCAM", "filter": "F200W", "footprint": [[1, 2], [3, 4], [5, 6]]}
    merged = with_image(info, image).metadata
    assert merged.instrument == "NIRCAM" and merged.footprint is not None


@pytest.mark.parametrize(
    ("content", "code", "status"),
    [
        (b"label,flux\n1,2\n", "invalid_table", 422),
        (b"# %ECSV 1.0\n# ---\n# datatype: [oops\nlabel\n1\n", "invalid_table", 422),
        (b"# %ECSV 1.0\n" + b"#" * 2000, "table_too_large", 413),
    ],
)
def test_bad_tables(tmp_path: Path, content: bytes, code: str, status: int) -> None:
    path = tmp_path / NAME
    path.write_bytes(content)
    with pytest.raises(WebbscopeError) as caught:
        read_ecsv(path, 1000)
    assert (caught.value.code, caught.value.status) == (code, status)
