"""The recipe engine: colour composites proposed from what the archive holds.

Usable observations (level-3 public science images in a filter of known wavelength; see
`skip_reason`) are grouped on the sky by each instrument's field of view. For each group it
proposes per-instrument recipes — all filters, classic 3-colour, narrow-band highlight, clean
broad-band — and cross-instrument recipes where a NIRCam and a MIRI group overlap. Many
filters are cut to the best N spread over the wavelength range, with near-duplicate
wavelengths pruned. Each proposal says whether a mosaic is needed, estimates its size and
time, and gives its reasons; the best is marked recommended.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from webbscope.discovery._holdings import band_of, skip_reason
from webbscope.jwst import Filter, filter_info, instrument_info
from webbscope.mast import ArchiveObservation
from webbscope.records.sky import angular_distance_deg

MAX_CHANNELS = 6
#: Two bands closer than this ratio of wavelengths are near-duplicates.
NEAR_DUPLICATE = 1.08
#: Download speed and processing rate assumed for estimates.
DOWNLOAD_BYTES_PER_S = 5e6
PROCESS_PIXELS_PER_S = 1.5e6
BYTES_PER_PIXEL = 4 * 5  # SCI, ERR, WHT, CON, VAR planes of an i2d, float32


@dataclass(frozen=True)
class Channel:
    filter: str
    instrument: str
    pivot_um: float
    width: str
    color: str
    obsids: tuple[str, ...]
    obs_ids: tuple[str, ...]
    exposure_s: float


@dataclass(frozen=True)
class Estimate:
    output_pixels: int
    download_bytes: int
    seconds: float


@dataclass
class Proposal:
    id: str
    title: str
    kind: str
    instruments: tuple[str, ...]
    channels: list[Channel]
    mosaic: bool
    pointings: int
    estimate: Estimate
    score: float
    reasons: list[str] = field(default_factory=list)
    recommended: bool = False
    centre: tuple[float, float] = (0.0, 0.0)


@dataclass
class _Group:
    instrument: str
    ra: float
    dec: float
    members: list[ArchiveObservation] = field(default_factory=list)


def group_on_sky(observations: Sequence[ArchiveObservation]) -> list[_Group]:
    """Observations of one instrument whose centres lie within that instrument's field of
    view of a group's first member belong together (largest exposure first)."""
    groups: list[_Group] = []
    ordered = sorted(observations, key=lambda o: (-(o.exposure_time or 0.0), o.obs_id))
    for obs in ordered:
        if obs.ra is None or obs.dec is None or obs.instrument is None:
            continue
        info = instrument_info(obs.instrument)
        radius = info.field_radius_deg if info else 0.05
        for g in groups:
            if (
                g.instrument == obs.instrument
                and angular_distance_deg(g.ra, g.dec, obs.ra, obs.dec) <= radius
            ):
                g.members.append(obs)
                break
        else:
            groups.append(_Group(obs.instrument, obs.ra, obs.dec, [obs]))
    return groups


def _bands(group_members: Sequence[ArchiveObservation]) -> dict[str, list[ArchiveObservation]]:
    out: dict[str, list[ArchiveObservation]] = {}
    for obs in group_members:
        band = band_of(obs)
        if band:
            out.setdefault(band, []).append(obs)
    return out


def prune(filters: Sequence[Filter]) -> list[Filter]:
    """Drop near-duplicate wavelengths, keeping the wider band of each close pair."""
    rank = {"wide": 0, "extra-wide": 1, "medium": 2, "narrow": 3, "coronagraphic": 4}
    kept: list[Filter] = []
    for f in sorted(filters, key=lambda f: (rank[f.width], f.pivot_um)):
        if all(
            max(f.pivot_um, k.pivot_um) / min(f.pivot_um, k.pivot_um) >= NEAR_DUPLICATE
            for k in kept
        ):
            kept.append(f)
    return sorted(kept, key=lambda f: f.pivot_um)


