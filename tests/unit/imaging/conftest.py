from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.imaging.helpers import DEMO_SIZE
from webbscope.demo import write_demo_data


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("imaging-demo")
    write_demo_data(out, seed=1, size=DEMO_SIZE)
    return out


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260601)
