#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The report of make bench from its CSV (harness/bench.sh): a Markdown
# table of the medians, fd next to vma-aligned and vma-4k with the ratios,
# the goals of the benchmark each marked met or not met, and a PNG per
# metric (median against the BAR size, one line per variant, 1 vCPU,
# the smallest window) if gnuplot is there.  Writes table.md and goals.txt
# next to the CSV and prints both.
#
# usage: bench-report.sh RESULTS.CSV OUTDIR
set -uo pipefail
csv=$1
out=$2

awk -F, 'NR > 1 {
	k = $3 FS $4 FS $5 FS $6
	if (!(k in seen)) { seen[k] = 1; keys[++n] = k }
	v[k, $2] = $7; unit[k] = $10
}
function r(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.3f", a / b) }
END {
	print "| BAR GiB | window GiB | vCPUs | metric | unit | fd | vma-aligned | vma-4k | fd/vma-aligned | fd/vma-4k |"
	print "|---|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= n; i++) {
		k = keys[i]; split(k, f, FS)
		a = v[k, "fd"]; b = v[k, "vma-aligned"]; c = v[k, "vma-4k"]
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], unit[k],
		       a == "" ? "-" : a, b == "" ? "-" : b, c == "" ? "-" : c, r(a, b), r(a, c)
	}
}' "$csv" > "$out/table.md"

# The goals (issue 14), on the medians.  A goal without a figure is "not
# measured", which counts as not met.
awk -F, '
function goal(ok, text) { printf "%-10s %s\n", ok ? "met" : "NOT MET", text; if (!ok) bad++ }
NR > 1 {
	m[$2, $3, $4, $5, $6] = $7
	if ($2 == "fd") { bars[$3] = 1; wins[$3 FS $4] = 1 }
}
END {
	nb = 0
	for (b in bars) { nb++; if (min == "" || b + 0 < min) min = b + 0; if (b + 0 > max) max = b + 0 }
	if (!nb) { goal(0, "no figures for fd"); exit 1 }
	for (bw in wins) {
		split(bw, x, FS); b = x[1]; w = x[2]
		g = (w == int(w)) ? w : int(w) + 1	# GiB blocks the window touches
		for (n = 1; n <= 2; n++) {
			at = sprintf("(BAR %s GiB, window %s GiB, %d vCPU)", b, w, n)
			goal(m["fd", b, w, n, "host_pt_bytes"] == 0,
			     "fd host page-table bytes = 0 " at ": " m["fd", b, w, n, "host_pt_bytes"])
			goal(m["fd", b, w, n, "faults"] <= g + n,
			     "fd stage-2 faults <= 1 per GiB (+1 exit per vCPU) " at ": " m["fd", b, w, n, "faults"])
			goal(m["fd", b, w, n, "leaves_1g"] == g && m["fd", b, w, n, "leaves_4k"] == 0,
			     "fd one 1 GiB leaf per GiB " at ": " m["fd", b, w, n, "leaves_1g"] " x 1G, " m["fd", b, w, n, "leaves_2m"] " x 2M, " m["fd", b, w, n, "leaves_4k"] " x 4K")
			p = m["fd", b, w, n, "populate"]; q = m["fd", b, w, n, "populate_mapped"]
			goal(q > 0 && p / q <= 1.1, sprintf("fd first pass / second pass <= 1.1 %s: %.3f", at, q > 0 ? p / q : -1))
			a = m["vma-aligned", b, w, n, "populate"]
			goal(a > 0 && p / a <= 1.0, sprintf("populate fd / vma-aligned <= 1.0 %s: %s", at, a > 0 ? sprintf("%.3f", p / a) : "not measured"))
			c = m["vma-4k", b, w, n, "populate"]
			if (c > 0)
				goal(p / c <= 0.05, sprintf("populate fd / vma-4k <= 0.05 %s: %.4f", at, p / c))
		}
		p1 = m["fd", b, w, 1, "populate"]; p2 = m["fd", b, w, 2, "populate"]
		goal(p2 > 0 && p2 <= p1, sprintf("fd populate with 2 vCPUs not slower than 1 (BAR %s GiB, window %s GiB): %s s vs %s s", b, w, p2, p1))
	}
	w = ""
	for (bw in wins) { split(bw, x, FS); if (w == "" || x[2] + 0 < w + 0) w = x[2] }
	if (max > min) {
		b1 = m["fd", min, w, 1, "bind"]; b2 = m["fd", max, w, 1, "bind"]
		goal(b1 > 0 && b2 / b1 <= 1.2, sprintf("fd bind at %s GiB / at %s GiB <= 1.2: %.3f", max, min, b1 > 0 ? b2 / b1 : -1))
		r1 = m["fd", min, w, 1, "revoke"]; r2 = m["fd", max, w, 1, "revoke"]
		goal(r1 > 0 && r2 / r1 <= 2, sprintf("fd revoke at %s GiB / at %s GiB <= 2: %.3f", max, min, r1 > 0 ? r2 / r1 : -1))
	} else {
		goal(0, "bind and revoke latency against the BAR size: one size only")
	}
	goal(0, "udmabuf against memfd-hva on fragmented RAM: not measured")
	exit bad > 0
}' "$csv" > "$out/goals.txt"

cat "$out/table.md"
echo
cat "$out/goals.txt"

if command -v gnuplot >/dev/null; then
	win=$(awk -F, 'NR > 1 { print $4 }' "$csv" | sort -g | head -n 1)
	for metric in $(awk -F, 'NR > 1 { print $6 }' "$csv" | sort -u); do
		for v in fd vma-aligned vma-4k; do
			awk -F, -v v="$v" -v m="$metric" -v w="$win" \
				'NR > 1 && $2 == v && $6 == m && $4 == w && $5 == 1 { print $3, $7, $8, $9 }' \
				"$csv" | sort -n > "$out/$metric.$v.dat"
		done
		unit=$(awk -F, -v m="$metric" 'NR > 1 && $6 == m { print $10; exit }' "$csv")
		gnuplot 2>/dev/null <<-EOF
		set terminal png size 800,500
		set output "$out/$metric.png"
		set title "$metric (1 vCPU, window of $win GiB), median and range"
		set xlabel "BAR size (GiB)"
		set ylabel "$unit"
		set logscale x 2
		set key top left
		plot for [v in "fd vma-aligned vma-4k"] "$out/$metric.".v.".dat" using 1:2:3:4 with yerrorlines title v
		EOF
	done
	echo "bench: plots in $out/*.png"
else
	echo "bench: no gnuplot, no plots"
fi
# A goal not met is a finding to report, not a failure of the run.
exit 0
