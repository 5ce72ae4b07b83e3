#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the test kernel for one architecture, out of tree, with
# ccache.  The configuration is allnoconfig plus harness/config/common.config
# and harness/config/<arch>.config; every option the fragments set is checked
# in the result.
#
# usage: build-kernel.sh KERNEL
#   KERNEL is <arch>[-llvm][-debug], arch arm64 or x86_64: "-llvm" builds
#   with clang (as LLVM=1 does), "-debug" adds harness/config/debug.config
#   (lockdep, KASAN, DEBUG_VM, kmemleak; as DEBUG=1 does).  The kernel is
#   built in build/obj/KERNEL, which harness/boot.sh boots.
#
# Kernels are shared between runs and clones on this machine: a kernel whose
# inputs (harness/inputs.sh, the fragments, this script, the variables) are
# those of one built before is copied from $CACHE/kernels/KERNEL/<key>
# instead of built again.  The three newest keys of each kernel are kept.
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${CACHE:?}"
kernel=$1
arch=${kernel%%-*}
case -$kernel- in *-llvm-*) LLVM=1 ;; esac
case -$kernel- in *-debug-*) DEBUG=1 ;; esac
kernel=$arch${LLVM:+-llvm}${DEBUG:+-debug}
tree=$BUILD/linux
obj=$BUILD/obj/$kernel
log=$obj.log
mkdir -p "$obj"

case $arch in
arm64)	image=Image; cross=aarch64-linux-gnu- ;;
x86_64)	image=bzImage; cross= ;;
*)	echo "build-kernel: unknown architecture $arch" >&2; exit 2 ;;
esac

args=(-C "$tree" O="$obj" ARCH="$arch" -j"$(nproc)")
if [ -n "${LLVM:-}" ]; then
	args+=(LLVM=1 CC="ccache clang" HOSTCC="ccache clang")
else
	args+=(CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" HOSTCC="ccache gcc")
fi
[ -n "${W:-}" ] && args+=(W="$W")

frags=("$TOP/harness/config/common.config" "$TOP/harness/config/$arch.config")
[ -n "${DEBUG:-}" ] && frags+=("$TOP/harness/config/debug.config")

# The kernel cache.  A kernel copied from it belongs to the clone that built
# it (its .cmd files name that clone's paths): if the inputs change, it is
# not built on, but again from scratch (with ccache).
key=$("$TOP/harness/inputs.sh" kernel "${frags[@]}" "$0")
key=$(echo "$key $kernel W=${W:-}" | sha256sum | cut -c1-16)
kcache=$CACHE/kernels/$kernel
karch=${arch/x86_64/x86}
if [ "$(cat "$obj/.inputs" 2>/dev/null)" = "$key" ] && [ -f "$obj/arch/$karch/boot/$image" ]; then
	echo "build-kernel: $kernel $image is up to date (inputs $key)"
	exit 0
fi
if [ -f "$kcache/$key/.inputs" ]; then
	touch "$kcache/$key"
	rm -rf "$obj" "$obj.new"
	cp -a "$kcache/$key" "$obj.new"
	mv -T "$obj.new" "$obj"
	cp "$obj/.warnings" "$obj.warnings"
	echo "build-kernel: $kernel $image from the kernel cache ($kcache/$key)," \
	     "$(wc -l < "$obj.warnings") warning lines"
	exit 0
fi
if [ -f "$obj/.from-cache" ]; then
	rm -rf "$obj"
	mkdir -p "$obj"
fi
rm -f "$obj/.inputs"
cat "${frags[@]}" > "$obj/fragments.config.new"
if ! cmp -s "$obj/fragments.config.new" "$obj/fragments.config" || [ ! -f "$obj/.config" ]; then
	mv "$obj/fragments.config.new" "$obj/fragments.config"
	make "${args[@]}" KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig >"$obj.config.log" 2>&1
	bad=0
	while IFS='=' read -r opt val; do
		case $val in
		n) grep -q "^$opt=" "$obj/.config" && { echo "build-kernel: $opt is set, wanted n" >&2; bad=1; } ;;
		*) grep -qx "$opt=$val" "$obj/.config" || { echo "build-kernel: $opt=$val did not survive the config (a dependency is missing)" >&2; bad=1; } ;;
		esac
	done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$obj/fragments.config")
	if [ $bad -ne 0 ]; then
		rm -f "$obj/.config"
		exit 1
	fi
else
	rm -f "$obj/fragments.config.new"
fi

start=$(date +%s)
if ! make "${args[@]}" "$image" headers >"$log" 2>&1; then
	tail -n 60 "$log" >&2
	# The first errors, which parallel make may have left far above.
	grep -E -m 10 '(error|not found|Error [0-9]+)' "$log" | sed 's/^/build-kernel: /' >&2
	echo "build-kernel: $kernel build failed, full log: $log" >&2
	exit 1
fi
grep -E '(warning|error):' "$log" | sort -u > "$obj.warnings" || true
echo "build-kernel: $kernel $image in $(( $(date +%s) - start )) s, $(wc -l < "$obj.warnings") warning lines (see $obj.warnings)"

# Into the cache, and the oldest keys out of it.
echo "$key" > "$obj/.inputs"
mkdir -p "$kcache"
tmp=$(mktemp -d "$kcache/.new.XXXXXX")
cp -a "$obj/." "$tmp/"
cp "$obj.warnings" "$tmp/.warnings"
touch "$tmp/.from-cache"
rm -rf "${kcache:?}/$key"
mv -T "$tmp" "$kcache/$key"
# shellcheck disable=SC2012
ls -t "$kcache" | tail -n +4 | while read -r old; do rm -rf "${kcache:?}/$old"; done
# Copies that an interrupted run left.
find "$kcache" -maxdepth 1 -name '.new.*' -mmin +120 -exec rm -rf {} +
