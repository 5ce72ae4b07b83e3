// SPDX-License-Identifier: GPL-2.0
/*
 * The physical importer interface of dma-buf (include/linux/dma-buf-phys.h)
 * seen through the test importer: what the test exporter and udmabuf hand
 * out (ranges, contiguity, attribute), revoke, poison, and bad input.
 * Needs CONFIG_DMABUF_PHYS_TEST and a PCI device bound to the
 * "dma-buf-phys-test" driver (the second ivshmem device in our guests).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "../../kselftest_harness.h"
#include "phys_util.h"

#define MAX_RANGES 16

FIXTURE(phys) {
	int dev;
	struct dma_buf_phys_test_pool pool;
};

FIXTURE_SETUP(phys)
{
	self->dev = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	if (self->dev < 0)
		SKIP(return, "no " DMA_BUF_PHYS_TEST_DEV " (CONFIG_DMABUF_PHYS_TEST)");
	if (phys_ioctl(self->dev, DMA_BUF_PHYS_TEST_POOL, &self->pool))
		SKIP(return, "no PCI device bound to " DMA_BUF_PHYS_TEST_DRIVER);
	ASSERT_GE(self->pool.size, 2 * SZ_1G);
	ASSERT_EQ(0, self->pool.paddr % SZ_1G);
}

FIXTURE_TEARDOWN(phys)
{
	if (self->dev >= 0)
		close(self->dev);
}

/* Create, import, map: the ranges the importer was given. */
static int create_and_map(int dev, const struct dma_buf_phys_test_chunk *c,
			  unsigned int n, unsigned int attr,
			  struct dma_buf_phys_test_map *map,
			  struct phys_range *r)
{
	int buf, imp, ret;

	buf = phys_create(dev, c, n, attr, 0);
	if (buf < 0)
		return buf;
	imp = phys_import(dev, buf);
	close(buf);
	if (imp < 0)
		return imp;
	ret = phys_map(imp, map, r, MAX_RANGES);
	close(imp);
	return ret;
}

/* A 2 MiB buffer at the start of the pool, with two importers. */
static int create_two_importers(int dev, int *imp, int *imp2)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_2M };
	int buf = phys_create(dev, &c, 1, 0, 0);

	if (buf < 0)
		return buf;
	*imp = phys_import(dev, buf);
	*imp2 = phys_import(dev, buf);
	if (*imp < 0 || *imp2 < 0)
		return -1;
	return buf;
}

TEST_F(phys, contiguous_each_attr)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_2M };
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES];
	unsigned int attr;

	for (attr = 0; attr <= DMA_BUF_PHYS_TEST_ATTR_CACHEABLE; attr++) {
		ASSERT_EQ(0, create_and_map(self->dev, &c, 1, attr, &map, r));
		ASSERT_EQ(attr, map.attr);
		ASSERT_EQ(1, map.nr_ranges);
		ASSERT_EQ(SZ_2M, map.size);
		ASSERT_EQ(self->pool.paddr, r[0].paddr);
		ASSERT_EQ(SZ_2M, r[0].len);
	}
}

/* One chunk: 1 GiB aligned, 2 MiB long but 4 KiB off 2 MiB alignment. */
TEST_F(phys, single_chunk_layouts)
{
	static const struct dma_buf_phys_test_chunk layouts[] = {
		{ .offset = SZ_1G, .len = SZ_1G },
		{ .offset = SZ_4K, .len = SZ_2M },
		{ .offset = SZ_2M - SZ_4K, .len = SZ_4K },
	};
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		ASSERT_EQ(0, create_and_map(self->dev, &layouts[i], 1, 0,
					    &map, r));
		ASSERT_EQ(1, map.nr_ranges);
		ASSERT_EQ(layouts[i].len, map.size);
		ASSERT_EQ(self->pool.paddr + layouts[i].offset, r[0].paddr);
		ASSERT_EQ(layouts[i].len, r[0].len);
	}
}

