// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM memory slots bound to a dma-buf (KVM_MEM_DMABUF): the slot's memory
 * is a range of the buffer, which KVM imports as a physical importer
 * (include/linux/dma-buf-phys.h).  There is no host mapping: faults take
 * the physical address from the binding.
 *
 * What a fault needs (the ranges, the attribute, the poisoned pages) is
 * read without a lock:
 *  - the ranges and the attribute are a snapshot, struct kvm_dmabuf_snap,
 *    copied from the exporter's mapping and published with RCU.  Only the
 *    holder of the buffer's dma_resv lock replaces it: invalidate_mappings
 *    clears it, zaps, then maps the buffer again to learn the exporter's
 *    new state and publishes the result if there is one (a restore); a
 *    fault that finds no snapshot maps the buffer itself.  A fault reads
 *    it under rcu_read_lock() and takes dma_resv only when there is none,
 *    while the buffer is revoked;
 *  - the poisoned pages are a maple tree indexed by page of the buffer,
 *    one entry per poisoned range (a second report of a page changes
 *    nothing), looked up in O(log n) under RCU; entries are only added,
 *    under the buffer's dma_resv lock, for as long as the binding lives;
 *  - a fault is ordered against revocation by mmu_invalidate_seq alone, as
 *    for MMU notifiers: it reads the sequence, then the snapshot and the
 *    poison tree, and installs its mapping only if the sequence has not
 *    moved (checked under mmu_lock).  invalidate_mappings clears the
 *    snapshot, and poison_notify adds to the tree, before it bumps the
 *    sequence and zaps; a full barrier orders the two, pairing with the
 *    smp_rmb() that follows the fault's read of the sequence.  A fault
 *    that saw the old snapshot therefore retries, and one that saw the new
 *    sequence sees the new snapshot and the poisoned pages;
 *  - a fault that maps a single page maps its neighbours with it
 *    (kvm_dmabuf_fault_around()), reading the snapshot and the poison
 *    tree under mmu_lock: the callbacks change both before they take
 *    mmu_lock to zap, so what it maps is current or zapped after it.
 *
 * Locks:
 *  - bind and unbind run under kvm->slots_lock and take the buffer's
 *    dma_resv lock: slots_lock nests outside dma_resv;
 *  - the exporter calls invalidate_mappings and poison_notify with
 *    dma_resv held; they take kvm->mmu_lock (dma_resv nests outside
 *    mmu_lock) and never slots_lock.  Until the slot's architecture data
 *    exists (the x86 rmaps), they record but do not zap: no mapping can
 *    exist yet;
 *  - the VMM's event records (dmabuf_events.c) are queued by these
 *    callbacks and by kvm_dmabuf_activate(), under dma_resv, before the
 *    change can be seen by a fault; the queue's spinlock nests inside
 *    dma_resv and is taken under no other lock of this file;
 *  - KVM's own reads and writes of the slot (kvm_read_guest() and the
 *    like, and on x86 the page-table walker's reads and its and the
 *    emulator's compare-and-exchange, kvm_dmabuf_cmpxchg_page()) take
 *    dma_resv inside kvm->srcu and vcpu->mutex, which invalidate_mappings
 *    never waits for, so that a revoke waits for an access in flight.
 *
 * The dmabuf_fault_locked parameter makes every fault take dma_resv and
 * look up under it, and map no neighbours, as faults did before they were
 * lockless: it exists for the fault-rate comparison of
 * dmabuf_fault_rate_test, which sets it between passes in one boot, and
 * changes nothing else.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-phys.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kvm_host.h>
#include <linux/kvm_dmabuf.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kvm_mm.h"

MODULE_IMPORT_NS(DMA_BUF);

static bool dmabuf_fault_locked;
module_param(dmabuf_fault_locked, bool, 0644);
MODULE_PARM_DESC(dmabuf_fault_locked,
		 "For benchmarks: dma-buf slot faults take the buffer's lock");

static unsigned int dmabuf_fault_around = 16;
module_param(dmabuf_fault_around, uint, 0644);
MODULE_PARM_DESC(dmabuf_fault_around,
		 "Pages a fault on a dma-buf slot maps around the page it maps (a power of two, at most 64; 0, 1: none)");

/* The largest block any architecture maps, in pages. */
#define KVM_DMABUF_MAX_BLOCK_PAGES	(PUD_SIZE >> PAGE_SHIFT)

/**
 * struct kvm_dmabuf_range - a range of the exporter's mapping
 * @start: the buffer offset at which the range starts
 * @vec: the range
 */
struct kvm_dmabuf_range {
	u64 start;
	struct dma_buf_phys_vec vec;
};

/**
 * struct kvm_dmabuf_snap - what a fault needs of the exporter's mapping
 * @rcu: freed after a grace period
 * @attr: the memory attribute of every range
 * @nr_ranges: number of ranges
 * @ranges: the ranges, in buffer order
 */
struct kvm_dmabuf_snap {
	struct rcu_head rcu;
	enum dma_buf_mem_attr attr;
	unsigned int nr_ranges;
	struct kvm_dmabuf_range ranges[] __counted_by(nr_ranges);
};

struct kvm_dmabuf {
	struct kvm *kvm;
	struct kvm_memory_slot *slot;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	/* Offset of the slot's first page in the buffer. */
	u64 offset;
	/*
	 * Under the buffer's dma_resv: the exporter's mapping, until the next
	 * invalidate_mappings; the slot's architecture data exists (set once).
	 */
	struct dma_buf_phys_list *phys;
	bool active;
	/*
	 * Under dma_resv: KVM_DMABUF_SLOT_USABLE, _REVOKED or
	 * _REVOKED_FOR_GOOD, as the exporter last said.
	 */
	u32 state;
	/* Replaced under dma_resv, read under RCU: see the top of the file. */
	struct kvm_dmabuf_snap __rcu *snap;
	/*
	 * The pages of the buffer the exporter reported poisoned, by page
	 * index: added to under dma_resv, read under RCU.
	 */
	struct maple_tree poisoned;
};

/*
 * Map the buffer and make its snapshot, for kvm_dmabuf_publish().  Called
 * with the buffer's dma_resv lock held, when there is no snapshot.
 * Returns the exporter's error as is: -ENODEV while revoked, -ENXIO once
 * revoked for good.
 */
static struct kvm_dmabuf_snap *
kvm_dmabuf_map_snap(struct kvm_dmabuf *kd, struct dma_buf_phys_list **physp)
{
	struct kvm_dmabuf_snap *snap;
	struct dma_buf_phys_list *phys;
	unsigned int i;
	u64 sum = 0;
	int ret;

	dma_resv_assert_held(kd->dmabuf->resv);
	phys = dma_buf_pal_map_phys(kd->attach);
	if (IS_ERR(phys))
		return ERR_CAST(phys);

	ret = -ENOMEM;
	snap = kvmalloc(struct_size(snap, ranges, phys->length),
			GFP_KERNEL_ACCOUNT);
	if (!snap)
		goto err_unmap;
	snap->nr_ranges = phys->length;
	for (i = 0; i < phys->length; i++) {
		snap->ranges[i].start = sum;
		snap->ranges[i].vec = phys->phys[i];
		sum += phys->phys[i].len;
	}
	ret = -EIO;
	if (WARN_ON_ONCE(sum != kd->dmabuf->size))
		goto err_free;
	/* An attribute this code does not know is one it cannot map. */
	ret = -EINVAL;
	if (phys->attr >= DMA_BUF_MEM_NR)
		goto err_free;
	snap->attr = phys->attr;
	*physp = phys;
	return snap;

err_free:
	kvfree(snap);
err_unmap:
	dma_buf_pal_unmap_phys(kd->attach, phys);
	return ERR_PTR(ret);
}

