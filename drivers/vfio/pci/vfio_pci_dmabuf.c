// SPDX-License-Identifier: GPL-2.0-only
/*
 * Export ranges of a PCI BAR as a dma-buf: VFIO_DEVICE_FEATURE_DMA_BUF.
 *
 * The uAPI is upstream's (Linux 6.19).  The importers are those of
 * include/linux/dma-buf-phys.h, which take physical ranges and map them in
 * page tables of their own, such as KVM's stage 2.  The buffer has no CPU
 * mapping, and DMA mapping through a device (an sg_table) is refused: it
 * needs PCI P2PDMA plumbing that this kernel does not have.
 *
 * The buffer's memory attribute comes from the driver: vfio-pci BARs take
 * any uncached type, as VM_ALLOW_ANY_UNCACHED says of their mmap; a variant
 * driver that knows better says so in its get_dmabuf_phys().
 *
 * Revocation follows the device: whenever vfio-pci-core zaps the BAR
 * mappings of userspace (memory decode disabled, D3hot, runtime power
 * down, FLR, VFIO_DEVICE_RESET, hot reset) it revokes every buffer, and
 * vfio_pci_dma_buf_sync() lifts the revoke once the BARs are usable again.
 * Closing the device revokes for good.
 *
 * Poison: while the device is open, each BAR that it may mmap is a pfn
 * address space (linux/memory-failure.h) with the device file's mapping:
 * memory_failure() of a pfn of the BAR sends a SIGBUS to the processes
 * that map it, as 6.19 does for nvgrace-gpu's memory, and the buffers that
 * hold the pfn tell their importers (dma_buf_poison_notify()), which have
 * no VMA.  A variant driver registers its own device memory the same way,
 * with vfio_pci_dma_buf_register_poison().
 *
 * Locking: vdev->dmabufs and vfio_pci_dma_buf.vdev are protected by
 * vdev->memory_lock held for write; .revoked by the buffer's dma_resv lock.
 * memory_lock nests outside dma_resv, and inside the registry's lock
 * (mm/pfn_address_space.c), which is never taken under memory_lock.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-phys.h>
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/memory-failure.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"
#include "vfio_pci_dmabuf.h"

MODULE_IMPORT_NS(DMA_BUF);

struct vfio_pci_dma_buf {
	struct dma_buf *dmabuf;
	/* NULL once revoked for good.  Under memory_lock and dma_resv. */
	struct vfio_pci_core_device *vdev;
	/* In vdev->dmabufs, under memory_lock. */
	struct list_head node;
	/* What map_phys lends references to; never changes. */
	struct dma_buf_phys_list *phys;
	/* Under dma_resv. */
	bool revoked;
};

static int vfio_pci_dma_buf_attach(struct dma_buf *dmabuf,
				   struct dma_buf_attachment *attach)
{
	struct vfio_pci_dma_buf *priv = dmabuf->priv;
	int ret = 0;

	/* Only physical importers: see the top of this file. */
	if (!attach->phys)
		return -EOPNOTSUPP;
	/* Revokes are frequent: only importers that give mappings back. */
	if (!dma_buf_attach_revocable(attach))
		return -EOPNOTSUPP;

