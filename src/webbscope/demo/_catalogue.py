"""A seeded catalogue of compact sources (stars, young stellar objects, background galaxies)
in world coordinates, so every product of a target shows the same sources."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from webbscope.demo._scene import CliffsScene, GalaxiesScene, Scene
from webbscope.demo._sky import from_standard
from webbscope.demo._targets import Target

FloatArray = np.ndarray


@dataclass(frozen=True)
class Catalogue:
    """Compact sources; fluxes in Jy at 2 um, F_nu proportional to wavelength**alpha."""

    ra: FloatArray
    dec: FloatArray
    flux2: FloatArray
    alpha: FloatArray
    tau2: FloatArray
    size_arcsec: FloatArray
    """Intrinsic FWHM: 0 for point sources."""
    axis_ratio: FloatArray
    pa_deg: FloatArray
    kind: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ra)

    def flux(self, wavelength_um: float) -> FloatArray:
        """Flux density in Jy at a wavelength, extinction included."""
        ratio = wavelength_um / 2.0
        extinction = np.exp(-self.tau2 * ratio**-1.7)
        return np.asarray(self.flux2 * ratio**self.alpha * extinction)


def _pareto_flux(rng: np.random.Generator, n: int, f_min: float, f_max: float) -> FloatArray:
    """Many faint, few bright: N(>F) ~ F**-0.85."""
    flux = f_min * (1.0 - rng.random(n)) ** (-1.0 / 0.85)
    return np.asarray(np.minimum(flux, f_max))


def make_catalogue(
    target: Target, scene: Scene, rng: np.random.Generator, size: int, field_arcsec: float
) -> Catalogue:
    """Sources over the target's region, density fixed per SW pixel."""
    hu, hv = target.region
    area_fields = (2 * hu) * (2 * hv)
    density = (size / 512.0) ** 2
    galaxies_scene = isinstance(scene, GalaxiesScene)
    n_stars = round((25 if galaxies_scene else 70) * area_fields * density)
    n_yso = 0 if galaxies_scene else round(12 * area_fields * density)
    n_gal = round((35 if galaxies_scene else 10) * area_fields * density)

    columns: dict[str, list[FloatArray]] = {
        k: [] for k in ("u", "v", "flux2", "alpha", "tau2", "size", "q", "pa")
    }
    kinds: list[str] = []

    def add(kind: str, n: int, u: FloatArray, v: FloatArray, **values: FloatArray) -> None:
        columns["u"].append(u)
        columns["v"].append(v)
        for key in ("flux2", "alpha", "tau2", "size", "q", "pa"):
            columns[key].append(values.get(key, np.zeros(n)))
        kinds.extend([kind] * n)

    # Stars: some in front of the cloud, most behind it.
    u = rng.uniform(-hu, hu, n_stars)
    v = rng.uniform(-hv, hv, n_stars)
    behind = rng.random(n_stars) < 0.7
    add(
        "star",
        n_stars,
        u,
        v,
        flux2=_pareto_flux(rng, n_stars, 0.4e-6, 0.02),
        alpha=rng.normal(-1.8, 0.35, n_stars),
        tau2=scene.tau2(u, v) * behind,
        q=np.ones(n_stars),
    )
    # Young stellar objects: embedded in the cloud, red.
    if n_yso:
        u = rng.uniform(-hu, hu, 4 * n_yso)
        v = rng.uniform(-hv, hv, 4 * n_yso)
        depth = scene.tau2(u, v)
        keep = np.flatnonzero(depth > 1.0)[:n_yso]
        m = len(keep)
        add(
            "yso",
            m,
            u[keep],
            v[keep],
            flux2=_pareto_flux(rng, m, 0.3e-6, 2e-3),
            alpha=rng.uniform(0.5, 2.2, m),
            tau2=depth[keep] * 0.5,
            q=np.ones(m),
        )
    # Background galaxies: small, faint, elongated, reddish.
    add(
        "galaxy",
        n_gal,
        rng.uniform(-hu, hu, n_gal),
        rng.uniform(-hv, hv, n_gal),
        flux2=np.exp(rng.uniform(np.log(0.3e-6), np.log(8e-6), n_gal)),
        alpha=rng.uniform(-0.6, 1.0, n_gal),
        size=rng.uniform(0.08, 0.5, n_gal),
        q=rng.uniform(0.3, 1.0, n_gal),
        pa=rng.uniform(0.0, 180.0, n_gal),
    )
    if isinstance(scene, CliffsScene):
        one = np.ones(1)
        iu, iv = scene.ifu_position()
        add(
            "yso", 1, one * iu, one * iv, flux2=one * 1.5e-3, alpha=one * 2.0, tau2=one * 3.0, q=one
        )
    if galaxies_scene:
        nucleus = GalaxiesScene.galaxies[1]
        one = np.ones(1)
        add(
            "agn",
            1,
            one * nucleus.u,
            one * nucleus.v,
            flux2=one * 4e-4,
            alpha=one * 1.8,
            q=one,
        )
    u_all = np.concatenate(columns["u"])
    v_all = np.concatenate(columns["v"])
    ra, dec = from_standard(u_all * field_arcsec, v_all * field_arcsec, target.ra, target.dec)
    return Catalogue(
        ra=ra,
        dec=dec,
        flux2=np.concatenate(columns["flux2"]),
        alpha=np.concatenate(columns["alpha"]),
        tau2=np.concatenate(columns["tau2"]),
        size_arcsec=np.concatenate(columns["size"]),
        axis_ratio=np.concatenate(columns["q"]),
        pa_deg=np.concatenate(columns["pa"]),
        kind=tuple(kinds),
    )
