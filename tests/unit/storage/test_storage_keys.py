"""validate_key / validate_prefix: the one place that decides what a storage key is."""

from __future__ import annotations

import pytest

from webbscope.errors import BadRequest
from webbscope.storage import LAYOUT_PREFIXES, MAX_KEY_LENGTH, validate_key, validate_prefix
from webbscope.storage.base import validate_range


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "mast/jw02733/jw02733-o001_t001_nircam_clear-f090w_i2d.fits",
        "composites/6650e0c1b2/render.v2.png",
        "tiles/abc/3/1_2.png",
        "model-cache/all-MiniLM-L6-v2/config.json",
        "uploads/user@example/F150W2+F164N=x.fits",
        "a/.hidden",
        "...",
        "a/..b/c..",
        "/".join(["s" * 255] * 3 + ["s" * 254, "s"]),  # exactly MAX_KEY_LENGTH bytes
    ],
)
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "empty"),
        ("/abs", "absolute"),
        ("/", "absolute"),
        ("a//b", "empty segments"),
        ("a/", "end with"),
        ("../x", "'..'"),
        ("a/../b", "'..'"),
        ("..", "'..'"),
        (".", "'.'"),
        ("a/./b", "'.'"),
        ("a\\b", "backslash"),
        ("..\\x", "backslash"),
        ("a\x00b", "control"),
        ("a\nb", "control"),
        ("a\tb", "control"),
        ("a\x1fb", "control"),
        ("a\x7fb", "control"),
        ("a b", "' '"),
        ("a:b", "':'"),
        ("a?b", "'?'"),
        ("a*b", "'*'"),
        ("a%2e", "'%'"),
        ("ünïcode", "'ïü'"),
        ("a" * (MAX_KEY_LENGTH + 1), "longer than 1024"),
        ("s" * 256, "longer than 255"),
        (".tmp/put-1.part", "reserved"),
        (".tmp", "reserved"),
    ],
)
def test_invalid_keys(key: str, problem: str) -> None:
    with pytest.raises(BadRequest) as info:
        validate_key(key)
    err = info.value
    assert err.code == "invalid_storage_key"
    assert err.status == 400
    assert problem in err.message
    assert err.details["key"] == key
    assert err.to_dict()["error"]["code"] == "invalid_storage_key"


def test_longest_key_is_accepted() -> None:
    key = "/".join(["s" * 255] * 3 + ["s" * 254, "s"])
    assert len(key) == MAX_KEY_LENGTH
    validate_key(key)
    with pytest.raises(BadRequest):
        validate_key(key + "s")


def test_non_string_key() -> None:
    with pytest.raises(BadRequest) as info:
        validate_key(b"mast/x")  # type: ignore[arg-type]
    assert info.value.code == "invalid_storage_key"


def test_reserved_name_is_only_reserved_at_the_top() -> None:
    assert validate_key("mast/.tmp/x") == "mast/.tmp/x"


@pytest.mark.parametrize("prefix", ["", "mast/", "mast/jw0", "tiles/ab/c/", *LAYOUT_PREFIXES])
def test_valid_prefixes(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "//", "../", "a//", "/mast/", "a\\", ".tmp/", "a b/"])
def test_invalid_prefixes(prefix: str) -> None:
    with pytest.raises(BadRequest) as info:
        validate_prefix(prefix)
    assert info.value.code == "invalid_storage_key"


def test_layout_prefixes() -> None:
    assert set(LAYOUT_PREFIXES) == {
        "mast/", "composites/", "mosaics/", "semantic/", "model-cache/",
        "uploads/", "thumbnails/", "tiles/", "catalogues/",
    }  # fmt: skip
    for prefix in LAYOUT_PREFIXES:
        validate_key(prefix.rstrip("/"))


@pytest.mark.parametrize(("start", "end"), [(0, None), (0, 0), (5, 10), (10**12, None)])
def test_valid_ranges(start: int, end: int | None) -> None:
    validate_range(start, end)


@pytest.mark.parametrize(("start", "end"), [(-1, None), (5, 4), (0, -1)])
def test_invalid_ranges(start: int, end: int | None) -> None:
    with pytest.raises(BadRequest) as info:
        validate_range(start, end)
    assert info.value.code == "invalid_range"