/* Let faults use what kvm_dmabuf_map_snap() made.  dma_resv held. */
static void kvm_dmabuf_publish(struct kvm_dmabuf *kd,
			       struct dma_buf_phys_list *phys,
			       struct kvm_dmabuf_snap *snap)
{
	kd->phys = phys;
	rcu_assign_pointer(kd->snap, snap);
}

/* Map the buffer and publish its snapshot.  dma_resv held. */
static int kvm_dmabuf_map(struct kvm_dmabuf *kd)
{
	struct dma_buf_phys_list *phys;
	struct kvm_dmabuf_snap *snap;

	snap = kvm_dmabuf_map_snap(kd, &phys);
	if (IS_ERR(snap))
		return PTR_ERR(snap);
	kvm_dmabuf_publish(kd, phys, snap);
	return 0;
}

/*
 * Withdraw the snapshot and give the mapping back.  dma_resv held; the
 * caller has ordered the withdrawal before its zap, or no fault can reach
 * the slot any more.
 */
static void kvm_dmabuf_unmap(struct kvm_dmabuf *kd)
{
	struct kvm_dmabuf_snap *snap;

	snap = rcu_replace_pointer(kd->snap, NULL,
				   dma_resv_held(kd->dmabuf->resv));
	if (snap)
		kvfree_rcu(snap, rcu);
	if (!kd->phys)
		return;
	dma_buf_pal_unmap_phys(kd->attach, kd->phys);
	kd->phys = NULL;
}

/*
 * Remove the stage-2 (or TDP) mappings of the buffer range [@start, @end)
 * from the slot, and flush the TLBs.  @widen asks for the invalidation to
 * cover every block that can hold the range, not only the range: a fault
 * racing with a zap that yields mmu_lock (the x86 rmap walk) must not
 * install, next to the range, a block over it.  Called with the buffer's
 * dma_resv lock held, after the caller withdrew what it revokes.
 */
static void kvm_dmabuf_zap(struct kvm_dmabuf *kd, u64 start, u64 end,
			   bool widen)
{
	struct kvm_memory_slot *slot = kd->slot;
	u64 first = kd->offset, last = kd->offset + (slot->npages << PAGE_SHIFT);
	gfn_t slot_end = slot->base_gfn + slot->npages;
	struct kvm *kvm = kd->kvm;
	struct kvm_gfn_range range = {
		.slot = slot,
		.may_block = true,
		.attr_filter = KVM_FILTER_SHARED,
	};

	/* Before the slot's architecture data exists, nothing is mapped. */
	if (!kd->active)
		return;
	start = max(start, first);
	end = min(end, last);
	if (start >= end)
		return;
	range.start = slot->base_gfn + ((start - first) >> PAGE_SHIFT);
	range.end = slot->base_gfn + (ALIGN(end - first, PAGE_SIZE) >> PAGE_SHIFT);

	/* Pairs with the smp_rmb() after a fault reads mmu_invalidate_seq. */
	smp_mb();
	KVM_MMU_LOCK(kvm);
	kvm_mmu_invalidate_begin(kvm);
	if (widen) {
		gfn_t wstart = ALIGN_DOWN(range.start, KVM_DMABUF_MAX_BLOCK_PAGES);
		gfn_t wend = ALIGN(range.end, KVM_DMABUF_MAX_BLOCK_PAGES);

		kvm_mmu_invalidate_range_add(kvm, max(slot->base_gfn, wstart),
					     min(slot_end, wend));
	}
	/* Adds the range to the invalidation, for mmu_invalidate_retry_gfn(). */
	if (kvm_mmu_unmap_gfn_range(kvm, &range))
		kvm_flush_remote_tlbs(kvm);
	kvm_mmu_invalidate_end(kvm);
	KVM_MMU_UNLOCK(kvm);
}

/* Does [@start, @end) of the buffer hold poisoned memory?  Lockless. */
static bool kvm_dmabuf_poisoned(struct kvm_dmabuf *kd, u64 start, u64 end)
{
	unsigned long index = start >> PAGE_SHIFT;

	if (mtree_empty(&kd->poisoned))
		return false;
	return mt_find(&kd->poisoned, &index, (end - 1) >> PAGE_SHIFT);
}

/*
 * Queue an event record for the buffer range [@start, @end), clipped to
 * the slot; nothing outside the slot, nothing before the slot is active.
 * dma_resv held.
 */
static void kvm_dmabuf_event_range(struct kvm_dmabuf *kd, u32 kind, u64 start,
				   u64 end)
{
	struct kvm_memory_slot *slot = kd->slot;
	u64 first = kd->offset, last = first + (slot->npages << PAGE_SHIFT);

	start = max(start, first);
	end = min(end, last);
	if (!kd->active || start >= end)
		return;
	kvm_dmabuf_event(kd->kvm, kind, (u32)slot->as_id << 16 | slot->id,
			 gfn_to_gpa(slot->base_gfn) + (start - first),
			 end - start);
}

/* What a map of the buffer says of the exporter's state. */
static u32 kvm_dmabuf_map_state(int ret)
{
	if (ret == -ENXIO)
		return KVM_DMABUF_SLOT_REVOKED_FOR_GOOD;
	if (ret == -ENODEV)
		return KVM_DMABUF_SLOT_REVOKED;
	/* A failure of KVM's own after a successful map is not a revoke. */
	return KVM_DMABUF_SLOT_USABLE;
}

/*
 * The exporter revokes, restores or moves the buffer: called with its
 * dma_resv lock held, after the exporter has its new state in place.  When
 * this returns, the guest reaches none of the old ranges, and the VMM has
 * the record of what changed.
 */
static void kvm_dmabuf_invalidate_mappings(struct dma_buf_attachment *attach)
{
	static const u32 kinds[] = {
		[KVM_DMABUF_SLOT_USABLE] = KVM_DMABUF_EVENT_RESTORED,
		[KVM_DMABUF_SLOT_REVOKED] = KVM_DMABUF_EVENT_REVOKED,
		[KVM_DMABUF_SLOT_REVOKED_FOR_GOOD] =
			KVM_DMABUF_EVENT_REVOKED_FOR_GOOD,
	};
	struct kvm_dmabuf *kd = attach->importer_priv;
	struct dma_buf_phys_list *phys;
	struct kvm_dmabuf_snap *snap;
	u32 state;

	/* Withdrawn first: a fault that sees the new sequence maps nothing. */
	snap = rcu_replace_pointer(kd->snap, NULL,
				   dma_resv_held(kd->dmabuf->resv));
	kvm_dmabuf_zap(kd, 0, U64_MAX, false);
	if (snap)
		kvfree_rcu(snap, rcu);
	kvm_dmabuf_unmap(kd);
	if (kd->state == KVM_DMABUF_SLOT_REVOKED_FOR_GOOD)
		return;

	/*
	 * Ask the exporter what it now is, by mapping the buffer again: a
	 * restore then needs no fault to map it, and a fault that read the
	 * sequence before the zap above retries as for any invalidation.
	 * The record goes before the new mapping is published.
	 */
	snap = kvm_dmabuf_map_snap(kd, &phys);
	state = kvm_dmabuf_map_state(IS_ERR(snap) ? PTR_ERR(snap) : 0);
	if (state != kd->state) {
		kd->state = state;
		kvm_dmabuf_event_range(kd, kinds[state], 0, U64_MAX);
	}
	if (!IS_ERR(snap))
		kvm_dmabuf_publish(kd, phys, snap);
}

