"""WCS mosaics: plan, stream block by block, combine, write a FITS on disk.

Plain functions on numpy arrays and memory-mapped FITS files (no web, database or
storage). Each concern is a small private module; the public API is what this package
re-exports:

- `_inputs`: `inspect_input` (headers only) and `MosaicInput`; lazy pixels for block tasks;
- `_plan`: `plan_mosaic` (grid, estimate, overlaps, footprints, groups, blocks; 422/413),
  `sky_components` (groups from sky footprints alone);
- `_combine`: `compute_block` (reproject the overlapping windows, combine; mean, median,
  sum, min, max, first, last; weights; sigma clipping);
- `_background`: `background_offsets` (additive offsets by least squares over overlaps);
- `_output`: `create_output` (the FITS file, memory-mapped sections), `source_cards`;
- `_run`: `run_mosaic` (blocks in this process or as Dask tasks; progress; preview);
- `_preview`: the stretched picture (PNG, JPEG).
"""

from webbscope.imaging.mosaic._background import background_offsets, solve_offsets
from webbscope.imaging.mosaic._combine import (
    COMBINES,
    CombineOptions,
    combine_stack,
    compute_block,
)
from webbscope.imaging.mosaic._inputs import MosaicInput, close_files, inspect_input
from webbscope.imaging.mosaic._output import create_output, source_cards
from webbscope.imaging.mosaic._plan import (
    MosaicPlan,
    check_inputs,
    overlap_area,
    plan_mosaic,
    plan_summary,
    sky_components,
)
from webbscope.imaging.mosaic._preview import display_pixels, picture_bytes
from webbscope.imaging.mosaic._run import MosaicResult, run_mosaic

__all__ = [
    "COMBINES",
    "CombineOptions",
    "MosaicInput",
    "MosaicPlan",
    "MosaicResult",
    "background_offsets",
    "check_inputs",
    "close_files",
    "combine_stack",
    "compute_block",
    "create_output",
    "display_pixels",
    "inspect_input",
    "overlap_area",
    "picture_bytes",
    "plan_mosaic",
    "plan_summary",
    "run_mosaic",
    "sky_components",
    "solve_offsets",
    "source_cards",
]
