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
 * The ranges are an interval tree: memory_failure() finds the owners of a
 * pfn in O(log n + owners of the pfn), however many ranges are registered,
 * and an owner registers only the pfns it holds, for as long as it lends
 * them (udmabuf: while a physical importer is attached).
 *
 * Locking: pfn_poison_lock, a mutex, protects the tree and is held while
 * the owners are called, so that an owner is never called after it is
 * unregistered.  memory_failure() holds mf_mutex around it: the order is
 * mf_mutex, pfn_poison_lock, then whatever the owners take (dma_resv and
 * the importers' locks).  Owners register from process context, never
 * with dma_resv held.
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/pfn_poison.h>
#include <linux/seq_file.h>

static struct rb_root_cached pfn_poison_owners = RB_ROOT_CACHED;
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
	owner->node.start = owner->start_pfn;
	owner->node.last = owner->end_pfn - 1;
	mutex_lock(&pfn_poison_lock);
	interval_tree_insert(&owner->node, &pfn_poison_owners);
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
	interval_tree_remove(&owner->node, &pfn_poison_owners);
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
	struct interval_tree_node *node;
	struct pfn_poison_owner *owner;
	bool found = false;

	mutex_lock(&pfn_poison_lock);
	for (node = interval_tree_iter_first(&pfn_poison_owners, pfn, pfn);
	     node; node = interval_tree_iter_next(node, pfn, pfn)) {
		owner = container_of(node, struct pfn_poison_owner, node);
		if (owner->memory_failure(owner, pfn, flags))
			found = true;
	}
	mutex_unlock(&pfn_poison_lock);
	return found;
}

/* debugfs: one line per registered range, "first-last callback". */
static int pfn_poison_owners_show(struct seq_file *m, void *unused)
{
	struct interval_tree_node *node;
	struct pfn_poison_owner *owner;

	mutex_lock(&pfn_poison_lock);
	for (node = interval_tree_iter_first(&pfn_poison_owners, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		owner = container_of(node, struct pfn_poison_owner, node);
		seq_printf(m, "%#lx-%#lx %ps\n", node->start, node->last,
			   owner->memory_failure);
	}
	mutex_unlock(&pfn_poison_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pfn_poison_owners);

static int __init pfn_poison_debugfs_init(void)
{
	debugfs_create_file("pfn_poison_owners", 0400, NULL, NULL,
			    &pfn_poison_owners_fops);
	return 0;
}
late_initcall(pfn_poison_debugfs_init);
