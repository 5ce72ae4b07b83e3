// SPDX-License-Identifier: GPL-2.0
/*
 * Races on one dma-buf shared by two VMs with two vCPUs each: the guests
 * write and read the slot without pause while the host revokes and
 * restores the buffer, reports poisoned pages, deletes and re-creates one
 * VM's slot (binding through a duplicate of the buffer's fd that it closes
 * at once), and destroys and re-creates a VM.  At the end the host closes
 * its last fd of the buffer while the VMs run on it, then unbinds the
 * exporter's device, which revokes the buffer for good.  Checked by the
 * test itself:
 *  - no guest write lands after a revoke has returned: each vCPU writes an
 *    increasing generation into its own word of the buffer, and the words
 *    read from the buffer's memory (outside the VMs) right after the
 *    revoke do not change until the restore;
 *  - after the unbind has returned, each vCPU completes at most the loop
 *    it was in, and then only takes revoked memory faults;
 *  - poison reports reach a slot that has lived through all of them: a
 *    third VM's vCPU reads the last poisoned page and gets EHWPOISON;
 *  - every exit is one that api.rst documents: KVM_EXIT_MEMORY_FAULT with
 *    KVM_MEMORY_EXIT_FLAG_REVOKED (retried), KVM_EXIT_MMIO for the slot's
 *    range while it is deleted (retried), the guest's ucalls;
 *  - nothing hangs: a watchdog fails the test.
 * The counts of each operation and exit are printed at the end.
 *
 * usage: dmabuf_stress_test [OPERATIONS [BACKING]]
 * BACKING "bar" or "ram" binds a plain slot instead, at a mapping of the
 * exporter's BAR or of shared anonymous memory, with the slot deletes and
 * VM re-creation only: a control for failures that have nothing to do
 * with dma-buf slots.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
#define TEST_SIZE	0x200000ULL
#define NR_VMS		2
#define NR_VCPUS	2
#define NR_WORDS	(NR_VMS * NR_VCPUS)
/* Pages each vCPU reads besides its own, so that zaps cost faults. */
#define NR_READ		16
#define WATCHDOG_S	170
/* Poisoned pages: from here on, one per report, touched only by the probe. */
#define POISON_FIRST	64

static int phys_dev, buf;
static uint64_t *pool;
/* 0: dma-buf slots; else a plain slot at this address. */
static void *hva;

struct vm_ctx {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	int index;
	atomic_bool stop;
};

static struct vm_ctx vms[NR_VMS];

static atomic_ulong nr_syncs, nr_revoked_exits, nr_mmio_exits;
/* Odd while VM 0's slot is deleted; bumped around each delete and bind. */
static atomic_ulong slot_epoch;

/* vCPU @word's page: one per vCPU of every VM, the rest read. */
static void guest_code(uint64_t word)
{
	uint64_t *mine = (uint64_t *)(TEST_GVA + word * 4096);
	uint64_t gen = 0, sum = 0;
	int i;

	for (;;) {
		WRITE_ONCE(*mine, ++gen);
		for (i = 0; i < NR_READ; i++)
			sum += READ_ONCE(*(uint64_t *)(TEST_GVA +
						       (NR_WORDS + i) * 4096));
		GUEST_SYNC(sum);
	}
}

/* The probe VM's vCPU: reads the page it is told to. */
static uint64_t probe_page;

