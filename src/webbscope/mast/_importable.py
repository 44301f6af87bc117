"""What an import can bring into a library — the one definition the product list (what the
Products panel offers) and the import job (what it accepts) both use.

A product is importable when it is science data (`SCIENCE`), in a format the library reads
(FITS images and tables, ECSV catalogues), no larger than that format's limit, named safely
(the archive's names become storage keys and file paths), and — when it is in exclusive access —
the importing user has a MAST API token. Everything else carries a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from webbscope.fits._format import human_bytes
from webbscope.mast._models import ArchiveProduct

FileFormat = Literal["fits", "ecsv"]
#: Why a product cannot be imported. `not_science` and `unsupported_format` are what a product
#: *is*: an import of a whole observation leaves them out. The others refuse the import.
ReasonCode = Literal[
    "unsafe_name", "not_science", "unsupported_format", "too_large", "exclusive_access"
]
SKIPPED_BY_DEFAULT: frozenset[str] = frozenset({"not_science", "unsupported_format"})

_FORMATS: tuple[tuple[str, FileFormat], ...] = (
    (".fits", "fits"),
    (".fit", "fits"),
    (".fts", "fits"),
    (".ecsv", "ecsv"),
)
#: A file or observation name as the archive uses them: letters, digits, `._+-`, not starting
#: with a dot. No separators, no `..`, no control characters, no NUL.
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}")
_KIND_WORDS = {
    "PREVIEW": "a preview image (shown in search results)",
    "AUXILIARY": "an auxiliary file, not science data",
    "INFO": "an information file, not science data",
}


@dataclass(frozen=True)
class ImportRules:
    """The limits an import applies, and whether the importing user has a MAST API token."""

    max_fits_bytes: int
    max_table_bytes: int
    token_set: bool = False


@dataclass(frozen=True)
class Verdict:
    code: ReasonCode
    reason: str


def safe_name(name: str | None) -> bool:
    """A name that can be a path component and a storage key part as it is."""
    return bool(name) and _SAFE.fullmatch(name or "") is not None and ".." not in (name or "")


def file_format(filename: str) -> FileFormat | None:
    lower = filename.lower()
    for suffix, fmt in _FORMATS:
        if lower.endswith(suffix):
            return fmt
    return None


def release_text(release: datetime | None) -> str:
    return f"until {release:%Y-%m-%d}" if release is not None else "until its release date"


def verdict(
    product: ArchiveProduct, rules: ImportRules, release: datetime | None = None
) -> Verdict | None:
    """None when `product` can be imported, else the reason it cannot."""
    if not safe_name(product.filename) or not safe_name(product.obs_id):
        return Verdict(
            "unsafe_name",
            f"the archive gave an unusable name ({product.filename!r} of {product.obs_id!r})",
        )
    kind = product.product_type.upper()
    if kind != "SCIENCE":
        return Verdict("not_science", _KIND_WORDS.get(kind, f"a {kind.lower()} product"))
    fmt = file_format(product.filename)
    if fmt is None:
        ext = product.filename.rsplit(".", 1)[-1] if "." in product.filename else "?"
        return Verdict(
            "unsupported_format",
            f".{ext} files cannot be imported (FITS files and ECSV catalogues can)",
        )
    limit = rules.max_fits_bytes if fmt == "fits" else rules.max_table_bytes
    if product.size is not None and product.size > limit:
        return Verdict(
            "too_large",
            f"{human_bytes(product.size)} is over the {human_bytes(limit)} limit for "
            f"{'FITS files' if fmt == 'fits' else 'catalogues'}",
        )
    if product.exclusive_access and not rules.token_set:
        return Verdict(
            "exclusive_access",
            f"in exclusive access {release_text(release)}: only the programme's team may "
            "download it; add your MAST API token if you are on it",
        )
    return None


def judged(
    products: Iterable[ArchiveProduct],
    rules: ImportRules,
    releases: Mapping[str, datetime | None] | None = None,
) -> list[ArchiveProduct]:
    """`products` with `importable` and `reason` filled in (`releases`: release dates by
    obsid, for the reason of exclusive-access products)."""
    out = []
    for p in products:
        v = verdict(p, rules, (releases or {}).get(p.obsid))
        out.append(
            p.model_copy(update={"importable": v is None, "reason": v.reason if v else None})
        )
    return out
