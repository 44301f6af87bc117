from __future__ import annotations

from pathlib import Path

import pytest

from webbscope.demo import write_demo_data

DEMO_SIZE = 256  # test_demo_products.py relies on it


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_data(tmp_path_factory.mktemp("demo"), seed=0, size=DEMO_SIZE)


@pytest.fixture(scope="session")
def demo_dir(demo_files: list[Path]) -> Path:
    return demo_files[0].parent
