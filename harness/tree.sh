#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the working tree build/linux: the pinned kernel source unpacked once,
# every file of the overlay folders linked in at its kernel path, and the quilt
# series applied.  build/linux/patches is a link to the repository's patches/,
# so "quilt refresh" in build/linux edits the series in place.
#
# Idempotent: a new source package version re-unpacks, a changed series is
# popped and pushed again, files added or removed in the overlay are linked
# or unlinked.
set -euo pipefail
: "${TOP:?}" "${BUILD:?}" "${OVERLAY_DIRS:?}"
tree=$BUILD/linux
tarball=/usr/src/linux-source-6.12.tar.xz
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)

if [ ! -f "$tree/Makefile" ] || [ "$(cat "$BUILD/.tree-source" 2>/dev/null)" != "$ver" ]; then
	echo "tree: unpacking linux-source-6.12 $ver"
	rm -rf "$tree" "$BUILD/.tree-unpack" "$BUILD/.tree-series"
	mkdir -p "$BUILD/.tree-unpack"
	tar -C "$BUILD/.tree-unpack" -xf "$tarball"
	mv "$BUILD/.tree-unpack/linux-source-6.12" "$tree"
	rmdir "$BUILD/.tree-unpack"
	echo "$ver" > "$BUILD/.tree-source"
fi

# The overlay: a file of ours must not replace an upstream file (upstream
# files change only through patches/), and links whose target is gone go.
cd "$TOP"
for d in $OVERLAY_DIRS; do
	[ -d "$d" ] || continue
	find "$d" -type f | while read -r f; do
		dst=$tree/$f
		if [ -e "$dst" ] && [ ! -L "$dst" ]; then
			echo "tree: $f would replace an upstream file; change it with a quilt patch" >&2
			exit 1
		fi
		mkdir -p "$(dirname "$dst")"
		[ "$(readlink "$dst" 2>/dev/null)" = "$TOP/$f" ] || ln -sfn "$TOP/$f" "$dst"
	done
done
find "$tree" -type l -lname "$TOP/*" ! -exec test -e {} \; -print -delete |
	sed 's|^|tree: unlinked |'

# The series.
cd "$tree"
quilt() { command quilt --quiltrc "$TOP/harness/quiltrc" "$@"; }
ln -sfn "$TOP/patches" patches
sum=$(cd "$TOP/patches" && cat series $(grep -v -e '^#' -e '^$' series) 2>/dev/null | sha256sum)
# A reordered series: quilt refuses to work against it.  Work from a copy
# of the order in which the patches were applied until they are popped.
if [ -s .pc/applied-patches ] && ! quilt applied >/dev/null 2>&1; then
	cp .pc/applied-patches "$BUILD/.tree-applied"
	echo "$BUILD/.tree-applied" > .pc/.quilt_series
fi
# Edits to patched files that are not refreshed into patches/ would be
# built and tested but not committed: refuse them, or drop them (FORCE=1).
dirty=
for p in $(quilt applied 2>/dev/null); do
	if [ -n "$(quilt diff -z -P "$p" 2>/dev/null)" ]; then
		dirty="$dirty $p"
	fi
done
if [ -n "$dirty" ] && [ -z "${FORCE:-}" ]; then
	echo "tree: changes not refreshed into patches/ in:$dirty" >&2
	echo "tree: run 'quilt refresh' in build/linux, or FORCE=1 to drop them" >&2
	exit 1
fi
if [ -n "$dirty" ] || [ "$(cat "$BUILD/.tree-series" 2>/dev/null)" != "$sum" ]; then
	if [ -n "$(quilt applied 2>/dev/null)" ]; then
		quilt pop -a -f -q >/dev/null
	fi
	[ -d .pc ] && echo series > .pc/.quilt_series
	if grep -q -v -e '^#' -e '^$' "$TOP/patches/series"; then
		quilt push -a -q
	fi
	echo "$sum" > "$BUILD/.tree-series"
fi
echo "tree: $tree ($ver), $(quilt applied 2>/dev/null | wc -l) patches applied"
