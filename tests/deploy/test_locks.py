"""The lock files pin every package with its hashes (issue 12, item 12): install-python.sh
installs them with uv, which then refuses any file whose hash differs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LOCKS = sorted((Path(__file__).resolve().parents[2] / "requirements").glob("*.lock"))
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)")


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_pin_has_hashes(lock: Path) -> None:
    text = lock.read_text()
    assert "--generate-hashes" in text.splitlines()[1]
    entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text)
    pins = [e for e in entries if _PIN.match(e)]
    assert len(pins) > 10
    missing = [_PIN.match(e).group(1) for e in pins if "--hash=sha256:" not in e]  # type: ignore[union-attr]
    assert not missing, missing
