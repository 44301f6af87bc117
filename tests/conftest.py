"""Fixtures shared by every suite. Real servers fail loudly when they cannot start: an
integration test is never silently skipped."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

# astropy and astroquery must write nothing into the home directory.
_XDG = Path(os.environ.get("PYTEST_XDG_DIR", "/tmp/webbscope-test-xdg"))
for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
    (_XDG / sub / "astropy").mkdir(parents=True, exist_ok=True)
    os.environ[var] = str(_XDG / sub)
os.environ.setdefault("WEBBSCOPE_ENV", "test")

from webbscope.db import Database  # noqa: E402
from webbscope.devstack.wiredb import WireDB, start_wiredb  # noqa: E402


@pytest.fixture(scope="session")
def wiredb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WireDB]:
    """One real wire-protocol database server for the session."""
    server = start_wiredb(tmp_path_factory.mktemp("wiredb"))
    yield server
    server.stop()


@pytest.fixture
async def database(wiredb: WireDB, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A fresh, uniquely named database on the session server, dropped afterwards."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:40]
    db = Database(wiredb.uri, name)
    await db.client.drop_database(name)
    yield db
    await db.client.drop_database(name)
    await db.close()
