#!/usr/bin/env bash
# build.sh        publish the Native-AOT binary out/concorde and the out/shaman symlink
# build.sh test   install what the tests need (pebble, PowerDNS, lexicon, ...), publish, build the release (below), run every test
# build.sh demo   publish, start a local Pebble, issue a certificate with shaman, show it, stop Pebble
# build.sh deb    publish, then package out/concorde_<version>_<arch>.deb (contrib/deb/build-deb.sh)
# build.sh release  out/release/: concorde-<version>-linux-{x64,arm64} for glibc 2.28+ (release/), their .debs, SHA256SUMS
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'build.sh: %s\n' "$*" >&2; }

need_packages() { # need_packages CMD:PACKAGE ... — install the Debian packages of missing commands (or files: /path:PACKAGE)
  local missing=() pair
  for pair in "$@"; do
    case $pair in
      /*) [ -e "${pair%%:*}" ] || missing+=("${pair#*:}") ;;
      *) command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing: ${missing[*]}. Install them: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
}

publish() {
  # Native AOT links with clang (or gcc); zlib is linked statically from the SDK.
  need_packages clang:clang
  dotnet publish concorde.csproj -c Release -r linux-x64 -o out/publish -nologo -v quiet "-p:TreatWarningsAsErrors=true" >&2
  install -m 0755 out/publish/concorde out/concorde
  ln -sfn concorde out/shaman
  say "published out/concorde ($(stat -c %s out/concorde) bytes) and out/shaman -> concorde"
}

# What contrib/deb/build-deb.sh runs.
deb_packages=(dpkg-deb:dpkg dpkg-shlibdeps:dpkg-dev objdump:binutils gzip:gzip)
# What the release builds run: Debian 11 roots, arm64 linking and stripping, arm64 binaries run and read.
release_packages=(debootstrap:debootstrap ld.lld:lld aarch64-linux-gnu-objcopy:binutils-aarch64-linux-gnu qemu-aarch64-static:qemu-user-static)

release() {
  need_packages clang:clang "${deb_packages[@]}" "${release_packages[@]}"
  local version rid arch
  version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' concorde.csproj)
  # Linked anew every time (seconds): LinkNative would keep a binary linked before release/ or a root changed.
  rm -rf out/release bin/sysroot-link
  for rid in linux-x64 linux-arm64; do
    arch=${rid#linux-}; arch=${arch/x64/amd64}
    release/sysroot.sh "$arch" "$PWD/out/sysroot/bullseye-$arch"
    dotnet publish concorde.csproj -c Release -r "$rid" -p:SysRoot="$PWD/out/sysroot/bullseye-$arch" -o "out/publish-$rid" -nologo -v quiet "-p:TreatWarningsAsErrors=true" >&2
    install -D -m 0755 "out/publish-$rid/concorde" "out/release/concorde-$version-$rid"
    contrib/deb/build-deb.sh "out/release/concorde-$version-$rid" out/release "out/sysroot/bullseye-$arch" >/dev/null
  done
  (cd out/release && sha256sum -- concorde* > SHA256SUMS)
  say "built out/release: $(cd out/release && echo *)"
}

case "${1:-build}" in
  build)
    publish ;;
  test)
    need_packages clang:clang pebble:pebble pebble-challtestsrv:pebble openssl:openssl curl:curl python3:python3 strace:strace named-journalprint:bind9 nsupdate:bind9-dnsutils systemd-analyze:systemd shellcheck:shellcheck promtool:prometheus prometheus-node-exporter:prometheus-node-exporter aiosmtpd:python3-aiosmtpd msmtp:msmtp \
      "${deb_packages[@]}" man:man-db groff:groff-base lintian:lintian nginx:nginx-light caddy:caddy \
      lexicon:lexicon /usr/sbin/pdns_server:pdns-server /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql:pdns-backend-sqlite3 sqlite3:sqlite3 dig:bind9-dnsutils certbot:certbot
    # The style in .editorconfig is checked, not just suggested.
    dotnet format concorde.csproj --verify-no-changes -v q || { say "dotnet format would change the files above: run dotnet format"; exit 1; }
    dotnet format tests/concorde.tests.csproj --verify-no-changes -v q || { say "dotnet format would change the files above: run dotnet format tests/concorde.tests.csproj"; exit 1; }
    publish
    release
    export CONCORDE_BIN=$PWD/out/concorde CONCORDE_RELEASE_DIR=$PWD/out/release CONCORDE_SYSROOT_DIR=$PWD/out/sysroot
    # The tests write profiles with the default mode; under a caller's umask 002 they would be group-writable,
    # and shaman rightly refuses them (StrictModes).
    umask 022
    # `|| status=$?`: under set -e a failing run would end the script here, before the counts and the skip check.
    status=0
    dotnet test tests/concorde.tests.csproj -c Release -nologo --logger "console;verbosity=normal" 2>&1 | tee out/test.log || status=$?
    # A skipped test is not a passed test: Pebble tests must run.
    if grep -qE '^\s*Skipped ' out/test.log; then say "some tests were skipped"; exit 1; fi
    passed=$(sed -nE 's/^ *Passed: *([0-9]+)$/\1/p' out/test.log | tail -1)
    failed=$(sed -nE 's/^ *Failed: *([0-9]+)$/\1/p' out/test.log | tail -1)
    [ -n "$passed" ] || passed=$(sed -nE 's/.*Passed: *([0-9]+),.*/\1/p' out/test.log | tail -1)
    [ -n "$failed" ] || failed=$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' out/test.log | tail -1)
    echo "${passed:-0} passed, ${failed:-0} failed"
    exit "$status" ;;
  release)
    release ;;
  demo)
    need_packages clang:clang pebble:pebble pebble-challtestsrv:pebble curl:curl openssl:openssl
    publish
    exec bash tests/demo.sh "$PWD/out/concorde" ;;
  deb)
    need_packages clang:clang "${deb_packages[@]}"
    publish
    say "built $(contrib/deb/build-deb.sh out/concorde out)" ;;
  *)
    sed -n '2,5p' "$0" >&2; exit 2 ;;
esac
