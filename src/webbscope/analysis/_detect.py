"""Source detection and catalogues.

Methods:

- ``segmentation``: background and noise (`estimate_background`), the background-subtracted
  image convolved with a Gaussian of the given FWHM, pixels above ``threshold`` sigma joined
  into sources of at least ``npixels`` (8-connected), as photutils' `detect_sources` does. The
  fast path labels with `scipy.ndimage.label` and measures every source at once with
  `np.bincount`, in one pass over the detected pixels; photutils' `SourceFinder` and
  `SourceCatalog` stay as the reference (tests) and run when ``deblend`` is asked for
  (multi-thresholding and watershed are theirs) or ``fast`` is off.
- ``dao`` / ``iraf``: photutils' `DAOStarFinder` / `IRAFStarFinder` on the background-
  subtracted image, with the sharpness and roundness limits.
- ``auto``: segmentation first; when nearly all sources are compact and round (point
  sources), `DAOStarFinder` measures them instead.

Catalogue columns: id, x, y (0-based pixels), ra, dec (degrees, with a WCS), flux (sum of the
background-subtracted pixels), flux_err (sqrt of the summed ERR² when ERR is given), fwhm
(circularised, from second moments), ellipticity, orientation (degrees counter-clockwise
from +x), flags (1 touches the image edge, 2 has NaN pixels, 4 deblended, 8 star finder).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray
from scipy import ndimage

from webbscope.analysis._background import (
    Background,
    estimate_background,
    interpolate_rows,
    mesh_axis,
)
from webbscope.errors import Unprocessable

Method = Literal["auto", "segmentation", "dao", "iraf"]
COLUMNS = (
    "id",
    "x",
    "y",
    "ra",
    "dec",
    "flux",
    "flux_err",
    "fwhm",
    "ellipticity",
    "orientation",
    "flags",
)
FLAG_EDGE, FLAG_NAN, FLAG_DEBLENDED, FLAG_STARFINDER = 1, 2, 4, 8
Report = Callable[[float, str | None], None]
_FWHM_K = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True)
class DetectParams:
    method: Method = "auto"
    threshold: float = 3.0
    fwhm: float = 3.0
    npixels: int = 10
    deblend: bool = False
    nlevels: int = 32
    contrast: float = 0.001
    sharplo: float = 0.2
    sharphi: float = 1.0
    roundlo: float = -1.0
    roundhi: float = 1.0
    box: int = 64
    filter_size: int = 3
    max_sources: int = 200_000
    fast: bool = True

    def check(self) -> None:
        problems = []
        if not 0 < self.threshold <= 1000:
            problems.append("threshold must be above 0 (sigma)")
        if not 0.5 <= self.fwhm <= 100:
            problems.append("fwhm must be 0.5 to 100 pixels")
        if not 1 <= self.npixels <= 100_000:
            problems.append("npixels must be 1 to 100000")
        if not 1 <= self.nlevels <= 1000 or not 0 <= self.contrast <= 1:
            problems.append("deblending needs nlevels 1 to 1000 and contrast 0 to 1")
        if self.sharplo >= self.sharphi or self.roundlo >= self.roundhi:
            problems.append("sharpness and roundness limits need low < high")
        if not 8 <= self.box <= 1024:
            problems.append("box must be 8 to 1024 pixels")
        if problems:
            raise Unprocessable(
                "; ".join(problems), code="invalid_detect_params", details={"problems": problems}
            )


@dataclass
class Catalogue:
    columns: dict[str, NDArray[Any]]
    method: str
    background: float
    background_rms: float
    threshold: float
    params: DetectParams
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.columns["id"].size)


def gaussian_kernel_1d(fwhm: float) -> NDArray[np.float64]:
    """A normalised 1-D Gaussian (odd length, about 1.7 FWHM) whose outer product is the 2-D
    kernel photutils' `make_2dgaussian_kernel(fwhm, size)` makes ('oversample' mode)."""
    size = max(3, round(1.7 * fwhm) | 1)
    sigma = fwhm / _FWHM_K
    sub = 10
    x = (np.arange(size * sub) + 0.5) / sub - size / 2
    g = np.exp(-0.5 * (x / sigma) ** 2).reshape(size, sub).mean(axis=1)
    return np.asarray(g / g.sum(), dtype=np.float64)


