// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots bound to a dma-buf (KVM_MEM_DMABUF), with buffers of the
 * test exporter (CONFIG_DMABUF_PHYS_TEST, carved from the pool device's
 * BAR): the capability, every bind-time error, a guest that writes and
 * reads the slot (the writes checked in the BAR from outside the VM), a
 * revoke that ends KVM_RUN with KVM_EXIT_MEMORY_FAULT and the revoked
 * flag, and the un-revoke after which the guest goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/udmabuf.h>
#include <linux/vfio.h>

#include "kvm_util.h"
#include "kvm_dmabuf_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "../drivers/dma-buf-phys/phys_util.h"

#define SLOT		10
#define TEST_GPA	0x800000000ULL
#define TEST_GVA	TEST_GPA
#define TEST_SIZE	0x200000ULL
#define NR_TOUCH	16
#define STRIDE		(TEST_SIZE / NR_TOUCH)

static int phys_dev;
/* What the guest writes: random, so that no earlier run can match it. */
static uint64_t pattern;

static int create_buf(uint64_t pool_off, uint64_t len, uint32_t attr,
		      uint32_t flags)
{
	struct dma_buf_phys_test_chunk c = { .offset = pool_off, .len = len };
	struct dma_buf_phys_test_create arg = {
		.attr = attr,
		.flags = flags,
		.nr_chunks = 1,
		.chunks = (uintptr_t)&c,
	};

	TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_CREATE, &arg),
		    "creating a test buffer: %s", strerror(errno));
	return arg.fd;
}

static void buf_revoke(int buf, uint32_t revoked)
{
	struct dma_buf_phys_test_revoke arg = { .fd = buf, .revoked = revoked };

	TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_REVOKE, &arg),
		    "revoke %u: %s", revoked, strerror(errno));
}

static void pool_bdf(char *bdf, size_t size)
{
	TEST_ASSERT(phys_bound_device(DMA_BUF_PHYS_TEST_DRIVER, bdf, size),
		    "no device bound to %s", DMA_BUF_PHYS_TEST_DRIVER);
}

static uint64_t *map_pool(void)
{
	return phys_map_pool(TEST_SIZE);
}

static void guest_code(uint64_t gva)
{
	uint64_t *p = (uint64_t *)gva;
	int i;

	for (i = 0; i < NR_TOUCH; i++)
		WRITE_ONCE(p[i * STRIDE / 8], pattern ^ i);
	GUEST_SYNC(1);
	for (i = 0; i < NR_TOUCH; i++)
		GUEST_ASSERT_EQ(READ_ONCE(p[i * STRIDE / 8]), pattern ^ i);
	GUEST_SYNC(2);
	/* The host revokes here: the first read ends KVM_RUN. */
	for (i = 0; i < NR_TOUCH; i++)
		GUEST_ASSERT_EQ(READ_ONCE(p[i * STRIDE / 8]), pattern ^ i);
	GUEST_DONE();
}

static void expect_bind(struct kvm_vm *vm, int err, uint32_t flags,
			uint64_t size, int fd, uint64_t off)
{
	int r = __vm_set_user_memory_region_dmabuf(vm, SLOT, flags, TEST_GPA,
						   size, fd, off);

	TEST_ASSERT(r == -1 && errno == err,
		    "bind(flags %#x, size %#lx, fd %d, off %#lx): %d errno %d, wanted %d",
		    flags, (unsigned long)size, fd, (unsigned long)off, r,
		    errno, err);
}

static void test_bind_errors(void)
{
	struct kvm_vm *vm = vm_create_barebones();
	int buf, ro, nophys, memfd;

	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_DEVICE, 0);
	ro = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_DEVICE,
			DMA_BUF_PHYS_TEST_F_RDONLY);
	nophys = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_DEVICE,
			    DMA_BUF_PHYS_TEST_F_NO_PHYS);
	memfd = memfd_create("not-a-dma-buf", 0);
	TEST_ASSERT(memfd >= 0, "memfd_create");

	expect_bind(vm, EBADF, 0, TEST_SIZE, -1, 0);
	expect_bind(vm, EINVAL, 0, TEST_SIZE, memfd, 0);
	expect_bind(vm, EINVAL, 0, TEST_SIZE, buf, 0x800);
	expect_bind(vm, EINVAL, 0, TEST_SIZE, buf, 0x1000);
	expect_bind(vm, EINVAL, 0, 2 * TEST_SIZE, buf, 0);
	expect_bind(vm, EINVAL, 0, TEST_SIZE, buf, -0x1000ULL);
	expect_bind(vm, EINVAL, KVM_MEM_LOG_DIRTY_PAGES, TEST_SIZE,
		    buf, 0);
	expect_bind(vm, EINVAL, KVM_MEM_GUEST_MEMFD, TEST_SIZE, buf, 0);
	expect_bind(vm, EOPNOTSUPP, 0, TEST_SIZE, nophys, 0);
	expect_bind(vm, EACCES, 0, TEST_SIZE, ro, 0);
	{
		struct kvm_userspace_memory_region2 region = {
			.slot = SLOT,
			.flags = KVM_MEM_DMABUF,
			.guest_phys_addr = TEST_GPA,
			.memory_size = TEST_SIZE,
			.userspace_addr = 0x100000,
			.dmabuf_fd = buf,
		};

		TEST_ASSERT(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION2,
				  &region) == -1 && errno == EINVAL,
			    "a host address with KVM_MEM_DMABUF: errno %d",
			    errno);
	}
	/* The padding next to dmabuf_fd must be zero. */
	{
		struct kvm_userspace_memory_region2 region = {
			.slot = SLOT,
			.flags = KVM_MEM_DMABUF,
			.guest_phys_addr = TEST_GPA,
			.memory_size = TEST_SIZE,
			.dmabuf_fd = buf,
			.pad3 = 1,
		};

		TEST_ASSERT(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION2,
				  &region) == -1 && errno == EINVAL,
			    "pad3 not zero with KVM_MEM_DMABUF: errno %d",
			    errno);
	}
	/* KVM_SET_USER_MEMORY_REGION (v1) has no room for the fd. */
	{
		struct kvm_userspace_memory_region v1 = {
			.slot = SLOT,
			.flags = KVM_MEM_DMABUF,
			.guest_phys_addr = TEST_GPA,
			.memory_size = TEST_SIZE,
		};

		TEST_ASSERT(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &v1) ==
			    -1 && errno == EINVAL, "v1 ioctl: errno %d", errno);
	}
	ksft_test_result_pass("bind errors\n");

	/* Bound: immutable, deleted like any slot. */
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	TEST_ASSERT(__vm_set_user_memory_region_dmabuf(vm, SLOT, 0,
						       TEST_GPA + TEST_SIZE,
						       TEST_SIZE, buf, 0) == -1 &&
		    errno == EINVAL, "moving a dma-buf slot: errno %d", errno);
	expect_bind(vm, EINVAL, 0, TEST_SIZE, buf, 0);
	expect_bind(vm, EINVAL, KVM_MEM_LOG_DIRTY_PAGES, TEST_SIZE,
		    buf, 0);
	vm_delete_dmabuf_slot(vm, SLOT);
	/* Read-only buffer, read-only slot. */
	if (kvm_has_cap(KVM_CAP_READONLY_MEM)) {
		vm_set_user_memory_region_dmabuf(vm, SLOT, KVM_MEM_READONLY,
						 TEST_GPA, TEST_SIZE, ro, 0);
		vm_delete_dmabuf_slot(vm, SLOT);
	}
	ksft_test_result_pass("bound slot is immutable, read-only binds\n");

	close(buf);
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_CACHEABLE, 0);
	if (kvm_dmabuf_cacheable_refused()) {
		expect_bind(vm, EINVAL, 0, TEST_SIZE, buf, 0);
		ksft_test_result_pass("cacheable refused without FWB (EINVAL)\n");
	} else {
		vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA,
						 TEST_SIZE, buf, 0);
		ksft_test_result_pass("cacheable accepted\n");
	}

	close(memfd);
	close(nophys);
	close(ro);
	close(buf);
	kvm_vm_free(vm);
}

static struct kvm_vm *new_vm(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_code);

	sync_global_to_guest(vm, pattern);
	return vm;
}

/*
 * Run guest_code over a slot bound to @buf, and check what it wrote in
 * @view, the host's own view of the same memory, if there is one.  Leaves
 * the guest after its second stage, with the slot mapped.
 */
static struct kvm_vm *run_guest_on(int buf, uint64_t *view,
				   struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = new_vm(vcpu);
	int i;

	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(*vcpu, 1, TEST_GVA);
	kvm_dmabuf_expect_sync(*vcpu, 1);
	for (i = 0; view && i < NR_TOUCH; i++)
		TEST_ASSERT(READ_ONCE(view[i * STRIDE / 8]) == (pattern ^ i),
			    "memory at %#lx holds %#lx, the guest wrote %#lx",
			    (unsigned long)(i * STRIDE),
			    (unsigned long)READ_ONCE(view[i * STRIDE / 8]),
			    (unsigned long)(pattern ^ i));
	kvm_dmabuf_expect_sync(*vcpu, 2);
	return vm;
}

