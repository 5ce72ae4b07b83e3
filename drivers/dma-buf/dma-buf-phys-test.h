/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of the test exporter and importer for physical dma-buf
 * importers (CONFIG_DMABUF_PHYS_TEST), shared with the selftests in
 * tools/testing/selftests/drivers/dma-buf-phys/.  Not a stable uAPI: it
 * changes with the tests.
 */
#ifndef _DMA_BUF_PHYS_TEST_H
#define _DMA_BUF_PHYS_TEST_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define DMA_BUF_PHYS_TEST_DEV		"/dev/dma_buf_phys_test"
#define DMA_BUF_PHYS_TEST_DRIVER	"dma-buf-phys-test"

/* The values of enum dma_buf_mem_attr. */
#define DMA_BUF_PHYS_TEST_ATTR_DEVICE		0
#define DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY	1
#define DMA_BUF_PHYS_TEST_ATTR_CACHEABLE	2
/* Refused by the test exporter, whose pool is not RAM; udmabuf's. */
#define DMA_BUF_PHYS_TEST_ATTR_CACHEABLE_RAM	3

/**
 * struct dma_buf_phys_test_pool - the memory the exporter carves from
 * @paddr: physical address of the BAR used as pool
 * @size: its size in bytes
 */
struct dma_buf_phys_test_pool {
	__u64 paddr;
	__u64 size;
};

/**
 * struct dma_buf_phys_test_chunk - a piece of a test buffer
 * @offset: offset in the pool, page aligned
 * @len: length, page aligned and not zero
 */
struct dma_buf_phys_test_chunk {
	__u64 offset;
	__u64 len;
};

/*
 * Export without the physical address list mapping type, as an exporter
 * that lacks it, or one that moves its memory and must not offer it.
 */
#define DMA_BUF_PHYS_TEST_F_NO_PHYS	_BITUL(0)
/* Export read-only (O_RDONLY) instead of O_RDWR. */
#define DMA_BUF_PHYS_TEST_F_RDONLY	_BITUL(1)
/*
 * At every map, before the ranges are returned, report the buffer's second
 * page poisoned to every importer: poison that arrives while an importer
 * is still binding.  The buffer must be larger than a page.
 */
#define DMA_BUF_PHYS_TEST_F_POISON_AT_MAP _BITUL(2)

/**
 * struct dma_buf_phys_test_create - export a test buffer
 * @attr: DMA_BUF_PHYS_TEST_ATTR_*
 * @flags: DMA_BUF_PHYS_TEST_F_*
 * @nr_chunks: number of entries at @chunks, 1 to 65536
 * @fd: out: the dma-buf fd
 * @chunks: user pointer to struct dma_buf_phys_test_chunk[@nr_chunks]; the
 *	buffer is their concatenation, in order
 */
struct dma_buf_phys_test_create {
	__u32 attr;
	__u32 flags;
	__u32 nr_chunks;
	__s32 fd;
	__u64 chunks;
};

/**
 * struct dma_buf_phys_test_revoke - revoke or restore a test buffer
 * @fd: a dma-buf fd from DMA_BUF_PHYS_TEST_CREATE
 * @revoked: 1 to revoke, 0 to restore; each call notifies the importers
 */
struct dma_buf_phys_test_revoke {
	__s32 fd;
	__u32 revoked;
};

/**
 * struct dma_buf_phys_test_poison - report poison on a test buffer
 * @fd: a dma-buf fd from DMA_BUF_PHYS_TEST_CREATE
 * @pad: must be zero
 * @offset: offset in the buffer, page aligned
 * @len: length, page aligned and not zero
 */
struct dma_buf_phys_test_poison {
	__s32 fd;
	__u32 pad;
	__u64 offset;
	__u64 len;
};

/*
 * Attach without invalidate_mappings, as an importer that cannot give its
 * mappings back: dma_buf_attach_revocable() is false for it.
 */
#define DMA_BUF_PHYS_TEST_IMPORT_F_PINNED	_BITUL(0)

/**
 * struct dma_buf_phys_test_import - attach the test importer to a dma-buf
 * @fd: any dma-buf fd
 * @importer_fd: out: an fd for the attachment; closing it detaches
 * @flags: DMA_BUF_PHYS_TEST_IMPORT_F_*
 * @pad: must be zero
 */
