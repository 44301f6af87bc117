"""The mosaic's FITS file, written section by section through memory maps.

`create_output` writes the headers (a primary HDU without data, then ``SCI`` and ``WHT``
float32 image extensions with the grid's WCS) and extends the file to its full size (a
sparse file: nothing is written for the data yet); `OutputFile.write` stores one block of
each extension. Only the block being written is in memory. The layout is plain FITS:
each header and data unit padded to 2880 bytes, big-endian float32.

`source_cards` gives the primary header's common source keywords (TELESCOP, INSTRUME,
FILTER, TARGNAME, ...): the shared value, or ``MULTIPLE`` with a summary keyword listing
the distinct values (e.g. ``FILTERS = 'F200W,F444W'``) where the inputs differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from numpy.typing import NDArray

from webbscope.imaging._skygrid import SkyGrid
from webbscope.imaging.mosaic._inputs import SOURCE_KEYS, MosaicInput

BLOCK = 2880
SUMMARY = {
    "INSTRUME": "INSTRUMS",
    "FILTER": "FILTERS",
    "TARGNAME": "TARGETS",
    "PROGRAM": "PROGRAMS",
}


def _padded(n: int) -> int:
    return -(-n // BLOCK) * BLOCK


def source_cards(inputs: Sequence[MosaicInput]) -> list[tuple[str, Any, str]]:
    out: list[tuple[str, Any, str]] = []
    for key in SOURCE_KEYS:
        values = list(dict.fromkeys(i.keywords[key] for i in inputs if key in i.keywords))
        if not values:
            continue
        if len(values) == 1:
            out.append((key, values[0], "common to every input"))
        else:
            out.append((key, "MULTIPLE", "the inputs differ"))
            if key in SUMMARY:
                out.append((SUMMARY[key], ",".join(values)[:68], f"the inputs' {key} values"))
    units = list(dict.fromkeys(i.bunit for i in inputs if i.bunit))
    if len(units) == 1:
        out.append(("BUNIT", units[0], "the inputs' unit"))
    elif units:
        out.append(("BUNITS", ",".join(units)[:68], "the inputs differ in unit"))
    return out


@dataclass
class OutputFile:
    """The file and where each extension's data starts. `write` maps only the rows of the
    block being written and unmaps them at once, so the process's resident memory holds one
    block of the output, never the whole file (a map of the whole file keeps every written
    page resident until it is closed)."""

    path: Path
    shape: tuple[int, int]
    offsets: tuple[int, int]

    def write(
        self, box: tuple[int, int, int, int], values: NDArray[np.float32], weights: NDArray[Any]
    ) -> None:
        y0, y1, x0, x1 = box
        nx = self.shape[1]
        for offset, block in zip(self.offsets, (values, weights), strict=True):
            rows = np.memmap(
                self.path, dtype=">f4", mode="r+", offset=offset + y0 * nx * 4, shape=(y1 - y0, nx)
            )
            rows[:, x0:x1] = block
            # no msync: the pages go to the file through the page cache (an msync per block
            # forced a disk write each time and cost more than the block's computation)
            mm = getattr(rows, "_mmap", None)
            del rows
            if mm is not None:
                mm.close()

    def close(self) -> None:
        """Nothing stays open between writes."""


def _image_header(grid: SkyGrid, name: str, cards: Sequence[tuple[str, Any, str]]) -> fits.Header:
    h = fits.Header()
    h["XTENSION"] = "IMAGE"
    h["BITPIX"] = -32
    h["NAXIS"] = 2
    h["NAXIS1"] = grid.nx
    h["NAXIS2"] = grid.ny
    h["PCOUNT"] = 0
    h["GCOUNT"] = 1
    h["EXTNAME"] = name
    if grid.wcs is not None:
        h.update(grid.wcs.to_header(relax=True))
    for k, v, c in cards:
        h[k] = (v, c)
    return h


def create_output(
    path: str | Path,
    grid: SkyGrid,
    primary_cards: Sequence[tuple[str, Any, str]],
    sci_cards: Sequence[tuple[str, Any, str]] = (),
) -> OutputFile:
    """A FITS file of the grid's size with SCI and WHT extensions (see the module notes)."""
    path = Path(path)
    primary = fits.Header()
    primary["SIMPLE"] = True
    primary["BITPIX"] = 8
    primary["NAXIS"] = 0
    primary["EXTEND"] = True
    for k, v, c in primary_cards:
        primary[k] = (v, c)
    sci = _image_header(grid, "SCI", sci_cards)
    wht = _image_header(grid, "WHT", [("BUNIT", "", "sum of the input weights used")])
    data_bytes = _padded(grid.nx * grid.ny * 4)
    parts = [primary.tostring(), sci.tostring(), wht.tostring()]
    offsets = []
    with path.open("wb") as f:
        f.write(parts[0].encode("ascii"))
        pos = len(parts[0])
        for text in parts[1:]:
            f.seek(pos)
            f.write(text.encode("ascii"))
            pos += len(text)
            offsets.append(pos)
            pos += data_bytes
        f.truncate(pos)
    return OutputFile(path, (grid.ny, grid.nx), (offsets[0], offsets[1]))