def _smooth_axis(a: NDArray[np.float32], k: NDArray[np.float32], axis: int) -> NDArray[np.float32]:
    """`a` correlated with the symmetric kernel `k` along `axis`, zeros beyond the edges:
    shifted slices added in place (pairs of taps share one multiply)."""
    r = len(k) // 2
    n = a.shape[axis]
    pad = [(0, 0), (0, 0)]
    pad[axis] = (r, r)
    p = np.pad(a, pad)

    def part(i: int) -> NDArray[np.float32]:
        sl: list[slice] = [slice(None), slice(None)]
        sl[axis] = slice(i, i + n)
        return p[tuple(sl)]

    out = part(r) * k[r]
    tmp = np.empty_like(out)
    for i in range(r):
        np.add(part(i), part(2 * r - i), out=tmp)
        tmp *= k[i]
        out += tmp
    return np.asarray(out, dtype=np.float32)


def convolve_gaussian(image: NDArray[np.float32], fwhm: float) -> NDArray[np.float32]:
    """`image` convolved with the Gaussian of `gaussian_kernel_1d` on both axes (zeros beyond
    the edges, as astropy's `convolve` with ``boundary='fill'`` for finite data)."""
    k = gaussian_kernel_1d(fwhm).astype(np.float32)
    out = _smooth_axis(_smooth_axis(np.asarray(image, dtype=np.float32), k, 0), k, 1)
    return np.asarray(out, dtype=np.float32)


@dataclass(frozen=True)
class Segments:
    """Detected sources as flat arrays over their pixels (row-major order)."""

    labels: NDArray[np.int32]  # per detected pixel, 1..n
    index: NDArray[np.int64]  # flat pixel index
    count: int
    shape: tuple[int, int]

    def image(self) -> NDArray[np.int32]:
        seg = np.zeros(self.shape[0] * self.shape[1], dtype=np.int32)
        seg[self.index] = self.labels
        return seg.reshape(self.shape)


def segment(
    conv: NDArray[np.float32], threshold: NDArray[np.float32] | float, npixels: int
) -> Segments:
    """8-connected groups of at least `npixels` pixels where `conv` > `threshold`,
    numbered in raster order of their first pixel (as photutils numbers them)."""
    return segment_mask(conv > threshold, npixels)


def segment_mask(mask: NDArray[np.bool_], npixels: int) -> Segments:
    """`segment` for a mask already thresholded."""
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    flat = labels.ravel()
    index = np.flatnonzero(flat)
    lab = flat[index]
    sizes = np.bincount(lab)
    keep = sizes >= npixels
    keep[0] = False
    renum = np.cumsum(keep).astype(np.int32) * keep
    lab = renum[lab]
    chosen = lab > 0
    return Segments(lab[chosen], index[chosen], int(keep.sum()), (mask.shape[0], mask.shape[1]))


