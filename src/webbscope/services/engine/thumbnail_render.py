"""The CPU part of the `thumbnail` job, run in a child process: a JPEG of a FITS file's
science image.

Kept apart from the job (`thumbnails`), which needs the database and storage: a child imports
only this module, and the science modules it uses are already loaded in the fork server
(`webbscope.jobs.process`), so starting one costs milliseconds, not the seconds of importing
the database driver, the storage clients and astropy again for every thumbnail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webbscope.fits import FitsLimits, HduLayout, open_fits, scan_fits
from webbscope.imaging import (
    Interval,
    RenderParams,
    ScaledArray,
    hdu_image,
    prepare_view,
    preview_bytes,
    squeeze_image,
)

THUMBNAIL_SIZE = 256


#: How thumbnails look: the viewer's default rendering.
THUMBNAIL_PARAMS = RenderParams(stretch="asinh", interval=Interval.percentile(99.5))


def science_layout(layouts: list[HduLayout]) -> HduLayout | None:
    """The science image: SCI first, else the first image with at least 2 axes."""
    images = [
        lay
        for lay in layouts
        if lay.kind in ("primary", "image", "compressed_image")
        and lay.shape
        and len(lay.shape) >= 2
    ]
    images.sort(key=lambda lay: lay.name != "SCI")  # SCI first, then in file order
    return images[0] if images else None


def middle_plane(data: Any) -> Any:
    """A 2-D view of `data` (the middle plane of a cube), still unread."""
    while data.ndim > 2:
        middle = data.shape[0] // 2
        data = data.plane(middle) if isinstance(data, ScaledArray) else data[middle]
    return data


def render_thumbnail(
    report: Callable[[float, str | None], None], path: str, limits: FitsLimits, size: int
) -> bytes | None:
    """A JPEG at most `size` pixels on a side, rendered with `webbscope.imaging` from the
    memory-mapped data (only the sampled pixels are read)."""
    layouts = scan_fits(path, limits)
    layout = science_layout(layouts)
    if layout is None:
        return None
    with open_fits(path, limits) as hdul:
        data = middle_plane(squeeze_image(hdu_image(hdul[layout.index])))
        report(0.5, "stretching")
        view = prepare_view(data, THUMBNAIL_PARAMS)
        return preview_bytes(data, size, "jpeg", THUMBNAIL_PARAMS, view, quality=85)
