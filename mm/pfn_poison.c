// SPDX-License-Identifier: GPL-2.0-only
/*
 * Owners of physical memory that hear of its poison from memory_failure().
 *
 * memory_failure() tells the processes that map a poisoned page, through
 * their VMAs.  Memory that a driver lends to importers that map it without
 * a VMA (a dma-buf mapped by KVM at stage 2, with no host mapping at all)
 * reaches nobody that way, with or without struct pages.  Its owner
 * registers the range here, and memory_failure() calls it; the owner
 * tells its importers (dma_buf_poison_notify()).
 *
 * Locking: pfn_poison_lock, a mutex, protects the list and is held while
 * the owners are called, so that an owner is never called after it is
 * unregistered.  memory_failure() holds mf_mutex around it: the order is
 * mf_mutex, pfn_poison_lock, then whatever the owners take (dma_resv and
 * the importers' locks).  Owners register from process context, never
 * with dma_resv held.
 */
#include <linux/mutex.h>
#include <linux/pfn_poison.h>

static LIST_HEAD(pfn_poison_owners);
static DEFINE_MUTEX(pfn_poison_lock);

/**
 * pfn_poison_owner_register - tell @owner of poison in its range
 * @owner: the range and the callback; owned by the caller until
 *	pfn_poison_owner_unregister() returns
 *
 * Context: process context; not with dma_resv or any lock that an owner's
 * callback takes.
 *
 * Return: 0, or -EINVAL for an empty range or no callback.
 */
int pfn_poison_owner_register(struct pfn_poison_owner *owner)
{
	if (owner->start_pfn >= owner->end_pfn || !owner->memory_failure)
		return -EINVAL;
	mutex_lock(&pfn_poison_lock);
	list_add_tail(&owner->node, &pfn_poison_owners);
	mutex_unlock(&pfn_poison_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(pfn_poison_owner_register);

/**
 * pfn_poison_owner_unregister - stop telling @owner
 * @owner: registered with pfn_poison_owner_register()
 *
 * When this returns, @owner's callback is not running and will not run.
 *
 * Context: process context; as for pfn_poison_owner_register().
 */
void pfn_poison_owner_unregister(struct pfn_poison_owner *owner)
{
	mutex_lock(&pfn_poison_lock);
	list_del(&owner->node);
	mutex_unlock(&pfn_poison_lock);
}
EXPORT_SYMBOL_GPL(pfn_poison_owner_unregister);

/**
 * pfn_poison_notify_owners - tell the owners of @pfn that it is poisoned
 * @pfn: the poisoned pfn
 * @flags: memory_failure()'s MF_* flags
 *
 * Called by memory_failure(), with mf_mutex held, once per newly poisoned
 * pfn, after hwpoison_filter() and before it unmaps the page from
 * processes; for a page of a hugetlb folio, with the folio locked.
 *
 * Return: true if an owner holds @pfn (see &struct pfn_poison_owner).
 */
bool pfn_poison_notify_owners(unsigned long pfn, int flags)
{
	struct pfn_poison_owner *owner;
	bool found = false;

	mutex_lock(&pfn_poison_lock);
	list_for_each_entry(owner, &pfn_poison_owners, node) {
		if (pfn < owner->start_pfn || pfn >= owner->end_pfn)
			continue;
		if (owner->memory_failure(owner, pfn, flags))
			found = true;
	}
	mutex_unlock(&pfn_poison_lock);
	return found;
}
