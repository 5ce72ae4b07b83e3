// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM memory slots bound to a dma-buf (KVM_MEM_DMABUF): the slot's memory
 * is a range of the buffer, which KVM imports as a physical importer
 * (include/linux/dma-buf-phys.h).  There is no host mapping: faults take
 * the physical address from the binding.
 *
 * Locking:
 *  - bind and unbind run under kvm->slots_lock and take the buffer's
 *    dma_resv lock: slots_lock nests outside dma_resv;
 *  - the exporter calls move_notify with dma_resv held; it takes
 *    kvm->mmu_lock (dma_resv nests outside mmu_lock) and never slots_lock;
 *  - a fault reads the ranges under dma_resv, before it takes mmu_lock; a
 *    revoke between the two is caught by mmu_invalidate_seq, which
 *    move_notify bumps, as for an MMU notifier;
 *  - KVM's own reads and writes of the slot (kvm_read_guest() and the
 *    like) take dma_resv inside kvm->srcu and vcpu->mutex, which
 *    move_notify never waits for.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-phys.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/kvm_host.h>
#include <linux/kvm_dmabuf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kvm_mm.h"

MODULE_IMPORT_NS(DMA_BUF);

struct kvm_dmabuf {
	struct kvm *kvm;
	struct kvm_memory_slot *slot;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	/* Offset of the slot's first page in the buffer. */
	u64 offset;
	/*
	 * Under the buffer's dma_resv: the ranges, until the next
	 * move_notify, and the buffer offset at which each range starts.
	 */
	struct dma_buf_phys *phys;
	u64 *starts;
	/*
	 * Under the buffer's dma_resv: the poisoned ranges of the buffer
	 * that the exporter reported, kept across revokes for as long as the
	 * binding lives.
	 */
	struct list_head poisoned;
};

struct kvm_dmabuf_poison {
	struct list_head node;
	u64 start;
	u64 end;
};

/* Called with the buffer's dma_resv lock held. */
static int kvm_dmabuf_map(struct kvm_dmabuf *kd)
{
	struct dma_buf_phys *phys;
	u64 sum = 0;
	u64 *starts;
	unsigned int i;

	phys = dma_buf_map_phys(kd->attach);
	if (IS_ERR(phys))
		return PTR_ERR(phys);
	starts = kvmalloc_array(phys->nr_ranges, sizeof(*starts),
				GFP_KERNEL_ACCOUNT);
	if (!starts) {
		dma_buf_unmap_phys(kd->attach, phys);
		return -ENOMEM;
	}
	for (i = 0; i < phys->nr_ranges; i++) {
		starts[i] = sum;
		sum += phys->ranges[i].len;
	}
	if (WARN_ON_ONCE(sum != kd->dmabuf->size)) {
		kvfree(starts);
		dma_buf_unmap_phys(kd->attach, phys);
		return -EIO;
	}
	kd->phys = phys;
	kd->starts = starts;
	return 0;
}

/* Called with the buffer's dma_resv lock held. */
static void kvm_dmabuf_unmap(struct kvm_dmabuf *kd)
{
	if (!kd->phys)
		return;
	dma_buf_unmap_phys(kd->attach, kd->phys);
	kvfree(kd->starts);
	kd->phys = NULL;
	kd->starts = NULL;
}

/*
 * Remove the stage-2 (or TDP) mappings of the buffer range [@start, @end)
 * from the slot, and flush the TLBs.  Faults that read the ranges before
 * this see mmu_invalidate_seq move and retry.  Called with the buffer's
 * dma_resv lock held.
 */
