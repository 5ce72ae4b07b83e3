/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the tests of physical dma-buf importers: the test exporter
 * and importer of CONFIG_DMABUF_PHYS_TEST.  Each returns 0 or -errno.
 */
#ifndef PHYS_UTIL_H
#define PHYS_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/udmabuf.h>
#include <sys/stat.h>

/* Relative to this file, for the tests of other directories too. */
#include "../../../../../drivers/dma-buf/dma-buf-phys-test.h"

#ifndef SZ_4K
#define SZ_4K	0x1000ULL
#define SZ_1M	0x100000ULL
#define SZ_2M	0x200000ULL
#define SZ_1G	0x40000000ULL
#endif

struct phys_range {
	uint64_t paddr;
	uint64_t len;
};

static inline int phys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* Returns the dma-buf fd, or -errno. */
static inline int phys_create(int dev, const struct dma_buf_phys_test_chunk *c,
			      unsigned int n, unsigned int attr,
			      unsigned int flags)
{
	struct dma_buf_phys_test_create arg = {
		.attr = attr,
		.flags = flags,
		.nr_chunks = n,
		.chunks = (uintptr_t)c,
	};
	int ret = phys_ioctl(dev, DMA_BUF_PHYS_TEST_CREATE, &arg);

	return ret ? ret : arg.fd;
}

/* Returns the importer fd, or -errno. */
static inline int phys_import_flags(int dev, int dmabuf, unsigned int flags)
{
	struct dma_buf_phys_test_import arg = { .fd = dmabuf, .flags = flags };
	int ret = phys_ioctl(dev, DMA_BUF_PHYS_TEST_IMPORT, &arg);

	return ret ? ret : arg.importer_fd;
}

static inline int phys_import(int dev, int dmabuf)
{
	return phys_import_flags(dev, dmabuf, 0);
}

static inline int phys_revoke(int dev, int dmabuf, unsigned int revoked)
{
	struct dma_buf_phys_test_revoke arg = {
		.fd = dmabuf,
		.revoked = revoked,
	};

	return phys_ioctl(dev, DMA_BUF_PHYS_TEST_REVOKE, &arg);
}

static inline int phys_poison(int dev, int dmabuf, uint64_t offset,
			      uint64_t len)
{
	struct dma_buf_phys_test_poison arg = {
		.fd = dmabuf,
		.offset = offset,
		.len = len,
	};

	return phys_ioctl(dev, DMA_BUF_PHYS_TEST_POISON, &arg);
}

/* Maps through the importer; fills map and up to max ranges. */
static inline int phys_map(int imp, struct dma_buf_phys_test_map *map,
			   struct phys_range *ranges, unsigned int max)
{
	*map = (struct dma_buf_phys_test_map) {
		.ranges = (uintptr_t)ranges,
		.max_ranges = max,
	};
	return phys_ioctl(imp, DMA_BUF_PHYS_TEST_MAP, map);
}

static inline int phys_events(int imp, struct dma_buf_phys_test_events *ev)
{
	return phys_ioctl(imp, DMA_BUF_PHYS_TEST_EVENTS, ev);
}

/*
 * How many importers are attached to @dmabuf, as the dma-buf core lists
 * them in debugfs (the buffer is found by its inode); -errno if the list
 * cannot be read or does not hold the buffer.
 */
static inline int phys_attachments(int dmabuf)
{
	char line[256], ino[32];
	bool found = false;
	int n = -ENOENT;
	struct stat st;
	FILE *f;

	if (fstat(dmabuf, &st))
		return -errno;
	f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "r");
	if (!f)
		return -errno;
	snprintf(ino, sizeof(ino), "\t%08lu\t", (unsigned long)st.st_ino);
	while (fgets(line, sizeof(line), f)) {
		if (!found) {
			found = strstr(line, ino);
			continue;
		}
		if (sscanf(line, "Total %d devices attached", &n) == 1)
			break;
	}
	fclose(f);
	return n;
}

/*
 * A udmabuf over a new memfd of @size bytes, sealed against shrinking as
 * udmabuf wants: returns the dma-buf fd and sets *memfd, or returns -errno.
 */
/* The PCI address of a device bound to driver @drv, if there is one. */
static inline bool phys_bound_device(const char *drv, char *bdf, size_t size)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	bdf[0] = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (strchr(de->d_name, ':'))
			snprintf(bdf, size, "%s", de->d_name);
	if (d)
		closedir(d);
	return bdf[0];
}

/*
 * The first @size bytes of the test exporter's pool, mapped through sysfs
 * (our guests' pool is an ivshmem, whose memory is BAR 2), to look at what
 * a guest wrote from outside the VM.  Exits the test on failure.
 */
static inline uint64_t *phys_map_pool(uint64_t size)
{
	char bdf[NAME_MAX + 1], res[PATH_MAX];
	void *p;
	int fd = -1, bar;

	if (!phys_bound_device(DMA_BUF_PHYS_TEST_DRIVER, bdf, sizeof(bdf))) {
		fprintf(stderr, "no device bound to %s\n", DMA_BUF_PHYS_TEST_DRIVER);
		exit(1);
	}
	for (bar = 2; bar >= 0 && fd < 0; bar -= 2) {
		snprintf(res, sizeof(res), "/sys/bus/pci/devices/%s/resource%d",
			 bdf, bar);
		fd = open(res, O_RDWR | O_SYNC);
	}
	if (fd < 0) {
		fprintf(stderr, "cannot open the BAR of %s: %s\n", bdf,
			strerror(errno));
		exit(1);
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap of the pool BAR: %s\n", strerror(errno));
		exit(1);
	}
	return p;
}

static inline int phys_udmabuf(int udev, uint64_t size, int *memfd)
{
	struct udmabuf_create create = { .size = size };
	int fd, buf;

	*memfd = -1;
	fd = memfd_create("udmabuf", MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		buf = -errno;
		close(fd);
		return buf;
	}
	create.memfd = fd;
	buf = ioctl(udev, UDMABUF_CREATE, &create);
	if (buf < 0) {
		buf = -errno;
		close(fd);
		return buf;
	}
	*memfd = fd;
	return buf;
}

#endif /* PHYS_UTIL_H */
