"""Discovery: featured JWST targets, summaries of what the archive holds for them, and the
recipe engine that proposes colour composites from those holdings. Plain functions and data."""

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
    "FeaturedTarget",
    "find_target",
    "mentioned_targets",
    "resolve_place",
]
