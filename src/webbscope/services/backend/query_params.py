"""Query parameters shared by the list routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.dependencies.models import Dependant

from webbscope.errors import Unprocessable

Csv = Annotated[list[str] | None, Query(description="repeat the parameter or separate by commas")]


def split_csv(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def _query_names(dep: Dependant) -> set[str]:
    names = {p.alias for p in dep.query_params}
    for sub in dep.dependencies:
        names |= _query_names(sub)
    return names


async def strict_query(request: Request) -> None:
    """A list route's dependency: a query parameter the route does not take is a 422 naming
    it (a misspelt filter would otherwise be silently ignored)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _query_names(dependant)
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        raise Unprocessable(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            code="unknown_parameter",
            details={"unknown": unknown, "allowed": sorted(allowed)},
        )
