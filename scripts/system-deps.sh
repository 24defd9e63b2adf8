#!/usr/bin/env bash
# System packages the browser tests need: Debian's Chromium (Playwright drives it; it never
# downloads a browser of its own). Installed only when missing, and only where we may.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "warning: /usr/bin/chromium is missing; install Debian's 'chromium' package for the browser tests." >&2
fi