/* Buffer order is kept; physically adjacent chunks are merged. */
TEST_F(phys, fragmented_and_merged)
{
	struct dma_buf_phys_test_chunk c[] = {
		{ .offset = 2 * SZ_1M, .len = SZ_1M },
		{ .offset = 0, .len = SZ_1M },
		{ .offset = SZ_1M, .len = SZ_1M },
		{ .offset = 8 * SZ_1M, .len = SZ_4K },
		{ .offset = 8 * SZ_1M + SZ_4K, .len = SZ_4K },
		{ .offset = 4 * SZ_1M, .len = SZ_4K },
	};
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES];
	uint64_t p = self->pool.paddr;

	ASSERT_EQ(0, create_and_map(self->dev, c, 6, 1, &map, r));
	ASSERT_EQ(4, map.nr_ranges);
	ASSERT_EQ(3 * SZ_1M + 3 * SZ_4K, map.size);
	ASSERT_EQ(p + 2 * SZ_1M, r[0].paddr);
	ASSERT_EQ(SZ_1M, r[0].len);
	ASSERT_EQ(p, r[1].paddr);
	ASSERT_EQ(2 * SZ_1M, r[1].len);
	ASSERT_EQ(p + 8 * SZ_1M, r[2].paddr);
	ASSERT_EQ(2 * SZ_4K, r[2].len);
	ASSERT_EQ(p + 4 * SZ_1M, r[3].paddr);
	ASSERT_EQ(SZ_4K, r[3].len);
}

/* Only the first max_ranges come back, but the count is the full one. */
TEST_F(phys, short_range_array)
{
	struct dma_buf_phys_test_chunk c[] = {
		{ .offset = 2 * SZ_4K, .len = SZ_4K },
		{ .offset = 0, .len = SZ_4K },
	};
	struct dma_buf_phys_test_map map;
	struct phys_range r[2] = { { 1, 1 }, { 7, 7 } };
	int buf, imp;

	buf = phys_create(self->dev, c, 2, 0, 0);
	ASSERT_LE(0, buf);
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_map(imp, &map, r, 1));
	ASSERT_EQ(2, map.nr_ranges);
	ASSERT_EQ(self->pool.paddr + 2 * SZ_4K, r[0].paddr);
	ASSERT_EQ(7, r[1].paddr);
	ASSERT_EQ(0, phys_map(imp, &map, NULL, 0));
	ASSERT_EQ(2, map.nr_ranges);
	close(imp);
	close(buf);
}

TEST_F(phys, create_bad_input)
{
	struct dma_buf_phys_test_chunk ok = { .offset = 0, .len = SZ_4K };
	struct dma_buf_phys_test_chunk c;
	struct dma_buf_phys_test_create arg = { .nr_chunks = 1 };

	/* Unknown attributes, and RAM, which the pool is not. */
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &ok, 1,
				       DMA_BUF_PHYS_TEST_ATTR_CACHEABLE_RAM, 0));
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &ok, 1, 4, 0));
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &ok, 1, 0, 1 << 3));
	/* Poison at map needs a second page. */
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &ok, 1, 0,
				       DMA_BUF_PHYS_TEST_F_POISON_AT_MAP));
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &ok, 0, 0, 0));
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &ok, 65537, 0, 0));
	c = (struct dma_buf_phys_test_chunk) { .offset = 0, .len = 0 };
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &c, 1, 0, 0));
	c = (struct dma_buf_phys_test_chunk) { .offset = 512, .len = SZ_4K };
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &c, 1, 0, 0));
	c = (struct dma_buf_phys_test_chunk) { .offset = 0, .len = 512 };
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &c, 1, 0, 0));
	c = (struct dma_buf_phys_test_chunk) {
		.offset = self->pool.size, .len = SZ_4K };
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &c, 1, 0, 0));
	c = (struct dma_buf_phys_test_chunk) {
		.offset = -SZ_4K, .len = 2 * SZ_4K };
	EXPECT_EQ(-EINVAL, phys_create(self->dev, &c, 1, 0, 0));
	arg.chunks = 8;
	EXPECT_EQ(-EFAULT, phys_ioctl(self->dev, DMA_BUF_PHYS_TEST_CREATE,
				      &arg));
	EXPECT_EQ(-ENOTTY, phys_ioctl(self->dev, _IO('P', 99), NULL));
}

