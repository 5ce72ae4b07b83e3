// SPDX-License-Identifier: GPL-2.0
/*
 * Poison on memory slots bound to a dma-buf (KVM_MEM_DMABUF).  The test
 * exporter (CONFIG_DMABUF_PHYS_TEST) reports a poisoned range of a buffer,
 * as a driver would for its device memory; KVM must unmap it, keep it, and
 * end the next guest access with KVM_RUN = -1, errno EHWPOISON and a
 * KVM_EXIT_MEMORY_FAULT that names the page, with no SIGBUS to anyone.
 * The same through memory_failure(): of a pfn of the test exporter's pool
 * (no struct page), and of a memfd page lent through udmabuf, poisoned
 * with hwpoison-inject's corrupt-pfn while no process maps it, also in a
 * hugetlb folio, and not when hwpoison_filter() holds the page back.
 * Poison that the guest consumes, as x86 handles it on the vCPU thread
 * (DMA_BUF_PHYS_TEST_CONSUME), gives the same exit and no signal.
 * Poison is remembered: a slot bound after it finds the page poisoned.
 * udmabuf registers exactly its pages, and only while a slot imports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/udmabuf.h>

#include "kvm_util.h"
#include "kvm_dmabuf_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kvm_dmabuf_phys.h"

#define SLOT		10
#define TEST_GPA	0x800000000ULL
#define TEST_GVA	TEST_GPA
#define TEST_SIZE	0x200000ULL
#define PAGE		0x1000ULL
#define BAD_PAGE	3
#define GOOD_PAGE	4

static int phys_dev;
static uint64_t pool_paddr;

static void sigbus(int sig)
{
	static const char msg[] = "SIGBUS: poison reached the VMM as a signal\n";

	write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(KSFT_FAIL);
}

/* Touch the first page, then a healthy page, then the poisoned one. */
static void guest_block(void)
{
	READ_ONCE(*(uint64_t *)TEST_GVA);
	GUEST_SYNC(1);
	READ_ONCE(*(uint64_t *)(TEST_GVA + GOOD_PAGE * PAGE));
	GUEST_SYNC(2);
	READ_ONCE(*(uint64_t *)(TEST_GVA + BAD_PAGE * PAGE));
	GUEST_SYNC(3);
}

static struct kvm_vm *new_vm(struct kvm_vcpu **vcpu, void *code, int buf,
			     uint64_t gpa, int slot)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, code);

	vm_set_user_memory_region_dmabuf(vm, slot, 0, gpa, TEST_SIZE, buf, 0);
	kvm_dmabuf_virt_map(vm, gpa, gpa, TEST_SIZE);
	return vm;
}

/* KVM_RUN ends with EHWPOISON and a memory fault exit at @gpa. */
static void expect_poison_exit(struct kvm_vcpu *vcpu, uint64_t gpa)
{
	struct kvm_run *run = vcpu->run;
	int r = __vcpu_run(vcpu);

	TEST_ASSERT(r == -1 && errno == EHWPOISON &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT,
		    "KVM_RUN %d errno %d exit %s, wanted EHWPOISON", r, errno,
		    exit_reason_str(run->exit_reason));
	TEST_ASSERT(run->memory_fault.gpa == gpa &&
		    run->memory_fault.size == PAGE &&
		    (run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_HWPOISON) &&
		    !(run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_REVOKED),
		    "poison exit at %#llx size %#llx flags %#llx, wanted %#lx size %#llx",
		    run->memory_fault.gpa, run->memory_fault.size,
		    run->memory_fault.flags, (unsigned long)gpa, PAGE);
}

static uint64_t leaf_size(struct kvm_vm *vm, uint64_t gpa)
{
	char attr[32], perm[8];
	uint64_t pfn, size;

	if (!kvm_dmabuf_read_leaf(vm, gpa / vm->page_size, &pfn, &size, attr,
				  perm))
		return 0;
	return size;
}

/*
 * A poisoned page inside a 1 GiB block: the block goes, the page exits
 * with EHWPOISON, the rest of the block is mapped again in smaller pieces.
 */
