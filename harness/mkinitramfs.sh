#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pack the guest's initramfs: Debian's static busybox, the init and runner from
# harness/guest/, the test list and the selftest binaries it names.  A list
# that runs the end-to-end test (../harness/e2e-qemu) also gets what it
# boots: QEMU from harness/qemu.sh in /qemu with its firmware (x86: Debian's
# SeaBIOS and option ROMs), and in /l2 the run's kernel and the nested
# guest's initramfs (busybox, harness/guest/l2-init, bar-pattern), and in
# /harness the tool that poisons a page of the BAR (poison-pfn).
#
# usage: mkinitramfs.sh arm64|x86_64
# environment:
#   RUN=name     write build/<name>/initramfs.cpio, which harness/boot.sh
#                boots with the same RUN (default as boot.sh's)
#   KERNEL=name  the kernel the run boots, build/obj/<name> (default <arch>),
#                which is also the nested guest's
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
arm64)	busybox=$CACHE/busybox-arm64/bin/busybox cc=aarch64-linux-gnu-gcc
	target=aarch64 image=arch/arm64/boot/Image ;;
x86_64)	busybox=/bin/busybox cc=gcc target=x86_64 image=arch/x86/boot/bzImage ;;
esac

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,kst,harness}
cp "$busybox" "$root/bin/busybox"
mknod -m 600 "$root/dev/console" c 5 1
install -m 755 "$TOP/harness/guest/init" "$root/init"
install -m 755 "$TOP"/harness/guest/{run-tests,bind-vfio,e2e-qemu} "$root/harness/"
grep -v '^#' "$list" | awk 'NF' | grep -E -- "${TESTS:-.}" > "$root/harness/tests.list"
awk '$1 !~ /^\.\.\// { print $1 }' "$root/harness/tests.list" | sort -u | while read -r t; do
	mkdir -p "$root/kst/$(dirname "$t")"
	cp "$kst/$t" "$root/kst/$t"
done

if grep -q '^\.\./harness/e2e-qemu' "$root/harness/tests.list"; then
	qemu=$BUILD/qemu/$target/qemu-system-$target
	[ -x "$qemu" ] || { echo "mkinitramfs: $run needs $qemu (make qemu)" >&2; exit 1; }
	mkdir -p "$root/qemu" "$root/l2"
	cp "$qemu" "$root/qemu/"
	[ "$arch" = x86_64 ] && cp /usr/share/seabios/bios-256k.bin \
		/usr/share/qemu/{linuxboot_dma.bin,kvmvapic.bin} "$root/qemu/"
	cp "$BUILD/obj/${KERNEL:-$arch}/$image" "$root/l2/"
	l2=$BUILD/initramfs/$run-l2
	rm -rf "$l2"
	mkdir -p "$l2"/{bin,dev,proc,sys}
	cp "$busybox" "$l2/bin/busybox"
	mknod -m 600 "$l2/dev/console" c 5 1
	install -m 755 "$TOP/harness/guest/l2-init" "$l2/init"
	$cc -static -O2 -Wall -Wextra -Werror -o "$l2/bin/bar-pattern" "$TOP/harness/guest/bar-pattern.c"
	$cc -static -O2 -Wall -Wextra -Werror -I"$TOP/drivers/dma-buf" \
		-o "$root/harness/poison-pfn" "$TOP/harness/guest/poison-pfn.c"
	(cd "$l2" && find . | cpio -o -H newc --quiet) > "$root/l2/initramfs.cpio"
fi
mkdir -p "$BUILD/$run"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$BUILD/$run/initramfs.cpio"
echo "mkinitramfs: $run: $(wc -l < "$root/harness/tests.list") tests of $(basename "$list"), $(du -h "$BUILD/$run/initramfs.cpio" | cut -f1)"
