// SPDX-License-Identifier: GPL-2.0-only
/*
 * Faults on memory slots bound to a dma-buf (KVM_MEM_DMABUF): the pfn and
 * the largest mapping level come from the binding, not from a host
 * mapping.  See virt/kvm/dmabuf.c.
 */
#include <linux/kvm_host.h>
#include <linux/kvm_dmabuf.h>
#include <linux/seq_file.h>
#include <kunit/visibility.h>

#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "mmu.h"
#include "mmu_internal.h"
#include "spte.h"
#include "tdp_iter.h"
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

/**
 * kvm_mmu_dmabuf_map_around - map the pages around a fault on a dma-buf slot
 * @vcpu: the faulting vCPU
 * @fault: the fault, just mapped by the TDP MMU
 *
 * A fault that mapped a single page also maps the pages that
 * kvm_dmabuf_fault_around() finds around it, as the shadow MMU prefetches
 * around a direct fault: the binding has them all, at no cost.  Only the
 * TDP MMU does this; the shadow and legacy MMUs fault page by page.
 *
 * Context: mmu_lock held for read, after is_page_fault_stale().
 */
void kvm_mmu_dmabuf_map_around(struct kvm_vcpu *vcpu,
			       struct kvm_page_fault *fault)
{
	kvm_pfn_t pfns[KVM_DMABUF_FAULT_AROUND_MAX];
	gfn_t first;
	int n;

	/*
	 * The TDP MMU, and this, are 64-bit only.  A VM with private memory
	 * does without: a neighbour may be private, or be in the middle of
	 * KVM_SET_MEMORY_ATTRIBUTES, which zaps before it sets the
	 * attributes.
	 */
	if (!IS_ENABLED(CONFIG_X86_64) || fault->goal_level != PG_LEVEL_4K ||
	    kvm_arch_has_private_mem(vcpu->kvm))
		return;
	n = kvm_dmabuf_fault_around(fault->slot, fault->gfn,
				    kvm_dmabuf_slot_attr(fault->slot), &first,
				    pfns);
	if (n)
		kvm_tdp_mmu_prefetch(vcpu, fault, first, pfns, n);
}

/**
 * kvm_mmu_dmabuf_table_fault - refuse a guest page table in a dma-buf slot
 * @vcpu: the vCPU whose fault needs the table
 * @table_gpa: the gpa of the table's page, in a slot bound with
 *	KVM_MEM_DMABUF (for a nested guest, in its hypervisor's memory)
 *
 * With shadow paging (and for the shadowed NPT/EPT tables of a nested
 * guest) KVM reads and updates guest page tables through the host's
 * mapping of guest memory, which a dma-buf slot does not have.  Rather than
 * inject a page fault the guest did not cause, the fault ends KVM_RUN with
 * a KVM_EXIT_MEMORY_FAULT for the table's page and no flags, as
 * Documentation/virt/kvm/api.rst says.
 *
 * Return: -EFAULT, with the exit prepared.
 */
int kvm_mmu_dmabuf_table_fault(struct kvm_vcpu *vcpu, gpa_t table_gpa)
{
	kvm_prepare_memory_fault_exit(vcpu, table_gpa & PAGE_MASK, PAGE_SIZE,
				      false, false, false);
	return -EFAULT;
}

/**
 * kvm_mmu_dmabuf_cmpxchg - an emulated locked read-modify-write on a
 *	dma-buf slot
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gpa: the operand, @bytes wide and not crossing a page
 * @old: the value the emulator expects
 * @new: the value to store
 * @bytes: 1, 2, 4 or 8
 *
 * emulator_try_cmpxchg_user() for a slot without a host address: the
 * exchange is atomic through a mapping of the page for this operation
 * (kvm_dmabuf_cmpxchg_page()), so that the emulator need not fall back to
 * a plain write.
 *
 * Context: may sleep; takes the buffer's dma_resv lock.
 *
 * Return: 0 if @new was stored, 1 if the memory did not hold @old, a
 * negative error if it could not be reached (revoked, poisoned, read-only
 * slot).
 */
