"""`webbscope backup create` / `restore` round trip on a real stack, on local storage and on
SeaweedFS: make a library (users, records, tags, thumbnail jobs, sessions), back it up, wipe the
database and the stored files, restore, and check every document, every file's checksum and
every login."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from tests.integration.storage.conftest import S3_ACCESS_KEY, S3_SECRET_KEY, drop_bucket, make_s3
from tests.support.api import ApiUser, new_client, register, sign_in
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually
from webbscope.devstack.seaweed import SeaweedProcess
from webbscope.devstack.wiredb import WireDB, start_wiredb
from webbscope.storage import LocalStorage, S3Storage

pytestmark = pytest.mark.integration

DB_NAME = "webbscope"


@dataclass
class Setup:
    root: Path
    db: WireDB
    env: dict[str, str]
    storage: LocalStorage | S3Storage

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def start(self) -> RunningStack:
        return start_stack(self.data_dir, env=self.env)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "WEBBSCOPE_ENV": "test", "DATA_DIR": str(self.data_dir), **self.env}
        return subprocess.run(
            [sys.executable, "-m", "webbscope", "backup", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(params=["local", "s3"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    db = start_wiredb(tmp_path / "wiredb")
    env = {"MONGODB_URI": db.uri, "MONGODB_DB": DB_NAME}
    storage: LocalStorage | S3Storage
    if request.param == "s3":
        seaweed: SeaweedProcess = request.getfixturevalue("seaweed")
        storage = make_s3(seaweed, f"backup-{uuid.uuid4().hex[:12]}")
        # The bucket keeps the bytes; the backup lists versions (docs/operations.md).
        storage.client.put_bucket_versioning(
            Bucket=storage.bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        env |= {
            "STORAGE_PROVIDER": "s3",
            "S3_ENDPOINT_URL": seaweed.endpoint_url,
            "S3_BUCKET": storage.bucket,
            "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "S3_MULTIPART_THRESHOLD": str(5 * 1024 * 1024),
        }
    else:
        storage = LocalStorage(tmp_path / "data")
    try:
        yield Setup(tmp_path, db, env, storage)
    finally:
        if isinstance(storage, S3Storage):
            _wipe_bucket(storage)
            drop_bucket(storage)
        db.stop()


def _wipe_bucket(storage: S3Storage) -> None:
    """Every version and delete marker (a versioned bucket cannot be dropped otherwise)."""
    client = storage.client
    pages = client.get_paginator("list_object_versions").paginate(Bucket=storage.bucket)
    for page in pages:
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            client.delete_object(Bucket=storage.bucket, Key=v["Key"], VersionId=v["VersionId"])


def _documents(uri: str) -> dict[str, list[dict[str, Any]]]:
    with MongoClient(uri, tz_aware=True) as client:
        db = client[DB_NAME]
        return {
            name: list(db[name].find({}, sort=[("_id", 1)]))
            for name in sorted(db.list_collection_names())
        }


def _library(stack: RunningStack, tmp: Path) -> list[ApiUser]:
    """Two users, four records (uploads), tags, thumbnail jobs; wait until the jobs finish."""
    users = [register(stack.url("backend"), "bk") for _ in range(2)]
    for n, user in enumerate(users):
        for k in range(2):
            data = gradient(120 + 10 * k, 130 + n) + n
            path = write_image(tmp / f"u{n}_{k}_i2d.fits", data, header=sky_header(130 + n, 120))
            assert user.upload(path).status_code == 201
        first = user.get("/api/records").json()["items"][0]["id"]
        assert user.patch(f"/api/records/{first}", json={"tags": ["restore-me"]}).status_code == 200
    for user in users:
        eventually(
            lambda u=user: [j["status"] for j in u.get("/api/jobs").json()["items"]],
            lambda s: len(s) >= 2 and all(x == "succeeded" for x in s),
            120,
        )
    return users


def _state(user: ApiUser) -> dict[str, Any]:
    records = user.get("/api/records").json()["items"]
    files = {}
    for r in records:
        got = user.client.get(
            f"/api/records/{r['id']}/download", headers=user.auth, follow_redirects=True
        )
        assert got.status_code == 200
        files[r["id"]] = hashlib.sha256(got.content).hexdigest()
        assert files[r["id"]] == r["sha256"]  # the stored file is the recorded one
        thumb = user.client.get(
            f"/api/records/{r['id']}/thumbnail", headers=user.auth, follow_redirects=True
        )
        assert thumb.status_code == 200, thumb.text
    jobs = user.get("/api/jobs").json()["items"]
    return {
        "records": sorted(
            (r["id"], r["file_name"], r["sha256"], tuple(r["tags"])) for r in records
        ),
        "files": files,
        "jobs": sorted((j["id"], j["type"], j["status"]) for j in jobs),
    }


def _wipe(setup: Setup) -> None:
    with MongoClient(setup.db.uri) as client:
        client.drop_database(DB_NAME)
    if isinstance(setup.storage, S3Storage):
        for info in list(setup.storage.list()):
            setup.storage.delete(info.key)  # a delete marker over each object
        assert not list(setup.storage.list())
    else:
        shutil.rmtree(setup.data_dir)
        setup.data_dir.mkdir()


def test_backup_wipe_restore_round_trip(setup: Setup, tmp_path: Path) -> None:
    stack = setup.start()
    try:
        users = _library(stack, tmp_path)
        before = [_state(u) for u in users]
    finally:
        stop_stack(stack)
    documents = _documents(setup.db.uri)
    assert {"users", "records", "jobs", "refresh_tokens"} <= set(documents)
    assert len(documents["records"]) == 4

    created = setup.cli("create", "--out", str(tmp_path / "backups"))
    assert created.returncode == 0, created.stderr
    backup = Path(created.stdout.strip().splitlines()[-1])
    assert backup.is_dir() and (backup / "manifest.json").is_file()
    listing = backup / "storage.jsonl.gz"
    assert listing.is_file()
    copied = list((backup / "objects").rglob("*.fits")) if (backup / "objects").exists() else []
    if isinstance(setup.storage, S3Storage):
        assert not copied  # S3: the bucket keeps the bytes; the backup keeps versions
    else:
        assert len(copied) == 4

    _wipe(setup)
    assert _documents(setup.db.uri) == {}

    restored = setup.cli("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    after_docs = _documents(setup.db.uri)
    # Stored pyramids are a cache no backup holds: each restored record's is marked not built
    # and its pyramid job queued (the job queue's collections and the counters change with it).
    assert all(d["pyramid"]["built"] for d in documents["records"])
    assert not any("pyramid" in d for d in after_docs["records"])
    for d in documents["records"]:
        d.pop("pyramid")
    before_jobs = {d["_id"] for d in documents["jobs"]}
    assert [d for d in after_docs["jobs"] if d["_id"] in before_jobs] == documents["jobs"]
    queued = [d for d in after_docs["jobs"] if d["_id"] not in before_jobs]
    assert sorted(d["params"]["record_id"] for d in queued) == sorted(
        str(r["_id"]) for r in documents["records"]
    )
    assert all(d["type"] == "pyramid" and d["status"] == "queued" for d in queued)
    for name, docs in documents.items():
        if name.startswith("job") or name == "counters":
            continue
        assert after_docs.get(name) == docs, f"collection {name} differs after the restore"
    again = setup.cli("restore", str(backup))
    assert again.returncode == 1 and "--replace" in again.stderr  # never over live data silently

    stack = setup.start()
    try:
        # The engine's workers run the queued pyramid jobs.
        eventually(
            lambda: _documents(setup.db.uri)["records"],
            lambda docs: all(d.get("pyramid", {}).get("built") for d in docs),
            120,
        )
        for user, expected in zip(users, before, strict=True):
            fresh = ApiUser(new_client(stack.url("backend")), user.id, user.username,
                            user.email, user.password)  # fmt: skip
            sign_in(fresh)  # the password still works
            eventually(
                lambda u=fresh: [j["status"] for j in u.get("/api/jobs").json()["items"]],
                lambda s, n=len(expected["jobs"]): len(s) > n and all(x == "succeeded" for x in s),
                60,
            )
            state = _state(fresh)
            assert {k: v for k, v in state.items() if k != "jobs"} == {
                k: v for k, v in expected.items() if k != "jobs"
            }
            rebuilt = set(state["jobs"]) - set(expected["jobs"])
            assert set(expected["jobs"]) <= set(state["jobs"])
            assert rebuilt and all(t == "pyramid" and st == "succeeded" for _, t, st in rebuilt)
    finally:
        stop_stack(stack)


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    db = start_wiredb(tmp_path / "wiredb")
    try:
        setup = Setup(tmp_path, db, {"MONGODB_URI": db.uri, "MONGODB_DB": DB_NAME},
                      LocalStorage(tmp_path / "data"))  # fmt: skip
        with MongoClient(db.uri) as client:
            client[DB_NAME]["users"].insert_many([{"username": f"u{n}"} for n in range(3)])
        setup.storage.put_bytes("uploads/u0/a.fits", b"SIMPLE  =" + b" " * 2871)
        created = setup.cli("create", "--out", str(tmp_path / "backups"), "--keep", "1")
        assert created.returncode == 0, created.stderr
        backup = Path(created.stdout.strip().splitlines()[-1])
        users_file = backup / "db" / "users.bson.gz"
        users_file.write_bytes(users_file.read_bytes()[:-8] + b"\0" * 8)
        _wipe(setup)
        result = setup.cli("restore", str(backup))
        assert result.returncode == 1
        assert "users.bson.gz" in result.stderr and "damaged" in result.stderr
        assert _documents(db.uri) == {}  # nothing was restored from a damaged backup
        assert not setup.storage.exists("uploads/u0/a.fits")
    finally:
        db.stop()
