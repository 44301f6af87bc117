from __future__ import annotations

from pathlib import Path

import pytest
from astropy.io import fits

from webbscope.demo import MANIFEST_NAME, write_demo_data


def _contents(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a", seed=5, size=48)
    second = write_demo_data(tmp_path / "b", seed=5, size=48)
    assert [p.name for p in first] == [p.name for p in second]
    a, b = _contents(tmp_path / "a"), _contents(tmp_path / "b")
    assert a.keys() == b.keys() and MANIFEST_NAME in a
    for name in a:
        assert a[name] == b[name], name


def test_another_seed_gives_another_sky(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a", seed=5, size=48)
    other = write_demo_data(tmp_path / "b", seed=6, size=48)
    for p, q in zip(first, other, strict=True):
        assert p.name == q.name
        with fits.open(p) as a, fits.open(q) as b:
            assert a[1].data.tobytes() != b[1].data.tobytes(), p.name


def test_no_wall_clock_time_in_headers(tmp_path: Path) -> None:
    paths = write_demo_data(tmp_path, seed=0, size=32)
    for path in paths:
        with fits.open(path) as hdul:
            for hdu in hdul:
                assert hdu.header.comments["CHECKSUM"] == "HDU checksum (webbscope demo)"
                assert hdu.header.get("DATE", "2024-07-12").startswith("2024-07-12")


@pytest.mark.parametrize(("seed", "size"), [(0, 8), (-1, 64)])
def test_bad_arguments(tmp_path: Path, seed: int, size: int) -> None:
    with pytest.raises(ValueError):
        write_demo_data(tmp_path, seed=seed, size=size)
