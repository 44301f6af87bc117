"""Write HDU lists reproducibly: same content, same bytes (checksums included)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from webbscope.demo._keywords import SYNTHETIC_NOTE
from webbscope.demo._sky import set_card

_CHECKSUM_NOTE = "HDU checksum (webbscope demo)"
Card = tuple[str, Any, str]


def image_hdu(name: str, data: np.ndarray, cards: Sequence[Card] = ()) -> Any:
    hdu = fits.ImageHDU(data=data, name=name)
    for key, value, comment in cards:
        set_card(hdu.header, key, value, comment)
    return hdu


def primary_hdu(cards: Sequence[Card]) -> Any:
    hdu = fits.PrimaryHDU()
    hdu.header["EXTEND"] = True
    for key, value, comment in cards:
        set_card(hdu.header, key, value, comment)
    hdu.header["COMMENT"] = SYNTHETIC_NOTE
    return hdu


def write_hdus(hdus: list[Any], path: Path) -> Path:
    """Write an HDU list, then add CHECKSUM/DATASUM cards whose comments carry no time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fits.HDUList(hdus).writeto(path, overwrite=True, output_verify="exception")
    with fits.open(path, mode="update", memmap=False) as hdul:
        for hdu in hdul:
            hdu.add_checksum(when=_CHECKSUM_NOTE)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
