#!/usr/bin/env bash
# Prints the path of a promtool, fetching one if there is none: $PROMTOOL if set, else promtool on
# PATH, else the one in the cache, else Debian's `prometheus` package downloaded (no install, no
# service: `apt-get download` + `dpkg -x`) into the cache. Used by .ci/run and by MetricsTest
# (through PROMTOOL), and by k8s/check.sh for `promtool test rules`.
set -euo pipefail
if [ -n "${PROMTOOL:-}" ] && [ -x "$PROMTOOL" ]; then echo "$PROMTOOL"; exit 0; fi
if command -v promtool >/dev/null; then command -v promtool; exit 0; fi
CACHE="${PAYFLOW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/payflow-tools}/prometheus"
if [ ! -x "$CACHE/usr/bin/promtool" ]; then
  mkdir -p "$CACHE"
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download prometheus >&2)
  dpkg -x "$tmp"/prometheus_*.deb "$CACHE"
  rm -rf "$tmp"
fi
echo "$CACHE/usr/bin/promtool"
