"""The archive's level-3 imaging extras: a source catalogue (`_cat.ecsv`) and a segmentation map
(`_segm.fits`) for each `_i2d` image, made as the JWST pipeline's source-catalog step makes them
(photutils: threshold detection above the background, a `SourceCatalog` with sky centroids,
isophotal fluxes in Jy and AB magnitudes), and an exclusive-access copy of a demo image.

Generated once into `<data_dir>/derived/` and reused (the same inputs give the same bytes).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.stats import sigma_clipped_stats
from astropy.table import Table
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_area

from webbscope.demo._io import sha256_of, write_hdus

DERIVED_DIR = "derived"
_PRIMARY_KEYS = (
    "TELESCOP",
    "INSTRUME",
    "DETECTOR",
    "FILTER",
    "PUPIL",
    "TARGNAME",
    "TARG_RA",
    "TARG_DEC",
    "PROGRAM",
    "OBSERVTN",
    "VISIT",
    "EXPSTART",
    "EXPEND",
    "EFFEXPTM",
    "CAL_VER",
)
_CATALOGUE_COLUMNS = (
    ("label", None, "Unique source identification label number"),
    ("xcentroid", "pix", "X pixel value of the source centroid (0 indexed)"),
    ("ycentroid", "pix", "Y pixel value of the source centroid (0 indexed)"),
    ("sky_centroid", None, "ICRS Sky coordinate of the source centroid"),
    ("isophotal_flux", "Jy", "Isophotal flux"),
    ("isophotal_flux_err", "Jy", "Isophotal flux error"),
    ("isophotal_abmag", "mag", "Isophotal AB magnitude"),
    ("isophotal_area", "pix2", "Isophotal area"),
    ("semimajor_sigma", "pix", "1-sigma standard deviation along the semimajor axis"),
    ("semiminor_sigma", "pix", "1-sigma standard deviation along the semiminor axis"),
    (
        "ellipticity",
        None,
        "1 minus the ratio of the 1-sigma lengths of the semimajor and semiminor axes",
    ),
    (
        "orientation",
        "deg",
        "The angle (degrees) between the positive X axis and the major axis "
        "(increases counter-clockwise)",
    ),
    ("is_extended", None, "Flag indicating whether the source is extended"),
)


def _science(path: Path) -> tuple[fits.Header, fits.Header, np.ndarray, np.ndarray | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path, memmap=False) as hdul:
            primary = hdul[0].header.copy()
            sci = hdul["SCI"]
            error = np.asarray(hdul["ERR"].data, dtype=np.float64) if "ERR" in hdul else None
            return primary, sci.header.copy(), np.asarray(sci.data, dtype=np.float64), error


def _detect(data: np.ndarray, error: np.ndarray | None, wcs: WCS) -> tuple[Any, Table]:
    from photutils.segmentation import SourceCatalog, detect_sources

    finite = np.isfinite(data)
    _mean, median, std = sigma_clipped_stats(data[finite], sigma=3.0)
    image = np.where(finite, data - median, 0.0)
    segm = detect_sources(image, 3.0 * std, n_pixels=5, mask=~finite)
    if segm is None:
        return None, Table()
    errors = None if error is None else np.where(np.isfinite(error), error, 0.0)
    catalogue = SourceCatalog(image, segm, error=errors, wcs=wcs, mask=~finite)
    pixel_sr = float(proj_plane_pixel_area(wcs.celestial)) * (np.pi / 180.0) ** 2
    to_jy = 1e6 * pixel_sr  # MJy/sr summed over pixels -> Jy
    flux = np.asarray(catalogue.segment_flux) * to_jy
    flux_err = (
        np.asarray(catalogue.segment_flux_err) * to_jy
        if errors is not None
        else np.full(len(flux), np.nan)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        abmag = np.where(flux > 0, -2.5 * np.log10(flux / 3631.0), np.nan)
    semimajor = np.asarray(catalogue.semimajor_axis.value)
    table = Table()
    table["label"] = np.asarray(catalogue.label, dtype=np.int32)
    table["xcentroid"] = np.asarray(catalogue.x_centroid)
    table["ycentroid"] = np.asarray(catalogue.y_centroid)
    table["sky_centroid"] = catalogue.sky_centroid
    table["isophotal_flux"] = flux
    table["isophotal_flux_err"] = flux_err
    table["isophotal_abmag"] = abmag
    table["isophotal_area"] = np.asarray(catalogue.area.value)
    table["semimajor_sigma"] = semimajor
    table["semiminor_sigma"] = np.asarray(catalogue.semiminor_axis.value)
    table["ellipticity"] = np.asarray(catalogue.ellipticity.value)
    table["orientation"] = np.asarray(catalogue.orientation.value)
    table["is_extended"] = semimajor > 2.0
    for name, unit, description in _CATALOGUE_COLUMNS:
        if unit is not None:
            table[name].unit = unit
        table[name].description = description
    return segm, table


def _write_catalogue(table: Table, path: Path, primary: fits.Header, image_name: str) -> None:
    table.meta = {
        "date": str(primary.get("DATE", "")),
        "version": {"jwst": str(primary.get("CAL_VER", "")), "webbscope": "test archive"},
        "source_image": image_name,
        "aperture_params": {"bkg_aperture_inner_radius": 5.0, "bkg_aperture_outer_radius": 10.0},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    table.write(path, format="ascii.ecsv", overwrite=True)


def _write_segmentation(
    segm: Any, shape: tuple[int, ...], path: Path, primary: fits.Header, sci: fits.Header
) -> None:
    data = np.zeros(shape, dtype=np.int32) if segm is None else segm.data.astype(np.int32)
    head = fits.PrimaryHDU()
    for key in _PRIMARY_KEYS:
        if key in primary:
            head.header[key] = (primary[key], primary.comments[key])
    head.header["FILENAME"] = (path.name, "Name of the file")
    head.header["DATAMODL"] = ("SegmentationMapModel", "Type of data model")
    wcs_header = WCS(sci).to_header()
    ext = fits.ImageHDU(data=data, header=wcs_header, name="SCI")
    ext.header["BUNIT"] = ("", "segment labels (0: background)")
    write_hdus([head, ext], path)


def source_products(image: Path, out_dir: Path) -> tuple[Path, Path]:
    """The `_cat.ecsv` and `_segm.fits` of one `_i2d.fits` image (made once, then reused)."""
    stem = image.name.removesuffix(".fits").removesuffix("_i2d")
    catalogue = out_dir / f"{stem}_cat.ecsv"
    segmentation = out_dir / f"{stem}_segm.fits"
    if catalogue.is_file() and segmentation.is_file():
        return catalogue, segmentation
    primary, sci, data, error = _science(image)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        wcs = WCS(sci)
    segm, table = _detect(data, error, wcs)
    _write_catalogue(table, catalogue, primary, image.name)
    _write_segmentation(segm, data.shape, segmentation, primary, sci)
    return catalogue, segmentation


def relabelled_image(source: Path, out: Path, **cards: Any) -> Path:
    """A copy of a demo FITS file with some primary header cards changed (an observation of
    another programme with the same pixels), written once."""
    if out.is_file():
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(source, memmap=False) as hdul:
            hdus = [hdu.copy() for hdu in hdul]
    for key, value in {**cards, "FILENAME": out.name}.items():
        hdus[0].header[key] = value
    for hdu in hdus:
        for key in ("CHECKSUM", "DATASUM"):
            hdu.header.remove(key, ignore_missing=True)
    return write_hdus(hdus, out)


__all__ = ["DERIVED_DIR", "relabelled_image", "sha256_of", "source_products"]
