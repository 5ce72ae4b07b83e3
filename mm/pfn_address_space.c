// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of pfn address spaces (linux/memory-failure.h).
 *
 * 6.19 keeps it in mm/memory-failure.c; this backport keeps the registry
 * in a file of its own, and mm/memory-failure.c keeps what needs its
 * internals: memory_failure_pfn(), which collects and kills the processes
 * that map a pfn without struct page through a registered mapping.
 *
 * The spaces are an interval tree of pfns: memory_failure() finds those
 * that hold a pfn in O(log n + spaces that hold it), however many are
 * registered, and an owner registers only the pfns it holds, for as long
 * as it holds them (udmabuf: while a physical importer is attached).
 *
 * Locking: pfn_space_lock, a mutex, protects the tree and is held while
 * the spaces are walked and their owners called, so that no callback runs
 * after its space is unregistered; 6.19's lock is a global mutex too.
 * memory_failure() holds mf_mutex around the walk: the order is mf_mutex,
 * pfn_space_lock, then a mapping's i_mmap lock (collecting processes) or
 * whatever the owners take (dma_resv, the exporters' and importers'
 * locks).  Spaces are registered from process context, never with those
 * locks held.
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/memory-failure.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

static struct rb_root_cached pfn_space_itree = RB_ROOT_CACHED;
static DEFINE_MUTEX(pfn_space_lock);

/**
 * register_pfn_address_space - report poison in @space's pfns
 * @space: the pfns (node.start, node.last) and who to tell; the caller's
 *	until unregister_pfn_address_space() returns
 *
 * Context: process context; not with dma_resv, an i_mmap lock or any lock
 * that an owner's callback takes.
 *
 * Return: 0; -EINVAL for an empty range, for a @mapping without
 * pfn_to_vma_pgoff or a space with neither a mapping nor memory_failure;
 * -EBUSY if a space with a mapping would overlap another space.
 */
int register_pfn_address_space(struct pfn_address_space *space)
{
	struct interval_tree_node *node;

	if (!space || space->node.start > space->node.last)
		return -EINVAL;
	if (space->mapping ? !space->pfn_to_vma_pgoff : !space->memory_failure)
		return -EINVAL;

	guard(mutex)(&pfn_space_lock);
	for (node = interval_tree_iter_first(&pfn_space_itree,
					     space->node.start,
					     space->node.last);
	     node; node = interval_tree_iter_next(node, space->node.start,
						  space->node.last)) {
		struct pfn_address_space *other =
			container_of(node, struct pfn_address_space, node);

		if (space->mapping || other->mapping)
			return -EBUSY;
	}
	interval_tree_insert(&space->node, &pfn_space_itree);
	return 0;
}
EXPORT_SYMBOL_GPL(register_pfn_address_space);

/**
 * unregister_pfn_address_space - stop reporting poison in @space's pfns
 * @space: registered with register_pfn_address_space()
 *
 * When this returns, no callback of @space is running or will run.
 *
 * Context: process context; as for register_pfn_address_space().
 */
void unregister_pfn_address_space(struct pfn_address_space *space)
{
	guard(mutex)(&pfn_space_lock);
	interval_tree_remove(&space->node, &pfn_space_itree);
}
EXPORT_SYMBOL_GPL(unregister_pfn_address_space);

/**
 * pfn_address_space_walk - tell the spaces that hold a poisoned pfn
 * @pfn: the pfn
 * @flags: memory_failure()'s MF_* flags
 * @collect: for a pfn without struct page, called for every space with a
 *	mapping to collect the processes that map @pfn onto @to_kill; NULL
 *	for a page, whose mappers memory_failure() finds through its rmap
 * @to_kill: @collect's list
 * @held: set to true if an owner's memory_failure callback holds @pfn
 *
 * Called by memory_failure() with mf_mutex held: for a page, once, when it
 * is newly poisoned and after hwpoison_filter(), with the folio locked if
 * it is a hugetlb page; for a pfn without struct page, which has no
 * poisoned state and no filter, at every report.  Every space's owner is
 * called after its processes are collected, all under pfn_space_lock.
 *
 * Return: the number of spaces that hold @pfn.
 */
unsigned int pfn_address_space_walk(unsigned long pfn, int flags,
				    void (*collect)(struct pfn_address_space *space,
						    unsigned long pfn,
						    struct list_head *to_kill),
				    struct list_head *to_kill, bool *held)
{
	struct interval_tree_node *node;
	unsigned int n = 0;

	*held = false;
	guard(mutex)(&pfn_space_lock);
	for (node = interval_tree_iter_first(&pfn_space_itree, pfn, pfn);
	     node; node = interval_tree_iter_next(node, pfn, pfn)) {
		struct pfn_address_space *space =
			container_of(node, struct pfn_address_space, node);

		if (collect && space->mapping)
			collect(space, pfn, to_kill);
		if (space->memory_failure &&
		    space->memory_failure(space, pfn, flags))
			*held = true;
		n++;
	}
	return n;
}

/*
 * debugfs: one line per space, "first-last callback", the callback being
 * memory_failure if any, and " mapped" if processes map the pfns.
 */
static int pfn_address_spaces_show(struct seq_file *m, void *unused)
{
	struct interval_tree_node *node;

	guard(mutex)(&pfn_space_lock);
	for (node = interval_tree_iter_first(&pfn_space_itree, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		struct pfn_address_space *space =
			container_of(node, struct pfn_address_space, node);

		void *fn = space->memory_failure ?
			   (void *)space->memory_failure :
			   (void *)space->pfn_to_vma_pgoff;

		seq_printf(m, "%#lx-%#lx %ps%s\n", node->start, node->last, fn,
			   space->mapping ? " mapped" : "");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pfn_address_spaces);

static int __init pfn_address_space_debugfs_init(void)
{
	debugfs_create_file("pfn_address_spaces", 0400, NULL, NULL,
			    &pfn_address_spaces_fops);
	return 0;
}
late_initcall(pfn_address_space_debugfs_init);
