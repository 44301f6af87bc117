"""Extended emission defined on the sky, so every product of a target sees the same scene.

Positions are in "field units": gnomonic offsets from the target centre divided by the field
width (the width of a NIRCam short-wavelength image), so the scene keeps its look at any
`size`. Each scene is a few named component maps (dimensionless, ~0..few) with a spectral
energy distribution each (MJy/sr at SED_GRID_UM); surface brightness at a wavelength is the
sum of map x SED.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SED_GRID_UM = np.array([0.9, 2.0, 4.4, 7.7, 11.3])
FloatArray = np.ndarray


def sed_value(sed: tuple[float, ...], wavelength_um: float | np.ndarray) -> np.ndarray:
    """Interpolate an SED given at SED_GRID_UM, linearly in log-log, clamped at the ends."""
    logs = np.log(np.maximum(np.asarray(sed, dtype=float), 1e-12))
    lam = np.log(np.clip(np.asarray(wavelength_um, dtype=float), SED_GRID_UM[0], SED_GRID_UM[-1]))
    return np.asarray(np.exp(np.interp(lam, np.log(SED_GRID_UM), logs)))


@dataclass(frozen=True)
class Texture:
    """A smooth random field with a power-law spectrum (a sum of plane waves), unit variance."""

    kx: FloatArray
    ky: FloatArray
    phase: FloatArray
    amp: FloatArray

    @classmethod
    def random(
        cls,
        rng: np.random.Generator,
        modes: int = 48,
        k_min: float = 1.2,
        k_max: float = 64.0,
        slope: float = 1.1,
    ) -> Texture:
        k = np.exp(rng.uniform(math.log(k_min), math.log(k_max), modes))
        angle = rng.uniform(0.0, 2 * math.pi, modes)
        amp = k ** (-slope) * rng.uniform(0.5, 1.5, modes)
        amp = amp / math.sqrt(float(np.sum(amp**2)) / 2.0)
        return cls(
            kx=2 * math.pi * k * np.cos(angle),
            ky=2 * math.pi * k * np.sin(angle),
            phase=rng.uniform(0.0, 2 * math.pi, modes),
            amp=amp,
        )

    def __call__(self, u: FloatArray, v: FloatArray) -> FloatArray:
        out = np.zeros(np.shape(u))
        for kx, ky, ph, a in zip(self.kx, self.ky, self.phase, self.amp, strict=True):
            out += a * np.cos(kx * u + ky * v + ph)
        return out


def _smoothstep(x: FloatArray, width: float) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(x / width)))


@dataclass(frozen=True)
class Line:
    """An emission line: rest wavelength, Gaussian sigma, peak per unit of its map (MJy/sr)."""

    name: str
    wavelength_um: float
    sigma_um: float
    peak: float
    component: str


class Scene:
    """Base class: component maps, their SEDs, extinction and emission lines."""

    seds: dict[str, tuple[float, ...]]
    lines: tuple[Line, ...] = ()

    def maps(self, u: FloatArray, v: FloatArray) -> dict[str, FloatArray]:
        raise NotImplementedError

    def tau2(self, u: FloatArray, v: FloatArray) -> FloatArray:
        """Optical depth at 2 um towards a source behind the scene at (u, v)."""
        return np.zeros(np.shape(u))

    def surface_brightness(self, u: FloatArray, v: FloatArray, wavelength_um: float) -> FloatArray:
        maps = self.maps(u, v)
        total = np.zeros(np.shape(u))
        for name, sed in self.seds.items():
            total += float(sed_value(sed, wavelength_um)) * maps[name]
        return total


class CliffsScene(Scene):
    """The edge of a molecular cloud: bright ionisation front, dusty cloud, ionised cavity."""

    seds = {
        "rim": (3.0, 5.0, 8.0, 150.0, 180.0),
        "cloud": (0.25, 1.4, 6.0, 220.0, 300.0),
        "cavity": (0.8, 1.0, 1.5, 30.0, 40.0),
        "background": (0.15, 0.2, 0.4, 12.0, 25.0),
    }
    lines = (
        Line("Pf-gamma", 3.7406, 0.0028, 30.0, "ionised"),
        Line("Br-alpha", 4.0523, 0.0030, 120.0, "ionised"),
        Line("H2 0-0 S(9)", 4.6947, 0.0030, 40.0, "molecular"),
        Line("PAH 3.3um", 3.2900, 0.0190, 15.0, "cloud"),
    )

    def __init__(self, rng: np.random.Generator) -> None:
        self.texture = Texture.random(rng)
        self.texture2 = Texture.random(rng, modes=24, k_min=1.0, k_max=12.0, slope=1.6)
        self.pillars = [
            (float(rng.uniform(-0.45, 0.45)), float(rng.uniform(0.03, 0.07)), h)
            for h in rng.uniform(0.06, 0.16, 3)
        ]

    def boundary(self, u: FloatArray) -> FloatArray:
        """Height (v) of the cloud's edge along u, before texture."""
        v = -0.08 + 0.07 * np.sin(2 * math.pi * 0.7 * u + 0.6)
        v = v + 0.03 * np.sin(2 * math.pi * 1.9 * u + 2.2)
        for centre, width, height in self.pillars:
            v = v + height * np.exp(-(((u - centre) / width) ** 2))
        return np.asarray(v)

    def ifu_position(self) -> tuple[float, float]:
        """Where the IFU cube points: a young star just inside the cloud's edge."""
        u = 0.12
        return u, float(self.boundary(np.array([u]))[0]) - 0.03

    def _depth(self, u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        t2 = self.texture2(u, v)
        return self.boundary(u) + 0.03 * t2 - v, t2

    def maps(self, u: FloatArray, v: FloatArray) -> dict[str, FloatArray]:
        d, t2 = self._depth(u, v)
        t1 = self.texture(u, v)
        inside = _smoothstep(d, 0.012)
        rim = np.where(
            d > 0, np.exp(-np.clip(d, 0, None) / 0.035), np.exp(np.clip(d, None, 0) / 0.01)
        )
        rim = rim * np.exp(0.45 * t1)
        cloud = inside * (0.4 + 0.6 * np.exp(-np.clip(d, 0, None) / 0.35)) * np.exp(0.7 * t1)
        cavity = (1 - inside) * np.exp(-np.clip(-d, 0, None) / 0.45) * np.exp(0.3 * t2)
        return {
            "rim": rim,
            "cloud": cloud,
            "cavity": cavity,
            "background": np.ones(np.shape(u)),
            "ionised": rim + 0.15 * cavity,
            "molecular": inside * np.exp(-np.abs(d - 0.04) / 0.03) * np.exp(0.5 * t1),
        }

    def tau2(self, u: FloatArray, v: FloatArray) -> FloatArray:
        d, _ = self._depth(u, v)
        return np.asarray(_smoothstep(d, 0.01) * (1.5 + 20.0 * np.clip(d, 0, None)))


@dataclass(frozen=True)
class Galaxy:
    u: float
    v: float
    r_eff: float
    sersic_n: float
    axis_ratio: float
    pa_deg: float
    stars: float
    dust: float
    arms: int


class GalaxiesScene(Scene):
    """A compact group: Sersic galaxies, spiral arms, and an intergalactic shock ridge."""

    seds = {
        "stars": (1.0, 1.3, 0.55, 0.25, 0.15),
        "dust": (0.02, 0.1, 0.4, 12.0, 9.0),
        "background": (0.1, 0.15, 0.3, 10.0, 22.0),
    }
    galaxies = (
        Galaxy(-0.55, 0.18, 0.16, 4.0, 0.78, 35.0, 1.0, 0.05, 0),
        Galaxy(0.05, -0.12, 0.22, 1.0, 0.55, -40.0, 0.6, 0.8, 2),
        Galaxy(0.62, 0.22, 0.07, 2.0, 0.70, 70.0, 0.8, 0.3, 0),
        Galaxy(1.02, -0.28, 0.12, 1.5, 0.45, 10.0, 0.5, 0.6, 0),
    )
    ridge = ((-0.3, -0.65), (-0.08, 0.55))

    def __init__(self, rng: np.random.Generator) -> None:
        self.texture = Texture.random(rng)

    def maps(self, u: FloatArray, v: FloatArray) -> dict[str, FloatArray]:
        t1 = self.texture(u, v)
        stars = np.zeros(np.shape(u))
        dust = np.zeros(np.shape(u))
        for g in self.galaxies:
            pa = math.radians(g.pa_deg)
            du, dv = u - g.u, v - g.v
            x = du * math.cos(pa) + dv * math.sin(pa)
            y = (-du * math.sin(pa) + dv * math.cos(pa)) / g.axis_ratio
            r = np.sqrt(x**2 + y**2 + 0.004**2)
            b = 2.0 * g.sersic_n - 1.0 / 3.0
            profile = np.exp(-b * ((r / g.r_eff) ** (1.0 / g.sersic_n) - 1.0))
            if g.arms:
                phi = np.arctan2(y, x)
                wave = np.cos(g.arms * (phi - 2.5 * np.log(r / g.r_eff)))
                arms = np.clip(1.0 + 0.9 * wave, 0.0, None) * np.exp(0.4 * t1)
                stars += g.stars * profile * (0.7 + 0.3 * arms)
                dust += g.dust * profile * arms
            else:
                stars += g.stars * profile
                dust += g.dust * profile * np.exp(0.3 * t1)
        (u0, v0), (u1, v1) = self.ridge
        ex, ey = u1 - u0, v1 - v0
        length2 = ex * ex + ey * ey
        s = np.clip(((u - u0) * ex + (v - v0) * ey) / length2, 0.0, 1.0)
        dist = np.hypot(u - (u0 + s * ex), v - (v0 + s * ey))
        ridge = np.exp(-((dist / 0.035) ** 2)) * np.exp(0.6 * t1) * 0.6
        return {
            "stars": stars,
            "dust": dust + ridge,
            "background": np.ones(np.shape(u)),
        }


def make_scene(kind: str, rng: np.random.Generator) -> Scene:
    if kind == "cliffs":
        return CliffsScene(rng)
    if kind == "galaxies":
        return GalaxiesScene(rng)
    raise ValueError(f"unknown scene {kind!r}")