static void probe_code(void)
{
	for (;;)
		GUEST_SYNC(READ_ONCE(*(uint64_t *)(TEST_GVA +
						   READ_ONCE(probe_page) * 4096)));
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct vm_ctx *ctx = &vms[0];
	struct kvm_run *run = vcpu->run;
	unsigned long e0, e1;
	struct ucall uc;
	int i, r;

	for (i = 0; i < NR_VMS; i++)
		if (vms[i].vm == vcpu->vm)
			ctx = &vms[i];
	while (!atomic_load(&ctx->stop)) {
		e0 = atomic_load(&slot_epoch);
		r = __vcpu_run(vcpu);
		e1 = atomic_load(&slot_epoch);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EFAULT &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
			TEST_ASSERT(run->memory_fault.flags ==
				    KVM_MEMORY_EXIT_FLAG_REVOKED &&
				    run->memory_fault.gpa >= TEST_GPA &&
				    run->memory_fault.gpa < TEST_GPA + TEST_SIZE,
				    "memory fault flags %#llx gpa %#llx",
				    run->memory_fault.flags,
				    run->memory_fault.gpa);
			atomic_fetch_add(&nr_revoked_exits, 1);
			usleep(100);
			continue;
		}
		TEST_ASSERT(!r, "KVM_RUN: %d errno %d (%s), exit %s", r, errno,
			    strerror(errno), exit_reason_str(run->exit_reason));
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			atomic_fetch_add(&nr_syncs, 1);
			continue;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			break;
		}
		/* VM 0's slot was deleted meanwhile: emulated MMIO. */
		TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO &&
			    run->mmio.phys_addr >= TEST_GPA &&
			    run->mmio.phys_addr < TEST_GPA + TEST_SIZE &&
			    ctx->index == 0 && ((e0 & 1) || e0 != e1),
			    "exit %s at %#llx (VM %d, slot epochs %lu, %lu)",
			    exit_reason_str(run->exit_reason),
			    run->mmio.phys_addr, ctx->index, e0, e1);
		atomic_fetch_add(&nr_mmio_exits, 1);
	}
	return NULL;
}

/* The fd KVM gets is closed at once: the binding holds the buffer. */
static void bind_slot(struct kvm_vm *vm)
{
	int fd;

	if (hva) {
		vm_set_user_memory_region(vm, SLOT, 0, TEST_GPA, TEST_SIZE, hva);
		return;
	}
	fd = dup(buf);
	TEST_ASSERT(fd >= 0, "dup: %s", strerror(errno));
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE, fd,
					 0);
	close(fd);
}

static void vm_start(struct vm_ctx *ctx)
{
	int i;

	ctx->vm = vm_create_with_vcpus(NR_VCPUS, guest_code, ctx->vcpus);
	bind_slot(ctx->vm);
	kvm_dmabuf_virt_map(ctx->vm, TEST_GVA, TEST_GPA, TEST_SIZE);
	atomic_store(&ctx->stop, false);
	for (i = 0; i < NR_VCPUS; i++) {
		vcpu_args_set(ctx->vcpus[i], 1, ctx->index * NR_VCPUS + i);
		pthread_create(&ctx->threads[i], NULL, vcpu_thread,
			       ctx->vcpus[i]);
	}
}

static void vm_stop(struct vm_ctx *ctx)
{
	int i;

	atomic_store(&ctx->stop, true);
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(ctx->threads[i], NULL);
	kvm_vm_free(ctx->vm);
	ctx->vm = NULL;
}

/* Revoke, check that no generation moves while revoked, restore. */
static void revoke_and_check(void)
{
	uint64_t before[NR_WORDS];
	int i;

	TEST_ASSERT(!phys_revoke(phys_dev, buf, 1), "revoke");
	for (i = 0; i < NR_WORDS; i++)
		before[i] = READ_ONCE(pool[i * 4096 / 8]);
	usleep(1000);
	for (i = 0; i < NR_WORDS; i++)
		TEST_ASSERT(READ_ONCE(pool[i * 4096 / 8]) == before[i],
			    "vCPU word %d: %#lx after the revoke returned, %#lx a moment later",
			    i, (unsigned long)before[i],
			    (unsigned long)READ_ONCE(pool[i * 4096 / 8]));
	TEST_ASSERT(!phys_revoke(phys_dev, buf, 0), "restore");
}

/* The probe reads @page; KVM_RUN's result goes to the caller. */
static int probe(struct kvm_vcpu *vcpu, uint64_t page)
{
	probe_page = page;
	sync_global_to_guest(vcpu->vm, probe_page);
	return __vcpu_run(vcpu);
}

