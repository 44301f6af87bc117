"""JWST imaging filters: pivot wavelength and bandwidth in microns (JWST User Documentation,
"NIRCam Filters", "MIRI Filters and Dispersers", "NIRISS Filters"; values rounded to the
precision those tables give)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Width = Literal["narrow", "medium", "wide", "extra-wide", "coronagraphic"]

_WIDTH_BY_SUFFIX: dict[str, Width] = {
    "N": "narrow",
    "M": "medium",
    "W": "wide",
    "W2": "extra-wide",
    "C": "coronagraphic",
}


@dataclass(frozen=True)
class Filter:
    instrument: str
    name: str
    pivot_um: float
    bandwidth_um: float

    @property
    def width(self) -> Width:
        digits = "".join(c for c in self.name[1:] if c.isdigit())
        return _WIDTH_BY_SUFFIX[self.name[1 + len(digits) :]]

    @property
    def min_um(self) -> float:
        return round(self.pivot_um - self.bandwidth_um / 2, 3)

    @property
    def max_um(self) -> float:
        return round(self.pivot_um + self.bandwidth_um / 2, 3)


_NIRCAM = {
    "F070W": (0.704, 0.128),
    "F090W": (0.901, 0.194),
    "F115W": (1.154, 0.225),
    "F140M": (1.404, 0.142),
    "F150W": (1.501, 0.318),
    "F150W2": (1.671, 1.227),
    "F162M": (1.626, 0.168),
    "F164N": (1.644, 0.020),
    "F182M": (1.845, 0.238),
    "F187N": (1.874, 0.024),
    "F200W": (1.990, 0.461),
    "F210M": (2.093, 0.205),
    "F212N": (2.120, 0.027),
    "F250M": (2.503, 0.181),
    "F277W": (2.786, 0.672),
    "F300M": (2.996, 0.318),
    "F322W2": (3.247, 1.339),
    "F323N": (3.237, 0.038),
    "F335M": (3.365, 0.347),
    "F356W": (3.563, 0.787),
    "F360M": (3.621, 0.372),
    "F405N": (4.055, 0.046),
    "F410M": (4.092, 0.436),
    "F430M": (4.280, 0.228),
    "F444W": (4.421, 1.024),
    "F460M": (4.624, 0.228),
    "F466N": (4.654, 0.054),
    "F470N": (4.707, 0.051),
    "F480M": (4.834, 0.303),
}
_MIRI = {
    "F560W": (5.635, 1.000),
    "F770W": (7.639, 1.950),
    "F1000W": (9.953, 1.800),
    "F1130W": (11.309, 0.730),
    "F1280W": (12.810, 2.470),
    "F1500W": (15.064, 2.920),
    "F1800W": (17.984, 2.950),
    "F2100W": (20.795, 4.580),
    "F2550W": (25.365, 3.670),
    "F1065C": (10.575, 0.750),
    "F1140C": (11.305, 0.600),
    "F1550C": (15.516, 0.900),
    "F2300C": (22.760, 5.000),
}
_NIRISS = {
    "F090W": (0.900, 0.194),
    "F115W": (1.150, 0.225),
    "F140M": (1.404, 0.142),
    "F150W": (1.498, 0.318),
    "F158M": (1.582, 0.198),
    "F200W": (1.992, 0.461),
    "F277W": (2.773, 0.672),
    "F356W": (3.594, 0.787),
    "F380M": (3.828, 0.205),
    "F430M": (4.286, 0.228),
    "F444W": (4.426, 1.024),
    "F480M": (4.817, 0.303),
}

#: (INSTRUMENT, FILTER) -> Filter
FILTERS: dict[tuple[str, str], Filter] = {
    (inst, name): Filter(inst, name, pivot, width)
    for inst, table in (("NIRCAM", _NIRCAM), ("MIRI", _MIRI), ("NIRISS", _NIRISS))
    for name, (pivot, width) in table.items()
}
_ANY: dict[str, Filter] = {}
for (_inst, _name), _f in FILTERS.items():
    _ANY.setdefault(_name, _f)  # NIRCam first: its values stand for a bare name


def _clean(value: str | None) -> str:
    return (value or "").strip().upper()


def effective_filter(filter_name: str | None, pupil: str | None = None) -> str | None:
    """The band a NIRCam/NIRISS exposure is in: a narrow or medium filter in the pupil wheel
    (F405N with F444W) is the band; CLEAR and masks are not. Names like `CLEAR-F090W` or
    `F444W;GRISMR` give their filter part."""
    candidates = [
        p for raw in (pupil, filter_name) for p in _clean(raw).replace(";", "-").split("-")
    ]
    known = [c for c in candidates if c in _ANY]
    if known:
        return known[0]
    named = [c for c in candidates if c.startswith("F") and c[1:2].isdigit()]
    return named[0] if named else (_clean(filter_name) or None)


def filter_info(filter_name: str | None, instrument: str | None = None) -> Filter | None:
    """The filter's pivot wavelength and bandwidth, or None for an unknown element (a grating,
    CLEAR, a filter this table does not hold)."""
    name = effective_filter(filter_name)
    if not name:
        return None
    inst = _clean(instrument)
    return FILTERS.get((inst, name)) or (
        None if inst in ("NIRCAM", "MIRI", "NIRISS") else _ANY.get(name)
    )


def wavelength_words(f: Filter) -> str:
    """The filter in words: "4.42 micron wide band"."""
    return f"{f.pivot_um:.2f} micron {f.width} band"