/*
 * Queue a poisoned record for each run of the pages [@first, @last] of the
 * buffer that kd->poisoned holds (@known), or does not hold yet (!@known).
 * dma_resv held.
 */
static void kvm_dmabuf_event_poison(struct kvm_dmabuf *kd,
				    unsigned long first, unsigned long last,
				    bool known)
{
	MA_STATE(mas, &kd->poisoned, first, first);
	unsigned long next = first;
	void *entry;

	rcu_read_lock();
	mas_for_each(&mas, entry, last) {
		u64 start = max(mas.index, first), end = min(mas.last, last);

		if (known)
			kvm_dmabuf_event_range(kd, KVM_DMABUF_EVENT_POISONED,
					       start << PAGE_SHIFT,
					       (end + 1) << PAGE_SHIFT);
		else if (start > next)
			kvm_dmabuf_event_range(kd, KVM_DMABUF_EVENT_POISONED,
					       (u64)next << PAGE_SHIFT,
					       start << PAGE_SHIFT);
		next = end + 1;
		if (end >= last)
			break;
	}
	rcu_read_unlock();
	if (!known && next <= last)
		kvm_dmabuf_event_range(kd, KVM_DMABUF_EVENT_POISONED,
				       (u64)next << PAGE_SHIFT,
				       ((u64)last + 1) << PAGE_SHIFT);
}

/*
 * The exporter reports poisoned memory: called with its dma_resv lock
 * held.  When this returns, the guest reaches none of the range, and every
 * later fault on it ends KVM_RUN with EHWPOISON.
 */
static void kvm_dmabuf_poison_notify(struct dma_buf_attachment *attach,
				     u64 offset, u64 len)
{
	struct kvm_dmabuf *kd = attach->importer_priv;
	u64 end;

	if (!len || offset >= kd->dmabuf->size)
		return;
	if (check_add_overflow(offset, len, &end) || end > kd->dmabuf->size)
		end = kd->dmabuf->size;
	/*
	 * A callback cannot fail, and a lost record would let the range be
	 * mapped again: the few bytes are worth waiting for.  They are the
	 * kernel's, not the task's that happens to run memory_failure(), and
	 * bounded by one entry per page of the buffer.
	 */
	kvm_dmabuf_event_poison(kd, offset >> PAGE_SHIFT,
				(end - 1) >> PAGE_SHIFT, false);
	mtree_store_range(&kd->poisoned, offset >> PAGE_SHIFT,
			  (end - 1) >> PAGE_SHIFT, xa_mk_value(1),
			  GFP_KERNEL | __GFP_NOFAIL);
	kvm_dmabuf_zap(kd, offset, end, true);
}

static const struct dma_buf_attach_ops kvm_dmabuf_attach_ops = {
	.invalidate_mappings = kvm_dmabuf_invalidate_mappings,
	.poison_notify = kvm_dmabuf_poison_notify,
};

/**
 * kvm_dmabuf_bind - bind a new memory slot to a range of a dma-buf
 * @kvm: the VM
 * @slot: the slot being created, with KVM_MEM_DMABUF; not yet visible
 * @fd: the dma-buf's file descriptor; it may be closed after the call
 * @offset: offset of the slot's first page in the buffer
 *
 * The exporter's callbacks may run from here on; they zap nothing until
 * kvm_dmabuf_activate() says the slot's architecture data exists.
 *
 * Context: kvm->slots_lock held.
 *
 * Return: 0; -EBADF for a bad @fd, -EINVAL for an fd that is not a
 * dma-buf, a misaligned @offset or a slot that does not fit in the buffer;
 * -EACCES for a buffer not opened for reading, or opened read-only and a
 * writable slot; -EOPNOTSUPP for an exporter that does not offer physical
 * address lists; -EINVAL for memory whose attribute the architecture
 * cannot map safely (on arm64, cacheable memory other than RAM without
 * FEAT_S2FWB, or any cacheable memory with MTE); -ENODEV for a buffer
 * revoked for good.
 */
int kvm_dmabuf_bind(struct kvm *kvm, struct kvm_memory_slot *slot,
		    unsigned int fd, u64 offset)
{
	const struct dma_buf_mapping_match pal = DMA_BUF_IMAPPING_PAL();
	u64 size = (u64)slot->npages << PAGE_SHIFT, end;
	struct dma_buf_attachment *attach;
	struct kvm_dmabuf_snap *snap;
	struct dma_buf *dmabuf;
	struct kvm_dmabuf *kd;
	int ret;

	lockdep_assert_held(&kvm->slots_lock);

	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	ret = -EINVAL;
	if (!PAGE_ALIGNED(offset) || check_add_overflow(offset, size, &end) ||
	    end > dmabuf->size)
		goto err_put;
	ret = -EACCES;
	if (!(dmabuf->file->f_mode & FMODE_READ) ||
	    (!(slot->flags & KVM_MEM_READONLY) &&
	     !(dmabuf->file->f_mode & FMODE_WRITE)))
		goto err_put;

	ret = -ENOMEM;
	kd = kzalloc(sizeof(*kd), GFP_KERNEL_ACCOUNT);
	if (!kd)
		goto err_put;
	kd->kvm = kvm;
	kd->slot = slot;
	kd->dmabuf = dmabuf;
	kd->offset = offset;
	mt_init_flags(&kd->poisoned, MT_FLAGS_USE_RCU);

	attach = dma_buf_mapping_attach(dmabuf, &pal, 1, &kvm_dmabuf_attach_ops,
					kd);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto err_free;
	}
	kd->attach = attach;

	/*
	 * Learn the attribute now, to refuse what cannot be mapped.  A buffer
	 * revoked for the moment is bound all the same, and checked when it
	 * is mapped at fault time.
	 */
	dma_resv_lock(dmabuf->resv, NULL);
	ret = kvm_dmabuf_map(kd);
	kd->state = kvm_dmabuf_map_state(ret);
	if (ret == -ENODEV) {
		ret = 0;
	} else if (ret == -ENXIO) {
		/* Revoked for good since the attach. */
		ret = -ENODEV;
	} else if (!ret) {
		snap = rcu_dereference_protected(kd->snap,
						 dma_resv_held(dmabuf->resv));
		if (!kvm_arch_dmabuf_attr_supported(kvm, snap->attr))
			ret = -EINVAL;
	}
	if (ret)
		kvm_dmabuf_unmap(kd);
	dma_resv_unlock(dmabuf->resv);
	if (ret)
		goto err_detach;

	slot->dmabuf = kd;
	return 0;

