"""Analysis for the viewer, as the API shapes it: region statistics and spectra, contours,
table pages, 1-D spectra, header search, DS9 files and catalogues. Web-free adapters over
`webbscope.analysis`; each runs in a worker thread on an open (memory-mapped) file."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from webbscope.analysis import (
    CATALOGUE_COLUMNS,
    contour_levels,
    find_contours,
    from_ds9,
    pixel_region,
    region_spectrum,
    region_stats,
    region_to_spec,
    search_headers,
    sky_to_pixels,
    spectrum_1d,
    table_page,
    to_ds9,
    to_sky,
)
from webbscope.errors import NotFound, Unprocessable
from webbscope.fits import HduLayout
from webbscope.imaging import spaxel_spectrum
from webbscope.services.common.analysis_schemas import (
    CatalogueOut,
    ColumnOut,
    ContourLineOut,
    ContoursOut,
    HdusOut,
    HduSummaryOut,
    HeaderMatchOut,
    HeaderSearchOut,
    PixelPointsOut,
    RegionSpectrumOut,
    RegionStatsOut,
    Spectrum1DOut,
    TablePageOut,
)
from webbscope.services.common.viewer_schemas import finite
from webbscope.services.engine.files import OpenFile, is_image

TABLE_KINDS = ("bintable", "table")
MAX_CATALOGUE_ROWS = 100_000


def _bunit(file: OpenFile, index: int) -> str | None:
    value = file.headers[index].get("BUNIT")
    return str(value) if value not in (None, "") else None


def _error_plane(file: OpenFile, layout: HduLayout, plane: int) -> Any:
    """The ERR extension's plane matching the science HDU, when the file has one."""
    err = next(
        (lay for lay in file.layouts if lay.name.upper() == "ERR" and lay.ver == layout.ver),
        None,
    )
    if err is None or not is_image(err) or err.shape != layout.shape:
        return None
    return file.plane(err, plane)


def stats(
    file: OpenFile, ext: str, plane: int, spec: dict[str, Any], percentiles: Sequence[float]
) -> RegionStatsOut:
    layout = file.find(ext)
    data = file.plane(layout, plane)
    wcs = file.wcs(layout.index)
    region = pixel_region(spec, wcs)
    found = region_stats(
        data,
        region,
        wcs=wcs,
        bunit=_bunit(file, layout.index),
        error=_error_plane(file, layout, plane),
        percentiles=percentiles,
    )
    out = {k: getattr(found, k) for k in RegionStatsOut.model_fields if k != "region"}
    return RegionStatsOut(region=region_to_spec(region), **out)


def region_cube_spectrum(
    file: OpenFile, ext: str, spec: dict[str, Any], how: Literal["sum", "mean"]
) -> RegionSpectrumOut:
    layout = file.find(ext)
    data = file.data(layout.index)
    if data.ndim != 3:
        raise Unprocessable(f"{layout.label} is not a cube", code="not_a_cube")
    region = pixel_region(spec, file.wcs(layout.index))
    found = region_spectrum(data, region, how)
    # The wavelengths of the cube's planes (one spaxel read for them).
    _, ny, nx = data.shape
    cx = min(max(float(region.center.x) if hasattr(region, "center") else 0.0, 0), nx - 1)
    cy = min(max(float(region.center.y) if hasattr(region, "center") else 0.0, 0), ny - 1)
    axis = spaxel_spectrum(data, cx, cy, file.headers[layout.index])
    return RegionSpectrumOut(
        wavelength=[float(w) for w in axis.wavelength],
        values=[finite(v) for v in found.values],
        pixels=[int(p) for p in found.pixels],
        how=how,
        unit=axis.wavelength_unit,
        bunit=_bunit(file, layout.index),
    )


