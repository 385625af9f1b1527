#!/usr/bin/env bash
# bench/run.sh — measure the concorde Native-AOT binary against a local Pebble (loopback only), and
# lego / certbot / uacme on the same Pebble when they are installed. Run by hand; never part of a test.
#
# usage: bench/run.sh [-n RUNS] [-w WARMUP] [--no-peers] [--no-bulk] [--bulk-runs N] [--work DIR] [--keep]
#   -n RUNS      timed fresh issuances per client and measured no-op runs per size (default 5; medians)
#   -w WARMUP    untimed fresh issuances per client before the timed ones (default 1)
#   --no-peers   measure concorde only, even when lego/certbot/uacme are installed
#   --no-bulk    skip the 100-new-domains runs
#   --bulk-runs N  runs of each 100-new-domains mode (parallel 1, default, 8; default 3; medians)
#   --work DIR   where state, logs and raw results go (default: a new /tmp/concorde-bench.XXXXXX)
#   --keep       keep DIR afterwards (default: keep only DIR/summary.md, runs.tsv and meta.tsv)
# env: CONCORDE_BIN   the binary to measure (default: <repo>/out/concorde; build it with ./build.sh)
#      CONCORDE_ENV   extra environment for every concorde/shaman command, e.g. runtime knobs:
#                     CONCORDE_ENV="DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0" bench/run.sh
#      BENCH_TIMEOUT  seconds after which one measured command is killed (default 300; each 100-domain
#                     run gets three times as long)
#
# Prints a Markdown table (also DIR/summary.md). Sections:
#   fresh    one new name through `shaman` (fresh profile: account key, account, domain key, order,
#            http-01 through a small bash authenticator that publishes via pebble-challtestsrv, finalize,
#            download); wall, user+sys CPU of the client and every process it waited for, peak RSS of the
#            largest single process, HTTP requests counted in Pebble's log. Same for each installed peer.
#   noop     `shaman` on profiles with 1, 100 and 1000 current certificates (keys and certificates made
#            here with openssl under a throwaway CA); must exit 0 with zero requests to Pebble.
#   version  `concorde --version` startup (hyperfine when installed, else a timing loop).
#   size     the binary's size.
#   bulk     100 new domains in one profile with "parallel": 1, without the field (default 4) and with 8:
#            wall, CPU, peak RSS, requests, and the speedup of each against parallel 1 (issue 7: default >= 3x).
# Needs: pebble, pebble-challtestsrv, openssl, curl, python3 (all Debian packages); optional: hyperfine,
# lego, certbot, uacme (apt-get install -y hyperfine lego certbot uacme). uacme's CA trust needs root
# (a private mount namespace bind-mounts a trust dir over /etc/ssl/certs; the system store is untouched).
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
BIN=${CONCORDE_BIN:-$ROOT/out/concorde}
TIMEOUT=${BENCH_TIMEOUT:-300}
RUNS=5 WARMUP=1 PEERS=1 BULK=1 BULK_RUNS=3 WORK="" KEEP=0
BULK_MODES=(1 default 8)
while [ $# -gt 0 ]; do
  case $1 in
    -n) RUNS=$2; shift ;;
    -w) WARMUP=$2; shift ;;
    --no-peers) PEERS=0 ;;
    --no-bulk) BULK=0 ;;
    --bulk-runs) BULK_RUNS=$2; shift ;;
    --work) WORK=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
read -r -a CONCORDE_ENVS <<<"${CONCORDE_ENV:-}"
[ -x "$BIN" ] || die "no binary at $BIN; run ./build.sh first or set CONCORDE_BIN"
BIN=$(realpath "$BIN")
for c in pebble pebble-challtestsrv openssl curl python3; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y pebble openssl curl python3)"
done

