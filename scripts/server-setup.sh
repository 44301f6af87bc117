#!/usr/bin/env bash
# Bootstrap a Debian or Ubuntu host for Webbscope: Docker Engine with the Compose plugin, a
# `webbscope` user, the repository checkout, a `.env` with generated secrets, the data directory
# and a firewall. Safe to run again: every step checks before it changes anything.
#
# Runs as root. scripts/deploy-aws.sh passes it to EC2 as user-data (settings through the
# WEBBSCOPE_* environment variables below).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: server-setup.sh [options]

Bootstrap a Debian/Ubuntu host for Webbscope (run as root).

options (environment variable in brackets):
  --repo URL        git repository to clone                  [WEBBSCOPE_REPO] (required)
  --branch NAME     branch to check out (default main)       [WEBBSCOPE_BRANCH]
  --dir PATH        checkout directory (default /opt/webbscope) [WEBBSCOPE_DIR]
  --user NAME       service user (default webbscope)         [WEBBSCOPE_USER]
  --env NAME        staging | production (default staging)   [WEBBSCOPE_DEPLOY_ENV]
  --start           start the staging stack when done        [WEBBSCOPE_START=1]
  --no-firewall     leave the firewall alone                 [WEBBSCOPE_FIREWALL=0]
  --dry-run         print what would be done, change nothing
  -h, --help        this help

The containers run as uid 1000; the data directory is owned by that uid.
EOF
}

REPO="${WEBBSCOPE_REPO:-}"
BRANCH="${WEBBSCOPE_BRANCH:-main}"
DIR="${WEBBSCOPE_DIR:-/opt/webbscope}"
APP_USER="${WEBBSCOPE_USER:-webbscope}"
DEPLOY_ENV="${WEBBSCOPE_DEPLOY_ENV:-staging}"
START="${WEBBSCOPE_START:-0}"
FIREWALL="${WEBBSCOPE_FIREWALL:-1}"
DRY_RUN=0
CONTAINER_UID=1000

while [ $# -gt 0 ]; do
  case "$1" in
    --repo) REPO="${2:?--repo needs a value}"; shift 2 ;;
    --branch) BRANCH="${2:?--branch needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --user) APP_USER="${2:?--user needs a value}"; shift 2 ;;
    --env) DEPLOY_ENV="${2:?--env needs a value}"; shift 2 ;;
    --start) START=1; shift ;;
    --no-firewall) FIREWALL=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "server-setup: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { printf 'server-setup: %s\n' "$*"; }
die() { printf 'server-setup: %s\n' "$*" >&2; exit 1; }

# Run a command, or print it in a dry run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

as_app_user() { run sudo -H -u "$APP_USER" "$@"; }

[ -n "$REPO" ] || die "--repo (or WEBBSCOPE_REPO) is required"
case "$DEPLOY_ENV" in staging|production) ;; *) die "--env must be staging or production" ;; esac
if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (or with --dry-run)"
fi

# --- the operating system --------------------------------------------------------------------
OS_ID=debian
OS_CODENAME=bookworm
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  OS_ID="${ID:-debian}"
  OS_CODENAME="${VERSION_CODENAME:-bookworm}"
fi
case "$OS_ID" in
  debian|ubuntu) ;;
  *) [ "$DRY_RUN" = 1 ] || die "unsupported OS '$OS_ID' (Debian or Ubuntu only)" ;;
esac
export DEBIAN_FRONTEND=noninteractive

log "installing base packages"
run apt-get update -q
run apt-get install -y -q --no-install-recommends ca-certificates curl gnupg git openssl ufw sudo

# --- Docker Engine and the Compose plugin (Docker's apt repository) ---------------------------
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  log "Docker and the Compose plugin are already installed"
else
  log "installing Docker Engine and the Compose plugin"
  ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
  run install -m 0755 -d /etc/apt/keyrings
  run curl -fsSL "https://download.docker.com/linux/${OS_ID}/gpg" -o /etc/apt/keyrings/docker.asc
  run chmod a+r /etc/apt/keyrings/docker.asc
  LINE="deb [arch=${ARCH} signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/${OS_ID} ${OS_CODENAME} stable"
  if [ "$DRY_RUN" = 1 ]; then
    echo "+ echo '$LINE' > /etc/apt/sources.list.d/docker.list"
  else
    echo "$LINE" > /etc/apt/sources.list.d/docker.list
  fi
  run apt-get update -q
  run apt-get install -y -q docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
  run systemctl enable --now docker
fi

# --- the service user ---------------------------------------------------------------------------
if id "$APP_USER" >/dev/null 2>&1; then
  log "user $APP_USER exists"
else
  log "creating user $APP_USER"
  run useradd --create-home --shell /bin/bash "$APP_USER"
fi
run usermod -aG docker "$APP_USER"