err_detach:
	dma_buf_detach(dmabuf, attach);
	mtree_destroy(&kd->poisoned);
err_free:
	kfree(kd);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * kvm_dmabuf_activate - let the exporter's callbacks reach a new slot
 * @slot: a slot bound with KVM_MEM_DMABUF, whose architecture data
 *	(kvm_arch_prepare_memory_region()) exists, about to become visible
 *
 * Context: kvm->slots_lock held.
 */
void kvm_dmabuf_activate(struct kvm_memory_slot *slot)
{
	struct kvm_dmabuf *kd = slot->dmabuf;

	if (!kd)
		return;
	dma_resv_lock(kd->dmabuf->resv, NULL);
	kd->active = true;
	/*
	 * The VMM hears of what the buffer was before the slot: revoked
	 * (bound so, or revoked since the bind), and poisoned pages.
	 */
	if (kd->state == KVM_DMABUF_SLOT_REVOKED)
		kvm_dmabuf_event_range(kd, KVM_DMABUF_EVENT_REVOKED, 0, U64_MAX);
	kvm_dmabuf_event_poison(kd, kd->offset >> PAGE_SHIFT,
				(kd->offset >> PAGE_SHIFT) + slot->npages - 1,
				true);
	dma_resv_unlock(kd->dmabuf->resv);
}

/**
 * kvm_dmabuf_unbind - release a slot's binding
 * @slot: the slot, no longer reachable by faults, and no longer mapped
 *
 * No callback of the exporter runs for the slot after this returns.
 *
 * Context: process context; the buffer's dma_resv lock not held.
 */
void kvm_dmabuf_unbind(struct kvm_memory_slot *slot)
{
	struct kvm_dmabuf *kd = slot->dmabuf;

	if (!kd)
		return;
	dma_resv_lock(kd->dmabuf->resv, NULL);
	kvm_dmabuf_unmap(kd);
	dma_resv_unlock(kd->dmabuf->resv);
	dma_buf_detach(kd->dmabuf, kd->attach);
	/* Detached: no poison_notify can run any more. */
	mtree_destroy(&kd->poisoned);
	dma_buf_put(kd->dmabuf);
	slot->dmabuf = NULL;
	kfree(kd);
}

/**
 * kvm_dmabuf_unbind_all - release every binding of a dying VM
 * @kvm: the VM, being destroyed
 *
 * Called before the MMU is torn down, so that a revoke cannot reach a
 * stage 2 that is gone.  Each slot's mappings are zapped before its ranges
 * go back to the exporter: the teardown of the MMU must not touch pages
 * (their dirty and accessed flags) that the exporter may have freed.
 */
void kvm_dmabuf_unbind_all(struct kvm *kvm)
{
	struct kvm_memory_slot *slot;
	struct kvm_dmabuf *kd;
	int i, bkt;

	for (i = 0; i < kvm_arch_nr_memslot_as_ids(kvm); i++) {
		kvm_for_each_memslot(slot, bkt, __kvm_memslots(kvm, i)) {
			kd = slot->dmabuf;
			if (!kvm_slot_is_dmabuf(slot) || !kd)
				continue;
			dma_resv_lock(kd->dmabuf->resv, NULL);
			kvm_dmabuf_zap(kd, 0, U64_MAX, false);
			dma_resv_unlock(kd->dmabuf->resv);
			kvm_dmabuf_unbind(slot);
		}
	}
}

/* The range of @snap that holds buffer offset @off. */
static unsigned int kvm_dmabuf_find(const struct kvm_dmabuf_snap *snap,
				    u64 off)
{
	unsigned int lo = 0, hi = snap->nr_ranges - 1;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo + 1) / 2;

		if (snap->ranges[mid].start <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The fault's lookup in @snap, under RCU or dma_resv. */
static int kvm_dmabuf_lookup(struct kvm_dmabuf *kd,
			     const struct kvm_dmabuf_snap *snap, gfn_t gfn,
			     u64 off, int max_order, struct kvm_dmabuf_pfn *out)
{
	struct kvm_memory_slot *slot = kd->slot;
	u64 rstart, rend;
	unsigned int i;
	int order;

	/*
	 * Asked at every fault, not once per mapping: the answer can change
	 * after the bind (arm64 MTE is enabled on a VM that has slots).
	 */
	if (!kvm_arch_dmabuf_attr_supported(kd->kvm, snap->attr))
		return -EINVAL;
	if (kvm_dmabuf_poisoned(kd, off, off + PAGE_SIZE))
		return -EHWPOISON;

	i = kvm_dmabuf_find(snap, off);
	rstart = snap->ranges[i].start;
	rend = rstart + snap->ranges[i].vec.len;
	out->pfn = PHYS_PFN(snap->ranges[i].vec.paddr + (off - rstart));
	out->attr = snap->attr;

	/*
	 * The largest block that holds the page, maps gfn and pfn alike, and
	 * lies within the slot and within one contiguous range.
	 */
	for (order = max_order; order > 0; order--) {
		u64 n = 1ULL << order, back;
		gfn_t first = ALIGN_DOWN(gfn, n);

		back = (u64)(gfn - first) << PAGE_SHIFT;
		if ((out->pfn ^ gfn) & (n - 1))
			continue;
		if (first < slot->base_gfn ||
		    first + n > slot->base_gfn + slot->npages)
			continue;
		if (off - back < rstart || off - back + (n << PAGE_SHIFT) > rend)
			continue;
		/* No block over a poisoned page: it stays out of reach. */
		if (kvm_dmabuf_poisoned(kd, off - back,
					off - back + (n << PAGE_SHIFT)))
			continue;
		break;
	}
	out->max_order = order;
	return 0;
}

/**
 * kvm_dmabuf_get_pfn - the pfn, block size and attribute for a fault
 * @kvm: the VM
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the faulting gfn, in @slot
 * @max_order: the largest block the caller can map, as an order of pages
 * @out: the result
 *
 * The caller must have read mmu_invalidate_seq, followed by smp_rmb(),
 * before, and must check it under mmu_lock before it installs the
 * mapping.  Takes no lock while the buffer is mapped; the buffer's
 * dma_resv lock when it has to be mapped again after a revoke.
 *
 * Context: kvm->srcu held; may sleep.
 *
 * Return: 0; -ENODEV while the exporter has revoked the buffer, for now
 * or for good; -EHWPOISON for a page the exporter reported poisoned;
 * -EINTR on a signal; -EINVAL for an attribute the architecture cannot
 * map.
 */
int kvm_dmabuf_get_pfn(struct kvm *kvm, struct kvm_memory_slot *slot,
		       gfn_t gfn, int max_order, struct kvm_dmabuf_pfn *out)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	struct kvm_dmabuf_snap *snap = NULL;
	struct page *page;
	int ret;
	u64 off;

	if (WARN_ON_ONCE(!kd))
		return -EFAULT;
	off = kd->offset + ((u64)(gfn - slot->base_gfn) << PAGE_SHIFT);

	if (likely(!READ_ONCE(dmabuf_fault_locked))) {
		rcu_read_lock();
		snap = rcu_dereference(kd->snap);
		if (likely(snap))
			ret = kvm_dmabuf_lookup(kd, snap, gfn, off, max_order,
						out);
		rcu_read_unlock();
	}
	if (unlikely(!snap)) {
		/* Revoked, or not mapped since: map it again. */
		ret = dma_resv_lock_interruptible(kd->dmabuf->resv, NULL);
		if (ret)
			return ret;
		snap = rcu_dereference_protected(kd->snap,
						 dma_resv_held(kd->dmabuf->resv));
		if (!snap) {
			ret = kvm_dmabuf_map(kd);
			snap = rcu_dereference_protected(kd->snap,
							 dma_resv_held(kd->dmabuf->resv));
		}
		if (snap)
			ret = kvm_dmabuf_lookup(kd, snap, gfn, off, max_order,
						out);
		dma_resv_unlock(kd->dmabuf->resv);
	}
	if (ret == -ENXIO)
		return -ENODEV;
	if (ret)
		return ret;

	/*
	 * Memory with struct pages (udmabuf) is pinned by the exporter for as
	 * long as the buffer lives, and the binding holds the buffer.  The
	 * caller drops the pfn as any other, with put_page(), which drops a
	 * reference on the folio: take that reference, on the folio, since a
	 * tail page of a large folio (hugetlb) has no count of its own.
	 */
	page = kvm_pfn_to_refcounted_page(out->pfn);
	out->refcounted = page && folio_try_get(page_folio(page));
	if (page && !out->refcounted)
		return -EFAULT;
	return 0;
}

