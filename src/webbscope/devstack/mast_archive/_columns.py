"""Column configurations and response field lists, as the archive's Portal API reports them."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

#: The `fields` of a CAOM observation answer, in the archive's order (as in astroquery's recorded
#: `caom.json`), with the Portal API's type names. `distance` (arcsec) is added to positional
#: answers and `_selected_` ends every answer.
CAOM_FIELDS: tuple[tuple[str, str], ...] = (
    ("intentType", "string"),
    ("obs_collection", "string"),
    ("dataproduct_type", "string"),
    ("instrument_name", "string"),
    ("project", "string"),
    ("filters", "string"),
    ("wavelength_region", "string"),
    ("target_name", "string"),
    ("target_classification", "string"),
    ("obs_id", "string"),
    ("s_ra", "float"),
    ("s_dec", "float"),
    ("proposal_id", "string"),
    ("proposal_pi", "string"),
    ("calib_level", "int"),
    ("t_min", "float"),
    ("t_max", "float"),
    ("t_exptime", "float"),
    ("em_min", "float"),
    ("em_max", "float"),
    ("obs_title", "string"),
    ("t_obs_release", "float"),
    ("s_region", "string"),
    ("jpegURL", "string"),
    ("dataURL", "string"),
    ("dataRights", "string"),
    ("mtFlag", "boolean"),
    ("srcDen", "float"),
    ("obsid", "string"),
    ("objID", "string"),
)
DISTANCE_FIELD = ("distance", "float")
SELECTED_FIELD = ("_selected_", "boolean")

#: The `fields` of a `Mast.Caom.Products` answer.
PRODUCT_FIELDS: tuple[tuple[str, str], ...] = (
    ("obsID", "string"),
    ("obs_collection", "string"),
    ("dataproduct_type", "string"),
    ("obs_id", "string"),
    ("description", "string"),
    ("type", "string"),
    ("dataURI", "string"),
    ("productType", "string"),
    ("productGroupDescription", "string"),
    ("productSubGroupDescription", "string"),
    ("productDocumentationURL", "string"),
    ("project", "string"),
    ("prvversion", "string"),
    ("proposal_id", "string"),
    ("productFilename", "string"),
    ("size", "int"),
    ("parent_obsid", "string"),
    ("dataRights", "string"),
    ("calib_level", "int"),
    ("filters", "string"),
)

_VOT_TYPES = {"string": "char", "float": "double", "int": "int", "boolean": "boolean"}


@lru_cache(maxsize=1)
def caom_column_config() -> dict[str, Any]:
    """The real `Mast.Caom.Cone` column configuration (from astroquery's recorded responses)."""
    text = (
        resources.files("webbscope.devstack.mast_archive")
        .joinpath("caom_columnsconfig.json")
        .read_text(encoding="utf-8")
    )
    config: dict[str, Any] = json.loads(text)
    return config


@lru_cache(maxsize=1)
def products_column_config() -> dict[str, Any]:
    """A `Mast.Caom.Products` configuration in the same shape (no recorded one is published)."""
    config: dict[str, Any] = {"_selected_": {"text": "selected", "type": "boolean"}}
    for name, kind in PRODUCT_FIELDS:
        config[name] = {"text": name, "vot.datatype": _VOT_TYPES[kind]}
    return config


def column_config(config_id: str) -> dict[str, Any]:
    """The configuration for `colConfigId`; `{}` (what the archive answers) when unknown."""
    if config_id in ("Mast.Caom.Cone", "Mast.Caom.Filtered", "Mast.Caom.Filtered.Position"):
        return caom_column_config()
    if config_id == "Mast.Caom.Products":
        return products_column_config()
    return {}


def filterable_columns() -> dict[str, dict[str, Any]]:
    """CAOM columns a filter may name (lower-cased name -> its configuration entry)."""
    return {
        name.lower(): {"name": name, **entry}
        for name, entry in caom_column_config().items()
        if not entry.get("remove") and name != "_selected_"
    }


def is_continuous(entry: dict[str, Any]) -> bool:
    """The rule astroquery applies: numeric types (and `treatNumeric`) filter by ranges."""
    kind = entry.get("vot.datatype", entry.get("type"))
    return kind in ("double", "float", "numeric") or bool(entry.get("treatNumeric"))