def contours(
    file: OpenFile,
    ext: str,
    plane: int,
    *,
    mode: Literal["linear", "log", "custom"],
    n: int,
    levels: Sequence[float] | None,
    low: float | None,
    high: float | None,
    max_points: int,
    on: OpenFile | None = None,
    on_ext: str = "SCI",
) -> ContoursOut:
    """Contours of the image, in its own pixels and on the sky; with `on`, in the pixels of
    that other image too (aligned through both WCSs)."""
    layout = file.find(ext)
    # find_contours converts to native float32 or float64 itself (no float64 copy of a
    # float32 image).
    data = np.asarray(file.plane(layout, plane))
    chosen = contour_levels(data, mode, n=n, levels=levels, low=low, high=high)
    found = find_contours(data, chosen, max_points=max_points)
    wcs = file.wcs(layout.index)
    sky = to_sky(wcs, found.lines) if wcs is not None else [None] * len(found.lines)
    target = None
    if on is not None:
        target = on.wcs(on.find(on_ext).index)
        if wcs is None or target is None:
            raise Unprocessable(
                "contours of another record need celestial WCSs on both", code="no_celestial_wcs"
            )
    lines = []
    for line, sk in zip(found.lines, sky, strict=True):
        pix = line.points if target is None or sk is None else sky_to_pixels(target, sk)
        lines.append(
            ContourLineOut(
                level=line.level,
                closed=line.closed,
                pixels=[(float(x), float(y)) for x, y in pix],
                sky=None if sk is None else [(float(a), float(b)) for a, b in sk],
            )
        )
    return ContoursOut(
        levels=found.levels,
        lines=lines,
        points=found.points,
        truncated=found.truncated,
        frame="self" if on is None else "other",
    )


# -- tables ---------------------------------------------------------------------------------


def _table_layout(file: OpenFile, hdu: str) -> HduLayout:
    text = hdu.strip()
    found: HduLayout | None = None
    if text.isdigit():
        index = int(text)
        found = file.layouts[index] if index < len(file.layouts) else None
    else:
        found = next((lay for lay in file.layouts if lay.name.upper() == text.upper()), None)
    if found is None:
        raise NotFound(
            f"the file has no HDU {hdu!r}",
            code="hdu_not_found",
            details={"hdus": [lay.name or str(lay.index) for lay in file.layouts]},
        )
    if found.kind not in TABLE_KINDS:
        raise Unprocessable(
            f"{found.label} is not a table ({found.kind})",
            code="not_a_table",
            details={"kind": found.kind},
        )
    return found