def measure(
    sub: NDArray[np.float32],
    conv: NDArray[np.float32],
    seg: Segments,
    *,
    error: Any = None,
    nan_mask: NDArray[np.bool_] | None = None,
) -> dict[str, NDArray[Any]]:
    """Source properties as photutils' `SourceCatalog` defines them: centroids and second
    moments from the convolved image (negative pixels as 0), the flux from the background-
    subtracted one, FWHM = 2 sqrt(ln 2 (a² + b²)), ellipticity 1 - b/a, orientation of the
    major axis."""
    ny, nx = seg.shape
    n = seg.count
    lab = seg.labels
    idx = seg.index
    ys, xs = np.divmod(idx, nx)
    xs = xs.astype(np.float64)
    ys = ys.astype(np.float64)
    m = n + 1
    flux = np.bincount(lab, weights=sub.ravel()[idx].astype(np.float64), minlength=m)[1:]
    w = conv.ravel()[idx].astype(np.float64)
    w[~np.isfinite(w) | (w < 0)] = 0.0
    m00 = np.bincount(lab, weights=w, minlength=m)[1:]
    with np.errstate(all="ignore"):
        xc = np.bincount(lab, weights=w * xs, minlength=m)[1:] / m00
        yc = np.bincount(lab, weights=w * ys, minlength=m)[1:] / m00
        dx = xs - xc[lab - 1]
        dy = ys - yc[lab - 1]
        cxx = np.bincount(lab, weights=w * dx * dx, minlength=m)[1:] / m00
        cyy = np.bincount(lab, weights=w * dy * dy, minlength=m)[1:] / m00
        cxy = np.bincount(lab, weights=w * dx * dy, minlength=m)[1:] / m00
    # SourceExtractor's prescription for "infinitely thin" sources, as photutils applies it.
    delta = 1.0 / 12
    for _ in range(100):
        small = (cxx * cyy - cxy * cxy) < delta * delta
        if not small.any():
            break
        cxx = np.where(small, cxx + delta, cxx)
        cyy = np.where(small, cyy + delta, cyy)
    half = (cxx + cyy) / 2
    root = np.sqrt(((cxx - cyy) / 2) ** 2 + cxy**2)
    a2, b2 = half + root, np.maximum(half - root, 0)
    a, b = np.sqrt(a2), np.sqrt(b2)
    with np.errstate(all="ignore"):
        fwhm = 2.0 * np.sqrt(np.log(2.0) * (a2 + b2))
        ell = 1.0 - b / a
        orient = np.rad2deg(0.5 * np.arctan2(2.0 * cxy, cxx - cyy)) % 360
    flags = np.zeros(n, dtype=np.int32)
    edge = (xs == 0) | (ys == 0) | (xs == nx - 1) | (ys == ny - 1)
    if edge.any():
        flags[np.unique(lab[edge]) - 1] |= FLAG_EDGE
    if nan_mask is not None:
        bad = nan_mask.ravel()[idx]
        if bad.any():
            flags[np.unique(lab[bad]) - 1] |= FLAG_NAN
    flux_err = np.full(n, np.nan)
    if error is not None:
        e = np.asarray(error, dtype=np.float64).ravel()[idx]
        e = np.where(np.isfinite(e), e * e, 0.0)
        flux_err = np.sqrt(np.bincount(lab, weights=e, minlength=m)[1:])
    return {
        "id": np.arange(1, n + 1, dtype=np.int32),
        "x": xc,
        "y": yc,
        "flux": flux,
        "flux_err": flux_err,
        "fwhm": fwhm,
        "ellipticity": ell,
        "orientation": orient,
        "flags": flags,
    }


def _sky(columns: dict[str, NDArray[Any]], wcs: WCS | None) -> None:
    n = columns["x"].size
    if wcs is None or n == 0:
        columns["ra"] = np.full(n, np.nan)
        columns["dec"] = np.full(n, np.nan)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        ra, dec = wcs.all_pix2world(columns["x"], columns["y"], 0)
    columns["ra"] = np.asarray(ra, dtype=np.float64)
    columns["dec"] = np.asarray(dec, dtype=np.float64)


