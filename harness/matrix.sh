#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the runs of harness/matrix, one after the other, then judge them all
# with harness/report.sh: one "<run>: N passed, N failed, N skipped" line per
# run (and for the build-only configs and the series check, if
# harness/build-only.sh and harness/series-check.sh ran), and
# the total last.
#
# usage: matrix.sh RUN...
# environment: MODE=run boots the runs in boot.sh's run mode (make run's
# end-to-end run) and judges only them
set -uo pipefail
: "${TOP:?}" "${BUILD:?}"
matrix=$TOP/harness/matrix
[ $# -gt 0 ] || set -- $(awk '!/^#/ && NF { print $1 }' "$matrix")

runs=()
for run in "$@"; do
	read -r _ kernel cpu machine args list tcg l0 < <(awk -v r="$run" '!/^#/ && $1 == r' "$matrix")
	if [ -z "${kernel:-}" ]; then
		echo "matrix: no run $run in $matrix" >&2
		exit 2
	fi
	arch=${kernel%%-*}
	dash() { [ "$1" = - ] || echo "$1"; }
	export RUN=$run KERNEL=$kernel LIST=$list CPU MACHINE KARGS TCG L0
	CPU=$(dash "$cpu") MACHINE=$(dash "$machine") KARGS=$(dash "$args") TCG=$(dash "${tcg:--}") L0=$(dash "${l0:--}")
	"$TOP/harness/mkinitramfs.sh" "$arch" || exit 1
	if [ "$L0" = backports ]; then
		"$TOP/harness/qemu-l0.sh" || exit 1
	fi
	"$TOP/harness/boot.sh" "$arch" "${MODE:-check}"
	runs+=("$run")
done
if [ "${MODE:-check}" = check ]; then
	[ -f "$BUILD/build-only/results.ktap" ] && runs+=(build-only)
	[ -f "$BUILD/series-check/results.ktap" ] && runs+=(series-check)
fi
exec "$TOP/harness/report.sh" "${runs[@]}"
