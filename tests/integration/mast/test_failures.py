"""Archive failures become the project's errors: EXECUTING loops, ERROR, 5xx, latency beyond the
timeout, resolver failures; fault rules are scoped and counted."""

from __future__ import annotations

import httpx
import pytest

from webbscope.devstack.mast_server import MastServer
from webbscope.errors import NotFound, UpstreamError, UpstreamTimeout
from webbscope.mast import ArchiveClient

pytestmark = pytest.mark.integration


def test_executing_then_complete(client: ArchiveClient, mast_server: MastServer) -> None:
    mast_server.reset_stats()
    mast_server.add_fault({"services": ["Mast.Caom.Filtered"], "executing": 3})
    page = client.search_program("2732", page_size=500)  # one page: no count query
    assert page.total == len(page.items) > 0
    assert mast_server.stats()["services"]["Mast.Caom.Filtered"] == 4
    assert mast_server.faults()[0]["fired"] == 3


def test_executing_forever_times_out(mast_server: MastServer) -> None:
    """How soon it gives up, against the deadline: bench/archive_bench.py."""
    mast_server.add_fault({"paths": ["/api/v0/invoke"], "executing": 1_000_000_000})
    client = ArchiveClient(mast_server.url, timeout_s=2.0, deadline_s=1.0, cache_ttl_s=0)
    with client as c, pytest.raises(UpstreamTimeout) as caught:
        c.search_program("2731")
    assert caught.value.code == "archive_timeout" and caught.value.status == 504
    assert mast_server.url in caught.value.message


def test_archive_error_status(client: ArchiveClient, mast_server: MastServer) -> None:
    mast_server.add_fault({"paths": ["/api/v0/invoke"], "archive_error": "Mashup: database busy"})
    with pytest.raises(UpstreamError) as caught:
        client.search_observation("jw02731-o001*")
    assert caught.value.code == "archive_error" and caught.value.status == 502
    assert "MAST archive" in caught.value.message and "database busy" in caught.value.message
    assert not caught.value.details["retryable"]


def test_an_unknown_column_is_an_archive_error(client: ArchiveClient) -> None:
    obs = client.observations()
    response = obs._portal_api_connection.service_request_async(
        "Mast.Caom.Filtered",
        {"columns": "*", "filters": [{"paramName": "no_such_column", "values": ["1"]}]},
    )
    assert response[0].json()["status"] == "ERROR"


def test_5xx_and_fail_next_n(client: ArchiveClient, mast_server: MastServer) -> None:
    mast_server.add_fault({"paths": ["/api/v0/invoke"], "status": 503, "count": 2})
    for _ in range(2):
        with pytest.raises(UpstreamError) as caught:
            client.search_program("2732")
        assert caught.value.details["http_status"] == 503 and caught.value.details["retryable"]
    assert client.search_program("2732").total > 0  # the rule expired


def test_failure_rate(mast_server: MastServer) -> None:
    mast_server.add_fault({"paths": ["/_health", "/Santa-war"], "status": 500, "rate": 0.5})
    codes = [
        httpx.get(f"{mast_server.url}/Santa-war/query", params={"name": "M 1"}).status_code
        for _ in range(60)
    ]
    assert 10 <= codes.count(500) <= 50 and codes.count(200) + codes.count(500) == 60


def test_latency_beyond_the_timeout(mast_server: MastServer) -> None:
    mast_server.add_fault({"paths": ["/api/v0/invoke"], "latency_ms": 2500, "count": 1})
    with ArchiveClient(mast_server.url, timeout_s=1.0, cache_ttl_s=0) as c:
        with pytest.raises(UpstreamTimeout) as caught:
            c.search_program("2732")
        assert caught.value.code == "archive_timeout" and caught.value.details["retryable"]
    assert mast_server.faults()[0]["fired"] == 1  # the slow answer, not another fault


def test_latency_within_the_timeout(client: ArchiveClient, mast_server: MastServer) -> None:
    mast_server.add_fault({"paths": ["/api/v0/invoke"], "latency_ms": 300, "count": 1})
    assert client.search_program("2732", page_size=500).total > 0
    assert mast_server.faults()[0]["fired"] == 1  # the slow answer was waited for


def test_resolver_failures(client: ArchiveClient, mast_server: MastServer) -> None:
    with pytest.raises(NotFound) as not_found:
        client.resolve("Not A Known Object")
    assert not_found.value.code == "target_not_resolved"

    mast_server.add_fault({"paths": ["/Santa-war"], "status": 502, "count": 1})
    with pytest.raises(UpstreamError) as broken:
        client.search_target("NGC 3324")
    assert broken.value.code == "archive_error" and broken.value.details["http_status"] == 502

    mast_server.add_fault({"paths": ["/Santa-war"], "latency_ms": 2500, "count": 1})
    slow = ArchiveClient(mast_server.url, timeout_s=1.0, cache_ttl_s=0)
    with slow, pytest.raises(UpstreamTimeout):
        slow.search_target("NGC 3324")


def test_an_unreachable_archive(mast_server: MastServer) -> None:
    from webbscope.devstack.process import free_port

    nowhere = ArchiveClient(f"http://127.0.0.1:{free_port()}", timeout_s=1.0)
    with nowhere, pytest.raises(UpstreamError) as caught:
        nowhere.search_program("2731")
    assert caught.value.details["retryable"]


def test_fault_admin_api(mast_server: MastServer) -> None:
    rule_id = mast_server.add_fault({"paths": ["/x"], "latency_ms": 5, "count": 3})
    assert [r["id"] for r in mast_server.faults()] == [rule_id]
    mast_server.remove_fault(rule_id)
    assert mast_server.faults() == []
    mast_server.set_faults([{"status": 503}, {"latency_ms": 1}])
    assert len(mast_server.faults()) == 2
    bad = httpx.post(f"{mast_server.url}/_faults", json={"status": 200})
    assert bad.status_code == 422
    bad = httpx.post(f"{mast_server.url}/_faults", json={"unknown": 1})
    assert bad.status_code == 422


def test_an_empty_column_configuration_does_not_stick(
    client: ArchiveClient, mast_server: MastServer
) -> None:
    """The archive answers `{}` on a columns-config error; astroquery would keep it for the whole
    process (a class-level cache) and refuse every filter afterwards."""
    from astroquery.mast.discovery_portal import PortalAPI

    configs = PortalAPI._column_configs
    saved = dict(configs)
    configs.pop("Mast.Caom.Filtered", None)
    try:
        mast_server.add_fault(
            {"paths": ["/portal/Mashup/Mashup.asmx/columnsconfig"], "status": 500, "count": 1}
        )
        with pytest.raises(UpstreamError):
            client.search_program("2732")
        configs["Mast.Caom.Filtered"] = {}  # as if the archive had answered {}
        assert client.search_program("2732").total > 0
    finally:
        configs.update(saved)