/*
 * A udmabuf of the memfd at @path reopened with @mode is exported with
 * that mode, and a slot with @slot_flags cannot be bound to it.
 */
static void expect_udmabuf_mode(int dev, const char *path, int mode,
				uint32_t slot_flags)
{
	struct udmabuf_create create = { .size = TEST_SIZE };
	struct kvm_vm *vm;
	int buf;

	create.memfd = open(path, mode);
	TEST_ASSERT(create.memfd >= 0, "reopening the memfd with mode %d", mode);
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	TEST_ASSERT(buf >= 0, "udmabuf of a memfd of mode %d: %s", mode,
		    strerror(errno));
	TEST_ASSERT((fcntl(buf, F_GETFL) & O_ACCMODE) == mode,
		    "udmabuf of a memfd of mode %d exported with flags %#x",
		    mode, fcntl(buf, F_GETFL));
	vm = vm_create_barebones();
	expect_bind(vm, EACCES, slot_flags, TEST_SIZE, buf, 0);
	kvm_vm_free(vm);
	close(buf);
	close(create.memfd);
}

/* udmabuf: memfd pages, cacheable; the guest's writes seen in the memfd. */
static void test_udmabuf(void)
{
	char path[PATH_MAX];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int dev, memfd, buf;
	uint64_t *view;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("no /dev/udmabuf (CONFIG_UDMABUF)\n");
		ksft_test_result_skip("no /dev/udmabuf (CONFIG_UDMABUF)\n");
		return;
	}
	buf = phys_udmabuf(dev, TEST_SIZE, &memfd);
	TEST_ASSERT(buf >= 0, "udmabuf: %s", strerror(-buf));

	/*
	 * The memfd reopened read-only or write-only: the buffer has that
	 * mode too, and a slot that needs more access is refused.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	expect_udmabuf_mode(dev, path, O_RDONLY, 0);
	expect_udmabuf_mode(dev, path, O_WRONLY, KVM_MEM_READONLY);
	ksft_test_result_pass("udmabuf of a read-only or write-only memfd: its mode, EACCES\n");
	view = mmap(NULL, TEST_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	TEST_ASSERT(view != MAP_FAILED, "mmap memfd");

	/* Cacheable RAM: mapped with or without FWB (arm64). */
	vm = run_guest_on(buf, view, &vcpu);
	kvm_vm_free(vm);
	ksft_test_result_pass("udmabuf: guest writes seen in the memfd\n");
	munmap(view, TEST_SIZE);
	close(buf);
	close(memfd);
	close(dev);
}

/*
 * vfio-pci: BAR2 of the device bound to vfio-pci, exported with
 * VFIO_DEVICE_FEATURE_DMA_BUF; the guest's writes seen through the
 * region's mmap, which only this check creates.
 */
/* The next record is @kind, for the whole of the slot. */
static void expect_vfio_event(int fd, uint32_t kind)
{
	struct kvm_dmabuf_event ev = kvm_dmabuf_next_event(fd);

	TEST_ASSERT(ev.kind == kind && ev.slot == SLOT && ev.gpa == TEST_GPA &&
		    ev.size == TEST_SIZE,
		    "record %u slot %u gpa %#llx size %#llx, wanted %u for the slot",
		    ev.kind, ev.slot, ev.gpa, ev.size, kind);
}

static void test_vfio(void)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar),
		.index = VFIO_PCI_BAR2_REGION_INDEX,
	};
	char bdf[NAME_MAX + 1] = "", path[PATH_MAX];
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	int container, group, device, buf, efd;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint16_t cmd, off;
	uint64_t *view;
	int i;

	if (!phys_bound_device("vfio-pci", bdf, sizeof(bdf))) {
		/* The five results below. */
		for (i = 0; i < 5; i++)
			ksft_test_result_skip("no device bound to vfio-pci\n");
		return;
	}
	device = kvm_dmabuf_vfio_open(bdf, &container, &group);
	/* VFIO exports write-only as asked (as 6.19 does); KVM refuses it. */
	buf = kvm_dmabuf_vfio_export(device, O_WRONLY | O_CLOEXEC, TEST_SIZE);
	TEST_ASSERT(buf >= 0, "O_WRONLY export: %s", strerror(errno));
	vm = vm_create_barebones();
	expect_bind(vm, EACCES, 0, TEST_SIZE, buf, 0);
	expect_bind(vm, EACCES, KVM_MEM_READONLY, TEST_SIZE, buf, 0);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("vfio-pci O_WRONLY export: bind refused, EACCES\n");

	buf = kvm_dmabuf_vfio_export(device, O_RDWR | O_CLOEXEC, TEST_SIZE);
	TEST_ASSERT(buf >= 0, "VFIO_DEVICE_FEATURE_DMA_BUF: %s",
		    strerror(errno));
	TEST_ASSERT(!ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar),
		    "BAR2 info");
	view = mmap(NULL, TEST_SIZE, PROT_READ, MAP_SHARED, device,
		    bar.offset);
	TEST_ASSERT(view != MAP_FAILED, "mmap of BAR2: %s", strerror(errno));

	vm = run_guest_on(buf, view, &vcpu);
	/*
	 * The harness also looks for the writes outside QEMU, in the file
	 * that backs the BAR (harness/report.sh): bytes in file order.
	 */
	for (i = 0; i < NR_TOUCH; i++) {
		uint64_t v = pattern ^ i;
		char hex[17];
		int b;

		for (b = 0; b < 8; b++)
			snprintf(hex + 2 * b, 3, "%02x",
				 (unsigned int)(v >> (8 * b)) & 0xff);
		ksft_print_msg("host-check ivshmem.bin 0x%lx %s\n",
			       (unsigned long)(i * STRIDE), hex);
	}
	ksft_test_result_pass("vfio-pci BAR: guest writes seen in the BAR\n");

	/* Memory decode off, then on: one record each, from vfio-pci. */
	efd = kvm_dmabuf_events_fd(vm);
	TEST_ASSERT(!ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &cfg),
		    "config space info");
	TEST_ASSERT(pread(device, &cmd, 2, cfg.offset + PCI_COMMAND) == 2,
		    "reading the command register");
	off = cmd & ~PCI_COMMAND_MEMORY;
	TEST_ASSERT(pwrite(device, &off, 2, cfg.offset + PCI_COMMAND) == 2,
		    "memory decode off");
	expect_vfio_event(efd, KVM_DMABUF_EVENT_REVOKED);
	TEST_ASSERT(pwrite(device, &cmd, 2, cfg.offset + PCI_COMMAND) == 2,
		    "memory decode on");
	expect_vfio_event(efd, KVM_DMABUF_EVENT_RESTORED);

	/*
	 * Poison in the BAR, consumed on this thread, which no longer maps
	 * it: vfio-pci's pfn address space tells the slot (a record with the
	 * page's gpa), and no process is signalled.
	 */
	munmap(view, TEST_SIZE);
	{
		struct dma_buf_phys_test_consume c;
		struct kvm_dmabuf_event ev;
		unsigned long long start;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
			 bdf);
		f = fopen(path, "r");
		TEST_ASSERT(f, "%s", path);
		for (i = 0; i <= VFIO_PCI_BAR2_REGION_INDEX; i++)
			TEST_ASSERT(fscanf(f, "%llx %*x %*x", &start) == 1,
				    "%s", path);
		fclose(f);
		c.pfn = start / SZ_4K + 3;
		TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_CONSUME, &c),
			    "memory_failure() of BAR pfn %#llx: %s",
			    (unsigned long long)c.pfn, strerror(errno));
		ev = kvm_dmabuf_next_event(efd);
		TEST_ASSERT(ev.kind == KVM_DMABUF_EVENT_POISONED &&
			    ev.slot == SLOT && ev.gpa == TEST_GPA + 3 * SZ_4K &&
			    ev.size == SZ_4K,
			    "record %u slot %u gpa %#llx size %#llx, wanted poisoned at %#llx",
			    ev.kind, ev.slot, ev.gpa, ev.size,
			    (unsigned long long)TEST_GPA + 3 * SZ_4K);
		ksft_test_result_pass("vfio-pci BAR pfn %#llx poisoned: record at %#llx\n",
				      (unsigned long long)c.pfn, ev.gpa);
	}

	/* Closing the device revokes for good: a record, then the exit. */
	close(device);
	expect_vfio_event(efd, KVM_DMABUF_EVENT_REVOKED_FOR_GOOD);
	close(efd);
	ksft_test_result_pass("vfio-pci decode off, on, close: three records\n");
	TEST_ASSERT(__vcpu_run(vcpu) == -1 && errno == EFAULT &&
		    vcpu->run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
		    (vcpu->run->memory_fault.flags &
		     KVM_MEMORY_EXIT_FLAG_REVOKED),
		    "after the device closed: errno %d exit %s", errno,
		    exit_reason_str(vcpu->run->exit_reason));
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("vfio-pci device closed: revoked for good\n");
	close(group);
	close(container);
}

