#!/bin/sh
# contrib/deb/build-deb.sh BINARY OUTDIR — package a published concorde binary (./build.sh) as
# OUTDIR/concorde_<version>_<arch>.deb and print the path of the .deb.
#
# The version is the csproj's <Version>, the one the binary reports. Depends is read off the binary:
# dpkg-shlibdeps maps the libraries it links (ELF NEEDED) to their packages; the OpenSSL library .NET
# opens at run time (dlopen, so not in NEEDED) is found by the soname the binary names, and `dpkg -S`
# gives its package. No maintainer script: installing enables and starts nothing.
# Set DEBFULLNAME and DEBEMAIL to name yourself as the maintainer of the package you build.
set -eu

fail() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || fail "usage: build-deb.sh BINARY OUTDIR"
binary=$(readlink -f "$1")
outdir=$2
[ -x "$binary" ] || fail "$1 is not an executable; run ./build.sh first"
for tool in dpkg-deb dpkg-shlibdeps objdump gzip; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install dpkg-dev"
done
repo=$(cd "$(dirname "$0")/../.." && pwd)
contrib=$repo/contrib

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/concorde.csproj")
[ -n "$version" ] || fail "no <Version> in $repo/concorde.csproj"
reported=$("$binary" --version)
[ "$reported" = "concorde $version" ] || fail "$1 says \"$reported\" but concorde.csproj says $version; run ./build.sh again"

case $(objdump -f "$binary" | sed -n 's/^architecture: \([^,]*\),.*/\1/p') in
    i386:x86-64) arch=amd64 ldconfig_tag=x86-64 ;;
    aarch64) arch=arm64 ldconfig_tag=AArch64 ;;
    *) fail "$1 is built for an architecture this script does not know" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The debhelper layout, where dpkg-shlibdeps expects a package's files.
root=$work/debian/concorde
doc=$root/usr/share/doc/concorde

install -D -m 0755 "$binary" "$root/usr/bin/concorde"
ln -s concorde "$root/usr/bin/shaman"

for page in concorde.1 shaman.8 shaman.json.5; do
    install -d "$root/usr/share/man/man${page##*.}"
    gzip -9n < "$contrib/man/$page" > "$root/usr/share/man/man${page##*.}/$page.gz"
done

install -D -m 0644 "$contrib/completion/concorde.bash" "$root/usr/share/bash-completion/completions/concorde"
ln -s concorde "$root/usr/share/bash-completion/completions/shaman"

# The units and the cron table name the binary where the package puts it.
install -d "$root/usr/lib/systemd/system" "$doc/examples/cron"
for unit in shaman@.service shaman@.timer; do
    sed 's:/usr/local/bin/shaman:/usr/bin/shaman:g' "$contrib/systemd/$unit" > "$root/usr/lib/systemd/system/$unit"
done
sed 's:/usr/local/bin/shaman:/usr/bin/shaman:g' "$contrib/cron/shaman" > "$doc/examples/cron/shaman"
install -D -m 0755 -t "$doc/examples/authenticators" "$contrib/authenticators/http01-webroot" "$contrib/authenticators/dns01-nsupdate" \
    "$contrib/authenticators/dns01-lexicon"
install -D -m 0755 -t "$doc/examples/deploy" "$contrib/deploy/reload-nginx"
install -D -m 0755 -t "$doc/examples/notify" "$contrib/notify/mail" "$contrib/notify/webhook"
install -D -m 0644 "$contrib/deb/lintian-overrides" "$root/usr/share/lintian/overrides/concorde"

# Debian's machine-readable copyright format; the MIT licence is called Expat there.
{
    printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'
    printf 'Upstream-Name: concorde\n\n'
    printf 'Files: *\n'
    sed -n 's/^Copyright (c) /Copyright: /p' "$repo/LICENSE"
    printf 'License: Expat\n'
    sed '1,/^Copyright/d' "$repo/LICENSE" | sed '/./,$!d' | sed 's/^$/./; s/^/ /'
} > "$doc/copyright"

maintainer="${DEBFULLNAME:-The concorde authors} <${DEBEMAIL:-concorde@example.org}>"
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
{
    printf 'concorde (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Release %s; the changes are in the git history of the source.\n\n' "$version"
    printf ' -- %s  %s\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$epoch")"
} | gzip -9n > "$doc/changelog.gz"

chmod -R u=rwX,go=rX "$root"
chmod 0755 "$root/usr/bin/concorde" "$doc/examples/authenticators/"* "$doc/examples/deploy/"*

# Depends: the packages of the libraries the binary links, with the versions their symbols need ...
install -d "$root/DEBIAN" # marks the package root for dpkg-shlibdeps
printf 'Source: concorde\n\nPackage: concorde\nArchitecture: any\n' > "$work/debian/control"
linked=$(cd "$work" && dpkg-shlibdeps -O debian/concorde/usr/bin/concorde | sed -n 's/^shlibs:Depends=//p')
# ... and of the OpenSSL library it opens at run time: the first soname it names that is installed.
openssl=$(grep -ao 'libssl\.so\.[0-9][0-9.]*' "$binary" | sort -u -r -V | while read -r soname; do
    path=$(ldconfig -p | awk -v so="$soname" -v tag="$ldconfig_tag" '$1 == so && index($0, tag) { print $NF; exit }')
    [ -n "$path" ] || continue
    owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null) || continue
    printf '%s\n' "${owner%%:*}"
    break
done)
[ -n "$linked" ] || fail "dpkg-shlibdeps found no library in $1"
[ -n "$openssl" ] || fail "no package provides the OpenSSL library $1 opens; apt-get install libssl3"

# Every file carries the source's date, so that the same tree builds the same package.
find "$root" -exec touch -h -d "@$epoch" {} +

sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INSTALLED_SIZE@|$(du -sk "$root" | cut -f1)|" -e "s|@DEPENDS@|$linked, $openssl|" \
    "$contrib/deb/control" > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

mkdir -p "$outdir"
deb=$outdir/concorde_${version}_$arch.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
printf '%s\n' "$deb"
