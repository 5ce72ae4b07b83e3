#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pack the guest's initramfs: Debian's static busybox, the init and runner from
# harness/guest/, the test list and the selftest binaries it names.
#
# usage: mkinitramfs.sh arm64|x86_64
# environment: TESTS=regex keeps only the list lines that match it, to
# iterate on a few tests; the report then counts only those.
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${CACHE:?}"
arch=$1
root=$BUILD/initramfs/$arch
kst=$BUILD/kst/$arch
list=$TOP/harness/tests/$arch.list

case $arch in
arm64)	busybox=$CACHE/busybox-arm64/bin/busybox ;;
x86_64)	busybox=/bin/busybox ;;
esac

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,kst,harness}
cp "$busybox" "$root/bin/busybox"
mknod -m 600 "$root/dev/console" c 5 1
install -m 755 "$TOP/harness/guest/init" "$root/init"
install -m 755 "$TOP"/harness/guest/run-tests "$TOP"/harness/guest/bind-vfio "$root/harness/"
grep -v '^#' "$list" | awk 'NF' | grep -E -- "${TESTS:-.}" > "$root/harness/tests.list"
awk '{ print $1 }' "$root/harness/tests.list" | sort -u | while read -r t; do
	mkdir -p "$root/kst/$(dirname "$t")"
	cp "$kst/$t" "$root/kst/$t"
done
mkdir -p "$BUILD/$arch"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$BUILD/$arch/initramfs.cpio"
echo "mkinitramfs: $arch: $(du -h "$BUILD/$arch/initramfs.cpio" | cut -f1)"