[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/concorde-bench.XXXXXX)
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
RUNS_TSV=$WORK/runs.tsv META=$WORK/meta.tsv
printf 'section\tclient\trun\trc\tok\twall_s\tuser_s\tsys_s\tmaxrss_kb\treq\tpost\tget\thead\tnote\n' >"$RUNS_TSV"
: >"$META"
: >"$WORK/commands.txt"
meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ---- Pebble (the project's own script: free loopback ports, throwaway CA) ------------------------------------
export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
# shellcheck source=../tests/scripts/pebble.sh
. "$ROOT/tests/scripts/pebble.sh"
pebble_start "$WORK/pebble" || die "pebble did not start"
cleanup() {
  pebble_stop
  if [ "$KEEP" = 0 ]; then
    find "$WORK" -mindepth 1 -maxdepth 1 ! -name summary.md ! -name runs.tsv ! -name meta.tsv ! -name commands.txt \
      -exec rm -rf {} +
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
HTTP01_PORT=$(sed -n 's/.*"httpPort": *\([0-9]*\).*/\1/p' "$WORK/pebble/pebble.json")
ACME_BASE=${PEBBLE_DIR_URL%/dir}
say "pebble at $PEBBLE_DIR_URL (http-01 port $HTTP01_PORT), work dir $WORK"

# A trust directory holding only Pebble's CA, for uacme (GnuTLS reads /etc/ssl/certs).
TRUST_DIR=$WORK/trust
mkdir -p "$TRUST_DIR" && cp "$PEBBLE_CA" "$TRUST_DIR/ca-certificates.crt" && cp "$PEBBLE_CA" "$TRUST_DIR/bench-ca.pem"
openssl rehash "$TRUST_DIR" 2>/dev/null || true

# ---- the one http-01 publisher for every hook-driven client -----------------------------------------------------
# bash's /dev/tcp instead of curl: no extra process, so a client's peak RSS and CPU are its own plus one
# small bash. It speaks each client's protocol:
#   shaman authenticator: no arguments, stdin "<token>\n<key authorization>\n"
#   uacme -h hook:        begin|done|failed TYPE IDENTIFIER TOKEN KEY_AUTHORIZATION
#   certbot manual hooks: certbot-auth | certbot-cleanup, with CERTBOT_TOKEN and CERTBOT_VALIDATION
HOOK=$WORK/publish-http01
cts_hostport=${CTS_URL#http://}
cat >"$HOOK" <<SH
#!/bin/bash
post() { # post PATH BODY -> challtestsrv management API at $cts_hostport
  exec 3<>/dev/tcp/${cts_hostport%:*}/${cts_hostport##*:} || exit 1
  printf 'POST %s HTTP/1.1\r\nHost: $cts_hostport\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "\$1" "\${#2}" "\$2" >&3
  read -r _ status _ <&3
  [ "\$status" = 200 ] || { echo "challtestsrv \$1 answered \${status:-nothing}" >&2; exit 1; }
}
add() { post /add-http01 "{\"token\":\"\$1\",\"content\":\"\$2\"}"; }
del() { post /del-http01 "{\"token\":\"\$1\"}"; }
case \${1:-} in
  '') read -r token; read -r key_authorization; add "\$token" "\$key_authorization" ;;
  begin) [ "\$2" = http-01 ] || exit 1; add "\$4" "\$5" ;;
  done|failed) del "\$4" ;;
  certbot-auth) add "\$CERTBOT_TOKEN" "\$CERTBOT_VALIDATION" ;;
  certbot-cleanup) del "\$CERTBOT_TOKEN" ;;
  *) exit 1 ;;
esac
SH
chmod +x "$HOOK"
printf '#!/bin/sh\nexec %q certbot-auth\n' "$HOOK" >"$WORK/certbot-auth" && printf '#!/bin/sh\nexec %q certbot-cleanup\n' "$HOOK" >"$WORK/certbot-cleanup"
chmod +x "$WORK/certbot-auth" "$WORK/certbot-cleanup"
mkdir -p "$WORK/bin" && ln -sfn "$BIN" "$WORK/bin/shaman"
SHAMAN=$WORK/bin/shaman

