"""Analysis science: regions and their statistics, source detection and catalogues,
contours, spectra and tables — plain functions on numpy arrays (no web, database or storage).
Pixel coordinates are 0-based FITS pixels (x along rows, y up). The public API is what this
package re-exports; each private module says what it does.
"""

from webbscope.analysis._regions import (
    SHAPES,
    ImageBounds,
    check_overlaps,
    pixel_region,
    region_extent,
    region_to_spec,
    self_crossings,
    sky_region,
)
from webbscope.analysis._stats import (
    DEFAULT_PERCENTILES,
    RegionStats,
    RegionWeights,
    is_mjy_per_sr,
    pixel_area_arcsec2,
    region_stats,
    region_weights,
)

__all__ = [
    "DEFAULT_PERCENTILES",
    "SHAPES",
    "ImageBounds",
    "RegionStats",
    "RegionWeights",
    "check_overlaps",
    "is_mjy_per_sr",
    "pixel_area_arcsec2",
    "pixel_region",
    "region_extent",
    "region_stats",
    "region_to_spec",
    "region_weights",
    "self_crossings",
    "sky_region",
]
