#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make series-check": is the series of build/series (harness/series.sh)
# what a maintainer can apply and bisect?
#  - git am applies it, patch by patch, to the pristine source (the "base"
#    commit of build/series-git);
#  - after every patch, the x86_64 kernel of the test matrix builds at W=1
#    (harness/config/common.config and x86_64.config; the configuration is
#    made again at every patch, so that options the series adds take
#    effect when it adds them), with no warning in a file the series adds;
#  - after the last patch, the arm64 kernel builds the same way;
#  - checkpatch.pl --strict finds no error and no warning in any patch
#    but the one it gives every patch that adds a file without touching
#    MAINTAINERS (which covers the new files' directories already).
# Its checks go to build/series-check/results.ktap for harness/report.sh,
# one per patch and one for the arm64 build.
#
# A series that passed is not checked again while its inputs
# (harness/inputs.sh, the selftests, series/, the fragments,
# harness/series.sh and this script) stay the same: its results are kept in
# $CACHE/results/series-check/, shared between runs and clones.
#
# usage: series-check.sh
# environment: SERIES_MAKE=1  run harness/series.sh first, unless the
#              results are taken from the cache (make check)
set -uo pipefail
: "${TOP:?}" "${BUILD:?}" "${OVERLAY_DIRS:?}" "${CACHE:?}"
git=$BUILD/series-git
series=$BUILD/series
out=$BUILD/series-check
mkdir -p "$out"
rm -f "$out/results.ktap" "$out/output"
touch "$out/build-only"	# for harness/report.sh: not a boot

