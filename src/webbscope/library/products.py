"""Products made from library records (composites, mosaics): how the engine is told about
their inputs, and a mosaic's canonical recipe and its hash (the cache key and permalink).

Shared by the backend's routes and the jobs that queue products themselves (automatic
observation mosaics after an import); no web imports.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from webbscope import __version__
from webbscope.db import Document


def product_inputs(docs: list[Document], *, with_filter: bool = False) -> list[dict[str, Any]]:
    """How the engine is told about a product's input records (composites, mosaics)."""
    out: list[dict[str, Any]] = []
    for d in docs:
        item: dict[str, Any] = {
            "record_id": str(d["_id"]),
            "key": d["storage_key"],
            "sha256": d["sha256"],
            "size": d["size"],
            "name": d["file_name"],
        }
        if with_filter:
            item["filter"] = (d.get("metadata") or {}).get("filter")
        out.append(item)
    return out


def mosaic_recipe(docs: list[Document], options: dict[str, Any]) -> dict[str, Any]:
    """A mosaic's canonical recipe: inputs by id and sha256, options, software version."""
    return {
        "kind": "mosaic",
        "inputs": [{"record_id": str(d["_id"]), "sha256": d["sha256"]} for d in docs],
        "options": options,
        "software": f"webbscope {__version__}",
    }


def recipe_id(doc: dict[str, Any]) -> str:
    """The recipe's hash (32 hex digits of the sha256 of its canonical JSON)."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
