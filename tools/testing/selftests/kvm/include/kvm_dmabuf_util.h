/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory slots bound to a dma-buf: how a VMM binds one.  The slot has no
 * host address (userspace_addr is 0); the buffer's fd and the offset of
 * the slot in it go in dmabuf_fd and dmabuf_offset, with KVM_MEM_DMABUF.
 */
#ifndef SELFTEST_KVM_DMABUF_UTIL_H
#define SELFTEST_KVM_DMABUF_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

/* Returns 0 or -1 with errno, as the ioctl. */
static inline int __vm_set_user_memory_region_dmabuf(struct kvm_vm *vm,
						     uint32_t slot,
						     uint32_t flags,
						     uint64_t gpa,
						     uint64_t size, int fd,
						     uint64_t offset)
{
	struct kvm_userspace_memory_region2 region = {
		.slot = slot,
		.flags = flags | KVM_MEM_DMABUF,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = 0,
		.dmabuf_fd = fd,
		.dmabuf_offset = offset,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION2, &region);
}

static inline void vm_set_user_memory_region_dmabuf(struct kvm_vm *vm,
						    uint32_t slot,
						    uint32_t flags,
						    uint64_t gpa,
						    uint64_t size, int fd,
						    uint64_t offset)
{
	int ret = __vm_set_user_memory_region_dmabuf(vm, slot, flags, gpa,
						     size, fd, offset);

	TEST_ASSERT(!ret, "binding slot %u to dma-buf %d at %#lx failed: %s",
		    slot, fd, (unsigned long)offset, strerror(errno));
}

/*
 * For tests: map @size bytes at @gva to @gpa in the guest's page tables.  On
 * x86 with the largest pages that the alignment of both allows: under
 * shadow paging the guest's page size bounds KVM's, so a test of KVM's
 * block sizes needs the guest's to be at least as large.
 */
static inline void kvm_dmabuf_virt_map(struct kvm_vm *vm, uint64_t gva,
				       uint64_t gpa, uint64_t size)
{
#ifdef __x86_64__
	int top = kvm_cpu_has(X86_FEATURE_GBPAGES) ? PG_LEVEL_1G : PG_LEVEL_2M;
	uint64_t end = gva + size;

	while (gva < end) {
		int level = top;

		while (level > PG_LEVEL_4K &&
		       ((gva | gpa) % PG_LEVEL_SIZE(level) ||
			end - gva < PG_LEVEL_SIZE(level)))
			level--;
		__virt_pg_map(vm, gva, gpa, level);
		gva += PG_LEVEL_SIZE(level);
		gpa += PG_LEVEL_SIZE(level);
	}
#else
	virt_map(vm, gva, gpa, size / vm->page_size);
#endif
}

/*
 * For tests of KVM's block sizes: under shadow paging (x86, npt=0 or ept=0)
 * KVM maps no more than the guest does, so on x86 the guest maps the whole
 * @block; elsewhere the @used bytes that the guest touches are enough.
 */
static inline void kvm_dmabuf_virt_map_block(struct kvm_vm *vm, uint64_t gva,
					     uint64_t gpa, uint64_t block,
					     uint64_t used)
{
#ifdef __x86_64__
	kvm_dmabuf_virt_map(vm, gva, gpa, block);
#else
	kvm_dmabuf_virt_map(vm, gva, gpa, used);
#endif
}

/* Deleting a dma-buf slot is as for any slot: size 0. */
static inline void vm_delete_dmabuf_slot(struct kvm_vm *vm, uint32_t slot)
{
	struct kvm_userspace_memory_region2 region = { .slot = slot };

	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION2, &region),
		    "deleting slot %u failed: %s", slot, strerror(errno));
}

#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
/*
 * The first @len bytes of BAR2 of a vfio-pci device as a dma-buf, opened
 * with @open_flags: the fd, or -1 with errno.
 */
static inline int kvm_dmabuf_vfio_export(int device, uint32_t open_flags,
					 uint64_t len)
{
	struct {
		struct vfio_device_feature feature;
		struct vfio_device_feature_dma_buf get;
		struct vfio_region_dma_range range;
	} arg = {
		.feature.argsz = sizeof(arg),
		.feature.flags = VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_DMA_BUF,
		.get.region_index = VFIO_PCI_BAR2_REGION_INDEX,
		.get.open_flags = open_flags,
		.get.nr_ranges = 1,
		.range.length = len,
	};

	return ioctl(device, VFIO_DEVICE_FEATURE, &arg);
}

/*
 * For tests: the vfio-pci device @bdf, through its no-IOMMU group (our
 * guests have no IOMMU), in a container of its own.  Returns the device
 * fd; *@container and *@group are the container and group fds.  Exits the
 * test on failure.
 */
static inline int kvm_dmabuf_vfio_open(const char *bdf, int *container,
				       int *group)
{
	char link[PATH_MAX], path[PATH_MAX + 32];
	const char *id;
	ssize_t n;
	int device;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	n = readlink(path, link, sizeof(link) - 1);
	TEST_ASSERT(n > 0, "iommu_group of %s", bdf);
	link[n] = 0;
	id = strrchr(link, '/');
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%s", id ? id + 1 : link);
	*container = open("/dev/vfio/vfio", O_RDWR);
	*group = open(path, O_RDWR);
	TEST_ASSERT(*container >= 0 && *group >= 0, "open %s", path);
	TEST_ASSERT(!ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) &&
		    !ioctl(*container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU),
		    "no-IOMMU container");
	device = ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	TEST_ASSERT(device >= 0, "device %s", bdf);
	return device;
}
#endif

