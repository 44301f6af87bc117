"""Query hints: the parts of a search that are really filters ("MIRI", "longer than 10
microns", "near Carina", "level 3", "F444W", "my"), turned into filters the person sees as
removable chips. The full query still goes to the semantic ranking; the keyword ranking gets
what is left once the hints are taken out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from webbscope.jwst import FILTERS

#: A place found in a query: (label, ra, dec, radius in degrees), or None.
Resolver = Callable[[str], list[tuple[str, float, float, float, str]]]

_INSTRUMENTS = {
    "nircam": "NIRCAM",
    "miri": "MIRI",
    "niriss": "NIRISS",
    "nirspec": "NIRSPEC",
    "fgs": "FGS",
}
_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(?:microns?|micrometres?|micrometers?|µm|um|μm)\b"
_LONGER = re.compile(
    rf"\b(?:longer|redder|longward|beyond|above|over|greater|more)\s+(?:than\s+|of\s+)?{_NUMBER}{_UNIT}",
    re.IGNORECASE,
)
_SHORTER = re.compile(
    rf"\b(?:shorter|bluer|shortward|below|under|less)\s+(?:than\s+)?{_NUMBER}{_UNIT}", re.IGNORECASE
)
_BETWEEN = re.compile(rf"\bbetween\s+{_NUMBER}\s*(?:and|-|to)\s*{_NUMBER}{_UNIT}", re.IGNORECASE)
_LEVEL = re.compile(r"\blevel\s*-?\s*(1|2a|2b|3)\b", re.IGNORECASE)
_FILTER = re.compile(r"\b(f\d{3,4}(?:w2|w|m|n|c))\b", re.IGNORECASE)
_MINE = re.compile(r"^\s*(?:show\s+me\s+|find\s+)?my\b", re.IGNORECASE)
_NEAR = re.compile(r"\b(?:near|around|of|in|towards?)\s+(?:the\s+)?$", re.IGNORECASE)
_KNOWN_FILTERS = {name for _, name in FILTERS}


@dataclass(frozen=True)
class Chip:
    """One understood hint: `key` names it (to remove it), `params` are the filters it adds."""

    key: str
    label: str
    params: dict[str, Any]
    text: str
    """The words of the query it came from."""


@dataclass
class Hints:
    chips: list[Chip] = field(default_factory=list)
    residual: str = ""

    def params(self, dropped: Iterable[str] = ()) -> dict[str, Any]:
        drop = set(dropped)
        out: dict[str, Any] = {}
        for chip in self.chips:
            if chip.key not in drop:
                out.update(chip.params)
        return out


def parse_hints(query: str, resolve: Resolver | None = None) -> Hints:
    hints = Hints()
    text = query

    def take(match: re.Match[str]) -> None:
        nonlocal text
        text = text.replace(match.group(0), " ", 1)

    m = _BETWEEN.search(text)
    if m:
        lo, hi = sorted((float(m.group(1)), float(m.group(2))))
        hints.chips.append(
            Chip(
                "wavelength",
                f"Wavelength {lo:g} to {hi:g} µm",
                {"wavelength_min": lo, "wavelength_max": hi},
                m.group(0),
            )
        )
        take(m)
    else:
        m = _LONGER.search(text)
        if m:
            v = float(m.group(1))
            hints.chips.append(
                Chip(
                    "wavelength_min", f"Wavelength over {v:g} µm", {"wavelength_min": v}, m.group(0)
                )
            )
            take(m)
        m = _SHORTER.search(text)
        if m:
            v = float(m.group(1))
            hints.chips.append(
                Chip(
                    "wavelength_max",
                    f"Wavelength under {v:g} µm",
                    {"wavelength_max": v},
                    m.group(0),
                )
            )
            take(m)

    instruments = []
    for word in re.findall(r"[A-Za-z]+", text):
        inst = _INSTRUMENTS.get(word.lower())
        if inst and inst not in instruments:
            instruments.append(inst)
            text = re.sub(rf"\b{word}\b", " ", text, count=1)
    if instruments:
        hints.chips.append(
            Chip(
                "instrument",
                "Instrument: " + ", ".join(instruments),
                {"instrument": instruments},
                " ".join(instruments),
            )
        )

    filters = [f.upper() for f in _FILTER.findall(text) if f.upper() in _KNOWN_FILTERS]
    if filters:
        unique = list(dict.fromkeys(filters))
        hints.chips.append(
            Chip("filter", "Filter: " + ", ".join(unique), {"filter": unique}, " ".join(unique))
        )
        for f in unique:
            text = re.sub(rf"\b{f}\b", " ", text, count=1, flags=re.IGNORECASE)

    m = _LEVEL.search(text)
    if m:
        level = m.group(1).lower()
        hints.chips.append(
            Chip("level", f"Level {level}", {"processing_level": [level]}, m.group(0))
        )
        take(m)

    m = _MINE.search(text)
    if m:
        hints.chips.append(Chip("owner", "Only my records", {"owner": "me"}, "my"))
        text = text[: m.start()] + " " + text[m.end() :]

    if resolve is not None:
        for label, ra, dec, radius, found in resolve(text)[:1]:
            hints.chips.append(
                Chip("near", f"Near {label}", {"ra": ra, "dec": dec, "radius": radius}, found)
            )
            # The name stays in the keyword text: records often name their target.

    hints.residual = " ".join(_NEAR.sub(" ", text).split())
    return hints
