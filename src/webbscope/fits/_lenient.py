"""Lenient header reading: cards astropy cannot parse strictly are fixed or dropped.

Real files carry cards that break the FITS standard (an old plate solution's
``SKEW    =  -1.38E+00, -1.69E+00``, an unterminated string, a number with two dots).
astropy keeps such a card and raises `VerifyError` only when its value is read, so one bad
card anywhere in a header breaks every loop over the header. `repair_header` visits each card
once: a card whose value cannot be read is fixed the way astropy's ``silentfix`` does it (the
value is kept as text), or removed when even that fails. Each change is described in a short
note, which the caller keeps as a warning on the record.
"""

from __future__ import annotations

import warnings
from typing import Any

from astropy.utils.exceptions import AstropyWarning

#: Notes kept per file; the rest are counted in a last note.
MAX_NOTES = 50


def _readable(card: Any) -> bool:
    try:
        card.value  # noqa: B018 - parsing the value is the check
        card.comment  # noqa: B018
    except Exception:
        return False
    return True


def _shown(image: str) -> str:
    text = image.rstrip()
    return text if len(text) <= 60 else text[:57] + "..."


def repair_header(header: Any, label: str) -> list[str]:
    """Fix or remove, in place, every card of an astropy `Header` whose value cannot be read.

    `label` names the HDU in the notes ("HDU 0"). Returns one note per changed card.
    """
    notes: list[str] = []
    dropped: list[int] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        for index, card in enumerate(header.cards):
            if _readable(card):
                continue
            image = _shown(str(card.image))
            keyword = str(card.keyword) or "(blank)"
            try:
                card.verify("silentfix")
                fixed = _readable(card)
            except Exception:
                fixed = False
            if fixed:
                notes.append(
                    f"{label}: card {keyword} is not valid FITS ({image!r}); its value "
                    "was kept as text"
                )
            else:
                dropped.append(index)
                notes.append(
                    f"{label}: card {keyword} could not be read ({image!r}) and was skipped"
                )
        for index in reversed(dropped):
            del header[index]
    return notes


def bounded_notes(notes: list[str], limit: int = MAX_NOTES) -> list[str]:
    """At most `limit` notes: the first ones, then how many more there were."""
    if len(notes) <= limit:
        return notes
    return [*notes[: limit - 1], f"... and {len(notes) - limit + 1} more header problems"]
