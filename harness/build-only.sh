#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel configs that are built but not booted: the feature switched off,
# its exporters' subsystems missing, other page sizes; and our own files
# at W=1 in the configs that are booted.  A whole kernel per
# config costs minutes, so only the directories that the series touches are
# built (our files and the upstream files our patches change), and then
# linked as far as a missing stub would show:
# every symbol that those directories use and that they define in the
# kernel of the same architecture (build/obj/<arch>, which must be built)
# must be defined in them in this config too.
#
# The result is a run of its own for harness/report.sh,
# build/build-only/results.ktap: one result per config, which fails on an
# error, on a warning, on an option that did not take, or on a symbol that
# would be missing at link time.
#
# A config that passed is not built again while its inputs (harness/inputs.sh,
# the fragments, this script) stay the same: its pass is kept in
# $CACHE/results/build-only/, shared between runs and clones.
#
# usage: build-only.sh [CONFIG...]   (default: all of the table below)
set -uo pipefail
: "${TOP:?}" "${BUILD:?}" "${OVERLAY_DIRS:?}" "${CACHE:?}"

# name                  arch    options (set after common.config and
#                               <arch>.config, which lose their lines for them)
table='
x86_64-no-kvm-dmabuf    x86_64  CONFIG_KVM_DMABUF=n
x86_64-no-vfio          x86_64  CONFIG_VFIO=n
x86_64-no-dma-buf       x86_64  CONFIG_DMA_SHARED_BUFFER=n CONFIG_UDMABUF=n CONFIG_DMABUF_HEAPS=n CONFIG_DMABUF_PHYS_TEST=n
arm64-16k               arm64   CONFIG_ARM64_16K_PAGES=y CONFIG_ARM64_4K_PAGES=n
arm64-64k               arm64   CONFIG_ARM64_64K_PAGES=y CONFIG_ARM64_4K_PAGES=n
x86_64-w1               x86_64  -
arm64-w1                arm64   -
'
# What to build: the directories of the series, for one architecture (of
# mm/, only the two files of the series: the rest of it is large); for
# the W=1 configs (named *-w1), the directories of our files, whose warnings
# alone count (upstream files are not W=1 clean).
dirs() {
	local karch=${arch/x86_64/x86}
	case $name in
	*-w1)	echo "arch/$karch/kvm/ drivers/dma-buf/ drivers/vfio/pci/ mm/pfn_address_space.o" ;;
	*)	echo "virt/ arch/$karch/kvm/ drivers/dma-buf/ drivers/vfio/ mm/memory-failure.o mm/pfn_address_space.o" ;;
	esac
}
ours=$(cd "$TOP" && find $OVERLAY_DIRS -name '*.[ch]' ! -path 'tools/*' 2>/dev/null |
	sed 's/\./\\./g' | paste -sd'|')

