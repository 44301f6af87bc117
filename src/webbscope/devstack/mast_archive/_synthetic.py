"""Metadata-only JWST observations (no products), deterministic for a seed.

They make searches realistic: more than a hundred rows around the Cosmic Cliffs (so results
page), a few dozen around Stephan's Quintet, and observations of a few made-up fields elsewhere
on the sky. Around each demo target one observation sits on the diagonal at tangent-plane offsets
(+0.05°, +0.05°): inside a 0.06° box, outside a 0.06° cone — the row that tells a cone search
from a box search.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from typing import Any

from webbscope.demo import CARINA, STEPHAN, Target
from webbscope.devstack.mast_archive._sky import offset

#: (instrument, mode, dataproduct_type, optical elements, detectors)
_Config = tuple[str, str, str, tuple[str, ...], tuple[str, ...]]
_CONFIGS: tuple[_Config, ...] = (
    (
        "NIRCAM",
        "IMAGE",
        "image",
        ("F070W", "F090W", "F115W", "F150W", "F187N", "F200W", "F277W", "F335M", "F444W"),
        ("nrca1", "nrca3", "nrcb1", "nrcb4", "nrcalong", "nrcblong"),
    ),
    (
        "MIRI",
        "IMAGE",
        "image",
        ("F560W", "F770W", "F1000W", "F1130W", "F1280W", "F1800W", "F2100W"),
        ("mirimage",),
    ),
    ("NIRISS", "IMAGE", "image", ("F115W", "F150W", "F200W"), ("nis",)),
    ("NIRSPEC", "IFU", "cube", ("F290LP;G395M", "F170LP;G235M", "CLEAR;PRISM"), ("nrs1",)),
    ("NIRCAM", "GRISM", "spectrum", ("F322W2;GRISMR", "F444W;GRISMR"), ("nrcalong",)),
    ("MIRI", "IFU", "cube", ("CH1-SHORT", "CH2-MEDIUM", "CH3-LONG"), ("mirifushort",)),
)
_LEVELS = (1, 2, 2, 3, 3, 3)
CORNER_OFFSET_DEG = 0.05


@dataclass(frozen=True)
class SyntheticField:
    """A made-up pointing elsewhere on the sky (its name resolves)."""

    name: str
    program: str
    ra: float
    dec: float


FIELDS = (
    SyntheticField("WEBBSCOPE FIELD 1", "01181", 53.16, -27.78),
    SyntheticField("WEBBSCOPE FIELD 2", "01345", 214.86, 52.88),
    SyntheticField("WEBBSCOPE FIELD 3", "02561", 3.58, -30.40),
)


def _wavelength_nm(elements: str) -> tuple[float, float]:
    """A rough band for a filter name: F200W -> 1.8-2.2 µm (in nm); other elements: the
    instruments' whole range."""
    for part in elements.split(";"):
        digits = "".join(c for c in part[1:] if c.isdigit())
        if part.startswith("F") and digits:
            centre_nm = int(digits) / 100.0 * 1000.0
            return round(centre_nm * 0.9, 3), round(centre_nm * 1.1, 3)
    return 600.0, 28_000.0


def _obs_id(
    program: str,
    number: int,
    target_id: str,
    level: int,
    elements: str,
    config: _Config,
    rng: random.Random,
) -> str:
    """Level 3: jw02731-o101_t017_nircam_clear-f150w; else jw02731101001_02101_00003_nrcb1."""
    instrument, detectors = config[0], config[4]
    if level == 3:
        parts = elements.lower().replace(";", "-")
        if instrument == "NIRCAM" and "-" not in parts:
            parts = f"clear-{parts}"
        return f"jw{program}-o{number:03d}_{target_id}_{instrument.lower()}_{parts}"
    detector = rng.choice(detectors)
    return f"jw{program}{number:03d}001_02101_{rng.randint(1, 9):05d}_{detector}"


def _row(
    *,
    program: str,
    number: int,
    target_id: str,
    target_name: str,
    title: str,
    ra: float,
    dec: float,
    rng: random.Random,
    config: _Config | None = None,
    level: int | None = None,
) -> dict[str, Any]:
    config = config or rng.choice(_CONFIGS)
    level = level or rng.choice(_LEVELS)
    elements = rng.choice(config[3])
    obs_id = _obs_id(program, number, target_id, level, elements, config, rng)
    instrument, mode, kind = config[0], config[1], config[2]
    t_min = round(59650.0 + rng.random() * 700.0, 6)
    exptime = round(rng.uniform(100.0, 5000.0), 3)
    em_min, em_max = _wavelength_nm(elements)
    return {
        "intentType": "science",
        "obs_collection": "JWST",
        "dataproduct_type": kind,
        "instrument_name": f"{instrument}/{mode}",
        "project": "JWST",
        "filters": elements,
        "wavelength_region": "INFRARED",
        "target_name": target_name,
        "target_classification": "",
        "obs_id": obs_id,
        "s_ra": round(ra, 9),
        "s_dec": round(dec, 9),
        "proposal_id": str(int(program)),
        "proposal_pi": "Webbscope Synthetic",
        "calib_level": level,
        "t_min": t_min,
        "t_max": round(t_min + exptime * 1.12 / 86400.0, 8),
        "t_exptime": exptime,
        "em_min": em_min,
        "em_max": em_max,
        "obs_title": title,
        "t_obs_release": round(t_min + 365.0, 5),
        "s_region": f"CIRCLE ICRS {ra:.9f} {dec:.9f} 0.01",
        "jpegURL": None,
        "dataURL": None,
        "dataRights": "PUBLIC",
        "mtFlag": False,
        "srcDen": None,
    }


def _around(target: Target, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(zlib.crc32(f"{seed}:{target.key}".encode()))
    title = f"{target.title} — archival programme (synthetic metadata)"
    rows = []
    ra, dec = offset(target.ra, target.dec, CORNER_OFFSET_DEG, CORNER_OFFSET_DEG)
    rows.append(
        _row(
            program=target.program,
            number=99,
            target_id=target.target_id,
            target_name=target.targname,
            title=title,
            ra=ra,
            dec=dec,
            rng=rng,
            config=_CONFIGS[0],
            level=3,
        )
    )
    for i in range(count - 1):
        radius = 0.1 * math.sqrt(rng.random())
        angle = rng.uniform(0.0, 2.0 * math.pi)
        ra, dec = offset(target.ra, target.dec, radius * math.cos(angle), radius * math.sin(angle))
        rows.append(
            _row(
                program=target.program,
                number=100 + i,
                target_id=target.target_id,
                target_name=target.targname,
                title=title,
                ra=ra,
                dec=dec,
                rng=rng,
            )
        )
    return rows


def synthetic_observations(seed: int) -> tuple[list[SyntheticField], list[dict[str, Any]]]:
    """The made-up fields and every metadata-only observation row (without obsid/objID)."""
    rows = _around(CARINA, 150, seed) + _around(STEPHAN, 40, seed)
    for f in FIELDS:
        rng = random.Random(zlib.crc32(f"{seed}:{f.name}".encode()))
        for i in range(10):
            ra, dec = offset(f.ra, f.dec, rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05))
            rows.append(
                _row(
                    program=f.program,
                    number=1 + i,
                    target_id="t001",
                    target_name=f.name,
                    title=f"Synthetic survey of {f.name.title()}",
                    ra=ra,
                    dec=dec,
                    rng=rng,
                )
            )
    return list(FIELDS), rows
