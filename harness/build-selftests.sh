#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build, statically linked, the selftests that harness/tests/<arch>.list and
# harness/tests/<arch>-*.list name, from the same tree and against the
# headers of the kernel just built.
#
# usage: build-selftests.sh arm64|x86_64
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${CACHE:?}"
arch=$1
tree=$BUILD/linux
hdr=$BUILD/obj/$arch${DEBUG:+-debug}/usr/include
out=$BUILD/kst/$arch
lists=("$TOP/harness/tests/$arch.list" "$TOP"/harness/tests/"$arch"-*.list)

# liburing, for kvm/dmabuf_events_uring: Debian's liburing-dev on x86_64;
# for arm64 the static library and headers of its multiarch package, which
# harness/host-deps.sh unpacks in the cache.
uring=$CACHE/liburing-arm64
case $arch in
arm64)	args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="ccache aarch64-linux-gnu-gcc"
	      LIBURING="$uring/usr/lib/aarch64-linux-gnu/liburing.a"
	      LIBURING_CFLAGS="-I$uring/usr/include") ;;
x86_64)	args=(ARCH=x86 CC="ccache gcc" LIBURING=-luring) ;;
*)	echo "build-selftests: unknown architecture $arch" >&2; exit 2 ;;
esac

# One make per selftests directory, for the programs the list names in it
# (not the harness's own, ../harness/...):
# the shortest leading directory with a Makefile (kvm/x86_64/foo is built
# by kvm/Makefile, drivers/dma-buf-phys/foo by drivers/dma-buf-phys/Makefile).
sel=$tree/tools/testing/selftests
progs=$(awk '!/^#/ && NF && $1 !~ /^\.\.\// { print $1 }' "${lists[@]}" | sort -u)
makedir() {
	local d=${1%%/*} rest=${1#*/}
	until [ -f "$sel/$d/Makefile" ] || [ "$rest" = "${rest#*/}" ]; do
		d=$d/${rest%%/*}
		rest=${rest#*/}
	done
	echo "$d"
}
start=$(date +%s)
mkdir -p "$out"
: > "$out.log"
for d in $(for p in $progs; do makedir "$p"; done | sort -u); do
	targets=$(for p in $progs; do
		if [ "$(makedir "$p")" = "$d" ]; then echo "$out/$p"; fi; done)
	mkdir -p "$out/$d"
	# shellcheck disable=SC2086
	if ! make -C "$sel/$d" -j"$(nproc)" "${args[@]}" \
		OUTPUT="$out/$d" KHDR_INCLUDES="-isystem $hdr" LDFLAGS=-static \
		$targets >>"$out.log" 2>&1; then
		tail -n 40 "$out.log" >&2
		echo "build-selftests: $arch: $d failed, full log: $out.log" >&2
		exit 1
	fi
done
echo "build-selftests: $arch: $(echo "$progs" | wc -w) tests in $(( $(date +%s) - start )) s"
