"""The hub orders a job's states by its version, never by timestamp strings."""

from __future__ import annotations

from typing import Any

from webbscope.services.backend.hub import JobHub


def _state(version: int, updated_at: str, status: str) -> dict[str, Any]:
    return {"id": "j1", "version": version, "updated_at": updated_at, "status": status}


def test_a_final_state_a_fraction_of_a_second_later_is_delivered() -> None:
    """`…:00Z` sorts after `…:00.300000Z` as a string: the final state was dropped."""
    hub = JobHub(app=None)  # type: ignore[arg-type]
    assert hub._newest(_state(7, "2026-01-01T00:00:00Z", "running"))
    assert hub._newest(_state(8, "2026-01-01T00:00:00.300000Z", "succeeded"))


def test_a_late_older_state_is_dropped() -> None:
    hub = JobHub(app=None)  # type: ignore[arg-type]
    assert hub._newest(_state(8, "2026-01-01T00:00:00.300000Z", "succeeded"))
    assert not hub._newest(_state(7, "2026-01-01T00:00:00Z", "running"))
    assert hub._newest(_state(8, "2026-01-01T00:00:00.300000Z", "succeeded"))  # a repeat