	dma_resv_lock(dmabuf->resv, NULL);
	if (!priv->vdev)
		ret = -ENODEV;
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

/* Called with the dma_resv lock held. */
static struct dma_buf_phys_list *
vfio_pci_dma_buf_map_phys(struct dma_buf_attachment *attach)
{
	struct vfio_pci_dma_buf *priv = attach->dmabuf->priv;

	if (!priv->vdev)
		return ERR_PTR(-ENXIO);
	if (priv->revoked)
		return ERR_PTR(-ENODEV);
	return dma_buf_phys_get(priv->phys);
}

static void vfio_pci_dma_buf_release(struct dma_buf *dmabuf)
{
	struct vfio_pci_dma_buf *priv = dmabuf->priv;

	/*
	 * Either this or vfio_pci_dma_buf_cleanup() takes the buffer off the
	 * list.  Cleanup skips a buffer whose file is already dead, so if
	 * priv->vdev is still set here, this buffer's registration reference
	 * keeps vdev alive.
	 */
	if (priv->vdev) {
		down_write(&priv->vdev->memory_lock);
		list_del(&priv->node);
		up_write(&priv->vdev->memory_lock);
		vfio_device_put_registration(&priv->vdev->vdev);
	}
	dma_buf_phys_put(priv->phys);
	kfree(priv);
}

static const struct dma_buf_mapping_pal_exp_ops vfio_pci_dma_buf_pal_ops = {
	.map_phys = vfio_pci_dma_buf_map_phys,
	.unmap_phys = dma_buf_phys_unmap_put,
};

/* The physical address list only; called with the dma_resv lock held. */
static int vfio_pci_dma_buf_match_mapping(struct dma_buf_match_args *args)
{
	struct dma_buf_mapping_match exp[] = {
		DMA_BUF_EMAPPING_PAL(&vfio_pci_dma_buf_pal_ops),
	};

	return dma_buf_match_mapping(args, exp, ARRAY_SIZE(exp));
}

static const struct dma_buf_ops vfio_pci_dma_buf_ops = {
	.attach = vfio_pci_dma_buf_attach,
	.release = vfio_pci_dma_buf_release,
	.match_mapping = vfio_pci_dma_buf_match_mapping,
};

/**
 * vfio_pci_dma_buf_fill_phys - turn user ranges of a region into phys ranges
 * @phys: the list to fill, from dma_buf_phys_alloc()
 * @base: physical address of the region
 * @size: size of the region, in bytes
 * @ranges: the ranges from userspace, offsets into the region
 * @nr_ranges: the number of @ranges
 * @attr: the memory attribute of the region
 *
 * For the get_dmabuf_phys() of a variant driver whose region is
 * physically contiguous.  The ranges were checked for alignment already.
 *
 * Return: 0, or -EINVAL if a range does not lie within the region.
 */
int vfio_pci_dma_buf_fill_phys(struct dma_buf_phys_list *phys, phys_addr_t base,
			       u64 size,
			       const struct vfio_region_dma_range *ranges,
			       u32 nr_ranges, enum dma_buf_mem_attr attr)
{
	u64 end;
	u32 i;

	phys->attr = attr;
	for (i = 0; i < nr_ranges; i++) {
		if (check_add_overflow(ranges[i].offset, ranges[i].length,
				       &end) || end > size)
			return -EINVAL;
		if (dma_buf_phys_add(phys, base + ranges[i].offset,
				     ranges[i].length))
			return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_dma_buf_fill_phys);

/**
 * vfio_pci_core_get_dmabuf_phys - get_dmabuf_phys() for plain BARs
 * @vdev: the device
 * @region_index: the BAR
 * @ranges: the ranges from userspace, offsets into the BAR
 * @nr_ranges: the number of @ranges
 * @phys: the list to fill
 *
 * A memory BAR, which takes any uncached memory type: the meaning of the
 * VM_ALLOW_ANY_UNCACHED flag that vfio-pci sets on its BAR mmaps.  Only a
 * BAR that userspace may mmap is exported: the buffer gives an importer
 * what the mmap would give a process.
 *
 * Return: 0, or -EINVAL for a BAR that vfio-pci does not let userspace
 * mmap (an I/O port BAR) or a range outside the BAR.
 */
int vfio_pci_core_get_dmabuf_phys(struct vfio_pci_core_device *vdev,
				  u32 region_index,
				  const struct vfio_region_dma_range *ranges,
				  u32 nr_ranges, struct dma_buf_phys_list *phys)
{
	struct pci_dev *pdev = vdev->pdev;

	if (!vdev->bar_mmap_supported[region_index])
		return -EINVAL;
	return vfio_pci_dma_buf_fill_phys(phys,
					  pci_resource_start(pdev, region_index),
					  pci_resource_len(pdev, region_index),
					  ranges, nr_ranges,
					  DMA_BUF_MEM_UNCACHED_ANY);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_get_dmabuf_phys);

/* Whether userspace may reach the BARs now.  memory_lock held. */
static bool vfio_pci_dma_buf_usable(struct vfio_pci_core_device *vdev)
{
	return !vdev->pm_runtime_engaged && __vfio_pci_memory_enabled(vdev);
}

/* Set one buffer's state, and tell the importers if it changed. */
static void vfio_pci_dma_buf_set(struct vfio_pci_dma_buf *priv, bool revoked)
{
	dma_resv_lock(priv->dmabuf->resv, NULL);
	if (priv->revoked != revoked) {
		priv->revoked = revoked;
		dma_buf_invalidate_mappings(priv->dmabuf);
	}
	dma_resv_unlock(priv->dmabuf->resv);
}

/**
 * vfio_pci_dma_buf_revoke - revoke every buffer of a device
 * @vdev: the device
 *
 * Called where the BAR mappings of userspace are zapped.  When it returns,
 * every importer has dropped its mappings.
 *
 * Context: memory_lock held for write.
 */
void vfio_pci_dma_buf_revoke(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_dma_buf *priv;

	lockdep_assert_held_write(&vdev->memory_lock);
	list_for_each_entry(priv, &vdev->dmabufs, node)
		vfio_pci_dma_buf_set(priv, true);
}

/**
 * vfio_pci_dma_buf_sync - lift the revoke once the BARs are usable again
 * @vdev: the device
 *
 * Called before memory_lock is released, after anything that may have
 * changed whether the BARs are usable: a command register or power state
 * write, a reset, the end of runtime power management.
 *
 * Context: memory_lock held for write.
 */
void vfio_pci_dma_buf_sync(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_dma_buf *priv;
	bool revoked;

	lockdep_assert_held_write(&vdev->memory_lock);
	revoked = !vfio_pci_dma_buf_usable(vdev);
	list_for_each_entry(priv, &vdev->dmabufs, node)
		vfio_pci_dma_buf_set(priv, revoked);
}

/**
 * vfio_pci_dma_buf_cleanup - revoke every buffer of a device for good
 * @vdev: the device, being closed
 *
 * The buffers stay valid for their holders but never map again, and they
 * release their hold on the device.  The BARs' pfn address spaces
 * (vfio_pci_dma_buf_open()) are unregistered first.
 *
 * Context: process context, memory_lock not held.
 */
void vfio_pci_dma_buf_cleanup(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_dma_buf *priv, *tmp;
	int i;

	/* No memory_lock here: the registry's lock nests outside it. */
	if (vdev->bar_poison) {
		for (i = 0; i < PCI_STD_NUM_BARS; i++)
			if (vdev->bar_poison[i].vdev)
				vfio_pci_dma_buf_unregister_poison(&vdev->bar_poison[i]);
		kfree(vdev->bar_poison);
		vdev->bar_poison = NULL;
	}

	down_write(&vdev->memory_lock);
	list_for_each_entry_safe(priv, tmp, &vdev->dmabufs, node) {
		/* A dying file is left to vfio_pci_dma_buf_release(). */
		if (!get_file_active(&priv->dmabuf->file))
			continue;

		dma_resv_lock(priv->dmabuf->resv, NULL);
		list_del_init(&priv->node);
		priv->vdev = NULL;
		priv->revoked = true;
		dma_buf_invalidate_mappings(priv->dmabuf);
		dma_resv_unlock(priv->dmabuf->resv);
		vfio_device_put_registration(&vdev->vdev);
		fput(priv->dmabuf->file);
	}
	up_write(&vdev->memory_lock);
}

/**
 * vfio_pci_core_feature_dma_buf - VFIO_DEVICE_FEATURE_DMA_BUF
 * @device: the device
 * @flags: the feature flags; only VFIO_DEVICE_FEATURE_GET (and PROBE)
 * @arg: struct vfio_device_feature_dma_buf and its ranges
 * @argsz: size of @arg, ranges included
 *
 * Return: the new dma-buf fd, 0 for a probe, or a negative errno as
 * documented in include/uapi/linux/vfio.h.
 */
int vfio_pci_core_feature_dma_buf(struct vfio_device *device, u32 flags,
				  struct vfio_device_feature_dma_buf __user *arg,
				  size_t argsz)
{
	struct vfio_pci_core_device *vdev =
		container_of(device, struct vfio_pci_core_device, vdev);
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vfio_device_feature_dma_buf get;
	struct vfio_region_dma_range *ranges;
	struct vfio_pci_dma_buf *priv;
	struct dma_buf_phys_list *phys;
	u64 length = 0;
	u32 i;
	int ret;

	/* Before the flags: a probe of a driver that cannot export fails. */
	if (!vdev->pci_ops || !vdev->pci_ops->get_dmabuf_phys)
		return -EOPNOTSUPP;
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				 sizeof(get));
	if (ret != 1)
		return ret;

	if (copy_from_user(&get, arg, sizeof(get)))
		return -EFAULT;
	if (!get.nr_ranges || get.flags ||
	    argsz < struct_size(&get, dma_ranges, get.nr_ranges))
		return -EINVAL;
	/* The region index is the BAR number, as everywhere in vfio-pci. */
	if (get.region_index >= VFIO_PCI_ROM_REGION_INDEX)
		return -ENODEV;

	ranges = memdup_array_user(&arg->dma_ranges, get.nr_ranges,
				   sizeof(*ranges));
	if (IS_ERR(ranges))
		return PTR_ERR(ranges);
	for (i = 0; i < get.nr_ranges; i++) {
		if (!ranges[i].length || !PAGE_ALIGNED(ranges[i].offset) ||
		    !PAGE_ALIGNED(ranges[i].length) ||
		    check_add_overflow(length, ranges[i].length, &length)) {
			ret = -EINVAL;
			goto err_free_ranges;
		}
	}

	phys = dma_buf_phys_alloc(get.nr_ranges, DMA_BUF_MEM_DEVICE);
	if (!phys) {
		ret = -ENOMEM;
		goto err_free_ranges;
	}
	ret = vdev->pci_ops->get_dmabuf_phys(vdev, get.region_index, ranges,
					     get.nr_ranges, phys);
	if (ret)
		goto err_free_phys;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv) {
		ret = -ENOMEM;
		goto err_free_phys;
	}
	priv->phys = phys;
	priv->vdev = vdev;
	INIT_LIST_HEAD(&priv->node);

