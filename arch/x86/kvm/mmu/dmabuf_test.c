// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the EPT memory types of dma-buf slots: every exporter
 * attribute, on system RAM and on other memory.  TCG has no VMX, so this
 * is where the choice is checked; the SPTE bits are built from it.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/kvm_host.h>

#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "dmabuf.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define MT(t)	((u8)((t) << VMX_EPT_MT_EPTE_SHIFT))
#define IPAT	((u8)VMX_EPT_IPAT_BIT)

struct ept_case {
	const char *name;
	enum dma_buf_mem_attr attr;
	bool ram;
	u8 ram_mt;
	u8 want;
};

static const struct ept_case ept_cases[] = {
	{ "device memory: UC, guest PAT ignored", DMA_BUF_MEM_DEVICE, false, 0,
	  MT(MTRR_TYPE_UNCACHABLE) | IPAT },
	{ "any-uncached memory: UC, guest PAT honoured (WC possible)",
	  DMA_BUF_MEM_UNCACHED_ANY, false, 0, MT(MTRR_TYPE_UNCACHABLE) },
	{ "cacheable memory outside RAM: WB", DMA_BUF_MEM_CACHEABLE, false, 0,
	  MT(MTRR_TYPE_WRBACK) },
	{ "unknown attribute: UC, guest PAT ignored", DMA_BUF_MEM_NR, false, 0,
	  MT(MTRR_TYPE_UNCACHABLE) | IPAT },
	{ "cacheable RAM attribute outside RAM: WB", DMA_BUF_MEM_CACHEABLE_RAM,
	  false, 0, MT(MTRR_TYPE_WRBACK) },
	{ "RAM, cacheable RAM: KVM's RAM rule (WB)", DMA_BUF_MEM_CACHEABLE_RAM,
	  true, MT(MTRR_TYPE_WRBACK), MT(MTRR_TYPE_WRBACK) },
	{ "RAM, cacheable RAM: KVM's RAM rule (WB, guest PAT ignored)",
	  DMA_BUF_MEM_CACHEABLE_RAM, true, MT(MTRR_TYPE_WRBACK) | IPAT,
	  MT(MTRR_TYPE_WRBACK) | IPAT },
	{ "RAM, cacheable: KVM's RAM rule (WB)", DMA_BUF_MEM_CACHEABLE, true,
	  MT(MTRR_TYPE_WRBACK), MT(MTRR_TYPE_WRBACK) },
	{ "RAM, device attribute: never UC over the WB linear map",
	  DMA_BUF_MEM_DEVICE, true, MT(MTRR_TYPE_WRBACK),
	  MT(MTRR_TYPE_WRBACK) },
	{ "RAM, any-uncached attribute: KVM's RAM rule",
	  DMA_BUF_MEM_UNCACHED_ANY, true, MT(MTRR_TYPE_WRBACK) | IPAT,
	  MT(MTRR_TYPE_WRBACK) | IPAT },
};

static void ept_case_desc(const struct ept_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ept, ept_cases, ept_case_desc);

static void kvm_dmabuf_ept_memtype_test(struct kunit *test)
{
	const struct ept_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kvm_dmabuf_ept_memtype(c->attr, c->ram, c->ram_mt),
			c->want);
}

/* No attribute lets a guest PAT entry turn memory outside RAM into WB. */
static void kvm_dmabuf_ept_no_wb_for_uncached_test(struct kunit *test)
{
	u8 mt;

	mt = kvm_dmabuf_ept_memtype(DMA_BUF_MEM_DEVICE, false, 0);
	KUNIT_EXPECT_NE(test, mt & VMX_EPT_MT_MASK, MT(MTRR_TYPE_WRBACK));
	mt = kvm_dmabuf_ept_memtype(DMA_BUF_MEM_UNCACHED_ANY, false, 0);
	KUNIT_EXPECT_NE(test, mt & VMX_EPT_MT_MASK, MT(MTRR_TYPE_WRBACK));
}

static struct kunit_case kvm_dmabuf_ept_cases[] = {
	KUNIT_CASE_PARAM(kvm_dmabuf_ept_memtype_test, ept_gen_params),
	KUNIT_CASE(kvm_dmabuf_ept_no_wb_for_uncached_test),
	{}
};

static struct kunit_suite kvm_dmabuf_ept_suite = {
	.name = "kvm_dmabuf_ept",
	.test_cases = kvm_dmabuf_ept_cases,
};

kunit_test_suite(kvm_dmabuf_ept_suite);

MODULE_DESCRIPTION("KUnit tests of the EPT memory types of KVM dma-buf slots");
MODULE_LICENSE("GPL");
