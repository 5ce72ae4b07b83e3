// SPDX-License-Identifier: GPL-2.0
/*
 * How a VMM uses the events of its dma-buf slots, in one place: a vCPU
 * thread, and an io_uring event loop that reads the VM's event file
 * (KVM_CREATE_DMABUF_EVENTS) and the vCPU thread's messages.
 *
 *  - The device is reset (the test exporter revokes the buffer): the loop
 *    reads a REVOKED record; the vCPU's access exits with
 *    KVM_MEMORY_EXIT_FLAG_REVOKED, and the vCPU thread waits for the loop
 *    to read RESTORED before it runs the vCPU again, as a VMM that lets a
 *    device reset finish would.
 *  - A page goes bad (the exporter reports poison): the loop reads a
 *    POISONED record before the guest touches the page and marks its gpa
 *    for injection, as a VMM does today for an action-optional SIGBUS;
 *    the vCPU's access then exits with EHWPOISON, and the vCPU thread finds
 *    the exit's gpa among the marked ones: a real VMM injects a machine
 *    check (x86) or an SEA (arm64) there, which this example does not.
 *
 * Built with Debian's liburing-dev, statically linked, when the build says
 * where it is (LIBURING); the test exporter (CONFIG_DMABUF_PHYS_TEST)
 * provides the memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>

#include "kvm_util.h"
#include "kvm_dmabuf_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kvm_dmabuf_phys.h"

#define SLOT		10
#define TEST_GPA	0x800000000ULL
#define TEST_SIZE	0x200000ULL
#define PAGE		0x1000ULL
#define GOOD		(TEST_GPA + 1 * PAGE)
#define BAD		(TEST_GPA + 5 * PAGE)
#define MAX_MARKED	16

enum { TAG_EVENTS = 1, TAG_VCPU };
enum msg_kind { AT_STAGE, REVOKED_EXIT, POISON_EXIT };

struct msg {
	enum msg_kind kind;
	uint64_t arg;
};

static int phys_dev, buf;
static int to_loop[2];

/* What the event loop learnt, for the vCPU thread. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool restored, go;
static uint64_t marked[MAX_MARKED];
static unsigned int nr_marked;

static void guest_code(void)
{
	READ_ONCE(*(uint64_t *)GOOD);
	GUEST_SYNC(1);
	/* The device is reset here: this read waits for its end. */
	READ_ONCE(*(uint64_t *)GOOD);
	GUEST_SYNC(2);
	/* The page went bad here. */
	READ_ONCE(*(uint64_t *)BAD);
	GUEST_SYNC(3);
}

static void send_msg(enum msg_kind kind, uint64_t arg)
{
	struct msg m = { kind, arg };

	TEST_ASSERT(write(to_loop[1], &m, sizeof(m)) == sizeof(m), "pipe");
}

static void wait_for(bool *flag)
{
	pthread_mutex_lock(&lock);
	while (!*flag)
		pthread_cond_wait(&cond, &lock);
	*flag = false;
	pthread_mutex_unlock(&lock);
}

static bool is_marked(uint64_t gpa)
{
	bool found = false;
	unsigned int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nr_marked; i++)
		found |= marked[i] == gpa;
	pthread_mutex_unlock(&lock);
	return found;
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct kvm_run *run = vcpu->run;
	int r;

	kvm_dmabuf_expect_sync(vcpu, 1);
	send_msg(AT_STAGE, 1);
	wait_for(&go);

	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EFAULT &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
		    (run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_REVOKED),
		    "KVM_RUN %d errno %d, wanted a revoked exit", r, errno);
	send_msg(REVOKED_EXIT, run->memory_fault.gpa);
	/* Run again once the device is back, as the loop will tell. */
	wait_for(&restored);
	kvm_dmabuf_expect_sync(vcpu, 2);
	send_msg(AT_STAGE, 2);
	wait_for(&go);

	r = __vcpu_run(vcpu);
	TEST_ASSERT(r == -1 && errno == EHWPOISON &&
		    (run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_HWPOISON),
		    "KVM_RUN %d errno %d, wanted EHWPOISON", r, errno);
	send_msg(POISON_EXIT, run->memory_fault.gpa);
	return NULL;
}

static void submit_read(struct io_uring *ring, int fd, void *p, size_t len,
			uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	TEST_ASSERT(sqe, "no SQE");
	io_uring_prep_read(sqe, fd, p, len, 0);
	io_uring_sqe_set_data64(sqe, tag);
	TEST_ASSERT(io_uring_submit(ring) == 1, "io_uring_submit");
}

