"""Measurements for the viewer, as the API shapes them: pixel values with sky positions,
histograms, RA/Dec grid lines with a scale bar, and cube spectra. Web-free; each runs in a
worker thread and reads only the pixels it needs from the memory map."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from webbscope.errors import Unprocessable
from webbscope.imaging import (
    grid_lines,
    histogram,
    pixel_values,
    scale_bar,
    spaxel_spectrum,
    world_coords,
)
from webbscope.services.common.viewer_schemas import (
    GridLabelOut,
    GridLineOut,
    GridOut,
    HistogramOut,
    PixelOut,
    ScaleBarOut,
    SpectrumOut,
    finite,
)
from webbscope.services.engine.files import OpenFile
from webbscope.services.engine.params import Plane


def pixels(file: OpenFile, plane: Plane, points: Sequence[tuple[float, float]]) -> list[PixelOut]:
    """Value and sky position at each (x, y) (0-based FITS pixels, y up)."""
    layout = file.find(plane.ext)
    data = file.plane(layout, plane.slice)
    values = pixel_values(data, points)
    wcs = file.wcs(layout.index)
    skies = world_coords(wcs, points) if wcs is not None else [None] * len(values)
    out = []
    for (x, y), value, sky in zip(points, values, skies, strict=True):
        out.append(
            PixelOut(
                x=x,
                y=y,
                value=value,
                ra=sky.ra if sky else None,
                dec=sky.dec if sky else None,
                ra_str=sky.ra_text if sky else None,
                dec_str=sky.dec_text if sky else None,
                frame=sky.frame if sky else None,
            )
        )
    return out


def plane_histogram(
    file: OpenFile, plane: Plane, bins: int, lo: float | None, hi: float | None, log: bool
) -> HistogramOut:
    """Counts of the (sampled) finite values of the plane in `bins` bins over [lo, hi]."""
    layout = file.find(plane.ext)
    data = file.plane(layout, plane.slice)
    span = None if lo is None or hi is None else (lo, hi)
    if (lo is None) != (hi is None):
        raise Unprocessable("give both min and max for a histogram range", code="invalid_range")
    hist = histogram(data, bins=bins, range=span, log=log)
    return HistogramOut(
        counts=[int(c) for c in hist.counts],
        edges=[float(e) for e in hist.edges],
        total=hist.total,
        sampled=hist.sampled,
        log=log,
    )


def grid(
    file: OpenFile, plane: Plane, target: int, labels: Literal["sexagesimal", "degrees"]
) -> GridOut:
    """RA/Dec lines (one polyline per segment) with a label at each line's start."""
    layout = file.find(plane.ext)
    wcs = file.wcs(layout.index)
    if wcs is None:
        raise Unprocessable("the image has no celestial WCS", code="no_celestial_wcs")
    shape = tuple(int(n) for n in file.data(layout.index).shape[-2:])
    found = grid_lines(wcs, shape, target=target, labels=labels)
    lines: list[GridLineOut] = []
    marks: list[GridLabelOut] = []
    for line in found.lines:
        for segment in line.segments:
            lines.append(
                GridLineOut(
                    axis=line.axis,
                    kind=line.axis,
                    value=line.value,
                    label=line.label,
                    points=[(float(px), float(py)) for px, py in segment],
                )
            )
        ax, ay = line.anchor
        marks.append(GridLabelOut(x=float(ax), y=float(ay), text=line.label, axis=line.axis))
    try:
        bar = scale_bar(wcs, shape)
        bar_out: ScaleBarOut | None = ScaleBarOut(
            arcsec=bar.arcsec, pixels=bar.pixels, label=bar.label
        )
    except (Unprocessable, ValueError, ZeroDivisionError):
        bar_out = None
    return GridOut(
        ra_step=found.ra_step,
        dec_step=found.dec_step,
        equatorial=found.equatorial,
        lines=lines,
        labels=marks,
        scale_bar=bar_out,
    )


def spectrum(file: OpenFile, ext: str, x: float, y: float, box: int) -> SpectrumOut:
    """The cube's spectrum at spaxel (x, y), or the mean of a box x box square."""
    layout = file.find(ext)
    data = file.data(layout.index)
    header = file.headers[layout.index]
    spec = spaxel_spectrum(data, x, y, header, box=box)
    bunit = header.get("BUNIT")
    return SpectrumOut(
        x=spec.x,
        y=spec.y,
        wavelength=[float(w) for w in spec.wavelength],
        values=[finite(v) for v in spec.values],
        unit=spec.wavelength_unit,
        bunit=str(bunit) if bunit not in (None, "") else None,
    )