struct layout {
	const char *name;
	uint64_t slot_size;
	unsigned int nr_chunks;
	struct dma_buf_phys_test_chunk chunks[4];
	uint64_t expect_size;
	uint64_t expect_pool_off;	/* of the slot's first page */
};

static const char *stage2_attr_name(uint32_t attr)
{
#ifdef __aarch64__
	static const char * const names[] = {
		"device-nGnRE", "normal-nc", "normal-wb",
	};

	return names[attr];
#else
	return "-";	/* NPT: no memory type of KVM's own */
#endif
}

/*
 * Block sizes follow the buffer's contiguity and the alignment of guest
 * physical to physical address; attributes follow the exporter.  Both are
 * read back from what stage 2 (or the TDP MMU) holds.
 */
static void test_block_sizes_and_attributes(void)
{
	const struct layout layouts[] = {
		{ "1G contiguous, 1G aligned", 0x40000000, 1,
		  { { 0x40000000, 0x40000000 } }, 0x40000000, 0x40000000 },
		{ "2M contiguous, 2M aligned", TEST_SIZE, 1,
		  { { TEST_SIZE, TEST_SIZE } }, TEST_SIZE, TEST_SIZE },
		{ "2M, 4K off 2M alignment", TEST_SIZE, 1,
		  { { 0x1000, TEST_SIZE } }, 0x1000, 0x1000 },
		{ "fragmented: two 1M pieces swapped", TEST_SIZE, 2,
		  { { 0x100000, 0x100000 }, { 0, 0x100000 } }, 0x1000,
		  0x100000 },
	};
	struct dma_buf_phys_test_pool pool;
	uint64_t pfn, size;
	char attr[32], perm[8];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int i;
	uint32_t a;
	int buf;

	TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_POOL, &pool), "pool");
	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		const struct layout *l = &layouts[i];
		struct dma_buf_phys_test_create arg = {
			.attr = DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY,
			.nr_chunks = l->nr_chunks,
			.chunks = (uintptr_t)l->chunks,
		};

		TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_CREATE, &arg),
			    "create %s", l->name);
		buf = arg.fd;
		vm = new_vm(&vcpu);
		vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA,
						 l->slot_size, buf, 0);
		kvm_dmabuf_virt_map_block(vm, TEST_GVA, TEST_GPA, l->slot_size,
					  TEST_SIZE);
		vcpu_args_set(vcpu, 1, TEST_GVA);
		kvm_dmabuf_expect_sync(vcpu, 1);
		TEST_ASSERT(kvm_dmabuf_read_leaf(vm, TEST_GPA / vm->page_size,
						 &pfn, &size, attr, perm),
			    "%s: gfn %#llx not mapped", l->name,
			    TEST_GPA / vm->page_size);
		TEST_ASSERT(size == l->expect_size &&
			    pfn == (pool.paddr + l->expect_pool_off) /
				   vm->page_size,
			    "%s: leaf of %#lx bytes at pfn %#lx, wanted %#lx at %#lx",
			    l->name, (unsigned long)size, (unsigned long)pfn,
			    (unsigned long)l->expect_size,
			    (unsigned long)((pool.paddr + l->expect_pool_off) /
					    vm->page_size));
		ksft_test_result_pass("%s: block %#lx, pfn %#lx\n", l->name,
				      (unsigned long)size, (unsigned long)pfn);
		kvm_vm_free(vm);
		close(buf);
	}

	for (a = DMA_BUF_PHYS_TEST_ATTR_DEVICE;
	     a <= DMA_BUF_PHYS_TEST_ATTR_CACHEABLE; a++) {
		buf = create_buf(TEST_SIZE, TEST_SIZE, a, 0);
		vm = new_vm(&vcpu);
		if (__vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA,
						       TEST_SIZE, buf, 0)) {
			TEST_ASSERT(errno == EINVAL &&
				    a == DMA_BUF_PHYS_TEST_ATTR_CACHEABLE,
				    "bind attr %u: %s", a, strerror(errno));
			ksft_test_result_skip("attr %u: cacheable refused here (no FWB)\n",
					      a);
			kvm_vm_free(vm);
			close(buf);
			continue;
		}
		kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
		vcpu_args_set(vcpu, 1, TEST_GVA);
		kvm_dmabuf_expect_sync(vcpu, 1);
		TEST_ASSERT(kvm_dmabuf_read_leaf(vm, TEST_GPA / vm->page_size,
						 &pfn, &size, attr, perm), "attr %u: not mapped",
			    a);
		TEST_ASSERT(!strcmp(attr, stage2_attr_name(a)),
			    "exporter attr %u mapped as %s, wanted %s", a, attr,
			    stage2_attr_name(a));
		TEST_ASSERT(a == DMA_BUF_PHYS_TEST_ATTR_CACHEABLE ||
			    !strchr(perm, 'x'),
			    "device or NC memory mapped executable (%s)", perm);
		ksft_test_result_pass("exporter attr %u: stage 2 holds %s %s\n",
				      a, attr, perm);
		kvm_vm_free(vm);
		close(buf);
	}
}

/*
 * Large pages follow the co-alignment of gfn and pfn, whatever the slot's
 * base: a slot that starts 1M past a 2M boundary, over memory that starts
 * 1M past one too, maps its middle with a 2M block.  (x86 used to judge by
 * userspace_addr, 0 here, and mapped every page of such a slot with 4K.)
 */
static void test_coaligned_blocks(void)
{
	const uint64_t off = 0x100000, size = 3 * 0x100000;
	struct dma_buf_phys_test_pool pool;
	char attr[32], perm[8];
	struct kvm_vcpu *vcpu;
	uint64_t pfn, leaf;
	struct kvm_vm *vm;
	int buf;

	TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_POOL, &pool), "pool");
	TEST_ASSERT(!(pool.paddr % TEST_SIZE), "pool at %#lx: not 2M aligned",
		    (unsigned long)pool.paddr);
	buf = create_buf(off, size, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm = new_vm(&vcpu);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA + off, size,
					 buf, 0);
	kvm_dmabuf_virt_map(vm, TEST_GVA + off, TEST_GPA + off, size);
	/* guest_code's stride of 128K from +1M reaches into [2M, 3M). */
	vcpu_args_set(vcpu, 1, TEST_GVA + off);
	kvm_dmabuf_expect_sync(vcpu, 1);
	TEST_ASSERT(kvm_dmabuf_read_leaf(vm, (TEST_GPA + TEST_SIZE) /
					 vm->page_size, &pfn, &leaf, attr,
					 perm),
		    "gpa %#llx not mapped", TEST_GPA + TEST_SIZE);
	TEST_ASSERT(leaf == TEST_SIZE &&
		    pfn == (pool.paddr + TEST_SIZE) / vm->page_size,
		    "slot at 2M + 1M: leaf of %#lx bytes at pfn %#lx, wanted 2M at %#lx",
		    (unsigned long)leaf, (unsigned long)pfn,
		    (unsigned long)((pool.paddr + TEST_SIZE) / vm->page_size));
	ksft_test_result_pass("slot off 2M alignment, gfn and pfn co-aligned: 2M block\n");
	kvm_vm_free(vm);
	close(buf);
}

/*
 * udmabuf over a hugetlb memfd: the slot's pages are subpages of one 2M
 * folio, and the guest's first touch is on a tail page, which has no
 * reference count of its own.
 */
#define NR_HUGE_2M	"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

