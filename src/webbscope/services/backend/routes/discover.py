"""`/api/discover`: featured JWST targets, what the archive holds for each (asked of the mast
service, remembered for a few minutes and shared by every caller), composite proposals from
the recipe engine, and the plan of a guided create: which of a proposal's observations are in
the caller's library already and which must be imported (the import itself is
`POST /api/mast/import`, a job), and whether the composite can be built from the records."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from webbscope.caches import TTLCache
from webbscope.discovery import FEATURED, TARGETS, FeaturedTarget, propose, skip_reason, summarise
from webbscope.errors import NotFound
from webbscope.mast import ArchiveObservation, SearchPage
from webbscope.services.backend.archive_links import preview_link
from webbscope.services.backend.deps import CurrentUser, Library
from webbscope.services.common.client import ServiceClient

router = APIRouter(prefix="/api/discover", tags=["discover"])

HOLDINGS_TTL_S = 600.0
MAX_PAGES = 4
PAGE_SIZE = 500


class TargetOut(BaseModel):
    key: str
    name: str
    aliases: list[str]
    ra: float
    dec: float
    category: str
    description: str
    radius_deg: float

    @classmethod
    def of(cls, t: FeaturedTarget) -> TargetOut:
        return cls(**{**asdict(t), "aliases": list(t.aliases)})


class HoldingsOut(BaseModel):
    total: int
    instruments: dict[str, int]
    filters: dict[str, int]
    levels: dict[str, int]
    kinds: dict[str, int]
    exclusive: int
    usable: int
    skipped: dict[str, int]
    truncated: bool = Field(False, description="more observations than were read")


class ChannelOut(BaseModel):
    filter: str
    instrument: str
    pivot_um: float
    width: str
    color: str
    obsids: list[str]
    obs_ids: list[str]
    exposure_s: float


class EstimateOut(BaseModel):
    output_pixels: int
    download_bytes: int
    seconds: float


class ProposalOut(BaseModel):
    id: str
    title: str
    kind: str
    instruments: list[str]
    channels: list[ChannelOut]
    mosaic: bool
    pointings: int
    estimate: EstimateOut
    score: float
    reasons: list[str]
    recommended: bool


class TargetDetail(BaseModel):
    target: TargetOut
    holdings: HoldingsOut
    proposals: list[ProposalOut]
    preview_url: str | None = Field(
        None, description="an archive preview, through /api/mast/preview"
    )


class PlanRequest(BaseModel):
    proposal_id: str = Field(max_length=40)


class PlanChannel(BaseModel):
    channel: ChannelOut
    record_ids: list[str] = Field(description="the caller's records of this channel")
    missing_obsids: list[str]


class PlanOut(BaseModel):
    proposal: ProposalOut
    channels: list[PlanChannel]
    missing_obsids: list[str] = Field(description="import these (POST /api/mast/import)")
    ready: bool = Field(description="every channel is in the library")
    composite_available: bool = Field(
        False,
        description=(
            "every channel has records in the library: the composite can be built from them"
            " (`POST /api/composites`, or the builder at `/composites/new?records=...`)"
        ),
    )


def _mast(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.mast
    return client


def _cache(request: Request) -> TTLCache[str, tuple[list[ArchiveObservation], bool]]:
    cache = getattr(request.app.state, "discover_cache", None)
    if cache is None:
        cache = TTLCache(HOLDINGS_TTL_S, 256)
        request.app.state.discover_cache = cache
        request.app.state.discover_gate = asyncio.Semaphore(4)
    return cache


async def _observations(
    request: Request, target: FeaturedTarget
) -> tuple[list[ArchiveObservation], bool]:
    cache = _cache(request)
    hit = cache.get(target.key)
    if hit is not None:
        return hit
    items: list[ArchiveObservation] = []
    truncated = False
    async with request.app.state.discover_gate:
        for page in range(1, MAX_PAGES + 1):
            data = await _mast(request).call(
                "POST",
                "/internal/search",
                json={
                    "mode": "coordinates",
                    "ra": target.ra,
                    "dec": target.dec,
                    "radius_deg": target.radius_deg,
                    "page": page,
                    "page_size": PAGE_SIZE,
                },
            )
            result = SearchPage.model_validate(data)
            items += result.items
            if not result.has_more:
                break
        else:
            truncated = True
    cache.set(target.key, (items, truncated))
    return items, truncated


async def _target(key: str) -> FeaturedTarget:
    target = TARGETS.get(key)
    if target is None:
        raise NotFound(f"no featured target {key!r}", code="target_not_found")
    return target


Target = Annotated[FeaturedTarget, Depends(_target)]


def _proposal_out(p: Any) -> ProposalOut:
    data = asdict(p)
    data.pop("centre", None)
    return ProposalOut.model_validate(data)


@router.get("/targets", response_model=list[TargetOut], summary="Featured JWST targets")
async def targets(_user: CurrentUser) -> list[TargetOut]:
    return [TargetOut.of(t) for t in FEATURED]


@router.get(
    "/targets/{key}",
    response_model=TargetDetail,
    summary="A featured target: the archive's holdings and proposed composites",
)
async def target_detail(request: Request, target: Target, _user: CurrentUser) -> TargetDetail:
    observations, truncated = await _observations(request, target)
    holdings = summarise(observations)
    shown = next(
        (o for o in observations if o.preview_url and skip_reason(o) is None),
        next((o for o in observations if o.preview_url), None),
    )
    return TargetDetail(
        target=TargetOut.of(target),
        holdings=HoldingsOut(**asdict(holdings), truncated=truncated),
        proposals=[_proposal_out(p) for p in propose(observations)],
        preview_url=preview_link(shown.obsid, shown.preview_url) if shown else None,
    )


@router.post(
    "/targets/{key}/plan",
    response_model=PlanOut,
    summary="What a guided create needs: the proposal's records you have and what to import",
)
async def plan(
    request: Request, target: Target, body: PlanRequest, user: CurrentUser, library: Library
) -> PlanOut:
    observations, _ = await _observations(request, target)
    proposal = next((p for p in propose(observations) if p.id == body.proposal_id), None)
    if proposal is None:
        raise NotFound(
            "no such proposal for this target (the archive may have changed)",
            code="proposal_not_found",
        )
    mine: dict[str, list[str]] = {}
    for entry in await library.owned(user.id, "i2d"):
        meta = entry["body"].get("metadata") or {}
        if meta.get("obs_id"):
            mine.setdefault(str(meta["obs_id"]), []).append(entry["_id"])
    out = _proposal_out(proposal)
    channels: list[PlanChannel] = []
    missing: list[str] = []
    for ch in out.channels:
        records = [rid for obs_id in ch.obs_ids for rid in mine.get(obs_id, [])]
        lacking = [o for o, obs_id in zip(ch.obsids, ch.obs_ids, strict=True) if obs_id not in mine]
        channels.append(PlanChannel(channel=ch, record_ids=records, missing_obsids=lacking))
        missing += lacking
    ready = not missing
    return PlanOut(
        proposal=out,
        channels=channels,
        missing_obsids=list(dict.fromkeys(missing)),
        ready=ready,
        composite_available=ready and bool(channels) and all(c.record_ids for c in channels),
    )