@contextmanager
def _opened_table(file: OpenFile, layout: HduLayout) -> Iterator[tuple[fits.Header, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(file.path, memmap=True, lazy_load_hdus=True) as hdul:
            hdu = hdul[layout.index]
            yield hdu.header, hdu.data


def hdus(file: OpenFile) -> HdusOut:
    out: list[HduSummaryOut] = []
    spectra: list[int] = []
    catalogues: list[int] = []
    for lay in file.layouts:
        header = file.headers[lay.index]
        rows = cols = None
        if lay.kind in TABLE_KINDS:
            rows = int(header.get("NAXIS2", 0))
            cols = int(header.get("TFIELDS", 0))
            names = {str(header.get(f"TTYPE{i}", "")).upper() for i in range(1, cols + 1)}
            if {"WAVELENGTH", "FLUX"} <= names or {"WAVELENGTH", "SURF_BRIGHT"} <= names:
                spectra.append(lay.index)
            if {"X", "Y", "FLUX"} <= names or {"XCENTROID", "YCENTROID"} <= names:
                catalogues.append(lay.index)
        out.append(
            HduSummaryOut(
                index=lay.index,
                name=lay.name or ("PRIMARY" if lay.index == 0 else str(lay.index)),
                ver=lay.ver,
                type=lay.kind,
                shape=list(lay.shape) if lay.shape else None,
                rows=rows,
                columns=cols,
            )
        )
    return HdusOut(hdus=out, spectra=spectra, catalogues=catalogues)


def table(
    file: OpenFile,
    hdu: str,
    *,
    page: int,
    page_size: int,
    sort: str | None,
    order: Literal["asc", "desc"],
    q: str | None,
) -> TablePageOut:
    layout = _table_layout(file, hdu)
    with _opened_table(file, layout) as (header, data):
        found = table_page(
            header, data, page=page, page_size=page_size, sort=sort, order=order, q=q
        )
    return TablePageOut(
        hdu=layout.index,
        name=layout.name,
        columns=[ColumnOut(**c.__dict__) for c in found.columns],
        rows=found.rows,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
        total=found.total,
        matched=found.matched,
        sort=found.sort,
        order=found.order,
    )


def header_search(file: OpenFile, q: str) -> HeaderSearchOut:
    found = search_headers(file.headers, q)
    return HeaderSearchOut(q=q, matches=[HeaderMatchOut(**m) for m in found])


def spectrum1d(file: OpenFile, hdu: str | None) -> Spectrum1DOut:
    if hdu is None:
        listed = hdus(file)
        if not listed.spectra:
            raise Unprocessable(
                "the file holds no 1-D spectrum (a table with WAVELENGTH and FLUX)",
                code="not_a_spectrum",
            )
        hdu = str(listed.spectra[0])
    layout = _table_layout(file, hdu)
    with _opened_table(file, layout) as (header, data):
        spec = spectrum_1d(header, data)

    def clean(values: Any) -> list[float | None]:
        return [finite(v) for v in values]

    return Spectrum1DOut(
        hdu=layout.index,
        wavelength=clean(spec.wavelength),
        flux=clean(spec.flux),
        error=None if spec.error is None else clean(spec.error),
        wavelength_unit=spec.wavelength_unit,
        flux_unit=spec.flux_unit,
        flux_column=spec.flux_column,
    )


def catalogue(file: OpenFile, hdu: str | None) -> CatalogueOut:
    """Every source of a catalogue table (x, y, ra, dec, flux, fwhm, ... as arrays)."""
    if hdu is None:
        listed = hdus(file)
        if not listed.catalogues:
            raise Unprocessable("the file holds no source catalogue", code="not_a_catalogue")
        hdu = str(listed.catalogues[0])
    layout = _table_layout(file, hdu)
    with _opened_table(file, layout) as (header, data):
        n = len(data)
        if n > MAX_CATALOGUE_ROWS:
            raise Unprocessable(
                f"the catalogue has {n} rows; at most {MAX_CATALOGUE_ROWS} are sent at once",
                code="catalogue_too_large",
            )
        names = list(data.dtype.names or ())
        columns: dict[str, list[Any]] = {}
        units: dict[str, str | None] = {}
        for i, name in enumerate(names, start=1):
            if data.dtype.fields[name][0].shape:
                continue
            col = np.asarray(data[name])
            key = name.lower()
            if col.dtype.kind in "iub":
                columns[key] = [int(v) for v in col]
            elif col.dtype.kind == "f":
                columns[key] = [finite(v) for v in col]
            else:
                columns[key] = [str(v) for v in col]
            unit = header.get(f"TUNIT{i}")
            units[key] = str(unit) if unit else None
        meta = {
            k: file.headers[0].get(k)
            for k in ("DETMETH", "DETTHR", "DETFWHM", "DETNPIX", "DETDEBL", "NSOURCES")
            if k in file.headers[0]
        }
    missing = [c for c in ("id", "x", "y") if c not in columns]
    if missing:
        raise Unprocessable(f"the table has no {', '.join(missing)} column", code="not_a_catalogue")
    ordered = {k: columns[k] for k in CATALOGUE_COLUMNS if k in columns}
    ordered.update({k: v for k, v in columns.items() if k not in ordered})
    return CatalogueOut(count=n, columns=ordered, units=units, meta=meta)


def catalogue_table(file: OpenFile, hdu: str | None) -> Any:
    """The catalogue as an astropy Table (for exports)."""
    from astropy.table import Table

    if hdu is None:
        listed = hdus(file)
        if not listed.catalogues:
            raise Unprocessable("the file holds no source catalogue", code="not_a_catalogue")
        hdu = str(listed.catalogues[0])
    layout = _table_layout(file, hdu)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        return Table.read(file.path, hdu=layout.index, format="fits")


def world_to_pixels(file: OpenFile, ext: str, points: list[tuple[float, float]]) -> PixelPointsOut:
    """(ra, dec) degrees to 0-based pixels of the image (SIP distortion included)."""
    layout = file.find(ext)
    wcs = file.wcs(layout.index)
    if wcs is None:
        raise Unprocessable("the image has no celestial WCS", code="no_celestial_wcs")
    if not points:
        return PixelPointsOut(points=[])
    sky = np.asarray(points, dtype=np.float64)
    pix = sky_to_pixels(wcs, sky)
    out: list[tuple[float, float] | None] = []
    for x, y in pix:
        out.append((float(x), float(y)) if np.isfinite(x) and np.isfinite(y) else None)
    return PixelPointsOut(points=out)


# -- DS9 ----------------------------------------------------------------------------------------


def ds9_export(
    file: OpenFile, ext: str, specs: list[dict[str, Any]], labels: list[str | None] | None
) -> str:
    layout = file.find(ext)
    return to_ds9(specs, file.wcs(layout.index), labels=labels)


def ds9_import(file: OpenFile, ext: str, text: str) -> list[dict[str, Any]]:
    layout = file.find(ext)
    return from_ds9(text, file.wcs(layout.index))
