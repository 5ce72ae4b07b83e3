// SPDX-License-Identifier: GPL-2.0
/*
 * The fault rate of a dma-buf slot mapped in 4K pages, with the fault path
 * that takes no lock and with the one that takes the buffer's dma_resv at
 * every fault (the kvm.dmabuf_fault_locked parameter, which exists for
 * this comparison), side by side in one boot.
 *
 * The buffer starts one page into the exporter's pool, so that no gfn and
 * pfn are aligned alike and every leaf is 4K; with kvm.dmabuf_fault_around
 * at 0 for the test, populating the window takes one stage-2 fault per
 * page in both modes.  Each pass creates a VM, binds the slot and
 * times its vCPUs (1, then 2 on disjoint halves) writing one word per page
 * until all have reported; each mode goes first in every other pass.  Printed: the
 * median, min and max of pages per second for each mode and vCPU count,
 * and the ratio of the medians.  Fails if a pass does not complete or the
 * leaves are not 4K; skips, saying why, without the parameter.
 *
 * usage: dmabuf_fault_rate_test [PASSES]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvm_dmabuf_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "../drivers/dma-buf-phys/phys_util.h"

#define SLOT		10
#define TEST_GPA	0x800000000ULL
#define TEST_GVA	TEST_GPA
#define TEST_SIZE	0x4000000ULL
#define NR_PAGES	(TEST_SIZE / 4096)
#define MAX_VCPUS	2
#define MAX_PASSES	15
#define LOCKED_PARAM	"/sys/module/kvm/parameters/dmabuf_fault_locked"
#define AROUND_PARAM	"/sys/module/kvm/parameters/dmabuf_fault_around"

static int buf;

/* vCPU @i of @n writes one word in each page of its part of the window. */
static void guest_code(uint64_t i, uint64_t n)
{
	uint64_t first = NR_PAGES / n * i, last = NR_PAGES / n * (i + 1);
	uint64_t page;

	for (page = first; page < last; page++)
		WRITE_ONCE(*(uint64_t *)(TEST_GVA + page * 4096), page);
	GUEST_DONE();
}

static void set_locked(int locked)
{
	kvm_dmabuf_param(LOCKED_PARAM, locked);
}

/* One pass: pages per second populating the window with @n vCPUs. */
static double pass(int n, int locked)
{
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	char attr[32], perm[8];
	uint64_t pfn, size;
	double t;
	struct kvm_vm *vm;
	int i;

	vm = vm_create_with_vcpus(n, guest_code, vcpus);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE, buf,
					 0);
	kvm_dmabuf_virt_map(vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	for (i = 0; i < n; i++)
		vcpu_args_set(vcpus[i], 2, i, n);
	set_locked(locked);
	t = kvm_dmabuf_run_vcpus(vcpus, n, UCALL_DONE);
	set_locked(0);

	TEST_ASSERT(kvm_dmabuf_read_leaf(vm, TEST_GPA / 4096 + NR_PAGES / 2,
					 &pfn, &size, attr, perm) &&
		    size == 4096,
		    "the page in the middle is mapped by a leaf of %#lx bytes, wanted 4K",
		    (unsigned long)size);
	kvm_vm_free(vm);
	return NR_PAGES / t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char *argv[])
{
	struct dma_buf_phys_test_chunk c = { .offset = 4096, .len = TEST_SIZE };
	double rate[MAX_VCPUS][2][MAX_PASSES], median[2];
	int n, k, locked, i, dev, passes = 7;
	long around;

	if (argc > 1)
		passes = atoi(argv[1]);
	TEST_ASSERT(passes > 0 && passes <= MAX_PASSES, "1 to %d passes",
		    MAX_PASSES);
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_MEMSLOT));
	__TEST_REQUIRE(!access(LOCKED_PARAM, W_OK),
		       "no writable " LOCKED_PARAM);
	around = kvm_dmabuf_param(AROUND_PARAM, -1);
	/* One page per fault in both modes. */
	kvm_dmabuf_param(AROUND_PARAM, 0);
	dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	__TEST_REQUIRE(dev >= 0, "no " DMA_BUF_PHYS_TEST_DEV
		       " (CONFIG_DMABUF_PHYS_TEST)");
	buf = phys_create(dev, &c, 1, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, 0);
	TEST_ASSERT(buf >= 0, "creating a test buffer: %s", strerror(-buf));

	/* Each mode goes first in every other pass, against order effects. */
	for (i = 0; i < passes; i++)
		for (n = 1; n <= MAX_VCPUS; n++)
			for (k = 0; k < 2; k++) {
				locked = (i + k) % 2;
				rate[n - 1][locked][i] = pass(n, locked);
			}

	printf("# %lu pages of 4K per pass, %d passes; ", (unsigned long)NR_PAGES,
	       passes);
	printf("pages (faults) per second, median [min, max]\n");
	for (n = 1; n <= MAX_VCPUS; n++) {
		for (locked = 0; locked < 2; locked++) {
			double *r = rate[n - 1][locked];

			qsort(r, passes, sizeof(*r), cmp_double);
			median[locked] = r[passes / 2];
			printf("# %d vCPU%s, %s: %.0f [%.0f, %.0f]\n", n,
			       n > 1 ? "s" : "",
			       locked ? "dma_resv at each fault" : "lockless",
			       median[locked], r[0], r[passes - 1]);
		}
		printf("# %d vCPU%s: lockless / locked = %.2f\n", n,
		       n > 1 ? "s" : "", median[0] / median[1]);
	}
	kvm_dmabuf_param(AROUND_PARAM, around);
	close(buf);
	close(dev);
	return 0;
}