static void test_page_in_block(void)
{
	uint64_t bad = TEST_GPA + BAD_PAGE * PAGE, before, after;
	struct dma_buf_phys_test_chunk c = { .offset = SZ_1G, .len = SZ_1G };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, i;

	buf = phys_create(phys_dev, &c, 1, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY,
			  0);
	TEST_ASSERT(buf >= 0, "creating a 1 GiB buffer: %s", strerror(-buf));
	vm = vm_create_with_one_vcpu(&vcpu, guest_block);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, SZ_1G, buf, 0);
	kvm_dmabuf_virt_map_block(vm, TEST_GPA, TEST_GPA, SZ_1G, TEST_SIZE);
	kvm_dmabuf_expect_sync(vcpu, 1);
	before = leaf_size(vm, TEST_GPA);
	TEST_ASSERT(before == SZ_1G, "block before poison: %#lx",
		    (unsigned long)before);

	kvm_dmabuf_phys_poison(phys_dev, buf, BAD_PAGE * PAGE, PAGE);
	TEST_ASSERT(!leaf_size(vm, bad), "the poisoned page is still mapped");
	kvm_dmabuf_expect_sync(vcpu, 2);
	after = leaf_size(vm, TEST_GPA + GOOD_PAGE * PAGE);
	TEST_ASSERT(after && after < SZ_1G,
		    "after poison, the healthy page is mapped by %#lx",
		    (unsigned long)after);

	/* The exit repeats for as long as the guest retries the access. */
	for (i = 0; i < 2; i++)
		expect_poison_exit(vcpu, bad);
	TEST_ASSERT(!leaf_size(vm, bad), "the poisoned page was mapped again");
	ksft_test_result_pass("poisoned page: EHWPOISON, gpa %#llx size %llu flags %#llx\n",
			      vcpu->run->memory_fault.gpa,
			      vcpu->run->memory_fault.size,
			      vcpu->run->memory_fault.flags);
	ksft_test_result_pass("rest of the block reachable: block %#lx before, %#lx after\n",
			      (unsigned long)before, (unsigned long)after);
	kvm_vm_free(vm);
	close(buf);
}

