#!/bin/sh
# release/sysroot.sh ARCH DIR — make DIR a Debian 11 (bullseye) root for ARCH (amd64 or arm64), once: a second
# call finds it complete and returns at once. The release binaries link against it (glibc 2.31, OpenSSL 1.1) and
# the tests run them in it: amd64 in a chroot, arm64 under qemu-aarch64-static -L DIR.
#
# amd64 is a real debootstrap (minbase). arm64 cannot run its second stage on this machine without binfmt, so its
# packages are only unpacked (--foreign), which is all the linker and qemu need. Set DEBIAN_MIRROR to use
# another mirror than Debian's default.
set -eu

fail() { printf 'sysroot.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || fail "usage: sysroot.sh amd64|arm64 DIR"
arch=$1
dir=$2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# libssl1.1: what .NET opens at run time; libc6-dev, libgcc-10-dev: what the linker needs; curl: what the tests'
# authenticator scripts publish challenge responses with, inside the chroot.
packages=libssl1.1,libc6-dev,libgcc-10-dev,curl
complete=$dir/.concorde-sysroot

[ "$(cat "$complete" 2>/dev/null)" = "$arch $packages" ] && exit 0
command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install debootstrap"
[ "$(id -u)" = 0 ] || fail "debootstrap needs root"
printf 'sysroot.sh: downloading a Debian 11 (bullseye) %s root into %s, once (about 50 MB of packages)\n' "$arch" "$dir" >&2
# A debootstrap cut short may leave /proc, /sys or /dev mounted in the root: never delete through them.
rm -rf --one-file-system "$dir"
mkdir -p "$dir"
case $arch in
    amd64)
        debootstrap --variant=minbase --include="$packages" bullseye "$dir" "$mirror" >"$dir.log" 2>&1 ||
            fail "debootstrap failed; its log is $dir.log" ;;
    arm64)
        debootstrap --arch=arm64 --foreign --variant=minbase --include="$packages" bullseye "$dir" "$mirror" >"$dir.log" 2>&1 ||
            fail "debootstrap failed; its log is $dir.log"
        # The first stage unpacks only the essential packages. tar keeps the merged-/usr links (lib -> usr/lib)
        # that dpkg-deb -x would replace with directories. Each package is recorded as installed, with its file
        # list and symbols, which is what dpkg-shlibdeps --admindir reads (contrib/deb/build-deb.sh).
        info=$dir/var/lib/dpkg/info
        mkdir -p "$info"
        echo 1 >"$info/format"
        : >"$dir/var/lib/dpkg/status"
        for deb in "$dir"/var/cache/apt/archives/*.deb; do
            # dpkg's own naming (info/format 1): the files of a Multi-Arch: same package carry its architecture.
            name=$(dpkg-deb --show --showformat="\${Package} \${Multi-Arch}" "$deb" | sed 's/ same$/:arm64/; s/ .*//')
            dpkg-deb --fsys-tarfile "$deb" | tar -xv --keep-directory-symlink -C "$dir" | sed 's:^\./:/:; s:/$::; /^$/d' >"$info/$name.list"
            control=$(mktemp -d)
            dpkg-deb --control "$deb" "$control"
            for file in symbols shlibs; do [ ! -f "$control/$file" ] || cp "$control/$file" "$info/$name.$file"; done
            rm -rf "$control"
            dpkg-deb --field "$deb" | sed '/^Package:/a Status: install ok installed' >>"$dir/var/lib/dpkg/status"
            echo >>"$dir/var/lib/dpkg/status"
        done ;;
    *) fail "unknown architecture $arch: amd64 or arm64" ;;
esac
rm -f "$dir"/var/cache/apt/archives/*.deb

# Absolute links (usr/lib64/ld-linux-x86-64.so.2 -> /lib/...) would lead the linker and qemu out of the root.
find "$dir" -type l -lname '/*' | while read -r link; do
    ln -sfn "$(realpath -s -m --relative-to="$(dirname "$link")" "$dir$(readlink "$link")")" "$link"
done
printf '%s %s\n' "$arch" "$packages" >"$complete"