static void test_udmabuf_hugetlb(void)
{
	struct udmabuf_create create = { .size = TEST_SIZE };
	const uint64_t first = 0x1000;
	unsigned long nr_huge;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int dev, memfd, buf, i;
	uint64_t *view;
	FILE *f;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("hugetlb udmabuf: no /dev/udmabuf (CONFIG_UDMABUF)\n");
		return;
	}
	/*
	 * One more 2M page in the pool, given back at the end (sysfs: our
	 * guests have no sysctl); 2M is the default huge page size of both
	 * architectures with 4K pages.
	 */
	f = fopen(NR_HUGE_2M, "r");
	if (!f || fscanf(f, "%lu", &nr_huge) != 1)
		nr_huge = ULONG_MAX;
	if (f)
		fclose(f);
	f = nr_huge == ULONG_MAX ? NULL : fopen(NR_HUGE_2M, "w");
	if (f) {
		fprintf(f, "%lu\n", nr_huge + 1);
		fclose(f);
	}
	memfd = memfd_create("udmabuf-hugetlb", MFD_ALLOW_SEALING |
			     MFD_HUGETLB);
	if (memfd < 0 || ftruncate(memfd, TEST_SIZE) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ksft_test_result_skip("hugetlb udmabuf: no 2M hugetlb memfd: %s\n",
				      strerror(errno));
		goto out_pool;
	}
	view = mmap(NULL, TEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    memfd, 0);
	if (view == MAP_FAILED) {
		ksft_test_result_skip("hugetlb udmabuf: no free huge page: %s\n",
				      strerror(errno));
		goto out_pool;
	}
	/* Fault the folio in, so that udmabuf finds it. */
	view[0] = 0;
	create.memfd = memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	TEST_ASSERT(buf >= 0, "udmabuf over hugetlb: %s", strerror(errno));

	vm = new_vm(&vcpu);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(vcpu, 1, TEST_GVA + first);
	kvm_dmabuf_expect_sync(vcpu, 1);
	for (i = 0; i < NR_TOUCH; i++)
		TEST_ASSERT(READ_ONCE(view[(first + i * STRIDE) / 8]) ==
			    (pattern ^ i), "hugetlb memfd at %#lx: %#lx, the guest wrote %#lx",
			    (unsigned long)(first + i * STRIDE),
			    (unsigned long)READ_ONCE(view[(first + i * STRIDE) / 8]),
			    (unsigned long)(pattern ^ i));
	kvm_dmabuf_expect_sync(vcpu, 2);
	ksft_test_result_pass("hugetlb udmabuf, first touch on a tail page\n");
	kvm_vm_free(vm);
	munmap(view, TEST_SIZE);
	close(buf);
out_pool:
	if (memfd >= 0)
		close(memfd);
	close(dev);
	f = nr_huge == ULONG_MAX ? NULL : fopen(NR_HUGE_2M, "w");
	if (f) {
		fprintf(f, "%lu\n", nr_huge);
		fclose(f);
	}
}

#ifdef __x86_64__
/*
 * Shadow paging prefetches the neighbours of a faulting 4K page (the rest
 * of its group of 8 guest PTEs, when accessed).  On a dma-buf slot that
 * must not make them emulated MMIO: the guest's writes to them fault in
 * normally, land in the buffer, and stage 2 maps them.  With TDP the
 * prefetch never reaches the slot and this passes trivially.
 */
#define NR_PREFETCH	8

static void expect_done(struct kvm_vcpu *vcpu);

static void guest_prefetch(uint64_t gva)
{
	uint64_t *p = (uint64_t *)gva;
	int i;

	/* The first access faults, and prefetches the other seven. */
	GUEST_ASSERT_EQ(READ_ONCE(p[0]), 0);
	for (i = 1; i < NR_PREFETCH; i++)
		WRITE_ONCE(p[i * 4096 / 8], pattern ^ i);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void test_prefetch(void)
{
	uint64_t *pool = map_pool(), pfn, size;
	char attr[32], perm[8];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t *pte;
	int buf, i;

	memset(pool, 0, NR_PREFETCH * 4096);
	vm = vm_create_with_one_vcpu(&vcpu, guest_prefetch);
	sync_global_to_guest(vm, pattern);
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	for (i = 0; i < NR_PREFETCH; i++) {
		virt_pg_map(vm, TEST_GVA + i * 4096, TEST_GPA + i * 4096);
		pte = vm_get_page_table_entry(vm, TEST_GVA + i * 4096);
		*pte |= PTE_ACCESSED_MASK | PTE_DIRTY_MASK;
	}
	vcpu_args_set(vcpu, 1, TEST_GVA);
	kvm_dmabuf_expect_sync(vcpu, 1);
	for (i = 1; i < NR_PREFETCH; i++) {
		TEST_ASSERT(READ_ONCE(pool[i * 4096 / 8]) == (pattern ^ i),
			    "page %d holds %#lx, the guest wrote %#lx", i,
			    (unsigned long)READ_ONCE(pool[i * 4096 / 8]),
			    (unsigned long)(pattern ^ i));
		TEST_ASSERT(kvm_dmabuf_read_leaf(vm, TEST_GPA / 4096 + i, &pfn,
						 &size, attr, perm),
			    "page %d written by the guest but not mapped", i);
	}
	expect_done(vcpu);
	ksft_test_result_pass("shadow prefetch: neighbours fault in, no MMIO\n");
	kvm_vm_free(vm);
	close(buf);
	munmap(pool, TEST_SIZE);
}

/* A guest virtual page whose last-level table is in the slot. */
#define TABLE_GVA	0x900000000ULL
#define TABLE_PAGE	1
#define DATA_PAGE	2
#define TABLE_PORT	0x1234

/*
 * An OUTS and an INS, which KVM emulates, from and to the page; then the
 * guest's own read.
 */
static void guest_outs_read_sync(uint64_t gva)
{
	uint64_t src = gva, dst = gva;

	asm volatile("outsl" : "+S" (src) : "d" (TABLE_PORT) : "memory");
	asm volatile("insl" : "+D" (dst) : "d" (TABLE_PORT) : "memory");
	GUEST_SYNC(READ_ONCE(*(uint64_t *)gva));
}

/*
 * A guest page table in a dma-buf slot.  KVM's own walks, which shadow
 * nothing, read it through the binding and set its accessed bit
 * atomically: KVM_TRANSLATE, and the emulator's for an OUTS from the page
 * and an INS to it, which also sets the dirty bit.
 * Before, they found no host address and gave an invalid translation and
 * a page fault injected into the guest (review K7).  With TDP the guest's
 * own walk goes through stage 2 like any access, and works.  Shadow
 * paging reads guest tables through the host's mapping of guest memory,
 * which the slot does not have: the guest's fault ends KVM_RUN with a
 * memory fault exit for the table's page and no flags, instead of a page
 * fault injected into the guest.
 */
static void test_table_in_slot(void)
{
	uint64_t *pool = map_pool(), *pde, *pte;
	const uint64_t magic = 0x7ab1e0fd0b0f;
	const uint32_t in = 0xfeedf00d;
	struct kvm_translation tr = { .linear_address = TABLE_GVA };
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	int buf, level = PG_LEVEL_2M, r;
	uint32_t data;

	memset(pool, 0, 4 * 4096);
	pool[DATA_PAGE * 4096 / 8] = magic;
	/*
	 * PTE for TABLE_GVA in the slot's page TABLE_PAGE: present, writable,
	 * not accessed.
	 */
	pte = &pool[TABLE_PAGE * 4096 / 8 + ((TABLE_GVA >> 12) & 511)];
	*pte = (TEST_GPA + DATA_PAGE * 4096) | PTE_PRESENT_MASK |
	       PTE_WRITABLE_MASK;

	vm = vm_create_with_one_vcpu(&vcpu, guest_outs_read_sync);
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	/* Tables in guest RAM down to the PDE, which then points at the slot. */
	virt_pg_map(vm, TABLE_GVA, TEST_GPA + DATA_PAGE * 4096);
	pde = __vm_get_page_table_entry(vm, TABLE_GVA, &level);
	*pde = (*pde & ~PHYSICAL_PAGE_MASK) | (TEST_GPA + TABLE_PAGE * 4096);
	vcpu_args_set(vcpu, 1, TABLE_GVA);

	vcpu_ioctl(vcpu, KVM_TRANSLATE, &tr);
	TEST_ASSERT(tr.valid &&
		    tr.physical_address == TEST_GPA + DATA_PAGE * 4096 &&
		    (READ_ONCE(*pte) & PTE_ACCESSED_MASK),
		    "KVM_TRANSLATE through a table in the slot: valid %u gpa %#llx, PTE %#lx; wanted %#llx, accessed",
		    tr.valid, tr.physical_address,
		    (unsigned long)READ_ONCE(*pte), TEST_GPA + DATA_PAGE * 4096);
	ksft_test_result_pass("KVM_TRANSLATE through a table in the slot: accessed bit set\n");

	WRITE_ONCE(*pte, READ_ONCE(*pte) & ~PTE_ACCESSED_MASK);
	run = vcpu->run;
	vcpu_run(vcpu);
	memcpy(&data, (uint8_t *)run + run->io.data_offset, sizeof(data));
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == TABLE_PORT && run->io.size == 4 &&
		    run->io.count == 1 && data == (uint32_t)magic &&
		    (READ_ONCE(*pte) & PTE_ACCESSED_MASK),
		    "emulated OUTS through a table in the slot: exit %s port %#x data %#x PTE %#lx, wanted port %#x data %#x, accessed",
		    exit_reason_str(run->exit_reason), run->io.port, data,
		    (unsigned long)READ_ONCE(*pte), TABLE_PORT,
		    (uint32_t)magic);
	ksft_test_result_pass("emulated OUTS through a table in the slot: accessed bit set\n");

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_IN &&
		    run->io.port == TABLE_PORT && run->io.size == 4 &&
		    run->io.count == 1,
		    "emulated INS through a table in the slot: exit %s, wanted an IN from port %#x",
		    exit_reason_str(run->exit_reason), TABLE_PORT);
	memcpy((uint8_t *)run + run->io.data_offset, &in, sizeof(in));
	/* KVM finishes the INS when it runs the vCPU again. */
	if (kvm_is_tdp_enabled())
		kvm_dmabuf_expect_sync(vcpu, (magic & ~0xffffffffull) | in);
	else
		r = __vcpu_run(vcpu);
	TEST_ASSERT((uint32_t)READ_ONCE(pool[DATA_PAGE * 4096 / 8]) == in &&
		    (READ_ONCE(*pte) & PTE_DIRTY_MASK),
		    "emulated INS through a table in the slot: page holds %#lx, PTE %#lx; wanted %#x, dirty",
		    (unsigned long)READ_ONCE(pool[DATA_PAGE * 4096 / 8]),
		    (unsigned long)READ_ONCE(*pte), in);
	ksft_test_result_pass("emulated INS through a table in the slot: dirty bit set\n");

	if (kvm_is_tdp_enabled()) {
		ksft_test_result_pass("page table in the slot: walked (TDP)\n");
	} else {
		TEST_ASSERT(r == -1 && errno == EFAULT &&
			    run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
			    run->memory_fault.gpa == TEST_GPA + TABLE_PAGE * 4096 &&
			    run->memory_fault.size == 4096 &&
			    !run->memory_fault.flags,
			    "table in the slot: KVM_RUN %d errno %d exit %s gpa %#llx flags %#llx, wanted a memory fault at %#llx",
			    r, errno, exit_reason_str(run->exit_reason),
			    run->memory_fault.gpa, run->memory_fault.flags,
			    TEST_GPA + TABLE_PAGE * 4096);
		ksft_test_result_pass("page table in the slot: memory fault exit (shadow)\n");
	}
	kvm_vm_free(vm);
	close(buf);
	munmap(pool, TEST_SIZE);
}

