"""Explicit limits applied before any FITS byte is trusted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class _LimitSettings(Protocol):
    @property
    def max_fits_bytes(self) -> int: ...
    @property
    def max_array_elements(self) -> int: ...
    @property
    def max_hdus(self) -> int: ...


@dataclass(frozen=True)
class FitsLimits:
    """How big a FITS file may be, how large any declared array, how many HDUs.

    `max_header_cards` bounds the work spent looking for a header's END card.
    """

    max_bytes: int = 16 * 1024**3
    max_elements: int = 1_200_000_000
    max_hdus: int = 64
    max_header_cards: int = 100_000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_elements", "max_hdus", "max_header_cards"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FitsLimits.{name} must be positive")

    @classmethod
    def from_settings(cls, settings: _LimitSettings) -> FitsLimits:
        """The limits configured by `MAX_FITS_BYTES`, `MAX_ARRAY_ELEMENTS` and `MAX_HDUS`."""
        return cls(
            max_bytes=settings.max_fits_bytes,
            max_elements=settings.max_array_elements,
            max_hdus=settings.max_hdus,
        )
