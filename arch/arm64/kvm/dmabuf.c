// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-2 faults on memory slots bound to a dma-buf (KVM_MEM_DMABUF): the
 * pfn, the block size and the memory attribute come from the binding, not
 * from a VMA.  See virt/kvm/dmabuf.c.
 *
 * Attributes: DEVICE is mapped Device-nGnRE, UNCACHED_ANY Normal-NC, both
 * never executable; CACHEABLE_RAM and CACHEABLE are mapped Normal-WB.
 * Without FEAT_S2FWB the stage-2 code cleans the data cache through the
 * kernel's linear map, which only RAM has: CACHEABLE, memory that may have
 * no kernel mapping, needs FWB and is refused at bind time without it, and
 * a vCPU init after a run unmaps dma-buf slots (stage2_unmap_memslot()) so
 * that a rebooted guest faults them in, and is cleaned for, again.  For the
 * same reason an executable
 * mapping of cacheable memory needs either FEAT_DIC or memory in the
 * linear map, for the I-cache maintenance; otherwise an instruction fetch
 * gets a prefetch abort.
 *
 * MTE: a VM with KVM_CAP_ARM_MTE gets no cacheable dma-buf memory.  Device
 * memory has no allocation tag storage, and KVM would have to sanitise
 * and track the tags of RAM (PG_mte_tagged) that it reaches without a VMA;
 * device and Normal-NC mappings carry no tags and are allowed.
 */
#include <linux/kvm_host.h>
#include <linux/bitfield.h>
#include <linux/kvm_dmabuf.h>
#include <linux/seq_file.h>

#include <asm/kvm_emulate.h>
#include <asm/kvm_mmu.h>
#include <asm/kvm_pgtable.h>
#include <asm/stage2_pgtable.h>

#include "dmabuf.h"

/**
 * kvm_arch_dmabuf_attr_supported - whether stage 2 can map an attribute
 * @kvm: the VM
 * @attr: the exporter's attribute
 *
 * Cacheable RAM is cleaned to the PoC through the linear mapping when there
 * is no FEAT_S2FWB, as ordinary guest memory is; other cacheable memory
 * needs FWB.
 *
 * Return: false for cacheable memory other than RAM without FEAT_S2FWB,
 * and for any cacheable memory in a VM with MTE enabled.
 */
bool kvm_arch_dmabuf_attr_supported(struct kvm *kvm, enum dma_buf_mem_attr attr)
{
	switch (attr) {
	case DMA_BUF_MEM_DEVICE:
	case DMA_BUF_MEM_UNCACHED_ANY:
		return true;
	case DMA_BUF_MEM_CACHEABLE_RAM:
		return !kvm_has_mte(kvm);
	case DMA_BUF_MEM_CACHEABLE:
		return cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) &&
		       !kvm_has_mte(kvm);
	default:
		return false;
	}
}

/* The largest stage-2 block for a contiguous run of 1 << order pages. */
static unsigned long kvm_dmabuf_block_size(int order)
{
#ifndef __PAGETABLE_PMD_FOLDED
	if (order >= PUD_SHIFT - PAGE_SHIFT)
		return PUD_SIZE;
#endif
	if (order >= PMD_SHIFT - PAGE_SHIFT)
		return PMD_SIZE;
	return PAGE_SIZE;
}

/*
 * After a data fault mapped @ipa with one page: map the pages around it
 * that kvm_dmabuf_fault_around() finds, with the same permissions, and
 * leave alone those already mapped.  Best effort: a page this fails to
 * map faults when the guest touches it.  mmu_lock held for read.
 */
static void kvm_dmabuf_map_around(struct kvm_pgtable *pgt,
				  struct kvm_memory_slot *memslot,
				  phys_addr_t ipa, enum dma_buf_mem_attr attr,
				  enum kvm_pgtable_prot prot,
				  struct kvm_mmu_memory_cache *memcache,
				  enum kvm_pgtable_walk_flags flags)
{
	kvm_pfn_t pfns[KVM_DMABUF_FAULT_AROUND_MAX];
	bool need_linear = !cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) &&
			attr != DMA_BUF_MEM_DEVICE &&
			attr != DMA_BUF_MEM_UNCACHED_ANY;
	gfn_t first;
	int i, n;

	n = kvm_dmabuf_fault_around(memslot, ipa >> PAGE_SHIFT, attr, &first,
				    pfns);
	for (i = 0; i < n; i++) {
		if (is_error_pfn(pfns[i]))
			continue;
		/* Cleaned through the linear map, as at the fault. */
		if (need_linear && !pfn_is_map_memory(pfns[i]))
			continue;
		kvm_pgtable_stage2_map(pgt, (first + i) << PAGE_SHIFT,
				       PAGE_SIZE, PFN_PHYS(pfns[i]), prot,
				       memcache, flags);
	}
}

