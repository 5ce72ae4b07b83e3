# SPDX-License-Identifier: GPL-2.0
#
# KVM memslots backed by a dma-buf: build, boot and test.
#
# This repository is a sparse kernel tree.  The folders in OVERLAY_DIRS hold
# files at their kernel paths and are linked into the unpacked source;
# patches/ is the quilt series that edits upstream files.  Everything else
# (this Makefile, harness/, .ci/) is ours and never enters the kernel tree.
#
#   ./run, ./check  the README's two commands: install make if it is
#                   missing, then "make run" or "make check"
#   make run        build what is missing, boot one architecture (ARCH=arm64
#                   by default, ARCH=x86_64) and show KVM and the vfio BAR;
#                   where the matrix has a run <arch>-e2e, that run, in
#                   run mode: also QEMU in the guest passing the BAR
#                   (IVSHMEM_SIZE, 64G here) through to a nested Linux
#                   guest, x-kvm-dmabuf=on and off side by side
#                   (harness/guest/e2e-qemu)
#   make check      build every kernel of the matrix (harness/matrix), boot
#                   every run of it and build the build-only configs
#                   (harness/build-only.sh); the last line is
#                   "N passed, N failed, N skipped".  RUNS="run ..." boots
#                   only those runs, and builds only their kernels;
#                   CONFIGS="config ..." builds only those build-only
#                   configs, CONFIGS=none none
#                   SERIES=none skips the series check (below)
#   make series     write build/series/: the series a maintainer receives,
#                   git format-patch against the pristine source, one commit
#                   per quilt patch with the new files series/new-files
#                   gives it, and a cover letter (harness/series.sh)
#   make series-check  git am the series on the pristine source, build
#                   x86_64 at W=1 after every patch and arm64 after the
#                   last, checkpatch --strict every patch
#                   (harness/series-check.sh); part of "make check"
#   make check-fresh  ./run and ./check in a fresh Debian 12 root, as a
#                   newcomer runs them (harness/check-fresh.sh); what CI runs
#   make bench      the dma-buf slot against the VMA path at each BAR size
#                   (BENCH_SIZES, default "1G 16G 64G 256G") and udmabuf
#                   against an mmapped memfd at each RAM size
#                   (BENCH_RAM_SIZES, default "1G 3G"), one boot per
#                   architecture, both or ARCH=; CSV, table, goals and
#                   plots in build/bench/<arch>/ (harness/bench.sh)
#   make qemu       build the VMM of the end-to-end runs: Debian 12's QEMU
#                   source package with the series qemu/patches/, static,
#                   for x86_64 and aarch64 (QEMU_TARGETS=), in build/qemu/
#                   (harness/qemu.sh)
#   make tree       prepare build/linux (source + overlay + series) for quilt
#   make kernel     build the kernel for ARCH (LLVM=1: with clang; DEBUG=1:
#                   the debug kernel, lockdep, KASAN, kmemleak)
#   make selftests  build the selftests for ARCH
#   make clean      remove build/ (CACHE stays: rm -rf it to start cold)

# The kernel base: Debian's linux-source-6.12, pinned here and nowhere else.
LINUX_SOURCE_VERSION := 6.12.117-1~deb12u1

# The VMM of the end-to-end runs: Debian 12's QEMU source package, pinned
# here and nowhere else; our changes to it are the series in qemu/patches/.
QEMU_SOURCE_VERSION := 1:7.2+dfsg-7+deb12u18

# The QEMU that boots x86_64's end-to-end run (harness/matrix, column l0):
# bookworm-backports' qemu-system-x86, pinned here and nowhere else.
L0_QEMU_VERSION := 1:10.0.2+ds-2+deb13u1~bpo12+1
QEMU_TARGETS ?= x86_64 aarch64

OVERLAY_DIRS := virt include arch drivers mm tools Documentation

ARCH ?= arm64
ARCHS := x86_64 arm64
TOP := $(CURDIR)
BUILD := $(TOP)/build
# Kept outside the clone so that a fresh clone (and CI on the same machine)
# reuses it: the compiler cache, the arm64 busybox, and the results shared
# between runs and clones (kernels, QEMU binaries, the passes of the
# build-only configs and of the series check), each under a key of its
# inputs (harness/inputs.sh).
CACHE ?= /var/cache/kvm-dmabuf

export LINUX_SOURCE_VERSION QEMU_SOURCE_VERSION L0_QEMU_VERSION OVERLAY_DIRS TOP BUILD CACHE LLVM W CPU INJECT IVSHMEM_SIZE POOL_SIZE BOOT_TIMEOUT TESTS DEBUG BENCH_SIZES \
	BENCH_RAM_SIZES GUEST_MEM
