// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF on a vfio-pci device (the ivshmem BAR2 of our
 * guests, in no-IOMMU mode): what the buffer holds, as the test importer of
 * CONFIG_DMABUF_PHYS_TEST sees it; bad input; revocation by each trigger
 * userspace can cause, and its end; and poison in the BAR, which reaches
 * both the processes that map it and the importers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "../../kselftest_harness.h"
#include "phys_util.h"

#define BAR	VFIO_PCI_BAR2_REGION_INDEX
#define MAX_RANGES 8

FIXTURE(vfio) {
	char bdf[NAME_MAX + 1];
	int container, group, device;
	int phys;		/* the test importer, or -1 */
	uint64_t bar_start, bar_size, cfg;
};

static int open_device(struct __test_metadata *_metadata,
		       FIXTURE_DATA(vfio) *self)
{
	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->bdf);
	return self->device;
}

FIXTURE_SETUP(vfio)
{
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	const char *drv = "/sys/bus/pci/drivers/vfio-pci";
	char path[PATH_MAX], link[PATH_MAX], *group;
	unsigned long long start, end, fl;
	struct dirent *de;
	ssize_t n;
	FILE *f;
	DIR *d;
	int i;

	self->container = -1;
	self->group = -1;
	self->device = -1;
	self->phys = -1;
	d = opendir(drv);
	if (d) {
		while ((de = readdir(d)))
			if (strchr(de->d_name, ':'))
				snprintf(self->bdf, sizeof(self->bdf), "%s",
					 de->d_name);
		closedir(d);
	}
	if (!self->bdf[0])
		SKIP(return, "no device bound to vfio-pci");

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 self->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	group = basename(link);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
		 self->bdf);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	for (i = 0; i <= BAR; i++)
		ASSERT_EQ(3, fscanf(f, "%llx %llx %llx", &start, &end, &fl));
	fclose(f);
	self->bar_start = start;
	self->bar_size = end - start + 1;

	self->container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->container);
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%s", group);
	self->group = open(path, O_RDWR);
	if (self->group < 0) {
		snprintf(path, sizeof(path), "/dev/vfio/%s", group);
		self->group = open(path, O_RDWR);
	}
	ASSERT_LE(0, self->group);
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container));
	if (ioctl(self->container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU))
		ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU,
				   VFIO_TYPE1v2_IOMMU));
	ASSERT_LE(0, open_device(_metadata, self));
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_GET_REGION_INFO, &cfg));
	self->cfg = cfg.offset;

	self->phys = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	TH_LOG("%s: BAR2 %#llx, %llu MiB", self->bdf,
	       (unsigned long long)self->bar_start,
	       (unsigned long long)self->bar_size >> 20);
}

FIXTURE_TEARDOWN(vfio)
{
	if (self->phys >= 0)
		close(self->phys);
	if (self->device >= 0)
		close(self->device);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
}

/* The fd, or -errno.  argsz_delta shrinks or grows argsz. */
static int export(int device, uint32_t feature_flags, uint32_t region,
		  uint32_t open_flags, uint32_t flags,
		  const struct vfio_region_dma_range *r, uint32_t nr,
		  long argsz_delta)
{
	size_t sz = sizeof(struct vfio_device_feature) +
		    sizeof(struct vfio_device_feature_dma_buf) +
		    nr * sizeof(*r);
	struct vfio_device_feature *feature = calloc(1, sz);
	struct vfio_device_feature_dma_buf *get = (void *)feature->data;
	int ret;

	feature->argsz = sz + argsz_delta;
	feature->flags = feature_flags | VFIO_DEVICE_FEATURE_DMA_BUF;
	get->region_index = region;
	get->open_flags = open_flags;
	get->flags = flags;
	get->nr_ranges = nr;
	memcpy(get->dma_ranges, r, nr * sizeof(*r));
	ret = ioctl(device, VFIO_DEVICE_FEATURE, feature);
	free(feature);
	return ret < 0 ? -errno : ret;
}

static int export_bar(int device, const struct vfio_region_dma_range *r,
		      uint32_t nr)
{
	return export(device, VFIO_DEVICE_FEATURE_GET, BAR,
		      O_RDWR | O_CLOEXEC, 0, r, nr, 0);
}

static uint16_t read_cmd(FIXTURE_DATA(vfio) *self)
{
	uint16_t cmd = 0;

	if (pread(self->device, &cmd, 2, self->cfg + PCI_COMMAND) != 2)
		return 0xffff;
	return cmd;
}

