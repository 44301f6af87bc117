"""Where a file's stored pyramid lives in storage, keyed by the file's sha256 beside its
rendered tiles (two records of the same content share one pyramid; deleting the last of them
removes it with the tiles). Written by the engine's `pyramid` job, read by the engine (coarse
levels) and by the backend (the f16 tile pack)."""

from __future__ import annotations

from webbscope.storage import TILES_PREFIX

MANIFEST_VERSION = 1
#: The f16 tile pack's file name (its offsets are in the same name + ".idx").
PACK_NAME = "tiles.f16"


def pyramid_prefix(sha: str) -> str:
    return f"{TILES_PREFIX}{sha}/pyramid/"


def manifest_key(sha: str) -> str:
    return f"{pyramid_prefix(sha)}manifest.json"


def level_file_name(level: int) -> str:
    return f"L{level}.f32"


def level_key(sha: str, level: int) -> str:
    return f"{pyramid_prefix(sha)}{level_file_name(level)}"


def pack_key(sha: str) -> str:
    return f"{pyramid_prefix(sha)}{PACK_NAME}"


def pack_index_key(sha: str) -> str:
    return f"{pyramid_prefix(sha)}{PACK_NAME}.idx"