/**
 * kvm_arm_dmabuf_abort - handle a stage-2 fault on a dma-buf slot
 * @vcpu: the faulting vCPU
 * @fault_ipa: the faulting IPA
 * @memslot: the slot, with KVM_MEM_DMABUF
 * @fault_is_perm: a permission fault
 *
 * Context: kvm->srcu held.
 *
 * Return: 0 when the guest can retry; -ENOEXEC for an instruction fetch
 * that may not be mapped executable (the caller injects a prefetch abort);
 * -EHWPOISON with a KVM_EXIT_MEMORY_FAULT exit prepared, flagged
 * KVM_MEMORY_EXIT_FLAG_HWPOISON, for a page the exporter reported
 * poisoned; -EFAULT with the exit prepared when the memory cannot be
 * mapped (KVM_MEMORY_EXIT_FLAG_REVOKED while revoked); -EINTR on a signal;
 * another negative errno on failure.
 */
int kvm_arm_dmabuf_abort(struct kvm_vcpu *vcpu, phys_addr_t fault_ipa,
			 struct kvm_memory_slot *memslot, bool fault_is_perm)
{
	struct kvm_mmu_memory_cache *memcache = &vcpu->arch.mmu_page_cache;
	bool write_fault = kvm_is_write_fault(vcpu);
	bool exec_fault = kvm_vcpu_trap_is_exec_fault(vcpu);
	enum kvm_pgtable_walk_flags flags = KVM_PGTABLE_WALK_HANDLE_FAULT |
					    KVM_PGTABLE_WALK_SHARED;
	struct kvm_pgtable *pgt = vcpu->arch.hw_mmu->pgt;
	enum kvm_pgtable_prot prot = KVM_PGTABLE_PROT_R;
	gfn_t gfn = fault_ipa >> PAGE_SHIFT;
	struct kvm *kvm = vcpu->kvm;
	struct kvm_dmabuf_pfn p;
	unsigned long mmu_seq, size;
	int ret;

	/* Being deleted: let the guest retry until it is gone. */
	if (memslot->flags & KVM_MEMSLOT_INVALID)
		return 0;
	/* Guest hypervisors' stage 2 over dma-buf slots: not supported. */
	if (kvm_is_nested_s2_mmu(kvm, vcpu->arch.hw_mmu))
		return -EFAULT;

	if (!fault_is_perm) {
		ret = kvm_mmu_topup_memory_cache(memcache,
						 kvm_mmu_cache_min_pages(vcpu->arch.hw_mmu));
		if (ret)
			return ret;
	}

	mmu_seq = kvm->mmu_invalidate_seq;
	/* Pairs with the smp_wmb() of kvm_mmu_invalidate_end(). */
	smp_rmb();

	ret = kvm_dmabuf_get_pfn(kvm, memslot, gfn,
				 PUD_SHIFT - PAGE_SHIFT, &p);
	if (ret == -EINTR) {
		kvm_handle_signal_exit(vcpu);
		return -EINTR;
	}
	if (ret) {
		kvm_prepare_memory_fault_exit(vcpu, gfn << PAGE_SHIFT,
					      PAGE_SIZE, write_fault,
					      exec_fault, false);
		return kvm_dmabuf_memory_fault(vcpu, ret);
	}