/* Poison reported while revoked is kept, and seen after the un-revoke. */
static void test_poison_while_revoked(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf;

	buf = kvm_dmabuf_phys_buf(phys_dev, 2 * TEST_SIZE, TEST_SIZE);
	vm = new_vm(&vcpu, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vcpu_args_set(vcpu, 1, TEST_GPA);
	kvm_dmabuf_expect_sync(vcpu, 1);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	kvm_dmabuf_phys_poison(phys_dev, buf, 0, PAGE);
	TEST_ASSERT(__vcpu_run(vcpu) == -1 && errno == EFAULT &&
		    (vcpu->run->memory_fault.flags &
		     KVM_MEMORY_EXIT_FLAG_REVOKED),
		    "while revoked: errno %d flags %#llx", errno,
		    vcpu->run->memory_fault.flags);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
	expect_poison_exit(vcpu, TEST_GPA);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("poison while revoked: revoked exit, then EHWPOISON\n");
}

/*
 * One buffer in two slots of one VM and in a slot of another VM: each
 * binding hears the poison.  Then delete a slot and destroy the VMs.
 */
static void test_every_binding(void)
{
	uint64_t gpa2 = TEST_GPA + 2 * TEST_SIZE;
	struct kvm_vcpu *vcpu_a, *vcpu_b;
	struct kvm_vm *vm_a, *vm_b;
	int buf;

	buf = kvm_dmabuf_phys_buf(phys_dev, 3 * TEST_SIZE, TEST_SIZE);
	vm_a = new_vm(&vcpu_a, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vm_set_user_memory_region_dmabuf(vm_a, SLOT + 1, 0, gpa2, TEST_SIZE,
					 buf, 0);
	kvm_dmabuf_virt_map(vm_a, gpa2, gpa2, TEST_SIZE);
	vcpu_args_set(vcpu_a, 1, gpa2);
	vm_b = new_vm(&vcpu_b, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vcpu_args_set(vcpu_b, 1, TEST_GPA);
	kvm_dmabuf_expect_sync(vcpu_a, 1);
	kvm_dmabuf_expect_sync(vcpu_b, 1);
	TEST_ASSERT(phys_attachments(buf) == 3, "%d importers, wanted 3",
		    phys_attachments(buf));

	kvm_dmabuf_phys_poison(phys_dev, buf, 0, PAGE);
	expect_poison_exit(vcpu_a, gpa2);
	expect_poison_exit(vcpu_b, TEST_GPA);
	ksft_test_result_pass("two slots of one VM and another VM: each exits at its gpa\n");

	vm_delete_dmabuf_slot(vm_a, SLOT + 1);
	TEST_ASSERT(phys_attachments(buf) == 2, "slot deleted: %d importers",
		    phys_attachments(buf));
	kvm_vm_free(vm_a);
	kvm_vm_free(vm_b);
	TEST_ASSERT(phys_attachments(buf) == 0, "VMs destroyed: %d importers",
		    phys_attachments(buf));
	close(buf);
	ksft_test_result_pass("slot deleted and VMs destroyed after poison: detached\n");
}

/*
 * Poison reported while the slot is being bound, between the attach and
 * the slot's architecture data (review K4): the exporter reports the
 * buffer's second page at the map KVM makes to learn the attribute.  KVM
 * must keep it, without touching the x86 rmaps, which do not exist yet.
 */
static void test_poison_while_binding(void)
{
	struct dma_buf_phys_test_chunk c = { .offset = 5 * TEST_SIZE,
					     .len = TEST_SIZE };
	struct kvm_vcpu *vcpu, *vcpu2;
	struct kvm_vm *vm;
	int buf;

	buf = phys_create(phys_dev, &c, 1, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY,
			  DMA_BUF_PHYS_TEST_F_POISON_AT_MAP);
	TEST_ASSERT(buf >= 0, "creating a buffer poisoned at map: %s",
		    strerror(-buf));
	vm = new_vm(&vcpu, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vcpu_args_set(vcpu, 1, TEST_GPA);
	vcpu2 = vm_vcpu_add(vm, 1, kvm_dmabuf_guest_read);
	vcpu_args_set(vcpu2, 1, TEST_GPA + PAGE);
	kvm_dmabuf_expect_sync(vcpu, 1);
	expect_poison_exit(vcpu2, TEST_GPA + PAGE);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("poison reported during the bind: kept, EHWPOISON at %#llx\n",
			      TEST_GPA + PAGE);
}

/*
 * Poison is remembered (review E5): a slot bound after the report, the
 * slot re-created after a revoke and a restore (as a VMM does when the
 * guest toggles memory decoding or moves a BAR), and a second VM all find
 * the page poisoned, with no second report; the healthy pages stay
 * reachable.
 */
static void test_poison_remembered(void)
{
	uint64_t bad = TEST_GPA + BAD_PAGE * PAGE;
	struct kvm_vcpu *vcpu, *vcpu2;
	struct kvm_vm *vm, *vm2;
	int buf;

	buf = kvm_dmabuf_phys_buf(phys_dev, 6 * TEST_SIZE, TEST_SIZE);
	kvm_dmabuf_phys_poison(phys_dev, buf, BAD_PAGE * PAGE, PAGE);
	vm = new_vm(&vcpu, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vcpu_args_set(vcpu, 1, bad);
	expect_poison_exit(vcpu, bad);
	ksft_test_result_pass("slot bound after the poison: EHWPOISON at %#llx\n",
			      (unsigned long long)bad);

	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	vm_delete_dmabuf_slot(vm, SLOT);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE, buf,
					 0);
	expect_poison_exit(vcpu, bad);
	ksft_test_result_pass("slot re-created after a revoke and a restore: EHWPOISON\n");

	vm2 = new_vm(&vcpu2, guest_block, buf, TEST_GPA, SLOT);
	kvm_dmabuf_expect_sync(vcpu2, 1);
	kvm_dmabuf_expect_sync(vcpu2, 2);
	expect_poison_exit(vcpu2, bad);
	kvm_vm_free(vm2);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("a second VM: healthy pages read, EHWPOISON at the poisoned one\n");
}

static void expect_guest_poison(int buf, uint64_t page, void (*inject)(void *),
				void *arg)
{
	uint64_t gpa = TEST_GPA + page * PAGE;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = new_vm(&vcpu, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vcpu_args_set(vcpu, 1, gpa);
	kvm_dmabuf_expect_sync(vcpu, 1);
	TEST_ASSERT(leaf_size(vm, gpa), "the page is not mapped before");
	inject(arg);
	TEST_ASSERT(!leaf_size(vm, gpa), "the poisoned page is still mapped");
	expect_poison_exit(vcpu, gpa);
	kvm_vm_free(vm);
}

static void pool_memory_failure(void *arg)
{
	struct dma_buf_phys_test_memory_failure mf = {
		.pool_offset = *(uint64_t *)arg,
	};

	TEST_ASSERT(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_MEMORY_FAILURE, &mf),
		    "memory_failure() of pool offset %#llx: %s",
		    (unsigned long long)mf.pool_offset, strerror(errno));
}

/* memory_failure() of a pfn of the pool, which has no struct page. */
static void test_memory_failure_mmio(void)
{
	uint64_t off = 4 * TEST_SIZE + BAD_PAGE * PAGE;
	int buf = kvm_dmabuf_phys_buf(phys_dev, 4 * TEST_SIZE, TEST_SIZE);

	expect_guest_poison(buf, BAD_PAGE, pool_memory_failure, &off);
	close(buf);
	ksft_test_result_pass("memory_failure() of a pfn, no struct page: EHWPOISON\n");
}

static void corrupt_pfn(void *arg)
{
	const char *path = "/sys/kernel/debug/hwpoison/corrupt-pfn";
	char val[32];
	int fd, n;

	fd = open(path, O_WRONLY);
	TEST_ASSERT(fd >= 0, "open %s: %s", path, strerror(errno));
	n = snprintf(val, sizeof(val), "%#lx", *(unsigned long *)arg);
	/* memory_failure() may report that the pinned page is still busy. */
	(void)!write(fd, val, n);
	close(fd);
}

/*
 * The pfns of pages [@page, @page + @n) of @memfd, from a mapping that is
 * gone before the poison: no process maps the page when it is poisoned,
 * only the guest through the slot.
 */
static void memfd_pfns(int memfd, uint64_t size, uint64_t page,
		       unsigned long *pfns, uint64_t n)
{
	uint64_t entry, i;
	uint8_t *p;
	int pm;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, memfd, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap memfd: %s", strerror(errno));
	pm = open("/proc/self/pagemap", O_RDONLY);
	TEST_ASSERT(pm >= 0, "pagemap: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		READ_ONCE(p[(page + i) * PAGE]);
		TEST_ASSERT(pread(pm, &entry, sizeof(entry),
				  ((uintptr_t)p / PAGE + page + i) * 8) ==
			    sizeof(entry), "pagemap");
		TEST_ASSERT(entry >> 63, "page not present in pagemap");
		pfns[i] = entry & ((1ULL << 55) - 1);
		TEST_ASSERT(pfns[i], "no pfn in pagemap (needs CAP_SYS_ADMIN)");
	}
	close(pm);
	munmap(p, size);
}

static unsigned long memfd_pfn(int memfd, uint64_t size, uint64_t page)
{
	unsigned long pfn;

	memfd_pfns(memfd, size, page, &pfn, 1);
	return pfn;
}

#define OWNERS	"/sys/kernel/debug/pfn_address_spaces"

/*
 * How many pfns udmabuf has registered for memory_failure(), from the
 * registry's debugfs view; *@covered: how many of @pfns are among them.
 * Nothing else in this test holds a udmabuf meanwhile.
 */
static unsigned long udmabuf_registered(const unsigned long *pfns, int n,
					int *covered)
{
	unsigned long first, last, total = 0;
	char line[256], fn[128];
	FILE *f = fopen(OWNERS, "r");
	int i;

	TEST_ASSERT(f, "%s: %s", OWNERS, strerror(errno));
	*covered = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %127s", &first, &last, fn) != 3 ||
		    !strstr(fn, "udmabuf"))
			continue;
		total += last - first + 1;
		for (i = 0; i < n; i++)
			*covered += pfns[i] >= first && pfns[i] <= last;
	}
	fclose(f);
	return total;
}

/*
 * udmabuf registers its pages for memory_failure() only while a physical
 * importer (the slot) is attached, and exactly its pages, not the span
 * from the lowest to the highest.
 */
static void test_udmabuf_registration(void)
{
	unsigned long pfns[TEST_SIZE / PAGE], n;
	int npages = TEST_SIZE / PAGE;
	int dev, memfd, buf, covered;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("registration: no /dev/udmabuf (CONFIG_UDMABUF)\n");
		return;
	}
	if (access(OWNERS, R_OK)) {
		close(dev);
		ksft_test_result_skip("registration: no %s (CONFIG_DEBUG_FS)\n",
				      OWNERS);
		return;
	}
	buf = phys_udmabuf(dev, TEST_SIZE, &memfd);
	TEST_ASSERT(buf >= 0, "udmabuf: %s", strerror(-buf));
	memfd_pfns(memfd, TEST_SIZE, 0, pfns, npages);

	n = udmabuf_registered(pfns, npages, &covered);
	TEST_ASSERT(!n, "%lu pfns registered before any physical import", n);
	vm = new_vm(&vcpu, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	n = udmabuf_registered(pfns, npages, &covered);
	TEST_ASSERT(n == npages && covered == npages,
		    "bound: %lu pfns registered, %d of the buffer's %d among them",
		    n, covered, npages);
	kvm_vm_free(vm);
	n = udmabuf_registered(pfns, npages, &covered);
	TEST_ASSERT(!n, "%lu pfns still registered after the VM is gone", n);
	close(buf);
	close(memfd);
	close(dev);
	ksft_test_result_pass("udmabuf: its %d pfns registered exactly, only while bound\n",
			      npages);
}

/*
 * Poison that the guest consumes: on x86 a machine check in guest mode
 * ends in kill_me_maybe() on the vCPU thread, which runs memory_failure()
 * with MF_ACTION_REQUIRED and sends a SIGBUS without an address unless it
 * returns 0 or -EHWPOISON.  DMA_BUF_PHYS_TEST_CONSUME does what
 * kill_me_maybe() does, on this thread, the vCPU's; the machine check
 * itself and its delivery are not simulated.
 */
static void consume_pfn(void *arg)
{
	struct dma_buf_phys_test_consume c = {
		.pfn = *(unsigned long *)arg,
	};
	int r = ioctl(phys_dev, DMA_BUF_PHYS_TEST_CONSUME, &c);

	TEST_ASSERT(!r,
		    "consumed poison at pfn %#llx: memory_failure() %s; kill_me_maybe() would send SIGBUS without an address",
		    (unsigned long long)c.pfn, strerror(errno));
}

/* Consumed poison in a page of the pool, which has no struct page. */
static void test_consumed_mmio(void)
{
	uint64_t off = 7 * TEST_SIZE;
	unsigned long pfn = (pool_paddr + off) / PAGE + BAD_PAGE;
	int buf = kvm_dmabuf_phys_buf(phys_dev, off, TEST_SIZE);

	expect_guest_poison(buf, BAD_PAGE, consume_pfn, &pfn);
	close(buf);
	ksft_test_result_pass("consumed poison, no struct page (pfn %#lx): no signal, EHWPOISON\n",
			      pfn);
}

/*
 * A memfd page lent through udmabuf, poisoned by @inject: with corrupt-pfn,
 * or as poison that the guest consumed (consume_pfn()): the buffer's pins
 * keep the page, so memory_failure() must not call the page still in use
 * (-EBUSY) but say that it is delayed (0), and no signal reaches the VMM.
 */
static void test_udmabuf_poison(void (*inject)(void *), const char *what)
{
	unsigned long pfn;
	int dev, memfd, buf;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("%s: no /dev/udmabuf (CONFIG_UDMABUF)\n",
				      what);
		return;
	}
	buf = phys_udmabuf(dev, TEST_SIZE, &memfd);
	TEST_ASSERT(buf >= 0, "udmabuf: %s", strerror(-buf));
	pfn = memfd_pfn(memfd, TEST_SIZE, BAD_PAGE);

	expect_guest_poison(buf, BAD_PAGE, inject, &pfn);
	close(buf);
	close(memfd);
	close(dev);
	ksft_test_result_pass("%s, udmabuf page (pfn %#lx): no signal, EHWPOISON at the gpa\n",
			      what, pfn);
}

/* A new VM reads two healthy pages of @buf, then exits at the poisoned one. */
static void expect_bad_page_only(int buf)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = new_vm(&vcpu, guest_block, buf, TEST_GPA, SLOT);

	kvm_dmabuf_expect_sync(vcpu, 1);
	kvm_dmabuf_expect_sync(vcpu, 2);
	expect_poison_exit(vcpu, TEST_GPA + BAD_PAGE * PAGE);
	kvm_vm_free(vm);
}

