"""The one error shape, checked on a small app with the shared handlers (no servers needed)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from webbscope.errors import NotFound, PayloadTooLarge
from webbscope.services.common.errors import install_error_handlers
from webbscope.services.common.middleware import RequestIdMiddleware


class Body(BaseModel):
    n: int


def make_client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("record 42 not found", details={"id": "42"})

    @app.get("/big")
    async def big() -> None:
        raise PayloadTooLarge("file is 5 GB; the limit is 4 GB", code="file_too_large")

    @app.post("/body")
    async def body(b: Body) -> dict[str, int]:
        return {"n": b.n}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    return TestClient(app, raise_server_exceptions=False)


def test_domain_error_shape() -> None:
    r = make_client().get("/missing")
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": "not_found", "message": "record 42 not found", "details": {"id": "42"}}
    }


def test_custom_code_and_status() -> None:
    r = make_client().get("/big")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "file_too_large"


def test_validation_error_names_the_field() -> None:
    r = make_client().post("/body", json={"n": "many"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert "n" in err["message"]
    assert err["details"][0]["loc"] == ["body", "n"]


def test_unknown_route_and_method_use_the_shape() -> None:
    c = make_client()
    assert c.get("/nowhere").json()["error"]["code"] == "not_found"
    r = c.delete("/missing")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_unexpected_error_hides_internals_and_gives_request_id() -> None:
    r = make_client().get("/boom", headers={"X-Request-ID": "abcdef123456"})
    assert r.status_code == 500
    err = r.json()["error"]
    assert err["code"] == "internal_error"
    assert "secret" not in err["message"]
    assert err["details"]["request_id"] == "abcdef123456"
    assert r.headers["x-request-id"] == "abcdef123456"


def test_unsafe_request_id_is_replaced() -> None:
    r = make_client().get("/missing", headers={"X-Request-ID": "bad id\twith spaces"})
    assert r.headers["x-request-id"] != "bad id\twith spaces"
    assert len(r.headers["x-request-id"]) == 32