# ---- measuring -------------------------------------------------------------------------------------------------
log_size() { stat -c %s "$PEBBLE_LOG"; }
count_requests() { # count_requests OFFSET -> "total post get head" for Pebble's log after OFFSET
  tail -c +$(($1 + 1)) "$PEBBLE_LOG" |
    awk '$6 == "->" && $7 == "calling" { n++; if ($4 == "POST") p++; else if ($4 == "GET") g++; else if ($4 == "HEAD") h++ }
         END { printf "%d %d %d %d\n", n, p, g, h }'
}

# measure SECTION CLIENT RUN CHECK DIR -- CMD...: run CMD in DIR under `env -i` (plus ENVS) and the untimed
# WRAP prefix, with measure.py; CHECK is a function called with the rc that prints "ok" or a reason.
ENVS=() WRAP=()
measure() {
  local section=$1 client=$2 run=$3 check=$4 dir=$5 prefix off rc wall user sys rss req post get head verdict
  shift 6
  prefix=$WORK/raw/$section-$client-$run
  mkdir -p "$WORK/raw"
  if [ ! -e "$WORK/raw/.cmd-$section-$client" ]; then
    touch "$WORK/raw/.cmd-$section-$client"
    { printf '# %s, %s (cwd %s)\n' "$section" "$client" "$dir"
      printf '%q ' env -i PATH=... HOME="$dir" LANG=C.UTF-8 "${ENVS[@]}" "${WRAP[@]}" "$@"; printf '\n\n'; } >>"$WORK/commands.txt"
  fi
  off=$(log_size)
  (cd "$dir" && exec env -i PATH=$CLEAN_PATH HOME="$dir" LANG=C.UTF-8 "${ENVS[@]}" \
     python3 "$BENCH/measure.py" "$prefix" "${MEASURE_TIMEOUT:-$TIMEOUT}" "${WRAP[@]}" "$@")
  rc=$?
  read -r _ wall user sys rss <"$prefix.res" 2>/dev/null || { wall=0 user=0 sys=0 rss=0; }
  read -r req post get head < <(count_requests "$off")
  tail -c +$((off + 1)) "$PEBBLE_LOG" >"$prefix.pebble.log"
  verdict=$("$check" "$rc")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$client" "$run" "$rc" \
    "$([ "$verdict" = ok ] && echo 1 || echo 0)" "$wall" "$user" "$sys" "$rss" "$req" "$post" "$get" "$head" "$verdict" >>"$RUNS_TSV"
  say "$(printf '%-8s %-8s %-6s rc=%-3s wall=%7.3fs cpu=%6.3fs rss=%6sKB req=%-4s %s' "$section" "$client" "$run" "$rc" \
    "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" "$req" "$verdict")"
}

# hyperfine_row SECTION CLIENT RUNS CMD...: wall median (and mean user/sys) of many runs, as one row.
hyperfine_row() {
  local section=$1 client=$2 runs=$3 json off rc
  shift 3
  json=$WORK/raw/$section-$client-hyperfine.json
  mkdir -p "$WORK/raw"
  off=$(log_size)
  timeout "$TIMEOUT" env -i PATH=$CLEAN_PATH HOME="$WORK" LANG=C.UTF-8 "${CONCORDE_ENVS[@]}" hyperfine -N --warmup 3 \
    --runs "$runs" --time-unit millisecond --export-json "$json" "$(printf '%q ' "$@")" >"$WORK/raw/$section-$client-hyperfine.txt" 2>&1
  rc=$?
  read -r req post get head < <(count_requests "$off")
  python3 - "$json" "$section" "$client" "$rc" "$req" "$post" "$get" "$head" >>"$RUNS_TSV" <<'PY'
import json, sys
path, section, client, rc, req, post, get, head = sys.argv[1:]
try:
    r = json.load(open(path))["results"][0]
    row = [section, client, "hyperfine", rc, "1" if rc == "0" else "0", f"{r['median']:.6f}", f"{r['user']:.6f}",
           f"{r['system']:.6f}", "", req, post, get, head,
           f"n={len(r['times'])} mean={r['mean']*1000:.2f}ms sd={(r['stddev'] or 0)*1000:.2f}ms min={r['min']*1000:.2f}ms max={r['max']*1000:.2f}ms"]
except (OSError, KeyError, IndexError, ValueError) as e:
    row = [section, client, "hyperfine", rc, "0", "0", "0", "0", "", req, post, get, head, f"hyperfine failed: {e}"]
print("\t".join(row))
PY
  tail -n 1 "$RUNS_TSV" | awk -F'\t' -v s="$section" '{ printf "bench: %-8s hyperfine median=%.2fms %s req=%s\n", s, $6 * 1000, $14, $10 }' >&2
}