static void kvm_dmabuf_zap(struct kvm_dmabuf *kd, u64 start, u64 end)
{
	struct kvm_memory_slot *slot = kd->slot;
	u64 first = kd->offset, last = kd->offset + (slot->npages << PAGE_SHIFT);
	struct kvm *kvm = kd->kvm;
	struct kvm_gfn_range range = {
		.slot = slot,
		.may_block = true,
		.attr_filter = KVM_FILTER_SHARED,
	};

	start = max(start, first);
	end = min(end, last);
	if (start >= end)
		return;
	range.start = slot->base_gfn + ((start - first) >> PAGE_SHIFT);
	range.end = slot->base_gfn + (ALIGN(end - first, PAGE_SIZE) >> PAGE_SHIFT);

	KVM_MMU_LOCK(kvm);
	kvm_mmu_invalidate_begin(kvm);
	/* Adds the range to the invalidation, for mmu_invalidate_retry_gfn(). */
	if (kvm_mmu_unmap_gfn_range(kvm, &range))
		kvm_flush_remote_tlbs(kvm);
	kvm_mmu_invalidate_end(kvm);
	KVM_MMU_UNLOCK(kvm);
}

/* Does [@start, @end) of the buffer hold poisoned memory?  dma_resv held. */
static bool kvm_dmabuf_poisoned(struct kvm_dmabuf *kd, u64 start, u64 end)
{
	struct kvm_dmabuf_poison *p;

	list_for_each_entry(p, &kd->poisoned, node)
		if (p->start < end && start < p->end)
			return true;
	return false;
}

/*
 * The exporter revokes or moves the buffer: called with its dma_resv lock
 * held.  When this returns, the guest reaches none of the old ranges.
 */
static void kvm_dmabuf_move_notify(struct dma_buf_attachment *attach)
{
	struct kvm_dmabuf *kd = attach->importer_priv;

	kvm_dmabuf_zap(kd, 0, U64_MAX);
	kvm_dmabuf_unmap(kd);
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
	struct kvm_dmabuf_poison *p;
	u64 end;

	if (check_add_overflow(offset, len, &end))
		end = U64_MAX;
	/*
	 * A callback cannot fail, and a lost record would let the range be
	 * mapped again: the few bytes are worth waiting for.
	 */
	p = kmalloc(sizeof(*p), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	p->start = offset;
	p->end = end;
	list_add(&p->node, &kd->poisoned);
	kvm_dmabuf_zap(kd, offset, end);
}

static const struct dma_buf_attach_ops kvm_dmabuf_attach_ops = {
	.move_notify = kvm_dmabuf_move_notify,
	.poison_notify = kvm_dmabuf_poison_notify,
};

/**
 * kvm_dmabuf_bind - bind a new memory slot to a range of a dma-buf
 * @kvm: the VM
 * @slot: the slot being created, with KVM_MEM_DMABUF; not yet visible
 * @fd: the dma-buf's file descriptor; it may be closed after the call
 * @offset: offset of the slot's first page in the buffer
 *
 * Context: kvm->slots_lock held.
 *
 * Return: 0; -EBADF for a bad @fd, -EINVAL for an fd that is not a
 * dma-buf, a misaligned @offset or a slot that does not fit in the buffer;
 * -EACCES for a buffer opened read-only and a writable slot; -EOPNOTSUPP
 * for an exporter without the physical importer interface; -EINVAL for
 * memory whose attribute the architecture cannot map safely (cacheable
 * without FEAT_S2FWB on arm64); -ENODEV for a buffer revoked for good.
 */
int kvm_dmabuf_bind(struct kvm *kvm, struct kvm_memory_slot *slot,
		    unsigned int fd, u64 offset)
{
	u64 size = (u64)slot->npages << PAGE_SHIFT, end;
	struct dma_buf_attachment *attach;
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
	if (!(slot->flags & KVM_MEM_READONLY) &&
	    !(dmabuf->file->f_mode & FMODE_WRITE))
		goto err_put;

	ret = -ENOMEM;
	kd = kzalloc(sizeof(*kd), GFP_KERNEL_ACCOUNT);
	if (!kd)
		goto err_put;
	kd->kvm = kvm;
	kd->slot = slot;
	kd->dmabuf = dmabuf;
	kd->offset = offset;
	INIT_LIST_HEAD(&kd->poisoned);

	attach = dma_buf_phys_attach(dmabuf, &kvm_dmabuf_attach_ops, kd);
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
	if (ret == -ENODEV)
		ret = 0;
	else if (!ret && !kvm_arch_dmabuf_attr_supported(kvm, kd->phys->attr))
		ret = -EINVAL;
	if (ret)
		kvm_dmabuf_unmap(kd);
	dma_resv_unlock(dmabuf->resv);
	if (ret)
		goto err_detach;

	slot->dmabuf = kd;
	return 0;

err_detach:
	dma_buf_detach(dmabuf, attach);
err_free:
	kfree(kd);
err_put:
	dma_buf_put(dmabuf);
	return ret;
}

/**
 * kvm_dmabuf_unbind - release a slot's binding
 * @slot: the slot, no longer reachable by faults
 *
 * No callback of the exporter runs for the slot after this returns.
 *
 * Context: process context; the buffer's dma_resv lock not held.
 */
void kvm_dmabuf_unbind(struct kvm_memory_slot *slot)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	struct kvm_dmabuf_poison *p, *tmp;

	if (!kd)
		return;
	dma_resv_lock(kd->dmabuf->resv, NULL);
	kvm_dmabuf_unmap(kd);
	dma_resv_unlock(kd->dmabuf->resv);
	dma_buf_detach(kd->dmabuf, kd->attach);
	/* Detached: no poison_notify can run any more. */
	list_for_each_entry_safe(p, tmp, &kd->poisoned, node)
		kfree(p);
	dma_buf_put(kd->dmabuf);
	slot->dmabuf = NULL;
	kfree(kd);
}

