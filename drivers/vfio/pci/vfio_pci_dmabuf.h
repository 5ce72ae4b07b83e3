/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dma-buf export of PCI BARs: the calls that vfio-pci-core makes into
 * vfio_pci_dmabuf.c.
 */
#ifndef VFIO_PCI_DMABUF_H
#define VFIO_PCI_DMABUF_H

#include <linux/vfio_pci_core.h>

struct vfio_device_feature_dma_buf;

#ifdef CONFIG_VFIO_PCI_DMABUF
int vfio_pci_core_feature_dma_buf(struct vfio_device *device, u32 flags,
				  struct vfio_device_feature_dma_buf __user *arg,
				  size_t argsz);
void vfio_pci_dma_buf_revoke(struct vfio_pci_core_device *vdev);
void vfio_pci_dma_buf_sync(struct vfio_pci_core_device *vdev);
void vfio_pci_dma_buf_cleanup(struct vfio_pci_core_device *vdev);
void vfio_pci_dma_buf_open(struct vfio_pci_core_device *vdev);
#else
static inline int
vfio_pci_core_feature_dma_buf(struct vfio_device *device, u32 flags,
			      struct vfio_device_feature_dma_buf __user *arg,
			      size_t argsz)
{
	return -ENOTTY;
}

static inline void vfio_pci_dma_buf_revoke(struct vfio_pci_core_device *vdev)
{
}

static inline void vfio_pci_dma_buf_sync(struct vfio_pci_core_device *vdev)
{
}

static inline void vfio_pci_dma_buf_cleanup(struct vfio_pci_core_device *vdev)
{
}

static inline void vfio_pci_dma_buf_open(struct vfio_pci_core_device *vdev)
{
}
#endif

#endif /* VFIO_PCI_DMABUF_H */
