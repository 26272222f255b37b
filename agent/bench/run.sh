#!/usr/bin/env bash
# Agent footprint benchmark: steady-state RSS, CPU time per collect-and-send
# cycle, stripped binary size and spool bytes for 7 days at a 15-minute
# interval; the same figures for a minimal Telegraf build when it builds.
# Linux only (reads /proc). Usage: agent/bench/run.sh [seconds]  (default 40)
# Everything runs on loopback; the loops are bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-40}
WARMUP=8
OUT=$(mktemp -d)
CACHE=${KRETSLOPP_BENCH_CACHE:-$PWD/agent/bench/.cache}
TELEGRAF_VERSION=${TELEGRAF_VERSION:-v1.37.2}
SYSFS=${KRETSLOPP_BENCH_SYSFS:-$PWD/agent/internal/inventory/testdata/sysfs/thinkpad-t14-energy}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"; }
trap cleanup EXIT

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# CPU time in ns of every thread, from schedstat (ns resolution; /proc/PID/stat
# counts 10 ms ticks, too coarse for a 1 ms cycle).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }
count() { curl -fsS "http://127.0.0.1:$PORT/count?path=$1" | awk '{print $1}'; }

echo "building (CGO_ENABLED=0, -tags nethttpomithttp2, stripped)..." >&2
# The release build: HTTP/1.1 only (nethttpomithttp2), stripped, static.
CGO_ENABLED=0 go build -tags nethttpomithttp2 -trimpath -ldflags "-s -w" -o "$OUT/kretslopp-agent" ./agent/cmd/kretslopp-agent
go build -o "$OUT/sink" ./agent/bench/sink
"$OUT/sink" -port-file "$OUT/port" & pids+=($!)
for _ in $(seq 50); do [ -s "$OUT/port" ] && break; sleep 0.1; done
PORT=$(cat "$OUT/port")

# measure PID NAME PATH: CPU per request to PATH and RSS between WARMUP and
# SECONDS_RUN.
measure() {
  local pid=$1 name=$2 path=$3
  sleep "$WARMUP"
  local c0 t0 n0 c1 n1 rss
  c0=$(cpu_ns "$pid"); n0=$(count "$path")
  sleep $((SECONDS_RUN - WARMUP))
  c1=$(cpu_ns "$pid"); n1=$(count "$path"); rss=$(rss_kb "$pid")
  local cycles=$((n1 - n0))
  if [ "$cycles" -le 0 ]; then echo "$name: no requests reached the sink" >&2; return 1; fi
  awk -v c=$((c1 - c0)) -v n="$cycles" -v rss="$rss" -v name="$name" \
    'BEGIN { printf "%s %.2f %.3f %d\n", name, rss/1024, c/1e6/n, n }'
}