	if (!vfio_device_try_get_registration(&vdev->vdev)) {
		ret = -ENODEV;
		goto err_free_priv;
	}

	exp_info.ops = &vfio_pci_dma_buf_ops;
	exp_info.size = length;
	/* As open(2)'s flags, unchecked: importers check the access mode. */
	exp_info.flags = get.open_flags;
	exp_info.priv = priv;
	priv->dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(priv->dmabuf)) {
		ret = PTR_ERR(priv->dmabuf);
		goto err_put_registration;
	}

	/* From here on, vfio_pci_dma_buf_release() undoes everything. */
	down_write(&vdev->memory_lock);
	dma_resv_lock(priv->dmabuf->resv, NULL);
	priv->revoked = !vfio_pci_dma_buf_usable(vdev);
	list_add_tail(&priv->node, &vdev->dmabufs);
	dma_resv_unlock(priv->dmabuf->resv);
	up_write(&vdev->memory_lock);
	kfree(ranges);

	ret = dma_buf_fd(priv->dmabuf, get.open_flags);
	if (ret < 0)
		dma_buf_put(priv->dmabuf);
	return ret;

err_put_registration:
	vfio_device_put_registration(&vdev->vdev);
err_free_priv:
	kfree(priv);
err_free_phys:
	dma_buf_phys_put(phys);
