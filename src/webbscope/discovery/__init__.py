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
    "Channel",
    "Estimate",
    "Holdings",
    "Proposal",
    "band_of",
    "best_n",
    "group_on_sky",
    "hue_colors",
    "propose",
    "prune",
    "skip_reason",
    "summarise",
    "FEATURED",
    "TARGETS",
    "FeaturedTarget",
    "find_target",
    "mentioned_targets",
    "resolve_place",
]