/**
 * kvm_dmabuf_fault_around - the pages to map next to a fault
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the faulting gfn, which the caller has mapped with one page
 * @attr: the attribute the caller mapped @gfn with
 * @first: set to the gfn of @pfns[0]
 * @pfns: KVM_DMABUF_FAULT_AROUND_MAX entries, filled in for the gfns from
 *	@first on: the pfn to map, or KVM_PFN_ERR_FAULT for a page not to map
 *	(@gfn itself, a poisoned page, one of another attribute)
 *
 * The exporter gave KVM every page of the binding at once, so a fault that
 * maps a single page (the buffer is not contiguous enough for a block)
 * can map its neighbours as well, without any further work from the
 * exporter and without a host mapping: the dmabuf_fault_around pages
 * (rounded down to a power of two; 16 by default, 64 at most) of the
 * aligned group that holds @gfn, within the slot.  Nothing while an
 * invalidation is in progress, nor with dmabuf_fault_locked set, so that
 * the fault-rate comparison measures one page per fault.  A group of at
 * most 64 pages never crosses a last-level table, so mapping it allocates
 * no table.
 *
 * Context: the caller holds kvm->mmu_lock, taken after it checked
 * mmu_invalidate_seq for the fault, and keeps holding it while it maps
 * the pages.  invalidate_mappings clears the snapshot, and poison_notify
 * adds to the poison tree, before they take mmu_lock for write to zap, so
 * what this reads is either current or zapped once the caller drops the
 * lock.  Takes no reference on the pages: the exporter keeps them for as
 * long as the binding lives, and every mapping is zapped before it ends.
 *
 * Return: the number of entries of @pfns filled in; 0 when there is
 * nothing to map (fault-around disabled, the buffer revoked).
 */
int kvm_dmabuf_fault_around(struct kvm_memory_slot *slot, gfn_t gfn,
			    enum dma_buf_mem_attr attr, gfn_t *first,
			    kvm_pfn_t *pfns)
{
	unsigned int n = min(READ_ONCE(dmabuf_fault_around),
			     KVM_DMABUF_FAULT_AROUND_MAX);
	struct kvm_dmabuf *kd = slot->dmabuf;
	const struct kvm_dmabuf_snap *snap;
	gfn_t start, end, g;
	bool poison;
	unsigned int i;
	u64 off, rend;

	/*
	 * As the x86 shadow MMU's prefetch: nothing while an invalidation is
	 * in progress, which may have zapped a neighbour and not yet made the
	 * change that keeps it from being mapped again (KVM_SET_MEMORY_ATTRIBUTES
	 * changes the attributes after its zap).
	 */
	if (n <= 1 || !kd || READ_ONCE(dmabuf_fault_locked) ||
	    kd->kvm->mmu_invalidate_in_progress)
		return 0;
	n = rounddown_pow_of_two(n);
	start = max(ALIGN_DOWN(gfn, n), slot->base_gfn);
	end = min(ALIGN_DOWN(gfn, n) + n, slot->base_gfn + slot->npages);
	*first = start;

	rcu_read_lock();
	snap = rcu_dereference(kd->snap);
	if (!snap || snap->attr != attr ||
	    !kvm_arch_dmabuf_attr_supported(kd->kvm, attr)) {
		rcu_read_unlock();
		return 0;
	}
	off = kd->offset + ((u64)(start - slot->base_gfn) << PAGE_SHIFT);
	poison = kvm_dmabuf_poisoned(kd, off,
				     off + ((u64)(end - start) << PAGE_SHIFT));
	i = kvm_dmabuf_find(snap, off);
	rend = snap->ranges[i].start + snap->ranges[i].vec.len;
	for (g = start; g < end; g++, off += PAGE_SIZE) {
		while (off >= rend && i + 1 < snap->nr_ranges) {
			i++;
			rend = snap->ranges[i].start + snap->ranges[i].vec.len;
		}
		if (g == gfn ||
		    (poison && kvm_dmabuf_poisoned(kd, off, off + PAGE_SIZE)))
			pfns[g - start] = KVM_PFN_ERR_FAULT;
		else
			pfns[g - start] = PHYS_PFN(snap->ranges[i].vec.paddr +
						   (off - snap->ranges[i].start));
	}
	rcu_read_unlock();
	return end - start;
}

/**
 * kvm_dmabuf_slot_attr - the memory attribute a dma-buf slot is mapped with
 * @slot: a slot bound with KVM_MEM_DMABUF
 *
 * For the architecture's SPTE, after kvm_dmabuf_get_pfn() returned the
 * attribute to the fault: the same one, unless a revoke has moved
 * mmu_invalidate_seq since, in which case the SPTE is not installed.
 *
 * Context: any; lockless.
 *
 * Return: the exporter's attribute; DMA_BUF_MEM_DEVICE, the strictest,
 * while the buffer is revoked.
 */
enum dma_buf_mem_attr kvm_dmabuf_slot_attr(const struct kvm_memory_slot *slot)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	enum dma_buf_mem_attr attr = DMA_BUF_MEM_DEVICE;
	struct kvm_dmabuf_snap *snap;

	rcu_read_lock();
	snap = kd ? rcu_dereference(kd->snap) : NULL;
	if (snap)
		attr = snap->attr;
	rcu_read_unlock();
	return attr;
}

/* How kvm_dmabuf_kmap() mapped the memory. */
enum kvm_dmabuf_kmap_type {
	KVM_DMABUF_KMAP_LINEAR,
	KVM_DMABUF_KMAP_WB,
	KVM_DMABUF_KMAP_UC,
};

