"""Where a file's stored pyramid lives in storage, keyed by the file's sha256 beside its
rendered tiles (two records of the same content share one pyramid; deleting the last of them
removes it with the tiles). Written by the engine's `pyramid` job, read by the engine (coarse
levels) and by the backend (the tile packs)."""

from __future__ import annotations

from webbscope.storage import TILES_PREFIX

MANIFEST_VERSION = 1
#: The formats of the tile packs: f16 tiles, and WebP tiles of the default rendering.
PACK_FORMATS = ("f16", "webp")


def pyramid_prefix(sha: str) -> str:
    return f"{TILES_PREFIX}{sha}/pyramid/"


def manifest_key(sha: str) -> str:
    return f"{pyramid_prefix(sha)}manifest.json"


def level_file_name(level: int) -> str:
    return f"L{level}.f32"


def level_key(sha: str, level: int) -> str:
    return f"{pyramid_prefix(sha)}{level_file_name(level)}"


def pack_name(fmt: str) -> str:
    """A tile pack's file name (its offsets are in the same name + ".idx")."""
    return f"tiles.{fmt}"


def pack_key(sha: str, fmt: str) -> str:
    return f"{pyramid_prefix(sha)}{pack_name(fmt)}"


def pack_index_key(sha: str, fmt: str) -> str:
    return f"{pack_key(sha, fmt)}.idx"
