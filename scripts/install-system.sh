#!/usr/bin/env bash
# Install the Debian packages listed in scripts/system-packages.txt (what the tests need) that
# are missing. As root it installs them; otherwise it names them with the command that installs
# them, and fails.
set -euo pipefail

LIST="$(dirname "$0")/system-packages.txt"
mapfile -t WANT < <(grep -vE '^\s*(#|$)' "$LIST")
MISSING=()
for pkg in "${WANT[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$pkg")
done
[ ${#MISSING[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system: the tests need Debian packages that are missing: ${MISSING[*]}" >&2
  echo "install-system: install them with: sudo apt-get install -y --no-install-recommends ${MISSING[*]}" >&2
  exit 1
fi
echo "install-system: installing ${MISSING[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
# The nginx and prometheus packages start system-wide servers (:80, :9090); tests start their
# own on loopback ports.
for svc in nginx prometheus; do
  if printf '%s\n' "${MISSING[@]}" | grep -qx "$svc"; then
    (command -v systemctl >/dev/null && systemctl disable --now "$svc" >/dev/null 2>&1) || true
  fi
done
if printf '%s\n' "${MISSING[@]}" | grep -qx nginx && [ -f /run/nginx.pid ]; then
  kill "$(cat /run/nginx.pid)" 2>/dev/null || true
fi
