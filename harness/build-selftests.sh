#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build, statically linked, the KVM selftests that harness/tests/<arch>.list
# names, from the same tree and against the headers of the kernel just built.
#
# usage: build-selftests.sh arm64|x86_64
set -euo pipefail
: "${TOP:?}" "${BUILD:?}"
arch=$1
tree=$BUILD/linux
hdr=$BUILD/obj/$arch/usr/include
out=$BUILD/kst/$arch
list=$TOP/harness/tests/$arch.list

case $arch in
arm64)	args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="ccache aarch64-linux-gnu-gcc") ;;
x86_64)	args=(ARCH=x86 CC="ccache gcc") ;;
*)	echo "build-selftests: unknown architecture $arch" >&2; exit 2 ;;
esac

targets=$(awk '!/^#/ && NF { print "'"$out"'/" $1 }' "$list" | sort -u)
mkdir -p "$out"
if ! make -C "$tree/tools/testing/selftests/kvm" -j"$(nproc)" "${args[@]}" \
	OUTPUT="$out" KHDR_INCLUDES="-isystem $hdr" LDFLAGS=-static \
	$targets >"$out.log" 2>&1; then
	tail -n 40 "$out.log" >&2
	echo "build-selftests: $arch failed, full log: $out.log" >&2
	exit 1
fi
echo "build-selftests: $arch: $(echo "$targets" | wc -w) tests"