# loop_row SECTION CLIENT RUNS CMD...: the same without hyperfine (date +%s%N around each run).
loop_row() {
  local section=$1 client=$2 runs=$3 i t0 t1 off
  shift 3
  off=$(log_size)
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N); timeout 60 env -i PATH=$CLEAN_PATH HOME="$WORK" "${CONCORDE_ENVS[@]}" "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | sort -n | awk -v s="$section" -v c="$client" -v n="$runs" -v req="$(count_requests "$off")" '
    { v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; split(req, r, " ")
      printf "%s\t%s\tloop\t0\t1\t%.6f\t\t\t\t%s\t%s\t%s\t%s\tn=%d (date +%%s%%N loop, includes fork+exec of env)\n", s, c, m / 1e6, r[1], r[2], r[3], r[4], n }' >>"$RUNS_TSV"
}

# ---- checks -------------------------------------------------------------------------------------------------------
CERT="" DOMAIN=""
check_issued() { # the client exited 0 and left a certificate for $DOMAIN valid for at least a day
  if [ "$1" != 0 ]; then echo "rc=$1"; return; fi
  if ! [ -s "$CERT" ]; then echo "no certificate at $CERT"; return; fi
  openssl x509 -in "$CERT" -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:$DOMAIN\$" || { echo "certificate does not name $DOMAIN"; return; }
  openssl x509 -in "$CERT" -noout -checkend 86400 >/dev/null || { echo "certificate expires within a day"; return; }
  echo ok
}
PROFILE_SUM=""
check_noop() { # exit 0, nothing in the profile changed, no request (the request count is checked by the report)
  [ "$1" = 0 ] || { echo "rc=$1"; return; }
  [ "$(profile_sum "$PROFILE")" = "$PROFILE_SUM" ] || { echo "the profile changed"; return; }
  echo ok
}
profile_sum() { (cd "$1" && find . -type f ! -name '*.lock' -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
check_rc0() { [ "$1" = 0 ] && echo ok || echo "rc=$1"; }

# ---- clients: each sets STATE-relative CMD, ENVS, WRAP and CERT for a fresh issuance of $DOMAIN in $STATE --------
issue_concorde() {
  printf '{"server": "%s", "caBundle": "%s", "renewal": 30, "authenticators": {"http-01": "%s"}, "domains": {"%s": {}}}\n' \
    "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$HOOK" "$DOMAIN" >"$STATE/shaman.json"
  ENVS=("${CONCORDE_ENVS[@]}") WRAP=() CMD=("$SHAMAN" "$STATE") CERT=$STATE/$DOMAIN.cert.pub.pem
}
# lego answers http-01 with its own server. challtestsrv already holds 127.0.0.1:<http-01 port>, so lego
# binds 127.0.0.2 (still loopback) on the same port and challtestsrv's DNS sends Pebble there for this name.
issue_lego() {
  curl -sf -o /dev/null -X POST -d "{\"host\":\"$DOMAIN\",\"addresses\":[\"127.0.0.2\"]}" "$CTS_URL/add-a" || return 1
  ENVS=(LEGO_CA_CERTIFICATES="$PEBBLE_CA") WRAP=()
  CMD=(lego --server "$PEBBLE_DIR_URL" --path "$STATE/lego" --email bench@example.com --accept-tos --key-type ec384
       --domains "$DOMAIN" --http --http.port "127.0.0.2:$HTTP01_PORT" run)
  CERT=$STATE/lego/certificates/$DOMAIN.crt
}
issue_certbot() {
  ENVS=(REQUESTS_CA_BUNDLE="$PEBBLE_CA") WRAP=()
  CMD=(certbot certonly --non-interactive --agree-tos --register-unsafely-without-email --server "$PEBBLE_DIR_URL"
       --config-dir "$STATE/conf" --work-dir "$STATE/work" --logs-dir "$STATE/logs" --manual --preferred-challenges http
       --manual-auth-hook "$WORK/certbot-auth" --manual-cleanup-hook "$WORK/certbot-cleanup"
       --key-type ecdsa --elliptic-curve secp384r1 -d "$DOMAIN")
  CERT=$STATE/conf/live/$DOMAIN/cert.pem
}
# uacme has no CA option and GnuTLS ignores SSL_CERT_FILE: WRAP runs it in a private mount namespace where
# the trust dir (Pebble's CA only) is bind-mounted over /etc/ssl/certs. `new` + `issue` = one issuance.
issue_uacme() {
  ENVS=()
  WRAP=(unshare -m --propagation private sh -c 'mount --bind "$0" /etc/ssl/certs && exec "$@"' "$TRUST_DIR")
  CMD=(sh -c 'uacme -y -a "$1" -c "$2" -t EC -b 384 new && exec uacme -a "$1" -c "$2" -t EC -b 384 -h "$3" issue "$4"'
       sh "$PEBBLE_DIR_URL" "$STATE/uacme" "$HOOK" "$DOMAIN")
  CERT=$STATE/uacme/$DOMAIN/cert.pem
}
version_of() {
  case $1 in
    concorde) "$BIN" --version 2>&1 | head -1 ;;
    lego) echo "lego $(dpkg-query -W -f '${Version}' lego 2>/dev/null)" ;;
    certbot) certbot --version 2>&1 | head -1 ;;
    uacme) uacme -V 2>&1 | head -1 ;;
  esac
}

