/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory without struct pages, and memory lent to importers that map it
 * without a VMA, registered with memory_failure() by its owner.
 *
 * The first half is 6.19's interface, backported: a driver that maps
 * device memory into processes (VM_PFNMAP) registers the pfns with the
 * address_space of its mappings, and memory_failure() sends a SIGBUS to
 * the processes that map a poisoned pfn.  The second half extends it for
 * dma-buf: an owner that lends memory to importers without a VMA (KVM maps
 * it at stage 2 only) is called for a poisoned pfn, with or without
 * struct pages, and tells its importers (dma_buf_poison_notify()).
 */
#ifndef _LINUX_MEMORY_FAILURE_H
#define _LINUX_MEMORY_FAILURE_H

#include <linux/interval_tree.h>
#include <linux/types.h>

struct address_space;
struct list_head;
struct vm_area_struct;

/**
 * struct pfn_address_space - pfns whose poison memory_failure() reports
 * @node: the pfns, first and last (node.start, node.last), in the
 *	registry's interval tree
 * @mapping: the address_space of the VMAs that map the pfns, or NULL if
 *	no process maps them through this registration
 * @pfn_to_vma_pgoff: with @mapping: for a VMA of @mapping, the page offset
 *	in the VMA's terms (vm_pgoff's) at which it maps @pfn; 0, or -EFAULT
 *	if the VMA does not map @pfn.  Called under the mapping's i_mmap
 *	lock and rcu_read_lock(): it must not sleep.
 * @memory_failure: the extension for importers without a VMA, or NULL:
 *	called for a poisoned pfn of @node, in process context, with
 *	memory_failure()'s mf_mutex and the registry's mutex held, and for a
 *	page of a hugetlb folio the folio's lock: it may sleep and take the
 *	locks of dma-buf (dma_resv) and of importers, but must not register
 *	or unregister a space, nor lock a folio.  Returns true if the owner
 *	holds the pfn for an importer and has told it: for a page, the owner
 *	keeps it (pinned) until the importers let it go, and memory_failure()
 *	reports it delayed; for a pfn without struct page, poison consumed
 *	by a task that does not map it counts as handled.
 *
 * A space with a @mapping may not overlap another space.  Spaces without
 * one may overlap each other (two dma-bufs can lend the same pages), and
 * every space that holds a pfn is called.
 */
struct pfn_address_space {
	struct interval_tree_node node;
	struct address_space *mapping;
	int (*pfn_to_vma_pgoff)(struct vm_area_struct *vma, unsigned long pfn,
				pgoff_t *pgoff);
	bool (*memory_failure)(struct pfn_address_space *space,
			       unsigned long pfn, int flags);
};

#ifdef CONFIG_MEMORY_FAILURE
int register_pfn_address_space(struct pfn_address_space *space);
void unregister_pfn_address_space(struct pfn_address_space *space);

/* For mm/memory-failure.c only (mm/pfn_address_space.c). */
unsigned int pfn_address_space_walk(unsigned long pfn, int flags,
				    void (*collect)(struct pfn_address_space *space,
						    unsigned long pfn,
						    struct list_head *to_kill),
				    struct list_head *to_kill, bool *held);
#else
static inline int register_pfn_address_space(struct pfn_address_space *space)
{
	return -EOPNOTSUPP;
}

static inline void
unregister_pfn_address_space(struct pfn_address_space *space)
{
}
#endif /* CONFIG_MEMORY_FAILURE */

#endif /* _LINUX_MEMORY_FAILURE_H */