#define FEP_PARAM	"/sys/module/kvm/parameters/force_emulation_prefix"

static uint64_t guest_fep_cmpxchg(uint64_t *p, uint64_t old, uint64_t new)
{
	asm volatile(KVM_FEP "lock cmpxchgq %[new], %[ptr]"
		     : [ptr] "+m" (*p), "+a" (old)
		     : [new] "r" (new) : "memory");
	return old;
}

static uint32_t guest_fep_cmpxchg32(uint32_t *p, uint32_t old, uint32_t new)
{
	asm volatile(KVM_FEP "lock cmpxchgl %[new], %[ptr]"
		     : [ptr] "+m" (*p), "+a" (old)
		     : [new] "r" (new) : "memory");
	return old;
}

/* The 4 bytes at offset 2 of the operand, and what the guest stores there. */
#define CMPXCHG32_OLD	((uint32_t)((pattern ^ 1) >> 16))
#define CMPXCHG32_NEW	(CMPXCHG32_OLD ^ 0x5a5a5a5a)

/*
 * One exchange that succeeds, one that finds another value, and one of 4
 * bytes not aligned to their size (within a cache line).
 */
static void guest_emulated_cmpxchg(uint64_t gva)
{
	uint64_t *p = (uint64_t *)gva;

	GUEST_SYNC(guest_fep_cmpxchg(p, pattern, pattern ^ 1));
	GUEST_SYNC(guest_fep_cmpxchg(p, pattern, pattern ^ 2));
	GUEST_SYNC(guest_fep_cmpxchg32((uint32_t *)(gva + 2), CMPXCHG32_OLD,
				       CMPXCHG32_NEW));
	GUEST_DONE();
}

/*
 * An emulated LOCK CMPXCHG on a dma-buf slot: KVM has no host address to
 * make it atomic through, and makes it atomic through a mapping of the
 * page for that operation.  Before, it did a plain write (review K7), and
 * then refused the instruction.  Forced with the emulation prefix, which
 * the test turns on for itself.  The emulator compares first, so a compare
 * failure writes the value found back through the same exchange; the test
 * sees the outcomes, not the atomicity.
 */
static void test_emulated_cmpxchg(void)
{
	uint64_t *pool;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, was;
	FILE *f;

	was = get_kvm_param_integer("force_emulation_prefix");
	f = fopen(FEP_PARAM, "w");
	if (!f || fprintf(f, "1\n") < 0 || fclose(f)) {
		ksft_test_result_skip("emulated LOCK CMPXCHG: cannot set %s\n",
				      FEP_PARAM);
		return;
	}
	pool = map_pool();
	WRITE_ONCE(pool[0], pattern);
	vm = vm_create_with_one_vcpu(&vcpu, guest_emulated_cmpxchg);
	sync_global_to_guest(vm, pattern);
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(vcpu, 1, TEST_GVA);
	/*
	 * Exchanged: the old value in RAX, the new one in the buffer (an
	 * emulation failure is reported as "exit INTERNAL_ERROR").
	 */
	kvm_dmabuf_expect_sync(vcpu, pattern);
	TEST_ASSERT(READ_ONCE(pool[0]) == (pattern ^ 1),
		    "after an exchange, the buffer holds %#lx, wanted %#lx",
		    (unsigned long)READ_ONCE(pool[0]),
		    (unsigned long)(pattern ^ 1));
	/* Not exchanged: the value found in RAX, the buffer unchanged. */
	kvm_dmabuf_expect_sync(vcpu, pattern ^ 1);
	TEST_ASSERT(READ_ONCE(pool[0]) == (pattern ^ 1),
		    "after a failed exchange, the buffer holds %#lx, wanted %#lx",
		    (unsigned long)READ_ONCE(pool[0]),
		    (unsigned long)(pattern ^ 1));
	/* Unaligned: x86 makes it atomic, so KVM does too. */
	kvm_dmabuf_expect_sync(vcpu, CMPXCHG32_OLD);
	TEST_ASSERT(READ_ONCE(pool[0]) ==
		    (((pattern ^ 1) & ~(0xffffffffull << 16)) |
		     ((uint64_t)CMPXCHG32_NEW << 16)),
		    "after an unaligned exchange, the buffer holds %#lx",
		    (unsigned long)READ_ONCE(pool[0]));
	expect_done(vcpu);
	kvm_vm_free(vm);

	/*
	 * A read-only slot: the exchange is an emulated write, an MMIO exit,
	 * as on any read-only slot (ROM).  Before, an emulation failure.
	 */
	vm = vm_create_with_one_vcpu(&vcpu, guest_emulated_cmpxchg);
	sync_global_to_guest(vm, pattern);
	vm_set_user_memory_region_dmabuf(vm, SLOT, KVM_MEM_READONLY, TEST_GPA,
					 TEST_SIZE, buf, 0);
	kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(vcpu, 1, TEST_GVA);
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_MMIO &&
		    vcpu->run->mmio.is_write &&
		    vcpu->run->mmio.phys_addr == TEST_GPA,
		    "LOCK CMPXCHG on a read-only slot: exit %s at %#llx, wanted an MMIO write at %#llx",
		    exit_reason_str(vcpu->run->exit_reason),
		    (unsigned long long)vcpu->run->mmio.phys_addr, TEST_GPA);
	kvm_vm_free(vm);
	munmap(pool, TEST_SIZE);
	close(buf);
	f = fopen(FEP_PARAM, "w");
	if (f) {
		fprintf(f, "%d\n", was);
		fclose(f);
	}
	ksft_test_result_pass("emulated LOCK CMPXCHG: ok, failed, unaligned, read-only\n");
}

#define NR_PREFETCH_RESULTS	6
#else
static void test_prefetch(void)
{
}

static void test_table_in_slot(void)
{
}

static void test_emulated_cmpxchg(void)
{
}

#define NR_PREFETCH_RESULTS	0
#endif

#ifdef __aarch64__
/*
 * What an MTE-enabled VM cannot have: cacheable dma-buf memory (no tag
 * storage in device memory, no tag handling for RAM that KVM reaches
 * without a VMA), refused at bind time, and at fault time when MTE was
 * enabled after the bind.  And what it can: a dma-buf slot while the VMM
 * has, below the slot's size, a mapping that does not allow MTE; the slot
 * has no host address, so no VMA of the VMM is the slot's.
 */
