/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Owners of physical memory that memory_failure() tells about poison,
 * whether or not the memory has struct pages and whether or not anybody
 * maps it: a driver that lent the memory to importers that map it without
 * a VMA (dma-buf physical importers such as KVM) registers its range here.
 */
#ifndef _LINUX_PFN_POISON_H
#define _LINUX_PFN_POISON_H

#include <linux/interval_tree.h>
#include <linux/types.h>

/**
 * struct pfn_poison_owner - a range of pfns and who to tell of its poison
 * @start_pfn: first pfn of the range
 * @end_pfn: first pfn after the range
 * @memory_failure: called by memory_failure() for a poisoned pfn of the
 *	range, in process context, with memory_failure()'s mf_mutex and the
 *	registry's mutex held, and for a page of a hugetlb folio the folio's
 *	lock: it may sleep and take the locks of dma-buf (dma_resv) and of
 *	importers, but must not register or unregister an owner, nor lock a
 *	folio.  Ranges may overlap; every owner of the pfn is called.
 *	Returns true if the owner holds the pfn: it has told the importers
 *	that map it, and keeps the page (pinned) until they let it go.
 * @node: in the registry, an interval tree of pfns
 */
struct pfn_poison_owner {
	unsigned long start_pfn;
	unsigned long end_pfn;
	bool (*memory_failure)(struct pfn_poison_owner *owner,
			       unsigned long pfn, int flags);
	struct interval_tree_node node;
};

#ifdef CONFIG_MEMORY_FAILURE
int pfn_poison_owner_register(struct pfn_poison_owner *owner);
void pfn_poison_owner_unregister(struct pfn_poison_owner *owner);
bool pfn_poison_notify_owners(unsigned long pfn, int flags);
#else
static inline int pfn_poison_owner_register(struct pfn_poison_owner *owner)
{
	return 0;
}

static inline void pfn_poison_owner_unregister(struct pfn_poison_owner *owner)
{
}

static inline bool pfn_poison_notify_owners(unsigned long pfn, int flags)
{
	return false;
}
#endif

#endif /* _LINUX_PFN_POISON_H */
