# SPDX-License-Identifier: GPL-2.0
#
# KVM memslots backed by a dma-buf: build, boot and test.
#
# This repository is a sparse kernel tree.  The folders in OVERLAY_DIRS hold
# files at their kernel paths and are linked into the unpacked source;
# patches/ is the quilt series that edits upstream files.  Everything else
# (this Makefile, harness/, .ci/) is ours and never enters the kernel tree.
#
#   make run        build what is missing, boot one architecture (ARCH=arm64
#                   by default, ARCH=x86_64) and show KVM and the vfio BAR
#   make check      build and test both architectures; the last line is
#                   "N passed, N failed, N skipped"
#   make tree       prepare build/linux (source + overlay + series) for quilt
#   make kernel     build the kernel for ARCH (LLVM=1: with clang; DEBUG=1:
#                   the debug kernel, lockdep and KASAN)
#   make selftests  build the selftests for ARCH
#   make clean      remove build/ (the ccache in CACHE stays)

# The kernel base: Debian's linux-source-6.12, pinned here and nowhere else.
LINUX_SOURCE_VERSION := 6.12.117-1~deb12u1

OVERLAY_DIRS := virt include arch drivers mm tools Documentation

ARCH ?= arm64
ARCHS := x86_64 arm64
TOP := $(CURDIR)
BUILD := $(TOP)/build
# Kept outside the clone so that a fresh clone (and CI on the same machine)
# reuses it: the compiler cache and the arm64 busybox.
CACHE ?= /var/cache/kvm-dmabuf

export LINUX_SOURCE_VERSION OVERLAY_DIRS TOP BUILD CACHE LLVM W CPU INJECT IVSHMEM_SIZE POOL_SIZE BOOT_TIMEOUT TESTS DEBUG
export CCACHE_DIR := $(CACHE)/ccache
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE := 5G

H := $(TOP)/harness

.PHONY: all run check tree kernel selftests initramfs deps clean $(addprefix kernel-,$(ARCHS)) \
	$(addprefix selftests-,$(ARCHS)) $(addprefix initramfs-,$(ARCHS))

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

run: initramfs-$(ARCH)
	@rc=0; $(H)/boot.sh $(ARCH) run || rc=1; \
	$(H)/report.sh $(ARCH)$(if $(CPU),-$(CPU))$(if $(DEBUG),-debug) || rc=1; exit $$rc

# Build everything first, one architecture after the other (two cores: one
# build at a time), then boot each and let report.sh judge.
check: $(addprefix initramfs-,$(ARCHS))
	@rc=0; for a in $(ARCHS); do $(H)/boot.sh $$a check || rc=1; done; \
	$(H)/report.sh $(addsuffix $(if $(DEBUG),-debug),$(ARCHS)) || rc=1; exit $$rc

clean:
	rm -rf $(BUILD)