err_free_ranges:
	kfree(ranges);
	return ret;
}

/*
 * memory_failure() of a registered pfn: every buffer of the device that
 * holds it tells its importers.  Called with the registry's lock held; a
 * buffer on the list stays alive while memory_lock is held.  Returns
 * whether a buffer holds the pfn.
 */
static bool vfio_pci_dma_buf_memory_failure(struct pfn_address_space *space,
					    unsigned long pfn, int flags)
{
	struct vfio_pci_dma_buf_poison *poison =
		container_of(space, struct vfio_pci_dma_buf_poison, space);
	struct vfio_pci_core_device *vdev = poison->vdev;
	struct vfio_pci_dma_buf *priv;
	bool held = false;

	down_read(&vdev->memory_lock);
	list_for_each_entry(priv, &vdev->dmabufs, node) {
		dma_resv_lock(priv->dmabuf->resv, NULL);
		if (dma_buf_phys_poison_pfn(priv->dmabuf, priv->phys, pfn))
			held = true;
		dma_resv_unlock(priv->dmabuf->resv);
	}
	up_read(&vdev->memory_lock);
	return held;
}

/**
 * vfio_pci_dma_buf_register_poison - report poison in device memory to the
 * processes that map it and the importers of the device's dma-bufs
 * @poison: storage for the registration, in the driver's device structure
 * @vdev: the device, registered with vfio-pci-core
 * @start: physical address of the memory
 * @len: its length in bytes
 * @pfn_to_vma_pgoff: if not NULL, processes map the memory through the
 *	device file, and this finds the page offset at which a VMA of the
 *	file maps a pfn (see &struct pfn_address_space)
 *
 * For memory that memory_failure() can be told about by pfn: the BARs,
 * which vfio-pci-core registers while the device is open, and a variant
 * driver's device memory, such as nvgrace-gpu's.  The processes that map a
 * poisoned pfn get a SIGBUS, and the importers of the device's dma-bufs
 * that hold it are told.
 *
 * Context: process context, memory_lock not held.
 *
 * Return: 0, also without CONFIG_MEMORY_FAILURE, where there is nothing to
 * report; -EINVAL for an empty range; -EBUSY if the range overlaps
 * another registration.
 */
