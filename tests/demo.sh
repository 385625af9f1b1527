#!/usr/bin/env bash
# demo.sh <concorde binary> — issue a real certificate on this machine, end to end, without touching the
# network: a local Pebble CA and pebble-challtestsrv on loopback, a fresh shaman profile whose http-01
# authenticator publishes through challtestsrv, one shaman run, then the certificate is shown.
set -euo pipefail
bin=$(realpath "$1")
here=$(dirname "${BASH_SOURCE[0]}")
work=$(mktemp -d /tmp/concorde-demo.XXXXXX)
. "$here/scripts/pebble.sh"
pebble_start "$work/pebble"
trap 'pebble_stop; rm -rf "$work"' EXIT

profile=$work/profile
mkdir -p "$profile"
pebble_http01_authenticator "$profile/publish-http01"
cat > "$profile/shaman.json" <<JSON
{
    "server": "$PEBBLE_DIR_URL",
    "caBundle": "$PEBBLE_CA",
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
