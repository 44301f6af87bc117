"""The general reprojection path of a mosaic block (inputs with SIP distortion) reads only
the window of the input the block needs, and gives the same values as the whole image."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.support.fits_files import add_sip
from webbscope.demo._tiles import write_mosaic_tiles
from webbscope.imaging._reproject import reproject_image
from webbscope.imaging.mosaic import _combine as combine_mod
from webbscope.imaging.mosaic import inspect_input, plan_mosaic
from webbscope.imaging.mosaic._combine import _block_wcs, input_window, reproject_input
from webbscope.imaging.mosaic._inputs import close_files, open_pixels

SHAPE = (300, 360)


@pytest.fixture(scope="module")
def sip_input(tmp_path_factory: pytest.TempPathFactory) -> Any:
    (path,) = write_mosaic_tiles(
        tmp_path_factory.mktemp("sip"), rows=1, cols=1, shape=SHAPE, seed=5
    )
    add_sip(path, ("SCI", "ERR", "WHT"), scale=2.0)
    item = inspect_input(str(path), "r0", path.name)
    assert item.wcs() is not None and item.wcs().sip is not None  # type: ignore[union-attr]
    return item


def _whole(item: Any, header: str, box: tuple[int, int, int, int]) -> tuple[Any, Any]:
    """The reference: values and weights reprojected from the whole image."""
    y0, y1, x0, x1 = box
    shape = (y1 - y0, x1 - x0)
    data, wmap = open_pixels(item)
    bwcs = _block_wcs(header, x0, y0)
    values = reproject_image(np.asarray(data[...]), item.wcs(), bwcs, shape).data
    weights = reproject_image(np.asarray(wmap[...]), item.wcs(), bwcs, shape).data
    return values, weights


def test_every_block_equals_the_whole_image_result(sip_input: Any) -> None:
    plan = plan_mosaic([sip_input], block=64)
    assert plan.homographies == (None,)  # SIP: the general path
    header = plan.grid.header().tostring()
    try:
        for b in plan.blocks:
            box = (b.y0, b.y1, b.x0, b.x1)
            values, w = reproject_input(sip_input, None, header, box, True)
            ref_v, ref_w = _whole(sip_input, header, box)
            covered = np.isfinite(ref_v) & np.isfinite(ref_w)
            np.testing.assert_array_equal(w > 0, covered & (ref_w > 0))
            np.testing.assert_allclose(values[covered], ref_v[covered], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(w[covered], np.maximum(ref_w[covered], 0), rtol=1e-5)
            assert np.isnan(values[~covered]).all()
        assert any((b.y1 - b.y0) * (b.x1 - b.x0) > 0 for b in plan.blocks)
    finally:
        close_files()


def test_a_small_block_reads_a_small_window(
    sip_input: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_mosaic([sip_input], block=64)
    header = plan.grid.header().tostring()
    middle = max(
        plan.blocks, key=lambda b: -abs(b.y0 - plan.grid.ny // 2) - abs(b.x0 - plan.grid.nx // 2)
    )
    box = (middle.y0, middle.y1, middle.x0, middle.x1)
    seen: list[tuple[int, ...]] = []

    def spy(data: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(tuple(data.shape))
        return reproject_image(data, *args, **kwargs)

    monkeypatch.setattr(combine_mod, "reproject_image", spy)
    try:
        values, _ = reproject_input(sip_input, None, header, box, True)
    finally:
        close_files()
    assert np.isfinite(values).any()
    assert len(seen) == 2  # values and weights
    image_px = SHAPE[0] * SHAPE[1]
    for shape in seen:
        assert shape[0] * shape[1] < image_px / 10, (shape, SHAPE)
        assert shape[0] >= 64 and shape[1] >= 64  # the block's pixels are the same size


def test_window_is_none_for_a_block_off_the_input_and_whole_when_it_encloses_it(
    sip_input: Any,
) -> None:
    plan = plan_mosaic([sip_input], block=64)
    header = plan.grid.header().tostring()
    wcs_in = sip_input.wcs()
    far = _block_wcs(header, plan.grid.nx + 500, plan.grid.ny + 500)
    assert input_window(wcs_in, far, (64, 64), SHAPE) is None
    around = _block_wcs(header, -50, -50)
    shape = (plan.grid.ny + 100, plan.grid.nx + 100)
    assert input_window(wcs_in, around, shape, SHAPE) == (0, SHAPE[0], 0, SHAPE[1])
