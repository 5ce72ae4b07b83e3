#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The key of a build whose result is kept in $CACHE and shared between runs
# and clones (harness/build-kernel.sh, harness/qemu.sh, harness/build-only.sh,
# harness/series-check.sh): a hash of everything the build reads.  Two
# builds with the same key have the same inputs, so the later one takes the
# earlier one's result instead of building again.
#
# usage: inputs.sh kernel|qemu [FILE...]
#   kernel  the pinned source package, patches/, the overlay's files
#           (without the selftests, which build-selftests.sh builds every
#           time), the patches applied in build/linux and its files edited
#           in place, kbuild's variables, and the installed Debian
#           packages;
#   qemu    the pinned source package, qemu/patches/, the arm64 sysroot
#           and the installed Debian packages;
#   FILE... added to the hash (scripts, configuration fragments), with
#           this script and harness/tree.sh.
# Whatever else the caller's result depends on (variables, options), it
# hashes in itself.
set -euo pipefail
shopt -s inherit_errexit
: "${TOP:?}" "${OVERLAY_DIRS:?}" "${LINUX_SOURCE_VERSION:?}" "${QEMU_SOURCE_VERSION:?}"
what=$1
shift
cd "$TOP"
# Any step that fails fails the script, never a key of part of the inputs.
inputs=$(
	echo "inputs $what"
	case $what in
	kernel)
		echo "linux-source-6.12 $LINUX_SOURCE_VERSION"
		dirs=()
		for d in patches $OVERLAY_DIRS; do [ ! -d "$d" ] || dirs+=("$d"); done
		find "${dirs[@]}" -type f ! -path 'tools/testing/*' -print0 |
			sort -z | xargs -0 sha256sum
		# The tree as it is: the patches applied (a "quilt pop" left
		# so), and files edited in place since harness/tree.sh last
		# applied the series (not in tools/, where the selftests'
		# build generates headers).
		tree=${BUILD:?}/linux
		cat "$tree/.pc/applied-patches" 2>/dev/null || true
		if [ -f "$BUILD/.tree-series" ]; then
			(cd "$tree" && find . \( -path ./.pc -o -path ./tools \) -prune -o \
				-type f -newer "$BUILD/.tree-series" -print0 | sort -z |
				xargs -0 -r sha256sum)
		fi
		# What kbuild takes from the environment.
		echo "LLVM=${LLVM:-} KCFLAGS=${KCFLAGS:-} KCPPFLAGS=${KCPPFLAGS:-}" \
		     "KBUILD_EXTRA_WARN=${KBUILD_EXTRA_WARN:-} KAFLAGS=${KAFLAGS:-}" ;;
	qemu)
		echo "qemu $QEMU_SOURCE_VERSION"
		find qemu/patches -type f -print0 | sort -z | xargs -0 sha256sum
		# The arm64 sysroot's libraries (harness/host-deps.sh); the
		# host's are packages, below.
		(cd "${CACHE:?}" && find qemu-sysroot-arm64 -name '*.a' -print0 2>/dev/null |
			sort -z | xargs -0 -r sha256sum) ;;
	*)	echo "inputs: unknown build $what" >&2
		exit 2 ;;
	esac
	# Every installed package and its version: the toolchains, and what a
	# build needs but may lack.  So a machine or root with other packages
	# (a fresh Debian 12 root, harness/check-fresh.sh) never takes a result
	# that a build elsewhere made, only one of its own kind.
	dpkg-query -W -f '${db:Status-Abbrev} ${Package}:${Architecture} ${Version}\n' | sort
	# Their contents, not their paths, which differ between clones; and
	# this script's and harness/tree.sh's.
	cat "$0" "$TOP/harness/tree.sh" "$@"
)
sha256sum <<<"$inputs" | cut -c1-16