/*
 * A udmabuf page poisoned before any slot is bound to the buffer; then a
 * new udmabuf over the same memfd, which pins the same page again: it was
 * still pinned by the first when memory_failure() ran, so it stayed in
 * the page cache, and the new buffer must report it at export.
 */
static void test_poison_remembered_udmabuf(void)
{
	struct udmabuf_create create = { .size = TEST_SIZE };
	unsigned long pfn;
	int dev, memfd, buf, i;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		for (i = 0; i < 2; i++)
			ksft_test_result_skip("remembered: no /dev/udmabuf (CONFIG_UDMABUF)\n");
		return;
	}
	buf = phys_udmabuf(dev, TEST_SIZE, &memfd);
	TEST_ASSERT(buf >= 0, "udmabuf: %s", strerror(-buf));
	pfn = memfd_pfn(memfd, TEST_SIZE, BAD_PAGE);
	TEST_ASSERT(phys_attachments(buf) == 0, "%d importers before the bind",
		    phys_attachments(buf));
	corrupt_pfn(&pfn);

	expect_bad_page_only(buf);
	close(buf);
	ksft_test_result_pass("udmabuf page poisoned before the bind (pfn %#lx): EHWPOISON\n",
			      pfn);

	create.memfd = memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	TEST_ASSERT(buf >= 0, "a new udmabuf over the memfd: %s",
		    strerror(errno));
	expect_bad_page_only(buf);
	close(buf);
	close(memfd);
	close(dev);
	ksft_test_result_pass("a new udmabuf over the poisoned page: EHWPOISON\n");
}

