#!/usr/bin/env bash
# Services the tests start themselves, installed only when missing:
#   - redis-server (Debian package): tests/redis/ starts a private one on a free loopback port.
#     It is only installed here, never started as a system service by this script.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}

if ! command -v redis-server >/dev/null; then
  echo "==> Installing redis-server (Debian package, for tests/redis)"
  as_root apt-get update -qq
  # policy-rc.d is not touched: in a container without systemd the package's service simply does not start.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
