// SPDX-License-Identifier: GPL-2.0
/*
 * The event file descriptor of dma-buf slots (KVM_CREATE_DMABUF_EVENTS)
 * and KVM_GET_DMABUF_SLOT_STATE.  With the test exporter
 * (CONFIG_DMABUF_PHYS_TEST): a poison, a revoke, a restore and a revoke for
 * good each give exactly one record, in order, before the guest's exit,
 * which names the same gpa; poison a slot finds at its creation is
 * reported then; an overflow is reported and the state can be asked; a
 * poller and a blocked reader wake; bad input gets its errno; the fd and
 * the VM can go in either order.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvm_dmabuf_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kvm_dmabuf_phys.h"

#define SLOT		10
#define TEST_GPA	0x800000000ULL
#define TEST_SIZE	0x200000ULL
#define PAGE		0x1000ULL
#define BAD_PAGE	3

static int phys_dev;
static unsigned int capacity;

static const char * const kinds[] = {
	[KVM_DMABUF_EVENT_POISONED] = "poisoned",
	[KVM_DMABUF_EVENT_REVOKED] = "revoked",
	[KVM_DMABUF_EVENT_RESTORED] = "restored",
	[KVM_DMABUF_EVENT_REVOKED_FOR_GOOD] = "revoked-for-good",
	[KVM_DMABUF_EVENT_OVERFLOW] = "overflow",
};

static void expect_event(int fd, uint64_t seq, uint32_t kind, uint64_t gpa,
			 uint64_t size)
{
	struct kvm_dmabuf_event ev = kvm_dmabuf_next_event(fd);

	TEST_ASSERT(ev.seq == seq && ev.kind == kind && ev.slot == SLOT &&
		    ev.gpa == gpa && ev.size == size,
		    "record seq %llu %s slot %u gpa %#llx size %#llx, wanted seq %lu %s slot %u gpa %#lx size %#lx",
		    ev.seq, ev.kind < 6 ? kinds[ev.kind] : "?", ev.slot, ev.gpa,
		    ev.size, (unsigned long)seq, kinds[kind], SLOT,
		    (unsigned long)gpa, (unsigned long)size);
	printf("# record: seq %llu %s slot %u gpa %#llx size %#llx\n", ev.seq,
	       kinds[ev.kind], ev.slot, ev.gpa, ev.size);
}

static void expect_no_event(int fd, const char *after)
{
	struct kvm_dmabuf_event ev;
	ssize_t n;
	int fl = fcntl(fd, F_GETFL);

	TEST_ASSERT(!fcntl(fd, F_SETFL, fl | O_NONBLOCK), "O_NONBLOCK");
	n = read(fd, &ev, sizeof(ev));
	TEST_ASSERT(n == -1 && errno == EAGAIN,
		    "after %s: read %zd (kind %u), wanted EAGAIN", after, n,
		    n > 0 ? ev.kind : 0);
	TEST_ASSERT(!fcntl(fd, F_SETFL, fl), "clearing O_NONBLOCK");
}

/* KVM_GET_DMABUF_SLOT_STATE: returns 0 or -errno. */
static int slot_state(struct kvm_vm *vm, uint32_t slot,
		      struct kvm_dmabuf_slot_state *st,
		      struct kvm_dmabuf_poisoned_range *r, uint32_t nr)
{
	memset(st, 0, sizeof(*st));
	st->slot = slot;
	st->nr_poisoned = nr;
	st->poisoned = (uintptr_t)r;
	return __vm_ioctl(vm, KVM_GET_DMABUF_SLOT_STATE, st) ? -errno : 0;
}