static int write_cmd(FIXTURE_DATA(vfio) *self, uint16_t cmd)
{
	return pwrite(self->device, &cmd, 2, self->cfg + PCI_COMMAND) == 2 ?
	       0 : -errno;
}

#define NO_IMPORTER "no " DMA_BUF_PHYS_TEST_DEV " to import with"

TEST_F(vfio, probe)
{
	struct vfio_region_dma_range r = { 0, SZ_4K };

	ASSERT_EQ(0, export(self->device, VFIO_DEVICE_FEATURE_GET |
			    VFIO_DEVICE_FEATURE_PROBE, BAR, O_RDWR, 0, &r, 1,
			    0));
}

TEST_F(vfio, whole_bar)
{
	struct vfio_region_dma_range r = { 0, self->bar_size };
	struct dma_buf_phys_test_map map;
	struct phys_range pr[MAX_RANGES];
	int buf, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	ASSERT_EQ(O_RDWR, fcntl(buf, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(FD_CLOEXEC, fcntl(buf, F_GETFD) & FD_CLOEXEC);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_map(imp, &map, pr, MAX_RANGES));
	ASSERT_EQ(DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY, map.attr);
	ASSERT_EQ(1, map.nr_ranges);
	ASSERT_EQ(self->bar_size, map.size);
	ASSERT_EQ(self->bar_start, pr[0].paddr);
	ASSERT_EQ(self->bar_size, pr[0].len);
	close(imp);
	close(buf);
}

/* As in 7.1: VFIO revokes, so it refuses importers that cannot be revoked. */
TEST_F(vfio, non_revocable_importer)
{
	struct vfio_region_dma_range r = { 0, SZ_2M };
	int buf;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	EXPECT_EQ(-EOPNOTSUPP,
		  phys_import_flags(self->phys, buf,
				    DMA_BUF_PHYS_TEST_IMPORT_F_PINNED));
	EXPECT_EQ(0, phys_attachments(buf));
	close(buf);
}

TEST_F(vfio, ranges_in_order)
{
	struct vfio_region_dma_range r[] = {
		{ self->bar_size - SZ_2M, SZ_2M },
		{ 0, SZ_4K },
		{ SZ_4K, SZ_4K },
	};
	struct dma_buf_phys_test_map map;
	struct phys_range pr[MAX_RANGES];
	int buf, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	buf = export(self->device, VFIO_DEVICE_FEATURE_GET, BAR, O_RDONLY, 0,
		     r, 3, 0);
	ASSERT_LE(0, buf);
	ASSERT_EQ(O_RDONLY, fcntl(buf, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, fcntl(buf, F_GETFD) & FD_CLOEXEC);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, phys_map(imp, &map, pr, MAX_RANGES));
	ASSERT_EQ(2, map.nr_ranges);
	ASSERT_EQ(SZ_2M + 2 * SZ_4K, map.size);
	ASSERT_EQ(self->bar_start + self->bar_size - SZ_2M, pr[0].paddr);
	ASSERT_EQ(SZ_2M, pr[0].len);
	ASSERT_EQ(self->bar_start, pr[1].paddr);
	ASSERT_EQ(2 * SZ_4K, pr[1].len);
	close(imp);
	close(buf);
}

/*
 * open_flags reach the dma-buf's file as they are, as in 6.19: no access
 * mode is refused, and importers check what they need (KVM refuses a
 * write-only buffer: dmabuf_memslot_test).
 */
TEST_F(vfio, open_flags_as_given)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	struct vfio_region_dma_range r = { 0, SZ_4K };
	unsigned int i;
	int buf;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		buf = export(self->device, VFIO_DEVICE_FEATURE_GET, BAR,
			     modes[i] | O_NONBLOCK | O_CLOEXEC, 0, &r, 1, 0);
		ASSERT_LE(0, buf);
		EXPECT_EQ(modes[i], fcntl(buf, F_GETFL) & O_ACCMODE);
		EXPECT_EQ(O_NONBLOCK, fcntl(buf, F_GETFL) & O_NONBLOCK);
		EXPECT_EQ(FD_CLOEXEC, fcntl(buf, F_GETFD) & FD_CLOEXEC);
		close(buf);
	}
	buf = export(self->device, VFIO_DEVICE_FEATURE_GET, BAR, O_ACCMODE, 0,
		     &r, 1, 0);
	ASSERT_LE(0, buf);
	close(buf);
}

