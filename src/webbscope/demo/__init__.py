"""Deterministic synthetic JWST products for tests, demos, benchmarks and the MAST test server.

`write_demo_data` writes level-3 NIRCam/MIRI `_i2d` mosaics of the Cosmic Cliffs (NGC 3324)
in several filters over one shared sky (same stars, same nebula), three overlapping F200W
pointings of Stephan's Quintet for mosaics, a level-2 NIRCam `_cal` exposure with SIP
distortion, a NIRSpec IFU `_s3d` cube and the `_x1d` spectrum extracted from it, plus a
`demo_manifest.json` describing each product as an archive observation.
"""

from webbscope.demo._large import write_large_image
from webbscope.demo._library import demo_library
from webbscope.demo._search_eval import evaluate as evaluate_search
from webbscope.demo._search_eval import labelled_queries
from webbscope.demo._search_eval import table as evaluation_table
from webbscope.demo._targets import BANDS, CARINA, STEPHAN, TARGETS, Band, Target
from webbscope.demo._write import MANIFEST_NAME, load_demo_manifest, write_demo_data

__all__ = [
    "BANDS",
    "CARINA",
    "MANIFEST_NAME",
    "STEPHAN",
    "TARGETS",
    "Band",
    "Target",
    "demo_library",
    "evaluate_search",
    "evaluation_table",
    "labelled_queries",
    "load_demo_manifest",
    "write_demo_data",
    "write_large_image",
]
