"""Rebuilding the semantic index, with the real model on the real stack.

- `webbscope semantic rebuild --batch-size 2`, run as an operator runs it against a stack whose
  workers are off (so nothing was embedded before, and only the command's own worker can take
  the job): the index is built from nothing, two records at a time, and the index-status route
  then counts every library record, with the model's name.
- `POST /api/semantic/rebuild`: refused to a non-administrator (403); for an administrator it
  starts a `semantic_rebuild` job that finishes with every record in the index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import ApiUser, register, sign_in, wait_job
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually

# Each of these waits for the real model to load, on a shared 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
FILES = (
    "jw02731-o001_t017_nircam_clear-f090w_i2d.fits",
    "jw02731-o001_t017_nircam_clear-f200w_i2d.fits",
    "jw02731-o001_t017_nircam_clear-f444w_i2d.fits",
    "jw02731-o002_t017_miri_f770w_i2d.fits",
    "jw02731-o002_t017_miri_f1130w_i2d.fits",
)

#: `webbscope semantic rebuild`, with each batch the embedder is given noted (a spy on the real
#: model: every batch is still embedded by it).
RUN_CLI = """
import json, sys
from webbscope.semantic import Embedder
sizes = []
real = Embedder.encode
def encode(self, texts, *args, **kwargs):
    sizes.append(len(texts))
    return real(self, texts, *args, **kwargs)
Embedder.encode = encode
from webbscope.cli import main
try:
    code = main(["semantic", "rebuild", "--batch-size", "2"])
finally:
    print("BATCHES " + json.dumps(sizes), flush=True)
sys.exit(code)
"""


def _admin(stack: RunningStack) -> ApiUser:
    user = register(stack.url("backend"), "root", login=False)
    promoted = stack.run_admin("promote", user.username)
    assert promoted.returncode == 0, promoted.stderr
    sign_in(user)
    return user


def _status(admin: ApiUser) -> dict[str, Any]:
    r = admin.get("/api/semantic/status")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _engine_ready(status: dict[str, Any]) -> bool:
    return status["engine"] is not None and status["engine"]["state"] == "ready"


@pytest.fixture
def idle_stack(tmp_path: Path) -> Iterator[RunningStack]:
    """A stack with no job workers: uploads are recorded but never embedded."""
    stack = start_stack(tmp_path, env={"WORKER_CONCURRENCY": "0"})
    yield stack
    stop_stack(stack)


def test_the_cli_builds_the_index_from_scratch_in_batches(
    idle_stack: RunningStack, demo_dir: Path
) -> None:
    admin = _admin(idle_stack)
    # The engine has loaded its (empty) index before anything is uploaded: a library without
    # an index at start-up would have it queue a rebuild of its own.
    empty = eventually(lambda: _status(admin), _engine_ready, 480)
    assert empty["engine"]["count"] == 0 and empty["library_records"] == 0
    owner = register(idle_stack.url("backend"), "owner")
    r = owner.upload(*(demo_dir / n for n in FILES))
    assert r.status_code == 201, r.text
    before = eventually(
        lambda: _status(admin), lambda s: s["library_records"] == len(FILES) and s["lag"] > 0, 60
    )
    assert before["engine"]["count"] == 0  # the records wait for embed jobs no worker runs

    env = {
        **os.environ,
        "WEBBSCOPE_ENV": "test",
        "MONGODB_URI": idle_stack.mongodb_uri,
        "DATA_DIR": str(idle_stack.data_dir),
        "WORKER_CONCURRENCY": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN_CLI],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert any(line.startswith("rebuild job ") for line in out), done.stdout
    batches = json.loads(next(line for line in out if line.startswith("BATCHES "))[8:])
    assert batches == [2, 2, 1], done.stdout  # five records, two at a time
    result = next(line for line in out if line.startswith("rebuilt: "))
    assert f"'records': {len(FILES)}" in result and MODEL in result

    # The engine loads the new snapshot: it holds every record, embedded by the real model.
    after = eventually(
        lambda: _status(admin),
        lambda s: _engine_ready(s) and s["engine"]["count"] == s["library_records"],
        120,
    )
    assert after["engine"]["count"] == len(FILES)
    assert after["engine"]["model"] == MODEL and after["engine"]["snapshot"]["count"] == len(FILES)
    assert after["rebuild_job"] is None
    # ... and answers with them: a search finds the records it had never embedded before.
    # (the engine loads the model for queries on the first one: keyword answers until then)
    body = eventually(
        lambda: owner.get("/api/search", params={"q": "mid-infrared dust", "mode": "semantic"}),
        lambda r: r.status_code == 200 and r.json()["degraded"] is None,
        480,
        every=1,
    ).json()
    found = {i["record"]["file_name"] for i in body["items"]}
    assert set(FILES[0:1] + FILES[3:]) <= found <= set(FILES)


def test_administrators_start_a_rebuild_from_the_app(
    api_stack: RunningStack, demo_dir: Path, admin: ApiUser, alice: ApiUser
) -> None:
    r = alice.upload(*(demo_dir / n for n in FILES[:3]))
    assert r.status_code == 201, r.text

    # No rebuild is pending (one would be answered instead of starting another).
    eventually(lambda: _status(admin), lambda s: _engine_ready(s) and s["rebuild_job"] is None, 480)
    refused = alice.post("/api/semantic/rebuild")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"]

    started = admin.post("/api/semantic/rebuild")
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    job = wait_job(admin, job_id, final=False)
    assert job["type"] == "semantic_rebuild"
    assert job["params"]["reembed"] is True and "requested by" in job["params"]["reason"]

    job = wait_job(admin, job_id, timeout=600)
    assert job["status"] == "succeeded", job
    library = _status(admin)["library_records"]
    assert job["result"]["records"] == library and job["result"]["model"].startswith(MODEL)
    status = eventually(
        lambda: _status(admin),
        lambda s: _engine_ready(s) and s["lag"] == 0 and s["engine"]["count"] == library,
        120,
    )
    assert status["engine"]["model"] == MODEL and status["rebuild_job"] is None