static void expect_state(struct kvm_vm *vm, uint32_t state, uint32_t poisoned)
{
	struct kvm_dmabuf_poisoned_range r[4];
	struct kvm_dmabuf_slot_state st;
	int ret = slot_state(vm, SLOT, &st, r, 4);

	TEST_ASSERT(!ret && st.state == state && st.nr_poisoned == poisoned,
		    "state: %d, state %u poisoned %u, wanted state %u poisoned %u",
		    ret, st.state, st.nr_poisoned, state, poisoned);
	if (poisoned)
		TEST_ASSERT(r[0].gpa == TEST_GPA + BAD_PAGE * PAGE &&
			    r[0].size == PAGE,
			    "poisoned range %#llx size %#llx", r[0].gpa,
			    r[0].size);
}

static struct kvm_vm *new_vm(struct kvm_vcpu **vcpu, int buf, uint64_t gva)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, kvm_dmabuf_guest_read);

	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE, buf,
					 0);
	kvm_dmabuf_virt_map(vm, TEST_GPA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(*vcpu, 1, gva);
	return vm;
}

/* KVM_RUN fails with @err and a memory fault exit with @flag at @gpa. */
static void expect_fault_exit(struct kvm_vcpu *vcpu, int err, uint64_t flag,
			      uint64_t gpa)
{
	struct kvm_run *run = vcpu->run;
	int r = __vcpu_run(vcpu);

	TEST_ASSERT(r == -1 && errno == err &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
		    (run->memory_fault.flags & flag) &&
		    run->memory_fault.gpa == gpa,
		    "KVM_RUN %d errno %d exit %s flags %#llx gpa %#llx, wanted errno %d flag %#lx gpa %#lx",
		    r, errno, exit_reason_str(run->exit_reason),
		    run->memory_fault.flags, run->memory_fault.gpa, err,
		    (unsigned long)flag, (unsigned long)gpa);
}

static void test_bad_input(void)
{
	struct kvm_create_dmabuf_events args = { .flags = 1 };
	struct kvm_dmabuf_slot_state st;
	struct kvm_dmabuf_event ev;
	char small[sizeof(ev) - 1];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd, r;

	buf = kvm_dmabuf_phys_buf(phys_dev, 0, TEST_SIZE);
	vm = new_vm(&vcpu, buf, TEST_GPA);
	r = __vm_ioctl(vm, KVM_CREATE_DMABUF_EVENTS, &args);
	TEST_ASSERT(r == -1 && errno == EINVAL, "flags 1: %d errno %d", r,
		    errno);
	args.flags = 0;
	args.reserved[2] = 1;
	r = __vm_ioctl(vm, KVM_CREATE_DMABUF_EVENTS, &args);
	TEST_ASSERT(r == -1 && errno == EINVAL, "reserved: %d errno %d", r,
		    errno);

	fd = kvm_dmabuf_events_fd(vm);
	TEST_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC, "no O_CLOEXEC");
	args.reserved[2] = 0;
	r = __vm_ioctl(vm, KVM_CREATE_DMABUF_EVENTS, &args);
	TEST_ASSERT(r == -1 && errno == EBUSY, "second fd: %d errno %d", r,
		    errno);
	TEST_ASSERT(read(fd, small, sizeof(small)) == -1 && errno == EINVAL,
		    "a read shorter than a record: errno %d", errno);
	expect_no_event(fd, "nothing");
	TEST_ASSERT(write(fd, &ev, sizeof(ev)) == -1 && errno == EBADF,
		    "write: errno %d, wanted EBADF", errno);

	r = slot_state(vm, SLOT + 1, &st, NULL, 0);
	TEST_ASSERT(r == -ENOENT, "no such slot: %d", r);
	r = slot_state(vm, 0, &st, NULL, 0);
	TEST_ASSERT(r == -ENOENT, "a slot that is not a dma-buf's: %d", r);
	r = slot_state(vm, 0xffff, &st, NULL, 0);
	TEST_ASSERT(r == -EINVAL, "slot id out of range: %d", r);
	r = slot_state(vm, 100 << 16 | SLOT, &st, NULL, 0);
	TEST_ASSERT(r == -EINVAL, "address space out of range: %d", r);
	memset(&st, 0, sizeof(st));
	st.slot = SLOT;
	st.pad = 1;
	r = __vm_ioctl(vm, KVM_GET_DMABUF_SLOT_STATE, &st);
	TEST_ASSERT(r == -1 && errno == EINVAL, "pad: %d errno %d", r, errno);
	st.pad = 0;
	st.reserved[3] = 1;
	r = __vm_ioctl(vm, KVM_GET_DMABUF_SLOT_STATE, &st);
	TEST_ASSERT(r == -1 && errno == EINVAL, "reserved: %d errno %d", r,
		    errno);
	kvm_dmabuf_phys_poison(phys_dev, buf, BAD_PAGE * PAGE, PAGE);
	r = slot_state(vm, SLOT, &st, (void *)8, 1);
	TEST_ASSERT(r == -EFAULT, "a bad poisoned pointer: %d", r);

	/* Closed, the fd can be created again. */
	close(fd);
	fd = kvm_dmabuf_events_fd(vm);
	close(fd);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("bad input: EINVAL, EBUSY, ENOENT, EFAULT, short read EINVAL\n");
}

