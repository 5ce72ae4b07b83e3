#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the dma-buf slot against the VMA path (kvm/dmabuf_bench, in
# harness/tests/<arch>-bench.list), one boot per architecture: the BAR
# (the guest's ivshmem) is as large as the largest of BENCH_SIZES, and the
# bench binds its first S GiB for each size S in turn, all variants side by
# side; then udmabuf against an mmapped memfd for each size of
# BENCH_RAM_SIZES, in a guest of GUEST_MEM.  Collects the figures into
# build/bench/<arch>/results.csv, prints a Markdown table of the medians
# with the ratios, and the goals met or not, and draws one PNG per metric
# with gnuplot.
#
# usage: bench.sh ARCH...
# environment: BENCH_SIZES (default "1G 16G 64G 256G"), BENCH_RAM_SIZES
# (default "1G 3G"), GUEST_MEM (default 8G), BOOT_TIMEOUT.
set -uo pipefail
: "${TOP:?}" "${BUILD:?}"
sizes=${BENCH_SIZES:-1G 16G 64G 256G}
ram=${BENCH_RAM_SIZES:-1G 3G}
export GUEST_MEM=${GUEST_MEM:-8G}
rc=0

# "1G 16G" -> "1,16"; the largest as a QEMU size.
gib() { tr ' ' '\n' <<<"$1" | sed -n 's/^\([0-9][0-9]*\)G$/\1/p' | paste -sd, -; }
bar_list=$(gib "$sizes")
ram_list=$(gib "$ram")
if [ -z "$bar_list" ] || [ -z "$ram_list" ]; then
	echo "bench: BENCH_SIZES and BENCH_RAM_SIZES are sizes in GiB: 1G 16G ..." >&2
	exit 2
fi
largest=$(tr , '\n' <<<"$bar_list" | sort -n | tail -n 1)
bar=1
while [ "$bar" -lt "$largest" ]; do bar=$((bar * 2)); done

for arch in "$@"; do
	out=$BUILD/bench/$arch
	mkdir -p "$out"
	csv=$out/results.csv
	list=$out/bench.list
	grep -v '^#' "$TOP/harness/tests/$arch-bench.list" | awk 'NF' |
		sed "s/\$/ -s $bar_list -m $ram_list/" > "$list"
	export RUN=bench-$arch LIST=$list IVSHMEM_SIZE=${bar}G
	export BOOT_TIMEOUT=${BOOT_TIMEOUT:-2400} KERNEL=$arch CPU= MACHINE= KARGS=
	"$TOP/harness/mkinitramfs.sh" "$arch" || exit 1
	echo "bench: $arch, a BAR of ${bar} GiB bound at $bar_list GiB, RAM of $ram_list GiB, in one boot"
	start=$(date +%s)
	"$TOP/harness/boot.sh" "$arch" check || rc=1
	res=$BUILD/$RUN/results.ktap
	grep -q '^not ok' "$res" 2>/dev/null && rc=1
	echo "arch,variant,bar_gib,window_gib,vcpus,metric,median,min,max,unit" > "$csv"
	sed -n 's/^ *csv: //p' "$res" >> "$csv"
	"$TOP/harness/report.sh" "$RUN" | tail -n 1
	echo "bench: $arch took $(( $(date +%s) - start )) s"
	"$TOP/harness/bench-report.sh" "$csv" "$out" || rc=1
done
exit $rc