def best_n(filters: Sequence[Filter], n: int) -> list[Filter]:
    """`n` filters spread over the range: the ends, then those nearest evenly spaced points
    in log wavelength."""
    ordered = sorted(filters, key=lambda f: f.pivot_um)
    if len(ordered) <= n:
        return ordered
    if n <= 1:
        return ordered[len(ordered) // 2 : len(ordered) // 2 + max(n, 0)]
    lo, hi = math.log(ordered[0].pivot_um), math.log(ordered[-1].pivot_um)
    chosen: list[Filter] = []
    for i in range(n):
        target = lo + (hi - lo) * i / (n - 1)
        pick = min(
            (f for f in ordered if f not in chosen),
            key=lambda f: abs(math.log(f.pivot_um) - target),
        )
        chosen.append(pick)
    return sorted(chosen, key=lambda f: f.pivot_um)


def hue_colors(n: int) -> list[str]:
    """Chromatic order: the shortest wavelength blue, the longest red."""
    if n == 1:
        return ["#ffffff"]
    out = []
    for i in range(n):
        hue = 240.0 * (1 - i / (n - 1))
        out.append(_hsv_hex(hue))
    return out


def _hsv_hex(hue: float) -> str:
    c, h = 1.0, hue / 60.0
    x = c * (1 - abs(h % 2 - 1))
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(h) % 6]
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * v) for v in (r, g, b)))


def _pointings(members: Sequence[ArchiveObservation], radius: float) -> int:
    centres: list[tuple[float, float]] = []
    for o in members:
        assert o.ra is not None and o.dec is not None
        if all(angular_distance_deg(o.ra, o.dec, a, b) > 0.2 * radius for a, b in centres):
            centres.append((o.ra, o.dec))
    return len(centres)


def _estimate(
    channels: Sequence[Channel], instruments: Sequence[str], mosaic_pointings: int
) -> Estimate:
    infos = [instrument_info(i) for i in instruments]
    fine = min(i.pixel_scale_arcsec for i in infos if i)
    wide = max(i.field_arcmin[0] * i.field_arcmin[1] for i in infos if i)
    out_pixels = int(wide * 3600 / fine**2 * max(1, mosaic_pointings) ** 0.8)
    download = 0
    for ch in channels:
        info = instrument_info(ch.instrument)
        if info:
            own = info.field_arcmin[0] * info.field_arcmin[1] * 3600 / info.pixel_scale_arcsec**2
            download += int(own * BYTES_PER_PIXEL * len(ch.obsids))
    seconds = download / DOWNLOAD_BYTES_PER_S + out_pixels * len(channels) / PROCESS_PIXELS_PER_S
    return Estimate(out_pixels, download, round(seconds, 1))


def _channels(
    picked: Sequence[Filter], bands: dict[str, list[ArchiveObservation]]
) -> list[Channel]:
    colors = hue_colors(len(picked))
    out = []
    for f, color in zip(picked, colors, strict=True):
        obs = bands[f.name]
        out.append(
            Channel(
                filter=f.name,
                instrument=f.instrument,
                pivot_um=f.pivot_um,
                width=f.width,
                color=color,
                obsids=tuple(o.obsid for o in obs),
                obs_ids=tuple(o.obs_id for o in obs),
                exposure_s=round(sum(o.exposure_time or 0.0 for o in obs), 1),
            )
        )
    return out


def _proposal(
    kind: str,
    title: str,
    picked: Sequence[Filter],
    bands: dict[str, list[ArchiveObservation]],
    members: Sequence[ArchiveObservation],
    centre: tuple[float, float],
) -> Proposal:
    channels = _channels(picked, bands)
    instruments = tuple(dict.fromkeys(c.instrument for c in channels))
    infos = [info for i in instruments if (info := instrument_info(i)) is not None]
    radius = min((info.field_radius_deg for info in infos), default=0.05)
    used = [o for c in channels for o in members if o.obsid in c.obsids]
    pointings = _pointings(used, radius) if used else 1
    mosaic = any(len(c.obsids) > 1 for c in channels) and pointings > 1
    estimate = _estimate(channels, instruments, pointings if mosaic else 1)
    span = channels[-1].pivot_um / channels[0].pivot_um if len(channels) > 1 else 1.0
    exposure = sum(c.exposure_s for c in channels)
    score = (
        1.0 * min(len(channels), 3) / 3
        + 0.6 * min(1.0, math.log(span) / math.log(5.0))
        + 0.3 * min(1.0, exposure / 20_000)
        + (0.25 if len(instruments) > 1 else 0.0)
        - (0.2 if mosaic else 0.0)
        - 0.05 * max(0, len(channels) - 4)
    )
    reasons = [
        f"{len(channels)} filters from {channels[0].pivot_um:.2f} to {channels[-1].pivot_um:.2f} µm"
        if len(channels) > 1
        else f"one filter at {channels[0].pivot_um:.2f} µm",
        f"{exposure / 3600:.1f} h of exposure in all",
        "a mosaic of several pointings is needed" if mosaic else "one pointing: no mosaic needed",
    ]
    if len(instruments) > 1:
        reasons.append("NIRCam and MIRI cover the same field: stars and dust together")
    key = "|".join(
        [
            kind,
            *[f"{c.instrument}:{c.filter}" for c in channels],
            f"{centre[0]:.3f},{centre[1]:.3f}",
        ]
    )
    return Proposal(
        id=hashlib.sha256(key.encode()).hexdigest()[:12],
        title=title,
        kind=kind,
        instruments=instruments,
        channels=channels,
        mosaic=mosaic,
        pointings=pointings,
        estimate=estimate,
        score=round(score, 4),
        reasons=reasons,
        centre=centre,
    )


