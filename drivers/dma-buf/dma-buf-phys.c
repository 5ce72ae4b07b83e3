// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf importers that map physical ranges themselves.
 */

/**
 * DOC: physical importers
 *
 * Some importers do not DMA through a device but write page tables of
 * their own: KVM maps a buffer into a guest's stage 2 (arm64) or NPT/EPT
 * (x86) so that the guest reaches device memory without a mapping in the
 * VMM.  Such an importer needs three things that an sg_table does not
 * carry: the physical ranges behind the buffer, the memory attribute under
 * which the exporter allows them to be mapped, and notice of poisoned
 * memory.
 *
 * **Attach.** dma_buf_mapping_attach() attaches an importer without a
 * device, for the physical address list (PAL) mapping type, which the
 * importer asks for with DMA_BUF_IMAPPING_PAL().  The exporter offers it in
 * its &dma_buf_ops.match_mapping, with DMA_BUF_EMAPPING_PAL() and its
 * &struct dma_buf_mapping_pal_exp_ops; an exporter that does not offer it
 * makes the attach fail with -EOPNOTSUPP.  These are the names of the 2026
 * mapping-types RFC, of which only the PAL type is backported.  An
 * exporter that ever revokes refuses, in its &dma_buf_ops.attach, importers
 * for which dma_buf_attach_revocable() is false (-EOPNOTSUPP, as VFIO does
 * in 7.1): those without &dma_buf_attach_ops.invalidate_mappings, which
 * cannot give their mappings back.  An exporter that never revokes
 * (udmabuf) may accept them.  The attachment is released with
 * dma_buf_detach().
 *
 * **Map.** With the buffer's dma_resv lock held, dma_buf_pal_map_phys()
 * returns the whole buffer as a &struct dma_buf_phys_list: the ranges in buffer
 * order, physically contiguous runs merged into one range, and one
 * &enum dma_buf_mem_attr for all of them.  The importer reads contiguity,
 * hence the block sizes it may use, directly off the list.  A revoked
 * buffer fails the map with -ENODEV, and the importer tries again after
 * the next invalidate_mappings; a buffer revoked for good (its device is
 * gone) fails with -ENXIO, and will never map again.  The exporter sets
 * its new state before it calls dma_buf_invalidate_mappings(), so that an
 * importer may map from its invalidate_mappings to learn which of the
 * three the buffer now is: KVM does, to tell the VMM.
 *
 * **Invalidate.** The exporter revokes or moves the memory with
 * dma_buf_invalidate_mappings(), holding the same dma_resv lock; the
 * importer's invalidate_mappings must remove every mapping of the ranges
 * before it returns and give them back with dma_buf_pal_unmap_phys(): 7.1's
 * "unmap within bounded time", with the bound being the callback itself,
 * so that the exporter need not wait afterwards.  Validation (map) and
 * invalidation happen under the one lock, so an importer can
 * never keep a mapping the exporter has taken back: this is the dynamic
 * dma-buf rule, applied to importers that build CPU-style page tables.
 * An importer that installs mappings later, outside the lock (KVM does, in
 * its fault handler), must order them against invalidate_mappings itself,
 * with a sequence count bumped inside the callback, as KVM's MMU notifiers
 * do.
 *
 * **Poison.** An exporter that learns that part of its buffer is poisoned
 * calls dma_buf_poison_notify() with the lock held; each importer's
 * &dma_buf_attach_ops.poison_notify hears the offset and length in the
 * buffer and must stop using that range before it returns.  The buffer
 * remembers the poisoned pages for as long as it lives, whatever happens
 * to its importers or to the exporter's revocation: an importer that
 * attaches later hears of each of them, in order, from
 * dma_buf_mapping_attach() before it returns, through the same callback.
 * A VMM re-creates its memory slots whenever the guest moves a BAR or
 * toggles memory decoding, and the new slot must not map the bad page
 * again; a second VM must not either.  Poison is a property of the
 * memory, so nothing clears the record.  A buffer exported afresh from
 * the same memory starts without it, and knows only what its exporter
 * reports to it: udmabuf reports, when its first physical importer
 * attaches, the memfd pages that are already poisoned; vfio-pci and the
 * test exporter keep no record of their own, so a VMM should bind the
 * buffer it has again rather than export a new one.  Poison is usually
 * learnt by pfn, from memory_failure(): an exporter registers the
 * memory it lends as a &struct pfn_address_space with a memory_failure
 * callback (linux/memory-failure.h), which finds the buffers that hold
 * the pfn, for instance with dma_buf_phys_poison_pfn().  memory_failure()
 * reaches importers this way whether or not the memory has struct pages
 * and whether or not any process maps it.
 *
 * **Pages.** For memory with struct pages (udmabuf), the exporter keeps
 * the pages for as long as the ranges are mapped; the importer needs no
 * page reference to use them, and must not drop one it did not take (KVM
 * takes one for the length of a fault, because its fault path ends by
 * dropping one, and drops it there).
 *
 * **Mappings made outside the lock.** The rule above holds for handing
 * out the ranges, not for everything built from them.  KVM installs its
 * stage-2 (NPT, EPT) entries at guest fault time, without dma_resv: a
 * fault reads mmu_invalidate_seq, then a snapshot of the ranges that it
 * copied under dma_resv, and installs the entry under mmu_lock only if
 * the sequence has not moved.  Its invalidate_mappings withdraws the
 * snapshot, bumps the sequence and zaps every entry before it returns.
 * This is safe because the ranges stay valid until the exporter
 * invalidates, and the exporter invalidates, under dma_resv, before it
 * moves or frees anything: no entry can outlive the callback.  It is the
 * same protocol as KVM's MMU notifiers for memory with a VMA.
 *
 * **Who may export.** Only an exporter whose memory stays where it is for
 * as long as it is lent, and which takes it back synchronously: pinned
 * pages (udmabuf), PCI BARs (vfio-pci), device memory that does not move
 * (nvgrace-gpu).  An exporter that moves memory in the background, with
 * the move ordered by fences and the old location reused once they
 * signal (TTM-managed VRAM), must not offer the PAL type: an importer that
 * maps at fault time has no fence to wait on, and the exporter would have
 * to invalidate and wait before every eviction.  König said as much in
 * the 2025 discussion of a dma-buf get_pfn() for KVM: a lookup outside
 * dma_resv is usable only with pre-allocated, hard-pinned memory.
 *
 * Why the whole buffer at once and not a lookup per offset: taking
 * dma_resv in every page fault would serialise the faults of all vCPUs on
 * it, and stall them behind an exporter that holds it across a fence
 * wait.  With the list, an importer takes the lock once per invalidation.
 * iommufd's importer of VFIO buffers took the same shape in 6.19.
 *
 * **The objections, one by one.**  In 2025, on a dma-buf get_pfn() for
 * KVM, König wrote that dma-buf by design exposes neither struct pages
 * nor PFNs to importers, and that the mapping is done by the exporter.  In
 * review of the 2026 mapping-types RFC (a physical address list type,
 * "required by iommufd and kvm"), he answered that direct physical
 * address access by importers had caused many problems, and that the
 * importer should rather hand its address space to the exporter to map
 * into.
 *
 *  - No PFNs for importers: the PAL type hands out ranges only to
 *    importers that asked for that type, of exporters that chose to offer
 *    it, and never struct pages.  The DMA-address path is unchanged for
 *    every other importer and exporter.
 *  - Direct access to physical addresses: the problems came from importers
 *    that kept using addresses after the exporter had moved the memory.
 *    Here an importer holds the addresses only between map and
 *    invalidate, the invalidate is synchronous, and an exporter that
 *    cannot promise both does not offer the interface.  The addresses are
 *    not DMA addresses: the importer writes CPU-side page tables for a
 *    guest, so no IOMMU, P2P distance or bus address is involved.
 *  - Giving the address space to the exporter: KVM's address space is the
 *    guest's stage 2, which KVM fills lazily at fault time, under its own
 *    mmu_lock and invalidation protocol, shared with MMU notifiers and
 *    guest_memfd.  An exporter that wrote it would have to follow that
 *    protocol, and every exporter would carry a copy of KVM's MMU rules;
 *    Xu Yilun said the same of KVM in that thread.  What the objection asks
 *    for is kept: the exporter decides what is mapped (the ranges), how
 *    (the attribute) and until when (invalidate_mappings).
 *  - The memory type: the importer does not guess it, as KVM does from a
 *    VMA; the exporter gives it, and tells RAM (which can be cleaned
 *    through the linear map) from other cacheable memory.
 *  - Poison and struct pages: the importer keeps no page reference (KVM
 *    holds one only during a fault), and hears of poison from the
 *    exporter rather than through the pages.
 *  - Mappings behind the exporter's back: KVM does install stage-2
 *    entries without dma_resv, ordered by a sequence count that its
 *    invalidate_mappings bumps; see "Mappings made outside the lock"
 *    above for why no entry outlives the callback.
 *
 * Lock order: dma_resv, then the importer's locks (KVM's mmu_lock).  The
 * callbacks run under dma_resv, so an importer must never take dma_resv
 * while holding a lock that its callbacks take.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-phys.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

/**
 * dma_buf_attach_revocable - can the importer give its mappings back?
 * @attach: the attachment, for instance in the exporter's attach op
 *
 * Linux 7.1's test, under its name: true if the importer implements
 * &dma_buf_attach_ops.invalidate_mappings, by which it promises to stop
 * using the memory within bounded time of the call.  A physical importer
 * does it before the callback returns.  An exporter that revokes refuses
 * importers for which this is false.
 *
 * Return: whether @attach's importer can be revoked.
 */
