"""Every header of a FITS file as JSON-safe cards."""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
from astropy.io.fits.card import Undefined
from astropy.utils.exceptions import AstropyWarning

from webbscope.errors import PayloadTooLarge
from webbscope.fits._format import human_bytes
from webbscope.fits._limits import FitsLimits
from webbscope.fits._open import open_scanned

JsonScalar = str | int | float | bool | None | list[float]


def json_value(value: Any) -> JsonScalar:
    """A header value as a JSON-safe scalar (non-finite floats and integers beyond 64 bits
    become strings)."""
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        whole = int(value)
        # The database stores 8-byte integers: larger ones (IDs in some headers) stay exact
        # as text.
        return whole if -(2**63) <= whole < 2**63 else str(whole)
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


#: Bytes a stored card takes besides its text (field names, types, lengths, array index).
CARD_OVERHEAD = 48


def card_bytes(card: dict[str, JsonScalar]) -> int:
    """About the bytes one card takes when stored (never less than it really does)."""
    return CARD_OVERHEAD + sum(len(str(v).encode()) for v in card.values())


def read_headers(path: str | os.PathLike[str], limits: FitsLimits) -> list[dict[str, Any]]:
    """Every HDU's header: index, name, ver, type and its ordered cards.

    For tile-compressed images the header is the image header astropy reconstructs. Raises
    `PayloadTooLarge` (code ``fits_headers_too_large``) as soon as the cards would take more
    than `limits.max_header_bytes` stored (see `card_bytes`).
    """
    out: list[dict[str, Any]] = []
    total = 0
    with open_scanned(path, limits) as (layouts, hdul):
        for layout in layouts:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyWarning)
                header = hdul[layout.index].header
            cards = header_cards(header)
            total += sum(card_bytes(c) for c in cards)
            if total > limits.max_header_bytes:
                raise PayloadTooLarge(
                    f"the headers take more than {human_bytes(limits.max_header_bytes)} "
                    f"(the limit), {layout.label} included: {len(cards):,} cards there",
                    code="fits_headers_too_large",
                    details={"hdu": layout.index, "max_header_bytes": limits.max_header_bytes},
                )
            out.append(
                {
                    "index": layout.index,
                    "name": layout.name,
                    "ver": layout.ver,
                    "type": layout.kind,
                    "cards": cards,
                }
            )
    return out
