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
    @property
    def max_compressed_tile_bytes(self) -> int: ...
    @property
    def max_header_bytes(self) -> int: ...


@dataclass(frozen=True)
class FitsLimits:
    """How big a FITS file may be, how large any declared array, how many HDUs, and how many
    bytes one compression tile of a tile-compressed image may decompress to (a whole tile is
    decompressed to read any pixel of it: a small file holding one huge tile is a
    decompression bomb).

    `max_header_cards` bounds the work spent looking for a header's END card;
    `max_header_bytes` the size of all of a file's headers (as 2880-byte blocks in the file):
    they are read card by card and kept with the record.
    """

    max_bytes: int = 16 * 1024**3
    max_elements: int = 1_200_000_000
    max_hdus: int = 64
    max_header_cards: int = 100_000
    max_tile_bytes: int = 64 * 1024**2
    max_header_bytes: int = 8 * 1024**2

    def __post_init__(self) -> None:
        for name in (
            "max_bytes",
            "max_elements",
            "max_hdus",
            "max_header_cards",
            "max_tile_bytes",
            "max_header_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"FitsLimits.{name} must be positive")

    @classmethod
    def from_settings(cls, settings: _LimitSettings) -> FitsLimits:
        """The limits configured by `MAX_FITS_BYTES`, `MAX_ARRAY_ELEMENTS`, `MAX_HDUS`,
        `MAX_COMPRESSED_TILE_BYTES` and `MAX_HEADER_BYTES`."""
        return cls(
            max_bytes=settings.max_fits_bytes,
            max_elements=settings.max_array_elements,
            max_hdus=settings.max_hdus,
            max_tile_bytes=settings.max_compressed_tile_bytes,
            max_header_bytes=settings.max_header_bytes,
        )