tree=$BUILD/linux
out=$BUILD/build-only
mkdir -p "$out"
rm -f "$out/results.ktap"
[ $# -gt 0 ] || set -- $(awk 'NF { print $1 }' <<<"$table")

n=0
res=()
for name in "$@"; do
	read -r _ arch opts < <(awk -v c="$name" '$1 == c' <<<"$table")
	if [ -z "${arch:-}" ]; then
		echo "build-only: no config $name" >&2
		exit 2
	fi
	n=$((n + 1))
	start=$(date +%s)
	if ! key=$("$TOP/harness/inputs.sh" kernel "$0" "$TOP"/harness/config/{common,"$arch"}.config); then
		printf 'KTAP version 1\n1..1\nnot ok 1 %s # no key of its inputs\n' "$name" \
			> "$out/results.ktap"
		touch "$out/build-only"
		exit 1
	fi
	key=$(echo "$key $name $opts" | sha256sum | cut -c1-16)
	pass=$CACHE/results/build-only/$name-$key
	if [ -f "$pass" ]; then
		res+=("ok $n $name")
		echo "build-only: $name: passed on $(date -r "$pass" '+%F %R') with the same inputs" \
		     "($pass), not built again"
		continue
	fi
	obj=$BUILD/obj/build-$name
	log=$obj.log
	mkdir -p "$obj"
	case $arch in
	arm64)	args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="ccache aarch64-linux-gnu-gcc") ;;
	x86_64)	args=(ARCH=x86_64 CC="ccache gcc") ;;
	esac
	args=(-C "$tree" O="$obj" -j"$(nproc)" HOSTCC="ccache gcc" "${args[@]}")

	# The fragments without the lines of the options set here.
	[ "$opts" = - ] && opts=
	w=
	case $name in *-w1) w=W=1 ;; esac
	names=$(for o in $opts; do echo "${o%%=*}"; done)
	cat "$TOP/harness/config/common.config" "$TOP/harness/config/$arch.config" |
		grep -v -x -F -f <(for o in $names; do echo "$o=y"; echo "$o=n"; done) \
		> "$obj/fragments.config"
	for o in $opts; do echo "$o"; done >> "$obj/fragments.config"

	why=
	if ! make "${args[@]}" KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig >"$log" 2>&1; then
		why="config failed"
	fi
	for o in $opts; do
		[ -n "$why" ] && break
		case ${o#*=} in
		n) grep -q "^${o%%=*}=" "$obj/.config" && why="${o%%=*} is set, wanted n" ;;
		*) grep -qx "$o" "$obj/.config" || why="$o did not take" ;;
		esac
	done
	# shellcheck disable=SC2046
	if [ -z "$why" ] && ! make "${args[@]}" $w $(dirs) >>"$log" 2>&1; then
		why="build failed"
	fi
	warnings=$(grep -E '(warning|error):' "$log" | sort -u)
	[ -n "$w" ] && warnings=$(grep -E "/($ours):[0-9]+" <<<"$warnings")
	[ -z "$why" ] && [ -n "$warnings" ] && why="$(wc -l <<<"$warnings") warning lines"

	# What the built directories need from themselves.
	if [ -z "$why" ] && [ -z "$w" ]; then
		ref=$BUILD/obj/$arch
		# Weak undefined symbols (symbol_get(), as in virt/kvm/vfio.c)
		# may stay undefined: only U counts.
		syms() {	# syms OBJ U|defined
			for d in $(dirs); do
				case $d in */) d=${d}built-in.a ;; esac
				[ -f "$1/$d" ] && nm "$1/$d" 2>/dev/null
			done | awk -v t="$2" 't == "U" && $1 == "U" { print $2 }
				t != "U" && NF == 3 && $2 !~ /^[Uwv]$/ { print $3 }' | sort -u
		}
		if [ ! -f "$ref/vmlinux" ]; then
			why="no reference kernel $ref to link against"
		else
			missing=$(comm -12 <(comm -23 <(syms "$obj" U) <(syms "$obj" defined)) \
				<(syms "$ref" defined))
			[ -n "$missing" ] && why="undefined at link time: $(echo $missing)"
		fi
	fi

	secs=$(( $(date +%s) - start ))
	if [ -z "$why" ]; then
		res+=("ok $n $name")
		echo "build-only: $name (${opts:-$w}): built $(dirs | sed 's/ *$//') in $secs s"
		# The three newest passes of each config (a fresh root's and this
		# machine's keys differ).
		mkdir -p "$(dirname "$pass")"
		touch "$pass"
		# shellcheck disable=SC2012
		ls -t "$(dirname "$pass")/$name"-* | tail -n +4 | xargs -r rm -f
	else
		res+=("not ok $n $name # $why")
		echo "build-only: $name (${opts:-$w}): FAILED after $secs s: $why, log: $log" >&2
		[ -n "$warnings" ] && head -n 20 <<<"$warnings" >&2
	fi
done

{
	echo "KTAP version 1"
	echo "1..$n"
	printf '%s\n' "${res[@]}"
	echo "# kst: done"
} > "$out/results.ktap"
touch "$out/build-only"