/*
 * Poison, revoke, restore, and revoke for good: one record each, in order,
 * each before the exit that it explains, with the same gpa.
 */
static void test_records_in_order(void)
{
	uint64_t bad = TEST_GPA + BAD_PAGE * PAGE;
	struct kvm_dmabuf_poisoned_range r[1];
	struct kvm_dmabuf_slot_state st;
	char bdf[NAME_MAX + 1], path[PATH_MAX];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd, f;

	buf = kvm_dmabuf_phys_buf(phys_dev, TEST_SIZE, TEST_SIZE);
	vm = new_vm(&vcpu, buf, bad);
	fd = kvm_dmabuf_events_fd(vm);
	kvm_dmabuf_expect_sync(vcpu, 1);
	expect_no_event(fd, "the bind and a guest access");
	expect_state(vm, KVM_DMABUF_SLOT_USABLE, 0);

	kvm_dmabuf_phys_poison(phys_dev, buf, BAD_PAGE * PAGE, PAGE);
	expect_event(fd, 0, KVM_DMABUF_EVENT_POISONED, bad, PAGE);
	expect_fault_exit(vcpu, EHWPOISON, KVM_MEMORY_EXIT_FLAG_HWPOISON, bad);
	kvm_dmabuf_phys_poison(phys_dev, buf, BAD_PAGE * PAGE, PAGE);
	expect_no_event(fd, "a second report of the page");
	expect_state(vm, KVM_DMABUF_SLOT_USABLE, 1);
	TEST_ASSERT(!slot_state(vm, SLOT, &st, r, 1) && st.seq == 1,
		    "state's seq %llu, wanted 1", st.seq);

	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	expect_event(fd, 1, KVM_DMABUF_EVENT_REVOKED, TEST_GPA, TEST_SIZE);
	expect_fault_exit(vcpu, EFAULT, KVM_MEMORY_EXIT_FLAG_REVOKED, bad);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	expect_no_event(fd, "a second revoke");
	expect_state(vm, KVM_DMABUF_SLOT_REVOKED, 1);

	kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
	expect_event(fd, 2, KVM_DMABUF_EVENT_RESTORED, TEST_GPA, TEST_SIZE);
	expect_fault_exit(vcpu, EHWPOISON, KVM_MEMORY_EXIT_FLAG_HWPOISON, bad);
	expect_state(vm, KVM_DMABUF_SLOT_USABLE, 1);

	/* Unbinding the pool device revokes its buffers for good. */
	TEST_ASSERT(phys_bound_device(DMA_BUF_PHYS_TEST_DRIVER, bdf,
				      sizeof(bdf)), "no pool device");
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind",
		 DMA_BUF_PHYS_TEST_DRIVER);
	f = open(path, O_WRONLY);
	TEST_ASSERT(f >= 0 && write(f, bdf, strlen(bdf)) == strlen(bdf),
		    "unbind %s", bdf);
	close(f);
	expect_event(fd, 3, KVM_DMABUF_EVENT_REVOKED_FOR_GOOD, TEST_GPA,
		     TEST_SIZE);
	expect_state(vm, KVM_DMABUF_SLOT_REVOKED_FOR_GOOD, 1);
	f = open("/sys/bus/pci/drivers_probe", O_WRONLY);
	TEST_ASSERT(f >= 0 && write(f, bdf, strlen(bdf)) == strlen(bdf),
		    "probe %s", bdf);
	close(f);
	expect_no_event(fd, "the device's return: the old buffer stays dead");
	expect_fault_exit(vcpu, EFAULT, KVM_MEMORY_EXIT_FLAG_REVOKED, bad);

	close(fd);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("poison, revoke, restore, for good: seq 0-3, the exits' gpa\n");
}

/*
 * A slot bound to a buffer that is revoked and has a poisoned page hears
 * of both at its creation.
 */
static void test_state_before_slot(void)
{
	uint64_t bad = TEST_GPA + BAD_PAGE * PAGE;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd;

	buf = kvm_dmabuf_phys_buf(phys_dev, 2 * TEST_SIZE, TEST_SIZE);
	kvm_dmabuf_phys_poison(phys_dev, buf, BAD_PAGE * PAGE, PAGE);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	vm = vm_create_with_one_vcpu(&vcpu, kvm_dmabuf_guest_read);
	fd = kvm_dmabuf_events_fd(vm);
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, TEST_SIZE, buf,
					 0);
	kvm_dmabuf_virt_map(vm, TEST_GPA, TEST_GPA, TEST_SIZE);
	vcpu_args_set(vcpu, 1, bad);
	expect_event(fd, 0, KVM_DMABUF_EVENT_REVOKED, TEST_GPA, TEST_SIZE);
	expect_event(fd, 1, KVM_DMABUF_EVENT_POISONED, bad, PAGE);
	expect_no_event(fd, "the bind's records");
	expect_fault_exit(vcpu, EFAULT, KVM_MEMORY_EXIT_FLAG_REVOKED, bad);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
	expect_event(fd, 2, KVM_DMABUF_EVENT_RESTORED, TEST_GPA, TEST_SIZE);
	expect_fault_exit(vcpu, EHWPOISON, KVM_MEMORY_EXIT_FLAG_HWPOISON, bad);
	close(fd);
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("revoked and poisoned before the slot: records at its creation\n");
}

/*
 * More records than the queue holds: the first capacity come, then one
 * overflow record that counts the others, then the records that follow;
 * the state lists every poisoned range.
 */
