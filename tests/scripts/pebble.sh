# pebble.sh — sourced by demo.sh and bench/: start Pebble and pebble-challtestsrv on free loopback ports
# with a throwaway CA. After `pebble_start WORKDIR`, these are set:
#   PEBBLE_DIR_URL  the ACME directory        PEBBLE_CA        the CA file clients must trust
#   CTS_URL         challtestsrv management   PEBBLE_LOG       Pebble's log file
# `pebble_stop` ends both (also registered on EXIT by pebble_start). PEBBLE_* variables in the
# environment reach Pebble; PEBBLE_VA_NOSLEEP, PEBBLE_WFE_NONCEREJECT and PEBBLE_AUTHZREUSE default to 1, 0
# and 0 (Pebble 2.4's authorization-reuse lookup can deadlock under parallel new orders).

PEBBLE_PORTS_TAKEN=" "
pebble_free_port() { # pebble_free_port VAR: a loopback TCP port nobody listens on, not handed out before
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    case $PEBBLE_PORTS_TAKEN in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PEBBLE_PORTS_TAKEN+="$port "; printf -v "$1" %s "$port"; return; fi
  done
}

pebble_start() {
  local work=$1 acme mgmt http01 tls dns cts var
  mkdir -p "$work"
  for var in acme mgmt http01 tls dns cts; do pebble_free_port "$var"; done
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=concorde test CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$work/localhost.key" -out "$work/localhost.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/localhost.ext"
  openssl x509 -req -in "$work/localhost.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/localhost.ext" -out "$work/localhost.pem" 2>/dev/null
  cat > "$work/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$mgmt",
  "certificate": "$work/localhost.pem", "privateKey": "$work/localhost.key",
  "httpPort": $http01, "tlsPort": $tls, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
  pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$dns" -http01 "127.0.0.1:$http01" \
    -https01 "" -tlsalpn01 "127.0.0.1:$tls" -management "127.0.0.1:$cts" > "$work/challtestsrv.log" 2>&1 &
  PEBBLE_CTS_PID=$!
  PEBBLE_VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-1} PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0} \
    pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$dns" > "$work/pebble.log" 2>&1 &
  PEBBLE_PID=$!
  trap pebble_stop EXIT
  PEBBLE_DIR_URL=https://127.0.0.1:$acme/dir PEBBLE_CA=$work/ca.pem CTS_URL=http://127.0.0.1:$cts PEBBLE_LOG=$work/pebble.log
  local _
  for _ in $(seq 200); do
    if curl -sf --cacert "$PEBBLE_CA" -o /dev/null "$PEBBLE_DIR_URL" && curl -s -o /dev/null "$CTS_URL/"; then return 0; fi
    sleep 0.05
  done
  echo "pebble did not start; its log:" >&2; cat "$work/pebble.log" >&2
  return 1
}

pebble_stop() {
  kill "${PEBBLE_PID:-}" "${PEBBLE_CTS_PID:-}" 2>/dev/null || true
  wait "${PEBBLE_PID:-}" "${PEBBLE_CTS_PID:-}" 2>/dev/null || true
}

# An http-01 authenticator that publishes through challtestsrv: pebble_http01_authenticator PATH
pebble_http01_authenticator() {
  cat > "$1" <<SH
#!/bin/sh
# Authenticator protocol: stdin is "<token>\n<key authorization>\n"; exit 0 once published.
read -r token; read -r key_authorization
exec curl -sf -o /dev/null -X POST -d "{\"token\":\"\$token\",\"content\":\"\$key_authorization\"}" $CTS_URL/add-http01
SH
  chmod +x "$1"
}