int kvm_mmu_dmabuf_cmpxchg(struct kvm_memory_slot *slot, gpa_t gpa,
			   const void *old, const void *new,
			   unsigned int bytes)
{
	u64 o = 0, n = 0;

	memcpy(&o, old, bytes);
	memcpy(&n, new, bytes);
	return kvm_dmabuf_cmpxchg_page(slot, gpa_to_gfn(gpa),
				       offset_in_page(gpa), &o, n, bytes);
}

/* On x86 the guest gets every attribute; see Documentation/virt/kvm/api.rst. */
bool kvm_arch_dmabuf_attr_supported(struct kvm *kvm, enum dma_buf_mem_attr attr)
{
	return true;
}

/**
 * kvm_dmabuf_ept_memtype - the EPT memory type of a dma-buf slot's page
 * @attr: the exporter's attribute
 * @ram: the page is system RAM
 * @ram_mt: what KVM's rule for RAM gives the page (the vendor's
 *	get_mt_mask() for a non-MMIO pfn)
 *
 * System RAM keeps KVM's rule for RAM, whatever the attribute: the host's
 * linear map aliases it write-back, and x86 forbids conflicting types for
 * one page.  Other memory follows the exporter: device memory is UC with
 * IPAT, so that no guest PAT entry can make it WC; memory that tolerates
 * any uncached type is UC with the guest's PAT honoured, so that the guest
 * may choose WC; cacheable memory is WB, the guest's PAT honoured as for
 * RAM.  An attribute this code does not know gets the strictest type.
 *
 * Return: the EPT memory type and IPAT bits of the SPTE.
 */