TEST_F(phys, read_only_export)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_4K };
	int buf;

	buf = phys_create(self->dev, &c, 1, 0, DMA_BUF_PHYS_TEST_F_RDONLY);
	ASSERT_LE(0, buf);
	ASSERT_EQ(O_RDONLY, fcntl(buf, F_GETFL) & O_ACCMODE);
	close(buf);
	buf = phys_create(self->dev, &c, 1, 0, 0);
	ASSERT_LE(0, buf);
	ASSERT_EQ(O_RDWR, fcntl(buf, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(FD_CLOEXEC, fcntl(buf, F_GETFD) & FD_CLOEXEC);
	close(buf);
}

TEST_F(phys, import_bad_input)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_4K };
	int buf, heap, pipefd[2];

	/* Not an fd, not a dma-buf. */
	EXPECT_EQ(-EBADF, phys_import(self->dev, -1));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-EINVAL, phys_import(self->dev, pipefd[0]));
	close(pipefd[0]);
	close(pipefd[1]);

	/* An exporter without the interface. */
	buf = phys_create(self->dev, &c, 1, 0, DMA_BUF_PHYS_TEST_F_NO_PHYS);
	ASSERT_LE(0, buf);
	EXPECT_EQ(-EOPNOTSUPP, phys_import(self->dev, buf));
	close(buf);

	/* A real one: the system dma-heap. */
	heap = open("/dev/dma_heap/system", O_RDONLY);
	if (heap >= 0) {
		struct dma_heap_allocation_data data = {
			.len = SZ_4K,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		ASSERT_EQ(0, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data));
		EXPECT_EQ(-EOPNOTSUPP, phys_import(self->dev, data.fd));
		/* The test exporter refuses others' buffers. */
		EXPECT_EQ(-EINVAL, phys_revoke(self->dev, data.fd, 1));
		close(data.fd);
		close(heap);
	} else {
		TH_LOG("no /dev/dma_heap/system: heap case not run");
	}
}

/*
 * An importer that cannot give its mappings back (no invalidate_mappings:
 * dma_buf_attach_revocable() is false) is refused by an exporter that
 * revokes, and lent the pages by one that never does (udmabuf).
 */
TEST_F(phys, non_revocable_importer)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_2M };
	struct dma_buf_phys_test_import bad = { .flags = 2 };
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES * 32];
	int buf, imp, udev, memfd;

	buf = phys_create(self->dev, &c, 1, 0, 0);
	ASSERT_LE(0, buf);
	EXPECT_EQ(-EOPNOTSUPP, phys_import_flags(self->dev, buf,
						 DMA_BUF_PHYS_TEST_IMPORT_F_PINNED));
	bad.fd = buf;
	EXPECT_EQ(-EINVAL, phys_ioctl(self->dev, DMA_BUF_PHYS_TEST_IMPORT, &bad));
	bad.flags = 0;
	bad.pad = 1;
	EXPECT_EQ(-EINVAL, phys_ioctl(self->dev, DMA_BUF_PHYS_TEST_IMPORT, &bad));
	EXPECT_EQ(0, phys_attachments(buf));
	close(buf);

	udev = open("/dev/udmabuf", O_RDWR);
	if (udev < 0)
		SKIP(return, "no /dev/udmabuf (CONFIG_UDMABUF)");
	buf = phys_udmabuf(udev, SZ_2M, &memfd);
	ASSERT_LE(0, buf);
	imp = phys_import_flags(self->dev, buf,
				DMA_BUF_PHYS_TEST_IMPORT_F_PINNED);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES * 32));
	ASSERT_EQ(SZ_2M, map.size);
	close(imp);
	close(buf);
	close(memfd);
	close(udev);
}

