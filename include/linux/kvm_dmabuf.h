/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM memory slots bound to a dma-buf: what the generic code and the
 * architectures call in virt/kvm/dmabuf.c.
 */
#ifndef __KVM_DMABUF_H
#define __KVM_DMABUF_H

#include <linux/dma-buf-phys.h>
#include <linux/kvm_types.h>
#include <linux/types.h>

struct kvm;
struct kvm_create_dmabuf_events;
struct kvm_dmabuf_slot_state;
struct kvm_vcpu;
struct kvm_memory_slot;
struct seq_file;

/**
 * struct kvm_dmabuf_pfn - what a fault gets from the binding
 * @pfn: the page frame number of the faulting page
 * @max_order: the largest block, as an order of pages, that maps the
 *	faulting page with @pfn and lies within both the slot and one
 *	physically contiguous range, with guest and host addresses aligned
 *	alike
 * @attr: the memory attribute the exporter allows
 * @refcounted: @pfn has a struct page and a reference was taken on it for
 *	the caller, to be dropped as for any pfn from __gfn_to_pfn_memslot()
 */
struct kvm_dmabuf_pfn {
	kvm_pfn_t pfn;
	int max_order;
	enum dma_buf_mem_attr attr;
	bool refcounted;
};

/* The most pages kvm_dmabuf_fault_around() returns. */
#define KVM_DMABUF_FAULT_AROUND_MAX	64

#ifdef CONFIG_KVM_DMABUF
int kvm_dmabuf_bind(struct kvm *kvm, struct kvm_memory_slot *slot,
		    unsigned int fd, u64 offset);
void kvm_dmabuf_activate(struct kvm_memory_slot *slot);
void kvm_dmabuf_unbind(struct kvm_memory_slot *slot);
void kvm_dmabuf_unbind_all(struct kvm *kvm);
int kvm_dmabuf_get_pfn(struct kvm *kvm, struct kvm_memory_slot *slot,
		       gfn_t gfn, int max_order, struct kvm_dmabuf_pfn *out);
int kvm_dmabuf_fault_around(struct kvm_memory_slot *slot, gfn_t gfn,
			    enum dma_buf_mem_attr attr, gfn_t *first,
			    kvm_pfn_t *pfns);
int kvm_dmabuf_memory_fault(struct kvm_vcpu *vcpu, int err);
enum dma_buf_mem_attr kvm_dmabuf_slot_attr(const struct kvm_memory_slot *slot);
int kvm_dmabuf_read_page(struct kvm_memory_slot *slot, gfn_t gfn,
			 void *data, int offset, int len);
int kvm_dmabuf_write_page(struct kvm_memory_slot *slot, gfn_t gfn,
			  const void *data, int offset, int len);
int kvm_dmabuf_load_page(struct kvm_memory_slot *slot, gfn_t gfn,
			 int offset, u64 *val, int len);
int kvm_dmabuf_cmpxchg_page(struct kvm_memory_slot *slot, gfn_t gfn,
			    int offset, u64 *old, u64 new, int len);
bool kvm_arch_dmabuf_attr_supported(struct kvm *kvm,
				    enum dma_buf_mem_attr attr);
void kvm_dmabuf_create_debugfs(struct kvm *kvm);
void kvm_arch_dmabuf_dump_slot(struct seq_file *m, struct kvm *kvm,
			       struct kvm_memory_slot *slot);
int kvm_dmabuf_get_slot_state(struct kvm *kvm,
			      struct kvm_dmabuf_slot_state __user *argp);

int kvm_dmabuf_events_capacity(void);
int kvm_dmabuf_events_create(struct kvm *kvm,
			     struct kvm_create_dmabuf_events __user *argp);
void kvm_dmabuf_events_destroy(struct kvm *kvm);
void kvm_dmabuf_event(struct kvm *kvm, u32 kind, u32 slot, u64 gpa,
		      u64 size);
u64 kvm_dmabuf_events_seq(struct kvm *kvm);
#else
static inline int kvm_dmabuf_events_capacity(void)
{
	return 0;
}

static inline void kvm_dmabuf_events_destroy(struct kvm *kvm)
{
}

static inline int kvm_dmabuf_bind(struct kvm *kvm,
				  struct kvm_memory_slot *slot,
				  unsigned int fd, u64 offset)
{
	return -EINVAL;
}

static inline void kvm_dmabuf_activate(struct kvm_memory_slot *slot)
{
}

static inline void kvm_dmabuf_unbind(struct kvm_memory_slot *slot)
{
}

static inline void kvm_dmabuf_unbind_all(struct kvm *kvm)
{
}

static inline void kvm_dmabuf_create_debugfs(struct kvm *kvm)
{
}

static inline int kvm_dmabuf_get_pfn(struct kvm *kvm,
				     struct kvm_memory_slot *slot, gfn_t gfn,
				     int max_order, struct kvm_dmabuf_pfn *out)
{
	return -EFAULT;
}

static inline int kvm_dmabuf_read_page(struct kvm_memory_slot *slot,
				       gfn_t gfn, void *data, int offset,
				       int len)
{
	return -EFAULT;
}

static inline int kvm_dmabuf_write_page(struct kvm_memory_slot *slot,
					gfn_t gfn, const void *data,
					int offset, int len)
{
	return -EFAULT;
}

static inline int kvm_dmabuf_load_page(struct kvm_memory_slot *slot,
				       gfn_t gfn, int offset, u64 *val,
				       int len)
{
	return -EFAULT;
}

static inline int kvm_dmabuf_cmpxchg_page(struct kvm_memory_slot *slot,
					  gfn_t gfn, int offset, u64 *old,
					  u64 new, int len)
{
	return -EFAULT;
}
#endif

#endif /* __KVM_DMABUF_H */
