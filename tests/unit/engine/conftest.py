from __future__ import annotations

from pathlib import Path

import pytest

from webbscope.demo import write_demo_data


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("engine-demo")
    write_demo_data(out, seed=3, size=160)
    return out


@pytest.fixture(scope="session")
def i2d(demo: Path) -> Path:
    return next(demo.glob("*f090w_i2d.fits"))


@pytest.fixture(scope="session")
def s3d(demo: Path) -> Path:
    return next(demo.glob("*_s3d.fits"))


@pytest.fixture(scope="session")
def x1d(demo: Path) -> Path:
    return next(demo.glob("*_x1d.fits"))
