#!/usr/bin/env bash
# What the widget's browser tests (tests/browser/) need, installed only when missing:
#   - Debian's Chromium (Playwright drives it; `playwright install` is never used, no browser is downloaded)
#   - Playwright's Python package (pinned in requirements.txt and tests/browser/requirements.txt)
#   - axe-core from npm, locked in tests/browser/package-lock.json (injected into the page under test)
#   - rasa-webchat 1.0.1 from npm, locked there too (its UMD build, driven against the real service)
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
CHROMIUM="${KESTREL_CHROMIUM:-/usr/bin/chromium}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}

apt_packages=()
# Fonts: with --no-install-recommends chromium comes without any, and text would not render.
[ -x "$CHROMIUM" ] || apt_packages+=(chromium fonts-dejavu-core)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "==> Installing ${apt_packages[*]} (Debian packages, for the browser tests)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

if ! "$PY" -c "import playwright" 2>/dev/null; then
  echo "==> Installing Playwright (Python package)"
  "$PY" -m pip install -q -r tests/browser/requirements.txt
fi

if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ] || [ ! -f tests/browser/node_modules/rasa-webchat/lib/index.js ]; then
  echo "==> Installing axe-core and rasa-webchat (npm ci in tests/browser)"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi
