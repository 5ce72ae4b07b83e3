// SPDX-License-Identifier: GPL-2.0-only
/*
 * The events of a VM's dma-buf slots, for the VMM: a file descriptor
 * (KVM_CREATE_DMABUF_EVENTS) that yields one struct kvm_dmabuf_event per
 * poison, revoke, restore and revoke for good, in the order they happened,
 * and that the VMM can poll(), read() and wait on with io_uring.
 *
 * One queue per VM, not per slot: a VMM re-creates a BAR's slots whenever
 * the guest moves the BAR or toggles memory decoding, and a per-slot fd
 * would have to be re-armed each time, with events lost in between; the
 * records of every slot in one order let the VMM replay them as they came.
 *
 * The records are queued by virt/kvm/dmabuf.c from the exporter's
 * callbacks, under the buffer's dma_resv lock, before the callback returns
 * and before a fault on the memory can see the change: a VMM that reads a
 * record before it handles the vCPU's exit finds them in agreement.
 *
 * The queue holds KVM_DMABUF_EVENTS_MAX records.  Once it is full, the
 * records that follow are lost, counted, until the reader has read every
 * queued record; the reader then reads one KVM_DMABUF_EVENT_OVERFLOW
 * record with the sequence number of the first lost record and their
 * number, and asks each slot's state with KVM_GET_DMABUF_SLOT_STATE.  A
 * lost record still takes its sequence number: the numbers stay gapless.
 *
 * Locks and lifetime:
 *  - struct kvm_dmabuf_events is created on the first
 *    KVM_CREATE_DMABUF_EVENTS, under kvm->lock, and lives until both the
 *    VM (kvm_dmabuf_events_destroy()) and the last file put it (kref);
 *  - ev->lock, a spinlock, protects the queue, the sequence number and the
 *    open and dead flags; it is taken under dma_resv (by the callbacks),
 *    and nothing is taken under it;
 *  - ev->read_lock serialises readers, so that a record is copied before
 *    it leaves the queue: a fault on the reader's buffer loses nothing.
 *    A reader does not hold it while it waits, and a non-blocking reader
 *    only tries it;
 *  - one file at a time: a second KVM_CREATE_DMABUF_EVENTS while one is
 *    open fails with EBUSY; after its release a new file starts with an
 *    empty queue, and with the sequence numbers where the last one left;
 *  - while no file is open, nothing is queued and no number is taken;
 *  - the file does not hold the VM: after the VM is destroyed, read()
 *    returns the queued records and then 0, and poll() reports EPOLLHUP.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/kvm_host.h>
#include <linux/kvm_dmabuf.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uio.h>
#include <linux/wait.h>

/* The records a queue holds, as KVM_CHECK_EXTENSION reports it. */
#define KVM_DMABUF_EVENTS_MAX	64

struct kvm_dmabuf_events {
	struct kref kref;
	/* Protects what follows wq; taken under dma_resv. */
	spinlock_t lock;
	wait_queue_head_t wq;
	/* Serialises readers: a record leaves the queue once copied. */
	struct mutex read_lock;
	/* Under lock. */
	bool open;
	bool dead;
	u64 seq;
	u64 lost;
	u64 lost_seq;
	unsigned int head;
	unsigned int count;
	struct kvm_dmabuf_event ring[KVM_DMABUF_EVENTS_MAX];
};

/**
 * kvm_dmabuf_events_capacity - what KVM_CHECK_EXTENSION(KVM_CAP_DMABUF_EVENTS)
 *	returns
 *
 * Return: the number of records the queue holds.
 */
int kvm_dmabuf_events_capacity(void)
{
	return KVM_DMABUF_EVENTS_MAX;
}

static void kvm_dmabuf_events_free(struct kref *kref)
{
	kfree(container_of(kref, struct kvm_dmabuf_events, kref));
}

/**
 * kvm_dmabuf_event - queue a record for the VMM
 * @kvm: the VM
 * @kind: KVM_DMABUF_EVENT_*, other than KVM_DMABUF_EVENT_OVERFLOW
 * @slot: the slot, as in KVM_SET_USER_MEMORY_REGION2 (address space << 16
 *	| id)
 * @gpa: the first guest physical address the record is about
 * @size: the bytes from @gpa it is about
 *
 * Nothing is queued while no file is open.
 *
 * Context: the buffer's dma_resv lock held, by the exporter's callbacks;
 * takes ev->lock.
 */
