"""The local MAST-protocol server's rules, in process: filters, cones, paging, byte ranges,
fault decisions, column configurations."""

from __future__ import annotations

from typing import Any

import pytest

from webbscope.devstack.mast_archive._catalog import Archive, ObservationRecord
from webbscope.devstack.mast_archive._columns import column_config
from webbscope.devstack.mast_archive._faults import FaultBook, FaultRule
from webbscope.devstack.mast_archive._files import (
    ByteRange,
    RangeNotSatisfiable,
    parse_range,
)
from webbscope.devstack.mast_archive._query import ServiceError, compile_filter, invoke
from webbscope.devstack.mast_archive._sky import offset, separation_deg


def _row(obs_id: str, ra: float, dec: float, **extra: Any) -> dict[str, Any]:
    return {
        "obs_id": obs_id,
        "obsid": str(abs(hash(obs_id)) % 10**8),
        "s_ra": ra,
        "s_dec": dec,
        "obs_collection": "JWST",
        "filters": "F290LP;G395M",
        "calib_level": 3,
        "t_min": 59733.5,
        **extra,
    }


def _archive(rows: list[dict[str, Any]]) -> Archive:
    return Archive(
        rows=rows,
        observations={r["obsid"]: ObservationRecord(r) for r in rows},
        files={},
        names={},
    )


def _ids(answer: dict[str, Any]) -> list[str]:
    return [r["obs_id"] for r in answer["data"]]


def test_discrete_wildcard_and_separator_filters() -> None:
    rows = [_row("jw1-a", 0, 0), _row("jw2-b", 0, 0, filters="F200W")]
    free = compile_filter({"paramName": "obs_id", "values": [], "freeText": "JW1%"})
    assert free is not None and [free(r) for r in rows] == [True, False]
    part = compile_filter({"paramName": "filters", "values": ["g395m"], "separator": ";"})
    assert part is not None and [part(r) for r in rows] == [True, False]
    either = compile_filter({"paramName": "obs_id", "values": ["jw2-b"], "freeText": "jw1%"})
    assert either is not None and [either(r) for r in rows] == [True, True]
    level = compile_filter({"paramName": "calib_level", "values": ["3"]})
    assert level is not None and level(rows[0])
    assert compile_filter({"paramName": "obs_id", "values": []}) is None
    with pytest.raises(ServiceError, match="Unknown column"):
        compile_filter({"paramName": "nope", "values": ["1"]})


def test_ranges() -> None:
    inside = compile_filter({"paramName": "t_min", "values": [{"min": 59733, "max": 59734}]})
    assert inside is not None and inside(_row("a", 0, 0))
    assert not inside(_row("b", 0, 0, t_min=59735.0)) and not inside(_row("c", 0, 0, t_min=None))
    with pytest.raises(ServiceError):
        compile_filter({"paramName": "t_min", "values": [{"min": "x", "max": 1}]})


def test_a_true_cone_with_distances_and_paging() -> None:
    ra, dec = offset(10.0, 60.0, 0.05, 0.05)  # 0.0707° away: in a 0.06° box, not the cone
    rows = [_row("near", 10.0, 60.01), _row("corner", ra, dec), _row("far", 10.0, 61.0)]
    request = {"service": "Mast.Caom.Cone", "params": {"ra": 10.0, "dec": 60.0, "radius": 0.06}}
    answer = invoke(_archive(rows), request)
    assert _ids(answer) == ["near"]
    assert answer["data"][0]["distance"] == pytest.approx(36.0, abs=1e-6)
    assert {"name": "distance", "type": "float"} in answer["fields"]

    position = {
        "service": "Mast.Caom.Filtered.Position",
        "params": {"columns": "*", "filters": [], "position": "10.0, 60.0, 0.08"},
        "pagesize": 1,
        "page": 2,
    }
    page = invoke(_archive(rows), position)
    assert _ids(page) == ["corner"]
    assert page["paging"] == {
        "page": 2,
        "pageSize": 1,
        "pagesFiltered": 2,
        "rows": 1,
        "rowsFiltered": 2,
        "rowsTotal": 2,
    }


