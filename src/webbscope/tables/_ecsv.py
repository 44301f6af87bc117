"""Read an ECSV table's shape, columns and metadata (astropy's reader, within a size limit)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from astropy.table import Table
from astropy.utils.exceptions import AstropyWarning

from webbscope.errors import PayloadTooLarge, Unprocessable
from webbscope.fits._format import human_bytes
from webbscope.fits._headers import JsonScalar, json_value

#: The first bytes of every ECSV file ("# %ECSV <version>").
ECSV_SIGNATURE = b"# %ECSV"
MAX_META_ITEMS = 500


@dataclass(frozen=True)
class TableColumn:
    name: str
    dtype: str
    unit: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class TableSummary:
    rows: int
    columns: list[TableColumn]
    meta: list[tuple[str, JsonScalar]]
    """The table's metadata flattened to (dotted key, JSON-safe value) pairs, in order."""


def _flatten(value: Any, prefix: str, out: list[tuple[str, JsonScalar]]) -> None:
    if len(out) >= MAX_META_ITEMS:
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list | tuple):
        for i, inner in enumerate(value):
            _flatten(inner, f"{prefix}[{i}]", out)
    else:
        out.append((prefix, json_value(value)))


def _columns(table: Table) -> list[TableColumn]:
    out = []
    for name in table.colnames:
        col = table[name]
        info = col.info
        unit = getattr(col, "unit", None)
        dtype = str(getattr(info, "dtype", "") or "") if hasattr(col, "dtype") else ""
        out.append(
            TableColumn(
                name=name,
                dtype=dtype or type(col).__name__,
                unit=str(unit) if unit is not None and str(unit) else None,
                description=str(info.description) if info.description else None,
            )
        )
    return out


def read_ecsv(path: str | os.PathLike[str], max_bytes: int) -> TableSummary:
    """The summary of an ECSV table. A file over `max_bytes` is a 413 (`table_too_large`);
    anything astropy cannot read as ECSV is a 422 (`invalid_table`)."""
    name = os.path.basename(path)
    size = os.path.getsize(path)
    if size > max_bytes:
        raise PayloadTooLarge(
            f"{name} is {human_bytes(size)}, over the {human_bytes(max_bytes)} limit for "
            "tables (MAX_TABLE_BYTES)",
            code="table_too_large",
        )
    with open(path, "rb") as f:
        head = f.read(len(ECSV_SIGNATURE))
    if head != ECSV_SIGNATURE:
        raise Unprocessable(
            f"{name} is not an ECSV table (it does not start with '# %ECSV')",
            code="invalid_table",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            table = Table.read(path, format="ascii.ecsv")
    except Exception as exc:  # astropy raises many kinds for a malformed table
        raise Unprocessable(
            f"{name} cannot be read as an ECSV table: {type(exc).__name__}: {exc}"[:500],
            code="invalid_table",
        ) from exc
    meta: list[tuple[str, JsonScalar]] = []
    _flatten(dict(table.meta), "", meta)
    return TableSummary(rows=len(table), columns=_columns(table), meta=meta)