static void test_overflow(void)
{
	unsigned int i, n = capacity + 6;
	struct kvm_dmabuf_poisoned_range *r;
	struct kvm_dmabuf_slot_state st;
	struct kvm_dmabuf_event ev;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd, ret;

	TEST_ASSERT(2 * n < TEST_SIZE / PAGE, "capacity %u too large",
		    capacity);
	r = calloc(n, sizeof(*r));
	buf = kvm_dmabuf_phys_buf(phys_dev, 3 * TEST_SIZE, TEST_SIZE);
	vm = new_vm(&vcpu, buf, TEST_GPA);
	fd = kvm_dmabuf_events_fd(vm);
	/* Every other page: n ranges that do not merge. */
	for (i = 0; i < n; i++)
		kvm_dmabuf_phys_poison(phys_dev, buf, 2 * i * PAGE, PAGE);
	for (i = 0; i < capacity; i++) {
		ev = kvm_dmabuf_next_event(fd);
		TEST_ASSERT(ev.seq == i && ev.kind == KVM_DMABUF_EVENT_POISONED &&
			    ev.gpa == TEST_GPA + 2 * i * PAGE,
			    "record %u: seq %llu kind %u gpa %#llx", i, ev.seq,
			    ev.kind, ev.gpa);
	}
	ev = kvm_dmabuf_next_event(fd);
	TEST_ASSERT(ev.kind == KVM_DMABUF_EVENT_OVERFLOW &&
		    ev.seq == capacity && ev.size == n - capacity &&
		    !ev.slot && !ev.gpa,
		    "overflow record: seq %llu kind %u size %llu, wanted seq %u size %u",
		    ev.seq, ev.kind, ev.size, capacity, n - capacity);
	printf("# record: seq %llu overflow size %llu\n", ev.seq, ev.size);
	expect_no_event(fd, "the overflow record");

	ret = slot_state(vm, SLOT, &st, r, 8);
	TEST_ASSERT(ret == -E2BIG && st.nr_poisoned == n,
		    "state with room for 8: %d, nr_poisoned %u", ret,
		    st.nr_poisoned);
	ret = slot_state(vm, SLOT, &st, r, n);
	TEST_ASSERT(!ret && st.nr_poisoned == n && st.seq == n &&
		    st.state == KVM_DMABUF_SLOT_USABLE,
		    "state: %d, nr_poisoned %u seq %llu state %u", ret,
		    st.nr_poisoned, st.seq, st.state);
	for (i = 0; i < n; i++)
		TEST_ASSERT(r[i].gpa == TEST_GPA + 2 * i * PAGE &&
			    r[i].size == PAGE, "range %u: %#llx size %#llx", i,
			    r[i].gpa, r[i].size);

	/* Queued again, numbered on from the lost ones. */
	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	expect_event(fd, n, KVM_DMABUF_EVENT_REVOKED, TEST_GPA, TEST_SIZE);
	close(fd);
	kvm_vm_free(vm);
	close(buf);
	free(r);
	ksft_test_result_pass("overflow: %u records, overflow of %u, %u ranges\n",
			      capacity, n - capacity, n);
}

struct waiter {
	int fd;
	bool use_poll;
	pid_t tid;
	int64_t woke_ns;
	struct pollfd p;
	struct kvm_dmabuf_event ev;
	ssize_t n;
};

/* EAGAIN at once, with O_NONBLOCK and with RWF_NOWAIT. */
static void expect_nonblocking_reads(int fd)
{
	struct kvm_dmabuf_event ev;
	struct iovec iov = { &ev, sizeof(ev) };

	expect_no_event(fd, "nothing, with a reader blocked");
	TEST_ASSERT(preadv2(fd, &iov, 1, -1, RWF_NOWAIT) == -1 &&
		    errno == EAGAIN, "RWF_NOWAIT read: errno %d", errno);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	WRITE_ONCE(w->tid, gettid());
	if (w->use_poll) {
		w->p.fd = w->fd;
		w->p.events = POLLIN;
		w->n = poll(&w->p, 1, 20000);
	} else {
		w->n = read(w->fd, &w->ev, sizeof(w->ev));
	}
	w->woke_ns = now_ns();
	return NULL;
}

/* Wait until thread @tid sleeps (state S in /proc), or fail. */
static void wait_asleep(pid_t tid)
{
	char path[64], line[256] = "", *p;
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "r");

		TEST_ASSERT(f, "open %s", path);
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
		/* "tid (comm) S ...": the state follows the last ')'. */
		p = strrchr(line, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		usleep(10000);
	}
	TEST_FAIL("thread %d never slept", tid);
}

/*
 * A poller and a blocked reader wake when a record comes; while a reader
 * is blocked, a non-blocking read (O_NONBLOCK, RWF_NOWAIT) does not wait
 * for it.
 */