bool dma_buf_attach_revocable(struct dma_buf_attachment *attach)
{
	return attach->importer_ops && attach->importer_ops->invalidate_mappings;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_attach_revocable, DMA_BUF);

/* The physical address list type: what this file is about. */
const struct dma_buf_mapping_type dma_buf_mapping_pal_type = {
	.name = "Physical Address List",
};
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_pal_type, DMA_BUF);

/**
 * dma_buf_match_mapping - pick the mapping type of an attachment
 * @args: what the exporter's match_mapping was given
 * @exp: the types the exporter offers, in its order of preference
 * @exp_len: the number of @exp
 *
 * For an exporter's &dma_buf_ops.match_mapping: the first of @exp that the
 * importer accepts becomes the attachment's type.
 *
 * Context: the buffer's dma_resv lock must be held.
 *
 * Return: 0, or -EOPNOTSUPP if the importer accepts none of @exp.  (The
 * RFC returns -EINVAL; KVM's uAPI documents EOPNOTSUPP for a buffer whose
 * exporter gives no physical ranges.)
 */
int dma_buf_match_mapping(struct dma_buf_match_args *args,
			  const struct dma_buf_mapping_match *exp,
			  size_t exp_len)
{
	size_t e, i;

	dma_resv_assert_held(args->dmabuf->resv);
	for (e = 0; e < exp_len; e++) {
		for (i = 0; i < args->imp_len; i++) {
			if (exp[e].type != args->imp_matches[i].type)
				continue;
			args->attach->map_type = exp[e];
			return 0;
		}
	}
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_match_mapping, DMA_BUF);