TEST_F(phys, revoke_and_restore)
{
	struct dma_buf_phys_test_events ev;
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES];
	int buf, imp, imp2;

	buf = create_two_importers(self->dev, &imp, &imp2);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(1, ev.mapped);
	ASSERT_EQ(0, ev.invalidate_mappings);

	ASSERT_EQ(0, phys_revoke(self->dev, buf, 1));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(0, ev.mapped);
	ASSERT_EQ(1, ev.invalidate_mappings);
	ASSERT_EQ(0, phys_events(imp2, &ev));
	ASSERT_EQ(1, ev.invalidate_mappings);
	ASSERT_EQ(-ENODEV, phys_map(imp, &map, r, MAX_RANGES));
	ASSERT_EQ(-ENODEV, phys_map(imp2, &map, r, MAX_RANGES));

	/* Import while revoked is allowed; mapping is not. */
	close(imp2);
	imp2 = phys_import(self->dev, buf);
	ASSERT_LE(0, imp2);
	ASSERT_EQ(-ENODEV, phys_map(imp2, &map, r, MAX_RANGES));

	ASSERT_EQ(0, phys_revoke(self->dev, buf, 0));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(2, ev.invalidate_mappings);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES));
	ASSERT_EQ(self->pool.paddr, r[0].paddr);
	ASSERT_EQ(0, phys_map(imp2, &map, r, MAX_RANGES));

	EXPECT_EQ(-EINVAL, phys_revoke(self->dev, buf, 2));
	EXPECT_EQ(-EBADF, phys_revoke(self->dev, -1, 1));
	close(imp);
	close(imp2);
	close(buf);
}

/* The importer keeps the buffer: the dma-buf fd may be closed. */
TEST_F(phys, close_fd_after_import)
{
	struct dma_buf_phys_test_chunk c = { .offset = SZ_2M, .len = SZ_2M };
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES];
	int buf, imp;

	buf = phys_create(self->dev, &c, 1, 2, 0);
	ASSERT_LE(0, buf);
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	close(buf);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES));
	ASSERT_EQ(self->pool.paddr + SZ_2M, r[0].paddr);
	ASSERT_EQ(2, map.attr);
	close(imp);
}

/*
 * The dma-buf core's debugfs list shows physical importers, which have no
 * device, and forgets them when they detach.
 */
TEST_F(phys, bufinfo_lists_physical_importers)
{
	int buf, imp, imp2;

	buf = create_two_importers(self->dev, &imp, &imp2);
	ASSERT_LE(0, buf);
	ASSERT_EQ(2, phys_attachments(buf));
	close(imp);
	ASSERT_EQ(1, phys_attachments(buf));
	close(imp2);
	ASSERT_EQ(0, phys_attachments(buf));
	close(buf);
}

TEST_F(phys, poison_reaches_every_importer)
{
	struct dma_buf_phys_test_events ev;
	int buf, imp, imp2;

	buf = create_two_importers(self->dev, &imp, &imp2);
	ASSERT_LE(0, buf);

	ASSERT_EQ(0, phys_poison(self->dev, buf, SZ_1M, SZ_4K));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(1, ev.poison);
	ASSERT_EQ(SZ_1M, ev.poison_offset);
	ASSERT_EQ(SZ_4K, ev.poison_len);
	ASSERT_EQ(0, ev.invalidate_mappings);
	ASSERT_EQ(0, phys_events(imp2, &ev));
	ASSERT_EQ(1, ev.poison);
	ASSERT_EQ(SZ_1M, ev.poison_offset);

	/* While revoked too. */
	ASSERT_EQ(0, phys_revoke(self->dev, buf, 1));
	ASSERT_EQ(0, phys_poison(self->dev, buf, SZ_2M - SZ_4K, SZ_4K));
	ASSERT_EQ(0, phys_events(imp2, &ev));
	ASSERT_EQ(2, ev.poison);
	ASSERT_EQ(SZ_2M - SZ_4K, ev.poison_offset);

	EXPECT_EQ(-EINVAL, phys_poison(self->dev, buf, 0, 0));
	EXPECT_EQ(-EINVAL, phys_poison(self->dev, buf, 1, SZ_4K));
	EXPECT_EQ(-EINVAL, phys_poison(self->dev, buf, 0, 100));
	EXPECT_EQ(-EINVAL, phys_poison(self->dev, buf, SZ_2M, SZ_4K));
	EXPECT_EQ(-EINVAL, phys_poison(self->dev, buf, -SZ_4K, 2 * SZ_4K));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(2, ev.poison);
	close(imp);
	close(imp2);
	close(buf);
}