static void test_wakeups(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct waiter w;
	pthread_t t;
	int64_t sent;
	int buf, i;

	buf = kvm_dmabuf_phys_buf(phys_dev, 4 * TEST_SIZE, TEST_SIZE);
	vm = new_vm(&vcpu, buf, TEST_GPA);
	for (i = 0; i < 2; i++) {
		memset(&w, 0, sizeof(w));
		w.fd = kvm_dmabuf_events_fd(vm);
		w.use_poll = !i;
		pthread_create(&t, NULL, wait_thread, &w);
		while (!READ_ONCE(w.tid))
			usleep(1000);
		wait_asleep(w.tid);
		TEST_ASSERT(!w.woke_ns, "%s returned before the record",
			    i ? "read" : "poll");
		if (i)
			expect_nonblocking_reads(w.fd);
		sent = now_ns();
		kvm_dmabuf_phys_revoke(phys_dev, buf, !i);
		pthread_join(t, NULL);
		if (w.use_poll)
			TEST_ASSERT(w.n == 1 && (w.p.revents & POLLIN),
				    "poll %zd revents %#x", w.n, w.p.revents);
		else
			TEST_ASSERT(w.n == sizeof(w.ev) &&
				    w.ev.kind == KVM_DMABUF_EVENT_RESTORED,
				    "read %zd kind %u", w.n, w.ev.kind);
		TEST_ASSERT(w.woke_ns >= sent, "woke before the record");
		close(w.fd);
	}
	kvm_vm_free(vm);
	close(buf);
	ksft_test_result_pass("poll and a blocked read wake; others do not wait\n");
}

/* The fd and the VM go in either order; the VM's end reads as EOF. */
static void test_teardown(void)
{
	struct kvm_dmabuf_event ev[2];
	struct pollfd p;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int buf, fd;

	buf = kvm_dmabuf_phys_buf(phys_dev, 5 * TEST_SIZE, TEST_SIZE);

	/* The fd first. */
	vm = new_vm(&vcpu, buf, TEST_GPA);
	fd = kvm_dmabuf_events_fd(vm);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	close(fd);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
	kvm_vm_free(vm);

	/* The VM first: its queued record, then end of file and EPOLLHUP. */
	vm = new_vm(&vcpu, buf, TEST_GPA);
	fd = kvm_dmabuf_events_fd(vm);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 1);
	kvm_vm_free(vm);
	kvm_dmabuf_phys_revoke(phys_dev, buf, 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	TEST_ASSERT(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) &&
		    (p.revents & POLLIN), "poll after the VM: %#x", p.revents);
	TEST_ASSERT(read(fd, ev, sizeof(ev)) == sizeof(ev[0]) &&
		    ev[0].kind == KVM_DMABUF_EVENT_REVOKED,
		    "the record queued before the VM went");
	TEST_ASSERT(read(fd, ev, sizeof(ev)) == 0, "no end of file");
	close(fd);
	close(buf);
	ksft_test_result_pass("teardown: fd then VM, VM then fd (EOF, EPOLLHUP)\n");
}

int main(int argc, char *argv[])
{
	struct dma_buf_phys_test_pool pool;

	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_EVENTS));
	capacity = kvm_check_cap(KVM_CAP_DMABUF_EVENTS);
	phys_dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	__TEST_REQUIRE(phys_dev >= 0, "no " DMA_BUF_PHYS_TEST_DEV
		       " (CONFIG_DMABUF_PHYS_TEST)");
	__TEST_REQUIRE(!ioctl(phys_dev, DMA_BUF_PHYS_TEST_POOL, &pool),
		       "no device bound to " DMA_BUF_PHYS_TEST_DRIVER);
	TEST_ASSERT(pool.size >= 6 * TEST_SIZE, "pool of %#llx bytes",
		    (unsigned long long)pool.size);

	ksft_print_header();
	ksft_set_plan(6);
	ksft_print_msg("queue capacity %u records\n", capacity);
	test_bad_input();
	test_records_in_order();
	test_state_before_slot();
	test_overflow();
	test_wakeups();
	test_teardown();
	ksft_finished();
}
