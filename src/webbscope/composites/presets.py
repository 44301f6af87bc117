"""The builder's built-in looks. Each sets channel defaults and whole-image adjustments;
"wavelength order" (sort channels by pivot wavelength, hues from blue to red) is applied
by the app to the channels it has, for any number of them."""

from __future__ import annotations

from typing import Any

LOOKS: dict[str, tuple[str, dict[str, Any]]] = {
    "natural": (
        "asinh stretch of the central 99.5%, neutral background, no extra contrast",
        {
            "channel": {"stretch": "asinh", "interval": "99.5", "curve": "linear", "auto": False},
            "adjust": {"neutralise": True, "saturation": 1.0, "vibrance": 0.0},
        },
    ),
    "high-contrast": (
        "tighter limits, an S-curve and more saturation",
        {
            "channel": {"stretch": "asinh", "interval": "99", "curve": "s-curve", "auto": False},
            "adjust": {"neutralise": True, "saturation": 1.25, "vibrance": 0.2},
        },
    ),
    "faint-detail": (
        "noise-aware auto-stretch with lifted shadows, for faint nebulosity",
        {
            "channel": {"stretch": "asinh", "curve": "shadows", "auto": True},
            "adjust": {"neutralise": True, "saturation": 1.1, "vibrance": 0.3},
        },
    ),
}
