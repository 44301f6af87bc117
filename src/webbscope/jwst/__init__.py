"""What Webbscope knows about JWST itself: its imaging filters (pivot wavelengths and
bandwidths from the JWST documentation) and its instruments' fields of view. Plain data and
functions, no web, database or storage imports."""

from webbscope.jwst._filters import (
    FILTERS,
    Filter,
    effective_filter,
    filter_info,
    wavelength_words,
)
from webbscope.jwst._instruments import INSTRUMENTS, Instrument, instrument_info

__all__ = [
    "FILTERS",
    "INSTRUMENTS",
    "Filter",
    "Instrument",
    "effective_filter",
    "filter_info",
    "instrument_info",
    "wavelength_words",
]