u8 kvm_dmabuf_ept_memtype(enum dma_buf_mem_attr attr, bool ram, u8 ram_mt)
{
	if (ram)
		return ram_mt;
	switch (attr) {
	case DMA_BUF_MEM_UNCACHED_ANY:
		return MTRR_TYPE_UNCACHABLE << VMX_EPT_MT_EPTE_SHIFT;
	case DMA_BUF_MEM_CACHEABLE:
	case DMA_BUF_MEM_CACHEABLE_RAM:
		return MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT;
	case DMA_BUF_MEM_DEVICE:
	default:
		return (MTRR_TYPE_UNCACHABLE << VMX_EPT_MT_EPTE_SHIFT) |
		       VMX_EPT_IPAT_BIT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvm_dmabuf_ept_memtype);

/**
 * kvm_mmu_dmabuf_mt_mask - the memory type bits of an SPTE for a dma-buf slot
 * @vcpu: the vCPU that installs the SPTE
 * @slot: a slot bound with KVM_MEM_DMABUF
 * @gfn: the gfn being mapped
 * @is_mmio: the pfn being mapped is not system RAM (kvm_is_mmio_pfn())
 *
 * make_spte() calls this in place of the vendor's get_mt_mask() when the
 * MMU has memory type bits (EPT).  The attribute is the one the fault
 * used: a revoke that could change it bumps mmu_invalidate_seq first, so
 * a fault that got this far saw the current one.
 *
 * Context: mmu_lock held.
 *
 * Return: the EPT memory type and IPAT bits, from kvm_dmabuf_ept_memtype().
 */
u8 kvm_mmu_dmabuf_mt_mask(struct kvm_vcpu *vcpu,
			  const struct kvm_memory_slot *slot, gfn_t gfn,
			  bool is_mmio)
{
	return kvm_dmabuf_ept_memtype(kvm_dmabuf_slot_attr(slot), !is_mmio,
				      is_mmio ? 0 :
				      kvm_x86_call(get_mt_mask)(vcpu, gfn, false));
}

static void dump_leaf(struct seq_file *m, gfn_t gfn, int level, u64 spte,
		      bool writable)
{
	seq_printf(m, "%#llx %#llx %#llx ", gfn, spte_to_pfn(spte),
		   (u64)KVM_PAGES_PER_HPAGE(level) << PAGE_SHIFT);
	if (shadow_memtype_mask)
		seq_printf(m, "mt%llu%s ",
			   (spte & VMX_EPT_MT_MASK) >> VMX_EPT_MT_EPTE_SHIFT,
			   spte & VMX_EPT_IPAT_BIT ? "+ipat" : "");
	else
		seq_puts(m, "- ");
	seq_printf(m, "%s\n", writable ? "w" : "-");
}

#ifdef CONFIG_X86_64
/* The first valid root of the slot's address space, outside guest mode. */
static void dump_tdp_mmu(struct seq_file *m, struct kvm *kvm,
			 struct kvm_memory_slot *slot)
{
	struct kvm_mmu_page *root;
	struct tdp_iter iter;

	rcu_read_lock();
	list_for_each_entry_rcu(root, &kvm->arch.tdp_mmu_roots, link) {
		if (root->role.invalid || root->role.guest_mode ||
		    kvm_mmu_page_as_id(root) != slot->as_id)
			continue;
		for_each_tdp_pte_min_level(iter, root, PG_LEVEL_4K,
					   slot->base_gfn,
					   slot->base_gfn + slot->npages) {
			if (is_shadow_present_pte(iter.old_spte) &&
			    is_last_spte(iter.old_spte, iter.level))
				dump_leaf(m, iter.gfn, iter.level, iter.old_spte,
					  is_writable_pte(iter.old_spte));
		}
		break;
	}
	rcu_read_unlock();
}
#else
static void dump_tdp_mmu(struct seq_file *m, struct kvm *kvm,
			 struct kvm_memory_slot *slot)
{
}
#endif

/* The shadow and legacy MMUs: every level's rmaps, largest level first. */
static void dump_rmaps(struct seq_file *m, struct kvm *kvm,
		       struct kvm_memory_slot *slot)
{
	gfn_t end = slot->base_gfn + slot->npages;
	unsigned int n = 0;
	bool writable;
	int level;
	gfn_t gfn;
	u64 spte;

	for (level = KVM_MAX_HUGEPAGE_LEVEL; level >= PG_LEVEL_4K; level--) {
		gfn_t pages = KVM_PAGES_PER_HPAGE(level);

		for (gfn = slot->base_gfn; gfn < end;
		     gfn = ALIGN_DOWN(gfn, pages) + pages) {
			spte = kvm_mmu_rmap_leaf(kvm, slot, gfn, level,
						 &writable);
			if (spte)
				dump_leaf(m, ALIGN_DOWN(gfn, pages), level,
					  spte, writable);
			if (!(++n % 1024))
				cond_resched_rwlock_write(&kvm->mmu_lock);
		}
	}
}

/**
 * kvm_arch_dmabuf_dump_slot - print the leaf SPTEs that map a slot
 * @m: the debugfs file
 * @kvm: the VM
 * @slot: the slot, bound to a dma-buf or not
 *
 * One line per leaf: "gfn pfn size memtype permissions".  memtype is the
 * EPT memory type and IPAT bit; with NPT, which has no memory type of its
 * own, "-".  With the TDP MMU, the leaves of the first valid root of the
 * slot's address space that is not a nested guest's; with the shadow or
 * legacy MMU (npt=0, ept=0, tdp_mmu=0), the rmaps of every level, so a gfn
 * that guest page tables map more than once is printed once ("w" if one of
 * its SPTEs is writable).
 *
 * Context: slots_lock held, not the buffer's dma_resv; takes mmu_lock for
 * write, so that no root is freed under the TDP MMU walk and no rmap
 * changes while it is read.  The rmap walk may yield mmu_lock between two
 * rmaps (every 1024), so on a large slot the view is not one snapshot.
 */
void kvm_arch_dmabuf_dump_slot(struct seq_file *m, struct kvm *kvm,
			       struct kvm_memory_slot *slot)
{
	write_lock(&kvm->mmu_lock);
	if (tdp_mmu_enabled)
		dump_tdp_mmu(m, kvm, slot);
	else if (kvm_memslots_have_rmaps(kvm))
		dump_rmaps(m, kvm, slot);
	write_unlock(&kvm->mmu_lock);
}
