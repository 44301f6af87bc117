"""One definition of what an import can take: the verdict the product list shows is the rule the
import job applies (`plan`), and names are checked before any path is built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from webbscope.errors import WebbscopeError
from webbscope.mast import ArchiveProduct, ImportRules, RemoteFile, judged, safe_name, verdict
from webbscope.services.mast import importer
from webbscope.services.mast.plan import plan

RULES = ImportRules(max_fits_bytes=1_000_000, max_table_bytes=10_000)
OBS = "jw02731-o001_t017_nircam_clear-f200w"


def product(name: str, **kw: Any) -> ArchiveProduct:
    fields: dict[str, Any] = {
        "product_id": name,
        "filename": name,
        "obs_id": OBS,
        "obsid": "80000001",
        "parent_obsid": "80000001",
        "product_type": "SCIENCE",
        "calib_level": 3,
        "size": 1000,
        "data_uri": f"mast:JWST/product/{name}",
        "download_url": f"http://archive.invalid/{name}",
        "recommended": True,
        "data_rights": "PUBLIC",
        **kw,
    }
    fields.setdefault("subgroup", name.rsplit("_", 1)[-1].split(".")[0])
    return ArchiveProduct(**fields)


def test_fits_images_and_ecsv_catalogues_are_importable() -> None:
    for name in (f"{OBS}_i2d.fits", f"{OBS}_cat.ecsv", f"{OBS}_segm.fits"):
        assert verdict(product(name), RULES) is None


@pytest.mark.parametrize(
    ("kw", "code", "words"),
    [
        ({"product_type": "PREVIEW", "filename": f"{OBS}_i2d.jpg"}, "not_science", "preview"),
        ({"product_type": "AUXILIARY"}, "not_science", "not science data"),
        ({"filename": f"{OBS}_i2d.asdf"}, "unsupported_format", ".asdf files"),
        ({"size": 2_000_000}, "too_large", "limit for FITS files"),
        ({"filename": f"{OBS}_cat.ecsv", "size": 20_000}, "too_large", "catalogues"),
        ({"data_rights": "EXCLUSIVE_ACCESS"}, "exclusive_access", "MAST API token"),
        ({"filename": "../x_i2d.fits"}, "unsafe_name", "unusable name"),
        ({"obs_id": "/etc"}, "unsafe_name", "unusable name"),
    ],
)
def test_what_is_not_importable_says_why(kw: dict[str, Any], code: str, words: str) -> None:
    name = kw.pop("filename", f"{OBS}_i2d.fits")
    v = verdict(product(name, **kw), RULES)
    assert v is not None and v.code == code and words in v.reason


def test_exclusive_access_is_importable_with_a_token_and_says_until_when() -> None:
    p = product(f"{OBS}_i2d.fits", data_rights="EXCLUSIVE_ACCESS")
    with_token = ImportRules(RULES.max_fits_bytes, RULES.max_table_bytes, token_set=True)
    assert verdict(p, with_token) is None
    [marked] = judged([p], RULES, {"80000001": datetime(2035, 1, 1, tzinfo=UTC)})
    assert marked.importable is False and "until 2035-01-01" in (marked.reason or "")


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", ".hidden", "a/b", "a\\b", "/abs", "nul\x00.fits", "a..b", "tab\t", "é.fits"],
)
def test_unsafe_names(name: str) -> None:
    assert not safe_name(name)


def test_plain_names_are_safe() -> None:
    assert safe_name(f"{OBS}_i2d.fits") and safe_name("jw02731001001_02101_00001_nrcb1_cal.fits")


def test_a_whole_observation_skips_what_is_not_science_and_orders_images_first() -> None:
    listed = [
        product(f"{OBS}_cat.ecsv"),
        product(f"{OBS}_segm.fits"),
        product(f"{OBS}_i2d.jpg", product_type="PREVIEW"),
        product(f"{OBS}_i2d.fits"),
        product("jw02731001001_02101_00001_nrcb1_cal.fits", obsid="2", calib_level=2),
    ]
    chosen = plan(listed, None, RULES)
    assert [p.filename for p in chosen.products] == [
        "jw02731001001_02101_00001_nrcb1_cal.fits",  # a member: recorded first
        f"{OBS}_i2d.fits",
        f"{OBS}_cat.ecsv",  # made from the image: after it
        f"{OBS}_segm.fits",
    ]
    assert chosen.skipped == [
        {"file": f"{OBS}_i2d.jpg", "reason": verdict(listed[2], RULES).reason}
    ]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("listed", "wanted", "code", "status"),
    [
        ([product(f"{OBS}_i2d.fits")], ["nope.fits"], "unknown_products", 400),
        (
            [product(f"{OBS}_i2d.jpg", product_type="PREVIEW")],
            [f"{OBS}_i2d.jpg"],
            "not_importable",
            400,
        ),
        ([product("../../x.fits")], None, "unsafe_product_name", 502),
        ([product(f"{OBS}_i2d.fits", size=10**12)], None, "file_too_large", 413),
        (
            [product(f"{OBS}_i2d.fits", data_rights="EXCLUSIVE_ACCESS")],
            None,
            "exclusive_access",
            403,
        ),
    ],
)
def test_refusals(
    listed: list[ArchiveProduct], wanted: list[str] | None, code: str, status: int
) -> None:
    with pytest.raises(WebbscopeError) as caught:
        plan(listed, wanted, RULES)
    assert (caught.value.code, caught.value.status) == (code, status)


class HugeArchive:
    def __init__(self) -> None:
        self.gets = 0

    async def ahead(self, url: str) -> RemoteFile:
        return RemoteFile(size=5_000_000, checksum=None, accepts_ranges=True)

    def adownload_range(self, url: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        self.gets += 1
        raise AssertionError("nothing may be downloaded")


class Quiet:
    async def progress(self, **fields: Any) -> None:
        return None


async def test_the_archives_size_is_checked_before_the_download(tmp_path: Path) -> None:
    """The list said nothing of the size; the archive's HEAD says it is over the limit."""
    archive = HugeArchive()
    p = product(f"{OBS}_i2d.fits", size=None)
    transfer = importer.Transfer(Quiet(), 0, 1)  # type: ignore[arg-type]
    with pytest.raises(WebbscopeError) as caught:
        await importer._download(archive, p, tmp_path / "f.part", transfer, 3, 1_000_000)  # type: ignore[arg-type]
    assert caught.value.code == "file_too_large" and caught.value.status == 413
    assert archive.gets == 0 and not (tmp_path / "f.part").exists()
