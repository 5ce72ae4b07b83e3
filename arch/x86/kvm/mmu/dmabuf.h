/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __KVM_X86_MMU_DMABUF_H
#define __KVM_X86_MMU_DMABUF_H

struct kvm;
struct kvm_vcpu;
struct kvm_page_fault;
struct kvm_memory_slot;

#include <linux/dma-buf-phys.h>
#include <linux/kvm_dmabuf.h>
#include <linux/kvm_types.h>

#ifdef CONFIG_KVM_DMABUF
int kvm_mmu_faultin_pfn_dmabuf(struct kvm_vcpu *vcpu,
			       struct kvm_page_fault *fault);
void kvm_mmu_dmabuf_map_around(struct kvm_vcpu *vcpu,
			       struct kvm_page_fault *fault);
int kvm_mmu_dmabuf_table_fault(struct kvm_vcpu *vcpu, gpa_t table_gpa);
int kvm_mmu_dmabuf_cmpxchg(struct kvm_memory_slot *slot, gpa_t gpa,
			   const void *old, const void *new,
			   unsigned int bytes);
u8 kvm_dmabuf_ept_memtype(enum dma_buf_mem_attr attr, bool ram, u8 ram_mt);
u8 kvm_mmu_dmabuf_mt_mask(struct kvm_vcpu *vcpu,
			  const struct kvm_memory_slot *slot, gfn_t gfn,
			  bool is_mmio);
/* In mmu.c, which owns the rmaps. */
u64 kvm_mmu_rmap_leaf(struct kvm *kvm, const struct kvm_memory_slot *slot,
		      gfn_t gfn, int level, bool *writable);
#else
static inline int kvm_mmu_faultin_pfn_dmabuf(struct kvm_vcpu *vcpu,
					     struct kvm_page_fault *fault)
{
	return -EFAULT;
}

static inline void kvm_mmu_dmabuf_map_around(struct kvm_vcpu *vcpu,
					     struct kvm_page_fault *fault)
{
}

static inline int kvm_mmu_dmabuf_table_fault(struct kvm_vcpu *vcpu,
					     gpa_t table_gpa)
{
	return -EFAULT;
}

static inline int kvm_mmu_dmabuf_cmpxchg(struct kvm_memory_slot *slot,
					 gpa_t gpa, const void *old,
					 const void *new, unsigned int bytes)
{
	return -EFAULT;
}

static inline u8 kvm_mmu_dmabuf_mt_mask(struct kvm_vcpu *vcpu,
					const struct kvm_memory_slot *slot,
					gfn_t gfn, bool is_mmio)
{
	return 0;
}
#endif

#endif /* __KVM_X86_MMU_DMABUF_H */
