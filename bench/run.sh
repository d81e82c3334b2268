#!/usr/bin/env bash
# npm run bench: installs what the bench needs (nginx, wrk from apt; the Portkey peer into
# bench/.peer), then runs bench/run.mjs. Every process the bench starts is listed in a pid file
# and killed on the way out, whatever happens. Knobs: see bench/README.md (QUICK=1 for a ~1 min run).
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
cd "$BENCH/.."

need=()
for tool in nginx wrk taskset; do command -v "$tool" >/dev/null || need+=("$tool"); done
if [ "${#need[@]}" -gt 0 ]; then
  pkgs=$(printf '%s\n' "${need[@]}" | sed 's/^taskset$/util-linux/' | sort -u | tr '\n' ' ')
  echo "bench: installing $pkgs (apt)" >&2
  [ "$(id -u)" = 0 ] || { echo "bench: need root to apt-get install $pkgs (or install them yourself)" >&2; exit 1; }
  # policy-rc.d keeps the nginx package from starting a system-wide server: the bench runs its own.
  rc=/usr/sbin/policy-rc.d; made_rc=0
  if [ ! -e "$rc" ]; then printf '#!/bin/sh\nexit 101\n' > "$rc"; chmod +x "$rc"; made_rc=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null; }
  [ "$made_rc" = 1 ] && rm -f "$rc"
fi

# The peer gateway lives in its own folder, never in the project's dependencies.
if [ "${PEER:-1}" = 1 ]; then
  peer="$BENCH/.peer"
  if ! cmp -s "$BENCH/peer/package-lock.json" "$peer/package-lock.json" 2>/dev/null || [ ! -d "$peer/node_modules/@portkey-ai/gateway" ]; then
    echo "bench: installing the Portkey gateway into bench/.peer" >&2
    mkdir -p "$peer"
    cp "$BENCH/peer/package.json" "$BENCH/peer/package-lock.json" "$peer/"
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi

pidfile=$(mktemp)
cleanup() {
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null || true
  done < "$pidfile"
  rm -f "$pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
BENCH_PIDFILE=$pidfile node "$BENCH/run.mjs"