def _ordered(columns: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    return {k: columns[k] for k in COLUMNS}


def _prepare(
    data: Any, params: DetectParams
) -> tuple[NDArray[np.float32], NDArray[np.bool_] | None, Background, NDArray[np.float32]]:
    img = np.asarray(data, dtype=np.float32)
    if img.ndim != 2:
        raise Unprocessable("detection needs a 2-D image", code="not_an_image")
    bad = ~np.isfinite(img)
    nan_mask = bad if bad.any() else None
    bkg = estimate_background(img, params.box, filter_size=params.filter_size, mask=nan_mask)
    sub = img - bkg.background()
    if nan_mask is not None:
        sub[nan_mask] = 0.0
    return sub, nan_mask, bkg, bkg.rms()


BLOCK_ROWS = 128


def filtered(
    data: Any, bkg: Background, fwhm: float, nsigma: float
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.bool_], NDArray[np.bool_] | None]:
    """The background-subtracted image, its Gaussian-convolved version and the pixels above
    `nsigma` x the noise, computed in blocks of rows that stay in the processor's cache (the
    background and noise are interpolated per block, never as whole images)."""
    img = np.asarray(data, dtype=np.float32)
    ny, nx = img.shape
    k = gaussian_kernel_1d(fwhm).astype(np.float32)
    r = len(k) // 2
    rows = mesh_axis(ny, bkg.mesh.shape[0], bkg.box)
    lo, hi, f = mesh_axis(nx, bkg.mesh.shape[1], bkg.box)
    bg_cols = bkg.mesh[:, lo] * (1 - f) + bkg.mesh[:, hi] * f  # mesh rows along x
    rms = bkg.mesh_rms * np.float32(nsigma)
    rms_cols = rms[:, lo] * (1 - f) + rms[:, hi] * f
    sub = np.empty_like(img)
    conv = np.empty_like(img)
    mask = np.empty(img.shape, dtype=bool)
    nan_any = False
    for y0 in range(0, ny, BLOCK_ROWS):
        y1 = min(ny, y0 + BLOCK_ROWS)
        ya, yb = max(0, y0 - r), min(ny, y1 + r)
        block = img[ya:yb] - interpolate_rows(bg_cols, rows, slice(ya, yb))
        bad = ~np.isfinite(block)
        if bad.any():
            nan_any = True
            block[bad] = 0.0
        sub[y0:y1] = block[y0 - ya : y0 - ya + (y1 - y0)]
        pad = np.zeros((y1 - y0 + 2 * r, nx), dtype=np.float32)
        pad[r - (y0 - ya) : r - (y0 - ya) + (yb - ya)] = block
        vert = _smooth_axis(pad, k, 0)[r : r + (y1 - y0)]
        out = _smooth_axis(vert, k, 1)
        conv[y0:y1] = out
        mask[y0:y1] = out > interpolate_rows(rms_cols, rows, slice(y0, y1))
    nan_mask = ~np.isfinite(img) if nan_any else None
    return sub, conv, mask, nan_mask


def detect_fast(
    data: Any,
    params: DetectParams,
    *,
    error: Any = None,
    wcs: WCS | None = None,
    report: Report | None = None,
) -> Catalogue:
    """Segmentation without deblending, the fast path (see the module's description)."""
    say = report or (lambda f, m: None)
    img = np.asarray(data, dtype=np.float32)
    if img.ndim != 2:
        raise Unprocessable("detection needs a 2-D image", code="not_an_image")
    bkg = estimate_background(img, params.box, filter_size=params.filter_size)
    say(0.3, "background")
    sub, conv, mask, nan_mask = filtered(img, bkg, params.fwhm, params.threshold)
    say(0.5, "convolved")
    seg = segment_mask(mask, params.npixels)
    _limit(seg.count, params)
    say(0.7, f"{seg.count} sources")
    cols = measure(sub, conv, seg, error=error, nan_mask=nan_mask)
    _sky(cols, wcs)
    return Catalogue(
        _ordered(cols),
        "segmentation",
        bkg.median,
        bkg.median_rms,
        params.threshold * bkg.median_rms,
        params,
    )


def _limit(count: int, params: DetectParams) -> None:
    if count > params.max_sources:
        raise Unprocessable(
            f"{count} sources found, more than {params.max_sources}: raise the threshold",
            code="too_many_sources",
            details={"found": count, "max": params.max_sources},
        )


