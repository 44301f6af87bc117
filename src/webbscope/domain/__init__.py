"""Shared data types (pydantic models) used by every service."""

from webbscope.domain.fits_metadata import (
    HduSummary,
    HduType,
    JwstMetadata,
    ProcessingLevel,
    SpectralAxis,
)

__all__ = ["HduSummary", "HduType", "JwstMetadata", "ProcessingLevel", "SpectralAxis"]