/*
 * The poisoned pages of a buffer, by page offset: see
 * dma_buf_poison_notify().  Each page is in at most one entry; a report
 * that overlaps earlier ones splits them.  The tree is created at the
 * first report and lives as long as the buffer; every access holds the
 * buffer's dma_resv lock, so the callbacks called while walking it may
 * sleep.
 */
static void dma_buf_poison_record(struct dma_buf *dmabuf, u64 offset,
				  u64 len)
{
	struct maple_tree *mt = dmabuf->poisoned;
	struct ma_state mas;
	u64 end;

	if (!len || offset >= dmabuf->size)
		return;
	if (check_add_overflow(offset, len, &end) || end > dmabuf->size)
		end = dmabuf->size;
	/*
	 * A report cannot fail, and a lost record would let a later importer
	 * map the page: the few bytes are worth waiting for, as in KVM's own
	 * record.  There is at most one entry per page of the buffer.
	 */
	if (!mt) {
		mt = kmalloc(sizeof(*mt), GFP_KERNEL | __GFP_NOFAIL);
		mt_init_flags(mt, MT_FLAGS_LOCK_EXTERN);
		mt_set_external_lock(mt, &dmabuf->resv->lock.base);
		dmabuf->poisoned = mt;
	}
	mas_init(&mas, mt, 0);
	mas_set_range(&mas, offset >> PAGE_SHIFT, (end - 1) >> PAGE_SHIFT);
	WARN_ON_ONCE(mas_store_gfp(&mas, xa_mk_value(1),
				   GFP_KERNEL | __GFP_NOFAIL));
}

/*
 * Tell a new importer of every page the buffer knows to be poisoned.  The
 * walk pauses before each callback, so that a callback that makes the
 * exporter report more poison on the buffer (it may map it) does not
 * leave the walk in a tree that changed: the new range reaches the
 * importer directly, as it is already on the list.
 */