TEST_F(vfio, bad_input)
{
	const uint32_t get = VFIO_DEVICE_FEATURE_GET;
	struct vfio_region_dma_range ok = { 0, SZ_4K }, r;
	struct vfio_region_dma_range two[] = { { 0, -SZ_4K }, { 0, 2 * SZ_4K } };
	int d = self->device;

	/* Regions: ROM and above, an I/O-less empty BAR, a small BAR. */
	EXPECT_EQ(-ENODEV, export(d, get, VFIO_PCI_ROM_REGION_INDEX, O_RDWR,
				  0, &ok, 1, 0));
	EXPECT_EQ(-ENODEV, export(d, get, VFIO_PCI_CONFIG_REGION_INDEX,
				  O_RDWR, 0, &ok, 1, 0));
	EXPECT_EQ(-ENODEV, export(d, get, 1000, O_RDWR, 0, &ok, 1, 0));
	EXPECT_EQ(-EINVAL, export(d, get, VFIO_PCI_BAR1_REGION_INDEX,
				  O_RDWR, 0, &ok, 1, 0));
	EXPECT_EQ(-EINVAL, export(d, get, VFIO_PCI_BAR0_REGION_INDEX,
				  O_RDWR, 0, &ok, 1, 0));
	/* Flags. */
	EXPECT_EQ(-EINVAL, export(d, get, BAR, O_RDWR, 1, &ok, 1, 0));
	EXPECT_EQ(-EINVAL, export(d, VFIO_DEVICE_FEATURE_SET, BAR, O_RDWR, 0,
				  &ok, 1, 0));
	/* Ranges. */
	EXPECT_EQ(-EINVAL, export(d, get, BAR, O_RDWR, 0, &ok, 0, 0));
	r = (struct vfio_region_dma_range) { 0, 0 };
	EXPECT_EQ(-EINVAL, export_bar(d, &r, 1));
	r = (struct vfio_region_dma_range) { 512, SZ_4K };
	EXPECT_EQ(-EINVAL, export_bar(d, &r, 1));
	r = (struct vfio_region_dma_range) { 0, SZ_4K + 512 };
	EXPECT_EQ(-EINVAL, export_bar(d, &r, 1));
	r = (struct vfio_region_dma_range) { self->bar_size, SZ_4K };
	EXPECT_EQ(-EINVAL, export_bar(d, &r, 1));
	r = (struct vfio_region_dma_range) { 0, self->bar_size + SZ_4K };
	EXPECT_EQ(-EINVAL, export_bar(d, &r, 1));
	r = (struct vfio_region_dma_range) { -SZ_4K, 2 * SZ_4K };
	EXPECT_EQ(-EINVAL, export_bar(d, &r, 1));
	EXPECT_EQ(-EINVAL, export_bar(d, two, 2));
	/* argsz must cover the ranges. */
	EXPECT_EQ(-EINVAL, export(d, get, BAR, O_RDWR, 0, &ok, 1,
				  -(long)sizeof(ok)));
	EXPECT_EQ(-EINVAL, export(d, get, BAR, O_RDWR, 0, &ok, 1, -1));
}

/* The buffer has no CPU mapping. */
TEST_F(vfio, no_mmap)
{
	struct vfio_region_dma_range r = { 0, SZ_4K };
	void *p;
	int buf;

	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, buf, 0);
	ASSERT_EQ(MAP_FAILED, p);
	close(buf);
}

static void expect_revoked(struct __test_metadata *_metadata, int imp,
			   uint64_t notifies, int map_ret)
{
	struct dma_buf_phys_test_events ev;
	struct dma_buf_phys_test_map map;
	struct phys_range pr[MAX_RANGES];

	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(notifies, ev.invalidate_mappings);
	ASSERT_EQ(map_ret, phys_map(imp, &map, pr, MAX_RANGES));
}