export CCACHE_DIR := $(CACHE)/ccache
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE := 5G

H := $(TOP)/harness

# The runs of "make check" and the kernels they boot.
# Runs that make check leaves out unless RUNS names them: x86_64-e2e, whose
# test guest still dies in some boots under TCG (harness/matrix).  make run
# ARCH=x86_64 runs it.
OPTIONAL_RUNS := x86_64-e2e
RUNS ?= $(filter-out $(OPTIONAL_RUNS),$(shell awk '!/^\#/ && NF { print $$1 }' $(TOP)/harness/matrix))
export RUNS
KERNELS := $(shell awk -v runs=" $(RUNS) " '!/^\#/ && NF && index(runs, " " $$1 " ") { print $$2 }' $(TOP)/harness/matrix | sort -u)
# The QEMU targets of the runs whose list runs the end-to-end test.
E2E_TARGETS := $(shell awk -v runs=" $(RUNS) " '!/^\#/ && NF && index(runs, " " $$1 " ") { print $$2, $$6 }' \
	$(TOP)/harness/matrix | while read -r k l; do \
	grep -q '^\.\./harness/e2e-qemu' $(TOP)/harness/tests/$$l.list && echo $${k%%-*}; done | \
	sed 's/arm64/aarch64/' | sort -u)
# make run's end-to-end run, if the architecture has one.
# (Not for CPU= or DEBUG=, which boot the plain run of that kernel.)
RUN_E2E := $(if $(CPU)$(DEBUG),,$(shell awk '$$1 == "$(ARCH)-e2e"' $(TOP)/harness/matrix))

.PHONY: all run check check-fresh bench series series-check qemu tree kernel kernels selftests initramfs deps clean \
	$(addprefix kernel-,$(ARCHS)) $(addprefix selftests-,$(ARCHS)) $(addprefix initramfs-,$(ARCHS))

all: run

deps:
	@$(H)/host-deps.sh

tree: deps
	@$(H)/tree.sh

$(addprefix kernel-,$(ARCHS)): kernel-%: tree
	@$(H)/build-kernel.sh $*

$(addprefix selftests-,$(ARCHS)): selftests-%: kernel-%
	@$(H)/build-selftests.sh $*

$(addprefix initramfs-,$(ARCHS)): initramfs-%: selftests-%
	@$(H)/mkinitramfs.sh $*

kernel: kernel-$(ARCH)
selftests: selftests-$(ARCH)
initramfs: initramfs-$(ARCH)

ifeq ($(RUN_E2E),)
run: initramfs-$(ARCH)
	@rc=0; $(H)/boot.sh $(ARCH) run || rc=1; \
	$(H)/report.sh $(ARCH)$(if $(CPU),-$(CPU))$(if $(DEBUG),-debug) || rc=1; exit $$rc
else
run: kernel-$(ARCH)
	@$(H)/qemu.sh $(subst arm64,aarch64,$(ARCH))
	@MODE=run IVSHMEM_SIZE=$(or $(IVSHMEM_SIZE),64G) $(H)/matrix.sh $(ARCH)-e2e
endif

# One build at a time (two cores): the kernels of the runs, one after the
# other, the selftests of both architectures, the build-only configs; then
# boot every run and let report.sh judge them all.
kernels: tree
	@for k in $(KERNELS); do LLVM= DEBUG= $(H)/build-kernel.sh $$k || exit 1; done

check: kernels $(addprefix selftests-,$(ARCHS))
	@$(if $(E2E_TARGETS),$(H)/qemu.sh $(E2E_TARGETS) || exit 1;) rc=0; $(if $(filter none,$(CONFIGS)),rm -rf $(BUILD)/build-only,$(H)/build-only.sh $(CONFIGS)) || rc=1; \
	$(if $(filter none,$(SERIES)),rm -rf $(BUILD)/series-check,SERIES_MAKE=1 $(H)/series-check.sh) || rc=1; \
	$(H)/matrix.sh $(RUNS) || rc=1; exit $$rc

# ARCH given on the command line: that one; otherwise both.
BENCH_ARCHS := $(if $(filter command line environment,$(origin ARCH)),$(ARCH),$(ARCHS))

bench: $(addprefix selftests-,$(BENCH_ARCHS))
	@$(H)/bench.sh $(BENCH_ARCHS)

series: deps
	@$(H)/series.sh

qemu: deps
	@$(H)/qemu.sh $(QEMU_TARGETS)

series-check: series
	@$(H)/series-check.sh

check-fresh:
	@$(H)/check-fresh.sh

clean:
	rm -rf $(BUILD)