static void dma_buf_poison_replay(struct dma_buf_attachment *attach)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct ma_state mas;
	void *entry;

	dma_resv_assert_held(dmabuf->resv);
	if (!dmabuf->poisoned || !attach->importer_ops->poison_notify)
		return;
	mas_init(&mas, dmabuf->poisoned, 0);
	mas_for_each(&mas, entry, ULONG_MAX) {
		u64 offset = (u64)mas.index << PAGE_SHIFT;
		u64 len = (u64)(mas.last - mas.index + 1) << PAGE_SHIFT;

		mas_pause(&mas);
		attach->importer_ops->poison_notify(attach, offset, len);
	}
}

/**
 * dma_buf_phys_release - free what a buffer kept for physical importers
 * @dmabuf: the buffer, being released
 *
 * Called by dma_buf_release() after the exporter's release op, once no
 * exporter can report poison on the buffer any more.
 */
void dma_buf_phys_release(struct dma_buf *dmabuf)
{
	struct maple_tree *mt = dmabuf->poisoned;

	if (!mt)
		return;
	/* No one else can reach the tree: tell lockdep so, not the lock. */
	mt_on_stack(*mt);
	__mt_destroy(mt);
	kfree(mt);
	dmabuf->poisoned = NULL;
}

/**
 * dma_buf_mapping_attach - attach an importer by mapping type
 * @dmabuf: the buffer
 * @importer_matches: the types the importer accepts, from
 *	DMA_BUF_IMAPPING_PAL(); only the PAL type exists here
 * @match_len: the number of @importer_matches
 * @importer_ops: the importer's callbacks: invalidate_mappings for an
 *	importer that gives its mappings back (dma_buf_attach_revocable())
 * @importer_priv: the importer's data, stored in attach->importer_priv
 *
 * The exporter's &dma_buf_ops.match_mapping chooses the type.  Unlike
 * dma_buf_dynamic_attach() there is no device: the importer never asks for
 * a DMA mapping (dma_buf_map_attachment() fails on the returned
 * attachment) and nothing is mapped at attach time.  The importer keeps
 * its own reference to @dmabuf for as long as it is attached, and detaches
 * with dma_buf_detach().  Before this returns, @importer_ops->poison_notify
 * hears of every page of the buffer that was reported poisoned, once, in
 * ranges of whole pages in buffer order, with the dma_resv lock held: the
 * importer must be ready for it before it has the attachment's pointer.
 * Reports made later reach it as they are made.
 *
 * Context: process context; takes the buffer's dma_resv lock, so the
 * caller must not hold it.
 *
 * Return: the attachment; ERR_PTR(-EOPNOTSUPP) if the exporter offers none
 * of the types (an exporter that moves its memory offers no PAL), or the
 * exporter's error (-EOPNOTSUPP for an importer it cannot revoke, -ENODEV
 * for a buffer revoked for good, for instance); ERR_PTR(-EINVAL) for a
 * type other than PAL.
 */
struct dma_buf_attachment *
dma_buf_mapping_attach(struct dma_buf *dmabuf,
		       const struct dma_buf_mapping_match *importer_matches,
		       size_t match_len,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv)
{
	struct dma_buf_match_args args = {
		.dmabuf = dmabuf,
		.imp_matches = importer_matches,
		.imp_len = match_len,
	};
	struct dma_buf_attachment *attach;
	size_t i;
	int ret;

	if (WARN_ON(!dmabuf || !importer_ops))
		return ERR_PTR(-EINVAL);
	for (i = 0; i < match_len; i++)
		if (importer_matches[i].type != &dma_buf_mapping_pal_type)
			return ERR_PTR(-EINVAL);
	if (!dmabuf->ops->match_mapping)
		return ERR_PTR(-EOPNOTSUPP);

	attach = kzalloc(sizeof(*attach), GFP_KERNEL);
	if (!attach)
		return ERR_PTR(-ENOMEM);
	attach->dmabuf = dmabuf;
	attach->importer_ops = importer_ops;
	attach->importer_priv = importer_priv;
	attach->phys = true;
	args.attach = attach;

	dma_resv_lock(dmabuf->resv, NULL);
	ret = dmabuf->ops->match_mapping(&args);
	dma_resv_unlock(dmabuf->resv);
	if (!ret && dmabuf->ops->attach)
		ret = dmabuf->ops->attach(dmabuf, attach);
	if (ret) {
		kfree(attach);
		return ERR_PTR(ret);
	}

	dma_resv_lock(dmabuf->resv, NULL);
	list_add(&attach->node, &dmabuf->attachments);
	dma_buf_poison_replay(attach);
	dma_resv_unlock(dmabuf->resv);
	return attach;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_mapping_attach, DMA_BUF);

