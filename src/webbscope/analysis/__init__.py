"""Analysis science: regions and their statistics, source detection and catalogues,
contours, spectra and tables — plain functions on numpy arrays (no web, database or storage).
Pixel coordinates are 0-based FITS pixels (x along rows, y up). The public API is what this
package re-exports; each private module says what it does.
"""

from webbscope.analysis._background import Background, estimate_background
from webbscope.analysis._catalogue import (
    MEDIA_TYPES as CATALOGUE_MEDIA_TYPES,
)
from webbscope.analysis._catalogue import (
    SUFFIX as CATALOGUE_SUFFIX,
)
from webbscope.analysis._catalogue import (
    ExportFormat,
    catalogue_fits,
    catalogue_table,
    export_catalogue,
    table_from_fits,
)
from webbscope.analysis._contours import (
    MAX_LEVELS,
    ContourLine,
    Contours,
    contour_levels,
    find_contours,
    sky_to_pixels,
    to_sky,
)
from webbscope.analysis._detect import (
    COLUMNS as CATALOGUE_COLUMNS,
)
from webbscope.analysis._detect import (
    Catalogue,
    DetectParams,
    convolve_gaussian,
    detect_fast,
    detect_photutils,
    detect_sources,
    detect_stars,
    gaussian_kernel_1d,
    measure,
    segment,
)
from webbscope.analysis._ds9 import from_ds9, to_ds9
from webbscope.analysis._quantiles import percentiles
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
from webbscope.analysis._spectra import (
    Line,
    RegionSpectrum,
    Spectrum1D,
    line_list,
    region_spectrum,
    shifted_lines,
    spectrum_1d,
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
from webbscope.analysis._tables import Column, TablePage, columns_of, search_headers, table_page

__all__ = [
    "CATALOGUE_COLUMNS",
    "CATALOGUE_MEDIA_TYPES",
    "CATALOGUE_SUFFIX",
    "DEFAULT_PERCENTILES",
    "MAX_LEVELS",
    "SHAPES",
    "Background",
    "Catalogue",
    "Column",
    "ContourLine",
    "Contours",
    "DetectParams",
    "ExportFormat",
    "ImageBounds",
    "Line",
    "RegionSpectrum",
    "RegionStats",
    "RegionWeights",
    "Spectrum1D",
    "TablePage",
    "catalogue_fits",
    "catalogue_table",
    "check_overlaps",
    "columns_of",
    "contour_levels",
    "convolve_gaussian",
    "detect_fast",
    "detect_photutils",
    "detect_sources",
    "detect_stars",
    "estimate_background",
    "export_catalogue",
    "find_contours",
    "from_ds9",
    "gaussian_kernel_1d",
    "is_mjy_per_sr",
    "line_list",
    "measure",
    "percentiles",
    "pixel_area_arcsec2",
    "pixel_region",
    "region_extent",
    "region_spectrum",
    "region_stats",
    "region_to_spec",
    "region_weights",
    "search_headers",
    "segment",
    "self_crossings",
    "shifted_lines",
    "sky_region",
    "sky_to_pixels",
    "spectrum_1d",
    "table_from_fits",
    "table_page",
    "to_ds9",
    "to_sky",
]