/*
 * Map @len bytes at @pa for one access of KVM's own, not crossing a page.
 * Memory in the kernel's linear map (udmabuf's RAM) is reached through it;
 * other memory through a mapping for this access only, write-back for
 * cacheable memory and with the strictest type otherwise (it fits device
 * and uncached memory both): a mapping kept for the binding would cost the
 * host page tables that dma-buf slots exist to avoid, and this is the
 * emulator's slow path.  Return: the address (__iomem for
 * KVM_DMABUF_KMAP_UC), or NULL.
 */
static void *kvm_dmabuf_kmap(phys_addr_t pa, enum dma_buf_mem_attr attr,
			     int len, enum kvm_dmabuf_kmap_type *type)
{
	unsigned long pfn = PHYS_PFN(pa);

	if (attr == DMA_BUF_MEM_CACHEABLE_RAM && pfn_valid(pfn) &&
	    page_is_ram(pfn)) {
		*type = KVM_DMABUF_KMAP_LINEAR;
		return kmap_local_pfn(pfn) + offset_in_page(pa);
	}
	if (attr == DMA_BUF_MEM_CACHEABLE ||
	    attr == DMA_BUF_MEM_CACHEABLE_RAM) {
		*type = KVM_DMABUF_KMAP_WB;
		return memremap(pa, len, MEMREMAP_WB);
	}
	*type = KVM_DMABUF_KMAP_UC;
	return (void __force *)ioremap(pa, len);
}

static void kvm_dmabuf_kunmap(void *va, enum kvm_dmabuf_kmap_type type)
{
	if (type == KVM_DMABUF_KMAP_LINEAR)
		kunmap_local(va);
	else if (type == KVM_DMABUF_KMAP_WB)
		memunmap(va);
	else
		iounmap((void __iomem __force *)va);
}

/* Copy to @rd, or from @wr when @rd is NULL, at @pa.  dma_resv held. */
static int kvm_dmabuf_copy(phys_addr_t pa, enum dma_buf_mem_attr attr,
			   void *rd, const void *wr, int len)
{
	enum kvm_dmabuf_kmap_type type;
	void *va = kvm_dmabuf_kmap(pa, attr, len, &type);

	if (!va)
		return -EFAULT;
	if (type == KVM_DMABUF_KMAP_UC && rd)
		memcpy_fromio(rd, (void __iomem __force *)va, len);
	else if (type == KVM_DMABUF_KMAP_UC)
		memcpy_toio((void __iomem __force *)va, wr, len);
	else if (rd)
		memcpy(rd, va, len);
	else
		memcpy(va, wr, len);
	kvm_dmabuf_kunmap(va, type);
	return 0;
}

/*
 * Where @offset of @gfn lies, and its attribute; dma_resv held.  Maps the
 * buffer if no snapshot is published (a fault's path while it is revoked).
 */
static int kvm_dmabuf_locate(struct kvm_dmabuf *kd,
			     struct kvm_memory_slot *slot, gfn_t gfn,
			     int offset, int len, phys_addr_t *pa,
			     enum dma_buf_mem_attr *attr)
{
	struct kvm_dmabuf_snap *snap;
	unsigned int i;
	u64 off;

	off = kd->offset + ((u64)(gfn - slot->base_gfn) << PAGE_SHIFT);
	snap = rcu_dereference_protected(kd->snap,
					 dma_resv_held(kd->dmabuf->resv));
	if (!snap) {
		if (kvm_dmabuf_map(kd))
			return -EFAULT;
		snap = rcu_dereference_protected(kd->snap,
						 dma_resv_held(kd->dmabuf->resv));
	}
	if (kvm_dmabuf_poisoned(kd, off + offset, off + offset + len))
		return -EFAULT;
	i = kvm_dmabuf_find(snap, off);
	*pa = snap->ranges[i].vec.paddr + (off - snap->ranges[i].start) +
	      offset;
	*attr = snap->attr;
	return 0;
}

static int kvm_dmabuf_access(struct kvm_memory_slot *slot, gfn_t gfn,
			     void *rd, const void *wr, int offset, int len)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	enum dma_buf_mem_attr attr;
	phys_addr_t pa;
	int ret;

	if (!kd || (!rd && (slot->flags & KVM_MEM_READONLY)))
		return -EFAULT;

	dma_resv_lock(kd->dmabuf->resv, NULL);
	ret = kvm_dmabuf_locate(kd, slot, gfn, offset, len, &pa, &attr);
	if (!ret)
		ret = kvm_dmabuf_copy(pa, attr, rd, wr, len);
	dma_resv_unlock(kd->dmabuf->resv);
	return ret;
}

/*
 * One access of @len bytes at @pa, through kvm_dmabuf_kmap(): a load into
 * *@old when @load, else a compare-and-exchange of *@old with @new.  On
 * uncached memory x86 makes a locked operation atomic with respect to the
 * other CPUs (a bus lock), which other architectures do not promise.
 * Return: 0, or 1 if the exchange found another value (then in *@old).
 */
static int kvm_dmabuf_atomic(phys_addr_t pa, enum dma_buf_mem_attr attr,
			     bool load, u64 *old, u64 new, int len)
{
	enum kvm_dmabuf_kmap_type type;
	bool ok = true;
	void *va;

	va = kvm_dmabuf_kmap(pa, attr, len, &type);
	if (!va)
		return -EFAULT;
	if (type == KVM_DMABUF_KMAP_UC && !IS_ENABLED(CONFIG_X86)) {
		kvm_dmabuf_kunmap(va, type);
		return -EOPNOTSUPP;
	}

	switch (len) {
	case 1: {
		u8 o = *old;

		if (load)
			o = READ_ONCE(*(u8 *)va);
		else
			ok = try_cmpxchg((u8 *)va, &o, (u8)new);
		*old = o;
		break;
	}
	case 2: {
		u16 o = *old;

		if (load)
			o = READ_ONCE(*(u16 *)va);
		else
			ok = try_cmpxchg((u16 *)va, &o, (u16)new);
		*old = o;
		break;
	}
	case 4: {
		u32 o = *old;

		if (load)
			o = READ_ONCE(*(u32 *)va);
		else
			ok = try_cmpxchg((u32 *)va, &o, (u32)new);
		*old = o;
		break;
	}
	default:
		if (load)
			*old = READ_ONCE(*(u64 *)va);
		else
			ok = try_cmpxchg64((u64 *)va, old, new);
		break;
	}

	kvm_dmabuf_kunmap(va, type);
	return ok ? 0 : 1;
}

/* kvm_dmabuf_atomic() at @offset of @gfn, under the buffer's dma_resv. */
static int kvm_dmabuf_atomic_page(struct kvm_memory_slot *slot, gfn_t gfn,
				  int offset, bool load, u64 *old, u64 new,
				  int len)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	enum dma_buf_mem_attr attr;
	phys_addr_t pa;
	int ret;

	/* x86 accesses unaligned operands atomically; others need not. */
	if (len > sizeof(u64) || !is_power_of_2(len) ||
	    (!IS_ENABLED(CONFIG_X86) && offset % len) ||
	    offset + len > PAGE_SIZE)
		return -EINVAL;
	if (!kd || (!load && (slot->flags & KVM_MEM_READONLY)))
		return -EFAULT;

	dma_resv_lock(kd->dmabuf->resv, NULL);
	ret = kvm_dmabuf_locate(kd, slot, gfn, offset, len, &pa, &attr);
	if (!ret)
		ret = kvm_dmabuf_atomic(pa, attr, load, old, new, len);
	dma_resv_unlock(kd->dmabuf->resv);
	return ret;
}

