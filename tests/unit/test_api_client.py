"""The frontend's typed API client is generated from backend's OpenAPI document. The committed
copies (frontend/openapi.json and frontend/src/lib/api/schema.d.ts) must be what the code
describes now: a route or model change without `npm run gen:api` fails here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def _check() -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Node.js 20: see the README)")
    return subprocess.run(
        [node, "scripts/gen-api.mjs", "--check"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_committed_api_client_matches_the_backend() -> None:
    result = _check()
    assert result.returncode == 0, result.stderr + result.stdout
