#!/usr/bin/env bash
# Load benchmark of the service over loopback (not a test): a one-project JSON appraisal
# (the LED example, with eligibility) against the trivial echo endpoint of the same server,
# same connections, same machine. Prints wrk's figures (requests/s, latency percentiles,
# errors) for both, and the server's resident memory sampled every 5 s.
#
# Usage: http/bench/wrk.sh [DURATION] [CONNECTIONS]     (defaults: 60s 200)
# Needs wrk (Debian package `wrk`). WRK_THREADS sets wrk's threads (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60s}
connections=${2:-200}
threads=${WRK_THREADS:-2}

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --bin greenlight >&2
bin=target/release/greenlight

work=$(mktemp -d)
server=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

GREENLIGHT_BENCH_ECHO=true GREENLIGHT_LOG=warn \
  "$bin" serve --addr 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
server=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^greenlight: listening on //p' "$work/stdout")
[ -n "$base" ] || { echo "the server did not start:" >&2; cat "$work/stderr" >&2; exit 1; }

printf '{"projects": [%s]}' "$(cat workbooks/examples/led-street-lighting.json)" >"$work/body.json"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json", "r")
wrk.body = f:read("*a")
f:close()
LUA

(while kill -0 "$server" 2>/dev/null; do
   awk '/VmRSS/ { print $2 }' "/proc/$server/status" 2>/dev/null
   sleep 5
 done) >"$work/rss_kib" &
sampler=$!

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "request body: $(wc -c <"$work/body.json") bytes; answer: $(curl -s -H 'content-type: application/json' --data-binary @"$work/body.json" "$base/v1/appraisals" | wc -c) bytes"
echo
# Short warm-up so both runs start from a warm server.
wrk -t"$threads" -c"$connections" -d5s -s "$work/post.lua" "$base/v1/echo" >/dev/null
echo "== echo (baseline): POST /v1/echo, $connections connections, $duration"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$base/v1/echo"
echo
echo "== appraisal: POST /v1/appraisals, $connections connections, $duration"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$base/v1/appraisals"
echo
kill "$sampler" 2>/dev/null || true
sampler=""
awk 'NR == 1 { first = $1 } { if ($1 > max) max = $1; last = $1; series = series sprintf(" %.0f", $1/1024) }
     END { printf "server RSS: first sample %.1f MiB, peak %.1f MiB, last %.1f MiB (%d samples, every 5 s)\n", first/1024, max/1024, last/1024, NR;
           printf "RSS series (MiB):%s\n", series }' "$work/rss_kib"
