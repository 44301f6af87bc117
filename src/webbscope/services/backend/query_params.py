"""Query parameters shared by the list routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Csv = Annotated[list[str] | None, Query(description="repeat the parameter or separate by commas")]


def split_csv(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out
