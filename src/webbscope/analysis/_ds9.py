"""DS9 region files, read and written with the `regions` package.

Regions are exchanged in sky coordinates (fk5/icrs) when the image has a celestial WCS, so a
file made on one image applies to another of the same field; without a WCS in image
coordinates. `regions` writes 0-based pixel positions as DS9's 1-based ones and back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from astropy.wcs import WCS
from regions import PixelRegion, Regions, SkyRegion, TextPixelRegion

from webbscope.analysis._regions import pixel_region, region_to_spec
from webbscope.errors import Unprocessable

MAX_DS9_BYTES = 2 * 1024 * 1024
MAX_DS9_REGIONS = 5000


def to_ds9(
    specs: Sequence[Mapping[str, Any]],
    wcs: WCS | None = None,
    *,
    labels: Sequence[str | None] | None = None,
) -> str:
    """DS9 text for the region specs (in sky coordinates when `wcs` is given)."""
    out: list[Any] = []
    for i, spec in enumerate(specs):
        region = pixel_region(spec, wcs)
        label = labels[i] if labels and i < len(labels) else None
        if label:
            region.meta["text"] = label
        out.append(region.to_sky(wcs) if wcs is not None else region)
    return str(Regions(out).serialize(format="ds9"))


def from_ds9(text: str, wcs: WCS | None = None) -> list[dict[str, Any]]:
    """Region specs in this image's pixels from DS9 text. Shapes Webbscope has no use for
    (text, lines, annuli, ...) are skipped; sky regions need `wcs`."""
    if len(text.encode()) > MAX_DS9_BYTES:
        raise Unprocessable("the DS9 file is too large", code="ds9_too_large")
    try:
        parsed = Regions.parse(text, format="ds9")
    except Exception as exc:  # the parser raises several kinds of errors
        raise Unprocessable(f"not a DS9 region file: {exc}", code="invalid_ds9") from None
    if len(parsed) > MAX_DS9_REGIONS:
        raise Unprocessable(
            f"at most {MAX_DS9_REGIONS} regions per file", code="ds9_too_many_regions"
        )
    specs: list[dict[str, Any]] = []
    for region in parsed:
        if isinstance(region, SkyRegion):
            if wcs is None:
                raise Unprocessable(
                    "the file has sky regions and the image has no celestial WCS",
                    code="no_celestial_wcs",
                )
            region = region.to_pixel(wcs)
        if isinstance(region, TextPixelRegion) or not isinstance(region, PixelRegion):
            continue
        try:
            spec = region_to_spec(region)
        except Unprocessable:
            continue
        if text_label := region.meta.get("text"):
            spec["label"] = str(text_label)
        specs.append(spec)
    return specs
