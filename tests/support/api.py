"""A small client for the backend API as a user (or anonymous) sees it."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from tests.support.wait import eventually

_addresses = itertools.count(1)
PASSWORD = "correct horse battery staple"


def fresh_address() -> str:
    """A distinct client address (sent as X-Forwarded-For, trusted from loopback), so per-address
    rate limits of one test do not affect another."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@dataclass
class ApiUser:
    client: httpx.Client
    id: str
    username: str
    email: str
    password: str
    token: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.patch(path, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.delete(path, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def on(self, base_url: str) -> ApiUser:
        """The same signed-in account, talking to another server (another backend replica)."""
        return replace(self, client=new_client(base_url))

    def listed(self, **params: Any) -> set[str]:
        """Ids of the records `GET /api/records` lists (archived too, up to 200)."""
        r = self.get("/api/records", params={"archived": "any", "limit": 200, **params})
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    def upload(self, *paths: Path, name: str | None = None) -> httpx.Response:
        files = [("files", (name or p.name, p.read_bytes(), "application/fits")) for p in paths]
        return self.post("/api/records", files=files)


def new_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=60, headers={"X-Forwarded-For": fresh_address()})


def register(base_url: str, prefix: str = "user", login: bool = True) -> ApiUser:
    client = new_client(base_url)
    username = f"{prefix}{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.org"
    r = client.post(
        "/api/auth/register",
        json={"username": username, "email": email, "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    user = ApiUser(client, r.json()["id"], username, email, PASSWORD)
    if login:
        sign_in(user)
    return user


def sign_in(user: ApiUser) -> None:
    r = user.client.post(
        "/api/auth/login", json={"username": user.username, "password": user.password}
    )
    assert r.status_code == 200, r.text
    user.token = r.json()["access_token"]


FINAL = ("succeeded", "failed", "cancelled")


def wait_job(user: ApiUser, job_id: str, final: bool = True, timeout: float = 30) -> dict[str, Any]:
    """The job as `GET /api/jobs/{id}` shows it once it has finished (or, `final=False`, at
    once)."""
    job: dict[str, Any] = eventually(
        lambda: user.get(f"/api/jobs/{job_id}").json(),
        lambda j: not final or j["status"] in FINAL,
        timeout=timeout,
        every=0.1,
    )
    return job
