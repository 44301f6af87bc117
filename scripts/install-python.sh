#!/usr/bin/env bash
# Install the Python environment from a lock file. CI (through `make`) and every Dockerfile run
# this same script, so a fresh machine and a container get exactly the same packages.
#
#   scripts/install-python.sh requirements/dev.lock --editable   # development and CI
#   scripts/install-python.sh requirements/runtime.lock          # containers
#
# VENV (default .venv) is the virtualenv to create or update; PYTHON the interpreter (>= 3.11).
set -euo pipefail

LOCK="${1:?usage: install-python.sh LOCKFILE [--editable|--no-project]}"
MODE="${2:-}"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
UV_VERSION="0.13.9"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "install-python: $PYTHON is missing or older than Python 3.11" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
UV=("$VENV/bin/python" -m uv)
"${UV[@]}" pip install --quiet --python "$VENV/bin/python" -r "$LOCK"
case "$MODE" in
  --editable) "${UV[@]}" pip install --quiet --python "$VENV/bin/python" --no-deps -e . ;;
  --no-project) ;;
  *) "${UV[@]}" pip install --quiet --python "$VENV/bin/python" --no-deps . ;;
esac
echo "install-python: $VENV ready from $LOCK"
