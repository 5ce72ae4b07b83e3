#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the test bed need on a Debian 12 host, and only
# what is missing.  The kernel source package is pinned by the top-level
# Makefile (LINUX_SOURCE_VERSION); if the archive no longer carries that
# version, say so loudly and take the newest 6.12 it has.
set -euo pipefail
: "${LINUX_SOURCE_VERSION:?set by the top-level Makefile}"
: "${CACHE:?set by the top-level Makefile}"

pkgs=(linux-source-6.12 quilt ccache make gcc bc flex bison libelf-dev git perl
      libssl-dev cpio xz-utils dwarves kmod rsync
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      clang lld llvm
      busybox-static qemu-system-x86 qemu-system-arm liburing-dev gnuplot-nox
      dpkg-dev meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev)

installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; }

missing=()
for p in "${pkgs[@]}"; do
	case "$(installed "$p")" in
	"install ok installed"*) ;;
	*) missing+=("$p") ;;
	esac
done

have_src=$(installed linux-source-6.12 | awk '/install ok installed/ {print $4}')
updated=
apt_update() {
	[ -n "$updated" ] && return
	apt-get update -qq
	updated=1
}

if [ "$have_src" != "$LINUX_SOURCE_VERSION" ]; then
	apt_update
	if apt-cache show "linux-source-6.12=$LINUX_SOURCE_VERSION" >/dev/null 2>&1; then
		rest=()
		for p in "${missing[@]}"; do
			[ "$p" = linux-source-6.12 ] || rest+=("$p")
		done
		missing=("${rest[@]}" "linux-source-6.12=$LINUX_SOURCE_VERSION")
	else
		cat >&2 <<-MSG
		########################################################################
		# WARNING: linux-source-6.12=$LINUX_SOURCE_VERSION is gone from the archive.
		# Using the newest 6.12 the archive has instead; update the pin in the
		# top-level Makefile once the patch series is checked against it.
		########################################################################
		MSG
	fi
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "host-deps: installing ${missing[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		--allow-downgrades "${missing[@]}" >/dev/null
fi

# fetch_arm64 DIR PKG...: unpack Debian's PKG:arm64 packages into DIR,
# without installing them (the arm64 guest's busybox; -dev packages, whose
# dependencies would hold the host's libraries in version lockstep with
# arm64's).
fetch_arm64() {
	local dl dir=$1 p
	shift
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		updated=
	fi
	apt_update
	dl=$(mktemp -d)
	chmod 777 "$dl"		# apt downloads as the _apt user
	(cd "$dl" && apt-get download -qq "${@/%/:arm64}")
	rm -rf "$dir"
	mkdir -p "$dir"
	for p in "$@"; do
		dpkg-deb -x "$dl/$p"_*_arm64.deb "$dir"
	done
	rm -rf "$dl"
}

# The arm64 guest's busybox.
[ -x "$CACHE/busybox-arm64/bin/busybox" ] || fetch_arm64 "$CACHE/busybox-arm64" busybox-static
# The static liburing of kvm/dmabuf_events_uring for arm64 (x86_64 links
# the installed liburing-dev's).
[ -f "$CACHE/liburing-arm64/usr/lib/aarch64-linux-gnu/liburing.a" ] ||
	fetch_arm64 "$CACHE/liburing-arm64" liburing-dev
# The static libraries of the arm64 QEMU (harness/qemu.sh), a sysroot.
[ -f "$CACHE/qemu-sysroot-arm64/usr/lib/aarch64-linux-gnu/libglib-2.0.a" ] ||
	fetch_arm64 "$CACHE/qemu-sysroot-arm64" libglib2.0-dev libpcre2-dev \
		libpixman-1-dev zlib1g-dev libfdt-dev

# QEMU's source package: a deb-src entry next to each deb entry of
# bookworm, with the same options, unless apt has deb-src entries already.
if [ -z "$(apt-get indextargets 'Created-By: Sources')" ]; then
	src=/etc/apt/sources.list.d/kvm-dmabuf-deb-src
	# (A file that is not there is no error: a debootstrap root has
	# sources.list only.)
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		awk '$1 == "deb" && / bookworm/ { $1 = "deb-src"; print }' > "$src.list"
	{ cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Types: deb(\n|$)/ && /Suites:[^\n]* bookworm/ {
			sub(/^Types: deb/, "Types: deb-src")
			sub(/\nTypes: deb/, "\nTypes: deb-src"); print }' > "$src.sources"
	for f in "$src.list" "$src.sources"; do [ -s "$f" ] || rm -f "$f"; done
	echo "host-deps: deb-src entries added in $src.*"
	updated=
	apt_update
fi
echo "host-deps: linux-source-6.12 $(installed linux-source-6.12 | awk '{print $4}'), $(qemu-system-aarch64 --version | head -1)"
