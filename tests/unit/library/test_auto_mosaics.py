"""Automatic observation mosaics: which records form a group, and the options they use."""

from __future__ import annotations

from typing import Any

from webbscope.library.auto_mosaics import OPTIONS, group_key
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