# The selftests, which the kernel's inputs leave out, are in the series.
mapfile -t selftests < <(find "$TOP/tools" -type f | sort)
fail() {	# fail WHY: a result that says why, for harness/report.sh
	printf 'KTAP version 1\n1..1\nnot ok 1 series # %s\n' "$1" > "$out/results.ktap"
	echo "series-check: $1" >&2
	exit 1
}
key=$("$TOP/harness/inputs.sh" kernel "$0" "$TOP/harness/series.sh" "$TOP"/series/* \
	"$TOP"/harness/config/{common,x86_64,arm64}.config "${selftests[@]}") ||
	fail "no key of its inputs"
pass=$CACHE/results/series-check/$key
if [ -f "$pass/results.ktap" ]; then
	echo "series-check: passed on $(date -r "$pass/results.ktap" '+%F %R') with the same" \
	     "inputs ($pass), not checked again:"
	sed 's/^/  /' "$pass/output"
	cp "$pass/results.ktap" "$out/"
	touch "$pass"	# newest: pruned last
	exit 0
fi
if [ -n "${SERIES_MAKE:-}" ]; then
	"$TOP/harness/series.sh" || fail "harness/series.sh failed"
fi

patches=$(ls "$series"/[0-9][0-9]*-*.patch 2>/dev/null | grep -v '/0000-')
if [ -z "$patches" ] || ! git -C "$git" rev-parse -q --verify base >/dev/null; then
	echo "series-check: no series in $series; run make series" >&2
	printf 'KTAP version 1\n1..1\nnot ok 1 series # no series in %s\n' "$series" \
		> "$out/results.ktap"
	exit 1
fi
ours=$(cd "$TOP" && find $OVERLAY_DIRS -name '*.[ch]' ! -path 'tools/*' 2>/dev/null |
	sed 's/\./\\./g' | paste -sd'|')

# build ARCH NAME: the kernel of the matrix for ARCH at W=1, in
# build/obj/series-ARCH; its log is build/series-check/NAME.log.  Prints
# why it failed, nothing if it did not.
build() {
	local arch=$1 log=$out/$2.log obj=$BUILD/obj/series-$1 args image
	mkdir -p "$obj"
	case $arch in
	arm64)	args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="ccache aarch64-linux-gnu-gcc")
		image=Image ;;
	x86_64)	args=(ARCH=x86_64 CC="ccache gcc")
		image=bzImage ;;
	esac
	args=(-C "$git" O="$obj" -j"$(nproc)" HOSTCC="ccache gcc" "${args[@]}")
	cat "$TOP/harness/config/common.config" "$TOP/harness/config/$arch.config" \
		> "$obj/fragments.config"
	if ! make "${args[@]}" KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig \
		>"$log" 2>&1; then
		echo "config failed"
		return
	fi
	if ! make "${args[@]}" W=1 "$image" >>"$log" 2>&1; then
		echo "build failed: $(grep -E -m 3 '(error|Error [0-9]+)' "$log" | paste -sd' ')"
		return
	fi
	local warnings
	warnings=$(grep -E '(warning|error):' "$log" | grep -E "/($ours):[0-9]+" | sort -u)
	[ -z "$warnings" ] || echo "$(wc -l <<<"$warnings") W=1 warning lines in new files"
}

checkpatch=$git/scripts/checkpatch.pl
cd "$git"
git checkout -q -f -B series-check base
git clean -q -f -d -x
# The first build after a new base is a whole kernel; later ones rebuild
# what a patch touches.
n=0
res=()
failed=0
for p in $patches; do
	n=$((n + 1))
	name=$(basename "$p" .patch)
	start=$(date +%s)
	why=
	if ! git -c user.name=series-check -c user.email=series-check@localhost \
		am -q --keep-cr "$p" >"$out/$name.am.log" 2>&1; then
		why="git am failed: $(head -n 1 "$out/$name.am.log")"
		git am --abort >/dev/null 2>&1
	fi
	[ -z "$why" ] && why=$(build x86_64 "$name")
	# checkpatch from outside the tree, on the patch file.
	cp=$( (cd / && perl "$checkpatch" --strict --no-tree --no-summary --terse "$p") 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):' |
		grep -v 'WARNING: added, moved or deleted file(s), does MAINTAINERS need updating?')
	errs=$(grep -c -E ': (ERROR|WARNING):' <<<"$cp")
	checks=$(grep -c ': CHECK:' <<<"$cp")
	if [ -n "$cp" ]; then
		echo "$cp" > "$out/$name.checkpatch"
	else
		rm -f "$out/$name.checkpatch"
	fi
	if [ "$errs" -gt 0 ]; then
		why="${why:+$why; }checkpatch: $errs errors and warnings, see $out/$name.checkpatch"
	fi
	secs=$(( $(date +%s) - start ))
	if [ -z "$why" ]; then
		res+=("ok $n $name")
		c=
		[ "$checks" -gt 0 ] && c=" ($checks CHECK lines, see $out/$name.checkpatch)"
		echo "series-check: $name: applied, x86_64 W=1 built, checkpatch clean$c, $secs s" |
			tee -a "$out/output"
	else
		res+=("not ok $n $name # $why")
		echo "series-check: $name: FAILED after $secs s: $why" >&2
		failed=1
		# Later patches build on a tree that did not build: stop here.
		[[ $why == git\ am* ]] && break
	fi
done

n=$((n + 1))
start=$(date +%s)
why=$(build arm64 arm64)
secs=$(( $(date +%s) - start ))
if [ -z "$why" ]; then
	res+=("ok $n arm64 W=1 after the last patch")
	echo "series-check: arm64 W=1 built after the last patch, $secs s" | tee -a "$out/output"
else
	res+=("not ok $n arm64 W=1 after the last patch # $why")
	echo "series-check: arm64 after the last patch: FAILED after $secs s: $why" >&2
	failed=1
fi

{
	echo "KTAP version 1"
	echo "1..$n"
	printf '%s\n' "${res[@]}"
	echo "# kst: done"
} > "$out/results.ktap"
if [ $failed -eq 0 ]; then
	# The three newest passes (a fresh root's and this machine's keys
	# differ).
	mkdir -p "$CACHE/results/series-check"
	tmp=$(mktemp -d "$CACHE/results/series-check/.new.XXXXXX")
	cp "$out/results.ktap" "$out/output" "$tmp/"
	rm -rf "$pass"
	mv -T "$tmp" "$pass"
	# shellcheck disable=SC2012
	ls -td "$CACHE/results/series-check"/* | tail -n +4 | xargs -r rm -rf
fi
exit $failed
