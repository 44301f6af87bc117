#!/usr/bin/env bash
# Build one of the project's Go tools (tools/<name>: a small main package embedding a pinned Go
# module) once, cache the binary under a hash of every source file of the tool and of the Go
# version, and put it in $VENV/bin/<name>. Any change to any file of the tool rebuilds it.
#
#   scripts/build-go-tool.sh wiredb      # FerretDB over SQLite: the development/test database
#   scripts/build-go-tool.sh kustomize   # the real kustomize, for the deploy/k8s tests
set -euo pipefail

NAME="${1:?usage: build-go-tool.sh NAME (a directory under tools/)}"
VENV="${VENV:-.venv}"
CACHE="${WEBBSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webbscope}"
SRC="tools/$NAME"

if [ ! -f "$SRC/go.mod" ]; then
  echo "build-go-tool: $SRC/go.mod not found" >&2
  exit 1
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-go-tool: Go (>= 1.24) is required to build $SRC; install it and retry" >&2
  exit 1
fi
# Every file of the tool (sorted, with its path), then the toolchain.
KEY=$(
  cd "$SRC"
  find . -type f ! -name '*.tmp' -print0 | LC_ALL=C sort -z |
    while IFS= read -r -d '' f; do printf '%s\n' "$f"; cat "$f"; done
  go version
)
KEY=$(printf '%s' "$KEY" | sha256sum | cut -c1-16)
BIN="$CACHE/$NAME-$KEY"
if [ ! -x "$BIN" ]; then
  mkdir -p "$CACHE"
  echo "build-go-tool: compiling $SRC (a first build can take a few minutes on two cores)"
  (cd "$SRC" && go build -trimpath -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
fi
mkdir -p "$VENV/bin"
install -m 0755 "$BIN" "$VENV/bin/$NAME"
