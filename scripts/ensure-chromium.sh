#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (playwright-core
# drives it; no browser is ever downloaded by npm). Installs it from Debian's packages when
# absent (a fresh CI machine). Never skips.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi

echo "ensure-chromium: installing Chromium from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq chromium >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: /usr/bin/chromium is still missing after the install" >&2
  exit 1
fi