static void test_mte_refusals(void)
{
	const uint64_t low = 0x100000;
	struct kvm_run *run;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd, r;
	char res[PATH_MAX + 32], bdf[NAME_MAX + 1];
	void *p;

	buf = create_buf(TEST_SIZE, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_CACHEABLE, 0);
	vm = vm_create(1);
	vm_enable_cap(vm, KVM_CAP_ARM_MTE, 0);
	expect_bind(vm, EINVAL, 0, TEST_SIZE, buf, 0);
	kvm_vm_free(vm);
	ksft_test_result_pass("MTE VM, cacheable: bind refused (EINVAL)\n");

	if (kvm_dmabuf_cacheable_refused()) {
		ksft_test_result_skip("MTE after cacheable bind: refused here (no FWB)\n");
	} else {
		vm = vm_create(1);
		vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA,
						 TEST_SIZE, buf, 0);
		vm_enable_cap(vm, KVM_CAP_ARM_MTE, 0);
		vcpu = vm_vcpu_add(vm, 0, guest_code);
		sync_global_to_guest(vm, pattern);
		kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
		vcpu_args_set(vcpu, 1, TEST_GVA);
		run = vcpu->run;
		r = __vcpu_run(vcpu);
		TEST_ASSERT(r == -1 && errno == EFAULT &&
			    run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
			    !run->memory_fault.flags &&
			    run->memory_fault.gpa == TEST_GPA,
			    "MTE after cacheable bind: KVM_RUN %d errno %d exit %s flags %#llx gpa %#llx",
			    r, errno, exit_reason_str(run->exit_reason),
			    run->memory_fault.flags, run->memory_fault.gpa);
		kvm_vm_free(vm);
		ksft_test_result_pass("MTE after cacheable bind: memory fault, no flags\n");
	}
	close(buf);

	/* A device mapping of the VMM's at 1M: VM_PFNMAP, no VM_MTE_ALLOWED. */
	pool_bdf(bdf, sizeof(bdf));
	snprintf(res, sizeof(res), "/sys/bus/pci/devices/%s/resource2", bdf);
	fd = open(res, O_RDWR | O_SYNC);
	TEST_ASSERT(fd >= 0, "open %s", res);
	p = mmap((void *)low, 0x1000, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE,
		 fd, 0);
	close(fd);
	if (p != (void *)low) {
		ksft_test_result_skip("MTE VM, VMM mapping below the slot: %#lx taken\n",
				      (unsigned long)low);
		if (p != MAP_FAILED)
			munmap(p, 0x1000);
		return;
	}
	buf = create_buf(TEST_SIZE, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_DEVICE, 0);
	vm = vm_create(1);
	vm_enable_cap(vm, KVM_CAP_ARM_MTE, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	kvm_vm_free(vm);
	close(buf);
	munmap(p, 0x1000);
	ksft_test_result_pass("MTE VM, a VMM mapping without MTE below the slot's size: bound\n");
}

/*
 * An MTE-enabled VM (KVM_CAP_ARM_MTE, "-M virt,mte=on" under QEMU): memory
 * that the guest cannot map cacheable has no allocation tags to take care
 * of, so device and Normal-NC buffers map as in any VM, and the guest
 * reads back what it wrote.
 */
static void test_mte(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char attr[32], perm[8];
	uint64_t pfn, size;
	uint32_t a;
	int buf;

	if (!kvm_has_cap(KVM_CAP_ARM_MTE)) {
		for (a = DMA_BUF_PHYS_TEST_ATTR_DEVICE;
		     a < DMA_BUF_PHYS_TEST_ATTR_CACHEABLE; a++)
			ksft_test_result_skip("MTE VM, attr %u: no KVM_CAP_ARM_MTE\n",
					      a);
		for (a = 0; a < 3; a++)
			ksft_test_result_skip("MTE VM refusals (%u): no KVM_CAP_ARM_MTE\n",
					      a);
		return;
	}
	for (a = DMA_BUF_PHYS_TEST_ATTR_DEVICE;
	     a < DMA_BUF_PHYS_TEST_ATTR_CACHEABLE; a++) {
		buf = create_buf(TEST_SIZE, TEST_SIZE, a, 0);
		vm = vm_create(1);
		vm_enable_cap(vm, KVM_CAP_ARM_MTE, 0);
		vcpu = vm_vcpu_add(vm, 0, guest_code);
		sync_global_to_guest(vm, pattern);
		vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA,
						 TEST_SIZE, buf, 0);
		kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
		vcpu_args_set(vcpu, 1, TEST_GVA);
		kvm_dmabuf_expect_sync(vcpu, 1);
		kvm_dmabuf_expect_sync(vcpu, 2);
		TEST_ASSERT(kvm_dmabuf_read_leaf(vm, TEST_GPA / vm->page_size,
						 &pfn, &size, attr, perm),
			    "MTE VM, attr %u: not mapped", a);
		TEST_ASSERT(!strcmp(attr, stage2_attr_name(a)),
			    "MTE VM: exporter attr %u mapped as %s, wanted %s",
			    a, attr, stage2_attr_name(a));
		ksft_test_result_pass("MTE VM, attr %u: stage 2 holds %s %s\n",
				      a, attr, perm);
		kvm_vm_free(vm);
		close(buf);
	}
	test_mte_refusals();
}

#define NR_MTE_RESULTS	5
#else
static void test_mte(void)
{
}

#define NR_MTE_RESULTS	0
#endif

/* KVM_RUN ends with the revoked memory fault at the slot's first page. */
static void expect_revoked_exit(struct kvm_vcpu *vcpu, const char *when)
{
	struct kvm_run *run = vcpu->run;
	int r = __vcpu_run(vcpu);

	TEST_ASSERT(r == -1 && errno == EFAULT &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT,
		    "%s: KVM_RUN %d errno %d exit %s", when, r, errno,
		    exit_reason_str(run->exit_reason));
	TEST_ASSERT(run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_REVOKED,
		    "%s: no revoked flag: %#llx", when,
		    run->memory_fault.flags);
	TEST_ASSERT(run->memory_fault.gpa == TEST_GPA &&
		    run->memory_fault.size == vcpu->vm->page_size,
		    "%s: memory fault at %#llx size %#llx, wanted %#llx",
		    when, run->memory_fault.gpa, run->memory_fault.size,
		    TEST_GPA);
}

static void expect_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	int r;

	vcpu_run(vcpu);
	r = get_ucall(vcpu, &uc);
	if (r == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(r == UCALL_DONE, "ucall %d, exit %s", r,
		    exit_reason_str(vcpu->run->exit_reason));
}

/* Is any page of the slot in stage 2 (or the TDP MMU)? */
static bool slot_mapped(struct kvm_vm *vm)
{
	char attr[32], perm[8];
	uint64_t pfn, size, i;

	for (i = 0; i < TEST_SIZE / vm->page_size; i++)
		if (kvm_dmabuf_read_leaf(vm, TEST_GPA / vm->page_size + i,
					 &pfn, &size, attr, perm))
			return true;
	return false;
}

#ifdef __aarch64__
/*
 * A vCPU init after the vCPU has run (a guest reboot) unmaps stage 2 when
 * there is no FEAT_S2FWB, so that the rebooted guest, with its MMU off,
 * faults its memory in again and KVM cleans the caches for it.  KVM finds
 * the memory to unmap through the VMM's VMAs, which a dma-buf slot does
 * not have.
 */
static void test_vcpu_reinit(void)
{
	bool fwb = !kvm_dmabuf_cacheable_refused(), mapped;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf;

	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm = run_guest_on(buf, NULL, &vcpu);
	TEST_ASSERT(slot_mapped(vm), "the slot is not mapped after the guest ran");
	aarch64_vcpu_setup(vcpu, NULL);
	mapped = slot_mapped(vm);
	TEST_ASSERT(mapped == fwb, "after the vCPU init, %s FWB: slot %s",
		    fwb ? "with" : "without", mapped ? "still mapped" : "unmapped");
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("vCPU init after a run: slot %s\n",
			      fwb ? "kept (FWB: no cache maintenance to redo)" :
			      "unmapped (no FWB)");
}

#define NR_REINIT_RESULTS	1
#else
static void test_vcpu_reinit(void)
{
}

#define NR_REINIT_RESULTS	0
#endif

static void expect_attachments(int buf, int n, const char *when)
{
	int got = phys_attachments(buf);

	TEST_ASSERT(got == n, "%s: %d importers attached, wanted %d", when,
		    got, n);
}