# Reference: a minimal Telegraf (inputs.system -> outputs.influxdb_v2).
R_RSS=n/a R_CPU=n/a R_BIN=n/a R_NOTE=""
TELEGRAF=$CACHE/telegraf-$TELEGRAF_VERSION
if [ ! -x "$TELEGRAF" ]; then
  echo "building Telegraf $TELEGRAF_VERSION with -tags custom,inputs.system,outputs.influxdb_v2 (once, cached in $CACHE)..." >&2
  mkdir -p "$CACHE"
  # Telegraf's go.mod has replace directives, so `go install pkg@version`
  # refuses it: download the module and build inside it instead.
  if tdir=$(cd "$OUT" && GOFLAGS= go mod download -json "github.com/influxdata/telegraf@$TELEGRAF_VERSION" 2>"$OUT/telegraf-build.log" |
             sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') && [ -n "$tdir" ] &&
     (cd "$tdir" && CGO_ENABLED=0 GOFLAGS= timeout 1500 go build -trimpath -ldflags "-s -w" \
        -tags custom,inputs.system,outputs.influxdb_v2 -o "$TELEGRAF" ./cmd/telegraf) >>"$OUT/telegraf-build.log" 2>&1; then
    :
  else
    R_NOTE="Telegraf $TELEGRAF_VERSION did not build here: $(tail -n 3 "$OUT/telegraf-build.log" | tr '\n' ' ')"
  fi
fi
# The agent and the reference run side by side over the same window, so that
# both see the same load on this shared machine (each uses well under 1 % of
# a core; their cycles do not compete for the two cores).
REF_LABEL=""; [ -x "$TELEGRAF" ] && REF_LABEL=" and Telegraf $TELEGRAF_VERSION side by side"
echo "running kretslopp-agent$REF_LABEL for ${SECONDS_RUN}s at a 1 s interval..." >&2
KRETSLOPP_COLLECTOR_URL="http://127.0.0.1:$PORT" KRETSLOPP_TOKEN=bench KRETSLOPP_SPOOL_DIR="$OUT/spool" \
  KRETSLOPP_INTERVAL=1s KRETSLOPP_SYSFS_ROOT="$SYSFS" KRETSLOPP_LOG_LEVEL=warn \
  "$OUT/kretslopp-agent" --config /dev/null run 2>"$OUT/agent.log" & apid=$!; pids+=($apid)
measure "$apid" agent /v1/metrics >"$OUT/agent.measure" & amid=$!
tpid="" tmid=""
if [ -x "$TELEGRAF" ]; then
  cat >"$OUT/telegraf.conf" <<CONF
[agent]
  interval = "1s"
  flush_interval = "1s"
  flush_jitter = "0s"
  collection_jitter = "0s"
  omit_hostname = false
  quiet = true
[[inputs.system]]
[[outputs.influxdb_v2]]
  urls = ["http://127.0.0.1:$PORT"]
  token = "bench"
  organization = "kretslopp"
  bucket = "bench"
CONF
  "$TELEGRAF" --config "$OUT/telegraf.conf" >"$OUT/telegraf.log" 2>&1 & tpid=$!; pids+=($tpid)
  measure "$tpid" telegraf /api/v2/write >"$OUT/telegraf.measure" & tmid=$!
  R_BIN=$(stat -c %s "$TELEGRAF")
fi
if ! wait "$amid"; then echo "the agent sent nothing: $(tail -n 3 "$OUT/agent.log")" >&2; exit 1; fi
read -r _ A_RSS A_CPU A_N <"$OUT/agent.measure"
kill "$apid"; wait "$apid" 2>/dev/null || true
if [ -n "$tmid" ]; then
  if wait "$tmid"; then
    read -r _ R_RSS R_CPU R_N <"$OUT/telegraf.measure"
  else
    R_NOTE="Telegraf ran but sent nothing: $(tail -n 3 "$OUT/telegraf.log" | tr '\n' ' ')"
  fi
  kill "$tpid"; wait "$tpid" 2>/dev/null || true
fi
A_BIN=$(stat -c %s "$OUT/kretslopp-agent")
read -r S_N S_LOGICAL S_FILE < <(go run ./agent/bench/spoolsize -days 7 -interval 15m -sysfs "$SYSFS")

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b/1048576 }'; }
verdict() { # value target reference
  awk -v v="$1" -v t="$2" -v r="$3" 'BEGIN {
    ok = v <= t; s = ok ? "ok" : "OVER";
    if (r != "n/a" && r > 0) { p = v / r * 100; s = s sprintf(", %.0f%% of reference%s", p, p <= 60 ? "" : " (OVER 60%)") }
    print s }'
}
A_BIN_MB=$(mb "$A_BIN"); S_FILE_MB=$(mb "$S_FILE"); S_LOG_MB=$(mb "$S_LOGICAL")
R_BIN_MB=n/a; [ "$R_BIN" != n/a ] && R_BIN_MB=$(mb "$R_BIN")
echo
echo "kretslopp-agent footprint ($(go env GOVERSION), $(uname -m), ${SECONDS_RUN}s at 1 s interval, ${A_N} cycles measured${REF_LABEL:+, the reference over the same window})"
printf '%-36s %12s %12s %8s  %s\n' figure agent reference target verdict
printf '%-36s %12s %12s %8s  %s\n' "steady-state RSS (MB)" "$A_RSS" "$R_RSS" 15 "$(verdict "$A_RSS" 15 "$R_RSS")"
printf '%-36s %12s %12s %8s  %s\n' "CPU per collect+send cycle (ms)" "$A_CPU" "$R_CPU" 2 "$(verdict "$A_CPU" 2 "$R_CPU")"
printf '%-36s %12s %12s %8s  %s\n' "stripped binary (MB)" "$A_BIN_MB" "$R_BIN_MB" 15 "$(verdict "$A_BIN_MB" 15 "$R_BIN_MB")"
printf '%-36s %12s %12s %8s  %s\n' "spool, 7 days at 15 min (MB, file)" "$S_FILE_MB" "n/a" 5 "$(verdict "$S_FILE_MB" 5 n/a)"
echo "spool detail: $S_N batches, $S_LOG_MB MB of gzip payload, $S_FILE_MB MB bbolt file; Telegraf keeps no disk spool (memory buffer only)"
[ -n "$R_NOTE" ] && echo "reference: $R_NOTE"
exit 0