/* The guests' ucalls over @ms milliseconds. */
static unsigned long syncs_in(int ms)
{
	unsigned long n = atomic_load(&nr_syncs);

	usleep(ms * 1000);
	return atomic_load(&nr_syncs) - n;
}

/* Unbind the exporter's device while the VMs run; bind it again after. */
static void unbind_device_and_check(void)
{
	const char *drv = "/sys/bus/pci/drivers/" DMA_BUF_PHYS_TEST_DRIVER;
	char bdf[NAME_MAX + 1], path[PATH_MAX];
	unsigned long n;
	int fd;

	TEST_ASSERT(phys_bound_device(DMA_BUF_PHYS_TEST_DRIVER, bdf,
				      sizeof(bdf)), "no device bound");
	snprintf(path, sizeof(path), "%s/unbind", drv);
	fd = open(path, O_WRONLY);
	TEST_ASSERT(fd >= 0 && write(fd, bdf, strlen(bdf)) == strlen(bdf),
		    "unbinding %s: %s", bdf, strerror(errno));
	close(fd);
	/* A vCPU may finish the loop it was in, and no more. */
	n = atomic_load(&nr_syncs);
	usleep(100 * 1000);
	TEST_ASSERT(atomic_load(&nr_syncs) - n <= NR_WORDS,
		    "%lu ucalls after the unbind returned",
		    atomic_load(&nr_syncs) - n);
	TEST_ASSERT(!syncs_in(100), "the guests ran on after the unbind");

	fd = open("/sys/bus/pci/drivers_probe", O_WRONLY);
	TEST_ASSERT(fd >= 0 && write(fd, bdf, strlen(bdf)) == strlen(bdf),
		    "binding %s again: %s", bdf, strerror(errno));
	close(fd);
}

/* Is the dma-buf of inode @ino still in the kernel's list of buffers? */
static bool buffer_listed(unsigned long ino)
{
	char line[256], key[32];
	bool found = false;
	FILE *f;

	f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	TEST_ASSERT(f, "bufinfo: %s", strerror(errno));
	snprintf(key, sizeof(key), "\t%08lu\t", ino);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, key);
	fclose(f);
	return found;
}

static void watchdog(int sig)
{
	fprintf(stderr, "no end after %d s: a hang\n", WATCHDOG_S);
	_exit(KSFT_FAIL);
}

