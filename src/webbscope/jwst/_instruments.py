"""JWST imagers and their fields of view (JWST User Documentation; arcminutes on a side)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    name: str
    label: str
    field_arcmin: tuple[float, float]
    """Width and height of the imaging field (NIRCam: both modules with the gap)."""
    pixel_scale_arcsec: float
    """The finest imaging pixel scale."""
    range_um: tuple[float, float]

    @property
    def field_radius_deg(self) -> float:
        """Half the diagonal of the field, in degrees."""
        w, h = self.field_arcmin
        return float((w**2 + h**2) ** 0.5 / 2 / 60)


INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in (
        Instrument("NIRCAM", "NIRCam", (4.4, 2.2), 0.031, (0.6, 5.0)),
        Instrument("MIRI", "MIRI", (1.23, 1.88), 0.11, (4.9, 28.8)),
        Instrument("NIRISS", "NIRISS", (2.2, 2.2), 0.066, (0.8, 5.0)),
        Instrument("NIRSPEC", "NIRSpec", (3.4, 3.6), 0.1, (0.6, 5.3)),
        Instrument("FGS", "FGS", (2.3, 2.3), 0.069, (0.6, 5.0)),
    )
}


def instrument_info(name: str | None) -> Instrument | None:
    return INSTRUMENTS.get((name or "").strip().upper())
