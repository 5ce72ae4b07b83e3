// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults on memory slots bound to a dma-buf (KVM_MEM_DMABUF): the pfn and
 * the largest mapping level come from the binding, not from a host
 * mapping.  See virt/kvm/dmabuf.c.
 */
#include <linux/kvm_host.h>
#include <linux/kvm_dmabuf.h>

#include "mmu.h"
#include "mmu_internal.h"
#include "dmabuf.h"

/**
 * kvm_mmu_faultin_pfn_dmabuf - fill in a fault on a dma-buf slot
 * @vcpu: the faulting vCPU
 * @fault: the fault, on a slot with KVM_MEM_DMABUF
 *
 * Return: RET_PF_CONTINUE with fault->pfn, ->map_writable and ->max_level
 * set; -EFAULT with a KVM_EXIT_MEMORY_FAULT exit prepared when the memory
 * cannot be mapped (KVM_MEMORY_EXIT_FLAG_REVOKED while the exporter has
 * revoked it); -EINTR on a signal.
 */
int kvm_mmu_faultin_pfn_dmabuf(struct kvm_vcpu *vcpu,
			       struct kvm_page_fault *fault)
{
	struct kvm_dmabuf_pfn p;
	int level, r;

	/* Writes to a read-only slot are emulated MMIO, as for any slot. */
	if (fault->write && (fault->slot->flags & KVM_MEM_READONLY)) {
		fault->pfn = KVM_PFN_ERR_RO_FAULT;
		return RET_PF_CONTINUE;
	}

	r = kvm_dmabuf_get_pfn(vcpu->kvm, fault->slot, fault->gfn,
			       KVM_HPAGE_GFN_SHIFT(PG_LEVEL_1G), &p);
	if (r == -EINTR) {
		kvm_handle_signal_exit(vcpu);
		return -EINTR;
	}
	if (r) {
		kvm_mmu_prepare_memory_fault_exit(vcpu, fault);
		if (r == -ENODEV)
			vcpu->run->memory_fault.flags |=
				KVM_MEMORY_EXIT_FLAG_REVOKED;
		return -EFAULT;
	}

	fault->pfn = p.pfn;
	fault->map_writable = !(fault->slot->flags & KVM_MEM_READONLY);
	for (level = fault->max_level; level > PG_LEVEL_4K; level--)
		if (p.max_order >= KVM_HPAGE_GFN_SHIFT(level))
			break;
	fault->max_level = level;
	return RET_PF_CONTINUE;
}

/* On x86 the guest gets every attribute; see Documentation/virt/kvm/api.rst. */
bool kvm_arch_dmabuf_attr_supported(struct kvm *kvm, enum dma_buf_mem_attr attr)
{
	return true;
}
