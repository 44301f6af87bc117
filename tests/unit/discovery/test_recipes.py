"""The recipe engine and holdings summary on hand-made archive observations."""

from __future__ import annotations

import pytest

from webbscope.discovery import (
    FEATURED,
    best_n,
    group_on_sky,
    hue_colors,
    propose,
    prune,
    skip_reason,
    summarise,
)
from webbscope.jwst import filter_info
from webbscope.mast import ArchiveObservation

RA, DEC = 151.7573, -40.4365
_n = iter(range(10_000))


def obs(
    instrument: str,
    filt: str,
    *,
    ra: float = RA,
    dec: float = DEC,
    level: int = 3,
    kind: str = "image",
    mode: str = "IMAGE",
    rights: str = "PUBLIC",
    target: str = "NGC-3132",
    exposure: float = 1000.0,
) -> ArchiveObservation:
    i = next(_n)
    return ArchiveObservation(
        obs_id=f"jw02733-o{i:03d}_t001_{instrument.lower()}_{filt.lower()}",
        obsid=str(90000 + i),
        target=target,
        instrument=instrument,
        instrument_mode=mode,
        filters=[filt],
        ra=ra,
        dec=dec,
        calib_level=level,
        product_type=kind,
        data_rights=rights,
        exposure_time=exposure,
        intent="science",
    )


def test_featured_targets_are_many_distinct_and_described() -> None:
    assert len(FEATURED) >= 30
    assert len({t.key for t in FEATURED}) == len(FEATURED)
    for t in FEATURED:
        assert 0 <= t.ra < 360 and -90 <= t.dec <= 90
        assert t.category and len(t.description) > 30


def test_unusable_observations_are_skipped_with_a_reason() -> None:
    assert skip_reason(obs("NIRCAM", "F200W", target="BACKGROUND")) == "background or calibration"
    assert (
        skip_reason(obs("NIRSPEC", "G395M", kind="cube", mode="IFU"))
        == "spectroscopy or not an image"
    )
    assert skip_reason(obs("MIRI", "F770W", rights="EXCLUSIVE_ACCESS")) == "exclusive access"
    assert skip_reason(obs("NIRCAM", "F999X")) == "filter without a known wavelength"
    assert skip_reason(obs("NIRCAM", "F200W", level=2)) == "not level 3"
    assert skip_reason(obs("NIRCAM", "F200W")) is None
    h = summarise(
        [
            obs("NIRCAM", "F200W"),
            obs("MIRI", "F770W", rights="EXCLUSIVE_ACCESS"),
            obs("NIRSPEC", "G395M", kind="cube", mode="IFU", level=2),
        ]
    )
    assert h.total == 3 and h.usable == 1 and h.exclusive == 1
    assert h.instruments == {"NIRCAM": 1, "MIRI": 1, "NIRSPEC": 1}
    assert h.levels == {"3": 2, "2": 1} and h.filters["G395M"] == 1
    assert h.skipped == {"exclusive access": 1, "spectroscopy or not an image": 1}


def test_grouping_uses_each_instruments_field_of_view() -> None:
    near = [obs("MIRI", "F770W"), obs("MIRI", "F1130W", ra=RA + 0.005)]
    far = [
        obs("MIRI", "F1800W", ra=RA + 0.1)
    ]  # beyond MIRI's field, within NIRCam's would not matter
    groups = group_on_sky(near + far)
    assert sorted(len(g.members) for g in groups) == [1, 2]


def test_near_duplicates_are_pruned_and_best_n_spans_the_range() -> None:
    names = ["F150W", "F140M", "F200W", "F210M", "F277W", "F356W", "F444W", "F090W"]
    filters = [filter_info(n, "NIRCAM") for n in names]
    kept = prune([f for f in filters if f])
    assert "F140M" not in [f.name for f in kept]  # 1.40 µm beside F150W's 1.50: within 8 %
    assert "F210M" not in [f.name for f in kept]
    picked = best_n(kept, 3)
    assert next(f.name for f in picked) == "F090W" and [f.name for f in picked][-1] == "F444W"
    assert len(picked) == 3
    colors = hue_colors(3)
    assert colors[0] == "#0000ff" and colors[-1] == "#ff0000"


def test_proposals_per_instrument_and_across_instruments() -> None:
    observations = [
        obs("NIRCAM", "F090W"),
        obs("NIRCAM", "F187N"),
        obs("NIRCAM", "F200W"),
        obs("NIRCAM", "F212N"),
        obs("NIRCAM", "F356W"),
        obs("NIRCAM", "F444W"),
        obs("NIRCAM", "F480M"),
        obs("MIRI", "F770W"),
        obs("MIRI", "F1130W"),
        obs("MIRI", "F1800W"),
        obs("NIRSPEC", "G395M", kind="cube", mode="IFU"),
        obs("MIRI", "F2100W", rights="EXCLUSIVE_ACCESS"),
    ]
    proposals = propose(observations, limit=20)
    kinds = {(p.kind, p.instruments) for p in proposals}
    assert ("classic", ("NIRCAM",)) in kinds and ("narrow", ("NIRCAM",)) in kinds
    assert ("broad", ("NIRCAM",)) in kinds and ("all", ("MIRI",)) in kinds
    assert any(p.kind == "cross" and set(p.instruments) == {"NIRCAM", "MIRI"} for p in proposals)
    assert sum(p.recommended for p in proposals) == 1 and proposals[0].recommended
    assert proposals == sorted(proposals, key=lambda p: -p.score)
    for p in proposals:
        assert all(c.filter != "F2100W" for c in p.channels)  # exclusive access
        pivots = [c.pivot_um for c in p.channels]
        assert pivots == sorted(pivots)  # shortest first: blue to red
        assert p.estimate.download_bytes > 0 and p.estimate.seconds > 0 and p.reasons
        assert not p.mosaic
    narrow = next(p for p in proposals if p.kind == "narrow")
    assert {"F187N", "F212N"} <= {c.filter for c in narrow.channels}


def test_many_filters_are_cut_to_the_best_n() -> None:
    names = ["F070W", "F090W", "F115W", "F150W", "F200W", "F277W", "F356W", "F444W"]
    proposals = propose([obs("NIRCAM", n) for n in names], max_channels=4, limit=20)
    everything = next(p for p in proposals if p.kind == "all")
    assert next(c.filter for c in everything.channels) == "F070W"
    assert len(everything.channels) == 4 and everything.channels[-1].filter == "F444W"


def test_several_pointings_of_a_filter_need_a_mosaic() -> None:
    tiles = [obs("NIRCAM", "F200W", ra=RA + d) for d in (0.0, 0.02, 0.04)]
    more = [obs("NIRCAM", "F444W", ra=RA + d) for d in (0.0, 0.02, 0.04)]
    proposals = propose(tiles + more)
    assert proposals and all(p.mosaic for p in proposals)
    assert proposals[0].pointings == 3
    assert any("mosaic" in r for r in proposals[0].reasons)
    single = propose([obs("NIRCAM", "F200W"), obs("NIRCAM", "F444W")])
    assert single[0].estimate.output_pixels < proposals[0].estimate.output_pixels


@pytest.mark.parametrize("count", [0, 1])
def test_too_little_gives_no_proposal(count: int) -> None:
    assert propose([obs("NIRCAM", "F200W")][:count]) == []