/**
 * kvm_dmabuf_read_page - read a dma-buf slot on KVM's own behalf
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the guest page, in @slot
 * @data: the buffer to fill
 * @offset: offset in the page
 * @len: bytes to copy; @offset + @len does not cross the page
 *
 * What kvm_read_guest() does for a slot without a host address: the x86
 * emulator and other KVM code that reads guest memory by gpa end here.
 * RAM (udmabuf) is reached through the kernel's linear map; other memory
 * is mapped for the copy only (write-back if cacheable, else uncached),
 * since a mapping kept for the binding would cost the host page tables that these slots avoid.  The
 * copy runs under the buffer's dma_resv lock, so that a revoke waits for
 * it.  This is the slow path; the guest's own accesses go through stage 2.
 *
 * Context: may sleep; takes the buffer's dma_resv lock.
 *
 * Return: 0; -EFAULT while the buffer is revoked, for poisoned memory, or
 * when the page cannot be mapped.
 */
int kvm_dmabuf_read_page(struct kvm_memory_slot *slot, gfn_t gfn,
			 void *data, int offset, int len)
{
	return kvm_dmabuf_access(slot, gfn, data, NULL, offset, len);
}

/**
 * kvm_dmabuf_write_page - write a dma-buf slot on KVM's own behalf
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the guest page, in @slot
 * @data: the bytes to write
 * @offset: offset in the page
 * @len: bytes to copy; @offset + @len does not cross the page
 *
 * As kvm_dmabuf_read_page(), for kvm_write_guest().
 *
 * Context: may sleep; takes the buffer's dma_resv lock.
 *
 * Return: 0; -EFAULT for a read-only slot, while the buffer is revoked,
 * for poisoned memory, or when the page cannot be mapped.
 */
int kvm_dmabuf_write_page(struct kvm_memory_slot *slot, gfn_t gfn,
			  const void *data, int offset, int len)
{
	return kvm_dmabuf_access(slot, gfn, NULL, data, offset, len);
}

/**
 * kvm_dmabuf_load_page - read a value of a dma-buf slot in one access
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the guest page, in @slot
 * @offset: offset in the page; the value does not cross the page
 * @val: the value read
 * @len: 1, 2, 4 or 8
 *
 * What __get_user() gives the x86 page-table walker through a host
 * address, for a slot without one: the value in a single load, never
 * torn by a concurrent write (kvm_dmabuf_read_page() copies bytes).  The
 * page is mapped for the access only, as by kvm_dmabuf_cmpxchg_page().
 *
 * Context: may sleep; takes the buffer's dma_resv lock.
 *
 * Return: 0; -EFAULT while the buffer is revoked, for poisoned memory, or
 * when the page cannot be mapped; -EOPNOTSUPP for uncached memory outside
 * x86; -EINVAL for a bad @len or @offset.
 */
int kvm_dmabuf_load_page(struct kvm_memory_slot *slot, gfn_t gfn,
			 int offset, u64 *val, int len)
{
	*val = 0;
	return kvm_dmabuf_atomic_page(slot, gfn, offset, true, val, 0, len);
}

/**
 * kvm_dmabuf_cmpxchg_page - compare and exchange in a dma-buf slot
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the guest page, in @slot
 * @offset: offset in the page (outside x86, a multiple of @len); the
 *	operand does not cross the page
 * @old: the value expected; on a mismatch, set to the value found
 * @new: the value to store
 * @len: 1, 2, 4 or 8
 *
 * What x86 does through a host address with __try_cmpxchg_user(), for a
 * slot without one: the page-table walker sets the accessed and dirty bits
 * of a guest table, and the emulator performs a locked read-modify-write.
 * The page is mapped for the operation only, as by kvm_dmabuf_read_page(),
 * under the buffer's dma_resv lock.  For uncached memory the operation is
 * atomic with respect to the CPUs, not to the device.
 *
 * Context: may sleep; takes the buffer's dma_resv lock.
 *
 * Return: 0 if @new was stored; 1 if the memory did not hold *@old;
 * -EFAULT for a read-only slot, while the buffer is revoked, for poisoned
 * memory, or when the page cannot be mapped; -EOPNOTSUPP for uncached
 * memory outside x86; -EINVAL for a bad @len or @offset.
 */
int kvm_dmabuf_cmpxchg_page(struct kvm_memory_slot *slot, gfn_t gfn,
			    int offset, u64 *old, u64 new, int len)
{
	return kvm_dmabuf_atomic_page(slot, gfn, offset, false, old, new, len);
}

/**
 * kvm_dmabuf_memory_fault - finish the exit of a refused dma-buf fault
 * @vcpu: the faulting vCPU, whose KVM_EXIT_MEMORY_FAULT the caller has
 *	prepared for the page
 * @err: what kvm_dmabuf_get_pfn() returned, other than 0 and -EINTR
 *
 * Marks the exit as the uAPI documents: KVM_MEMORY_EXIT_FLAG_HWPOISON for
 * a poisoned page, KVM_MEMORY_EXIT_FLAG_REVOKED for a revoked buffer.
 *
 * Return: the error for KVM_RUN: -EHWPOISON for poison, else -EFAULT.
 */
int kvm_dmabuf_memory_fault(struct kvm_vcpu *vcpu, int err)
{
	if (err == -EHWPOISON) {
		vcpu->run->memory_fault.flags |= KVM_MEMORY_EXIT_FLAG_HWPOISON;
		return -EHWPOISON;
	}
	if (err == -ENODEV)
		vcpu->run->memory_fault.flags |= KVM_MEMORY_EXIT_FLAG_REVOKED;
	return -EFAULT;
}

/*
 * The poisoned ranges of the slot, adjacent pages merged, as guest
 * physical ranges: the first @max in @ranges.  dma_resv held.
 */
static u32 kvm_dmabuf_poisoned_ranges(struct kvm_dmabuf *kd,
				      struct kvm_dmabuf_poisoned_range *ranges,
				      u32 max)
{
	MA_STATE(mas, &kd->poisoned, kd->offset >> PAGE_SHIFT,
		 kd->offset >> PAGE_SHIFT);
	unsigned long first = kd->offset >> PAGE_SHIFT;
	unsigned long last = first + kd->slot->npages - 1;
	u64 base = gfn_to_gpa(kd->slot->base_gfn);
	unsigned long prev = 0;
	void *entry;
	u32 n = 0;

	rcu_read_lock();
	mas_for_each(&mas, entry, last) {
		unsigned long start = max(mas.index, first);
		unsigned long end = min(mas.last, last) + 1;
		u64 size = (u64)(end - start) << PAGE_SHIFT;

		if (n && start == prev) {
			if (n <= max)
				ranges[n - 1].size += size;
		} else {
			if (n < max) {
				ranges[n].gpa = base +
					((u64)(start - first) << PAGE_SHIFT);
				ranges[n].size = size;
			}
			n++;
		}
		prev = end;
	}
	rcu_read_unlock();
	return n;
}

