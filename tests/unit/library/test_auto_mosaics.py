"""Automatic observation mosaics: which records form a group, its patches of overlapping
tiles, their keys and names, and the options they use."""

from __future__ import annotations

import math
from typing import Any

from webbscope.library.auto_mosaics import (
    OPTIONS,
    _name,
    base_of,
    group_key,
    patch_key,
    split_patches,
)
from webbscope.services.common.mosaic_schemas import MosaicOptions


def _doc(**over: Any) -> dict[str, Any]:
    meta = {
        "instrument": "NIRCAM",
        "filter": "F200W",
        "pupil": "CLEAR",
        "is_cube": False,
        "has_celestial_wcs": True,
        "shape": [100, 120],
    }
    meta.update(over.pop("metadata", {}))
    return {
        "storage_key": "mast/jw01234-o001_t000_nircam_clear-f200w/a_i2d.fits",
        "processing_level": "3",
        "metadata": meta,
        **over,
    }


def test_options_are_a_requested_mosaics_defaults() -> None:
    assert MosaicOptions().model_dump(mode="json") == OPTIONS


def test_group_key_of_level3_images_by_observation_instrument_filter_pupil() -> None:
    assert group_key(_doc()) == "jw01234-o001_t000_nircam_clear-f200w/NIRCAM/F200W/CLEAR"
    assert group_key(_doc(metadata={"pupil": None})).endswith("/F200W/-")
    assert group_key(_doc(processing_level="2b")) is None
    assert group_key(_doc(metadata={"is_cube": True})) is None
    assert group_key(_doc(metadata={"has_celestial_wcs": False})) is None
    assert group_key(_doc(storage_key="uploads/x/a_i2d.fits")) is None


def _tile(rid: str, ra: float, dec: float = 10.0, footprint: bool = True) -> dict[str, Any]:
    """A 100 x 100 tile of 0.1 arcsec pixels centred on (ra, dec) (no rotation)."""
    half = 50 * 0.1 / 3600.0
    dra = half / math.cos(math.radians(dec))
    corners = [(ra - dra, dec - half), (ra - dra, dec + half), (ra + dra, dec + half)]
    corners.append((ra + dra, dec - half))
    meta = {"shape": [100, 100]}
    if footprint:
        meta["footprint"] = [{"ra": a, "dec": b} for a, b in corners]
    return _doc(_id=rid, metadata=meta)


def test_split_patches_by_overlapping_footprints() -> None:
    step = 80 * 0.1 / 3600.0 / math.cos(math.radians(10.0))  # 20 of 100 pixels overlap
    row = [_tile(f"a{i}", 150.0 + i * step) for i in range(3)]
    far = [_tile(f"b{i}", 151.0 + i * step) for i in range(2)]
    lone = _tile("c0", 150.0, footprint=False)
    docs = [far[1], row[2], lone, row[0], far[0], row[1]]
    parts = split_patches(sorted(docs, key=lambda d: d["_id"]))
    assert [[d["_id"] for d in p] for p in parts] == [["a0", "a1", "a2"], ["b0", "b1"], ["c0"]]
    group = group_key(row[0])
    assert group is not None
    assert patch_key(group, parts[1]) == f"{group}/b0"
    assert base_of(patch_key(group, parts[1])) == group == base_of(group)


def test_names_say_which_patch_when_there_are_several() -> None:
    key = "jw01234-o001_t000_nircam_clear-f200w/NIRCAM/F200W/CLEAR/abc"
    assert _name(key) == "jw01234-o001_t000_nircam_clear-f200w NIRCAM F200W (automatic mosaic)"
    assert _name(key, 2, 3).endswith("F200W (automatic mosaic, patch 2 of 3)")