TEST_F(vfio, revoke_memory_disable)
{
	struct vfio_region_dma_range r = { 0, SZ_2M };
	uint16_t cmd;
	int buf, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	cmd = read_cmd(self);
	ASSERT_NE(0xffff, cmd);
	if (!(cmd & PCI_COMMAND_MEMORY)) {
		ASSERT_EQ(0, write_cmd(self, cmd | PCI_COMMAND_MEMORY));
		cmd |= PCI_COMMAND_MEMORY;
	}
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);
	expect_revoked(_metadata, imp, 0, 0);

	ASSERT_EQ(0, write_cmd(self, cmd & ~PCI_COMMAND_MEMORY));
	expect_revoked(_metadata, imp, 1, -ENODEV);
	/* Another write with memory still off changes nothing. */
	ASSERT_EQ(0, write_cmd(self, cmd & ~PCI_COMMAND_MEMORY));
	expect_revoked(_metadata, imp, 1, -ENODEV);

	/* Exported while disabled: born revoked. */
	{
		int buf2 = export_bar(self->device, &r, 1), imp2;

		ASSERT_LE(0, buf2);
		imp2 = phys_import(self->phys, buf2);
		ASSERT_LE(0, imp2);
		expect_revoked(_metadata, imp2, 0, -ENODEV);
		ASSERT_EQ(0, write_cmd(self, cmd));
		expect_revoked(_metadata, imp2, 1, 0);
		close(imp2);
		close(buf2);
	}
	expect_revoked(_metadata, imp, 2, 0);
	close(imp);
	close(buf);
}

TEST_F(vfio, revoke_low_power)
{
	struct vfio_device_feature entry = {
		.argsz = sizeof(entry),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
	};
	struct vfio_device_feature exit = {
		.argsz = sizeof(exit),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	struct vfio_region_dma_range r = { 0, SZ_2M };
	int buf, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);
	expect_revoked(_metadata, imp, 0, 0);
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_FEATURE, &entry));
	expect_revoked(_metadata, imp, 1, -ENODEV);
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_FEATURE, &exit));
	expect_revoked(_metadata, imp, 2, 0);
	close(imp);
	close(buf);
}

TEST_F(vfio, revoke_device_reset)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_dma_range r = { 0, SZ_2M };
	int buf, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_GET_INFO, &info));
	if (!(info.flags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "%s has no reset method (VFIO_DEVICE_FLAGS_RESET)",
		     self->bdf);
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);
	expect_revoked(_metadata, imp, 0, 0);
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_RESET));
	/* Revoked for the reset, restored after it. */
	expect_revoked(_metadata, imp, 2, 0);
	close(imp);
	close(buf);
}

TEST_F(vfio, revoke_hot_reset)
{
	struct vfio_pci_hot_reset_info info = { .argsz = sizeof(info) };
	char buf[sizeof(struct vfio_pci_hot_reset) + sizeof(int32_t)] = {};
	struct vfio_pci_hot_reset *reset = (void *)buf;
	struct vfio_region_dma_range r = { 0, SZ_2M };
	int fd, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	if (ioctl(self->device, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info) &&
	    errno != ENOSPC)
		SKIP(return, "%s cannot be hot reset: %s", self->bdf,
		     strerror(errno));
	ASSERT_EQ(1, info.count);
	fd = export_bar(self->device, &r, 1);
	ASSERT_LE(0, fd);
	imp = phys_import(self->phys, fd);
	ASSERT_LE(0, imp);
	reset->argsz = sizeof(buf);
	reset->count = 1;
	reset->group_fds[0] = self->group;
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_PCI_HOT_RESET, reset));
	expect_revoked(_metadata, imp, 2, 0);
	close(imp);
	close(fd);
}

/* Closing the device revokes for good; the buffers outlive it. */
TEST_F(vfio, revoke_device_close)
{
	struct vfio_region_dma_range r = { 0, SZ_2M };
	int buf, buf2, imp;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	buf2 = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf2);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);
	expect_revoked(_metadata, imp, 0, 0);

	ASSERT_EQ(0, close(self->device));
	self->device = -1;
	expect_revoked(_metadata, imp, 1, -ENXIO);
	/* Nobody new may attach to a dead buffer. */
	ASSERT_EQ(-ENODEV, phys_import(self->phys, buf2));
	close(buf2);

	/* The device opens again, and exports anew; the old one stays dead. */
	ASSERT_LE(0, open_device(_metadata, self));
	buf2 = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf2);
	close(buf2);
	expect_revoked(_metadata, imp, 1, -ENXIO);
	close(buf);
	close(imp);
}

/* The last SIGBUS, published by the count. */
static siginfo_t sigbus_si;
static int sigbus_n;

static void sigbus_info(int sig, siginfo_t *si, void *uc)
{
	sigbus_si = *si;
	__atomic_fetch_add(&sigbus_n, 1, __ATOMIC_RELEASE);
}

