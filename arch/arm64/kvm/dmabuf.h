/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ARM64_KVM_DMABUF_H__
#define __ARM64_KVM_DMABUF_H__

#include <linux/types.h>

struct kvm_vcpu;
struct kvm_memory_slot;

#ifdef CONFIG_KVM_DMABUF
int kvm_arm_dmabuf_abort(struct kvm_vcpu *vcpu, phys_addr_t fault_ipa,
			 struct kvm_memory_slot *memslot, bool fault_is_perm);
#else
static inline int kvm_arm_dmabuf_abort(struct kvm_vcpu *vcpu,
				       phys_addr_t fault_ipa,
				       struct kvm_memory_slot *memslot,
				       bool fault_is_perm)
{
	return -EFAULT;
}
#endif

#endif /* __ARM64_KVM_DMABUF_H__ */
