/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __KVM_X86_MMU_DMABUF_H
#define __KVM_X86_MMU_DMABUF_H

struct kvm_vcpu;
struct kvm_page_fault;

#ifdef CONFIG_KVM_DMABUF
int kvm_mmu_faultin_pfn_dmabuf(struct kvm_vcpu *vcpu,
			       struct kvm_page_fault *fault);
#else
static inline int kvm_mmu_faultin_pfn_dmabuf(struct kvm_vcpu *vcpu,
					     struct kvm_page_fault *fault)
{
	return -EFAULT;
}
#endif

#endif /* __KVM_X86_MMU_DMABUF_H */