fresh() { # fresh CLIENT
  local c=$1 i run
  for ((i = 1 - WARMUP; i <= RUNS; i++)); do
    run=$i; [ "$i" -le 0 ] && run=warmup$((1 - i))
    STATE=$WORK/state/fresh-$c-$run DOMAIN=$c-$run-$RANDOM.bench.test
    rm -rf "$STATE"; mkdir -p "$STATE"
    "issue_$c" || { say "$c: could not prepare run $run"; continue; }
    measure "$([ "$i" -le 0 ] && echo warmup || echo fresh)" "$c" "$run" check_issued "$STATE" -- "${CMD[@]}"
  done
}

# ---- profiles whose certificates are all current (no-op runs) ------------------------------------------------------
# Domain keys are P-384 PKCS#8 PEM; each certificate is a leaf for its name signed by a throwaway CA, valid for
# ten years, followed by the CA certificate (the chain as a CA would send it); certificate_id is a URL on this
# Pebble that does not exist, so a run that wrongly fetched it would show up in Pebble's log.
make_pool() { # make_pool N -> $WORK/pool with N keys and certificates
  local pool=$WORK/pool n=$1
  mkdir -p "$pool"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 3650 -subj "/CN=bench no-op CA" \
    -keyout "$pool/ca.key" -out "$pool/ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null || return 1
  cat >"$pool/leaf.cnf" <<'CNF'
[req]
distinguished_name = dn
x509_extensions = leaf
prompt = no
[dn]
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:${ENV::LEAF_NAME}
CNF
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$pool/account.key.priv.pem" 2>/dev/null || return 1
  seq 1 "$n" | xargs -P "$(nproc)" -I{} sh -c '
    name=noop-$1.bench.test
    LEAF_NAME=$name openssl req -x509 -config "$0/leaf.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
      -keyout "$0/$name.key.priv.pem" -out "$0/$name.leaf.pem" -CA "$0/ca.pem" -CAkey "$0/ca.key" -days 3650 \
      -subj "/CN=$name" 2>/dev/null && cat "$0/$name.leaf.pem" "$0/ca.pem" >"$0/$name.cert.pub.pem" && rm "$0/$name.leaf.pem"' "$pool" {}
  [ "$(ls "$pool"/noop-*.cert.pub.pem | wc -l)" = "$n" ]
}
make_noop_profile() { # make_noop_profile N DIR [LOG_THRESHOLD]
  local n=$1 dir=$2 i name sep="" check_after
  # What shaman records after asking a CA without ARI (Pebble 2.4): ask again in a day. A profile without it
  # (as the Python tool leaves it) costs its first run one directory fetch; the cron case is the one after.
  check_after=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$WORK/pool/account.key.priv.pem" "$dir/"
  {
    printf '{\n    "account_id": "%s/my-account/bench-noop",\n    "account_server": "%s",\n    "authenticators": {\n        "http-01": "%s"\n    },\n' "$ACME_BASE" "$PEBBLE_DIR_URL" "$HOOK"
    printf '    "caBundle": "%s",\n    "domains": {\n' "$PEBBLE_CA"
    for ((i = 1; i <= n; i++)); do
      name=noop-$i.bench.test
      cp "$WORK/pool/$name.key.priv.pem" "$WORK/pool/$name.cert.pub.pem" "$dir/"
      printf '%s        "%s": {\n            "certificate_id": "%s/certZ/noop%04d",\n            "key": "%s.key.priv.pem",\n            "renewalInfo": {\n                "checkAfter": "%s"\n            }\n        }' \
        "$sep" "$name" "$ACME_BASE" "$i" "$name" "$check_after"
      sep=$',\n'
    done
    printf '\n    },\n    "key": "account.key.priv.pem",\n'
    [ -n "${3:-}" ] && printf '    "logThreshold": %s,\n' "$3"
    printf '    "renewal": 30,\n    "server": "%s"\n}\n' "$PEBBLE_DIR_URL"
  } >"$dir/shaman.json"
}