	switch (p.attr) {
	case DMA_BUF_MEM_DEVICE:
		prot |= KVM_PGTABLE_PROT_DEVICE;
		break;
	case DMA_BUF_MEM_UNCACHED_ANY:
		prot |= KVM_PGTABLE_PROT_NORMAL_NC;
		break;
	default:
		/*
		 * Without FWB (RAM only: the attribute was checked), the page
		 * table code cleans the data cache through the linear mapping,
		 * which the pfn must then be in.  With FWB and DIC no cache
		 * maintenance is needed at all.
		 */
		if (!cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) &&
		    !pfn_is_map_memory(p.pfn)) {
			kvm_prepare_memory_fault_exit(vcpu, gfn << PAGE_SHIFT,
						      PAGE_SIZE, write_fault,
						      exec_fault, false);
			ret = -EFAULT;
			goto out_release;
		}
		if (cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) &&
		    cpus_have_final_cap(ARM64_HAS_CACHE_DIC)) {
			prot |= KVM_PGTABLE_PROT_X;
			flags |= KVM_PGTABLE_WALK_SKIP_CMO;
		} else if (exec_fault && pfn_is_map_memory(p.pfn)) {
			prot |= KVM_PGTABLE_PROT_X;
		}
		break;
	}
	if (exec_fault && !(prot & KVM_PGTABLE_PROT_X)) {
		ret = -ENOEXEC;
		goto out_release;
	}
	if (!(memslot->flags & KVM_MEM_READONLY))
		prot |= KVM_PGTABLE_PROT_W;

	size = kvm_dmabuf_block_size(p.max_order);

	read_lock(&kvm->mmu_lock);
	if (mmu_invalidate_retry(kvm, mmu_seq)) {
		ret = 0;
		goto out_unlock;
	}
	if (fault_is_perm)
		ret = kvm_pgtable_stage2_relax_perms(pgt, fault_ipa, prot);
	else
		ret = kvm_pgtable_stage2_map(pgt, ALIGN_DOWN(fault_ipa, size),
					     size,
					     ALIGN_DOWN(PFN_PHYS(p.pfn), size),
					     prot, memcache, flags);
	/* An instruction fetch maps only its page executable. */
	if (!ret && !fault_is_perm && !exec_fault && size == PAGE_SIZE)
		kvm_dmabuf_map_around(pgt, memslot, fault_ipa, p.attr, prot,
				      memcache, flags);
	if (ret == -EAGAIN)
		ret = 0;
out_unlock:
	read_unlock(&kvm->mmu_lock);
out_release:
	if (p.refcounted)
		kvm_release_pfn_clean(p.pfn);
	return ret;
}

static const char *kvm_dmabuf_s2_attr(struct kvm_pgtable *pgt, kvm_pte_t pte)
{
	bool fwb = cpus_have_final_cap(ARM64_HAS_STAGE2_FWB) &&
		   !(pgt->flags & KVM_PGTABLE_S2_NOFWB);
	u64 mt = FIELD_GET(KVM_PTE_LEAF_ATTR_LO_S2_MEMATTR, pte);

	if (mt == (fwb ? MT_S2_FWB_DEVICE_nGnRE : MT_S2_DEVICE_nGnRE))
		return "device-nGnRE";
	if (mt == (fwb ? MT_S2_FWB_NORMAL_NC : MT_S2_NORMAL_NC))
		return "normal-nc";
	if (mt == (fwb ? MT_S2_FWB_NORMAL : MT_S2_NORMAL))
		return "normal-wb";
	return "other";
}

static int kvm_dmabuf_dump_leaf(const struct kvm_pgtable_visit_ctx *ctx,
				enum kvm_pgtable_walk_flags visit)
{
	struct seq_file *m = ctx->arg;
	struct kvm_pgtable *pgt = m->private ?
		((struct kvm *)m->private)->arch.mmu.pgt : NULL;
	u64 size = kvm_granule_size(ctx->level);
	kvm_pte_t pte = ctx->old;

	if (!kvm_pte_valid(pte) || !pgt)
		return 0;
	seq_printf(m, "%#llx %#llx %#llx %s %s%s\n",
		   ALIGN_DOWN(ctx->addr, size) >> PAGE_SHIFT,
		   kvm_pte_to_phys(pte) >> PAGE_SHIFT, size,
		   kvm_dmabuf_s2_attr(pgt, pte),
		   pte & KVM_PTE_LEAF_ATTR_LO_S2_S2AP_W ? "w" : "-",
		   pte & KVM_PTE_LEAF_ATTR_HI_S2_XN ? "" : "x");
	return 0;
}

/**
 * kvm_arch_dmabuf_dump_slot - print the stage-2 leaves of a slot
 * @m: the debugfs file; m->private is the VM
 * @kvm: the VM
 * @slot: the slot, bound to a dma-buf or not
 *
 * One line per leaf: "gfn pfn size attribute permissions", the attribute
 * as stage 2 holds it (device-nGnRE, normal-nc, normal-wb) and "w"/"x" for
 * writable and executable.
 */
void kvm_arch_dmabuf_dump_slot(struct seq_file *m, struct kvm *kvm,
			       struct kvm_memory_slot *slot)
{
	struct kvm_pgtable_walker walker = {
		.cb = kvm_dmabuf_dump_leaf,
		.arg = m,
		.flags = KVM_PGTABLE_WALK_LEAF | KVM_PGTABLE_WALK_SHARED,
	};

	read_lock(&kvm->mmu_lock);
	if (kvm->arch.mmu.pgt)
		kvm_pgtable_walk(kvm->arch.mmu.pgt,
				 slot->base_gfn << PAGE_SHIFT,
				 slot->npages << PAGE_SHIFT, &walker);
	read_unlock(&kvm->mmu_lock);
}