#define NR_HUGE_2M	"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

static unsigned long read_ulong(const char *path)
{
	unsigned long v;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%lu", &v) != 1)
		v = ULONG_MAX;
	if (f)
		fclose(f);
	return v;
}

static bool write_ulong(const char *path, unsigned long v)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%lu\n", v) > 0;
	return !fclose(f) && ok;
}

/*
 * A page of a hugetlb folio lent through udmabuf: memory_failure() takes
 * its hugetlb path, which must reach the owners too (review E2).
 */
static void test_memory_failure_udmabuf_hugetlb(void)
{
	struct udmabuf_create create = { .size = TEST_SIZE };
	unsigned long pfn, nr_huge;
	int dev, memfd, buf;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("hugetlb: no /dev/udmabuf (CONFIG_UDMABUF)\n");
		return;
	}
	/* One more 2M page in the pool, for good: it is poisoned. */
	nr_huge = read_ulong(NR_HUGE_2M);
	if (nr_huge == ULONG_MAX || !write_ulong(NR_HUGE_2M, nr_huge + 1)) {
		ksft_test_result_skip("hugetlb: no 2M huge page pool at %s\n",
				      NR_HUGE_2M);
		close(dev);
		return;
	}
	memfd = memfd_create("udmabuf-hugetlb", MFD_ALLOW_SEALING |
			     MFD_HUGETLB);
	if (memfd < 0 || ftruncate(memfd, TEST_SIZE) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) ||
	    read_ulong(NR_HUGE_2M) != nr_huge + 1) {
		ksft_test_result_skip("hugetlb: no free 2M huge page for a memfd: %s\n",
				      strerror(errno));
		close(dev);
		return;
	}
	/* Faults the folio in, so that udmabuf finds it. */
	pfn = memfd_pfn(memfd, TEST_SIZE, BAD_PAGE);
	create.memfd = memfd;
	buf = ioctl(dev, UDMABUF_CREATE, &create);
	TEST_ASSERT(buf >= 0, "udmabuf over hugetlb: %s", strerror(errno));

	expect_guest_poison(buf, BAD_PAGE, corrupt_pfn, &pfn);
	close(buf);
	close(memfd);
	close(dev);
	ksft_test_result_pass("corrupt-pfn in a hugetlb udmabuf (pfn %#lx): EHWPOISON\n",
			      pfn);
}