struct dma_buf_phys_test_import {
	__s32 fd;
	__s32 importer_fd;
	__u32 flags;
	__u32 pad;
};

/**
 * struct dma_buf_phys_test_map - map through the importer, and read back
 * @ranges: user pointer to room for @max_ranges { __u64 paddr, len; }
 * @max_ranges: room at @ranges
 * @nr_ranges: out: the number of ranges of the buffer
 * @attr: out: DMA_BUF_PHYS_TEST_ATTR_*
 * @pad: must be zero
 * @size: out: the sum of the lengths
 */
struct dma_buf_phys_test_map {
	__u64 ranges;
	__u32 max_ranges;
	__u32 nr_ranges;
	__u32 attr;
	__u32 pad;
	__u64 size;
};

/**
 * struct dma_buf_phys_test_events - what the importer was told
 * @invalidate_mappings: calls of invalidate_mappings since the import
 * @poison: calls of poison_notify since the import
 * @poison_offset: offset of the last poisoned range
 * @poison_len: length of the last poisoned range
 * @mapped: 1 if the importer holds ranges now, 0 after an invalidate_mappings
 * @pad: zero
 */
struct dma_buf_phys_test_events {
	__u64 invalidate_mappings;
	__u64 poison;
	__u64 poison_offset;
	__u64 poison_len;
	__u32 mapped;
	__u32 pad;
};

/* A page of the pool, poisoned through memory_failure(). */
struct dma_buf_phys_test_memory_failure {
	__u64 pool_offset;
};

/*
 * Poison consumed by the calling thread, as the machine reports it when a
 * thread, or a guest on a vCPU thread, reads a poisoned page: x86's
 * kill_me_maybe() runs memory_failure(@pfn, MF_ACTION_REQUIRED) on that
 * thread, then set_mce_nospec(@pfn) if it returned 0.  The ioctl does the
 * same on the caller (with MF_SW_SIMULATED, so that unpoison stays
 * possible) and returns memory_failure()'s result: for kill_me_maybe(),
 * anything but 0, -EHWPOISON and -EOPNOTSUPP is a SIGBUS without an
 * address.  Needs CAP_SYS_ADMIN; @pfn is any pfn, as for hwpoison-inject.
 */
struct dma_buf_phys_test_consume {
	__u64 pfn;
};

#define DMA_BUF_PHYS_TEST_TYPE	'P'
/* On DMA_BUF_PHYS_TEST_DEV. */
#define DMA_BUF_PHYS_TEST_POOL	_IOR(DMA_BUF_PHYS_TEST_TYPE, 0, struct dma_buf_phys_test_pool)
#define DMA_BUF_PHYS_TEST_CREATE _IOWR(DMA_BUF_PHYS_TEST_TYPE, 1, struct dma_buf_phys_test_create)
#define DMA_BUF_PHYS_TEST_REVOKE _IOW(DMA_BUF_PHYS_TEST_TYPE, 2, struct dma_buf_phys_test_revoke)
#define DMA_BUF_PHYS_TEST_POISON _IOW(DMA_BUF_PHYS_TEST_TYPE, 3, struct dma_buf_phys_test_poison)
#define DMA_BUF_PHYS_TEST_IMPORT _IOWR(DMA_BUF_PHYS_TEST_TYPE, 4, struct dma_buf_phys_test_import)
/* On an importer fd. */
#define DMA_BUF_PHYS_TEST_MAP	_IOWR(DMA_BUF_PHYS_TEST_TYPE, 5, struct dma_buf_phys_test_map)
#define DMA_BUF_PHYS_TEST_EVENTS _IOR(DMA_BUF_PHYS_TEST_TYPE, 6, struct dma_buf_phys_test_events)
#define DMA_BUF_PHYS_TEST_MEMORY_FAILURE \
	_IOW(DMA_BUF_PHYS_TEST_TYPE, 7, struct dma_buf_phys_test_memory_failure)
#define DMA_BUF_PHYS_TEST_CONSUME \
	_IOW(DMA_BUF_PHYS_TEST_TYPE, 8, struct dma_buf_phys_test_consume)

#endif /* _DMA_BUF_PHYS_TEST_H */