/*
 * The buffer remembers poison (review E5): an importer that attaches after
 * the reports hears of each poisoned range at attach, in buffer order, and
 * of a page reported twice once; a revoke and a restore change nothing.
 */
TEST_F(phys, poison_remembered_for_later_importers)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_2M };
	struct dma_buf_phys_test_events ev;
	int buf, imp;

	buf = phys_create(self->dev, &c, 1, 0, 0);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, phys_poison(self->dev, buf, SZ_1M, SZ_4K));
	ASSERT_EQ(0, phys_poison(self->dev, buf, SZ_4K, 2 * SZ_4K));
	ASSERT_EQ(0, phys_poison(self->dev, buf, SZ_1M, SZ_4K));

	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(2, ev.poison);
	/* The last one heard is the last in buffer order. */
	ASSERT_EQ(SZ_1M, ev.poison_offset);
	ASSERT_EQ(SZ_4K, ev.poison_len);
	ASSERT_EQ(0, ev.invalidate_mappings);
	close(imp);

	ASSERT_EQ(0, phys_revoke(self->dev, buf, 1));
	ASSERT_EQ(0, phys_revoke(self->dev, buf, 0));
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(2, ev.poison);
	ASSERT_EQ(SZ_1M, ev.poison_offset);

	/* A new report reaches it once, and is remembered too. */
	ASSERT_EQ(0, phys_poison(self->dev, buf, SZ_2M - SZ_4K, SZ_4K));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(3, ev.poison);
	close(imp);
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(3, ev.poison);
	ASSERT_EQ(SZ_2M - SZ_4K, ev.poison_offset);
	close(imp);
	close(buf);
}

/* udmabuf: memfd pages, cacheable, at the addresses pagemap shows. */
/*
 * memory_failure() of a pfn of the pool, which has no struct page, reaches
 * the importers of a buffer that holds it, at its offset in the buffer.
 */
TEST_F(phys, memory_failure_reaches_importers)
{
	struct dma_buf_phys_test_chunk c[2] = {
		{ .offset = 3 * SZ_2M, .len = SZ_1M },
		{ .offset = 2 * SZ_2M, .len = SZ_1M },
	};
	struct dma_buf_phys_test_memory_failure mf = {
		.pool_offset = 2 * SZ_2M + 5 * SZ_4K,
	};
	struct dma_buf_phys_test_events ev;
	int buf, imp;

	buf = phys_create(self->dev, c, 2, 0, 0);
	ASSERT_LE(0, buf);
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_ioctl(self->dev, DMA_BUF_PHYS_TEST_MEMORY_FAILURE,
				&mf));
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(1, ev.poison);
	/* The second chunk starts 1 MiB into the buffer. */
	ASSERT_EQ(SZ_1M + 5 * SZ_4K, ev.poison_offset);
	ASSERT_EQ(SZ_4K, ev.poison_len);

	mf.pool_offset = 0x800;
	EXPECT_EQ(-EINVAL, phys_ioctl(self->dev,
				      DMA_BUF_PHYS_TEST_MEMORY_FAILURE, &mf));
	mf.pool_offset = self->pool.size;
	EXPECT_EQ(-EINVAL, phys_ioctl(self->dev,
				      DMA_BUF_PHYS_TEST_MEMORY_FAILURE, &mf));
	close(imp);
	close(buf);
}

