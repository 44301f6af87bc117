"""Catalogues (ECSV tables) as library records: what a record of one holds.

A catalogue has no image: its metadata describes one table (rows and columns), its "headers"
are the table's metadata and column descriptions, and — when it was made from an image in the
library (a `_cat.ecsv` beside its `_i2d.fits`) — it takes the image's observation fields
(instrument, filter, target, programme, sky footprint) so it is found where the image is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from webbscope.domain.fits_metadata import HduSummary, JwstMetadata
from webbscope.fits import obs_id_from_filename, processing_level, product_type
from webbscope.library.ingest import Inspected
from webbscope.tables import TableSummary, read_ecsv

#: Fields a catalogue takes from the image it was made from.
FROM_IMAGE = (
    "telescope",
    "instrument",
    "detector",
    "filter",
    "pupil",
    "target_name",
    "target_ra",
    "target_dec",
    "program",
    "observation",
    "visit",
    "exposure_start_mjd",
    "exposure_start",
    "exposure_end_mjd",
    "exposure_time",
    "footprint",
    "center_ra",
    "center_dec",
)
TABLE_NAME = "CATALOG"


def _cards(summary: TableSummary) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = [
        {"key": "NROWS", "value": summary.rows, "comment": "rows (sources)"},
        {"key": "NCOLS", "value": len(summary.columns), "comment": "columns"},
    ]
    for i, col in enumerate(summary.columns, start=1):
        unit = f" [{col.unit}]" if col.unit else ""
        cards.append(
            {
                "key": f"COL{i}",
                "value": col.name,
                "comment": f"{col.dtype}{unit}"
                + (f" {col.description}" if col.description else ""),
            }
        )
    cards += [{"key": key, "value": value, "comment": ""} for key, value in summary.meta]
    return cards


def inspect_catalogue(path: Path, file_name: str, size: int, max_bytes: int) -> Inspected:
    """Read an ECSV catalogue (raises a 4xx error when it is not one, or is too large)."""
    summary = read_ecsv(path, max_bytes)
    metadata = JwstMetadata(
        file_name=file_name,
        obs_id=obs_id_from_filename(file_name),
        size_bytes=size,
        processing_level=processing_level(file_name),
        product_type=product_type(file_name),
        hdus=[
            HduSummary(
                index=0,
                name=TABLE_NAME,
                type="table",
                shape=[summary.rows],
                columns=[c.name for c in summary.columns],
            )
        ],
    )
    headers = [
        {"index": 0, "name": TABLE_NAME, "ver": 1, "type": "table", "cards": _cards(summary)}
    ]
    return Inspected(metadata=metadata, headers=headers)


def with_image(inspected: Inspected, image_metadata: dict[str, Any] | None) -> Inspected:
    """The catalogue's metadata completed with its image's observation fields."""
    if not image_metadata:
        return inspected
    taken = {k: image_metadata[k] for k in FROM_IMAGE if image_metadata.get(k) is not None}
    merged = JwstMetadata.model_validate({**inspected.metadata.model_dump(), **taken})
    return Inspected(metadata=merged, headers=inspected.headers)
