"""One real MAST-protocol server (a child process) for the archive tests of a session.

It fails — never skips — when it cannot start. Fault rules are cleared after every test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webbscope.demo import load_demo_manifest
from webbscope.devstack.mast_server import MastServer, start_mast_server
from webbscope.mast import ArchiveClient

DEMO_SIZE = 64


@pytest.fixture(scope="session")
def mast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MastServer]:
    server = start_mast_server(tmp_path_factory.mktemp("mast-archive"), size=DEMO_SIZE)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clean_faults(mast_server: MastServer) -> Iterator[None]:
    mast_server.clear_faults()
    yield
    mast_server.clear_faults()


@pytest.fixture
def client(mast_server: MastServer) -> Iterator[ArchiveClient]:
    """A client of the test server with its cache off (so each call reaches the server)."""
    with ArchiveClient(mast_server.url, timeout_s=5.0, cache_ttl_s=0) as c:
        yield c


@pytest.fixture(scope="session")
def manifest(mast_server: MastServer) -> dict[str, dict[str, Any]]:
    """The demo products behind the archive, by file name."""
    return {e["file_name"]: e for e in load_demo_manifest(mast_server.data_dir)}


@pytest.fixture(scope="session")
def archive_dir(mast_server: MastServer) -> Path:
    return mast_server.data_dir
