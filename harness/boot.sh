#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel under QEMU TCG with a timeout.  The guest has two
# ivshmem-plain devices whose BAR2s are backed by sparse files that the host
# can read: the device the tests pass through with vfio-pci
# (build/<run>/ivshmem.bin), and the memory pool of the dma-buf test exporter
# (build/<run>/pool.bin).  A virtio console carries the runner's KTAP
# (build/<run>/results.ktap).  The kernel console is kept in
# build/<run>/console.log.
#
# usage: boot.sh arm64|x86_64 run|check
# environment (harness/matrix.sh sets the first five, TCG and L0 per run):
#   RUN=name           the run directory build/<name> (default <arch>, with
#                      -<CPU> and -debug when those are set), which holds
#                      the initramfs the run boots (harness/mkinitramfs.sh)
#   KERNEL=name        boot build/obj/<name> (default <arch>, -debug with
#                      DEBUG=1)
#   CPU=cortex-a72     QEMU CPU model (default max; arm64 max: VHE, FWB;
#                      cortex-a72: nVHE, no FWB)
#   MACHINE=mte=on     options added to -M; "viommu" among them gives the
#                      guest the architecture's vIOMMU (q35: intel-iommu;
#                      virt: iommu=smmuv3), which QEMU's vfio in the guest
#                      needs (harness/guest/e2e-qemu)
#   KARGS=a,b          arguments added to the kernel command line
#   IVSHMEM_SIZE=16G   size of the BAR (a power of two; the small form of
#                      make bench in the default runs binds 16 GiB of it)
#   POOL_SIZE=4G       size of the test exporter's pool (a power of two, 2G+)
#   GUEST_MEM=4G       the guest's memory (QEMU -m)
#   TCG=thread=single  options added to -accel tcg
#   L0=backports       run the guest under bookworm-backports' QEMU
#                      (L0_QEMU_VERSION), which harness/qemu-l0.sh unpacks
#                      into $CACHE/qemu-l0-x86_64/ (x86_64 only; default:
#                      Debian 12's qemu-system-*)
#   BOOT_TIMEOUT=s     wall-clock limit of the whole boot
#   INJECT=fail|hang|warn|overdue   make the guest fail on purpose
#   DEBUG=1            boot the debug kernel (lockdep, KASAN, kmemleak)
set -uo pipefail
: "${TOP:?}" "${BUILD:?}"
arch=$1
mode=$2
run=${RUN:-$arch${CPU:+-$CPU}${DEBUG:+-debug}}
dir=$BUILD/$run
obj=$BUILD/obj/${KERNEL:-$arch${DEBUG:+-debug}}
size=${IVSHMEM_SIZE:-16G}
pool=${POOL_SIZE:-4G}
mkdir -p "$dir"
rm -f "$dir/results.ktap" "$dir/console.log" "$dir/qemu.rc" "$dir/ivshmem.bin" \
      "$dir/pool.bin" "$dir/monitor.log" "$dir/monitor.in" "$dir/monitor.out"
mkfifo "$dir/monitor.in" "$dir/monitor.out"
truncate -s "$size" "$dir/ivshmem.bin"
truncate -s "$pool" "$dir/pool.bin"

cmdline="panic=-1 kst.mode=$mode${INJECT:+ kst.inject=$INJECT}${KARGS:+ ${KARGS//,/ }}"
machine=,${MACHINE:-},
viommu=
[[ $machine == *,viommu,* ]] && viommu=1 machine=${machine/,viommu,/,}
machine=${machine#,} machine=${machine%,}
case $arch in
arm64)
	[ -z "${L0:-}" ] || { echo "boot: L0=$L0 is for x86_64 only" >&2; exit 2; }
	qemu=(qemu-system-aarch64 -M "virt,virtualization=on,gic-version=3${machine:+,$machine}${viommu:+,iommu=smmuv3}"
	      -cpu "${CPU:-max}" -kernel "$obj/arch/arm64/boot/Image")
	cmdline="console=ttyAMA0 $cmdline"
	limit=${BOOT_TIMEOUT:-2400} ;;
