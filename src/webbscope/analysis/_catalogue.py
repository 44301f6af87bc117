"""Catalogues as tables: an astropy `Table` with units and the detection parameters, written
as a FITS table (the derived record) or exported as CSV, ECSV, VOTable or DS9 regions."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any, Literal

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.table import Table

from webbscope.analysis._detect import COLUMNS, Catalogue
from webbscope.errors import Unprocessable

ExportFormat = Literal["csv", "ecsv", "votable", "ds9", "fits"]
MEDIA_TYPES = {
    "csv": "text/csv",
    "ecsv": "text/plain",
    "votable": "application/x-votable+xml",
    "ds9": "text/plain",
    "fits": "application/fits",
}
SUFFIX = {"csv": "csv", "ecsv": "ecsv", "votable": "vot", "ds9": "reg", "fits": "fits"}

UNITS: dict[str, Any] = {
    "x": u.pix,
    "y": u.pix,
    "ra": u.deg,
    "dec": u.deg,
    "fwhm": u.pix,
    "orientation": u.deg,
}
DESCRIPTIONS = {
    "id": "Source number",
    "x": "Centroid x (0-based pixel)",
    "y": "Centroid y (0-based pixel)",
    "ra": "Right ascension of the centroid",
    "dec": "Declination of the centroid",
    "flux": "Sum of the background-subtracted pixels",
    "flux_err": "Uncertainty of flux, from the ERR extension",
    "fwhm": "Circularised full width at half maximum",
    "ellipticity": "1 - b/a",
    "orientation": "Major axis angle, counter-clockwise from +x",
    "flags": "1 edge, 2 NaN, 4 deblended, 8 star finder",
}


def catalogue_table(cat: Catalogue, bunit: str | None = None) -> Table:
    """The catalogue as a `Table`: units on the columns, parameters in `meta`."""
    table = Table()
    for name in COLUMNS:
        col = np.asarray(cat.columns[name])
        unit = UNITS.get(name)
        if name in ("flux", "flux_err") and bunit:
            unit = u.Unit(bunit, parse_strict="silent")
        table[name] = col if unit is None else col * unit
        table[name].description = DESCRIPTIONS[name]
    table.meta.update(
        {
            "method": cat.method,
            "bkg": cat.background,
            "bkg_rms": cat.background_rms,
            "thresh": cat.threshold,
            "params": {k: v for k, v in asdict(cat.params).items()},
            "notes": list(cat.notes),
        }
    )
    return table


def table_from_fits(data: bytes | Any) -> Table:
    """A catalogue FITS table (as written by `catalogue_fits`) read back."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return Table.read(source, format="fits", hdu=1)


def catalogue_fits(
    cat: Catalogue,
    *,
    bunit: str | None = None,
    primary_cards: dict[str, Any] | None = None,
) -> bytes:
    """The catalogue as a FITS file: a primary HDU (the parent's identifying cards, the
    detection parameters) and a CATALOG binary table."""
    table = catalogue_table(cat, bunit)
    primary = fits.PrimaryHDU()
    for key, value in (primary_cards or {}).items():
        if value is not None:
            primary.header[key] = value
    primary.header["DETMETH"] = (cat.method, "detection method")
    primary.header["DETTHR"] = (cat.params.threshold, "threshold (sigma)")
    primary.header["DETFWHM"] = (cat.params.fwhm, "kernel / PSF FWHM (pixels)")
    primary.header["DETNPIX"] = (cat.params.npixels, "minimum pixels per source")
    primary.header["DETDEBL"] = (cat.params.deblend, "deblended")
    primary.header["NSOURCES"] = (len(cat), "sources in the catalogue")
    hdu = fits.table_to_hdu(Table(table, meta={}))
    hdu.name = "CATALOG"
    for i, name in enumerate(table.colnames, start=1):
        hdu.header.comments[f"TTYPE{i}"] = DESCRIPTIONS[name]
    out = io.BytesIO()
    fits.HDUList([primary, hdu]).writeto(out)
    return out.getvalue()


def export_catalogue(table: Table, fmt: ExportFormat, *, frame_sky: bool = True) -> bytes:
    """A catalogue table in an export format. DS9 writes one circle per source (radius =
    the FWHM, at least 2 pixels), in fk5 when the table has positions on the sky."""
    if fmt == "fits":
        out = io.BytesIO()
        Table(table).write(out, format="fits")
        return out.getvalue()
    if fmt == "ds9":
        return _ds9(table, frame_sky).encode()
    writer = {"csv": "ascii.csv", "ecsv": "ascii.ecsv", "votable": "votable"}.get(fmt)
    if writer is None:
        raise Unprocessable(f"unknown export format {fmt!r}", code="invalid_format")
    plain = Table(table, copy=True)
    if fmt != "ecsv":
        plain.meta = {}
    if fmt == "votable":
        raw = io.BytesIO()
        plain.write(raw, format=writer)
        return raw.getvalue()
    text = io.StringIO()
    plain.write(text, format=writer)
    return text.getvalue().encode()


def _ds9(table: Table, sky: bool) -> str:
    names = set(table.colnames)
    lines = ["# Region file format: DS9 (Webbscope catalogue)"]
    use_sky = sky and {"ra", "dec"} <= names and np.any(np.isfinite(np.asarray(table["ra"])))
    lines.append("fk5" if use_sky else "image")
    scale = 1.0
    if use_sky and len(table) > 1:
        # pixel scale from the catalogue itself: degrees per pixel between two sources
        x = np.asarray(table["x"], dtype=float)
        y = np.asarray(table["y"], dtype=float)
        ra = np.asarray(table["ra"], dtype=float)
        dec = np.asarray(table["dec"], dtype=float)
        dpix = np.hypot(x[1:] - x[0], y[1:] - y[0])
        dsky = np.hypot((ra[1:] - ra[0]) * np.cos(np.deg2rad(dec[0])), dec[1:] - dec[0])
        good = dpix > 1
        scale = float(np.median(dsky[good] / dpix[good])) * 3600 if good.any() else 1.0
    for row in table:
        fwhm = float(row["fwhm"]) if "fwhm" in names and np.isfinite(row["fwhm"]) else 2.0
        r = max(2.0, fwhm)
        ident = int(row["id"])
        if use_sky:
            lines.append(
                f'circle({float(row["ra"]):.8f},{float(row["dec"]):.8f},{r * scale:.4f}") '
                f"# text={{{ident}}}"
            )
        else:
            lines.append(
                f"circle({float(row['x']) + 1:.3f},{float(row['y']) + 1:.3f},{r:.3f}) "
                f"# text={{{ident}}}"
            )
    return "\n".join(lines) + "\n"
