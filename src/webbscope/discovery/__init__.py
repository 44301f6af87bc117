"""Discovery: featured JWST targets, summaries of what the archive holds for them, and the
recipe engine that proposes colour composites from those holdings. Plain functions and data."""

from webbscope.discovery._holdings import Holdings, band_of, skip_reason, summarise
from webbscope.discovery._recipes import (
    Channel,
    Estimate,
    Proposal,
    best_n,
    group_on_sky,
    hue_colors,
    propose,
    prune,
)
from webbscope.discovery._targets import (
    FEATURED,
    TARGETS,
    FeaturedTarget,
    find_target,
    mentioned_targets,
    resolve_place,
)

__all__ = [
    "FEATURED",
    "TARGETS",
    "Channel",
    "Estimate",
    "FeaturedTarget",
    "Holdings",
    "Proposal",
    "band_of",
    "best_n",
    "find_target",
    "group_on_sky",
    "hue_colors",
    "mentioned_targets",
    "propose",
    "prune",
    "resolve_place",
    "skip_reason",
    "summarise",
]