noop() { # noop N
  local n=$1 i runs off current rc
  PROFILE=$WORK/state/noop-$n
  # Proof that shaman considers every certificate current: a debug-level run on a copy says so once per domain.
  make_noop_profile "$n" "$PROFILE.debug" 10
  off=$(log_size)
  timeout "$TIMEOUT" env -i PATH=$CLEAN_PATH HOME="$WORK" "${CONCORDE_ENVS[@]}" "$SHAMAN" "$PROFILE.debug" >"$PROFILE.debug.out" 2>&1
  rc=$?
  current=$(grep -c ': valid for ' "$PROFILE.debug.out")
  say "noop-$n: debug run rc=$rc says $current of $n certificates are current; requests: $(count_requests "$off")"
  meta "noop-$n.current" "$current of $n (debug run rc=$rc, requests $(count_requests "$off"))"
  make_noop_profile "$n" "$PROFILE"
  PROFILE_SUM=$(profile_sum "$PROFILE")
  ENVS=("${CONCORDE_ENVS[@]}") WRAP=()
  for ((i = 1; i <= RUNS; i++)); do measure "noop-$n" concorde "$i" check_noop "$PROFILE" -- "$SHAMAN" "$PROFILE"; done
  case $n in 1) runs=50 ;; 100) runs=30 ;; *) runs=10 ;; esac
  if command -v hyperfine >/dev/null; then hyperfine_row "noop-$n" concorde "$runs" "$SHAMAN" "$PROFILE"
  else loop_row "noop-$n" concorde "$runs" "$SHAMAN" "$PROFILE"; fi
  [ "$(profile_sum "$PROFILE")" = "$PROFILE_SUM" ] || say "noop-$n: the profile CHANGED during the timed runs"
}

# ---- run ------------------------------------------------------------------------------------------------------------
CLIENTS=(concorde)
if [ "$PEERS" = 1 ]; then
  for c in uacme lego certbot; do
    if ! command -v "$c" >/dev/null; then say "$c is not installed; skipped (apt-get install -y $c)"
    elif [ "$c" = uacme ] && [ "$(id -u)" != 0 ]; then say "uacme skipped: its CA trust needs a private mount namespace (root)"
    else CLIENTS+=("$c"); fi
  done
