"""A real stack (`webbscope up`: wire-protocol database, backend, engine, mast) shared by the
API tests of a session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import ApiUser, register
from tests.support.stack import RunningStack, start_stack, stop_stack


@pytest.fixture(scope="session")
def api_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(
        tmp_path_factory.mktemp("api-stack"),
        env={
            "MAX_UPLOAD_BYTES": "50000000",
            "MAST_TIMEOUT_S": "4",
            "MAST_SEARCH_RATE_ANON_PER_MINUTE": "10",
            "STAGING_SWEEP_INTERVAL_S": "0.5",
            "MAST_PREVIEW_RATE_PER_MINUTE": "30",
            # Each archive call reaches the test archive (tests change what it answers).
            "MAST_SEARCH_CACHE_TTL_S": "0",
            # Hub connections re-check their token and account every second.
            "HUB_RECHECK_S": "1",
            # The library's reconciliation repairs a lost record event within a second.
            "LIBRARY_RECONCILE_INTERVAL_S": "1",
        },
        offline_archive=True,
    )
    yield stack
    stop_stack(stack)


@pytest.fixture
def alice(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "alice")


@pytest.fixture
def bob(api_stack: RunningStack) -> ApiUser:
    return register(api_stack.url("backend"), "bob")


@pytest.fixture
def admin(api_stack: RunningStack) -> ApiUser:
    user = register(api_stack.url("backend"), "admin", login=False)
    promoted = api_stack.run_admin("promote", user.username)
    assert promoted.returncode == 0, promoted.stderr
    from tests.support.api import sign_in

    sign_in(user)
    return user


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic JWST products (small frames), written once per session."""
    from webbscope.demo import write_demo_data

    out = tmp_path_factory.mktemp("demo")
    write_demo_data(out, seed=0, size=256)
    return out


@pytest.fixture(scope="session")
def i2d(demo_dir: Path) -> Path:
    return demo_dir / "jw02731-o001_t017_nircam_clear-f090w_i2d.fits"