static void test_guest_access_and_revoke(void)
{
	uint64_t *pool = map_pool();
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf;

	/* The slot keeps the buffer: its fd may go right after the bind. */
	vm = new_vm(&vcpu);
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	close(buf);
	kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(vcpu, 1, TEST_GVA);
	kvm_dmabuf_expect_sync(vcpu, 1);
	for (int i = 0; i < NR_TOUCH; i++)
		TEST_ASSERT(READ_ONCE(pool[i * STRIDE / 8]) == (pattern ^ i),
			    "BAR at %#lx holds %#lx, the guest wrote %#lx",
			    (unsigned long)(i * STRIDE),
			    (unsigned long)READ_ONCE(pool[i * STRIDE / 8]),
			    (unsigned long)(pattern ^ i));
	kvm_dmabuf_expect_sync(vcpu, 2);
	expect_done(vcpu);
	kvm_vm_free(vm);
	ksft_test_result_pass("guest writes reach the BAR; fd closed after bind\n");

	/*
	 * Delete the slot while stage 2 maps it: the importer detaches, and
	 * the guest's next access finds no memory there (an MMIO exit).
	 */
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm = run_guest_on(buf, NULL, &vcpu);
	expect_attachments(buf, 1, "bound");
	TEST_ASSERT(slot_mapped(vm), "the slot is not mapped after use");
	vm_delete_dmabuf_slot(vm, SLOT);
	expect_attachments(buf, 0, "slot deleted");
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_MMIO &&
		    vcpu->run->mmio.phys_addr == TEST_GPA,
		    "access after the slot went: exit %s at %#llx",
		    exit_reason_str(vcpu->run->exit_reason),
		    (unsigned long long)vcpu->run->mmio.phys_addr);
	kvm_vm_free(vm);
	ksft_test_result_pass("slot deleted while mapped: detached, no stale mapping\n");

	/*
	 * Revoke while stage 2 maps the slot: the mappings are gone when the
	 * revoke returns, and the next access exits with the gpa and the flag.
	 */
	vm = run_guest_on(buf, NULL, &vcpu);
	buf_revoke(buf, 1);
	TEST_ASSERT(!slot_mapped(vm), "stage 2 still maps a revoked buffer");
	expect_revoked_exit(vcpu, "revoked");
	ksft_test_result_pass("revoked while mapped: exit gpa %#llx size %llu flags %#llx\n",
			      vcpu->run->memory_fault.gpa,
			      vcpu->run->memory_fault.size,
			      vcpu->run->memory_fault.flags);

	buf_revoke(buf, 0);
	expect_done(vcpu);
	TEST_ASSERT(slot_mapped(vm), "not mapped again after un-revoke");
	ksft_test_result_pass("un-revoked: the guest goes on\n");

	/* Delete the slot while revoked, and bind it again. */
	buf_revoke(buf, 1);
	vm_delete_dmabuf_slot(vm, SLOT);
	expect_attachments(buf, 0, "slot deleted while revoked");
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	/* Destroy the VM while revoked. */
	kvm_vm_free(vm);
	expect_attachments(buf, 0, "VM destroyed while revoked");
	buf_revoke(buf, 0);
	/* Destroy the VM while mapped. */
	vm = run_guest_on(buf, NULL, &vcpu);
	kvm_vm_free(vm);
	expect_attachments(buf, 0, "VM destroyed while mapped");
	ksft_test_result_pass("delete slot (revoked), destroy VM (revoked, mapped): detached\n");
	close(buf);
	munmap((void *)pool, TEST_SIZE);
}

#ifdef __x86_64__
#define TEST_PORT	0x66
#define NR_ACCESS_RESULTS	2
#define NR_IO		8

/* String I/O on the slot: KVM emulates it, reading or writing the slot. */
static void guest_string_io(uint64_t gva)
{
	uint64_t src = gva, dst = gva, n = NR_IO;

	asm volatile("cld; rep outsb"
		     : "+S"(src), "+c"(n) : "d"(TEST_PORT) : "memory");
	n = NR_IO;
	asm volatile("cld; rep insb"
		     : "+D"(dst), "+c"(n) : "d"(TEST_PORT) : "memory");
	GUEST_DONE();
}

/*
 * KVM's own accesses to guest memory (kvm_read_guest() and
 * kvm_write_guest(), which the x86 emulator uses) reach the slot through
 * the binding: "rep outsb" sends what is in the slot, "rep insb" writes
 * into it.  Without them the emulator would turn both into MMIO exits.
 */
static struct kvm_vm *string_io_vm(int buf, uint32_t flags,
				   struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_string_io);

	vm_set_user_memory_region_dmabuf(vm, SLOT, flags, TEST_GPA, TEST_SIZE,
					 buf, 0);
	virt_map(vm, TEST_GVA, TEST_GPA, 1);
	vcpu_args_set(*vcpu, 1, TEST_GVA);
	return vm;
}

/*
 * Run the guest, collect what it sends and feed it @in, until an exit
 * other than its port I/O.  Returns the number of bytes out and in.
 */
static void run_string_io(struct kvm_vcpu *vcpu, uint8_t *out,
			  const uint8_t *in, unsigned int *nout,
			  unsigned int *nin)
{
	struct kvm_run *run = vcpu->run;
	unsigned int i;

	*nout = 0;
	*nin = 0;
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != TEST_PORT)
			return;
		for (i = 0; i < run->io.count; i++) {
			uint8_t *d = (uint8_t *)run + run->io.data_offset + i;

			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    *nout < NR_IO)
				out[(*nout)++] = *d;
			else if (run->io.direction == KVM_EXIT_IO_IN &&
				 *nin < NR_IO)
				*d = in[(*nin)++];
		}
	}
}

/*
 * KVM's own accesses to guest memory (kvm_read_guest() and
 * kvm_write_guest(), which the x86 emulator uses) reach the slot through
 * the binding: "rep outsb" sends what is in the slot, "rep insb" writes
 * into it.  Without them the emulator would turn both into MMIO exits.
 * Where the binding refuses (revoked, poisoned, a write to a read-only
 * slot), the emulator does just that: an MMIO exit at the gpa.
 */
static void test_kvm_accesses(void)
{
	static const struct {
		const char *why;
		uint32_t slot_flags;
		bool revoke, poison, write;
	} refused[] = {
		{ "revoked", 0, true, false, false },
		{ "poisoned", 0, false, true, false },
		{ "read-only slot", KVM_MEM_READONLY, false, false, true },
	};
	uint8_t out[NR_IO], in[NR_IO], *bar;
	uint64_t *pool = map_pool();
	unsigned int nout, nin, i;
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	struct ucall uc;
	int buf;

	bar = (uint8_t *)pool;
	for (i = 0; i < NR_IO; i++) {
		bar[i] = pattern >> (8 * i);
		in[i] = ~bar[i];
	}
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm = string_io_vm(buf, 0, &vcpu);
	run = vcpu->run;
	run_string_io(vcpu, out, in, &nout, &nin);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_DONE,
		    "string I/O on the slot: exit %s, %u bytes out, %u in",
		    exit_reason_str(run->exit_reason), nout, nin);
	TEST_ASSERT(nout == NR_IO && nin == NR_IO, "%u bytes out, %u in",
		    nout, nin);
	for (i = 0; i < NR_IO; i++) {
		/* outsb read bytes 0-7 of the slot; insb wrote them. */
		TEST_ASSERT(out[i] == (uint8_t)(pattern >> (8 * i)),
			    "outsb sent %#x, the slot held %#x", out[i],
			    (uint8_t)(pattern >> (8 * i)));
		TEST_ASSERT(bar[i] == in[i], "insb: the slot holds %#x, wanted %#x",
			    bar[i], in[i]);
	}
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("emulated string I/O reads and writes the slot\n");

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		buf = create_buf(0, TEST_SIZE,
				 DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
		vm = string_io_vm(buf, refused[i].slot_flags, &vcpu);
		run = vcpu->run;
		if (refused[i].revoke)
			buf_revoke(buf, 1);
		if (refused[i].poison)
			TEST_ASSERT(!phys_poison(phys_dev, buf, 0, 0x1000),
				    "poison");
		run_string_io(vcpu, out, in, &nout, &nin);
		TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO &&
			    run->mmio.phys_addr == TEST_GPA &&
			    run->mmio.is_write == refused[i].write,
			    "%s: exit %s at %#llx write %u",
			    refused[i].why, exit_reason_str(run->exit_reason),
			    (unsigned long long)run->mmio.phys_addr,
			    run->mmio.is_write);
		kvm_vm_free(vm);
		if (refused[i].revoke)
			buf_revoke(buf, 0);
		close(buf);
	}
	munmap((void *)pool, TEST_SIZE);
	ksft_test_result_pass("refused (revoked, poisoned, read-only write): MMIO exit\n");
}
#else
#define NR_ACCESS_RESULTS	1
/*
 * arm64 emulates no guest instruction that touches memory; what reaches
 * a slot by its host address is KVM's own structures.  The PV time
 * (stolen time) area, which KVM writes through a host address, cannot be
 * placed in a dma-buf slot.
 */
static void test_kvm_accesses(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t ipa = TEST_GPA;
	int buf, r;

	vm = new_vm(&vcpu);
	if (__vcpu_has_device_attr(vcpu, KVM_ARM_VCPU_PVTIME_CTRL,
				   KVM_ARM_VCPU_PVTIME_IPA)) {
		kvm_vm_free(vm);
		ksft_test_result_skip("no PV time (KVM_ARM_VCPU_PVTIME_CTRL)\n");
		return;
	}
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE,
					 buf, 0);
	r = __vcpu_device_attr_set(vcpu, KVM_ARM_VCPU_PVTIME_CTRL,
				   KVM_ARM_VCPU_PVTIME_IPA, &ipa);
	TEST_ASSERT(r == -1 && errno == EINVAL,
		    "PV time area in a dma-buf slot: %d errno %d", r, errno);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("PV time area in a dma-buf slot: EINVAL\n");
}
#endif

