"""The demo targets and the instrument bands the synthetic products are made in."""

from __future__ import annotations

from dataclasses import dataclass

#: Pixel scale (arcsec) of the NIRCam short-wavelength channel. `size` counts pixels at it.
SW_SCALE = 0.031


@dataclass(frozen=True)
class Band:
    """One imaging filter (or spectroscopic setting) and how its level-3 images look."""

    instrument: str
    filter: str
    pupil: str | None
    pivot_um: float
    min_um: float
    max_um: float
    fwhm_arcsec: float
    pixel_scale: float
    channel: str | None
    exp_type: str
    detector: str
    noise: float
    """Read-noise-like per-pixel error at full depth, MJy/sr."""
    saturation: float
    """Surface brightness (MJy/sr) above which a pixel saturates."""
    exptime: float
    grating: str | None = None

    @property
    def optical_elements(self) -> str:
        """The optical-element part of a level-3 file name: clear-f090w, f770w, g395m-f290lp."""
        if self.grating:
            return f"{self.grating}-{self.filter}".lower()
        if self.pupil:
            return f"{self.pupil}-{self.filter}".lower()
        return self.filter.lower()


def _nircam(
    name: str,
    pivot: float,
    lo: float,
    hi: float,
    fwhm: float,
    *,
    long: bool,
    noise: float,
    sat: float,
    exptime: float,
) -> Band:
    return Band(
        instrument="NIRCAM",
        filter=name,
        pupil="CLEAR",
        pivot_um=pivot,
        min_um=lo,
        max_um=hi,
        fwhm_arcsec=fwhm,
        pixel_scale=0.063 if long else SW_SCALE,
        channel="LONG" if long else "SHORT",
        exp_type="NRC_IMAGE",
        detector="MULTIPLE",
        noise=noise,
        saturation=sat,
        exptime=exptime,
    )


def _miri(
    name: str, pivot: float, lo: float, hi: float, fwhm: float, noise: float, exptime: float
) -> Band:
    return Band(
        instrument="MIRI",
        filter=name,
        pupil=None,
        pivot_um=pivot,
        min_um=lo,
        max_um=hi,
        fwhm_arcsec=fwhm,
        pixel_scale=0.11,
        channel=None,
        exp_type="MIR_IMAGE",
        detector="MIRIMAGE",
        noise=noise,
        saturation=6000.0,
        exptime=exptime,
    )


F090W = _nircam(
    "F090W", 0.902, 0.795, 1.005, 0.030, long=False, noise=0.05, sat=3000.0, exptime=1288.4
)
F150W = _nircam(
    "F150W", 1.501, 1.331, 1.668, 0.050, long=False, noise=0.04, sat=3000.0, exptime=1073.7
)
F200W = _nircam(
    "F200W", 1.990, 1.755, 2.227, 0.066, long=False, noise=0.04, sat=3000.0, exptime=1288.4
)
F444W = _nircam(
    "F444W", 4.421, 3.881, 4.982, 0.145, long=True, noise=0.05, sat=3500.0, exptime=1288.4
)
F770W = _miri("F770W", 7.639, 6.581, 8.687, 0.269, noise=0.35, exptime=1065.6)
F1130W = _miri("F1130W", 11.309, 10.953, 11.667, 0.375, noise=0.6, exptime=1065.6)
G395M = Band(
    instrument="NIRSPEC",
    filter="F290LP",
    pupil=None,
    pivot_um=4.07,
    min_um=2.87,
    max_um=5.27,
    fwhm_arcsec=0.16,
    pixel_scale=0.1,
    channel=None,
    exp_type="NRS_IFU",
    detector="NRS1",
    noise=0.6,
    saturation=1e9,
    exptime=2334.2,
    grating="G395M",
)

BANDS: dict[str, Band] = {b.filter: b for b in (F090W, F150W, F200W, F444W, F770W, F1130W)}


@dataclass(frozen=True)
class Target:
    """A real sky position the synthetic scene is placed at."""

    key: str
    label: str
    targname: str
    targprop: str
    ra: float
    dec: float
    program: str
    target_id: str
    scene: str
    title: str
    description: str
    region: tuple[float, float]
    """Half-width and half-height (in fields) of the area the source catalogue covers."""


CARINA = Target(
    key="carina",
    label="Cosmic Cliffs, Carina Nebula (NGC 3324)",
    targname="NGC 3324",
    targprop="NGC3324",
    ra=159.2,
    dec=-58.6,
    program="02731",
    target_id="t017",
    scene="cliffs",
    title="Webbscope demo: the Cosmic Cliffs of NGC 3324 (synthetic)",
    description="Star-forming region at the edge of a molecular cloud",
    region=(0.9, 0.9),
)

STEPHAN = Target(
    key="stephans-quintet",
    label="Stephan's Quintet (HCG 92)",
    targname="STEPHANS QUINTET",
    targprop="STEPHANSQUINTET",
    ra=339.0,
    dec=33.96,
    program="02732",
    target_id="t101",
    scene="galaxies",
    title="Webbscope demo: Stephan's Quintet (synthetic)",
    description="Compact group of interacting galaxies",
    region=(1.3, 0.85),
)

TARGETS: dict[str, Target] = {t.key: t for t in (CARINA, STEPHAN)}
