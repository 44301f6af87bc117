"""Write the whole demo data set and its manifest."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from webbscope.demo._catalogue import Catalogue, make_catalogue
from webbscope.demo._images import ImagePlan, make_cal, make_i2d, n_pixels
from webbscope.demo._io import sha256_of, write_hdus
from webbscope.demo._keywords import Exposure, mjd_iso
from webbscope.demo._scene import CliffsScene, Scene, make_scene
from webbscope.demo._sky import from_standard
from webbscope.demo._spectra import CubePlan, make_s3d, make_x1d
from webbscope.demo._targets import (
    CARINA,
    F090W,
    F200W,
    F444W,
    F770W,
    F1130W,
    G395M,
    STEPHAN,
    SW_SCALE,
    Band,
    Target,
)

MANIFEST_NAME = "demo_manifest.json"
MIN_SIZE = 32
_CALIB_LEVEL = {"1": 1, "2a": 2, "2b": 2, "3": 3}


def _rng(seed: int, *labels: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(label.encode()) for label in labels)])


@dataclass
class _Sky:
    target: Target
    scene: Scene
    catalogue: Catalogue


def _offset(target: Target, field: float, du: float, dv: float) -> tuple[float, float]:
    ra, dec = from_standard(np.array([du * field]), np.array([dv * field]), target.ra, target.dec)
    return float(ra[0]), float(dec[0])


def _level3_name(target: Target, observation: str, band: Band, suffix: str) -> str:
    instrument = band.instrument.lower()
    return (
        f"jw{target.program}-o{observation}_{target.target_id}_{instrument}_"
        f"{band.optical_elements}_{suffix}.fits"
    )


def _template(band: Band) -> str:
    return {
        "NIRCAM": "NIRCam Imaging",
        "MIRI": "MIRI Imaging",
        "NIRSPEC": "NIRSpec IFU Spectroscopy",
    }[band.instrument]


def _exposure(
    name: str,
    target: Target,
    band: Band,
    observation: str,
    expstart: float,
    *,
    level: str,
    datamodel: str = "ImageModel",
    detector: str | None = None,
) -> Exposure:
    filetype = "calibrated" if level != "3" else "resampled"
    if band.instrument == "NIRSPEC":
        filetype = "resampled" if datamodel == "IFUCubeModel" else "extracted spectrum"
    return Exposure(
        file_name=name,
        target=target,
        band=band,
        observation=observation,
        visit="001",
        expstart=expstart,
        datamodel=datamodel,
        filetype=filetype,
        detector=detector or band.detector,
        template=_template(band),
    )


def _manifest_entry(
    path: Path,
    exposure: Exposure,
    *,
    level: str,
    product_type: str,
    dataproduct_type: str,
    centre: tuple[float, float],
    s_region: str,
) -> dict[str, Any]:
    band, target = exposure.band, exposure.target
    return {
        "file_name": path.name,
        "obs_id": path.name.removesuffix(".fits").rsplit("_", 1)[0],
        "target": target.label,
        "target_key": target.key,
        "target_name": target.targname,
        "target_ra": target.ra,
        "target_dec": target.dec,
        "ra": round(centre[0], 9),
        "dec": round(centre[1], 9),
        "s_region": s_region,
        "instrument": band.instrument,
        "detector": exposure.detector,
        "filter": band.filter,
        "pupil": band.pupil,
        "grating": band.grating,
        "level": level,
        "calib_level": _CALIB_LEVEL[level],
        "product_type": product_type,
        "dataproduct_type": dataproduct_type,
        "program": target.program,
        "observation": exposure.observation,
        "visit": exposure.visit,
        "exposure_time": band.exptime,
        "t_min": round(exposure.expstart, 8),
        "t_max": round(exposure.expend, 8),
        "date_obs": mjd_iso(exposure.expstart),
        "wavelength_min_um": band.min_um,
        "wavelength_max_um": band.max_um,
        "size_bytes": path.stat().st_size,
        "sha256": sha256_of(path),
    }


def _s_region(hdus: list[Any]) -> str:
    return str(hdus[1].header["S_REGION"])


def write_demo_data(out_dir: Path, seed: int = 0, size: int = 512) -> list[Path]:
    """Write the synthetic JWST products into `out_dir`; return their paths.

    `size` is the width in pixels of the NIRCam short-wavelength images (0.031"/pixel); every
    image of a target covers the same field at its own instrument's pixel scale, so the
    long-wavelength and MIRI images have fewer pixels. The same seed gives byte-identical
    files. A `demo_manifest.json` alongside lists every product (see `load_demo_manifest`).
    """
    if size < MIN_SIZE:
        raise ValueError(f"size must be at least {MIN_SIZE} pixels, not {size}")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    field = size * SW_SCALE
    skies = {}
    for target in (CARINA, STEPHAN):
        scene = make_scene(target.scene, _rng(seed, target.key, "scene"))
        catalogue = make_catalogue(target, scene, _rng(seed, target.key, "catalogue"), size, field)
        skies[target.key] = _Sky(target, scene, catalogue)

    entries: list[dict[str, Any]] = []
    paths: list[Path] = []

    def emit(hdus: list[Any], exposure: Exposure, **info: Any) -> None:
        path = write_hdus(hdus, out / exposure.file_name)
        paths.append(path)
        entries.append(_manifest_entry(path, exposure, **info))

    # Carina: NIRCam and MIRI level-3 images over the same field.
    sky = skies[CARINA.key]
    for i, (band, observation, rotation) in enumerate(
        (
            (F090W, "001", 3.7),
            (F200W, "001", 3.7),
            (F444W, "001", 3.7),
            (F770W, "002", -2.1),
            (F1130W, "002", -2.1),
        )
    ):
        name = _level3_name(CARINA, observation, band, "i2d")
        exposure = _exposure(name, CARINA, band, observation, 59733.0480 + 0.0211 * i, level="3")
        n = n_pixels(field, band.pixel_scale)
        plan = ImagePlan(exposure, (CARINA.ra, CARINA.dec), rotation, (n, n))
        hdus = make_i2d(plan, sky.scene, sky.catalogue, field, _rng(seed, name))
        emit(
            hdus,
            exposure,
            level="3",
            product_type="i2d",
            dataproduct_type="image",
            centre=plan.crval,
            s_region=_s_region(hdus),
        )

    # Carina: one level-2 exposure on NRCB1, with SIP distortion.
    name = "jw02731001001_02101_00001_nrcb1_cal.fits"
    exposure = _exposure(name, CARINA, F200W, "001", 59733.0693, level="2b", detector="NRCB1")
    plan = ImagePlan(exposure, _offset(CARINA, field, 0.08, -0.05), 23.4, (size, size))
    hdus = make_cal(plan, sky.scene, sky.catalogue, field, _rng(seed, name))
    emit(
        hdus,
        exposure,
        level="2b",
        product_type="cal",
        dataproduct_type="image",
        centre=plan.crval,
        s_region=_s_region(hdus),
    )

    # Carina: a NIRSpec IFU cube on a young star at the cloud's edge, and its spectrum.
    assert isinstance(sky.scene, CliffsScene)
    centre = _offset(CARINA, field, *sky.scene.ifu_position())
    name = _level3_name(CARINA, "003", G395M, "s3d")
    exposure = _exposure(
        name, CARINA, G395M, "003", 59734.4012, level="3", datamodel="IFUCubeModel"
    )
    hdus, cube = make_s3d(
        CubePlan(exposure, centre), sky.scene, sky.catalogue, field, _rng(seed, name)
    )
    emit(
        hdus,
        exposure,
        level="3",
        product_type="s3d",
        dataproduct_type="cube",
        centre=centre,
        s_region=_s_region(hdus),
    )
    name = _level3_name(CARINA, "003", G395M, "x1d")
    exposure = _exposure(
        name, CARINA, G395M, "003", 59734.4012, level="3", datamodel="MultiSpecModel"
    )
    emit(
        make_x1d(exposure, cube),
        exposure,
        level="3",
        product_type="x1d",
        dataproduct_type="spectrum",
        centre=centre,
        s_region=f"CIRCLE ICRS  {centre[0]:.9f} {centre[1]:.9f} {0.35 / 3600:.9f}",
    )

    # Stephan's Quintet: three overlapping F200W pointings for a mosaic.
    sky = skies[STEPHAN.key]
    pointings = ((-0.6, -0.05, 0.0), (0.0, 0.05, 0.04), (0.6, -0.02, -0.03))
    for i, (du, dv, background) in enumerate(pointings):
        observation = f"{i + 1:03d}"
        name = _level3_name(STEPHAN, observation, F200W, "i2d")
        exposure = _exposure(name, STEPHAN, F200W, observation, 59732.1290 + 0.051 * i, level="3")
        plan = ImagePlan(
            exposure,
            _offset(STEPHAN, field, du, dv),
            1.2,
            (size, size),
            footprint_angle_deg=5.0,
            background_offset=background,
        )
        hdus = make_i2d(plan, sky.scene, sky.catalogue, field, _rng(seed, name))
        emit(
            hdus,
            exposure,
            level="3",
            product_type="i2d",
            dataproduct_type="image",
            centre=plan.crval,
            s_region=_s_region(hdus),
        )

    manifest = {
        "generator": "webbscope.demo",
        "seed": seed,
        "size": size,
        "field_arcsec": round(field, 6),
        "products": entries,
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return paths


def load_demo_manifest(out_dir: Path) -> list[dict[str, Any]]:
    """The product entries of the manifest `write_demo_data` wrote into `out_dir`."""
    data = json.loads((Path(out_dir) / MANIFEST_NAME).read_text())
    products: list[dict[str, Any]] = data["products"]
    return products