fi
meta date "$(date -u '+%F %T UTC')"
meta machine "$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
meta binary "$BIN"
meta concorde_env "${CONCORDE_ENV:-}"
meta load "$(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load average at the start)"
meta binary_bytes "$(stat -L -c %s "$BIN")"
meta pebble "pebble $(dpkg-query -W -f '${Version}' pebble 2>/dev/null); PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0"
meta runs "$RUNS timed (+$WARMUP warm-up) fresh issuances per client; $RUNS measured no-op runs per size plus a hyperfine series"
[ "$BULK" = 1 ] && meta bulk_runs "$BULK_RUNS"
for c in "${CLIENTS[@]}"; do meta "version.$c" "$(version_of "$c")"; done
meta hyperfine "$(hyperfine --version 2>/dev/null || echo 'not installed (timing loop)')"

say "fresh issuance: ${CLIENTS[*]}"
for c in "${CLIENTS[@]}"; do fresh "$c"; done

say "no-op runs"
make_pool 1000 || die "could not generate the no-op profiles"
for n in 1 100 1000; do noop "$n"; done

say "startup"
ENVS=("${CONCORDE_ENVS[@]}") WRAP=()
for ((i = 1; i <= RUNS; i++)); do measure version concorde "$i" check_rc0 "$WORK" -- "$BIN" --version; done
if command -v hyperfine >/dev/null; then hyperfine_row version concorde 200 "$BIN" --version
else loop_row version concorde 200 "$BIN" --version; fi

if [ "$BULK" = 1 ]; then
  # ==== 100 new domains in one profile: `parallel` 1 vs the default (4) vs 8 ================================================
  # Each run is a fresh profile with 100 names nobody used before (so no authorization is reused) and the same
  # account-less start as a fresh issuance. The modes alternate (1, default, 8, 1, default, 8, ...) so a change in
  # the machine's load hits all three alike; the report takes each mode's median and the speedup against `parallel` 1.
  say "100 new domains in one profile: parallel ${BULK_MODES[*]}, $BULK_RUNS run(s) each"
  check_bulk() { # exit 0, 100 certificates on disk, and shaman.json records a certificate_id (no order_id) for each
    [ "$1" = 0 ] || { echo "rc=$1"; return; }
    local n; n=$(ls "$STATE"/bulk-*.cert.pub.pem 2>/dev/null | wc -l)
    [ "$n" = 100 ] || { echo "$n of 100 certificates"; return; }
    python3 - "$STATE/shaman.json" <<'PY' || { echo "shaman.json is not consistent"; return; }
import json, sys
d = json.load(open(sys.argv[1]))["domains"]
sys.exit(0 if len(d) == 100 and all("certificate_id" in v and "order_id" not in v for v in d.values()) else 1)
PY
    echo ok
  }
  ENVS=("${CONCORDE_ENVS[@]}") WRAP=()
  for ((r = 1; r <= BULK_RUNS; r++)); do
    for mode in "${BULK_MODES[@]}"; do
      STATE=$WORK/state/bulk100-$mode-$r
      rm -rf "$STATE"; mkdir -p "$STATE"
      {
        printf '{"server": "%s", "caBundle": "%s", "renewal": 30, "authenticators": {"http-01": "%s"}, ' \
          "$PEBBLE_DIR_URL" "$PEBBLE_CA" "$HOOK"
        [ "$mode" = default ] || printf '"parallel": %d, ' "$mode"
        printf '"domains": {'
        for ((i = 1; i <= 100; i++)); do printf '%s"bulk-%03d-%s-%s-%s.bench.test": {}' "$([ $i = 1 ] || echo ', ')" "$i" "$mode" "$r" "$RANDOM"; done
        printf '}}\n'
      } >"$STATE/shaman.json"
      MEASURE_TIMEOUT=$((3 * TIMEOUT)) measure "bulk100-$mode" concorde "$r" check_bulk "$STATE" -- "$SHAMAN" "$STATE"
    done
  done
fi

python3 "$BENCH/report.py" "$WORK" | tee "$WORK/summary.md"
say "summary: $WORK/summary.md; every run: $WORK/runs.tsv; commands: $WORK/commands.txt"