/**
 * kvm_dmabuf_unbind_all - release every binding of a dying VM
 * @kvm: the VM, being destroyed
 *
 * Called before the MMU is torn down, so that a revoke cannot reach a
 * stage 2 that is gone.
 */
void kvm_dmabuf_unbind_all(struct kvm *kvm)
{
	struct kvm_memory_slot *slot;
	int i, bkt;

	for (i = 0; i < kvm_arch_nr_memslot_as_ids(kvm); i++)
		kvm_for_each_memslot(slot, bkt, __kvm_memslots(kvm, i))
			kvm_dmabuf_unbind(slot);
}

/* The range that holds buffer offset @off.  dma_resv held. */
static unsigned int kvm_dmabuf_find(struct kvm_dmabuf *kd, u64 off)
{
	unsigned int lo = 0, hi = kd->phys->nr_ranges - 1;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo + 1) / 2;

		if (kd->starts[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/**
 * kvm_dmabuf_get_pfn - the pfn, block size and attribute for a fault
 * @kvm: the VM
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the faulting gfn, in @slot
 * @max_order: the largest block the caller can map, as an order of pages
 * @out: the result
 *
 * The caller must have read mmu_invalidate_seq before, and must check it
 * under mmu_lock before it installs the mapping.
 *
 * Return: 0; -ENODEV while the exporter has revoked the buffer;
 * -EHWPOISON for a page the exporter reported poisoned; -EINTR on a
 * signal; -EINVAL for an attribute the architecture cannot map.
 */
int kvm_dmabuf_get_pfn(struct kvm *kvm, struct kvm_memory_slot *slot,
		       gfn_t gfn, int max_order, struct kvm_dmabuf_pfn *out)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	u64 off, rstart, rend;
	struct page *page;
	unsigned int i;
	int order, ret;

	if (WARN_ON_ONCE(!kd))
		return -EFAULT;
	off = kd->offset + ((u64)(gfn - slot->base_gfn) << PAGE_SHIFT);

	ret = dma_resv_lock_interruptible(kd->dmabuf->resv, NULL);
	if (ret)
		return ret;
	if (!kd->phys) {
		ret = kvm_dmabuf_map(kd);
		if (ret)
			goto out;
	}
	if (!kvm_arch_dmabuf_attr_supported(kvm, kd->phys->attr)) {
		ret = -EINVAL;
		goto out;
	}
	if (kvm_dmabuf_poisoned(kd, off, off + PAGE_SIZE)) {
		ret = -EHWPOISON;
		goto out;
	}

	i = kvm_dmabuf_find(kd, off);
	rstart = kd->starts[i];
	rend = rstart + kd->phys->ranges[i].len;
	out->pfn = PHYS_PFN(kd->phys->ranges[i].paddr + (off - rstart));
	out->attr = kd->phys->attr;

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

	/*
	 * Memory with struct pages (udmabuf) is pinned by the exporter; the
	 * caller drops the pfn as any other, so take the reference it will
	 * drop.
	 */
	page = kvm_pfn_to_refcounted_page(out->pfn);
	out->refcounted = page && get_page_unless_zero(page);
	if (page && !out->refcounted)
		ret = -EFAULT;
out:
	dma_resv_unlock(kd->dmabuf->resv);
	return ret;
}

/*
 * Copy to @rd, or from @wr when @rd is NULL, through a temporary mapping
 * of @pa.  dma_resv held.
 */
static int kvm_dmabuf_copy(phys_addr_t pa, enum dma_buf_mem_attr attr,
			   void *rd, const void *wr, int len)
{
	void __iomem *io;
	void *va;

	if (attr == DMA_BUF_MEM_CACHEABLE) {
		va = memremap(pa, len, MEMREMAP_WB);
		if (!va)
			return -EFAULT;
		if (rd)
			memcpy(rd, va, len);
		else
			memcpy(va, wr, len);
		memunmap(va);
		return 0;
	}
	/* Device or uncached memory: the strictest type fits both. */
	io = ioremap(pa, len);
	if (!io)
		return -EFAULT;
	if (rd)
		memcpy_fromio(rd, io, len);
	else
		memcpy_toio(io, wr, len);
	iounmap(io);
	return 0;
}

static int kvm_dmabuf_access(struct kvm_memory_slot *slot, gfn_t gfn,
			     void *rd, const void *wr, int offset, int len)
{
	struct kvm_dmabuf *kd = slot->dmabuf;
	phys_addr_t pa;
	unsigned int i;
	int ret = -EFAULT;
	u64 off;

	if (!kd || (!rd && (slot->flags & KVM_MEM_READONLY)))
		return -EFAULT;
	off = kd->offset + ((u64)(gfn - slot->base_gfn) << PAGE_SHIFT);

	dma_resv_lock(kd->dmabuf->resv, NULL);
	if (!kd->phys && kvm_dmabuf_map(kd))
		goto out;
	if (kvm_dmabuf_poisoned(kd, off + offset, off + offset + len))
		goto out;
	i = kvm_dmabuf_find(kd, off);
	pa = kd->phys->ranges[i].paddr + (off - kd->starts[i]) + offset;
	ret = kvm_dmabuf_copy(pa, kd->phys->attr, rd, wr, len);
out:
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
 * The page is mapped for the copy only, with the exporter's attribute
 * (device and uncached memory as device memory), under the buffer's
 * dma_resv lock so that a revoke waits for the copy.  This is the slow
 * path; the guest's own accesses go through stage 2.
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

static const char * const kvm_dmabuf_attr_names[] = {
	[DMA_BUF_MEM_DEVICE] = "device",
	[DMA_BUF_MEM_UNCACHED_ANY] = "uncached-any",
	[DMA_BUF_MEM_CACHEABLE] = "cacheable",
};

/*
 * The debugfs view: for each dma-buf slot, the exporter's attribute, then
 * what the architecture's stage 2 (or TDP MMU) holds for the slot, one
 * line per leaf: "gfn pfn size attribute permissions".
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
			seq_printf(m, "slot %d gfn %#llx pages %#lx offset %#llx exporter %s ranges %u attr %s\n",
				   slot->id, slot->base_gfn, slot->npages,
				   kd->offset, kd->dmabuf->exp_name,
				   kd->phys ? kd->phys->nr_ranges : 0, attr);
			dma_resv_unlock(kd->dmabuf->resv);
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
