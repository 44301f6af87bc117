"""Parsing the render routes' query parameters."""

from __future__ import annotations

import pytest

from webbscope.errors import BadRequest
from webbscope.imaging import COLORMAPS, STRETCHES, Interval
from webbscope.services.engine.params import (
    Plane,
    check_ext,
    check_sha,
    etag_matches,
    parse_bool,
    parse_interval,
    render_params,
    tile_etag,
    tile_format,
)

SHA = "a" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("minmax", Interval.minmax()),
        ("zscale", Interval.zscale()),
        ("99", Interval.percentile(99)),
        ("99.5", Interval.percentile(99.5)),
        ("99.9", Interval.percentile(99.9)),
        ("95%", Interval.percentile(95)),
        ("percentile", Interval.percentile(99.5)),
        (" MinMax ", Interval.minmax()),
    ],
)
def test_interval_presets(text: str, expected: Interval) -> None:
    assert parse_interval(text) == expected


def test_custom_and_manual_intervals() -> None:
    assert parse_interval("percentile", lower=1, upper=98) == Interval.asymmetric(1, 98)
    assert parse_interval("percentile", lower=2) == Interval.asymmetric(2, 100)
    assert parse_interval("manual", vmin=-1, vmax=5) == Interval.manual(-1, 5)
    assert parse_interval("manual", vmin=3) == Interval.manual(3, None)


@pytest.mark.parametrize(
    ("text", "kw"),
    [
        ("sometimes", {}),
        ("nan", {}),
        ("0", {}),
        ("101", {}),
        ("manual", {"vmin": 5, "vmax": 5}),
        ("percentile", {"lower": 60, "upper": 40}),
    ],
)
def test_bad_intervals_are_400(text: str, kw: dict[str, float]) -> None:
    with pytest.raises(BadRequest) as info:
        parse_interval(text, **kw)
    assert info.value.status == 400
    assert info.value.code == "invalid_interval"


@pytest.mark.parametrize("stretch", STRETCHES)
@pytest.mark.parametrize("cmap", COLORMAPS)
def test_every_stretch_and_colour_map_is_accepted(stretch: str, cmap: str) -> None:
    params = render_params(stretch=stretch, cmap=cmap, invert="1", nan="#ff000080")
    assert params.stretch == stretch and params.cmap == cmap
    assert params.invert is True
    assert params.nan_colour == (255, 0, 0, 128)


def test_defaults_match_the_viewer() -> None:
    params = render_params()
    assert params.stretch == "asinh" and params.cmap == "gray"
    assert params.interval == Interval.percentile(99.5)
    assert params.nan_colour == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"stretch": "wavy"}, "invalid_render_params"),
        ({"cmap": "rainbow"}, "invalid_render_params"),
        ({"gamma": 0.0}, "invalid_render_params"),
        ({"contrast": float("inf")}, "invalid_render_params"),
        ({"a": -1.0, "stretch": "log"}, "invalid_render_params"),
        ({"nan": "red"}, "invalid_colour"),
        ({"invert": "maybe"}, "invalid_boolean"),
    ],
)
def test_bad_render_parameters_are_400(kw: dict[str, object], code: str) -> None:
    with pytest.raises(BadRequest) as info:
        render_params(**kw)  # type: ignore[arg-type]
    assert info.value.code == code


def test_booleans() -> None:
    assert parse_bool("true") and parse_bool("1") and parse_bool(True)
    assert not parse_bool("0") and not parse_bool("off") and not parse_bool(None)


def test_tile_formats() -> None:
    assert tile_format("jpg") == "jpeg"
    assert tile_format("PNG") == "png"
    assert tile_format("f16") == "f16"
    for bad in ("tiff", "gif"):
        with pytest.raises(BadRequest):
            tile_format(bad)


def test_identities() -> None:
    assert check_sha(SHA) == SHA
    with pytest.raises(BadRequest):
        check_sha("../etc")
    assert check_ext("SCI") == "SCI" and check_ext("SCI,2") == "SCI,2" and check_ext("3") == "3"
    # Extension names are any printable text (never a path: files are found by index or name).
    for name in ("raw/sci", "SCI/../x", "WFC [chip 1]", "a,b", "50%"):
        assert check_ext(name) == name
    for bad in ("", "   ", "tab\there", "é", "x" * 71):
        with pytest.raises(BadRequest):
            check_ext(bad)


def test_tile_etags_are_stable_and_name_everything_that_matters() -> None:
    params = render_params()
    plane = Plane("SCI", 0)
    etag = tile_etag(SHA, plane, "png", params, 2, 1, 0)
    assert etag.startswith('"') and etag.endswith('"')
    assert etag == tile_etag(SHA, plane, "png", render_params(), 2, 1, 0)
    others = {
        tile_etag("b" * 64, plane, "png", params, 2, 1, 0),
        tile_etag(SHA, Plane("SCI", 1), "png", params, 2, 1, 0),
        tile_etag(SHA, plane, "jpeg", params, 2, 1, 0),
        tile_etag(SHA, plane, "png", render_params(cmap="viridis"), 2, 1, 0),
        tile_etag(SHA, plane, "png", params, 3, 1, 0),
        tile_etag(SHA, plane, "png", params, 2, 0, 1),
    }
    assert etag not in others and len(others) == 6
    # f16 tiles are raw values: the rendering does not change them.
    assert tile_etag(SHA, plane, "f16", params, 0, 0, 0) == tile_etag(
        SHA, plane, "f16", render_params(stretch="log"), 0, 0, 0
    )


def test_if_none_match() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('"x", "abc"', '"abc"')
    assert etag_matches('W/"abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abd"', '"abc"')
    assert not etag_matches(None, '"abc"')