static int sigbus_count(void)
{
	return __atomic_load_n(&sigbus_n, __ATOMIC_ACQUIRE);
}

/* memory_failure() of @pfn on this thread, as x86's kill_me_maybe() does. */
static int consume(int phys, uint64_t pfn)
{
	struct dma_buf_phys_test_consume c = { .pfn = pfn };

	return ioctl(phys, DMA_BUF_PHYS_TEST_CONSUME, &c) ? -errno : 0;
}

/* Whether the registry's debugfs view lists a space that starts at @pfn. */
static bool space_listed(uint64_t pfn)
{
	char line[256], want[32];
	bool found = false;
	FILE *f = fopen("/sys/kernel/debug/pfn_address_spaces", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "%#llx-", (unsigned long long)pfn);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = true;
	fclose(f);
	return found;
}

/*
 * Poison in a BAR pfn, which has no struct page (6.19's memory_failure_pfn()
 * for a pfn address space): the process that maps the BAR gets a SIGBUS at
 * its address, action required if it consumed the poison, action optional
 * (it asked for early kill) if another process did; and the importer of a
 * buffer of the BAR hears of it, at its offset, each time.  Consumed where
 * nobody maps or holds it, it is not recovered (-EBUSY), so that x86 sends
 * the consumer a SIGBUS.  The BAR is registered only while the device is
 * open.
 */
TEST_F(vfio, poison_mappers_and_importers)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar),
		.index = BAR,
	};
	struct vfio_region_dma_range r = { 0, SZ_2M };
	struct sigaction sa = {
		.sa_sigaction = sigbus_info,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};
	uint64_t pfn = self->bar_start / SZ_4K;
	struct dma_buf_phys_test_events ev;
	int buf, imp, status;
	uint16_t cmd;
	char *map;
	pid_t pid;

	if (self->phys < 0)
		SKIP(return, NO_IMPORTER);
	cmd = read_cmd(self);
	ASSERT_NE(0xffff, cmd);
	ASSERT_EQ(0, write_cmd(self, cmd | PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, ioctl(self->device, VFIO_DEVICE_GET_REGION_INFO, &bar));
	ASSERT_TRUE(bar.flags & VFIO_REGION_INFO_FLAG_MMAP);
	ASSERT_TRUE(space_listed(pfn));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(-EBUSY, consume(self->phys, pfn + 5));
	ASSERT_EQ(0, sigbus_count());
	map = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->device, bar.offset);
	ASSERT_NE(MAP_FAILED, map);
	buf = export_bar(self->device, &r, 1);
	ASSERT_LE(0, buf);
	imp = phys_import(self->phys, buf);
	ASSERT_LE(0, imp);

	/* Consumed by this process, which maps the page. */
	ASSERT_EQ(0, consume(self->phys, pfn + 1));
	ASSERT_EQ(1, sigbus_count());
	ASSERT_EQ(BUS_MCEERR_AR, sigbus_si.si_code);
	ASSERT_EQ(map + SZ_4K, (char *)sigbus_si.si_addr);
	ASSERT_EQ(12, sigbus_si.si_addr_lsb);
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(1, ev.poison);
	ASSERT_EQ(SZ_4K, ev.poison_offset);
	ASSERT_EQ(SZ_4K, ev.poison_len);

	/* Consumed by a child that does not map it: early kill of the parent. */
	ASSERT_EQ(0, prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY,
			   0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		munmap(map, SZ_2M);
		_exit(consume(self->phys, pfn + 2) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Queued during the child's ioctl: delivered by now, and only one. */
	usleep(100000);
	ASSERT_EQ(2, sigbus_count());
	ASSERT_EQ(BUS_MCEERR_AO, sigbus_si.si_code);
	ASSERT_EQ(map + 2 * SZ_4K, (char *)sigbus_si.si_addr);
	ASSERT_EQ(0, phys_events(imp, &ev));
	ASSERT_EQ(2, ev.poison);
	ASSERT_EQ(2 * SZ_4K, ev.poison_offset);
	TH_LOG("pfns %#llx and %#llx: SIGBUS AR and AO at the mapping, importer told twice",
	       (unsigned long long)pfn + 1, (unsigned long long)pfn + 2);

	prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0);
	close(imp);
	close(buf);
	munmap(map, SZ_2M);
	write_cmd(self, cmd);
	close(self->device);
	self->device = -1;
	ASSERT_FALSE(space_listed(pfn));
}

TEST_HARNESS_MAIN