TEST_F(phys, udmabuf_ranges_are_the_memfd_pages)
{
	const uint64_t size = SZ_2M;
	struct udmabuf_create create = { .size = size, .flags = UDMABUF_FLAGS_CLOEXEC };
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES * 32];
	uint64_t off, sum = 0, pfn, entry;
	int memfd, udev, buf, imp, pagemap;
	unsigned int i;
	char *p;

	udev = open("/dev/udmabuf", O_RDWR);
	if (udev < 0)
		SKIP(return, "no /dev/udmabuf (CONFIG_UDMABUF)");
	memfd = memfd_create("phys", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, size));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, size);

	create.memfd = memfd;
	buf = ioctl(udev, UDMABUF_CREATE, &create);
	ASSERT_LE(0, buf);
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES * 32));
	ASSERT_EQ(DMA_BUF_PHYS_TEST_ATTR_CACHEABLE_RAM, map.attr);
	ASSERT_EQ(size, map.size);
	ASSERT_LE(map.nr_ranges, MAX_RANGES * 32);
	TH_LOG("udmabuf of %llu KiB: %u ranges",
	       (unsigned long long)size >> 10, map.nr_ranges);

	/* Every page is where pagemap says the memfd page is. */
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, pagemap);
	i = 0;
	for (off = 0; off < size; off += SZ_4K) {
		ASSERT_EQ(sizeof(entry),
			  pread(pagemap, &entry, sizeof(entry),
				((uintptr_t)(p + off) / SZ_4K) * sizeof(entry)));
		ASSERT_TRUE(entry & (1ULL << 63));
		pfn = entry & ((1ULL << 55) - 1);
		while (i < map.nr_ranges && off >= sum + r[i].len)
			sum += r[i++].len;
		ASSERT_LT(i, map.nr_ranges);
		ASSERT_EQ(r[i].paddr + (off - sum), pfn * SZ_4K);
	}
	close(pagemap);

	/* udmabuf never revokes, and the test exporter will not do it. */
	EXPECT_EQ(-EINVAL, phys_revoke(self->dev, buf, 1));
	close(buf);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES * 32));
	close(imp);
	munmap(p, size);
	close(memfd);
	close(udev);
}

/* Unbinding the pool device revokes every buffer for good. */
TEST_F(phys, device_unbind_revokes_for_good)
{
	struct dma_buf_phys_test_chunk c = { .offset = 0, .len = SZ_4K };
	struct dma_buf_phys_test_memory_failure mf = { 0 };
	struct dma_buf_phys_test_events ev;
	struct dma_buf_phys_test_map map;
	struct phys_range r[MAX_RANGES];
	const char *drv = "/sys/bus/pci/drivers/" DMA_BUF_PHYS_TEST_DRIVER;
	char bdf[NAME_MAX + 1] = "", path[PATH_MAX];
	struct dirent *de;
	int buf, imp, fd;
	DIR *d;

	d = opendir(drv);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d)))
		if (strchr(de->d_name, ':'))
			snprintf(bdf, sizeof(bdf), "%s", de->d_name);
	closedir(d);
	ASSERT_NE(0, bdf[0]);

	buf = phys_create(self->dev, &c, 1, 0, 0);
	ASSERT_LE(0, buf);
	imp = phys_import(self->dev, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_map(imp, &map, r, MAX_RANGES));

	snprintf(path, sizeof(path), "%s/unbind", drv);
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(strlen(bdf), write(fd, bdf, strlen(bdf)));
	close(fd);

	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(1, ev.invalidate_mappings);
	ASSERT_EQ(0, ev.mapped);
	ASSERT_EQ(-ENXIO, phys_map(imp, &map, r, MAX_RANGES));
	ASSERT_EQ(-ENODEV, phys_revoke(self->dev, buf, 0));
	ASSERT_EQ(-ENODEV, phys_import(self->dev, buf));
	ASSERT_EQ(-ENODEV, phys_create(self->dev, &c, 1, 0, 0));
	ASSERT_EQ(-ENODEV, phys_ioctl(self->dev,
				      DMA_BUF_PHYS_TEST_MEMORY_FAILURE, &mf));

	/* Bind it again for whoever comes next. */
	fd = open("/sys/bus/pci/drivers_probe", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(strlen(bdf), write(fd, bdf, strlen(bdf)));
	close(fd);
	ASSERT_EQ(0, phys_ioctl(self->dev, DMA_BUF_PHYS_TEST_POOL, &self->pool));
	/* The old buffer stays dead. */
	ASSERT_EQ(-ENXIO, phys_map(imp, &map, r, MAX_RANGES));
	close(imp);
	close(buf);
}

TEST_HARNESS_MAIN