def detect_photutils(
    data: Any,
    params: DetectParams,
    *,
    error: Any = None,
    wcs: WCS | None = None,
    report: Report | None = None,
) -> Catalogue:
    """Segmentation by photutils: `Background2D`, `SourceFinder` (deblending when asked)
    and `SourceCatalog`. The reference for the fast path, and the path for deblending."""
    from photutils.background import Background2D, MedianBackground
    from photutils.segmentation import SourceCatalog, SourceFinder

    say = report or (lambda f, m: None)
    img = np.asarray(data, dtype=np.float32)
    bad = ~np.isfinite(img)
    mask = bad if bad.any() else None
    box = max(4, min(params.box, *img.shape))
    bkg2 = Background2D(
        img, (box, box), filter_size=params.filter_size, mask=mask, bkg_estimator=MedianBackground()
    )
    sub = (img - bkg2.background).astype(np.float32)
    if mask is not None:
        sub[mask] = 0.0
    say(0.3, "background")
    conv = convolve_gaussian(sub, params.fwhm)
    finder = SourceFinder(
        n_pixels=params.npixels,
        deblend=params.deblend,
        n_levels=params.nlevels,
        contrast=params.contrast,
        progress_bar=False,
    )
    segm = finder(conv, params.threshold * bkg2.background_rms)
    say(0.7, "segmented")
    n = 0 if segm is None else segm.n_labels
    _limit(n, params)
    cols: dict[str, NDArray[Any]]
    if segm is None:
        cols = {k: np.array([]) for k in COLUMNS}
    else:
        err = None if error is None else np.asarray(error, dtype=np.float64)
        cat = SourceCatalog(sub, segm, convolved_data=conv, error=err)
        cols = {
            "id": np.arange(1, n + 1, dtype=np.int32),
            "x": np.asarray(cat.x_centroid, dtype=np.float64),
            "y": np.asarray(cat.y_centroid, dtype=np.float64),
            "flux": np.asarray(cat.segment_flux, dtype=np.float64),
            "flux_err": (
                np.asarray(cat.segment_flux_err, dtype=np.float64)
                if err is not None
                else np.full(n, np.nan)
            ),
            "fwhm": np.asarray(cat.fwhm.value, dtype=np.float64),
            "ellipticity": np.asarray(cat.ellipticity.value, dtype=np.float64),
            "orientation": np.asarray(cat.orientation.value, dtype=np.float64) % 360,
            "flags": np.zeros(n, dtype=np.int32),
        }
        seg_img = segm.data
        edge = np.unique(np.concatenate([seg_img[0], seg_img[-1], seg_img[:, 0], seg_img[:, -1]]))
        labels = list(segm.labels)
        pos = {lab: i for i, lab in enumerate(labels)}
        for lab in edge[edge > 0]:
            cols["flags"][pos[int(lab)]] |= FLAG_EDGE
        if mask is not None:
            for lab in np.unique(seg_img[mask]):
                if lab > 0:
                    cols["flags"][pos[int(lab)]] |= FLAG_NAN
        if params.deblend and hasattr(segm, "deblended_labels"):
            for lab in segm.deblended_labels:
                cols["flags"][pos[int(lab)]] |= FLAG_DEBLENDED
    _sky(cols, wcs)
    return Catalogue(
        _ordered(cols),
        "segmentation",
        float(bkg2.background_median),
        float(bkg2.background_rms_median),
        params.threshold * float(bkg2.background_rms_median),
        params,
        notes=["photutils SourceFinder" + (" with deblending" if params.deblend else "")],
    )


