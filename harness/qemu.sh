#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the VMM of the end-to-end runs: QEMU from Debian 12's source
# package, pinned by the top-level Makefile (QEMU_SOURCE_VERSION), with
# Debian's own patches and then our quilt series qemu/patches/ applied, in
# build/qemu/src.  Each target is built out of tree in build/qemu/<target>,
# with ccache, as a static binary: the L1 guests run it from a busybox
# initramfs, which has no shared libraries.  KVM only, with vfio, and
# without TCG where QEMU 7.2 allows it (x86_64; aarch64 always builds TCG).
# aarch64 is cross-built against the sysroot of Debian's arm64 -dev
# packages that harness/host-deps.sh unpacks in $CACHE/qemu-sysroot-arm64.
#
# The source package is downloaded once into $CACHE/qemu-src.  A new
# version or a changed series unpacks and patches again, and builds from
# clean build directories (ccache keeps that cheap).
#
# The binaries are shared between runs and clones on this machine: a target
# whose inputs (harness/inputs.sh, this script) are those of one built before
# is copied from $CACHE/qemu-bin/TARGET-<key> instead of built again; the
# three newest keys of each target are kept.
#
# usage: qemu.sh [x86_64|aarch64]...   (default both)
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${CACHE:?}" "${QEMU_SOURCE_VERSION:?set by the top-level Makefile}"
targets=("${@:-x86_64 aarch64}")
# shellcheck disable=SC2206
targets=(${targets[*]})
dir=$BUILD/qemu
src=$dir/src
dl=$CACHE/qemu-src
upstream=${QEMU_SOURCE_VERSION#*:}
upstream=${upstream%-*}
dsc=$dl/qemu_${QEMU_SOURCE_VERSION#*:}.dsc

if [ ! -f "$dsc" ]; then
	echo "qemu: fetching the source package qemu=$QEMU_SOURCE_VERSION"
	mkdir -p "$dl"
	# As root: in a debootstrap root, apt's _apt sandbox cannot resolve
	# host names ("Temporary failure resolving").
	if ! (cd "$dl" && apt-get source -qq --download-only -o APT::Sandbox::User=root \
		"qemu=$QEMU_SOURCE_VERSION"); then
		echo "qemu: qemu=$QEMU_SOURCE_VERSION is not in the archive (apt-cache showsrc qemu" \
		     "lists what is); update the pin in the top-level Makefile" >&2
		exit 1
	fi
fi

# The binaries' cache: the targets found there need no tree.
qcache=$CACHE/qemu-bin
key=$("$TOP/harness/inputs.sh" qemu "$0")
left=()
for t in "${targets[@]}"; do
	b=$dir/$t
	if [ "$(cat "$b/.inputs" 2>/dev/null)" = "$key" ] && [ -x "$b/qemu-system-$t" ]; then
		echo "qemu: $t: $b/qemu-system-$t is up to date (inputs $key)"
	elif [ -x "$qcache/$t-$key/qemu-system-$t" ]; then
		touch "$qcache/$t-$key"
		rm -rf "$b"
		mkdir -p "$b"
		cp "$qcache/$t-$key/qemu-system-$t" "$b/qemu-system-$t.new"
		mv "$b/qemu-system-$t.new" "$b/qemu-system-$t"
		echo "$key" > "$b/.inputs"
		echo "qemu: $t: $b/qemu-system-$t from the cache ($qcache/$t-$key)"
	else
		left+=("$t")
	fi
done
[ ${#left[@]} -gt 0 ] || exit 0
targets=("${left[@]}")

# The tree: unpacked (dpkg-source applies Debian's patches), then ours.
# shellcheck disable=SC2046
stamp="$QEMU_SOURCE_VERSION $(cd "$TOP/qemu/patches" &&
	cat series $(grep -v -e '^#' -e '^$' series) | sha256sum | cut -c1-16)"
if [ "$(cat "$dir/.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "qemu: unpacking $(basename "$dsc") and applying qemu/patches"
	# The targets' build directories go below: the stamp is in their
	# configure.args.
	rm -rf "$src"
	mkdir -p "$dir"
	# apt-get source checked the files against the signed archive index;
	# dpkg-source would only add "Can't check signature" for want of the
	# uploader's key.
	dpkg-source -q --no-check -x "$dsc" "$src" >/dev/null
	# Debian's patches stay applied; our series gets quilt state of its own.
	rm -rf "$src/.pc"
	(cd "$src" && QUILT_PATCHES=$TOP/qemu/patches QUILT_PC=.pc-kvm-dmabuf \
		quilt --quiltrc /dev/null push -a -q --fuzz=0 >/dev/null)
	echo "$stamp" > "$dir/.stamp"
fi

# The cross tools of aarch64: the compiler, also searching the sysroot for
# static libraries (meson's find_library looks only where gcc does), and
# pkg-config reading the sysroot's .pc files.
sysroot=$CACHE/qemu-sysroot-arm64
mkdir -p "$dir/bin"
cat > "$dir/bin/aarch64-linux-gnu-gcc" <<-EOF
	#!/bin/sh
	exec ccache /usr/bin/aarch64-linux-gnu-gcc -B$sysroot/usr/lib/aarch64-linux-gnu/ "\$@"
EOF
cat > "$dir/bin/aarch64-linux-gnu-pkg-config" <<-EOF
	#!/bin/sh
	PKG_CONFIG_SYSROOT_DIR=$sysroot \\
	PKG_CONFIG_LIBDIR=$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig \\
	exec pkg-config "\$@"
EOF
chmod +x "$dir/bin"/*

common=(--static --without-default-features --enable-kvm --enable-fdt=system
	--disable-tools --disable-docs --disable-guest-agent --disable-install-blobs
	--disable-werror)
for t in "${targets[@]}"; do
	case $t in
	x86_64)	conf=(--cc="ccache gcc" --target-list=x86_64-softmmu --disable-tcg) ;;
	# Not PIE: a static PIE does not link on arm64 (libc's start code
	# misses __rela_iplt_start, and QEMU has more GOT entries than -fpic
	# addresses).
	aarch64) conf=(--cross-prefix=aarch64-linux-gnu- --target-list=aarch64-softmmu
		       --extra-cflags="-I$sysroot/usr/include" --disable-pie) ;;
	*)	echo "qemu: unknown target $t" >&2; exit 2 ;;
	esac
	b=$dir/$t
	start=$(date +%s)
	# Configured again, from a clean directory, if the options or the
	# tree changed (an unpack keeps the tarball's times, so ninja would
	# not see every file that a dropped patch restored).
	args="${common[*]} ${conf[*]} $stamp"
	[ "$(cat "$b/configure.args" 2>/dev/null)" = "$args" ] || rm -rf "$b"
	if [ ! -f "$b/build.ninja" ]; then
		mkdir -p "$b"
		if ! (cd "$b" && PATH=$dir/bin:$PATH "$src/configure" "${common[@]}" "${conf[@]}" \
			> configure.log 2>&1); then
			tail -n 20 "$b/configure.log" >&2
			echo "qemu: $t: configure failed, see $b/configure.log" >&2
			exit 1
		fi
		echo "$args" > "$b/configure.args"
	fi
	rm -f "$b/.inputs"
	if ! PATH=$dir/bin:$PATH ninja -C "$b" -j "${JOBS:-$(nproc)}" "qemu-system-$t" > "$b/build.log" 2>&1; then
		grep -E -B2 -A8 'error|FAILED' "$b/build.log" | head -n 40 >&2
		echo "qemu: $t: build failed, see $b/build.log" >&2
		exit 1
	fi
	warnings=$(grep -c 'warning:' "$b/build.log" || true)
	echo "qemu: $t: $b/qemu-system-$t ($upstream, $(du -h "$b/qemu-system-$t" | cut -f1)) in" \
	     "$(( $(date +%s) - start )) s, $warnings warning lines"
	echo "$key" > "$b/.inputs"
	mkdir -p "$qcache"
	tmp=$(mktemp -d "$qcache/.new.XXXXXX")
	cp "$b/qemu-system-$t" "$tmp/"
	rm -rf "${qcache:?}/$t-$key"
	mv -T "$tmp" "$qcache/$t-$key"
	# shellcheck disable=SC2012
	ls -td "$qcache/$t-"* | tail -n +4 | while read -r old; do rm -rf "$old"; done
done
