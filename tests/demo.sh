#!/usr/bin/env bash
# demo.sh <concorde binary> — issue a real certificate on this machine, end to end, without touching the
# network: a local Pebble CA and pebble-challtestsrv on loopback, a fresh shaman profile whose http-01
# authenticator publishes through challtestsrv, one shaman run, then the certificate is shown.
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d /tmp/concorde-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1; }
acme=$(free_port) mgmt=$(free_port) http01=$(free_port) tls=$(free_port) dns=$(free_port) cts=$(free_port)

# A throwaway CA and a certificate for Pebble's HTTPS listener.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=concorde demo CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$work/localhost.key" -out "$work/localhost.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/ext"
openssl x509 -req -in "$work/localhost.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/ext" -out "$work/localhost.pem" 2>/dev/null

cat > "$work/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$mgmt",
  "certificate": "$work/localhost.pem", "privateKey": "$work/localhost.key",
  "httpPort": $http01, "tlsPort": $tls, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$dns" -http01 "127.0.0.1:$http01" \
  -https01 "" -tlsalpn01 "127.0.0.1:$tls" -management "127.0.0.1:$cts" > "$work/challtestsrv.log" 2>&1 &
pids+=($!)
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$dns" \
  > "$work/pebble.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -sf --cacert "$work/ca.pem" -o /dev/null "https://127.0.0.1:$acme/dir" && break
  sleep 0.1
done

profile=$work/profile
mkdir -p "$profile"
cat > "$profile/publish-http01" <<SH
#!/bin/sh
# An authenticator: reads the token and key authorization, publishes them, exits 0.
read -r token; read -r key_authorization
exec curl -sf -o /dev/null -X POST -d "{\"token\":\"\$token\",\"content\":\"\$key_authorization\"}" http://127.0.0.1:$cts/add-http01
SH
chmod +x "$profile/publish-http01"
cat > "$profile/shaman.json" <<JSON
{
    "server": "https://127.0.0.1:$acme/dir",
    "caBundle": "$work/ca.pem",
    "renewal": 30,
    "authenticators": { "http-01": "publish-http01" },
    "domains": { "demo.example.com": {} }
}
JSON
echo "== shaman $profile"
"$(dirname "$bin")/shaman" "$profile"
echo "== the certificate"
openssl x509 -in "$profile/demo.example.com.cert.pub.pem" -noout -subject -ext subjectAltName -enddate
echo "== shaman again: nothing to do"
"$(dirname "$bin")/shaman" "$profile" && echo "(exit 0, no request sent)"
