"""`sky_components`: groups of images connected by overlapping sky footprints (what an
automatic mosaic splits an observation's tiles into), from the footprints alone."""

from __future__ import annotations

import math
from pathlib import Path

from astropy.io import fits
from astropy.wcs import WCS

from webbscope.demo._tiles import tile_wcs, write_mosaic_tiles
from webbscope.fits import footprint_from_wcs
from webbscope.imaging.mosaic import inspect_input, plan_mosaic, sky_components

SCALE = 0.063  # arcsec per pixel


def _footprints(paths: list[Path]) -> tuple[list, list[tuple[int, int]]]:
    fps, shapes = [], []
    for p in paths:
        h = fits.getheader(p, "SCI")
        ny, nx = int(h["NAXIS2"]), int(h["NAXIS1"])
        fps.append(footprint_from_wcs(WCS(h), nx, ny))
        shapes.append((ny, nx))
    return fps, shapes


def _shifted(dx_px: float, dy_px: float, ra: float = 150.0, dec: float = 2.0) -> list:
    """The footprint of a 100 x 100 tile moved by (dx, dy) pixels (no rotation)."""
    w = tile_wcs(
        ra - dx_px * SCALE / 3600.0 / math.cos(math.radians(dec)),
        dec + dy_px * SCALE / 3600.0,
        (100, 100),
        SCALE,
        0.0,
    )
    return footprint_from_wcs(w, 100, 100)


def test_overlapping_tiles_form_one_group(tmp_path: Path) -> None:
    paths = write_mosaic_tiles(tmp_path, rows=2, cols=3, shape=(64, 80), seed=1)
    fps, shapes = _footprints(paths)
    assert sky_components(fps, shapes) == [(0, 1, 2, 3, 4, 5)]


def test_separate_patches_are_separate_groups_as_the_plan_finds_them(tmp_path: Path) -> None:
    paths = write_mosaic_tiles(tmp_path, rows=2, cols=4, shape=(64, 80), gap=(0, 2), seed=1)
    fps, shapes = _footprints(paths)
    groups = sky_components(fps, shapes)
    assert groups == [(0, 1, 4, 5), (2, 3, 6, 7)]
    items = [inspect_input(str(p), f"r{i}", p.name) for i, p in enumerate(paths)]
    assert [tuple(g) for g in plan_mosaic(items, allow_groups=True).groups] == groups
    # each group alone is one connected mosaic for the plan
    for g in groups:
        assert len(plan_mosaic([items[i] for i in g]).groups) == 1


def test_a_chain_joins_through_its_middle_tile() -> None:
    fps = [_shifted(0, 0), _shifted(180, 0), _shifted(90, 0)]  # 0 and 1 meet only via 2
    assert sky_components(fps, [(100, 100)] * 3) == [(0, 1, 2)]
    assert sky_components(fps[:2], [(100, 100)] * 2) == [(0,), (1,)]


def test_a_corner_of_a_few_pixels_does_not_join() -> None:
    base = _shifted(0, 0)
    touching = _shifted(98, 98)  # 2 x 2 pixels in common
    meeting = _shifted(90, 90)  # 10 x 10 pixels in common
    assert sky_components([base, touching], [(100, 100)] * 2) == [(0,), (1,)]
    assert sky_components([base, meeting], [(100, 100)] * 2) == [(0, 1)]


def test_across_ra_zero_and_without_a_footprint() -> None:
    east = _shifted(0, 0, ra=0.001)
    west = _shifted(50, 0, ra=0.001)  # RA below 0: its corners near 359.99
    assert any(ra > 359 for ra, _ in west) and any(ra < 1 for ra, _ in east)
    assert sky_components([east, west, None], [(100, 100)] * 3) == [(0, 1), (2,)]
    far = _shifted(0, 0, ra=330.0, dec=-60.0)
    assert sky_components([east, far], [(100, 100)] * 2) == [(0,), (1,)]
