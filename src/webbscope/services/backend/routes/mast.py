"""`/api/mast`: archive search, product lists, previews and imports. Searches and product lists
are answered by the mast service; an import becomes a job its workers run."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from webbscope.domain.jobs import Job
from webbscope.domain.users import User
from webbscope.jobs import JobQueue
from webbscope.mast import (
    ArchiveObservation,
    ProductList,
    ProductsRequest,
    datetime_to_mjd,
)
from webbscope.services.backend.deps import (
    ClientAddress,
    CurrentUser,
    DbDep,
    Limiter,
    OptionalUser,
    SettingsDep,
)
from webbscope.services.common.client import ServiceClient

router = APIRouter(prefix="/api/mast", tags=["archive"])


def mast_client(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.mast
    return client


Mast = Annotated[ServiceClient, Depends(mast_client)]


class SearchRequest(BaseModel):
    """One archive search. `target` resolves a name and searches a cone around it;
    `coordinates` is a cone; `program` a proposal; `observation` an obs_id (wildcard `*`)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["target", "coordinates", "program", "observation"]
    target: str | None = Field(None, max_length=100)
    ra: float | None = Field(None, ge=0, lt=360)
    dec: float | None = Field(None, ge=-90, le=90)
    radius: float = Field(0.2, gt=0, le=10, description="cone radius in degrees")
    proposal_id: str | None = Field(None, max_length=20)
    obs_id: str | None = Field(None, max_length=120)
    instrument: str | None = Field(None, max_length=40)
    filter: str | None = Field(None, max_length=40)
    calib_level: list[int] | int | None = None
    product_type: list[str] | str | None = None
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=500)

    @model_validator(mode="after")
    def _needs(self) -> SearchRequest:
        need = {
            "target": ("target",),
            "coordinates": ("ra", "dec"),
            "program": ("proposal_id",),
            "observation": ("obs_id",),
        }[self.mode]
        missing = [f for f in need if getattr(self, f) in (None, "")]
        if missing:
            raise ValueError(f"mode '{self.mode}' needs {' and '.join(missing)}")
        return self

    def archive_query(self) -> dict[str, Any]:
        def mjd(d: date | datetime | None, end: bool) -> float | None:
            if d is None:
                return None
            moment = (
                d if isinstance(d, datetime) else datetime.combine(d, time.max if end else time.min)
            )
            return datetime_to_mjd(moment)

        levels = [self.calib_level] if isinstance(self.calib_level, int) else self.calib_level
        types = [self.product_type] if isinstance(self.product_type, str) else self.product_type
        return {
            "mode": self.mode,
            "name": self.target,
            "ra": self.ra,
            "dec": self.dec,
            "radius_deg": self.radius,
            "proposal_id": self.proposal_id,
            "obs_id": self.obs_id,
            "filters": {
                "instrument": self.instrument or None,
                "filter": self.filter or None,
                "calib_level": levels or None,
                "product_type": types or None,
                "start_mjd": mjd(self.date_from, end=False),
                "end_mjd": mjd(self.date_to, end=True),
            },
            "page": self.page,
            "page_size": self.page_size,
        }


class SearchResult(BaseModel):
    items: list[ArchiveObservation]
    total: int
    page: int
    page_size: int
    pages: int


class ImportRequest(BaseModel):
    """Observations to import: their recommended science products, or the chosen ones."""

    model_config = ConfigDict(extra="forbid")

    obsids: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=50)
    products: list[Annotated[str, Field(max_length=200)]] | None = Field(
        None, max_length=500, description="file names from the product list (default: all)"
    )
    recommended_only: bool = True


async def _limit(limiter: Limiter, settings: SettingsDep, user: User | None, address: str) -> None:
    if user is not None:
        await limiter.hit("archive search", f"u:{user.id}", settings.mast_search_rate_per_minute)
    else:
        await limiter.hit(
            "anonymous archive search", f"a:{address}", settings.mast_search_rate_anon_per_minute
        )


def _preview_link(url: str | None) -> str | None:
    return f"/api/mast/preview?url={quote(url, safe='')}" if url else None


@router.post("/search", response_model=SearchResult, summary="Search the MAST archive (JWST)")
async def search(
    body: SearchRequest,
    mast: Mast,
    user: OptionalUser,
    limiter: Limiter,
    settings: SettingsDep,
    address: ClientAddress,
) -> SearchResult:
    await _limit(limiter, settings, user, address)
    page = await mast.call("POST", "/internal/search", json=body.archive_query())
    items = [
        ArchiveObservation(**{**row, "preview_url": _preview_link(row.get("preview_url"))})
        for row in page["items"]
    ]
    return SearchResult(
        items=items,
        total=page["total"],
        page=page["page"],
        page_size=page["page_size"],
        pages=page["pages"],
    )


@router.post("/products", response_model=ProductList, summary="Products of observations")
async def products(
    body: ProductsRequest,
    mast: Mast,
    user: OptionalUser,
    limiter: Limiter,
    settings: SettingsDep,
    address: ClientAddress,
) -> ProductList:
    await _limit(limiter, settings, user, address)
    result = await mast.call("POST", "/internal/products", json=body.model_dump())
    return ProductList(items=result["items"])


@router.get(
    "/preview",
    summary="An archive preview image (fetched through the mast service)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def preview(mast: Mast, url: Annotated[str, Query(max_length=2000)]) -> Response:
    return await mast.forward("GET", "/internal/preview", params={"url": url})


@router.post(
    "/import",
    response_model=Job,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import observations into your library (a job; watch it on /hubs/jobs)",
)
async def import_observations(
    body: ImportRequest, user: CurrentUser, db: DbDep, settings: SettingsDep
) -> Job:
    queue = JobQueue(db, settings.job_limits)
    return await queue.enqueue(
        "import",
        user.id,
        {
            "obsids": list(dict.fromkeys(body.obsids)),
            "products": body.products,
            # Chosen files are looked up among all products, recommended or not.
            "recommended_only": body.recommended_only and not body.products,
        },
    )
