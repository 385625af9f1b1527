#!/bin/sh
# contrib/deb/build-deb.sh BINARY OUTDIR [ROOT] — package a published concorde binary (./build.sh) as
# OUTDIR/concorde_<version>_<arch>.deb and print the path of the .deb.
#
# The version is the csproj's <Version>, the one the binary reports. Depends is read off the binary:
# dpkg-shlibdeps maps the libraries it links (ELF NEEDED) to their packages; the OpenSSL library .NET
# opens at run time (dlopen, so not in NEEDED) is libssl3 or libssl1.1, the two the binary names that
# Debian has (tests/Release runs it with each). No postinst: installing enables and starts nothing; prerm and
# postrm stop, and on purge disable, the shaman@ timers the administrator enabled.
#
# A release binary (./build.sh release) comes with ROOT, the oldest Debian it is for (release/sysroot.sh), and
# dpkg-shlibdeps reads the libraries and their packages there instead of on this machine. A binary of another
# architecture needs ROOT, and runs under qemu-user-static with ROOT's libraries.
# Set DEBFULLNAME and DEBEMAIL to name yourself as the maintainer of the package you build.
set -eu

fail() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || [ $# -eq 3 ] || fail "usage: build-deb.sh BINARY OUTDIR [ROOT]"
binary=$(readlink -f "$1")
outdir=$2
sysroot=${3:+$(readlink -f "$3")}
[ -x "$binary" ] || fail "$1 is not an executable; run ./build.sh first"
for tool in dpkg-deb dpkg-shlibdeps objdump readelf gzip; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install dpkg-dev"
done
repo=$(cd "$(dirname "$0")/../.." && pwd)
contrib=$repo/contrib

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/concorde.csproj")
[ -n "$version" ] || fail "no <Version> in $repo/concorde.csproj"

case $(readelf -h "$binary" | sed -n 's/^ *Machine: *//p') in
    "Advanced Micro Devices X86-64") arch=amd64 multiarch=x86_64-linux-gnu emulator=qemu-x86_64-static ;;
    AArch64) arch=arm64 multiarch=aarch64-linux-gnu emulator=qemu-aarch64-static ;;
    *) fail "$1 is built for an architecture this script does not know" ;;
esac
run=
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
    [ -n "$sysroot" ] || fail "$1 is built for $arch: name a root of that architecture (release/sysroot.sh)"
    command -v "$emulator" >/dev/null || fail "$emulator is missing: apt-get install qemu-user-static"
    run="$emulator -L $sysroot"
fi

reported=$($run "$binary" --version)
case $reported in
    "concorde $version ("*")") ;;
    *) fail "$1 says \"$reported\" but concorde.csproj says $version; run ./build.sh again" ;;
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
# The programs a profile names ("deploy": "/usr/lib/concorde/deploy/reload-nginx") live outside
# /usr/share/doc, which a system may exclude from installation (dpkg --path-exclude); the directories are
# root-owned 0755, as shaman's StrictModes require of every directory on the way to a program.
lib=$root/usr/lib/concorde
install -D -m 0755 -t "$lib/authenticators" "$contrib/authenticators/http01-webroot" "$contrib/authenticators/dns01-nsupdate" \
    "$contrib/authenticators/dns01-lexicon"
# Each authenticator undoes its work when run as <name>-cleanup; the links are named by "cleanup".
for authenticator in http01-webroot dns01-nsupdate dns01-lexicon; do
    ln -s "$authenticator" "$lib/authenticators/$authenticator-cleanup"
done
install -D -m 0755 -t "$lib/deploy" "$contrib/deploy/reload-nginx"
install -D -m 0755 -t "$lib/notify" "$contrib/notify/mail" "$contrib/notify/webhook"
install -D -m 0644 -t "$lib/systemd" "$contrib/systemd/metrics.conf"
# Prometheus loads the rules from here (rule_files:); the promtool test names them by relative path.
install -D -m 0644 -t "$root/usr/share/concorde/prometheus" "$contrib/prometheus/concorde-rules.yml" \
    "$contrib/prometheus/concorde-rules.test.yml"
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
chmod 0755 "$root/usr/bin/concorde" "$lib/authenticators/"* "$lib/deploy/"* "$lib/notify/"*

# Depends: the packages of the libraries the binary links, with the versions their symbols need ...
install -d "$root/DEBIAN" # marks the package root for dpkg-shlibdeps
printf 'Source: concorde\n\nPackage: concorde\nArchitecture: any\n' > "$work/debian/control"
set --
if [ -n "$sysroot" ]; then
    # ROOT's libraries, found by the -l directories, and ROOT's package database, its file lists under ROOT.
    cp -r "$sysroot/var/lib/dpkg" "$work/admindir"
    sed -i "s|^/|$sysroot/|" "$work/admindir/info/"*.list
    set -- --admindir="$work/admindir" -l"$sysroot/lib/$multiarch" -l"$sysroot/usr/lib/$multiarch"
fi
linked=$(cd "$work" && DEB_HOST_ARCH=$arch dpkg-shlibdeps "$@" -O debian/concorde/usr/bin/concorde | sed -n 's/^shlibs:Depends=//p')
[ -n "$linked" ] || fail "dpkg-shlibdeps found no library in $1"
# ... and of the OpenSSL library it opens at run time.
for soname in libssl.so.3 libssl.so.1.1; do
    grep -aqF "$soname" "$binary" || fail "$1 does not name $soname: which OpenSSL does this .NET open?"
done

# Every file carries the source's date, so that the same tree builds the same package.
find "$root" -exec touch -h -d "@$epoch" {} +

sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
    -e "s|@INSTALLED_SIZE@|$(du -sk "$root" | cut -f1)|" -e "s/@DEPENDS@/$linked, libssl3 | libssl1.1/" \
    "$contrib/deb/control" > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
install -m 0755 "$contrib/deb/prerm" "$contrib/deb/postrm" "$root/DEBIAN/"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

mkdir -p "$outdir"
deb=$outdir/concorde_${version}_$arch.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
printf '%s\n' "$deb"
