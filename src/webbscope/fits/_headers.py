"""Every header of a FITS file as JSON-safe cards."""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
from astropy.io.fits.card import Undefined
from astropy.utils.exceptions import AstropyWarning

from webbscope.fits._limits import FitsLimits
from webbscope.fits._open import open_scanned

JsonScalar = str | int | float | bool | None | list[float]


def json_value(value: Any) -> JsonScalar:
    """A header value as a JSON-safe scalar (non-finite floats become strings)."""
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, complex | np.complexfloating):
        return [float(value.real), float(value.imag)]
    return str(value)


def header_cards(header: Any) -> list[dict[str, JsonScalar]]:
    """The cards of an astropy `Header`, in order, as {"key", "value", "comment"}."""
    cards: list[dict[str, JsonScalar]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        for card in header.cards:
            try:
                value = json_value(card.value)
                comment = str(card.comment or "")
            except Exception:  # an unparseable card: keep its text
                value, comment = str(card.image[10:]).strip(), ""
            cards.append({"key": str(card.keyword), "value": value, "comment": comment})
    return cards


def read_headers(path: str | os.PathLike[str], limits: FitsLimits) -> list[dict[str, Any]]:
    """Every HDU's header: index, name, ver, type and its ordered cards.

    For tile-compressed images the header is the image header astropy reconstructs.
    """
    out: list[dict[str, Any]] = []
    with open_scanned(path, limits) as (layouts, hdul):
        for layout in layouts:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyWarning)
                header = hdul[layout.index].header
            out.append(
                {
                    "index": layout.index,
                    "name": layout.name,
                    "ver": layout.ver,
                    "type": layout.kind,
                    "cards": header_cards(header),
                }
            )
    return out