/* A record, as the VMM acts on it. */
static void on_record(const struct kvm_dmabuf_event *ev)
{
	static const char * const names[] = { "?", "poisoned", "revoked",
		"restored", "revoked-for-good", "overflow" };

	printf("# loop: record seq %llu %s slot %u gpa %#llx size %#llx\n",
	       ev->seq, names[ev->kind < 6 ? ev->kind : 0], ev->slot, ev->gpa,
	       ev->size);
	pthread_mutex_lock(&lock);
	switch (ev->kind) {
	case KVM_DMABUF_EVENT_POISONED:
		/* Mark the pages for a machine check / SEA. */
		if (nr_marked < MAX_MARKED)
			marked[nr_marked++] = ev->gpa;
		break;
	case KVM_DMABUF_EVENT_RESTORED:
		restored = true;
		pthread_cond_broadcast(&cond);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&lock);
}

int main(int argc, char *argv[])
{
	struct dma_buf_phys_test_pool pool;
	struct kvm_dmabuf_event recs[4];
	uint64_t poison_exit = 0;
	struct io_uring_cqe *cqe;
	struct kvm_vcpu *vcpu;
	struct io_uring ring;
	unsigned int records = 0;
	struct kvm_vm *vm;
	struct msg m;
	pthread_t t;
	int efd, i;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_EVENTS));
	phys_dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	__TEST_REQUIRE(phys_dev >= 0, "no " DMA_BUF_PHYS_TEST_DEV
		       " (CONFIG_DMABUF_PHYS_TEST)");
	__TEST_REQUIRE(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_POOL, &pool),
		       "no device bound to " DMA_BUF_PHYS_TEST_DRIVER);
	ksft_print_header();
	ksft_set_plan(1);

	buf = kvm_dmabuf_phys_buf(phys_dev, 0, TEST_SIZE);
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE, buf,
					 0);
	kvm_dmabuf_virt_map(vm, TEST_GPA, TEST_GPA, TEST_SIZE);
	efd = kvm_dmabuf_events_fd(vm);
	TEST_ASSERT(!pipe(to_loop), "pipe");
	i = io_uring_queue_init(8, &ring, 0);
	TEST_ASSERT(!i, "io_uring_queue_init: %s", strerror(-i));

	submit_read(&ring, efd, recs, sizeof(recs), TAG_EVENTS);
	submit_read(&ring, to_loop[0], &m, sizeof(m), TAG_VCPU);
	pthread_create(&t, NULL, vcpu_thread, vcpu);

	/* The event loop. */
	while (!poison_exit || !is_marked(poison_exit)) {
		i = io_uring_wait_cqe(&ring, &cqe);
		TEST_ASSERT(!i, "io_uring_wait_cqe: %s", strerror(-i));
		TEST_ASSERT(cqe->res > 0, "read: %s", strerror(-cqe->res));
		if (io_uring_cqe_get_data64(cqe) == TAG_EVENTS) {
			TEST_ASSERT(cqe->res % sizeof(recs[0]) == 0,
				    "a read of %d bytes", cqe->res);
			for (i = 0; i < cqe->res / sizeof(recs[0]); i++)
				on_record(&recs[i]);
			records += cqe->res / sizeof(recs[0]);
			io_uring_cqe_seen(&ring, cqe);
			submit_read(&ring, efd, recs, sizeof(recs), TAG_EVENTS);
			continue;
		}
		io_uring_cqe_seen(&ring, cqe);
		switch (m.kind) {
		case AT_STAGE:
			printf("# loop: vCPU at stage %lu\n", (unsigned long)m.arg);
			/* The test's doing: a device reset, then a bad page. */
			if (m.arg == 1)
				kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
			else
				kvm_dmabuf_phys_poison(phys_dev, buf,
						       BAD - TEST_GPA, PAGE);
			pthread_mutex_lock(&lock);
			go = true;
			pthread_cond_broadcast(&cond);
			pthread_mutex_unlock(&lock);
			break;
		case REVOKED_EXIT:
			printf("# loop: vCPU exit, revoked, gpa %#lx: the reset ends\n",
			       (unsigned long)m.arg);
			kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
			break;
		case POISON_EXIT:
			printf("# loop: vCPU exit, EHWPOISON, gpa %#lx\n",
			       (unsigned long)m.arg);
			poison_exit = m.arg;
			break;
		}
		if (!poison_exit)
			submit_read(&ring, to_loop[0], &m, sizeof(m), TAG_VCPU);
	}
	pthread_join(t, NULL);
	TEST_ASSERT(poison_exit == BAD, "the exit's gpa %#lx, wanted %#llx",
		    (unsigned long)poison_exit, BAD);
	printf("# the vCPU's poison exit at %#lx is the gpa the loop marked\n",
	       (unsigned long)poison_exit);

	io_uring_queue_exit(&ring);
	close(efd);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("io_uring loop: %u records, poison exit at the marked gpa %#lx\n",
			      records, (unsigned long)poison_exit);
	ksft_finished();
}