x86_64)
	case ${L0:-} in
	"")	l0=(qemu-system-x86_64) ;;
	backports)
		d=$CACHE/qemu-l0-x86_64/${L0_QEMU_VERSION//[:~]/_}
		[ -x "$d/usr/bin/qemu-system-x86_64" ] || { echo "boot: no $d/usr/bin/qemu-system-x86_64 (harness/qemu-l0.sh)" >&2; exit 2; }
		l0=("$d/usr/bin/qemu-system-x86_64" -L "$d/usr/share/qemu" -L "$d/usr/share/seabios") ;;
	*)	echo "boot: unknown L0=$L0" >&2; exit 2 ;;
	esac
	qemu=("${l0[0]}" -M "q35${machine:+,$machine}" -cpu "${CPU:-max}" -kernel "$obj/arch/x86/boot/bzImage" "${l0[@]:1}")
	[ -n "$viommu" ] && qemu+=(-device intel-iommu) && cmdline+=" intel_iommu=on"
	cmdline="console=ttyS0 $cmdline"
	limit=${BOOT_TIMEOUT:-1500} ;;
*)
	echo "boot: unknown architecture $arch" >&2; exit 2 ;;
esac
[ "$mode" = run ] && limit=${BOOT_TIMEOUT:-900}

qemu+=(-accel "tcg${TCG:+,$TCG}" -smp 2 -m "${GUEST_MEM:-4G}" -display none -monitor "pipe:$dir/monitor" -no-reboot -nic none
       -initrd "$dir/initramfs.cpio" -append "$cmdline"
       -object "memory-backend-file,id=bar,size=$size,share=on,mem-path=$dir/ivshmem.bin"
       -device "pcie-root-port,id=rp0,chassis=1"
       -device "ivshmem-plain,memdev=bar,bus=rp0"
       -object "memory-backend-file,id=pool,size=$pool,share=on,mem-path=$dir/pool.bin"
       -device "pcie-root-port,id=rp1,chassis=2"
       -device "ivshmem-plain,memdev=pool,bus=rp1"
       -device virtio-serial-pci
       -chardev "file,id=kst,path=$dir/results.ktap"
       -device "virtconsole,chardev=kst"
       -serial stdio)

# The guest past its time: where is each vCPU?  Two samples 3 s apart tell
# a vCPU that is stuck from one that moves; on x86 each local APIC's IRR and
# ISR tell an interrupt that is held from one never raised.  System.map's
# addresses and QEMU's have 16 hex digits, so a string comparison orders
# them; an address below the kernel's is its user space or a nested guest.
# The sleep holds none of our output, so that it ends nothing's wait when
# killed early.
dump() {
	local cmds='info registers -a\n'
	[ "$arch" = x86_64 ] && cmds+='info lapic 0\ninfo lapic 1\n'
	sleep "$((limit - 20))" >/dev/null 2>&1
	timeout 5 sh -c "printf '$cmds' > '$dir/monitor.in'" || return
	sleep 3
	timeout 5 sh -c "printf 'info registers -a\n' > '$dir/monitor.in'" || return
	sleep 5
	timeout 5 cat "$dir/monitor.out" | tr -d '\r' | sed 's/\x1b\[[0-9]*[A-Z]//g' > "$dir/monitor.log"
	echo >> "$dir/monitor.log"
	pcs=$(grep -o -E '(RIP|PC)=[0-9a-f]{16}' "$dir/monitor.log")
	while IFS='=' read -r reg pc; do
		[ -n "$pc" ] || continue
		if [[ $pc < ffff ]]; then
			sym='(below the kernel: its user space or a nested guest)'
		else
			sym=$(awk -v pc="$pc" '$1 "" <= pc "" { s = $3 } END { print s }' "$obj/System.map")
		fi
		echo "vCPU at $reg=$pc $sym"
	done <<< "$pcs" >> "$dir/monitor.log"
	echo "boot: $run still running at $((limit - 20)) s; vCPU registers in $dir/monitor.log" >&2
}

echo "boot: $run ($mode, kernel $(basename "$obj"), ${qemu[*]:1:4}${KARGS:+, $KARGS}${TCG:+, -accel tcg,$TCG}${L0:+, $("${qemu[0]}" --version | head -1)}, limit $limit s), console: $dir/console.log"
start=$(date +%s)
dump &
dumper=$!
if [ "$mode" = run ]; then
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null 2>&1 | tee "$dir/console.log"
	rc=${PIPESTATUS[0]}
else
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null >"$dir/console.log" 2>&1
	rc=$?
fi
kill "$dumper" 2>/dev/null
rm -f "$dir/monitor.in" "$dir/monitor.out"
echo "$rc" > "$dir/qemu.rc"
secs=$(( $(date +%s) - start ))
echo "$secs" > "$dir/wall.s"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "boot: $run TIMED OUT after $limit s" >&2
	exit 1
fi
echo "boot: $run finished in $secs s (qemu exit $rc)"
[ "$mode" = check ] && grep -E '^(not )?ok ' "$dir/results.ktap"
exit "$rc"
