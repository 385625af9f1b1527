#!/usr/bin/env bash
# bench/scale.sh — does shaman's cost per domain stay flat as one profile grows (issue 14)? Run by hand; never a test.
#
# usage: bench/scale.sh [--sizes "500 10000"] [--work DIR] [--keep]
#   --sizes "N..."  profile sizes, smallest first (default "500 10000"); every ratio is against the first size
#   --work DIR      where profiles, logs and raw results go (default a new /tmp/concorde-scale.XXXXXX)
#   --keep          keep DIR afterwards (default: keep only DIR/summary.md and DIR/runs.tsv)
# env: CONCORDE_BIN (default <repo>/out/concorde), BENCH_TIMEOUT (seconds per measured command, default 1800)
#
# For every size N, in one profile (Pebble with PEBBLE_VA_ALWAYS_VALID=1, so the authenticator is /bin/true and
# every authorization is valid at once; the default `parallel`):
#   new      N new names: account, N keys, N orders, N certificates. Must exit 0 with N certificates on disk and a
#            certificate_id (no order_id) for every domain.
#   noop     the same profile again, every certificate current (3 runs, medians): must exit 0, leave the profile
#            byte-for-byte unchanged and send zero requests.
#   noop-metrics  the same with "metrics" set (alternated with noop): also a metrics file with every domain.
#   renew    10 % of the domains get a certificate that expires in a day (their own key, a throwaway CA), the rest
#            stay current: must exit 0, replace exactly those certificates and keep every key file (checksums).
#   python   after the renewal run: shaman.json must be byte-for-byte what Python's json.dump(indent=4,
#            sort_keys=True) writes for its own content.
# CPU is user+sys of shaman and every process it waited for (wait4), peak RSS its largest process (bench/measure.py).
# Prints a Markdown table (also DIR/summary.md): CPU per new / renewed domain and the ratio to the first size.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
BIN=$(realpath "${CONCORDE_BIN:-$ROOT/out/concorde}")
TIMEOUT=${BENCH_TIMEOUT:-1800}
SIZES="500 10000" WORK="" KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=$2; shift ;;
    --work) WORK=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "scale.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