/**
 * kvm_dmabuf_get_slot_state - KVM_GET_DMABUF_SLOT_STATE
 * @kvm: the VM
 * @argp: struct kvm_dmabuf_slot_state
 *
 * What a VMM asks after an overflow record: whether the slot's buffer is
 * usable, revoked or revoked for good, and the ranges of the slot that are
 * poisoned, up to nr_poisoned of them, at the moment the records before
 * the returned sequence number were queued.
 *
 * Context: process context; takes kvm->slots_lock and the buffer's
 * dma_resv lock, and copies to userspace under neither.  The list is
 * allocated for the ranges there are, at most nr_poisoned of them.
 *
 * Return: 0; -EFAULT; -EINVAL for a pad or reserved field that is not 0
 * or a slot number out of range; -ENOENT for a slot that does not exist
 * or is not bound to a dma-buf; -E2BIG, with nr_poisoned set to the number
 * of poisoned ranges, when there are more than nr_poisoned (the first
 * nr_poisoned are written); -ENOMEM; -EINTR.
 */
int kvm_dmabuf_get_slot_state(struct kvm *kvm,
			      struct kvm_dmabuf_slot_state __user *argp)
{
	struct kvm_dmabuf_poisoned_range *ranges = NULL;
	struct kvm_dmabuf_slot_state st;
	struct kvm_memory_slot *slot;
	u32 as_id, id, n = 0, room = 0;
	struct kvm_dmabuf *kd;
	int ret;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	as_id = st.slot >> 16;
	id = (u16)st.slot;
	if (st.state || st.seq || st.pad ||
	    memchr_inv(st.reserved, 0, sizeof(st.reserved)) ||
	    as_id >= kvm_arch_nr_memslot_as_ids(kvm) || id >= KVM_MEM_SLOTS_NUM)
		return -EINVAL;

	mutex_lock(&kvm->slots_lock);
	slot = id_to_memslot(__kvm_memslots(kvm, as_id), id);
	ret = -ENOENT;
	if (!kvm_slot_is_dmabuf(slot) || !slot->dmabuf)
		goto unlock;
	kd = slot->dmabuf;
	/*
	 * Room for what there is, not for what userspace offers: count, then
	 * allocate, then fill, again if the tree grew in between (it only
	 * grows, by at most one range per call of the exporter).
	 */
	for (;;) {
		ret = dma_resv_lock_interruptible(kd->dmabuf->resv, NULL);
		if (ret)
			goto unlock;
		st.state = kd->state;
		st.seq = kvm_dmabuf_events_seq(kvm);
		n = kvm_dmabuf_poisoned_ranges(kd, ranges, room);
		dma_resv_unlock(kd->dmabuf->resv);
		if (n <= room || room == st.nr_poisoned)
			break;
		kvfree(ranges);
		room = min(n, st.nr_poisoned);
		ranges = kvcalloc(room, sizeof(*ranges),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		ret = -ENOMEM;
		if (!ranges)
			goto unlock;
	}
	mutex_unlock(&kvm->slots_lock);

	if (copy_to_user(u64_to_user_ptr(st.poisoned), ranges,
			 min(n, room) * sizeof(*ranges)))
		ret = -EFAULT;
	else
		ret = n > st.nr_poisoned ? -E2BIG : 0;
	st.nr_poisoned = n;
	if (ret != -EFAULT && copy_to_user(argp, &st, sizeof(st)))
		ret = -EFAULT;
	kvfree(ranges);
	return ret;

unlock:
	mutex_unlock(&kvm->slots_lock);
	kvfree(ranges);
	return ret;
}

static const char * const kvm_dmabuf_attr_names[] = {
	[DMA_BUF_MEM_DEVICE] = "device",
	[DMA_BUF_MEM_UNCACHED_ANY] = "uncached-any",
	[DMA_BUF_MEM_CACHEABLE] = "cacheable",
	[DMA_BUF_MEM_CACHEABLE_RAM] = "cacheable-ram",
};

/*
 * The debugfs view: for each dma-buf slot, the exporter's attribute, then
 * what the architecture's stage 2 (or TDP MMU) holds for the slot, one
 * line per leaf: "gfn pfn size attribute permissions".  Every other slot
 * follows, with its host address and its leaves in the same form, so that
 * a test compares the two kinds of slot by one method.
 */
static int kvm_dmabuf_mappings_show(struct seq_file *m, void *unused)
{
	struct kvm *kvm = m->private;
	struct kvm_memory_slot *slot;
	int i, bkt;

	mutex_lock(&kvm->slots_lock);
	for (i = 0; i < kvm_arch_nr_memslot_as_ids(kvm); i++) {
		kvm_for_each_memslot(slot, bkt, __kvm_memslots(kvm, i)) {
			struct kvm_dmabuf *kd = slot->dmabuf;
			const char *attr = "revoked";

			if (!kvm_slot_is_dmabuf(slot) || !kd)
				continue;
			dma_resv_lock(kd->dmabuf->resv, NULL);
			if (kd->phys)
				attr = kvm_dmabuf_attr_names[kd->phys->attr];
			seq_printf(m, "slot %d gfn %#llx pages %#lx offset %#llx exporter %s ranges %zu attr %s\n",
				   slot->id, slot->base_gfn, slot->npages,
				   kd->offset, kd->dmabuf->exp_name,
				   kd->phys ? kd->phys->length : 0, attr);
			dma_resv_unlock(kd->dmabuf->resv);
			kvm_arch_dmabuf_dump_slot(m, kvm, slot);
		}
		kvm_for_each_memslot(slot, bkt, __kvm_memslots(kvm, i)) {
			if (kvm_slot_is_dmabuf(slot))
				continue;
			seq_printf(m, "slot %d gfn %#llx pages %#lx hva %#lx\n",
				   slot->id, slot->base_gfn, slot->npages,
				   slot->userspace_addr);
			kvm_arch_dmabuf_dump_slot(m, kvm, slot);
		}
	}
	mutex_unlock(&kvm->slots_lock);
	return 0;
}

static int kvm_dmabuf_mappings_open(struct inode *inode, struct file *file)
{
	struct kvm *kvm = inode->i_private;
	int ret;

	if (!kvm_get_kvm_safe(kvm))
		return -ENOENT;
	ret = single_open(file, kvm_dmabuf_mappings_show, kvm);
	if (ret)
		kvm_put_kvm(kvm);
	return ret;
}

static int kvm_dmabuf_mappings_release(struct inode *inode, struct file *file)
{
	kvm_put_kvm(inode->i_private);
	return single_release(inode, file);
}

static const struct file_operations kvm_dmabuf_mappings_fops = {
	.owner = THIS_MODULE,
	.open = kvm_dmabuf_mappings_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kvm_dmabuf_mappings_release,
};

/**
 * kvm_dmabuf_create_debugfs - add the dmabuf_mappings file of a VM
 * @kvm: the VM, whose debugfs directory exists
 *
 * A read-only view of the dma-buf slots and of what stage 2 (arm64) or the
 * TDP MMU (x86) maps for them: gfn, pfn, size, memory attribute.  For
 * tests and debugging; not an ABI.
 */
void kvm_dmabuf_create_debugfs(struct kvm *kvm)
{
	debugfs_create_file("dmabuf_mappings", 0444, kvm->debugfs_dentry, kvm,
			    &kvm_dmabuf_mappings_fops);
}
