"""`/api/mast`: archive search, product lists, previews and imports. Searches and product lists
are answered by the mast service; an import becomes a job its workers run."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from webbscope.db.mast_tokens import MastTokensRepo
from webbscope.domain.jobs import Job
from webbscope.domain.users import User
from webbscope.errors import BadRequest
from webbscope.jobs import JobQueue
from webbscope.mast import (
    ArchiveObservation,
    ProductList,
    ProductsQuery,
    ProductsRequest,
    datetime_to_mjd,
)
from webbscope.services.backend.archive_links import preview_link
from webbscope.services.backend.deps import (
    ClientAddress,
    CurrentUser,
    DbDep,
    Limiter,
    OptionalUser,
    SettingsDep,
)
from webbscope.services.common.client import ServiceClient
from webbscope.storage.space import check_reserve

router = APIRouter(prefix="/api/mast", tags=["archive"])


async def mast_client(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.mast
    return client


Mast = Annotated[ServiceClient, Depends(mast_client)]


async def mast_tokens(db: DbDep, settings: SettingsDep) -> MastTokensRepo:
    return MastTokensRepo(db, settings.mast_token_secret)


MastTokens = Annotated[MastTokensRepo, Depends(mast_tokens)]


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
        ArchiveObservation(
            **{**row, "preview_url": preview_link(row["obsid"], row.get("preview_url"))}
        )
        for row in page["items"]
    ]
    return SearchResult(
        items=items,
        total=page["total"],
        page=page["page"],
        page_size=page["page_size"],
        pages=page["pages"],
    )


@router.post(
    "/products",
    response_model=ProductList,
    summary="Products of observations, each marked importable or not (with the reason)",
)
async def products(
    body: ProductsRequest,
    mast: Mast,
    user: OptionalUser,
    limiter: Limiter,
    settings: SettingsDep,
    address: ClientAddress,
    tokens: MastTokens,
) -> ProductList:
    await _limit(limiter, settings, user, address)
    token_set = user is not None and (await tokens.status(user.id)).set
    query = ProductsQuery(**body.model_dump(), token_set=token_set)
    result = await mast.call("POST", "/internal/products", json=query.model_dump())
    return ProductList(items=result["items"])


@router.get(
    "/preview",
    summary="The preview image of an archive observation (fetched through the mast service)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
async def preview(
    mast: Mast,
    user: OptionalUser,
    limiter: Limiter,
    settings: SettingsDep,
    address: ClientAddress,
    obsid: Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_.-]+$")],
    product: Annotated[
        str | None,
        Query(max_length=200, description="one of its PREVIEW products (default: its preview)"),
    ] = None,
) -> Response:
    caller = f"u:{user.id}" if user is not None else f"a:{address}"
    await limiter.hit("archive preview", caller, settings.mast_preview_rate_per_minute)
    params = {"obsid": obsid, **({"product": product} if product else {})}
    return await mast.forward("GET", "/internal/preview", params=params)


class MastTokenStatus(BaseModel):
    """Whether a MAST API token is stored (the token itself is never returned)."""

    set: bool
    set_at: datetime | None = None
    name: str | None = Field(None, description="whom the archive said the token belongs to")


class MastTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=8, max_length=512, pattern=r"^[\x21-\x7e]+$")


@router.get("/token", response_model=MastTokenStatus, summary="Is your MAST API token set?")
async def token_status(user: CurrentUser, tokens: MastTokens) -> MastTokenStatus:
    s = await tokens.status(user.id)
    return MastTokenStatus(set=s.set, set_at=s.set_at, name=s.name)


@router.put(
    "/token",
    response_model=MastTokenStatus,
    summary="Store your MAST API token (checked with the archive, kept encrypted)",
)
async def set_token(
    body: MastTokenIn,
    user: CurrentUser,
    tokens: MastTokens,
    mast: Mast,
    limiter: Limiter,
    settings: SettingsDep,
) -> MastTokenStatus:
    await limiter.hit("archive search", f"u:{user.id}", settings.mast_search_rate_per_minute)
    tokens.require_enabled()
    info = await mast.call("POST", "/internal/token-check", json={"token": body.token})
    if not info.get("valid"):
        raise BadRequest(
            "the archive does not accept this MAST API token: check it, or make a new one in "
            "your MAST account",
            code="invalid_mast_token",
        )
    s = await tokens.store(user.id, body.token, info.get("name"))
    return MastTokenStatus(set=s.set, set_at=s.set_at, name=s.name)


@router.delete(
    "/token",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Forget your MAST API token",
)
async def clear_token(user: CurrentUser, tokens: MastTokens) -> Response:
    await tokens.clear(user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/import",
    response_model=Job,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import observations into your library (a job; watch it on /hubs/jobs)",
)
async def import_observations(
    body: ImportRequest, user: CurrentUser, db: DbDep, settings: SettingsDep
) -> Job:
    await asyncio.to_thread(
        check_reserve, settings.data_dir, settings.min_free_disk_bytes, 0, "import"
    )
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