void kvm_dmabuf_event(struct kvm *kvm, u32 kind, u32 slot, u64 gpa, u64 size)
{
	/* Pairs with the release in kvm_dmabuf_events_create(). */
	struct kvm_dmabuf_events *ev = smp_load_acquire(&kvm->dmabuf_events);
	struct kvm_dmabuf_event *rec;
	u64 seq;

	if (!ev)
		return;
	spin_lock(&ev->lock);
	if (!ev->open) {
		spin_unlock(&ev->lock);
		return;
	}
	seq = ev->seq++;
	if (ev->lost || ev->count == KVM_DMABUF_EVENTS_MAX) {
		if (!ev->lost++)
			ev->lost_seq = seq;
	} else {
		rec = &ev->ring[(ev->head + ev->count) % KVM_DMABUF_EVENTS_MAX];
		*rec = (struct kvm_dmabuf_event) {
			.seq = seq,
			.kind = kind,
			.slot = slot,
			.gpa = gpa,
			.size = size,
		};
		ev->count++;
	}
	spin_unlock(&ev->lock);
	wake_up_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * kvm_dmabuf_events_seq - the sequence number the next record will take
 * @kvm: the VM
 *
 * Context: the buffer's dma_resv lock held, so that the answer is ordered
 * with the records of that buffer's callbacks; takes ev->lock.
 *
 * Return: the number; 0 if the VM never had an event file.
 */
u64 kvm_dmabuf_events_seq(struct kvm *kvm)
{
	/* Pairs with the release in kvm_dmabuf_events_create(). */
	struct kvm_dmabuf_events *ev = smp_load_acquire(&kvm->dmabuf_events);
	u64 seq;

	if (!ev)
		return 0;
	spin_lock(&ev->lock);
	seq = ev->seq;
	spin_unlock(&ev->lock);
	return seq;
}

/*
 * The record at the head of the queue, or the overflow record once the
 * queue has drained.  0 if there is none, 1 for a queued record, 2 for the
 * overflow record.
 */
static int kvm_dmabuf_events_peek(struct kvm_dmabuf_events *ev,
				  struct kvm_dmabuf_event *rec, bool *dead)
{
	int ret = 0;

	spin_lock(&ev->lock);
	if (ev->count) {
		*rec = ev->ring[ev->head];
		ret = 1;
	} else if (ev->lost) {
		*rec = (struct kvm_dmabuf_event) {
			.seq = ev->lost_seq,
			.kind = KVM_DMABUF_EVENT_OVERFLOW,
			.size = ev->lost,
		};
		ret = 2;
	}
	*dead = ev->dead;
	spin_unlock(&ev->lock);
	return ret;
}

/* Drop what kvm_dmabuf_events_peek() returned; read_lock held. */
static void kvm_dmabuf_events_pop(struct kvm_dmabuf_events *ev,
				  const struct kvm_dmabuf_event *rec, int what)
{
	spin_lock(&ev->lock);
	if (what == 1) {
		ev->head = (ev->head + 1) % KVM_DMABUF_EVENTS_MAX;
		ev->count--;
	} else {
		/* Records lost since the peek are reported next time. */
		ev->lost -= rec->size;
		ev->lost_seq += rec->size;
	}
	spin_unlock(&ev->lock);
}

static bool kvm_dmabuf_events_ready(struct kvm_dmabuf_events *ev)
{
	bool ready;

	spin_lock(&ev->lock);
	ready = ev->count || ev->lost || ev->dead;
	spin_unlock(&ev->lock);
	return ready;
}

static ssize_t kvm_dmabuf_events_read_iter(struct kiocb *iocb,
					   struct iov_iter *to)
{
	struct kvm_dmabuf_events *ev = iocb->ki_filp->private_data;
	bool nowait = (iocb->ki_filp->f_flags & O_NONBLOCK) ||
		      (iocb->ki_flags & IOCB_NOWAIT);
	struct kvm_dmabuf_event rec;
	ssize_t copied = 0;
	bool dead = false;
	int what, err = 0;

	if (iov_iter_count(to) < sizeof(rec))
		return -EINVAL;

	/* read_lock is not held while waiting, so as not to block others. */
	for (;;) {
		if (nowait) {
			if (!mutex_trylock(&ev->read_lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&ev->read_lock)) {
			return -ERESTARTSYS;
		}
		while (iov_iter_count(to) >= sizeof(rec)) {
			what = kvm_dmabuf_events_peek(ev, &rec, &dead);
			if (!what)
				break;
			if (copy_to_iter(&rec, sizeof(rec), to) != sizeof(rec)) {
				err = -EFAULT;
				break;
			}
			kvm_dmabuf_events_pop(ev, &rec, what);
			copied += sizeof(rec);
		}
		mutex_unlock(&ev->read_lock);
		if (copied)
			return copied;
		if (err || dead)
			return err;
		if (nowait)
			return -EAGAIN;
		if (wait_event_interruptible(ev->wq,
					     kvm_dmabuf_events_ready(ev)))
			return -ERESTARTSYS;
	}
}

static __poll_t kvm_dmabuf_events_poll(struct file *file, poll_table *wait)
{
	struct kvm_dmabuf_events *ev = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ev->wq, wait);
	spin_lock(&ev->lock);
	if (ev->count || ev->lost)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (ev->dead)
		mask |= EPOLLHUP;
	spin_unlock(&ev->lock);
	return mask;
}

static int kvm_dmabuf_events_release(struct inode *inode, struct file *file)
{
	struct kvm_dmabuf_events *ev = file->private_data;

	spin_lock(&ev->lock);
	ev->open = false;
	ev->count = 0;
	ev->lost = 0;
	spin_unlock(&ev->lock);
	kref_put(&ev->kref, kvm_dmabuf_events_free);
	return 0;
}

static const struct file_operations kvm_dmabuf_events_fops = {
	.owner = THIS_MODULE,
	.read_iter = kvm_dmabuf_events_read_iter,
	.poll = kvm_dmabuf_events_poll,
	.release = kvm_dmabuf_events_release,
	.llseek = noop_llseek,
};

/**
 * kvm_dmabuf_events_create - KVM_CREATE_DMABUF_EVENTS
 * @kvm: the VM
 * @argp: struct kvm_create_dmabuf_events, all zero
 *
 * Context: process context; takes kvm->lock.
 *
 * Return: a new file descriptor, O_CLOEXEC and read-only; -EFAULT;
 * -EINVAL for a flag or a reserved field that is not 0; -EBUSY while the
 * VM has an event file open; -ENOMEM; -EMFILE.
 */
int kvm_dmabuf_events_create(struct kvm *kvm,
			     struct kvm_create_dmabuf_events __user *argp)
{
	struct kvm_create_dmabuf_events args;
	struct kvm_dmabuf_events *ev;
	struct file *file;
	int fd, ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags || memchr_inv(args.reserved, 0, sizeof(args.reserved)))
		return -EINVAL;

	mutex_lock(&kvm->lock);
	ev = kvm->dmabuf_events;
	if (!ev) {
		ret = -ENOMEM;
		ev = kzalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
		if (!ev)
			goto out;
		kref_init(&ev->kref);
		spin_lock_init(&ev->lock);
		init_waitqueue_head(&ev->wq);
		mutex_init(&ev->read_lock);
		/* The record is for readers without kvm->lock. */
		smp_store_release(&kvm->dmabuf_events, ev);
	}
	ret = -EBUSY;
	if (READ_ONCE(ev->open))
		goto out;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	file = anon_inode_getfile("kvm-dmabuf-events", &kvm_dmabuf_events_fops,
				  ev, O_RDONLY | O_CLOEXEC);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		ret = PTR_ERR(file);
		goto out;
	}
	file->f_mode |= FMODE_NOWAIT;
	kref_get(&ev->kref);
	spin_lock(&ev->lock);
	ev->open = true;
	spin_unlock(&ev->lock);
	fd_install(fd, file);
	ret = fd;
out:
	mutex_unlock(&kvm->lock);
	return ret;
}

/**
 * kvm_dmabuf_events_destroy - the VM is going away
 * @kvm: the VM, being destroyed, with no dma-buf slot bound any more
 *
 * An open file keeps its records, then reads 0 and polls EPOLLHUP.
 */
void kvm_dmabuf_events_destroy(struct kvm *kvm)
{
	struct kvm_dmabuf_events *ev = kvm->dmabuf_events;

	if (!ev)
		return;
	spin_lock(&ev->lock);
	ev->dead = true;
	spin_unlock(&ev->lock);
	wake_up_poll(&ev->wq, EPOLLHUP);
	kvm->dmabuf_events = NULL;
	kref_put(&ev->kref, kvm_dmabuf_events_free);
}
