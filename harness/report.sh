#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge the runs: count the KTAP results of each (the cases of kselftest
# programs, not only the programs), add checks of our own per
# run (what tests asked the host to find in backing files; the guest
# finished before its timeout; the kernel console has no splat, nor have the
# consoles of the end-to-end runs' nested guests), and print
# "N passed, N failed, N skipped" per run and, last, in total.
# Exits non-zero if anything failed.
#
# usage: report.sh RUN...     (RUN: a directory name under build/)
set -uo pipefail
: "${BUILD:?}"

# Kernel splats, matched only on lines the kernel printed (they carry the
# printk timestamp; test output echoed on the console does not).
splat='^\[ *[0-9]+\.[0-9]+\] (WARNING:|BUG:|Oops|Unable to handle kernel|Kernel panic|kernel BUG|general protection fault|KASAN:|UBSAN:|INFO: task .* blocked for more than|rcu: INFO:|.*self-detected stall|.*detected stalls on CPUs|.*Call [Tt]race:)'

tp=0 tf=0 ts=0
for run in "$@"; do
	dir=$BUILD/$run
	res=$dir/results.ktap
	p=0 f=0 s=0 plan=
	fails=() skips=() notes=()
	# A program's nested results (two-space indented, the KTAP of a
	# kselftest program) count instead of the program's own result; a
	# failed program with no failed case counts once more, as does a
	# program without nested results.
	np=0 nf=0 ns=0 nfails=() nskips=()
	if [ -f "$res" ]; then
		while IFS= read -r l; do
			case $l in
			"  ok "*"# SKIP"*) ns=$((ns + 1)); nskips+=("${l#  ok }") ;;
			"  ok "*) np=$((np + 1)) ;;
			"  not ok "*) nf=$((nf + 1)); nfails+=("${l#  not ok }") ;;
			*)
				name=$(echo "$l" | sed -E 's/^(not )?ok [0-9]+ ([^ ]*).*/\2/')
				for c in "${nfails[@]}"; do fails+=("$name: $c"); done
				for c in "${nskips[@]}"; do skips+=("$name: $c"); done
				p=$((p + np)) f=$((f + nf)) s=$((s + ns))
				nested=$((np + nf + ns))
				case $l in
				"ok "*"# SKIP"*) [ $nested -eq 0 ] && s=$((s + 1)) && skips+=("${l#ok }") ;;
				"ok "*) [ $nested -eq 0 ] && p=$((p + 1)) ;;
				"not ok "*) [ $nf -eq 0 ] && f=$((f + 1)) && fails+=("${l#not ok }") ;;
				esac
				np=0 nf=0 ns=0 nfails=() nskips=() ;;
			esac
		done < <(tr -d '\r' < "$res" | grep -E '^(  )?(not )?ok [0-9]+ ')
		plan=$(tr -d '\r' < "$res" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | head -n 1)
		got=$(tr -d '\r' < "$res" | grep -c -E '^(not )?ok [0-9]+ ')
	fi
	plan=${plan:-0} got=${got:-0}
	if [ "$got" -lt "$plan" ]; then
		f=$((f + plan - got))
		fails+=("$((plan - got)) of $plan planned results missing")
	fi
	if [ ! -f "$res" ] || [ "$plan" -eq 0 ]; then
		f=$((f + 1)); fails+=("runner: no KTAP plan in $res")
	fi

	# A test may ask the host to find what the guest wrote in a file that
	# backs a device of the run, outside QEMU: "host-check FILE OFFSET HEX"
	# (HEX: the bytes in file order).  All of a run's requests make one check.
	hc=0 hcf=0
	while read -r file off hex; do
		hc=$((hc + 1))
		got=$(od -An -tx1 -v -j "$((off))" -N "$((${#hex} / 2))" \
			"$dir/$file" 2>/dev/null | tr -d ' \n')
		if [ "$got" != "$hex" ]; then
			hcf=$((hcf + 1))
			fails+=("host_check # $file at $off holds ${got:-nothing}, the guest wrote $hex")
		fi
	done < <(tr -d '\r' < "$res" 2>/dev/null |
		 sed -n 's/^[# ]*host-check \([a-z0-9_.-]*\) \(0x[0-9a-f]*\) \([0-9a-f]*\)$/\1 \2 \3/p')
	if [ "$hcf" -gt 0 ]; then
		f=$((f + 1))
	elif [ "$hc" -gt 0 ]; then
		p=$((p + 1))
	fi

	if [ -f "$dir/build-only" ]; then
		# Not a boot (harness/build-only.sh): nothing more to check.
		echo "== $run"
	else
		rc=$(cat "$dir/qemu.rc" 2>/dev/null || echo none)
		if [ "$rc" = 0 ] && grep -q '^# kst: done' "$res" 2>/dev/null; then
			p=$((p + 1))
		else
			f=$((f + 1)); fails+=("guest_completed # qemu exit $rc$([ "$rc" = 124 ] && echo ' (timeout)'), see $dir/console.log")
			# boot.sh's dump of the vCPUs, if the guest outlived its time
			while IFS= read -r l; do fails+=("    $l"); done < \
				<(grep '^vCPU at ' "$dir/monitor.log" 2>/dev/null)
		fi
		if grep -E -q "$splat" "$dir/console.log" 2>/dev/null; then
			f=$((f + 1))
			fails+=("console_clean # kernel splat:")
			while IFS= read -r l; do fails+=("    $l"); done < <(grep -E "$splat" "$dir/console.log" | head -n 5)
		else
			p=$((p + 1))
		fi
		# The nested guests' consoles (harness/guest/e2e-qemu): one file
		# per boot, and a check for those on the dma-buf path.  A splat
		# on today's path (x-kvm-dmabuf=off) is the baseline's, so it is
		# shown, not counted.
		rm -f "$dir"/l2-*.log
		for mode in $([ -f "$res" ] && tr -d '\r' < "$res" |
			      sed -n 's/^ *# l2-\([a-z-]*\): .*/\1/p' | sort -u); do
			tr -d '\r' < "$res" | sed -n "s/^ *# l2-$mode: //p" > "$dir/l2-$mode.log"
			# x86's poison step ends in this panic (e2e-qemu), which
			# qemu_x_kvm_dmabuf_on_poison judges; no other.
			mce='mce: \[Hardware Error\]: Machine check: Uncorrected error without MCA Recovery$'
			expected='^\[ *[0-9]+\.[0-9]+\] Kernel panic - not syncing: Fatal (local )?machine check$'
			grep -a -q "$mce" "$dir/l2-$mode.log" || expected='^$'
			# (The matches, not a pipeline's status: grep -q would end
			# it early, and pipefail would call that no splat.)
			found=$(grep -a -E -v "$expected" "$dir/l2-$mode.log" | grep -a -E "$splat" || true)
			if [ -z "$found" ]; then
				[ "${mode%%-*}" = on ] && p=$((p + 1))
				continue
			fi
			if [ "${mode%%-*}" = on ]; then
				f=$((f + 1))
				fails+=("l2_console_clean # kernel splat in the nested guest, x-kvm-dmabuf=$mode ($dir/l2-$mode.log):")
				while IFS= read -r l; do fails+=("    $l"); done < <(head -n 5 <<< "$found")
			else
				notes+=("today's path, x-kvm-dmabuf=$mode: kernel splat in the nested guest ($dir/l2-$mode.log), not counted:")
				while IFS= read -r l; do notes+=("    $l"); done < <(grep -E "$splat" "$dir/l2-$mode.log" | head -n 5)
			fi
		done
		echo "== $run: qemu exit $rc, $(cat "$dir/wall.s" 2>/dev/null || echo '?') s"
	fi
	for l in "${skips[@]}"; do echo "  skipped: $l"; done
	for l in "${notes[@]}"; do echo "  noted:   $l"; done
	for l in "${fails[@]}"; do echo "  FAILED:  $l"; done
	echo "$run: $p passed, $f failed, $s skipped"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
