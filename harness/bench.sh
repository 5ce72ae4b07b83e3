#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the dma-buf slot against the VMA path (kvm/dmabuf_bench, in
# harness/tests/<arch>-bench.list), for each BAR size of BENCH_SIZES, one
# boot per size (the BAR is the guest's ivshmem, sized at boot), all
# variants side by side in each boot.  Collects the figures into
# build/bench/<arch>/results.csv, prints a Markdown table of the medians
# with the ratios fd/vma-aligned and fd/vma-4k and the goals met or not,
# and draws one PNG per metric with gnuplot.
#
# usage: bench.sh ARCH...
# environment: BENCH_SIZES (default "1G 16G 64G 256G"), BOOT_TIMEOUT.
set -uo pipefail
: "${TOP:?}" "${BUILD:?}"
sizes=${BENCH_SIZES:-1G 16G 64G 256G}
rc=0

for arch in "$@"; do
	out=$BUILD/bench/$arch
	mkdir -p "$out"
	csv=$out/results.csv
	echo "arch,variant,bar_gib,window_gib,vcpus,metric,median,min,max,unit" > "$csv"
	for size in $sizes; do
		export RUN=bench-$arch-$size LIST=$arch-bench IVSHMEM_SIZE=$size
		export BOOT_TIMEOUT=${BOOT_TIMEOUT:-1800} KERNEL=$arch CPU= MACHINE= KARGS=
		"$TOP/harness/mkinitramfs.sh" "$arch" || exit 1
		echo "bench: $arch, BAR of $size ..."
		"$TOP/harness/boot.sh" "$arch" check || rc=1
		res=$BUILD/$RUN/results.ktap
		grep -q '^not ok' "$res" 2>/dev/null && rc=1
		# One row per key: a window clipped to a small BAR repeats one.
		sed -n 's/^ *csv: //p' "$res" | awk -F, '!seen[$1 FS $2 FS $3 FS $4 FS $5 FS $6]++' >> "$csv"
		"$TOP/harness/report.sh" "$RUN" | tail -n 1
	done
	"$TOP/harness/bench-report.sh" "$csv" "$out" || rc=1
done
exit $rc
