#!/usr/bin/env bash
# Operate the staging host over SSH: status, deploy, ssh, stop, start, promote, backup.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: staging.sh [--dry-run] COMMAND [ARGS]

Operate the Webbscope staging host over SSH.

commands:
  status          deployed commit, containers and their health, /healthz and /api/health via nginx
  deploy [REF]    check out REF (default $STAGING_BRANCH, else main) on the host, build the images
                  tagged with the commit, restart, and wait until every service is healthy
  ssh [CMD...]    a shell in the checkout on the host, or run CMD there
  stop            stop the stack (containers and data are kept)
  start           start the deployed stack again without rebuilding
  promote [--push]
                  tag the deployed images `production` and `prod-<commit>` on the host, and tag
                  the commit `production-<UTC date>` in this checkout (--push: push the tag)
  backup [--keep N]
                  `webbscope backup create` in a one-off backend container on the host: the
                  database and the stored files into $STAGING_DIR/backups, keeping the N newest
                  (default 14); see docs/operations.md for restoring one

environment:
  STAGING_HOST    user@host to reach over SSH (required), e.g. webbscope@203.0.113.10
  STAGING_DIR     checkout on the host (default /opt/webbscope)
  STAGING_BRANCH  default ref for deploy (default main)
  STAGING_SSH_OPTS extra ssh options, e.g. "-i ~/.ssh/webbscope.pem -p 22"

options:
  --dry-run       print the ssh commands and the remote scripts instead of running them
  -h, --help      this help
EOF
}

DRY_RUN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "staging: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
COMMAND=$1; shift

die() { printf 'staging: %s\n' "$*" >&2; exit 1; }

HOST="${STAGING_HOST:-}"
DIR="${STAGING_DIR:-/opt/webbscope}"
BRANCH="${STAGING_BRANCH:-main}"
read -r -a SSH_OPTS <<< "${STAGING_SSH_OPTS:-}"
SSH=(ssh -o BatchMode=yes -o ConnectTimeout=10 "${SSH_OPTS[@]}")

case "$COMMAND" in
  status|deploy|ssh|stop|start|promote|backup) ;;
  *) echo "staging: unknown command $COMMAND" >&2; usage >&2; exit 2 ;;
esac
[ -n "$HOST" ] || die "set STAGING_HOST (user@host), e.g. export STAGING_HOST=webbscope@203.0.113.10"

# The preamble of every remote script: the checkout, the deployed image tag, and compose.
preamble() {
  cat <<EOF
set -euo pipefail
cd $(printf '%q' "$DIR")
if [ -f .deployed ]; then set -a; . ./.deployed; set +a; fi
compose() { docker compose -f docker-compose.yml -f docker-compose.staging.yml "\$@"; }
EOF
}

# Run a script on the host (bash, from stdin); in a dry run print the command and the script.
remote() {
  local script
  script="$(preamble; cat)"
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'; printf ' %q' "${SSH[@]}" "$HOST" "bash -s"; printf " <<'REMOTE'\n%s\nREMOTE\n" "$script"
  else
    "${SSH[@]}" "$HOST" "bash -s" <<< "$script"
  fi
}

case "$COMMAND" in
  status)
    remote <<'EOF'
echo "commit:  $(git rev-parse --short=12 HEAD) ($(git log -1 --format=%cd --date=iso))"
echo "images:  ${WEBBSCOPE_TAG:-latest}"
compose ps --format 'table {{.Service}}\t{{.Status}}'
printf 'nginx:   '; curl -fsS --max-time 5 http://127.0.0.1/healthz || echo "DOWN"
printf 'api:     '; curl -sS --max-time 10 http://127.0.0.1/api/health || echo "DOWN"
echo
EOF
    ;;

  deploy)
    REF="${1:-$BRANCH}"
    remote <<EOF
ref=$(printf '%q' "$REF")
git fetch --prune --tags origin
if git rev-parse --verify --quiet "origin/\$ref^{commit}" >/dev/null; then
  git checkout --quiet --detach "origin/\$ref"
else
  git checkout --quiet --detach "\$ref"
fi
echo "WEBBSCOPE_TAG=\$(git rev-parse --short=12 HEAD)" > .deployed
set -a; . ./.deployed; set +a
echo "deploying \$ref at \$WEBBSCOPE_TAG"
compose up -d --build --remove-orphans --wait
compose ps --format 'table {{.Service}}\t{{.Status}}'
EOF
    ;;

  ssh)
    if [ $# -gt 0 ]; then
      printf -v cmd ' %q' "$@"
      target="cd $(printf '%q' "$DIR") &&$cmd"
    else
      target="cd $(printf '%q' "$DIR") && exec \$SHELL -l"
    fi
    if [ "$DRY_RUN" = 1 ]; then
      printf '+'; printf ' %q' "${SSH[@]}" -t "$HOST" "$target"; printf '\n'
    else
      exec "${SSH[@]}" -t "$HOST" "$target"
    fi
    ;;

  stop)
    remote <<'EOF'
compose stop
EOF
    ;;

  start)
    remote <<'EOF'
compose up -d --no-build --wait
compose ps --format 'table {{.Service}}\t{{.Status}}'
EOF
    ;;

  backup)
    KEEP=14
    if [ "${1:-}" = "--keep" ]; then
      KEEP="${2:-}"
      [[ "$KEEP" =~ ^[0-9]+$ ]] || die "--keep needs a number"
    fi
    remote <<EOF
keep=$KEEP
mkdir -p backups
compose run --rm --no-deps -T -v "\$PWD/backups:/backups" backend \\
  webbscope backup create --out /backups --keep "\$keep"
ls -1 backups | tail -n 3
EOF
    ;;

  promote)
    PUSH=0
    [ "${1:-}" != "--push" ] || PUSH=1
    STAMP="$(date -u +%Y%m%d-%H%M%S)"
    if [ "$DRY_RUN" = 1 ]; then
      SHA=DEPLOYED_COMMIT
      remote <<'EOF'
git rev-parse HEAD
EOF
    else
      SHA="$(remote <<'EOF'
git rev-parse HEAD
EOF
)"
    fi
    remote <<'EOF'
prefix="${WEBBSCOPE_IMAGE_PREFIX:-webbscope}"
tag="${WEBBSCOPE_TAG:?nothing deployed yet: run staging.sh deploy}"
for service in frontend backend engine mast docs; do
  docker image tag "$prefix/$service:$tag" "$prefix/$service:prod-$tag"
  docker image tag "$prefix/$service:$tag" "$prefix/$service:production"
done
echo "images tagged production and prod-$tag"
EOF
    TAG_NAME="production-$STAMP"
    if [ "$DRY_RUN" = 1 ]; then
      echo "+ git tag -a $TAG_NAME $SHA -m 'Promoted from staging'"
      [ "$PUSH" = 0 ] || echo "+ git push origin $TAG_NAME"
    elif git cat-file -e "$SHA^{commit}" 2>/dev/null; then
      git tag -a "$TAG_NAME" "$SHA" -m "Promoted from staging"
      echo "tagged $SHA as $TAG_NAME"
      if [ "$PUSH" = 1 ]; then git push origin "$TAG_NAME"; fi
    else
      echo "staging: $SHA is not in this checkout (git fetch); tag it with:" >&2
      echo "  git tag -a $TAG_NAME $SHA -m 'Promoted from staging'" >&2
    fi
    ;;
esac