struct kvm_dmabuf_vcpu_run {
	struct kvm_vcpu *vcpu;
	uint64_t cmd;
};

static inline void *kvm_dmabuf_vcpu_thread(void *arg)
{
	struct kvm_dmabuf_vcpu_run *r = arg;
	struct ucall uc;

	vcpu_run(r->vcpu);
	if (get_ucall(r->vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(uc.cmd == r->cmd, "exit %s, ucall %lu, wanted ucall %lu",
		    exit_reason_str(r->vcpu->run->exit_reason),
		    (unsigned long)uc.cmd, (unsigned long)r->cmd);
	return NULL;
}

/*
 * For tests: run each of the @n vCPUs of @vcpus on a thread of its own
 * until its next ucall, which must be @cmd (UCALL_SYNC, UCALL_DONE).
 * Returns the seconds from before the first thread starts until the last
 * one has ended.
 */
static inline double kvm_dmabuf_run_vcpus(struct kvm_vcpu **vcpus, int n,
					  uint64_t cmd)
{
	struct kvm_dmabuf_vcpu_run *r = calloc(n, sizeof(*r));
	pthread_t *threads = calloc(n, sizeof(*threads));
	struct timespec t0, t1;
	int i;

	TEST_ASSERT(r && threads, "%d vCPU threads", n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		r[i] = (struct kvm_dmabuf_vcpu_run){ vcpus[i], cmd };
		TEST_ASSERT(!pthread_create(&threads[i], NULL,
					    kvm_dmabuf_vcpu_thread, &r[i]),
			    "vCPU thread %d", i);
	}
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(threads);
	free(r);
	return (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/*
 * For tests, not for VMMs: the stage-2 (arm64) or TDP (x86) leaf that maps
 * @gfn of a slot, from the VM's debugfs view (dmabuf_mappings, which is
 * not an ABI, and shows every slot).  @attr gets the memory attribute (31 characters at
 * most), @perm the permissions (7 at most).  False if @gfn is not mapped.
 */
static inline bool kvm_dmabuf_read_leaf(struct kvm_vm *vm, uint64_t gfn,
					uint64_t *pfn, uint64_t *size,
					char *attr, char *perm)
{
	char path[PATH_MAX], line[256];
	bool found = false;
	FILE *f;

	*pfn = 0;
	*size = 0;
	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/kvm/%d-%d/dmabuf_mappings", getpid(),
		 vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long g, p, sz;

		perm[0] = 0;
		if (sscanf(line, "%lx %lx %lx %31s %7s", &g, &p, &sz, attr,
			   perm) < 4)
			continue;
		if (gfn >= g && gfn < g + sz / vm->page_size) {
			*pfn = p + (gfn - g);
			*size = sz;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * For tests: a number in a file, such as a module parameter under
 * /sys/module: read it when @set is negative, else write @set.  Returns
 * the value read, or -1 after a write.
 */
static inline long kvm_dmabuf_param(const char *path, long set)
{
	FILE *f = fopen(path, set < 0 ? "r" : "w");
	long val = -1;

	TEST_ASSERT(f, "%s: %s", path, strerror(errno));
	if (set < 0)
		TEST_ASSERT(fscanf(f, "%ld", &val) == 1, "reading %s", path);
	else
		TEST_ASSERT(fprintf(f, "%ld\n", set) > 0, "writing %s", path);
	TEST_ASSERT(!fclose(f), "%s: %s", path, strerror(errno));
	return val;
}

/* For tests: run @vcpu to its GUEST_SYNC(@stage), or fail. */
static inline void kvm_dmabuf_expect_sync(struct kvm_vcpu *vcpu,
					  uint64_t stage)
{
	struct ucall uc;

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT(uc.args[1] == stage, "stage %lu, wanted %lu",
			    (unsigned long)uc.args[1], (unsigned long)stage);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("exit %s, wanted stage %lu",
			  exit_reason_str(vcpu->run->exit_reason),
			  (unsigned long)stage);
	}
}

/*
 * For tests: cacheable memory other than RAM (DMA_BUF_MEM_CACHEABLE, the
 * test exporter's) needs FEAT_S2FWB on arm64, as there is no kernel
 * mapping to clean the data cache through; udmabuf's RAM does not.  KVM
 * says at boot whether it uses FWB.
 */
static inline bool kvm_dmabuf_cacheable_refused(void)
{
#ifdef __aarch64__
	return system("dmesg | grep -q 'Stage-2 Force Write-Back'") != 0;
#else
	return false;
#endif
}

/* KVM_CREATE_DMABUF_EVENTS: the VM's event fd, or fail. */
static inline int kvm_dmabuf_events_fd(struct kvm_vm *vm)
{
	struct kvm_create_dmabuf_events args = { 0 };
	int fd = __vm_ioctl(vm, KVM_CREATE_DMABUF_EVENTS, &args);

	TEST_ASSERT(fd >= 0, "KVM_CREATE_DMABUF_EVENTS: %s", strerror(errno));
	return fd;
}

/*
 * The next record of event fd @fd, which must be queued already: a record
 * is queued before the exporter's call that causes it returns.
 */
static inline struct kvm_dmabuf_event kvm_dmabuf_next_event(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct kvm_dmabuf_event ev;
	ssize_t n;

	TEST_ASSERT(poll(&p, 1, 0) == 1 && (p.revents & POLLIN),
		    "no record queued (poll %#x)", p.revents);
	n = read(fd, &ev, sizeof(ev));
	TEST_ASSERT(n == sizeof(ev), "read %zd: %s", n, strerror(errno));
	return ev;
}

#endif /* SELFTEST_KVM_DMABUF_UTIL_H */
