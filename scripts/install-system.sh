#!/usr/bin/env bash
# Install the Debian packages listed in scripts/system-packages.txt that are missing.
# As root it installs them; otherwise it names them and fails.
set -euo pipefail

LIST="$(dirname "$0")/system-packages.txt"
mapfile -t WANT < <(grep -vE '^\s*(#|$)' "$LIST")
MISSING=()
for pkg in "${WANT[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$pkg")
done
[ ${#MISSING[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system: missing Debian packages: ${MISSING[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "install-system: installing ${MISSING[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
# The nginx package starts a system-wide server on :80; tests start their own on loopback ports.
if printf '%s\n' "${MISSING[@]}" | grep -q '^nginx'; then
  (command -v systemctl >/dev/null && systemctl disable --now nginx >/dev/null 2>&1) || true
  [ -f /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null || true
fi
