/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For KVM selftests on the test exporter (CONFIG_DMABUF_PHYS_TEST, see
 * tools/testing/selftests/drivers/dma-buf-phys/phys_util.h): its calls,
 * failing the test on error, and a guest that reads a slot.
 */
#ifndef SELFTEST_KVM_DMABUF_PHYS_H
#define SELFTEST_KVM_DMABUF_PHYS_H

#include <string.h>

#include "kvm_util.h"
#include "ucall_common.h"

#include "../../drivers/dma-buf-phys/phys_util.h"

/* Guest code: read @gva, report stage 1, read it again, report stage 2. */
static inline void kvm_dmabuf_guest_read(uint64_t gva)
{
	READ_ONCE(*(uint64_t *)gva);
	GUEST_SYNC(1);
	READ_ONCE(*(uint64_t *)gva);
	GUEST_SYNC(2);
}

/* A buffer of @size bytes at @pool_off of the pool, uncached-any. */
static inline int kvm_dmabuf_phys_buf(int dev, uint64_t pool_off,
				      uint64_t size)
{
	struct dma_buf_phys_test_chunk c = { .offset = pool_off, .len = size };
	int buf = phys_create(dev, &c, 1, DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY,
			      0);

	TEST_ASSERT(buf >= 0, "creating a test buffer: %s", strerror(-buf));
	return buf;
}

/* The exporter reports [@offset, @offset + @len) of @buf poisoned. */
static inline void kvm_dmabuf_phys_poison(int dev, int buf, uint64_t offset,
					  uint64_t len)
{
	int r = phys_poison(dev, buf, offset, len);

	TEST_ASSERT(!r, "poisoning %#lx: %s", (unsigned long)offset,
		    strerror(-r));
}

/* The exporter revokes @buf (@revoked 1) or restores it (0). */
static inline void kvm_dmabuf_phys_revoke(int dev, int buf,
					  unsigned int revoked)
{
	int r = phys_revoke(dev, buf, revoked);

	TEST_ASSERT(!r, "revoke %u: %s", revoked, strerror(-r));
}

#endif /* SELFTEST_KVM_DMABUF_PHYS_H */
