"""Safe FITS opening with explicit limits, JWST metadata, WCS footprints, processing levels.

Web-free and database-free: plain functions over files, headers and numpy arrays.
"""

from webbscope.fits._dq import DQ_FLAGS, dq_flag_names
from webbscope.fits._footprint import (
    center_from_wcs,
    footprint_from_wcs,
    header_wcs,
    pixel_scale_arcsec,
)
from webbscope.fits._headers import header_cards, json_value, read_headers
from webbscope.fits._lenient import repair_header
from webbscope.fits._levels import (
    KNOWN_SUFFIXES,
    obs_id_from_filename,
    processing_level,
    product_type,
)
from webbscope.fits._limits import FitsLimits
from webbscope.fits._metadata import extract_metadata, mjd_to_datetime
from webbscope.fits._open import checked_headers, open_fits, validate_fits
from webbscope.fits._scan import HduLayout, check_magic, scan_fits

__all__ = [
    "DQ_FLAGS",
    "KNOWN_SUFFIXES",
    "FitsLimits",
    "HduLayout",
    "center_from_wcs",
    "check_magic",
    "checked_headers",
    "dq_flag_names",
    "extract_metadata",
    "footprint_from_wcs",
    "header_cards",
    "header_wcs",
    "json_value",
    "mjd_to_datetime",
    "obs_id_from_filename",
    "open_fits",
    "pixel_scale_arcsec",
    "processing_level",
    "product_type",
    "read_headers",
    "repair_header",
    "scan_fits",
    "validate_fits",
]
