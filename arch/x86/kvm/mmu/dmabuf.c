// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults on memory slots bound to a dma-buf (KVM_MEM_DMABUF): the pfn and
 * the largest mapping level come from the binding, not from a host
 * mapping.  See virt/kvm/dmabuf.c.
 */
#include <linux/kvm_host.h>
#include <linux/kvm_dmabuf.h>
#include <linux/seq_file.h>

#include "mmu.h"
#include "mmu_internal.h"
#include "spte.h"
#include "tdp_mmu.h"
#include "dmabuf.h"

/**
 * kvm_mmu_faultin_pfn_dmabuf - fill in a fault on a dma-buf slot
 * @vcpu: the faulting vCPU
 * @fault: the fault, on a slot with KVM_MEM_DMABUF
 *
 * Return: RET_PF_CONTINUE with fault->pfn, ->map_writable and ->max_level
 * set; -EHWPOISON with a KVM_EXIT_MEMORY_FAULT exit prepared, flagged
 * KVM_MEMORY_EXIT_FLAG_HWPOISON, for a page the exporter reported
 * poisoned; -EFAULT with the exit prepared when the memory cannot be
 * mapped (KVM_MEMORY_EXIT_FLAG_REVOKED while the exporter has revoked it);
 * -EINTR on a signal.
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
		return kvm_dmabuf_memory_fault(vcpu, r);
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

/**
 * kvm_arch_dmabuf_dump_slot - print the TDP MMU leaves of a dma-buf slot
 * @m: the debugfs file
 * @kvm: the VM
 * @slot: the slot
 *
 * Walks the roots of vCPU 0, one leaf at a time: "gfn pfn size memtype
 * permissions".  memtype is the EPT memory type and IPAT bit; with NPT,
 * which has no memory type of its own, "-".  Shadow paging is not shown.
 */
void kvm_arch_dmabuf_dump_slot(struct seq_file *m, struct kvm *kvm,
			       struct kvm_memory_slot *slot)
{
#ifdef CONFIG_X86_64
	struct kvm_vcpu *vcpu = kvm_get_vcpu(kvm, 0);
	u64 sptes[PT64_ROOT_MAX_LEVEL + 1];
	gfn_t gfn = slot->base_gfn;
	int root, leaf;

	if (!vcpu || !tdp_mmu_enabled || !vcpu->arch.mmu ||
	    !VALID_PAGE(vcpu->arch.mmu->root.hpa))
		return;

	while (gfn < slot->base_gfn + slot->npages) {
		gfn_t pages;
		u64 spte;

		kvm_tdp_mmu_walk_lockless_begin();
		leaf = kvm_tdp_mmu_get_walk(vcpu, gfn_to_gpa(gfn), sptes, &root);
		kvm_tdp_mmu_walk_lockless_end();
		if (leaf < 0)
			break;
		pages = KVM_PAGES_PER_HPAGE(leaf);
		spte = sptes[leaf];
		if (is_shadow_present_pte(spte) && is_last_spte(spte, leaf)) {
			seq_printf(m, "%#llx %#llx %#llx ",
				   ALIGN_DOWN(gfn, pages), spte_to_pfn(spte),
				   (u64)pages << PAGE_SHIFT);
			if (shadow_memtype_mask)
				seq_printf(m, "mt%llu%s ",
					   (spte & VMX_EPT_MT_MASK) >>
					   VMX_EPT_MT_EPTE_SHIFT,
					   spte & VMX_EPT_IPAT_BIT ? "+ipat" : "");
			else
				seq_puts(m, "- ");
			seq_printf(m, "%s\n", is_writable_pte(spte) ? "w" : "-");
		}
		gfn = ALIGN_DOWN(gfn, pages) + pages;
	}
#endif
}
