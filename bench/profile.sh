#!/usr/bin/env bash
# bench/profile.sh — where one fresh issuance spends its CPU and its memory. Run by hand (needs perf, strace, root).
#
# usage: bench/profile.sh [-n RUNS] [-F HZ] [--work DIR]
#   -n RUNS   fresh issuances profiled, each its own perf.data (default 8)
#   -F HZ     perf sampling frequency (default 10000; cpu-clock, which works in VMs)
# env: CONCORDE_BIN (default <repo>/out/concorde; its symbols: out/publish/concorde.dbg next to it, or the
#      same build's .dbg given as CONCORDE_DBG), CONCORDE_ENV (extra environment, as for run.sh)
#
# Prints (1) the CPU by category over all runs (bench/perf_categories.py) and (2) the resident set of one more
# run at its peak, by mapping: the run's exit_group is held back by strace for a moment while /proc/PID/smaps is
# read; VmHWM and VmRSS are printed (equal when the snapshot is the peak). The same loopback Pebble and bash authenticator as
# run.sh's fresh issuance. perf finds the symbols through /usr/lib/debug/.build-id/ (installed here).
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
BIN=$(realpath "${CONCORDE_BIN:-$ROOT/out/concorde}")
DBG=${CONCORDE_DBG:-$(dirname "$BIN")/publish/concorde.dbg}
RUNS=8 HZ=10000 WORK=""
while [ $# -gt 0 ]; do
  case $1 in
    -n) RUNS=$2; shift ;;
    -F) HZ=$2; shift ;;
    --work) WORK=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "profile.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
say() { printf 'profile: %s\n' "$*" >&2; }
for c in perf strace pebble pebble-challtestsrv python3; do command -v "$c" >/dev/null || { say "$c is missing"; exit 1; }; done
read -r -a CONCORDE_ENVS <<<"${CONCORDE_ENV:-}"

id=$(readelf -n "$BIN" | sed -n 's/.*Build ID: //p')
if [ -f "$DBG" ] && [ -n "$id" ]; then
  mkdir -p "/usr/lib/debug/.build-id/${id:0:2}" && cp "$DBG" "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
else
  say "no symbols at $DBG: managed frames will show as addresses (set CONCORDE_DBG)"
fi

[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/concorde-profile.XXXXXX)
mkdir -p "$WORK"
export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
# shellcheck source=../tests/scripts/pebble.sh
. "$ROOT/tests/scripts/pebble.sh"
pebble_start "$WORK/pebble" >/dev/null || { say "pebble did not start"; exit 1; }
trap 'pebble_stop' EXIT
hostport=${CTS_URL#http://}
cat >"$WORK/publish-http01" <<SH
#!/bin/bash
read -r token; read -r key_authorization
exec 3<>/dev/tcp/${hostport%:*}/${hostport##*:} || exit 1
body="{\"token\":\"\$token\",\"content\":\"\$key_authorization\"}"
printf 'POST /add-http01 HTTP/1.1\r\nHost: $hostport\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "\${#body}" "\$body" >&3
read -r _ status _ <&3; [ "\$status" = 200 ]
SH
chmod +x "$WORK/publish-http01"
mkdir -p "$WORK/bin" && ln -sfn "$BIN" "$WORK/bin/shaman"

profile() { # profile NAME -> $STATE/shaman.json for a fresh issuance of NAME
  STATE=$WORK/state/$1; mkdir -p "$STATE"
  printf '{"server": "%s", "caBundle": "%s", "renewal": 30, "authenticators": {"http-01": "%s"}, "domains": {"%s": {}}}\n' \
    "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$WORK/publish-http01" "$1" >"$STATE/shaman.json"
}
run() { env -i PATH=/usr/bin:/bin HOME="$STATE" LANG=C.UTF-8 "${CONCORDE_ENVS[@]}" "$@"; }

say "CPU: $RUNS fresh issuances under perf record -F $HZ"
data=()
for ((i = 1; i <= RUNS; i++)); do
  profile "profile-$i-$RANDOM.bench.test"
  run perf record -q -F "$HZ" --call-graph dwarf,32768 -o "$WORK/fresh-$i.data" -- "$WORK/bin/shaman" "$STATE" >"$STATE/out" 2>&1 ||
    { say "run $i failed:"; cat "$STATE/out" >&2; exit 1; }
  data+=("$WORK/fresh-$i.data")
done
python3 "$BENCH/perf_categories.py" "$HZ" "${data[@]}"

say "memory: one more fresh issuance, resident set at exit"
profile "profile-rss-$RANDOM.bench.test"
run strace -f -qq -o /dev/null -e trace=exit_group -e inject=exit_group:delay_enter=1500000 -- "$WORK/bin/shaman" "$STATE" >"$STATE/out" 2>&1 &
tracer=$!
pid=""
for _ in $(seq 400); do # shaman is strace's child: the process under $STATE whose executable is the binary
  for p in $(pgrep -f -- "$STATE"); do [ "$(readlink "/proc/$p/exe")" = "$BIN" ] && pid=$p; done
  [ -n "$pid" ] && break; sleep 0.005
done
# The run is done when shaman.json names the certificate; then its exit is being held back.
for _ in $(seq 600); do grep -q certificate_id "$STATE/shaman.json" 2>/dev/null && break; sleep 0.01; done
sleep 0.3
cat "/proc/$pid/smaps" >"$WORK/smaps.txt" 2>/dev/null
status=$(grep -E 'VmHWM|VmRSS|RssAnon|RssFile' "/proc/$pid/status" 2>/dev/null | tr -s '\t\n ' '   ')
wait "$tracer" || { say "the memory run failed:"; cat "$STATE/out" >&2; exit 1; }
echo
echo "at exit: $status"
python3 - "$WORK/smaps.txt" <<'PY'
import collections, re, sys
rss = collections.Counter()
where = "?"
for line in open(sys.argv[1]):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        fields = line.split()
        where = fields[5] if len(fields) > 5 else "[anonymous]"
    elif line.startswith("Rss:"):
        rss[where] += int(line.split()[1])
print()
print("| resident | mapping |")
print("|---|---|")
for where, kb in rss.most_common(8):
    print(f"| {kb / 1024:.2f} MiB | {where} |")
PY
rm -rf "$WORK/state" "$WORK"/fresh-*.data "$WORK/smaps.txt"