static const struct dma_buf_mapping_pal_exp_ops *
dma_buf_pal_ops(struct dma_buf_attachment *attach)
{
	if (!attach->phys ||
	    attach->map_type.type != &dma_buf_mapping_pal_type)
		return NULL;
	return container_of(attach->map_type.exp_ops,
			    struct dma_buf_mapping_pal_exp_ops, ops);
}

/**
 * dma_buf_pal_map_phys - get the physical ranges of a whole buffer
 * @attach: an attachment of the PAL type, from dma_buf_mapping_attach()
 *
 * The ranges stay valid until the importer's invalidate_mappings is called.
 * From then on the importer must not use them, and must give them back with
 * dma_buf_pal_unmap_phys(), from the callback or later.  For memory with
 * struct pages the exporter keeps the pages until then; the importer takes
 * no page reference of its own, and must not drop one it did not take.
 *
 * Context: the buffer's dma_resv lock must be held.
 *
 * Return: the ranges; ERR_PTR(-ENODEV) while the exporter has revoked the
 * buffer, ERR_PTR(-ENXIO) once it has revoked it for good; ERR_PTR(-EINVAL)
 * for an attachment of another type; or another exporter error.
 */
struct dma_buf_phys_list *dma_buf_pal_map_phys(struct dma_buf_attachment *attach)
{
	const struct dma_buf_mapping_pal_exp_ops *ops = dma_buf_pal_ops(attach);
	struct dma_buf_phys_list *phys;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!ops)
		return ERR_PTR(-EINVAL);
	phys = ops->map_phys(attach);
	if (!IS_ERR(phys))
		attach->phys_maps++;
	return phys;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pal_map_phys, DMA_BUF);

/**
 * dma_buf_pal_unmap_phys - give back what dma_buf_pal_map_phys() returned
 * @attach: the attachment the ranges were returned for
 * @phys: the ranges
 *
 * Context: the buffer's dma_resv lock must be held.
 */
void dma_buf_pal_unmap_phys(struct dma_buf_attachment *attach,
			    struct dma_buf_phys_list *phys)
{
	const struct dma_buf_mapping_pal_exp_ops *ops = dma_buf_pal_ops(attach);

	dma_resv_assert_held(attach->dmabuf->resv);
	if (WARN_ON(!ops || !attach->phys_maps))
		return;
	attach->phys_maps--;
	ops->unmap_phys(attach, phys);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_pal_unmap_phys, DMA_BUF);

/**
 * dma_buf_poison_notify - tell every importer that memory is poisoned
 * @dmabuf: the buffer
 * @offset: offset of the poisoned range in the buffer
 * @len: length of the poisoned range, in bytes
 *
 * Called by the exporter.  Every attachment whose importer has a
 * poison_notify callback hears of the range, in the order of the
 * attachment list.  The callbacks run with the dma_resv lock held and must
 * stop every use of the range before they return.  The buffer remembers
 * the pages of the range (the part of it inside the buffer, in whole
 * pages) for importers that attach later: see dma_buf_mapping_attach().
 * It may sleep, to allocate the record.
 *
 * Context: the buffer's dma_resv lock must be held.
 */
void dma_buf_poison_notify(struct dma_buf *dmabuf, u64 offset, u64 len)
{
	struct dma_buf_attachment *attach;

	dma_resv_assert_held(dmabuf->resv);
	dma_buf_poison_record(dmabuf, offset, len);
	list_for_each_entry(attach, &dmabuf->attachments, node)
		if (attach->importer_ops && attach->importer_ops->poison_notify)
			attach->importer_ops->poison_notify(attach, offset, len);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_poison_notify, DMA_BUF);

/**
 * dma_buf_phys_poison_pfn - tell importers of a poisoned pfn of a buffer
 * @dmabuf: the buffer
 * @phys: the buffer's ranges, in buffer order, as the exporter lends them
 * @pfn: the poisoned pfn
 *
 * For exporters that learn of poison by pfn (from memory_failure(), see
 * linux/memory-failure.h): calls dma_buf_poison_notify() for the page at
 * every offset of the buffer that holds @pfn, if any.
 *
 * Context: the buffer's dma_resv lock must be held.
 *
 * Return: true if the buffer holds @pfn.
 */