say() { printf 'scale: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
for c in pebble pebble-challtestsrv openssl curl python3; do command -v "$c" >/dev/null || die "$c is missing"; done
[ -x "$BIN" ] || die "no binary at $BIN (./build.sh)"

[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/concorde-scale.XXXXXX)
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
RUNS_TSV=$WORK/runs.tsv
printf 'section\tsize\trun\trc\tok\twall_s\tuser_s\tsys_s\tmaxrss_kb\treq\tunits\tnote\n' >"$RUNS_TSV"
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

export PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
# shellcheck source=../tests/scripts/pebble.sh
. "$ROOT/tests/scripts/pebble.sh"
pebble_start "$WORK/pebble" || die "pebble did not start"
cleanup() {
  pebble_stop
  [ "$KEEP" = 1 ] || find "$WORK" -mindepth 1 -maxdepth 1 ! -name summary.md ! -name runs.tsv -exec rm -rf {} +
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/bin" && ln -sfn "$BIN" "$WORK/bin/shaman"
SHAMAN=$WORK/bin/shaman
say "pebble at $PEBBLE_DIR_URL; load $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK"

log_size() { stat -c %s "$PEBBLE_LOG"; }
count_requests() { tail -c +$(($1 + 1)) "$PEBBLE_LOG" | awk '$6 == "->" && $7 == "calling" { n++ } END { print n + 0 }'; }
keys_sum() { cat "$1"/*.key.priv.pem | sha256sum | cut -d' ' -f1; }

# measure SECTION N RUN UNITS CHECK: one shaman run on $PROFILE; CHECK prints "ok" or what is wrong.
measure() {
  local section=$1 n=$2 run=$3 units=$4 check=$5 prefix off rc wall user sys rss req verdict
  prefix=$WORK/raw/$section-$n-$run
  mkdir -p "$WORK/raw"
  off=$(log_size)
  (cd "$PROFILE" && exec env -i PATH=$CLEAN_PATH HOME="$PROFILE" LANG=C.UTF-8 python3 "$BENCH/measure.py" "$prefix" "$TIMEOUT" "$SHAMAN" "$PROFILE")
  rc=$?
  read -r _ wall user sys rss <"$prefix.res" 2>/dev/null || { wall=0 user=0 sys=0 rss=0; }
  req=$(count_requests "$off")
  verdict=$("$check" "$rc" "$req")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$n" "$run" "$rc" "$([ "$verdict" = ok ] && echo 1 || echo 0)" \
    "$wall" "$user" "$sys" "$rss" "$req" "$units" "$verdict" >>"$RUNS_TSV"
  say "$(printf '%-6s %6s %s rc=%s wall=%.1fs cpu=%.2fs rss=%sKB req=%s %s' "$section" "$n" "$run" "$rc" "$wall" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" "$req" "$verdict")"
}

EXPECT="" SUM="" METRICS="" KEYS="" CERTS="" RENEWED=()
check_new() {
  [ "$1" = 0 ] || { echo "rc=$1"; return; }
  [ "$(ls "$PROFILE" | grep -c '\.cert\.pub\.pem$')" = "$EXPECT" ] || { echo "not $EXPECT certificates"; return; }
  python3 - "$PROFILE/shaman.json" "$EXPECT" <<'PY' || { echo "shaman.json is not consistent"; return; }
import json, sys
d = json.load(open(sys.argv[1]))["domains"]
sys.exit(0 if len(d) == int(sys.argv[2]) and all("certificate_id" in v and "order_id" not in v for v in d.values()) else 1)
PY
  echo ok
}
check_noop() {
  [ "$1" = 0 ] || { echo "rc=$1"; return; }
  [ "$2" = 0 ] || { echo "$2 requests"; return; }
  [ "$(cat "$PROFILE"/* 2>/dev/null | sha256sum)" = "$SUM" ] || { echo "the profile changed"; return; }
  echo ok
}
check_noop_metrics() {
  local verdict
  verdict=$(check_noop "$@")
  [ "$verdict" = ok ] || { echo "$verdict"; return; }
  grep -q '^concorde_run_exit_code{.*} 0$' "$METRICS" || { echo "no exit code 0 in $METRICS"; return; }
  [ "$(grep -c '^concorde_certificate_not_after_seconds{' "$METRICS")" = "$EXPECT" ] || { echo "not $EXPECT notAfter lines in $METRICS"; return; }
  echo ok
}
check_renew() {
  local name
  [ "$1" = 0 ] || { echo "rc=$1"; return; }
  [ "$(keys_sum "$PROFILE")" = "$KEYS" ] || { echo "a key file changed"; return; }
  for name in "${RENEWED[@]}"; do
    openssl x509 -in "$PROFILE/$name.cert.pub.pem" -noout -checkend 864000 >/dev/null || { echo "$name was not renewed"; return; }
  done
  [ "$(cat "$PROFILE"/*.cert.pub.pem | sha256sum)" != "$CERTS" ] || { echo "no certificate changed"; return; }
  echo ok
}
python_format() {
  python3 - "$PROFILE/shaman.json" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
sys.exit(0 if json.dumps(json.loads(raw), indent=4, sort_keys=True).encode() == raw else 1)
PY
}

for n in $SIZES; do
  PROFILE=$WORK/profile-$n
  rm -rf "$PROFILE"; mkdir -p "$PROFILE"
  python3 - "$PROFILE/shaman.json" "$n" "$PEBBLE_DIR_URL" "$PEBBLE_CA" <<'PY'
import json, sys
path, n, server, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
domains = {f"scale-{i:05d}-{n}.bench.test": {} for i in range(1, n + 1)}
json.dump({"server": server, "caBundle": ca, "renewal": 30, "authenticators": {"http-01": "/bin/true"}, "domains": domains},
          open(path, "w"), indent=4, sort_keys=True)
PY
  EXPECT=$n
  measure new "$n" 1 "$n" check_new

  # The no-op with and without "metrics" (issue 12: within 1.2x), alternated so that load changes hit both alike.
  cp "$PROFILE/shaman.json" "$WORK/plain-$n.json"
  python3 - "$WORK/plain-$n.json" "$WORK/metrics-$n.prom" >"$WORK/metrics-$n.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["metrics"] = sys.argv[2]
print(json.dumps(d, indent=4, sort_keys=True), end="")
PY
  for run in 1 2 3; do
    cp "$WORK/plain-$n.json" "$PROFILE/shaman.json"; SUM=$(cat "$PROFILE"/* | sha256sum)
    measure noop "$n" "$run" "$n" check_noop
    cp "$WORK/metrics-$n.json" "$PROFILE/shaman.json"; SUM=$(cat "$PROFILE"/* | sha256sum); METRICS=$WORK/metrics-$n.prom
    measure noop-metrics "$n" "$run" "$n" check_noop_metrics
  done
  cp "$WORK/plain-$n.json" "$PROFILE/shaman.json"

  # Every tenth domain: a certificate for its own key and name, from a throwaway CA, that expires in a day.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=scale bench CA" \
    -keyout "$WORK/ca-$n.key" -out "$WORK/ca-$n.pem" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
  RENEWED=()
  for ((i = 10; i <= n; i += 10)); do RENEWED+=("$(printf 'scale-%05d-%s.bench.test' "$i" "$n")"); done
  printf '%s\n' "${RENEWED[@]}" | xargs -P "$(nproc)" -I{} sh -c '
    printf "subjectAltName=DNS:%s\n" "$1" >"$2-$1.ext"
    openssl req -new -key "$0/$1.key.priv.pem" -subj "/CN=$1" 2>/dev/null |
      openssl x509 -req -CA "$2.pem" -CAkey "$2.key" -days 1 -extfile "$2-$1.ext" -out "$0/$1.cert.pub.pem" 2>/dev/null ||
      echo "could not make a certificate for $1" >&2
    rm -f "$2-$1.ext"' "$PROFILE" {} "$WORK/ca-$n"
  KEYS=$(keys_sum "$PROFILE") CERTS=$(cat "$PROFILE"/*.cert.pub.pem | sha256sum)
  measure renew "$n" 1 "${#RENEWED[@]}" check_renew
  if python_format; then say "python $n: shaman.json is byte-for-byte Python's format"; note=ok; else say "python $n: shaman.json DIFFERS from Python's format"; note=differs; fi
  printf 'python\t%s\t1\t0\t%s\t\t\t\t\t\t\t%s\n' "$n" "$([ $note = ok ] && echo 1 || echo 0)" "$note" >>"$RUNS_TSV"
  [ "$KEEP" = 1 ] || rm -rf "$PROFILE"
done

python3 - "$RUNS_TSV" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY' | tee "$WORK/summary.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cpu = lambda r: float(r["user_s"]) + float(r["sys_s"])
print(f"load average at the end: {sys.argv[2]}\n")
print("| run | domains | ok | wall | CPU | CPU per unit | ratio to first size | peak RSS | requests |")
print("|---|---|---|---|---|---|---|---|---|")
first = {}
for section, unit in (("new", "new domain"), ("noop", "domain"), ("noop-metrics", "domain"), ("renew", "renewed domain")):
    sizes = sorted({int(r["size"]) for r in rows if r["section"] == section})
    for n in sizes:
        runs = [r for r in rows if r["section"] == section and int(r["size"]) == n]
        wall = statistics.median(float(r["wall_s"]) for r in runs)
        c = statistics.median(cpu(r) for r in runs)
        per = c / int(runs[0]["units"])
        first.setdefault(section, per)
        rss = max(int(r["maxrss_kb"]) for r in runs) / 1024
        ok = all(r["ok"] == "1" for r in runs)
        print(f"| {section} | {n:,} | {'yes' if ok else 'NO: ' + runs[0]['note']} | {wall:.1f} s | {c:.2f} s | "
              f"{per * 1000:.2f} ms per {unit} | {per / first[section]:.2f} | {rss:.0f} MB | {max(int(r['req']) for r in runs)} |")
for n in sorted({int(r["size"]) for r in rows if r["section"] == "noop-metrics"}):
    med = lambda section: statistics.median(cpu(r) for r in rows if r["section"] == section and int(r["size"]) == n)
    print(f"\nno-op at {n:,} domains with \"metrics\" / without: {med('noop-metrics') / med('noop'):.2f} x CPU (goal <= 1.2)")
for r in rows:
    if r["section"] == "python":
        print(f"\nshaman.json after the renewal run at {int(r['size']):,} domains: "
              f"{'byte-for-byte Python json.dump(indent=4, sort_keys=True)' if r['ok'] == '1' else 'NOT Python format'}")
PY
