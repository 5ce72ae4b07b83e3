// SPDX-License-Identifier: GPL-2.0
/*
 * Poison a page of the test guest (L1) by its physical address, for the
 * end-to-end runs (harness/guest/e2e-qemu): memory_failure() of its pfn,
 * as the machine reports poison that a thread consumed, through the test
 * exporter's DMA_BUF_PHYS_TEST_CONSUME (drivers/dma-buf/dma-buf-phys-test.h),
 * which takes any pfn.  For a page of a vfio-pci BAR, vfio-pci's pfn
 * address space tells every importer of the BAR's dma-bufs (a KVM slot
 * then ends KVM_RUN with KVM_MEMORY_EXIT_FLAG_HWPOISON at the page's gpa)
 * and signals the processes that map the page, of which this one is none.
 *
 * usage: poison-pfn PHYS_ADDR
 * Prints one line and exits 0 if memory_failure() took the page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dma-buf-phys-test.h"

int main(int argc, char **argv)
{
	struct dma_buf_phys_test_consume c;
	unsigned long long addr;
	char *end;
	int fd, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: poison-pfn PHYS_ADDR\n");
		return 2;
	}
	addr = strtoull(argv[1], &end, 0);
	if (end == argv[1] || *end) {
		fprintf(stderr, "poison-pfn: not an address: %s\n", argv[1]);
		return 2;
	}
	fd = open(DMA_BUF_PHYS_TEST_DEV, O_RDWR);
	if (fd < 0) {
		printf("poison-pfn: %s: %s\n", DMA_BUF_PHYS_TEST_DEV,
		       strerror(errno));
		return 1;
	}
	c.pfn = addr / (unsigned long long)sysconf(_SC_PAGESIZE);
	ret = ioctl(fd, DMA_BUF_PHYS_TEST_CONSUME, &c);
	printf("poison-pfn: memory_failure() of pfn %#llx (%#llx): %s\n",
	       (unsigned long long)c.pfn, addr, ret ? strerror(errno) : "ok");
	close(fd);
	return ret ? 1 : 0;
}