/*
 * The exporter goes away while the slot is bound and mapped (the pool
 * device is unbound from its driver): revoked for good, and the slot can
 * still be deleted.  Run last: the pool is bound again at the end.
 */
static void test_exporter_unbind(void)
{
	const char *drv = "/sys/bus/pci/drivers/" DMA_BUF_PHYS_TEST_DRIVER;
	char bdf[NAME_MAX + 1], path[PATH_MAX];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd;

	pool_bdf(bdf, sizeof(bdf));
	buf = create_buf(0, TEST_SIZE, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	vm = run_guest_on(buf, NULL, &vcpu);
	snprintf(path, sizeof(path), "%s/unbind", drv);
	fd = open(path, O_WRONLY);
	TEST_ASSERT(fd >= 0 && write(fd, bdf, strlen(bdf)) == strlen(bdf),
		    "unbind %s", bdf);
	close(fd);
	TEST_ASSERT(!slot_mapped(vm), "stage 2 maps an unbound exporter");
	expect_revoked_exit(vcpu, "exporter unbound");
	vm_delete_dmabuf_slot(vm, SLOT);
	expect_attachments(buf, 0, "slot deleted after unbind");
	kvm_vm_free(vm);
	close(buf);

	fd = open("/sys/bus/pci/drivers_probe", O_WRONLY);
	TEST_ASSERT(fd >= 0 && write(fd, bdf, strlen(bdf)) == strlen(bdf),
		    "bind %s again", bdf);
	close(fd);
	ksft_test_result_pass("exporter unbound while mapped: revoked exit, slot deleted\n");
}

/*
 * A fault that maps a single page maps the rest of its aligned group of
 * dmabuf_fault_around pages (16 by default) with it, within the slot:
 * here on a buffer of 4 KiB chunks with a gap after each, so that no two
 * pages are adjacent and no block fits.  On x86 only the TDP MMU does
 * this, and only with A/D bits, and not in a VM with private memory
 * (KVM_X86_SW_PROTECTED_VM here); the shadow and legacy MMUs fault page by
 * page.
 */
#define FA_PAGES	64
#define FA_PARAM	"/sys/module/kvm/parameters/dmabuf_fault_around"

static void guest_touch(uint64_t gva)
{
	READ_ONCE(*(uint64_t *)gva);
	GUEST_DONE();
}

/*
 * Bind @npages of @buf from its page @first at @gpa in a VM of @type, let
 * the guest read page @touch of the slot, and return the slot's pages that
 * stage 2 then maps, as a mask.  Each must be a 4K leaf on its own chunk.
 */
static uint64_t fault_around_once(uint32_t type, int buf, uint64_t pool_pfn,
				  uint64_t gpa, int first, int npages, int touch)
{
	const struct vm_shape shape = {
		.mode = VM_MODE_DEFAULT,
		.type = type,
	};
	char attr[32], perm[8];
	struct kvm_vcpu *vcpu;
	uint64_t pfn, size, mask = 0;
	struct kvm_vm *vm;
	int i;

	vm = vm_create_shape_with_one_vcpu(shape, &vcpu, guest_touch);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, gpa, npages * 4096ULL,
					 buf, first * 4096ULL);
	kvm_dmabuf_virt_map(vm, gpa, gpa, npages * 4096ULL);
	vcpu_args_set(vcpu, 1, gpa + touch * 4096ULL);
	expect_done(vcpu);
	for (i = 0; i < npages; i++) {
		if (!kvm_dmabuf_read_leaf(vm, gpa / 4096 + i, &pfn, &size,
					  attr, perm))
			continue;
		TEST_ASSERT(size == 4096 && pfn == pool_pfn + 2 * (first + i),
			    "page %d of the slot: leaf %#lx at pfn %#lx, wanted 4K at %#lx",
			    i, (unsigned long)size, (unsigned long)pfn,
			    (unsigned long)(pool_pfn + 2 * (first + i)));
		mask |= 1ULL << i;
	}
	kvm_vm_free(vm);
	return mask;
}

static void expect_mapped(uint64_t mask, uint64_t want, const char *what)
{
	TEST_ASSERT(mask == want, "%s: pages %#lx mapped, wanted %#lx", what,
		    (unsigned long)mask, (unsigned long)want);
}

static void test_fault_around(uint64_t pool_paddr)
{
	struct dma_buf_phys_test_chunk c[FA_PAGES];
	struct dma_buf_phys_test_create arg = {
		.attr = DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY,
		.nr_chunks = FA_PAGES,
		.chunks = (uintptr_t)c,
	};
	uint64_t pool_pfn = pool_paddr / 4096;
	long was = kvm_dmabuf_param(FA_PARAM, -1);
	const char *private = "";
	bool on = true;
	int i;

#ifdef __x86_64__
	on = kvm_is_tdp_enabled() && get_kvm_param_bool("tdp_mmu");
	/* Nothing is prefetched without A/D bits (kvm_intel.eptad=0). */
	if (on && host_cpu_is_intel)
		on = get_kvm_intel_param_bool("eptad");
#endif
	for (i = 0; i < FA_PAGES; i++) {
		c[i].offset = 2 * i * 4096ULL;
		c[i].len = 4096;
	}
	TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_CREATE, &arg),
		    "a buffer of %d chunks: %s", FA_PAGES, strerror(errno));

	kvm_dmabuf_param(FA_PARAM, 16);
	expect_mapped(fault_around_once(VM_TYPE_DEFAULT, arg.fd, pool_pfn,
					TEST_GPA, 0, FA_PAGES, 21),
		      on ? 0xffff0000ULL : 1ULL << 21, "page 21 of 64");
	/* A slot 3 pages past a group, 10 pages long: clipped both ways. */
	expect_mapped(fault_around_once(VM_TYPE_DEFAULT, arg.fd, pool_pfn,
					TEST_GPA + 3 * 4096, 5, 10, 0),
		      on ? 0x3ffULL : 1, "page 0 of a slot of 10");
#ifdef __x86_64__
	/* A neighbour may be private, or be turning so: one page only. */
	if (kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM)) {
		expect_mapped(fault_around_once(KVM_X86_SW_PROTECTED_VM, arg.fd,
						pool_pfn, TEST_GPA, 0,
						FA_PAGES, 21),
			      1ULL << 21, "a VM with private memory");
		private = "; one page in a VM with private memory";
	}
#endif
	kvm_dmabuf_param(FA_PARAM, 1);
	expect_mapped(fault_around_once(VM_TYPE_DEFAULT, arg.fd, pool_pfn,
					TEST_GPA, 0, FA_PAGES, 21),
		      1ULL << 21, "dmabuf_fault_around=1");
	kvm_dmabuf_param(FA_PARAM, 0);
	expect_mapped(fault_around_once(VM_TYPE_DEFAULT, arg.fd, pool_pfn,
					TEST_GPA, 0, FA_PAGES, 21),
		      1ULL << 21, "dmabuf_fault_around=0");
	kvm_dmabuf_param(FA_PARAM, was);
	close(arg.fd);
	ksft_test_result_pass("fault-around: %s%s\n",
			      on ? "the group of 16, clipped to the slot; one page when off" :
			      "one page at a time (shadow or legacy MMU, or no A/D bits)",
			      private);
}

int main(int argc, char *argv[])
{
	struct dma_buf_phys_test_pool pool;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_MEMSLOT));
	phys_dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	__TEST_REQUIRE(phys_dev >= 0, "no " DMA_BUF_PHYS_TEST_DEV
		       " (CONFIG_DMABUF_PHYS_TEST)");
	__TEST_REQUIRE(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_POOL, &pool),
		       "no device bound to " DMA_BUF_PHYS_TEST_DRIVER);

	srandom(time(NULL) ^ getpid());
	pattern = (uint64_t)random() << 32 | random();

	ksft_print_header();
	ksft_set_plan(26 + NR_ACCESS_RESULTS + NR_MTE_RESULTS +
		      NR_PREFETCH_RESULTS + NR_REINIT_RESULTS);
	test_bind_errors();
	test_guest_access_and_revoke();
	test_kvm_accesses();
	test_udmabuf();
	test_block_sizes_and_attributes();
	test_coaligned_blocks();
	test_fault_around(pool.paddr);
	test_udmabuf_hugetlb();
	test_prefetch();
	test_table_in_slot();
	test_emulated_cmpxchg();
	test_mte();
	test_vcpu_reinit();
	test_vfio();
	test_exporter_unbind();
	ksft_finished();
}
