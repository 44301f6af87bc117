"""FITS table HDUs, a page at a time: columns with units and descriptions, sorting, a text
search across the columns, and a JSON-safe page of rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from astropy.io import fits

from webbscope.errors import Unprocessable

MAX_PAGE_SIZE = 500
VECTOR_PREVIEW = 8


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    unit: str | None
    description: str | None
    shape: list[int] | None
    sortable: bool


@dataclass(frozen=True)
class TablePage:
    columns: list[Column]
    rows: list[list[Any]]
    page: int
    page_size: int
    pages: int
    total: int
    matched: int
    sort: str | None
    order: str


def columns_of(header: fits.Header, data: Any) -> list[Column]:
    """The columns of a table HDU: TUNITn for the unit, the TTYPEn comment (or TDOCn/TCOMMn)
    for the description."""
    out = []
    names = list(data.dtype.names or ())
    for i, name in enumerate(names, start=1):
        field = data.dtype.fields[name][0]
        sub = field.shape or None
        base = field.base
        desc = header.get(f"TDOC{i}") or header.get(f"TCOMM{i}")
        if not desc:
            try:
                desc = header.comments[f"TTYPE{i}"] or None
            except (KeyError, IndexError):
                desc = None
        unit = header.get(f"TUNIT{i}")
        out.append(
            Column(
                name=name,
                dtype=str(base),
                unit=str(unit).strip() or None if unit is not None else None,
                description=str(desc).strip() or None if desc else None,
                shape=list(sub) if sub else None,
                sortable=sub is None and base.kind in "biufUSb",
            )
        )
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").rstrip()
    if isinstance(value, np.ndarray):
        flat = value.ravel()
        shown = [_cell(v) for v in flat[:VECTOR_PREVIEW]]
        return shown + (["…"] if flat.size > VECTOR_PREVIEW else [])
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.str_ | str):
        return str(value).rstrip()
    return str(value)


def _matches(data: Any, columns: list[Column], q: str) -> np.ndarray:
    """Rows where any text column contains `q` (case-insensitive) or any numeric column
    equals it (when it is a number)."""
    n = len(data)
    hit = np.zeros(n, dtype=bool)
    needle = q.strip().lower()
    try:
        number: float | None = float(needle)
    except ValueError:
        number = None
    for col in columns:
        if col.shape is not None:
            continue
        values = np.asarray(data[col.name])
        if values.dtype.kind in "US":
            text = np.char.lower(values.astype(str))
            hit |= np.char.find(text, needle) >= 0
        elif number is not None and values.dtype.kind in "iuf":
            hit |= np.isclose(values.astype(np.float64), number, rtol=1e-9, atol=0)
    return hit


def table_page(
    header: fits.Header,
    data: Any,
    *,
    page: int = 1,
    page_size: int = 100,
    sort: str | None = None,
    order: Literal["asc", "desc"] = "asc",
    q: str | None = None,
) -> TablePage:
    """One page (1-based) of the table's rows, sorted by `sort` and filtered by `q`. A page
    past the last is a 422 `page_out_of_range` naming the number of pages."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Unprocessable(f"page_size must be 1 to {MAX_PAGE_SIZE}", code="invalid_page_size")
    columns = columns_of(header, data)
    total = 0 if data is None else len(data)
    index = np.arange(total)
    if q and total:
        index = index[_matches(data, columns, q)]
    if sort is not None:
        col = next((c for c in columns if c.name.lower() == sort.lower()), None)
        if col is None:
            raise Unprocessable(
                f"no column {sort!r}",
                code="unknown_column",
                details={"columns": [c.name for c in columns]},
            )
        if not col.sortable:
            raise Unprocessable(f"column {col.name!r} cannot be sorted", code="unsortable_column")
        values = np.asarray(data[col.name])[index]
        if values.dtype.kind in "US":
            values = np.char.lower(values.astype(str))
        keys = np.argsort(values, kind="stable")
        if values.dtype.kind == "f":  # NaN last in both orders
            nan = np.isnan(values[keys])
            keys = np.concatenate([keys[~nan][:: -1 if order == "desc" else 1], keys[nan]])
        elif order == "desc":
            keys = keys[::-1]
        index = index[keys]
    matched = int(index.size)
    pages = max(1, math.ceil(matched / page_size))
    if not 1 <= page <= pages:
        raise Unprocessable(
            f"page {page} does not exist; there are {pages} pages",
            code="page_out_of_range",
            details={"page": page, "pages": pages, "matched": matched},
        )
    chosen = index[(page - 1) * page_size : page * page_size]
    rows = [[_cell(data[int(i)][c.name]) for c in columns] for i in chosen]
    return TablePage(
        columns=columns,
        rows=rows,
        page=page,
        page_size=page_size,
        pages=pages,
        total=total,
        matched=matched,
        sort=sort,
        order=order,
    )


def search_headers(headers: list[fits.Header], q: str, limit: int = 500) -> list[dict[str, Any]]:
    """Cards of every HDU whose keyword, value or comment contains `q` (case-insensitive)."""
    needle = q.strip().lower()
    found: list[dict[str, Any]] = []
    for index, header in enumerate(headers):
        name = str(header.get("EXTNAME", "PRIMARY" if index == 0 else index))
        for card in header.cards:
            key = str(card.keyword)
            text = f"{key} {card.value} {card.comment}".lower()
            if needle in text:
                value = card.value
                if not isinstance(value, bool | int | float | str):
                    value = str(value)
                found.append(
                    {
                        "hdu": index,
                        "name": name,
                        "key": key,
                        "value": _cell(value),
                        "comment": card.comment,
                    }
                )
                if len(found) >= limit:
                    return found
    return found