int main(int argc, char *argv[])
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = TEST_SIZE };
	unsigned long nr_ops = 10000, revokes = 0, deletes = 0, recreates = 0;
	unsigned long poisons = 0, op, syncs;
	const char *backing = argc > 2 ? argv[2] : "dmabuf";
	struct kvm_vcpu *probe_vcpu = NULL;
	struct kvm_vm *probe_vm = NULL;
	struct timespec t0, t1;
	struct kvm_run *run;
	struct stat st;
	int i, r;

	if (argc > 1)
		nr_ops = strtoul(argv[1], NULL, 0);
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_MEMSLOT));
	phys_dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	__TEST_REQUIRE(phys_dev >= 0, "no " DMA_BUF_PHYS_TEST_DEV
		       " (CONFIG_DMABUF_PHYS_TEST)");
	buf = phys_create(phys_dev, &c, 1, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY,
			  0);
	TEST_ASSERT(buf >= 0, "creating a test buffer: %s", strerror(-buf));
	pool = phys_map_pool(TEST_SIZE);
	if (!strcmp(backing, "bar")) {
		hva = pool;
	} else if (!strcmp(backing, "ram")) {
		hva = mmap(NULL, TEST_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(hva != MAP_FAILED, "mmap: %s", strerror(errno));
	} else {
		TEST_ASSERT(!strcmp(backing, "dmabuf"), "backing %s?", backing);
		/* A slot that lives through every poison report. */
		probe_vm = vm_create_with_one_vcpu(&probe_vcpu, probe_code);
		bind_slot(probe_vm);
		kvm_dmabuf_virt_map(probe_vm, TEST_GVA, TEST_GPA, TEST_SIZE);
		TEST_ASSERT(!probe(probe_vcpu, POISON_FIRST) &&
			    get_ucall(probe_vcpu, NULL) == UCALL_SYNC,
			    "probe before any poison: exit %s",
			    exit_reason_str(probe_vcpu->run->exit_reason));
	}

	signal(SIGALRM, watchdog);
	alarm(WATCHDOG_S);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NR_VMS; i++) {
		vms[i].index = i;
		vm_start(&vms[i]);
	}

	for (op = 0; op < nr_ops; op++) {
		if (hva && op % 10 != 9 && op % 500 != 499) {
			/* The controls: no buffer to revoke or poison. */
			usleep(1000);
		} else if (op % 100 == 49 &&
			   POISON_FIRST + poisons < TEST_SIZE / 4096) {
			TEST_ASSERT(!phys_poison(phys_dev, buf,
						 (POISON_FIRST + poisons) * 4096,
						 4096), "poison report");
			poisons++;
		} else if (op % 500 == 499) {
			/* VM 1 destroyed, with its vCPUs, and re-created. */
			vm_stop(&vms[1]);
			vm_start(&vms[1]);
			recreates++;
		} else if (op % 10 == 9) {
			/* VM 0's slot deleted and bound again. */
			atomic_fetch_add(&slot_epoch, 1);
			vm_delete_dmabuf_slot(vms[0].vm, SLOT);
			bind_slot(vms[0].vm);
			atomic_fetch_add(&slot_epoch, 1);
			deletes++;
		} else {
			revoke_and_check();
			revokes++;
		}
	}
	syncs = atomic_load(&nr_syncs);
	TEST_ASSERT(syncs > 0, "the guests made no progress");

	if (probe_vm && poisons) {
		uint64_t page = POISON_FIRST + poisons - 1;

		run = probe_vcpu->run;
		r = probe(probe_vcpu, page);
		TEST_ASSERT(r == -1 && errno == EHWPOISON &&
			    run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
			    run->memory_fault.gpa == TEST_GPA + page * 4096 &&
			    (run->memory_fault.flags &
			     KVM_MEMORY_EXIT_FLAG_HWPOISON),
			    "probe of poisoned page %#lx: KVM_RUN %d errno %d exit %s gpa %#llx flags %#llx",
			    (unsigned long)page, r, errno,
			    exit_reason_str(run->exit_reason),
			    run->memory_fault.gpa, run->memory_fault.flags);
	}
	if (probe_vm) {
		TEST_ASSERT(!fstat(buf, &st), "fstat: %s", strerror(errno));
		kvm_vm_free(probe_vm);
		/* The VMs' bindings alone hold the buffer now. */
		close(buf);
		TEST_ASSERT(syncs_in(50), "the guests stopped after the close");
		unbind_device_and_check();
	}
	for (i = 0; i < NR_VMS; i++)
		vm_stop(&vms[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	if (probe_vm)
		TEST_ASSERT(!buffer_listed(st.st_ino),
			    "the buffer outlived its last fd and binding");
	else
		TEST_ASSERT(phys_attachments(buf) == 0,
			    "%d importers left attached", phys_attachments(buf));

	printf("# %s slots, %lu operations in %ld s: ", backing, nr_ops,
	       (long)(t1.tv_sec - t0.tv_sec));
	printf("%lu revoke+check+restore, %lu poison reports, ", revokes,
	       poisons);
	printf("%lu slot delete+bind, %lu VM re-create%s\n", deletes,
	       recreates, probe_vm ? ", fd close, device unbind" : "");
	printf("# guests: %lu ucalls; exits: %lu revoked memory faults, %lu MMIO, slot deleted\n",
	       syncs, (unsigned long)atomic_load(&nr_revoked_exits),
	       (unsigned long)atomic_load(&nr_mmio_exits));
	if (!probe_vm)
		close(buf);
	return 0;
}