def _filters(bands: dict[str, list[ArchiveObservation]], instrument: str) -> list[Filter]:
    out = []
    for name in bands:
        f = filter_info(name, instrument)
        if f is not None:
            out.append(f)
    return out


def _per_instrument(group: _Group, max_channels: int) -> list[Proposal]:
    bands = _bands(group.members)
    filters = _filters(bands, group.instrument)
    info = instrument_info(group.instrument)
    label = info.label if info else group.instrument
    centre = (group.ra, group.dec)
    out: list[Proposal] = []
    pruned = prune(filters)
    if len(pruned) >= 2:
        picked = best_n(pruned, max_channels)
        out.append(
            _proposal(
                "all", f"{label}: all filters ({len(picked)})", picked, bands, group.members, centre
            )
        )
    broad = [f for f in pruned if f.width in ("wide", "extra-wide")]
    if len(pruned) >= 3:
        three = best_n(broad if len(broad) >= 3 else pruned, 3)
        out.append(
            _proposal("classic", f"{label}: classic 3-colour", three, bands, group.members, centre)
        )
    narrow = [f for f in filters if f.width == "narrow"]
    if narrow and len(filters) >= 2:
        continuum = [f for f in broad if f not in narrow]
        picked = sorted(best_n(narrow, max_channels - 1) + continuum[:1], key=lambda f: f.pivot_um)
        if len(picked) >= 2:
            out.append(
                _proposal(
                    "narrow",
                    f"{label}: narrow-band highlight",
                    picked,
                    bands,
                    group.members,
                    centre,
                )
            )
    if len(broad) >= 2 and len(broad) != len(pruned):
        picked = best_n(broad, max_channels)
        out.append(
            _proposal("broad", f"{label}: clean broad-band", picked, bands, group.members, centre)
        )
    return out


def _cross(nircam: _Group, miri: _Group) -> Proposal | None:
    n_bands, m_bands = _bands(nircam.members), _bands(miri.members)
    n_f = prune(_filters(n_bands, "NIRCAM"))
    m_f = prune(_filters(m_bands, "MIRI"))
    if not n_f or not m_f:
        return None
    picked = best_n(n_f, 2) + best_n(m_f, 2 if len(n_f) >= 2 else 1)
    bands = {**n_bands, **m_bands}
    centre = (nircam.ra, nircam.dec)
    return _proposal(
        "cross",
        "NIRCam + MIRI: stars and dust",
        picked,
        bands,
        nircam.members + miri.members,
        centre,
    )


def propose(
    observations: Sequence[ArchiveObservation], *, max_channels: int = MAX_CHANNELS, limit: int = 8
) -> list[Proposal]:
    """Ranked proposals (best first, the first marked recommended)."""
    usable = [o for o in observations if skip_reason(o) is None]
    groups = group_on_sky(usable)
    proposals: list[Proposal] = []
    for g in groups:
        proposals += _per_instrument(g, max_channels)
    nircams = [g for g in groups if g.instrument == "NIRCAM"]
    miris = [g for g in groups if g.instrument == "MIRI"]
    for n in nircams:
        for m in miris:
            reach = instrument_info("NIRCAM").field_radius_deg  # type: ignore[union-attr]
            if angular_distance_deg(n.ra, n.dec, m.ra, m.dec) <= reach:
                cross = _cross(n, m)
                if cross is not None:
                    proposals.append(cross)
    unique: dict[str, Proposal] = {}
    for p in proposals:
        key = str((tuple((c.instrument, c.filter) for c in p.channels), p.centre))
        if key not in unique or unique[key].score < p.score:
            unique[key] = p
    ranked = sorted(unique.values(), key=lambda p: (-p.score, p.id))[:limit]
    if ranked:
        ranked[0].recommended = True
        ranked[0].reasons.insert(0, "recommended: the widest wavelength range for the effort")
    return ranked
