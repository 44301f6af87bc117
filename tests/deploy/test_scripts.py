"""The operations scripts: syntax, shellcheck, and the paths that need no network.

`--help` and `--dry-run` only print; they never reach AWS or an SSH host, and the tests run them
with a scrubbed environment (no AWS or STAGING_* variables from the caller).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((REPO / "scripts").glob("*.sh"))
OPS = ("deploy-aws.sh", "server-setup.sh", "staging.sh")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
    return subprocess.run(
        ["bash", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=30,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )


def test_ops_scripts_exist_and_are_executable() -> None:
    for name in OPS:
        path = REPO / "scripts" / name
        assert path.is_file(), name
        assert os.access(path, os.X_OK), f"{name} is not executable"
        assert "set -euo pipefail" in path.read_text(), name


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_bash_syntax(script: Path) -> None:
    result = _run("-n", str(script))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", OPS)
def test_shellcheck(name: str) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (Debian package `shellcheck`)")
    result = subprocess.run(
        ["shellcheck", "-x", str(REPO / "scripts" / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", OPS)
def test_help(name: str) -> None:
    result = _run(f"scripts/{name}", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert _run(f"scripts/{name}", "--no-such-option").returncode == 2


def test_deploy_aws_requires_operator_cidr_and_key() -> None:
    result = _run("scripts/deploy-aws.sh", "--dry-run", "--key-name", "ops")
    assert result.returncode != 0 and "--operator-cidr" in result.stderr
    result = _run(
        "scripts/deploy-aws.sh", "--dry-run", "--key-name", "ops", "--operator-cidr", "me"
    )
    assert result.returncode != 0 and "203.0.113.7/32" in result.stderr


def test_deploy_aws_dry_run() -> None:
    result = _run(
        "scripts/deploy-aws.sh", "--dry-run",
        "--operator-cidr", "203.0.113.7/32", "--key-name", "ops",
        "--repo", "https://git.example.org/webbscope.git", "--region", "eu-west-1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stderr
    for expected in (
        "ec2 create-security-group --group-name webbscope-staging",
        "--port 22 --cidr 203.0.113.7/32",
        # Staging is plain HTTP: by default only the operator reaches it (issue 12, item 11).
        "--port 80 --cidr 203.0.113.7/32",
        "--port 443 --cidr 203.0.113.7/32",
        "ec2 run-instances",
        "--instance-type t3.medium",
        "--user-data file://",
        "HttpTokens=required",
        "ec2 allocate-address --domain vpc",
        "ec2 associate-address --allocation-id eipalloc-DRYRUN --instance-id i-DRYRUN",
    ):
        assert expected in out, expected
    assert all(line.startswith(("+ aws --region eu-west-1 ", "deploy-aws: "))
               for line in out.splitlines()), out  # fmt: skip
    assert "public IP:   203.0.113.10" in result.stdout


def test_deploy_aws_opens_plain_http_staging_to_everyone_only_when_asked() -> None:
    base = ("scripts/deploy-aws.sh", "--dry-run", "--operator-cidr", "203.0.113.7/32",
            "--key-name", "ops", "--repo", "https://git.example.org/w.git")  # fmt: skip
    refused = _run(*base, "--web-cidr", "0.0.0.0/0")
    assert refused.returncode != 0 and "--public" in refused.stderr
    team = _run(*base, "--web-cidr", "198.51.100.0/24")
    assert team.returncode == 0 and "--port 80 --cidr 198.51.100.0/24" in team.stderr
    public = _run(*base, "--public")
    assert public.returncode == 0 and "--port 80 --cidr 0.0.0.0/0" in public.stderr
    assert "warning: staging (plain HTTP) open to the whole internet" in public.stderr
    prod = _run(*base, "--env", "production")
    assert prod.returncode == 0 and "--port 443 --cidr 0.0.0.0/0" in prod.stderr


def test_deploy_aws_user_data_fits_and_parses(tmp_path: Path) -> None:
    # What deploy-aws.sh sends: an export line, then server-setup.sh without its shebang.
    body = (REPO / "scripts" / "server-setup.sh").read_text()
    user_data = "#!/bin/bash\nexport WEBBSCOPE_REPO=x\n" + "".join(
        line for line in body.splitlines(keepends=True) if not line.startswith("#!")
    )
    assert len(user_data.encode()) <= 16384
    path = tmp_path / "user-data"
    path.write_text(user_data)
    assert _run("-n", str(path)).returncode == 0


def test_server_setup_dry_run() -> None:
    result = _run(
        "scripts/server-setup.sh", "--dry-run", "--repo", "https://git.example.org/w.git",
        "--dir", "/nonexistent/webbscope",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "apt-get install",
        "docker-compose-plugin" if "already installed" not in out else "already installed",
        "git clone --branch main https://git.example.org/w.git /nonexistent/webbscope",
        "openssl rand -hex",
        "install -d -m 0750 -o 1000 -g 1000 /nonexistent/webbscope/data",
        "ufw allow 443/tcp",
    ):
        assert expected in out, expected


def test_server_setup_requires_repo() -> None:
    result = _run("scripts/server-setup.sh", "--dry-run")
    assert result.returncode != 0 and "--repo" in result.stderr


def test_staging_requires_host() -> None:
    result = _run("scripts/staging.sh", "status")
    assert result.returncode != 0 and "STAGING_HOST" in result.stderr
    assert _run("scripts/staging.sh", "dance", env={"STAGING_HOST": "h"}).returncode == 2


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["status"], "curl -fsS --max-time 5 http://127.0.0.1/healthz"),
        (["deploy", "v1.2"], "compose up -d --build --remove-orphans --wait"),
        (["stop"], "compose stop"),
        (["start"], "compose up -d --no-build --wait"),
        (["promote"], "git tag -a production-"),
        (["ssh", "docker", "ps"], "-t ops@staging.invalid"),
        (["backup"], 'webbscope backup create --out /backups --keep "$keep"'),
        (["backup", "--keep", "3"], "keep=3"),
    ],
)
def test_staging_dry_run(command: list[str], expected: str) -> None:
    env = {"STAGING_HOST": "ops@staging.invalid", "STAGING_DIR": "/srv/webbscope"}
    result = _run("scripts/staging.sh", "--dry-run", *command, env=env)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert "ssh -o BatchMode=yes" in result.stdout
    assert "/srv/webbscope" in result.stdout
    if command[0] == "backup":
        assert 'compose run --rm --no-deps -T -v "$PWD/backups:/backups" backend' in result.stdout
    if command[0] not in ("ssh", "promote"):
        assert "docker compose -f docker-compose.yml -f docker-compose.staging.yml" in result.stdout


# ----------------------------------------------------------------------------- Go tools, make up


def _fake_go(bin_dir: Path, log: Path) -> None:
    """A `go` that records each build and writes a tiny executable instead of compiling."""
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(
        "#!/bin/bash\n"
        'if [ "$1" = version ]; then echo "go version go1.99 linux/amd64"; exit 0; fi\n'
        f'echo "$PWD" >> {log}\n'
        'out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done\n'
        'printf "#!/bin/sh\\necho built\\n" > "$out"; chmod +x "$out"\n'
    )
    go.chmod(0o755)


@pytest.mark.parametrize("tool", ["wiredb", "kustomize"])
def test_go_tool_rebuilds_when_any_source_changes(tool: str, tmp_path: Path) -> None:
    """Every file of tools/<tool> is part of the cache key, not only main.go and go.mod."""
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "build-go-tool.sh", work / "scripts")
    shutil.copytree(REPO / "tools" / tool, work / "tools" / tool)
    log = tmp_path / "builds.log"
    _fake_go(tmp_path / "bin", log)
    env = {
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "WEBBSCOPE_CACHE": str(tmp_path / "cache"),
        "VENV": str(tmp_path / "venv"),
    }

    def build() -> int:
        result = subprocess.run(
            ["bash", "scripts/build-go-tool.sh", tool], cwd=work, env=env, capture_output=True
        )
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "venv" / "bin" / tool).is_file()
        return len(log.read_text().splitlines()) if log.exists() else 0

    assert build() == 1
    assert build() == 1  # cached
    sources = sorted(p for p in (work / "tools" / tool).iterdir() if p.is_file())
    for source in sources:  # each file, including the ones main.go does not name
        with source.open("a") as f:
            f.write("\n// changed\n")
        assert build() == 2 + sources.index(source), source.name


def test_make_up_asks_for_no_root_and_no_test_packages() -> None:
    """`make up` installs only what running needs: no Debian packages (those are for tests)."""
    result = subprocess.run(
        ["make", "-n", "-B", "up"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "MONGODB_URI": ""},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    plan = result.stdout
    assert "install-system" not in plan and "apt-get" not in plan and "sudo" not in plan
    assert "install-python.sh" in plan and "npm run build" in plan
    assert "build-go-tool.sh wiredb" in plan  # no MONGODB_URI: the development database
    test_plan = subprocess.run(
        ["make", "-n", "test"], cwd=REPO, capture_output=True, text=True, timeout=60
    ).stdout
    assert "install-system.sh" in test_plan


def test_install_system_names_the_command_without_root(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # As root the script installs; check the message path with a fake id.
        fake = tmp_path / "bin"
        fake.mkdir()
        (fake / "id").write_text("#!/bin/sh\necho 1000\n")
        (fake / "id").chmod(0o755)
        (fake / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")  # nothing is installed
        (fake / "dpkg-query").chmod(0o755)
        path = f"{fake}:{os.environ['PATH']}"
    else:
        path = os.environ["PATH"]
    result = _run("scripts/install-system.sh", env={"PATH": path})
    if result.returncode == 0:
        return  # everything is installed already
    assert "sudo apt-get install -y --no-install-recommends" in result.stderr
    assert "prometheus" in result.stderr or "nginx" in result.stderr
