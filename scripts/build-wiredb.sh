#!/usr/bin/env bash
# Build tools/wiredb (FerretDB embedded over SQLite: the MongoDB wire-protocol server used by the
# tests and by `make up` without a MONGODB_URI) once, cache it, and put it in $VENV/bin.
set -euo pipefail

VENV="${VENV:-.venv}"
CACHE="${WEBBSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webbscope}"
SRC=tools/wiredb

if ! command -v go >/dev/null 2>&1; then
  echo "build-wiredb: Go (>= 1.24) is required to build $SRC; install it and retry" >&2
  exit 1
fi
KEY=$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" <(go version) | sha256sum | cut -c1-16)
BIN="$CACHE/wiredb-$KEY"
if [ ! -x "$BIN" ]; then
  mkdir -p "$CACHE"
  echo "build-wiredb: compiling $SRC (the first build takes a few minutes on two cores)"
  (cd "$SRC" && go build -trimpath -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
fi
mkdir -p "$VENV/bin"
install -m 0755 "$BIN" "$VENV/bin/wiredb"