#define HWPOISON_DIR	"/sys/kernel/debug/hwpoison/"

/*
 * A page that hwpoison_filter() holds back is not poisoned: memory_failure()
 * clears the flag and fails, and must not have told the owners first
 * (review E7).  The filter on device major 1 holds back every shmem page,
 * whose superblock's device has major 0.  The error is injected with
 * madvise(MADV_HWPOISON), which calls memory_failure() without filtering
 * first, as corrupt-pfn does; so the VMM maps the page for a moment, and
 * must get no SIGBUS either.
 */
static void test_memory_failure_filtered(void)
{
	uint64_t gpa = TEST_GPA + BAD_PAGE * PAGE;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int dev, memfd, buf, r = -1;
	bool filtered;
	uint8_t *p;

	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0) {
		ksft_test_result_skip("filtered: no /dev/udmabuf (CONFIG_UDMABUF)\n");
		return;
	}
	buf = phys_udmabuf(dev, TEST_SIZE, &memfd);
	TEST_ASSERT(buf >= 0, "udmabuf: %s", strerror(-buf));

	vm = new_vm(&vcpu, kvm_dmabuf_guest_read, buf, TEST_GPA, SLOT);
	vcpu_args_set(vcpu, 1, gpa);
	kvm_dmabuf_expect_sync(vcpu, 1);
	TEST_ASSERT(leaf_size(vm, gpa), "the page is not mapped before");

	p = mmap(NULL, TEST_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap memfd: %s", strerror(errno));
	filtered = write_ulong(HWPOISON_DIR "corrupt-filter-dev-major", 1) &&
		   write_ulong(HWPOISON_DIR "corrupt-filter-enable", 1);
	if (filtered)
		r = madvise(p + BAD_PAGE * PAGE, PAGE, MADV_HWPOISON);
	TEST_ASSERT(write_ulong(HWPOISON_DIR "corrupt-filter-enable", 0) &&
		    write_ulong(HWPOISON_DIR "corrupt-filter-dev-major", ~0U),
		    "resetting the hwpoison filter");
	munmap(p, TEST_SIZE);
	if (!filtered) {
		ksft_test_result_skip("filtered: no hwpoison filter in %s\n",
				      HWPOISON_DIR);
	} else {
		TEST_ASSERT(!r, "MADV_HWPOISON held back by the filter: %s",
			    strerror(errno));
		TEST_ASSERT(leaf_size(vm, gpa),
			    "a page that hwpoison_filter() held back was unmapped");
		kvm_dmabuf_expect_sync(vcpu, 2);
		ksft_test_result_pass("held back by hwpoison_filter(): the guest reads on\n");
	}
	kvm_vm_free(vm);
	close(buf);
	close(memfd);
	close(dev);
}

int main(int argc, char *argv[])
{
	struct dma_buf_phys_test_pool pool;
	struct sigaction sa = { .sa_handler = sigbus };

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_MEMSLOT));
	phys_dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	__TEST_REQUIRE(phys_dev >= 0, "no " DMA_BUF_PHYS_TEST_DEV
		       " (CONFIG_DMABUF_PHYS_TEST)");
	__TEST_REQUIRE(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_POOL, &pool),
		       "no device bound to " DMA_BUF_PHYS_TEST_DRIVER);
	pool_paddr = pool.paddr;
	TEST_ASSERT(!sigaction(SIGBUS, &sa, NULL), "sigaction");

	ksft_print_header();
	ksft_set_plan(18);
	test_page_in_block();
	test_poison_while_revoked();
	test_every_binding();
	test_poison_while_binding();
	test_poison_remembered();
	test_memory_failure_mmio();
	test_consumed_mmio();
	test_udmabuf_registration();
	test_udmabuf_poison(corrupt_pfn, "corrupt-pfn");
	test_udmabuf_poison(consume_pfn, "consumed poison");
	test_memory_failure_udmabuf_hugetlb();
	test_poison_remembered_udmabuf();
	test_memory_failure_filtered();
	ksft_finished();
}