# Let the operator's key (cloud-init's default user) log in as the service user.
APP_HOME="$(getent passwd "$APP_USER" | cut -d: -f6 || true)"
APP_HOME="${APP_HOME:-/home/$APP_USER}"
for cloud_user in ubuntu admin debian ec2-user; do
  keys="/home/$cloud_user/.ssh/authorized_keys"
  if [ -s "$keys" ] && [ ! -s "$APP_HOME/.ssh/authorized_keys" ]; then
    log "copying $cloud_user's authorized_keys to $APP_USER"
    run install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$APP_HOME/.ssh"
    run install -m 0600 -o "$APP_USER" -g "$APP_USER" "$keys" "$APP_HOME/.ssh/authorized_keys"
    break
  fi
done

# --- the checkout ------------------------------------------------------------------------------
if [ -d "$DIR/.git" ]; then
  log "updating $DIR ($BRANCH)"
  as_app_user git -C "$DIR" fetch --prune origin
  as_app_user git -C "$DIR" checkout "$BRANCH"
  as_app_user git -C "$DIR" pull --ff-only origin "$BRANCH"
else
  log "cloning $REPO into $DIR"
  run install -d -o "$APP_USER" -g "$APP_USER" "$DIR"
  as_app_user git clone --branch "$BRANCH" "$REPO" "$DIR"
fi

# --- .env with generated secrets ------------------------------------------------------------
# Sets KEY only when .env has no value for it, so secrets survive re-runs.
set_env() {
  local file=$1 key=$2 value=$3
  if grep -qE "^${key}=.+" "$file"; then
    return 0
  elif grep -qE "^${key}=\$" "$file"; then
    sed -i "s|^${key}=\$|${key}=${value}|" "$file"
  else
    printf '%s=%s\n' "$key" "$value" >> "$file"
  fi
}

ENV_FILE="$DIR/.env"
if [ "$DRY_RUN" = 1 ]; then
  echo "+ cp $DIR/.env.example $ENV_FILE (if missing); add JWT_SECRET, INTERNAL_SERVICE_TOKEN," \
       "MAST_TOKEN_KEY, MONGO_ROOT_PASSWORD, MONGO_APP_PASSWORD from 'openssl rand -hex' where" \
       "unset; chmod 600"
else
  if [ ! -f "$ENV_FILE" ]; then
    log "creating $ENV_FILE from .env.example with generated secrets"
    install -m 0600 -o "$APP_USER" -g "$APP_USER" "$DIR/.env.example" "$ENV_FILE"
  fi
  set_env "$ENV_FILE" JWT_SECRET "$(openssl rand -hex 32)"
  set_env "$ENV_FILE" INTERNAL_SERVICE_TOKEN "$(openssl rand -hex 32)"
  set_env "$ENV_FILE" MAST_TOKEN_KEY "$(openssl rand -hex 32)"
  set_env "$ENV_FILE" MONGO_ROOT_PASSWORD "$(openssl rand -hex 24)"
  set_env "$ENV_FILE" MONGO_APP_PASSWORD "$(openssl rand -hex 24)"
  chmod 0600 "$ENV_FILE"
  chown "$APP_USER:$APP_USER" "$ENV_FILE"
fi

# --- the data root (owned by the containers' uid) ---------------------------------------------
log "preparing $DIR/data"
run install -d -m 0750 -o "$CONTAINER_UID" -g "$CONTAINER_UID" "$DIR/data"
# Backups (scripts/staging.sh backup) are written by the same uid.
run install -d -m 0750 -o "$CONTAINER_UID" -g "$CONTAINER_UID" "$DIR/backups"

# --- firewall ----------------------------------------------------------------------------------
# Docker publishes ports through its own iptables rules, past ufw: what the compose overlay
# publishes (80, 443) is what is reachable. On AWS the security group is the outer boundary.
if [ "$FIREWALL" = 1 ]; then
  log "configuring ufw: allow 22, 80, 443"
  run ufw default deny incoming
  run ufw default allow outgoing
  run ufw allow 22/tcp
  run ufw allow 80/tcp
  run ufw allow 443/tcp
  run ufw --force enable
fi

# --- start -------------------------------------------------------------------------------------
if [ "$START" = 1 ]; then
  if [ "$DEPLOY_ENV" = production ]; then
    log "not starting production automatically: set CORS_ORIGINS and TLS_CERT_DIR in $ENV_FILE" \
        "and install the certificates first (docs/deployment.md)"
  else
    log "building and starting the staging stack (several minutes on a small host)"
    as_app_user bash -c "cd '$DIR' && docker compose -f docker-compose.yml -f docker-compose.staging.yml up -d --build --wait"
  fi
fi

log "done. Next: cd $DIR && docker compose -f docker-compose.yml -f docker-compose.${DEPLOY_ENV/production/prod}.yml up -d --build"
