#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pack the guest's initramfs: Debian's static busybox, the init and runner from
# harness/guest/, the test list and the selftest binaries it names.
#
# usage: mkinitramfs.sh arm64|x86_64
# environment:
#   RUN=name     write build/<name>/initramfs.cpio, which harness/boot.sh
#                boots with the same RUN (default as boot.sh's)
#   LIST=name    the tests of harness/tests/<name>.list (default <arch>),
#                or of the list at LIST if it is an absolute path
#   TESTS=regex  keeps only the list lines that match it, to iterate on a
#                few tests; the report then counts only those
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${CACHE:?}"
arch=$1
run=${RUN:-$arch${CPU:+-$CPU}${DEBUG:+-debug}}
root=$BUILD/initramfs/$run
kst=$BUILD/kst/$arch
case ${LIST:-} in
/*)	list=$LIST ;;
*)	list=$TOP/harness/tests/${LIST:-$arch}.list ;;
esac

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
mkdir -p "$BUILD/$run"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$BUILD/$run/initramfs.cpio"
echo "mkinitramfs: $run: $(wc -l < "$root/harness/tests.list") tests of $(basename "$list"), $(du -h "$BUILD/$run/initramfs.cpio" | cut -f1)"