def detect_stars(
    data: Any,
    params: DetectParams,
    finder: Literal["dao", "iraf"],
    *,
    error: Any = None,
    wcs: WCS | None = None,
    report: Report | None = None,
    prepared: tuple[Any, Any, Background, Any] | None = None,
) -> Catalogue:
    """Point sources with photutils' `DAOStarFinder` or `IRAFStarFinder`."""
    from photutils.detection import DAOStarFinder, IRAFStarFinder

    say = report or (lambda f, m: None)
    sub, nan_mask, bkg, _ = prepared or _prepare(data, params)
    say(0.4, "background")
    thr = params.threshold * bkg.median_rms
    limits = dict(
        sharplo=params.sharplo,
        sharphi=params.sharphi,
        roundlo=params.roundlo,
        roundhi=params.roundhi,
    )
    cls = DAOStarFinder if finder == "dao" else IRAFStarFinder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = cls(threshold=thr, fwhm=params.fwhm, **limits)(sub, mask=nan_mask)
    n = 0 if found is None else len(found)
    _limit(n, params)
    say(0.8, f"{n} sources")
    if n == 0:
        cols = {k: np.array([]) for k in COLUMNS}
        cols["flags"] = np.zeros(0, dtype=np.int32)
        _sky(cols, wcs)
        return Catalogue(_ordered(cols), finder, bkg.median, bkg.median_rms, thr, params)
    names = found.colnames
    x = np.asarray(found["x_centroid" if "x_centroid" in names else "xcentroid"], dtype=np.float64)
    y = np.asarray(found["y_centroid" if "y_centroid" in names else "ycentroid"], dtype=np.float64)
    flux = np.asarray(found["flux"], dtype=np.float64)
    fwhm = (
        np.asarray(found["fwhm"], dtype=np.float64) if "fwhm" in names else np.full(n, params.fwhm)
    )
    round_col = next((c for c in ("roundness", "roundness2", "roundness1") if c in names), None)
    ell = (
        np.full(n, np.nan)
        if round_col is None
        else np.abs(np.asarray(found[round_col], dtype=np.float64))
    )
    orient = (
        np.asarray(found["pa"], dtype=np.float64) % 360 if "pa" in names else np.full(n, np.nan)
    )
    flux_err = np.full(n, np.nan)
    if error is not None:
        err2 = np.where(np.isfinite(error), np.asarray(error, dtype=np.float64) ** 2, 0.0)
        r = max(1, math.ceil(params.fwhm))
        ny, nx = err2.shape
        for i, (xi, yi) in enumerate(zip(x, y, strict=True)):
            ix, iy = int(np.rint(xi)), int(np.rint(yi))
            flux_err[i] = math.sqrt(
                err2[max(0, iy - r) : iy + r + 1, max(0, ix - r) : ix + r + 1].sum()
            )
    flags = np.full(n, FLAG_STARFINDER, dtype=np.int32)
    ny, nx = sub.shape
    near = (
        (x < params.fwhm)
        | (y < params.fwhm)
        | (x > nx - 1 - params.fwhm)
        | (y > ny - 1 - params.fwhm)
    )
    flags[near] |= FLAG_EDGE
    cols = {
        "id": np.arange(1, n + 1, dtype=np.int32),
        "x": x,
        "y": y,
        "flux": flux,
        "flux_err": flux_err,
        "fwhm": fwhm,
        "ellipticity": ell,
        "orientation": orient,
        "flags": flags,
    }
    _sky(cols, wcs)
    return Catalogue(_ordered(cols), finder, bkg.median, bkg.median_rms, thr, params)


def _point_like(cat: Catalogue) -> bool:
    """Nearly all sources compact (FWHM within 1.5x the PSF's) and round."""
    n = len(cat)
    if n < 5:
        return False
    fwhm = cat.columns["fwhm"]
    ell = cat.columns["ellipticity"]
    compact = (fwhm < 1.5 * cat.params.fwhm) & (ell < 0.3)
    return bool(compact.mean() >= 0.8)


def detect_sources(
    data: Any,
    params: DetectParams | None = None,
    *,
    error: Any = None,
    wcs: WCS | None = None,
    report: Report | None = None,
) -> Catalogue:
    """Detect and measure the sources of a 2-D image (see the module's description)."""
    params = params or DetectParams()
    params.check()
    if params.method in ("dao", "iraf"):
        return detect_stars(data, params, params.method, error=error, wcs=wcs, report=report)
    if params.deblend or not params.fast:
        cat = detect_photutils(data, params, error=error, wcs=wcs, report=report)
    else:
        cat = detect_fast(data, params, error=error, wcs=wcs, report=report)
    if params.method == "auto" and _point_like(cat):
        stars = detect_stars(data, params, "dao", error=error, wcs=wcs, report=report)
        if len(stars):
            stars.notes.append("auto: the sources look point-like, so DAOStarFinder measured them")
            return stars
    if params.method == "auto":
        cat.notes.append("auto: segmentation (the sources are not all point-like)")
    return cat