int vfio_pci_dma_buf_register_poison(struct vfio_pci_dma_buf_poison *poison,
				     struct vfio_pci_core_device *vdev,
				     phys_addr_t start, u64 len,
				     int (*pfn_to_vma_pgoff)(struct vm_area_struct *vma,
							     unsigned long pfn,
							     pgoff_t *pgoff))
{
	int ret;

	if (!len)
		return -EINVAL;
	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		return 0;
	poison->space = (struct pfn_address_space) {
		.node.start = PHYS_PFN(start),
		.node.last = PHYS_PFN(start + len - 1),
		.mapping = pfn_to_vma_pgoff ? vdev->vdev.inode->i_mapping : NULL,
		.pfn_to_vma_pgoff = pfn_to_vma_pgoff,
		.memory_failure = vfio_pci_dma_buf_memory_failure,
	};
	/* Set before the callback can run: the registry's lock orders it. */
	poison->vdev = vdev;
	ret = register_pfn_address_space(&poison->space);
	if (ret)
		poison->vdev = NULL;
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_dma_buf_register_poison);

/**
 * vfio_pci_dma_buf_unregister_poison - undo vfio_pci_dma_buf_register_poison()
 * @poison: a successful registration
 *
 * Context: process context, memory_lock not held.
 */
void vfio_pci_dma_buf_unregister_poison(struct vfio_pci_dma_buf_poison *poison)
{
	unregister_pfn_address_space(&poison->space);
	poison->vdev = NULL;
}
EXPORT_SYMBOL_GPL(vfio_pci_dma_buf_unregister_poison);

/*
 * Where a BAR mapping of vfio_pci_core_mmap() maps @pfn: its vm_pgoff is
 * the region offset, BAR index and page within the BAR.  Called under the
 * mapping's i_mmap lock, so the VMA and its device stay.
 */
static int vfio_pci_bar_pfn_to_vma_pgoff(struct vm_area_struct *vma,
					 unsigned long pfn, pgoff_t *pgoff)
{
	const unsigned int shift = VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT;
	struct vfio_pci_core_device *vdev = vma->vm_private_data;
	unsigned long index = vma->vm_pgoff >> shift;
	unsigned long first;

	if (!vfio_pci_core_is_bar_vma(vma) || index > VFIO_PCI_BAR5_REGION_INDEX)
		return -EFAULT;
	first = PHYS_PFN(pci_resource_start(vdev->pdev, index)) +
		(vma->vm_pgoff & (BIT(shift) - 1));
	if (pfn < first || pfn - first >= vma_pages(vma))
		return -EFAULT;
	*pgoff = vma->vm_pgoff + (pfn - first);
	return 0;
}

/**
 * vfio_pci_dma_buf_open - report poison in the BARs while the device is open
 * @vdev: the device, its BARs probed for mmap (vfio_pci_core_finish_enable())
 *
 * Registers each BAR that may be mmapped as a pfn address space; undone by
 * vfio_pci_dma_buf_cleanup(), from vfio_pci_core_close_device(), so
 * vfio_pci_core_finish_enable() must be the last step of an open_device
 * that can fail.  A BAR that cannot be registered is reported and left
 * out: its poison then reaches nobody, as before.
 */
void vfio_pci_dma_buf_open(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int i, ret;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE) || WARN_ON(vdev->bar_poison))
		return;
	vdev->bar_poison = kcalloc(PCI_STD_NUM_BARS, sizeof(*vdev->bar_poison),
				   GFP_KERNEL_ACCOUNT);
	if (!vdev->bar_poison)
		return;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!vdev->bar_mmap_supported[i])
			continue;
		ret = vfio_pci_dma_buf_register_poison(&vdev->bar_poison[i], vdev,
						       pci_resource_start(pdev, i),
						       pci_resource_len(pdev, i),
						       vfio_pci_bar_pfn_to_vma_pgoff);
		if (ret)
			pci_warn(pdev, "BAR %d poison not reported: %d\n", i, ret);
	}
}
