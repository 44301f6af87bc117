"""Which products an import takes, checked before anything is downloaded or any path is built.

The rules are `webbscope.mast.verdict` — the same ones the Products panel shows. An import of
whole observations takes every importable product and leaves out what is not science data or
not in a format the library reads; named products must all be importable. Either way an
unusable name, a file over its size limit or exclusive-access data without a token refuses the
import at once, saying why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from webbscope.errors import (
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    WebbscopeError,
)
from webbscope.fits import product_type
from webbscope.mast import (
    SKIPPED_BY_DEFAULT,
    ArchiveProduct,
    ImportRules,
    Verdict,
    verdict,
)
from webbscope.storage import MAST_PREFIX

#: Products made from a level-3 image of the same observation: recorded after it, with lineage.
FROM_IMAGE_SUFFIXES = ("cat", "segm")
IMAGE_SUFFIX = "i2d"


@dataclass
class Plan:
    products: list[ArchiveProduct]
    skipped: list[dict[str, str]] = field(default_factory=list)


def storage_key(product: ArchiveProduct) -> str:
    """Where a product is stored (its names were checked by `plan`)."""
    return f"{MAST_PREFIX}{product.obs_id}/{product.filename}"


def suffix(product: ArchiveProduct) -> str | None:
    return product.subgroup or product_type(product.filename)


def is_from_image(product: ArchiveProduct) -> bool:
    return suffix(product) in FROM_IMAGE_SUFFIXES


def refusal(product: ArchiveProduct, v: Verdict) -> WebbscopeError:
    message = f"{product.filename}: {v.reason}"
    details = {"file": product.filename, "reason": v.code}
    if v.code == "unsafe_name":
        return WebbscopeError(message, code="unsafe_product_name", status=502, details=details)
    if v.code == "too_large":
        return PayloadTooLarge(message, code="file_too_large", details=details)
    if v.code == "exclusive_access":
        return Forbidden(message, code="exclusive_access", details=details)
    return BadRequest(message, code="not_importable", details=details)


def plan(
    listed: Sequence[ArchiveProduct],
    wanted: Sequence[str] | None,
    rules: ImportRules,
    releases: Mapping[str, datetime | None] | None = None,
) -> Plan:
    """The products to import, in recording order: level-2 members first (level-3 records
    name them as sources), then images, then what was made from them (catalogues)."""
    releases = releases or {}
    chosen: list[ArchiveProduct] = []
    skipped: list[dict[str, str]] = []
    if wanted:
        by_name = {p.filename: p for p in listed}
        missing = [w for w in dict.fromkeys(wanted) if w not in by_name]
        if missing:
            raise BadRequest(
                f"not among the observations' products: {', '.join(missing[:5])}",
                code="unknown_products",
                details={"files": missing[:50]},
            )
        for name in dict.fromkeys(wanted):
            p = by_name[name]
            v = verdict(p, rules, releases.get(p.obsid))
            if v is not None:
                raise refusal(p, v)
            chosen.append(p)
    else:
        for p in listed:
            v = verdict(p, rules, releases.get(p.obsid))
            if v is None:
                chosen.append(p)
            elif v.code in SKIPPED_BY_DEFAULT:
                skipped.append({"file": p.filename, "reason": v.reason})
            else:
                raise refusal(p, v)
    unique = {p.filename: p for p in chosen}
    ordered = sorted(
        unique.values(),
        key=lambda p: (not p.is_member, is_from_image(p), p.calib_level or 0, p.filename),
    )
    return Plan(ordered, skipped)
