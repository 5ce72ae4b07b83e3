/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dma-buf importers that map physical ranges themselves.
 *
 * Some importers do not DMA through a device: they write page tables of
 * their own (KVM's stage 2, NPT or EPT).  They need the physical ranges
 * behind a buffer, the memory attribute the exporter allows for them, and
 * the guarantee that they never keep a mapping the exporter has revoked.
 *
 * The contract is dma-buf's dynamic one, with the same lock for
 * validation and invalidation, in the vocabulary of Linux 7.1's revoke:
 *  - dma_buf_mapping_attach() attaches an importer for the physical
 *    address list (PAL) mapping type, if the exporter offers it; an
 *    exporter that revokes refuses, in its attach op, an importer for
 *    which dma_buf_attach_revocable() is false;
 *  - dma_buf_pal_map_phys(), under the buffer's dma_resv lock, returns the
 *    whole buffer as physical ranges and one memory attribute;
 *  - the ranges stay valid until the exporter calls
 *    dma_buf_invalidate_mappings() (a revoke, or a move), which calls the
 *    importer's invalidate_mappings with the same lock held; the callback
 *    must drop every use of the ranges before it returns, and the ranges
 *    go back with dma_buf_pal_unmap_phys();
 *  - dma_buf_poison_notify() tells every importer of a poisoned range, and
 *    the buffer remembers it for the physical importers that attach later.
 * The exporter hands out the ranges under its lock and takes them back
 * under it.  An importer that maps them later, outside the lock (KVM at
 * fault time), orders its mappings against invalidate_mappings with a
 * sequence count, and only exporters whose memory does not move while it
 * is lent may offer the ranges: see the DOC section of dma-buf-phys.c.
 */
#ifndef __DMA_BUF_PHYS_H__
#define __DMA_BUF_PHYS_H__

#include <linux/dma-buf.h>
#include <linux/refcount.h>
#include <linux/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct dma_buf_attach_ops;

/**
 * enum dma_buf_mem_attr - how an importer may map the memory
 * @DMA_BUF_MEM_DEVICE: device memory: no speculation, no gathering
 *	(arm64 Device-nGnRE, x86 UC).
 * @DMA_BUF_MEM_UNCACHED_ANY: device memory that tolerates any uncached
 *	type, write-combining included (arm64 Normal-NC, x86 WC): what
 *	VM_ALLOW_ANY_UNCACHED means for a VMA.
 * @DMA_BUF_MEM_CACHEABLE: memory coherent with the CPU caches that may have
 *	no kernel linear mapping, such as cacheable device memory
 *	(nvgrace-gpu): arm64 Normal-WB, x86 WB.  No cache maintenance by
 *	kernel address is possible, so arm64 needs FEAT_S2FWB to map it.
 * @DMA_BUF_MEM_CACHEABLE_RAM: system RAM in the kernel's linear mapping
 *	(udmabuf): cacheable as above, and an importer may clean or
 *	invalidate caches through the linear mapping, as KVM does for
 *	ordinary guest memory on arm64 without FEAT_S2FWB.
 * @DMA_BUF_MEM_NR: the number of attributes.
 */
enum dma_buf_mem_attr {
	DMA_BUF_MEM_DEVICE,
	DMA_BUF_MEM_UNCACHED_ANY,
	DMA_BUF_MEM_CACHEABLE,
	DMA_BUF_MEM_CACHEABLE_RAM,
	DMA_BUF_MEM_NR,
};

/**
 * struct dma_buf_phys_vec - a physically contiguous range
 * @paddr: physical address of the range
 * @len: length of the range, in bytes
 */
struct dma_buf_phys_vec {
	phys_addr_t paddr;
	size_t len;
};

/**
 * struct dma_buf_phys_list - a whole buffer as physical ranges
 * @ref: references: the exporter's, and one per mapping it lends; a list
 *	that has been lent never changes
 * @attr: memory attribute of every range
 * @length: number of entries in @phys
 * @max_ranges: number of entries allocated
 * @phys: the ranges, in buffer order; their lengths add up to the size
 *	of the buffer, each is a multiple of PAGE_SIZE, and no range follows
 *	its predecessor physically (dma_buf_phys_add() merges those), so the
 *	importer sees the contiguity it may use for block mappings.
 */
struct dma_buf_phys_list {
	refcount_t ref;
	enum dma_buf_mem_attr attr;
	size_t length;
	size_t max_ranges;
	struct dma_buf_phys_vec phys[] __counted_by(max_ranges);
};

/**
 * dma_buf_invalidate_mappings - tell every importer that its mappings go
 * @dmabuf: the buffer; its dma_resv lock must be held
 *
 * Linux 7.1 renamed dma_buf_move_notify() to this; here it calls it.
 * Importers that map physical ranges must have stopped every access to
 * them when their &dma_buf_attach_ops.invalidate_mappings returns.
 */
static inline void dma_buf_invalidate_mappings(struct dma_buf *dmabuf)
{
	dma_buf_move_notify(dmabuf);
}

bool dma_buf_attach_revocable(struct dma_buf_attachment *attach);

/*
 * Mapping types, negotiated at attach, after the 2026 mapping-types RFC:
 * the importer lists the types it accepts, the exporter's match_mapping
 * picks the first of its own that the importer accepts.  Only the
 * physical address list (PAL) type exists in this backport.
 */

/* Tag that starts every exporter's operations for a mapping type. */
struct dma_buf_mapping_exp_ops {};

/**
 * struct dma_buf_mapping_type - a mapping type
 * @name: its name, for debugging
 */
struct dma_buf_mapping_type {
	const char *name;
};

/**
 * struct dma_buf_match_args - what an exporter's match_mapping gets
 * @dmabuf: the buffer
 * @attach: the attachment being made
 * @imp_matches: the types the importer accepts
 * @imp_len: the number of @imp_matches
 */
struct dma_buf_match_args {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	const struct dma_buf_mapping_match *imp_matches;
	size_t imp_len;
};

int dma_buf_match_mapping(struct dma_buf_match_args *args,
			  const struct dma_buf_mapping_match *exp,
			  size_t exp_len);

extern const struct dma_buf_mapping_type dma_buf_mapping_pal_type;

/**
 * struct dma_buf_mapping_pal_exp_ops - an exporter's PAL operations
 * @ops: the tag
 * @map_phys: return the whole buffer as physical ranges with their memory
 *	attribute; called with the reservation lock held, also from an
 *	importer's invalidate_mappings; ERR_PTR(-ENODEV) while revoked,
 *	ERR_PTR(-ENXIO) once revoked for good
 * @unmap_phys: take back what @map_phys returned; called with the
 *	reservation lock held
 */
struct dma_buf_mapping_pal_exp_ops {
	struct dma_buf_mapping_exp_ops ops;
	struct dma_buf_phys_list *(*map_phys)(struct dma_buf_attachment *attach);
	void (*unmap_phys)(struct dma_buf_attachment *attach,
			   struct dma_buf_phys_list *phys);
};

/**
 * DMA_BUF_IMAPPING_PAL - an importer accepts physical address lists
 *
 * Return: the match, for the list given to dma_buf_mapping_attach().
 */
static inline struct dma_buf_mapping_match DMA_BUF_IMAPPING_PAL(void)
{
	return (struct dma_buf_mapping_match){
		.type = &dma_buf_mapping_pal_type,
	};
}

/**
 * DMA_BUF_EMAPPING_PAL - an exporter offers physical address lists
 * @exp_ops: its operations
 *
 * Return: the match, for the list given to dma_buf_match_mapping().
 */
static inline struct dma_buf_mapping_match
DMA_BUF_EMAPPING_PAL(const struct dma_buf_mapping_pal_exp_ops *exp_ops)
{
	return (struct dma_buf_mapping_match){
		.type = &dma_buf_mapping_pal_type,
		.exp_ops = &exp_ops->ops,
	};
}

struct dma_buf_attachment *
dma_buf_mapping_attach(struct dma_buf *dmabuf,
		       const struct dma_buf_mapping_match *importer_matches,
		       size_t match_len,
		       const struct dma_buf_attach_ops *importer_ops,
		       void *importer_priv);
struct dma_buf_phys_list *dma_buf_pal_map_phys(struct dma_buf_attachment *attach);
void dma_buf_pal_unmap_phys(struct dma_buf_attachment *attach,
			    struct dma_buf_phys_list *phys);
void dma_buf_poison_notify(struct dma_buf *dmabuf, u64 offset, u64 len);
bool dma_buf_phys_poison_pfn(struct dma_buf *dmabuf,
			     const struct dma_buf_phys_list *phys, unsigned long pfn);

/* For the dma-buf core. */
void dma_buf_phys_release(struct dma_buf *dmabuf);

/* For exporters. */
struct dma_buf_phys_list *dma_buf_phys_alloc(unsigned int max_ranges,
					     enum dma_buf_mem_attr attr);
int dma_buf_phys_add(struct dma_buf_phys_list *phys, phys_addr_t paddr, u64 len);
void dma_buf_phys_put(struct dma_buf_phys_list *phys);
void dma_buf_phys_unmap_put(struct dma_buf_attachment *attach,
			    struct dma_buf_phys_list *phys);

/**
 * dma_buf_phys_get - take a reference to a range list, to lend it
 * @phys: the list; it must not change from now on
 *
 * For an exporter's map_phys: the importer gets the exporter's own list
 * rather than a copy, and gives the reference back through unmap_phys
 * (dma_buf_phys_unmap_put()).
 *
 * Return: @phys.
 */
static inline struct dma_buf_phys_list *
dma_buf_phys_get(struct dma_buf_phys_list *phys)
{
	refcount_inc(&phys->ref);
	return phys;
}

#endif /* __DMA_BUF_PHYS_H__ */