bool dma_buf_phys_poison_pfn(struct dma_buf *dmabuf,
			     const struct dma_buf_phys_list *phys, unsigned long pfn)
{
	phys_addr_t pa = PFN_PHYS(pfn);
	bool held = false;
	u64 off = 0;
	unsigned int i;

	for (i = 0; i < phys->length; i++) {
		const struct dma_buf_phys_vec *r = &phys->phys[i];

		if (pa >= r->paddr && pa - r->paddr < r->len) {
			dma_buf_poison_notify(dmabuf, off + (pa - r->paddr),
					      PAGE_SIZE);
			held = true;
		}
		off += r->len;
	}
	return held;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_poison_pfn, DMA_BUF);

/**
 * dma_buf_phys_alloc - allocate a range list, for an exporter's map_phys()
 * @max_ranges: the most ranges that dma_buf_phys_add() will add
 * @attr: the memory attribute of the buffer
 *
 * The list holds one reference, the exporter's, dropped with
 * dma_buf_phys_put().
 *
 * Return: an empty list, or NULL if out of memory or @max_ranges is 0.
 */
struct dma_buf_phys_list *dma_buf_phys_alloc(unsigned int max_ranges,
					     enum dma_buf_mem_attr attr)
{
	struct dma_buf_phys_list *phys;

	if (!max_ranges)
		return NULL;
	/* The number of ranges is often the user's choice: charge it. */
	phys = kvzalloc(struct_size(phys, phys, max_ranges),
			GFP_KERNEL_ACCOUNT);
	if (!phys)
		return NULL;
	refcount_set(&phys->ref, 1);
	phys->max_ranges = max_ranges;
	phys->attr = attr;
	return phys;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_alloc, DMA_BUF);

/**
 * dma_buf_phys_add - append a range to a range list
 * @phys: the list, from dma_buf_phys_alloc()
 * @paddr: physical address of the range, page aligned
 * @len: length of the range, a non-zero multiple of PAGE_SIZE
 *
 * A range that starts where the last one ends is merged into it.
 *
 * Return: 0, or -EINVAL for a misaligned or empty range, -EOVERFLOW if it
 * wraps the physical address space or is longer than a size_t, -E2BIG if
 * the list is full.
 */
int dma_buf_phys_add(struct dma_buf_phys_list *phys, phys_addr_t paddr, u64 len)
{
	struct dma_buf_phys_vec *last;
	phys_addr_t end;
	size_t sum;

	if (!len || !PAGE_ALIGNED(paddr) || !PAGE_ALIGNED(len))
		return -EINVAL;
	/* A range's length is a size_t, as in 6.19's struct. */
	if (len > SIZE_MAX || check_add_overflow(paddr, (phys_addr_t)len, &end))
		return -EOVERFLOW;

	if (phys->length) {
		last = &phys->phys[phys->length - 1];
		/* The end cannot wrap: paddr + len did not. */
		if (last->paddr + last->len == paddr &&
		    !check_add_overflow(last->len, (size_t)len, &sum)) {
			last->len = sum;
			return 0;
		}
	}
	if (phys->length == phys->max_ranges)
		return -E2BIG;
	phys->phys[phys->length].paddr = paddr;
	phys->phys[phys->length].len = len;
	phys->length++;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_add, DMA_BUF);

/**
 * dma_buf_phys_put - drop a reference to a range list
 * @phys: the list, or NULL
 *
 * The list is freed with its last reference.
 */
void dma_buf_phys_put(struct dma_buf_phys_list *phys)
{
	if (phys && refcount_dec_and_test(&phys->ref))
		kvfree(phys);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_put, DMA_BUF);

/**
 * dma_buf_phys_unmap_put - unmap_phys of exporters that lend references
 * @attach: the attachment
 * @phys: a list that map_phys returned, from dma_buf_phys_get() or made
 *	for the call with dma_buf_phys_alloc()
 */
void dma_buf_phys_unmap_put(struct dma_buf_attachment *attach,
			    struct dma_buf_phys_list *phys)
{
	dma_buf_phys_put(phys);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_unmap_put, DMA_BUF);
