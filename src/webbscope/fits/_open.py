"""Open a FITS file only after its structure has been checked against the limits."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from astropy.io import fits

from webbscope.errors import Unprocessable
from webbscope.fits._lenient import repair_header
from webbscope.fits._limits import FitsLimits
from webbscope.fits._scan import HduLayout, scan_fits


def validate_fits(path: str | os.PathLike[str], limits: FitsLimits) -> None:
    """Run every check `open_fits` runs, without keeping the file open."""
    scan_fits(path, limits)


@contextmanager
def open_scanned(
    path: str | os.PathLike[str], limits: FitsLimits
) -> Iterator[tuple[list[HduLayout], Any]]:
    """Like `open_fits`, also yielding the layouts found by the scan."""
    layouts = scan_fits(path, limits)
    try:
        hdul = fits.open(
            os.fspath(path), mode="readonly", memmap=True, lazy_load_hdus=True, cache=False
        )
    except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise _unreadable(exc) from None
    try:
        yield layouts, hdul
    finally:
        hdul.close()


def _unreadable(exc: BaseException) -> Unprocessable:
    return Unprocessable(f"astropy cannot open the file: {exc}", code="fits_unreadable")


def checked_headers(
    path: str | os.PathLike[str], limits: FitsLimits
) -> tuple[list[HduLayout], list[Any], list[str]]:
    """The layouts of a checked file, a repaired copy of each HDU's header (in layout order)
    and notes on what was repaired (see `repair_header`)."""
    notes: list[str] = []
    headers = []
    with open_scanned(path, limits) as (layouts, hdul):
        for layout in layouts:
            try:
                header = hdul[layout.index].header.copy()
            except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
                raise _unreadable(exc) from None
            notes += repair_header(header, layout.label)
            headers.append(header)
    return layouts, headers, notes


@contextmanager
def open_fits(path: str | os.PathLike[str], limits: FitsLimits) -> Iterator[Any]:
    """Open a FITS file as a memory-mapped astropy `HDUList`, after checking it.

    Nothing beyond the headers is read before the checks pass: the file size, the FITS magic,
    the number of HDUs, each declared array's element count and each HDU's declared data
    extent are validated first (see `scan_fits`). HDUs are loaded lazily and data is
    memory-mapped, so touching one extension does not read the others. The file is closed
    when the block exits, whatever happens inside it.
    """
    with open_scanned(path, limits) as (_, hdul):
        yield hdul