def test_counts_columns_and_errors() -> None:
    archive = _archive([_row("a", 0, 0), _row("b", 1, 1)])
    count = invoke(
        archive,
        {"service": "Mast.Caom.Filtered", "params": {"columns": "COUNT_BIG(*)", "filters": []}},
    )
    assert count["data"] == [{"Column1": 2}]
    some = invoke(archive, {"service": "Mast.Caom.Filtered", "params": {"columns": "obs_id, s_ra"}})
    assert [f["name"] for f in some["fields"]] == ["obs_id", "s_ra"]
    for bad in (
        {"service": "Mast.Nope"},
        {"service": "Mast.Caom.Cone", "params": {}},
        {"service": "Mast.Caom.Products", "params": {"obsid": ""}},
        {"service": "Mast.Caom.Filtered", "params": {"columns": "nope"}},
    ):
        with pytest.raises(ServiceError):
            invoke(archive, bad)


def test_byte_ranges() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == ByteRange(0, 10)
    assert parse_range("bytes=90-", 100) == ByteRange(90, 100)
    assert parse_range("bytes=90-500", 100) == ByteRange(90, 100)
    assert parse_range("bytes=-10", 100) == ByteRange(90, 100)
    assert parse_range("bytes=0-1,5-6", 100) is None  # several ranges: the whole file
    assert parse_range("items=0-1", 100) is None
    for unsatisfiable in ("bytes=100-", "bytes=5-2", "bytes=-0"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(unsatisfiable, 100)


def test_fault_scopes_and_counts() -> None:
    book = FaultBook(
        [
            FaultRule(paths=["/api/v0/invoke"], services=["Mast.Caom.Products"], status=503),
            FaultRule(paths=["/api/v0.1/Download"], drop_after_bytes=10, count=1),
            FaultRule(services=["Mast.Caom.Cone"], executing=2),
        ]
    )
    assert book.decide("invoke", "/api/v0/invoke", "POST", "Mast.Caom.Products").status == 503
    plain = book.decide("invoke", "/api/v0/invoke", "POST", "Mast.Caom.Cone", key="k")
    assert plain.status is None and plain.executing
    assert book.decide("invoke", "/api/v0/invoke", "POST", "Mast.Caom.Cone", key="k").executing
    assert not book.decide("invoke", "/api/v0/invoke", "POST", "Mast.Caom.Cone", key="k").executing
    # drops apply to GET downloads only, and HEADs do not use up the count
    assert book.decide("download", "/api/v0.1/Download/file", "HEAD").drop_after_bytes is None
    assert book.decide("download", "/api/v0.1/Download/file", "GET").drop_after_bytes == 10
    assert book.decide("download", "/api/v0.1/Download/file", "GET").drop_after_bytes is None
    described = book.describe()
    assert [d["fired"] for d in described] == [1, 1, 2]


def test_column_configurations() -> None:
    caom = column_config("Mast.Caom.Cone")
    assert caom["s_ra"]["vot.datatype"] == "double" and caom["filters"]["separator"] == ";"
    assert column_config("Mast.Caom.Products")["size"]["vot.datatype"] == "int"
    assert column_config("Mast.Unknown") == {}


def test_separation_is_exact() -> None:
    assert separation_deg(0, 0, 180, 0) == pytest.approx(180.0)
    assert separation_deg(359.99, 0, 0.01, 0) == pytest.approx(0.02)
    assert separation_deg(10, 89.9, 190, 89.9) == pytest.approx(0.2)


async def test_a_held_request_goes_on_when_its_rule_is_removed() -> None:
    book = FaultBook()
    rule = book.add(FaultRule(paths=["/api/v0.1/Download"], methods=["GET"], hold=True, count=1))
    held = book.decide("download", "/api/v0.1/Download/file", "GET")
    assert len(held.holds) == 1 and not held.holds[0].is_set()
    assert book.decide("download", "/api/v0.1/Download/file", "GET").holds == []  # count spent
    assert book.remove(rule)
    assert held.holds[0].is_set()
