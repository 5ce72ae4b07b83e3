#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The newcomer's path: the README's two commands, exactly as it writes them,
# run as root in a fresh Debian 12 root (debootstrap --variant=minbase, with
# git and nothing else added) on a clone of this repository's HEAD.
#
# The root comes from the archive this machine's apt uses (read from apt's
# own view of its sources), and is kept as a tarball in
# $CACHE/fresh-root/, outside the clone, so that it is made once a week.
# Bound into it is only what changes time and not steps: the compiler cache
# ($CACHE/ccache), apt's archive of downloaded packages, and the results
# shared between runs ($CACHE/kernels, qemu-bin and results: see
# harness/inputs.sh), whose keys include the installed packages, so that
# a fresh root only takes what an earlier fresh root built.  Everything
# else (apt's lists, the kernel source package, the arm64 busybox) the
# commands fetch themselves.  Every mount is undone on exit.
#
# usage: check-fresh.sh
# environment: FRESH_DIR=dir  where the root is unpacked (default /var/tmp);
#              it is removed after a pass and kept after a failure.
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${CACHE:?}"

stage() { echo "check-fresh: $* ($(( $(date +%s) - t0 )) s)"; }
t0=$(date +%s)

if ! command -v debootstrap >/dev/null 2>&1; then
	echo "check-fresh: installing debootstrap"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		debootstrap >/dev/null
fi

# The archive, as apt sees it: the repository that serves bookworm/main, and
# the one that serves bookworm-security/main.
targets=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' | sort -u)
mirror=$(awk '$2 == "bookworm" && $3 == "main" { print $1; exit }' <<<"$targets")
security=$(awk '$2 == "bookworm-security" && $3 == "main" { print $1; exit }' <<<"$targets")
if [ -z "$mirror" ]; then
	echo "check-fresh: apt's sources have no bookworm main; run 'apt-get update'?" >&2
	exit 1
fi

# The root's tarball, per archive, remade when older than a week.
tarball=$CACHE/fresh-root/bookworm-minbase-$(echo "$mirror" | sha256sum | cut -c1-12).tar
mkdir -p "$CACHE/fresh-root" "$CACHE/ccache" "$CACHE/kernels" "$CACHE/qemu-bin" "$CACHE/results"
if [ -z "$(find "$tarball" -mtime -7 2>/dev/null)" ]; then
	stage "debootstrap --variant=minbase --include=git bookworm from $mirror"
	tmp=$(mktemp -d "${FRESH_DIR:-/var/tmp}/kvm-dmabuf-debootstrap.XXXXXX")
	if ! debootstrap --variant=minbase --include=git bookworm "$tmp" "$mirror" \
		>"$CACHE/fresh-root/debootstrap.log" 2>&1; then
		tail -n 20 "$CACHE/fresh-root/debootstrap.log" >&2
		rm -rf --one-file-system "$tmp"
		echo "check-fresh: debootstrap failed" >&2
		exit 1
	fi
	tar -C "$tmp" -cf "$tarball.new" .
	mv "$tarball.new" "$tarball"
	rm -rf --one-file-system "$tmp"
fi

# Roots kept after earlier failures go, unless something is still mounted
# in them.
for old in "${FRESH_DIR:-/var/tmp}"/kvm-dmabuf-fresh.*; do
	[ -d "$old" ] || continue
	grep -q " $old/" /proc/self/mounts || rm -rf --one-file-system "$old"
done
root=$(mktemp -d "${FRESH_DIR:-/var/tmp}/kvm-dmabuf-fresh.XXXXXX")
stage "unpacking $(basename "$tarball") into $root"
tar -C "$root" -xf "$tarball"

# The sources a Debian 12 installer writes.
{
	echo "deb $mirror bookworm main"
	echo "deb $mirror bookworm-updates main"
	[ -n "$security" ] && echo "deb $security bookworm-security main"
} > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"

mounts=()
bind() {	# bind SRC DST: a mount inside the root, undone on exit
	mkdir -p "$root/$2"
	mount --bind "$1" "$root/$2"
	mounts=("$root/$2" "${mounts[@]}")
}
cleanup() {
	local m
	for m in "${mounts[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	mounts=()
	# Never delete through a mount that is still there (the compiler cache
	# and apt's archive are bound in).
	if findmnt -R -n "$root" >/dev/null 2>&1 || grep -q " $root/" /proc/self/mounts; then
		echo "check-fresh: mounts left under $root, not removing it" >&2
	elif [ "${keep:-}" ]; then
		echo "check-fresh: the root is kept for a look: $root"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount -t proc proc "$root/proc" && mounts=("$root/proc" "${mounts[@]}")
mount -t sysfs sysfs "$root/sys" && mounts=("$root/sys" "${mounts[@]}")
bind /dev dev
bind /dev/pts dev/pts
[ -d /dev/shm ] && bind /dev/shm dev/shm
for c in ccache kernels qemu-bin results; do
	bind "$CACHE/$c" "var/cache/kvm-dmabuf/$c"
done
bind /var/cache/apt/archives var/cache/apt/archives

git clone -q "$TOP" "$root/root/kvm-dmabuf"
stage "cloned $(git -C "$TOP" rev-parse --short HEAD) into $root/root/kvm-dmabuf"

# The README's commands, as the README writes them.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/kvm-dmabuf && $1"
}
keep=1
log=$BUILD/fresh
rm -rf "$log"
mkdir -p "$log"
stage "./run (output in $log/run.log)"
if ! in_root ./run >"$log/run.log" 2>&1; then
	tail -n 40 "$log/run.log"
	stage "./run FAILED"
	exit 1
fi
grep -E '^(host-deps|tree|build-kernel|build-selftests|mkinitramfs|boot):|passed,' "$log/run.log"
stage "./check"
rc=0
in_root ./check 2>&1 | tee "$log/check.log" || rc=$?
# The runs' consoles and results, for a look after the root is gone.
for d in "$root"/root/kvm-dmabuf/build/*/; do
	[ -f "$d/console.log" ] || continue
	mkdir -p "$log/$(basename "$d")"
	cp "$d"/console.log "$d"/results.ktap "$log/$(basename "$d")/" 2>/dev/null || true
done
if [ $rc -ne 0 ]; then
	stage "./check FAILED (exit $rc); consoles in $log"
	exit "$rc"
fi
keep=
stage "./run and ./check passed in a fresh Debian 12 root"
