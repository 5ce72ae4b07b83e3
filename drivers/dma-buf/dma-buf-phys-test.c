// SPDX-License-Identifier: GPL-2.0
/*
 * Test exporter and importer for physical dma-buf importers.
 *
 * The exporter carves buffers of any layout out of one memory BAR of a PCI
 * device that userspace binds to this driver through driver_override, gives
 * them the memory attribute it is asked for, and revokes, restores and
 * reports poison on request.  The importer attaches to any dma-buf with
 * dma_buf_mapping_attach() and reports what it was given and told.  Both
 * are driven through the ioctls of dma-buf-phys-test.h; see
 * tools/testing/selftests/drivers/dma-buf-phys/.
 *
 * The pool is registered as a pfn address space (linux/memory-failure.h)
 * with no mapping and a memory_failure callback, so that memory_failure()
 * on a pfn of the pool, which has no struct page, reaches the importers of
 * the buffers that hold it; a test triggers it
 * with DMA_BUF_PHYS_TEST_MEMORY_FAILURE, or, as poison consumed by the
 * calling thread, with DMA_BUF_PHYS_TEST_CONSUME (of any pfn).
 *
 * Lock order: (memory_failure()'s registry lock,) phys_test_lock, then a
 * buffer's dma_resv lock.
 */
#include <linux/anon_inodes.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-phys.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/memory-failure.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dma-buf-phys-test.h"

static_assert(DMA_BUF_PHYS_TEST_ATTR_DEVICE == DMA_BUF_MEM_DEVICE);
static_assert(DMA_BUF_PHYS_TEST_ATTR_UNCACHED_ANY == DMA_BUF_MEM_UNCACHED_ANY);
static_assert(DMA_BUF_PHYS_TEST_ATTR_CACHEABLE == DMA_BUF_MEM_CACHEABLE);
static_assert(DMA_BUF_PHYS_TEST_ATTR_CACHEABLE_RAM ==
	      DMA_BUF_MEM_CACHEABLE_RAM);

#define PHYS_TEST_MAX_CHUNKS	65536
#define PHYS_TEST_MAX_RANGES	0x100000U

/* Protects phys_test_pool and phys_test_buffers. */
static DEFINE_MUTEX(phys_test_lock);
static LIST_HEAD(phys_test_buffers);

static struct phys_test_pool {
	struct pci_dev *pdev;
	int bar;
	phys_addr_t paddr;
	u64 size;
} phys_test_pool;

struct phys_test_buf {
	struct dma_buf *dmabuf;
	/* In phys_test_buffers, under phys_test_lock. */
	struct list_head node;
	/* Under the dma_resv lock. */
	bool revoked;
	/* The pool's device went away: revoked for good.  Under dma_resv. */
	bool gone;
	/* DMA_BUF_PHYS_TEST_F_POISON_AT_MAP; never changes. */
	bool poison_at_map;
	/* What map_phys lends references to; never changes. */
	struct dma_buf_phys_list *phys;
};

/* Exporter */

static int phys_test_attach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attach)
{
	struct phys_test_buf *buf = dmabuf->priv;
	bool gone;

	if (!attach->phys || !dma_buf_attach_revocable(attach))
		return -EOPNOTSUPP;
	dma_resv_lock(dmabuf->resv, NULL);
	gone = buf->gone;
	dma_resv_unlock(dmabuf->resv);
	return gone ? -ENODEV : 0;
}

/* Called with the buffer's dma_resv lock held. */
static struct dma_buf_phys_list *phys_test_map_phys(struct dma_buf_attachment *a)
{
	struct phys_test_buf *buf = a->dmabuf->priv;
	struct dma_buf_phys_list *phys;

	if (buf->gone)
		return ERR_PTR(-ENXIO);
	if (buf->revoked)
		return ERR_PTR(-ENODEV);
	phys = dma_buf_phys_get(buf->phys);
	if (buf->poison_at_map)
		dma_buf_poison_notify(a->dmabuf, PAGE_SIZE, PAGE_SIZE);
	return phys;
}

static void phys_test_release(struct dma_buf *dmabuf)
{
	struct phys_test_buf *buf = dmabuf->priv;

	mutex_lock(&phys_test_lock);
	list_del(&buf->node);
	mutex_unlock(&phys_test_lock);
	dma_buf_phys_put(buf->phys);
	kfree(buf);
}

static const struct dma_buf_mapping_pal_exp_ops phys_test_pal_ops = {
	.map_phys = phys_test_map_phys,
	.unmap_phys = dma_buf_phys_unmap_put,
};

/* Offers the physical address list; called with the dma_resv lock held. */
static int phys_test_match_mapping(struct dma_buf_match_args *args)
{
	struct dma_buf_mapping_match exp[] = {
		DMA_BUF_EMAPPING_PAL(&phys_test_pal_ops),
	};

	return dma_buf_match_mapping(args, exp, ARRAY_SIZE(exp));
}

static const struct dma_buf_ops phys_test_ops = {
	.attach = phys_test_attach,
	.release = phys_test_release,
	.match_mapping = phys_test_match_mapping,
};

/* An ordinary exporter's DMA mapping, here one that always fails. */
static struct sg_table *phys_test_map_dma_buf(struct dma_buf_attachment *a,
					      enum dma_data_direction dir)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void phys_test_unmap_dma_buf(struct dma_buf_attachment *a,
				    struct sg_table *sgt,
				    enum dma_data_direction dir)
{
}

/*
 * The same buffers, from an exporter that does not offer the physical
 * address list, as one that moves its memory (TTM) must not.
 */
static const struct dma_buf_ops phys_test_nophys_ops = {
	.map_dma_buf = phys_test_map_dma_buf,
	.unmap_dma_buf = phys_test_unmap_dma_buf,
	.release = phys_test_release,
};

static int phys_test_create(struct dma_buf_phys_test_create __user *uarg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf_phys_test_chunk *chunks;
	struct dma_buf_phys_test_create arg;
	struct phys_test_buf *buf;
	struct dma_buf *dmabuf;
	u64 size = 0, end;
	u32 i;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	/* The pool is a BAR: not RAM. */
	if (arg.attr >= DMA_BUF_MEM_NR ||
	    arg.attr == DMA_BUF_MEM_CACHEABLE_RAM ||
	    arg.flags & ~(DMA_BUF_PHYS_TEST_F_NO_PHYS |
			  DMA_BUF_PHYS_TEST_F_RDONLY |
			  DMA_BUF_PHYS_TEST_F_POISON_AT_MAP) ||
	    !arg.nr_chunks || arg.nr_chunks > PHYS_TEST_MAX_CHUNKS)
		return -EINVAL;

	chunks = memdup_array_user(u64_to_user_ptr(arg.chunks), arg.nr_chunks,
				   sizeof(*chunks));
	if (IS_ERR(chunks))
		return PTR_ERR(chunks);
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto err_free_chunks;
	}
	INIT_LIST_HEAD(&buf->node);
	buf->phys = dma_buf_phys_alloc(arg.nr_chunks, arg.attr);
	if (!buf->phys) {
		ret = -ENOMEM;
		goto err_free_buf;
	}

	mutex_lock(&phys_test_lock);
	ret = -ENODEV;
	if (!phys_test_pool.pdev)
		goto err_unlock;
	for (i = 0; i < arg.nr_chunks; i++) {
		struct dma_buf_phys_test_chunk *c = &chunks[i];

		ret = -EINVAL;
		if (check_add_overflow(c->offset, c->len, &end) ||
		    end > phys_test_pool.size ||
		    check_add_overflow(size, c->len, &size))
			goto err_unlock;
		/* Refuses empty and misaligned chunks. */
		ret = dma_buf_phys_add(buf->phys,
				       phys_test_pool.paddr + c->offset, c->len);
		if (ret)
			goto err_unlock;
	}
	ret = -EINVAL;
	buf->poison_at_map = arg.flags & DMA_BUF_PHYS_TEST_F_POISON_AT_MAP;
	if (buf->poison_at_map && size <= PAGE_SIZE)
		goto err_unlock;

	exp_info.ops = arg.flags & DMA_BUF_PHYS_TEST_F_NO_PHYS ?
		       &phys_test_nophys_ops : &phys_test_ops;
	exp_info.size = size;
	exp_info.flags = arg.flags & DMA_BUF_PHYS_TEST_F_RDONLY ?
			 O_RDONLY : O_RDWR;
	exp_info.priv = buf;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_unlock;
	}
	buf->dmabuf = dmabuf;
	list_add(&buf->node, &phys_test_buffers);
	mutex_unlock(&phys_test_lock);
	kfree(chunks);

	/* From here on, release frees buf. */
	ret = dma_buf_fd(dmabuf, O_CLOEXEC);
	if (ret < 0) {
		dma_buf_put(dmabuf);
		return ret;
	}
	arg.fd = ret;
	/* On a bad pointer the fd stays installed, as for any ioctl. */
	return put_user(arg.fd, &uarg->fd) ? -EFAULT : 0;

err_unlock:
	mutex_unlock(&phys_test_lock);
	dma_buf_phys_put(buf->phys);
err_free_buf:
	kfree(buf);
err_free_chunks:
	kfree(chunks);
	return ret;
}

/* A reference to one of our buffers, or an ERR_PTR. */
static struct dma_buf *phys_test_get_buf(int fd)
{
	struct dma_buf *dmabuf = dma_buf_get(fd);

	if (IS_ERR(dmabuf))
		return dmabuf;
	if (dmabuf->ops != &phys_test_ops &&
	    dmabuf->ops != &phys_test_nophys_ops) {
		dma_buf_put(dmabuf);
		return ERR_PTR(-EINVAL);
	}
	return dmabuf;
}

static int phys_test_revoke(struct dma_buf_phys_test_revoke __user *uarg)
{
	struct dma_buf_phys_test_revoke arg;
	struct phys_test_buf *buf;
	struct dma_buf *dmabuf;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.revoked > 1)
		return -EINVAL;
	dmabuf = phys_test_get_buf(arg.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	buf = dmabuf->priv;

	dma_resv_lock(dmabuf->resv, NULL);
	if (buf->gone) {
		ret = -ENODEV;
	} else {
		buf->revoked = arg.revoked;
		dma_buf_invalidate_mappings(dmabuf);
	}
	dma_resv_unlock(dmabuf->resv);
	dma_buf_put(dmabuf);
	return ret;
}

static int phys_test_poison(struct dma_buf_phys_test_poison __user *uarg)
{
	struct dma_buf_phys_test_poison arg;
	struct dma_buf *dmabuf;
	u64 end;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !arg.len || !PAGE_ALIGNED(arg.offset) ||
	    !PAGE_ALIGNED(arg.len) ||
	    check_add_overflow(arg.offset, arg.len, &end))
		return -EINVAL;
	dmabuf = phys_test_get_buf(arg.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	if (end > dmabuf->size) {
		ret = -EINVAL;
	} else {
		dma_resv_lock(dmabuf->resv, NULL);
		dma_buf_poison_notify(dmabuf, arg.offset, arg.len);
		dma_resv_unlock(dmabuf->resv);
	}
	dma_buf_put(dmabuf);
	return ret;
}

/* Importer */

struct phys_test_importer {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	/* The rest is under the buffer's dma_resv lock. */
	struct dma_buf_phys_list *phys;
	u64 invalidate_mappings;
	u64 poison;
	u64 poison_offset;
	u64 poison_len;
};

/* Called by the exporter with the buffer's dma_resv lock held. */
static void
phys_test_importer_invalidate_mappings(struct dma_buf_attachment *attach)
{
	struct phys_test_importer *imp = attach->importer_priv;

	imp->invalidate_mappings++;
	if (imp->phys) {
		dma_buf_pal_unmap_phys(attach, imp->phys);
		imp->phys = NULL;
	}
}

/* Called by the exporter with the buffer's dma_resv lock held. */
static void phys_test_importer_poison_notify(struct dma_buf_attachment *attach,
					     u64 offset, u64 len)
{
	struct phys_test_importer *imp = attach->importer_priv;

	imp->poison++;
	imp->poison_offset = offset;
	imp->poison_len = len;
}

static const struct dma_buf_attach_ops phys_test_importer_ops = {
	.invalidate_mappings = phys_test_importer_invalidate_mappings,
	.poison_notify = phys_test_importer_poison_notify,
};

/* DMA_BUF_PHYS_TEST_IMPORT_F_PINNED: no invalidate_mappings. */
static const struct dma_buf_attach_ops phys_test_importer_pinned_ops = {
	.poison_notify = phys_test_importer_poison_notify,
};

static int phys_test_importer_map(struct phys_test_importer *imp,
				  struct dma_buf_phys_test_map __user *uarg)
{
	struct dma_buf_phys_test_map arg;
	struct dma_buf_phys_vec *out = NULL;
	struct dma_buf_phys_list *phys;
	unsigned int i, n;
	int ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad)
		return -EINVAL;
	n = min(arg.max_ranges, PHYS_TEST_MAX_RANGES);
	if (n) {
		out = kvcalloc(n, sizeof(*out), GFP_KERNEL);
		if (!out)
			return -ENOMEM;
	}

	/* No user access under dma_resv: mmap_lock nests outside it. */
	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (!imp->phys) {
		phys = dma_buf_pal_map_phys(imp->attach);
		if (IS_ERR(phys)) {
			ret = PTR_ERR(phys);
			goto out_unlock;
		}
		imp->phys = phys;
	}
	phys = imp->phys;
	arg.nr_ranges = phys->length;
	arg.attr = phys->attr;
	arg.size = 0;
	for (i = 0; i < phys->length; i++) {
		if (i < n)
			out[i] = phys->phys[i];
		arg.size += phys->phys[i].len;
	}
out_unlock:
	dma_resv_unlock(imp->dmabuf->resv);
	if (ret)
		goto out;

	for (i = 0; i < min(n, arg.nr_ranges); i++) {
		u64 r[2] = { out[i].paddr, out[i].len };

		if (copy_to_user(u64_to_user_ptr(arg.ranges) + i * sizeof(r),
				 r, sizeof(r))) {
			ret = -EFAULT;
			goto out;
		}
	}
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
out:
	kvfree(out);
	return ret;
}

static int phys_test_importer_events(struct phys_test_importer *imp,
				     struct dma_buf_phys_test_events __user *uarg)
{
	struct dma_buf_phys_test_events ev = {};

	dma_resv_lock(imp->dmabuf->resv, NULL);
	ev.invalidate_mappings = imp->invalidate_mappings;
	ev.poison = imp->poison;
	ev.poison_offset = imp->poison_offset;
	ev.poison_len = imp->poison_len;
	ev.mapped = !!imp->phys;
	dma_resv_unlock(imp->dmabuf->resv);

	return copy_to_user(uarg, &ev, sizeof(ev)) ? -EFAULT : 0;
}

static long phys_test_importer_ioctl(struct file *file, unsigned int cmd,
				     unsigned long arg)
{
	struct phys_test_importer *imp = file->private_data;

	switch (cmd) {
	case DMA_BUF_PHYS_TEST_MAP:
		return phys_test_importer_map(imp, (void __user *)arg);
	case DMA_BUF_PHYS_TEST_EVENTS:
		return phys_test_importer_events(imp, (void __user *)arg);
	}
	return -ENOTTY;
}

static int phys_test_importer_release(struct inode *inode, struct file *file)
{
	struct phys_test_importer *imp = file->private_data;

	dma_resv_lock(imp->dmabuf->resv, NULL);
	if (imp->phys)
		dma_buf_pal_unmap_phys(imp->attach, imp->phys);
	imp->phys = NULL;
	dma_resv_unlock(imp->dmabuf->resv);

	dma_buf_detach(imp->dmabuf, imp->attach);
	dma_buf_put(imp->dmabuf);
	kfree(imp);
	return 0;
}

static const struct file_operations phys_test_importer_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = phys_test_importer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = phys_test_importer_release,
};

static int phys_test_import(struct dma_buf_phys_test_import __user *uarg)
{
	const struct dma_buf_mapping_match pal = DMA_BUF_IMAPPING_PAL();
	struct dma_buf_phys_test_import arg;
	struct phys_test_importer *imp;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~DMA_BUF_PHYS_TEST_IMPORT_F_PINNED || arg.pad)
		return -EINVAL;

	imp = kzalloc(sizeof(*imp), GFP_KERNEL);
	if (!imp)
		return -ENOMEM;
	imp->dmabuf = dma_buf_get(arg.fd);
	if (IS_ERR(imp->dmabuf)) {
		ret = PTR_ERR(imp->dmabuf);
		goto err_free;
	}
	imp->attach = dma_buf_mapping_attach(imp->dmabuf, &pal, 1,
					     arg.flags & DMA_BUF_PHYS_TEST_IMPORT_F_PINNED ?
					     &phys_test_importer_pinned_ops :
					     &phys_test_importer_ops, imp);
	if (IS_ERR(imp->attach)) {
		ret = PTR_ERR(imp->attach);
		goto err_put;
	}

	ret = anon_inode_getfd("[dma-buf-phys-test-importer]",
			       &phys_test_importer_fops, imp,
			       O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_detach;
	arg.importer_fd = ret;
	if (put_user(arg.importer_fd, &uarg->importer_fd))
		return -EFAULT;
	return 0;

err_detach:
	dma_buf_detach(imp->dmabuf, imp->attach);
err_put:
	dma_buf_put(imp->dmabuf);
err_free:
	kfree(imp);
	return ret;
}

static int phys_test_get_pool(struct dma_buf_phys_test_pool __user *uarg)
{
	struct dma_buf_phys_test_pool arg = {};

	mutex_lock(&phys_test_lock);
	if (phys_test_pool.pdev) {
		arg.paddr = phys_test_pool.paddr;
		arg.size = phys_test_pool.size;
	}
	mutex_unlock(&phys_test_lock);
	if (!arg.size)
		return -ENODEV;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/*
 * memory_failure() of a pfn of the pool: every buffer that holds it tells
 * its importers, at each offset where it holds it.  Called with the
 * registry's lock held.  Returns whether a buffer holds the pfn.
 */
static bool phys_test_memory_failure(struct pfn_address_space *space,
				     unsigned long pfn, int flags)
{
	struct phys_test_buf *buf;
	bool held = false;

	mutex_lock(&phys_test_lock);
	/* Alive while on the list: see phys_test_remove(). */
	list_for_each_entry(buf, &phys_test_buffers, node) {
		dma_resv_lock(buf->dmabuf->resv, NULL);
		if (dma_buf_phys_poison_pfn(buf->dmabuf, buf->phys, pfn))
			held = true;
		dma_resv_unlock(buf->dmabuf->resv);
	}
	mutex_unlock(&phys_test_lock);
	return held;
}

static struct pfn_address_space phys_test_space = {
	.memory_failure = phys_test_memory_failure,
};

/* Poison a page of the pool as the machine would: through memory_failure(). */
static int
phys_test_memory_failure_ioctl(struct dma_buf_phys_test_memory_failure __user *uarg)
{
	struct dma_buf_phys_test_memory_failure arg;
	unsigned long pfn;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		return -EOPNOTSUPP;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!PAGE_ALIGNED(arg.pool_offset))
		return -EINVAL;
	mutex_lock(&phys_test_lock);
	if (!phys_test_pool.pdev) {
		mutex_unlock(&phys_test_lock);
		return -ENODEV;
	}
	if (arg.pool_offset >= phys_test_pool.size) {
		mutex_unlock(&phys_test_lock);
		return -EINVAL;
	}
	pfn = PHYS_PFN(phys_test_pool.paddr + arg.pool_offset);
	mutex_unlock(&phys_test_lock);
	/* memory_failure() calls back into phys_test_memory_failure(). */
	return memory_failure(pfn, MF_SW_SIMULATED);
}

/* Poison consumed by the caller, as x86's kill_me_maybe() handles it. */
static int
phys_test_consume_ioctl(struct dma_buf_phys_test_consume __user *uarg)
{
	struct dma_buf_phys_test_consume arg;
	int ret;

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if ((unsigned long)arg.pfn != arg.pfn)
		return -EINVAL;
	ret = memory_failure(arg.pfn, MF_ACTION_REQUIRED | MF_SW_SIMULATED);
	/* set_mce_nospec() is not exported: a module does without it. */
	if (!ret && IS_BUILTIN(CONFIG_DMABUF_PHYS_TEST))
		set_mce_nospec(arg.pfn);
	return ret;
}

static long phys_test_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DMA_BUF_PHYS_TEST_POOL:
		return phys_test_get_pool(uarg);
	case DMA_BUF_PHYS_TEST_CREATE:
		return phys_test_create(uarg);
	case DMA_BUF_PHYS_TEST_REVOKE:
		return phys_test_revoke(uarg);
	case DMA_BUF_PHYS_TEST_POISON:
		return phys_test_poison(uarg);
	case DMA_BUF_PHYS_TEST_IMPORT:
		return phys_test_import(uarg);
	case DMA_BUF_PHYS_TEST_MEMORY_FAILURE:
		return phys_test_memory_failure_ioctl(uarg);
	case DMA_BUF_PHYS_TEST_CONSUME:
		return phys_test_consume_ioctl(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations phys_test_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = phys_test_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice phys_test_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dma_buf_phys_test",
	.fops = &phys_test_fops,
	.mode = 0600,
};

/* The pool device */

static int phys_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	resource_size_t best = 0;
	int bar, ret, pick = -1;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
			continue;
		if (pci_resource_len(pdev, bar) > best) {
			best = pci_resource_len(pdev, bar);
			pick = bar;
		}
	}
	if (pick < 0 || best < PAGE_SIZE)
		return -ENODEV;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, pick, DMA_BUF_PHYS_TEST_DRIVER);
	if (ret)
		return ret;

	mutex_lock(&phys_test_lock);
	if (phys_test_pool.pdev) {
		mutex_unlock(&phys_test_lock);
		pci_release_region(pdev, pick);
		return -EBUSY;
	}
	phys_test_pool.pdev = pdev;
	phys_test_pool.bar = pick;
	phys_test_pool.paddr = pci_resource_start(pdev, pick);
	phys_test_pool.size = best;
	mutex_unlock(&phys_test_lock);

	phys_test_space.node.start = PHYS_PFN(phys_test_pool.paddr);
	phys_test_space.node.last = PHYS_PFN(phys_test_pool.paddr + best) - 1;
	ret = register_pfn_address_space(&phys_test_space);
	/* Without CONFIG_MEMORY_FAILURE there is no poison to report. */
	if (ret == -EOPNOTSUPP)
		ret = 0;
	if (ret) {
		mutex_lock(&phys_test_lock);
		phys_test_pool.pdev = NULL;
		phys_test_pool.size = 0;
		mutex_unlock(&phys_test_lock);
		pci_release_region(pdev, pick);
		return ret;
	}

	pci_info(pdev, "dma-buf test pool: BAR %d, %pa, %llu MiB\n", pick,
		 &phys_test_pool.paddr, (u64)best >> 20);
	return 0;
}

/* Unbinding revokes every buffer for good, as a device going away would. */
static void phys_test_remove(struct pci_dev *pdev)
{
	struct phys_test_buf *buf;

	unregister_pfn_address_space(&phys_test_space);
	mutex_lock(&phys_test_lock);
	/*
	 * A buffer on the list is alive: its release blocks on
	 * phys_test_lock before it frees anything.
	 */
	list_for_each_entry(buf, &phys_test_buffers, node) {
		dma_resv_lock(buf->dmabuf->resv, NULL);
		buf->gone = true;
		dma_buf_invalidate_mappings(buf->dmabuf);
		dma_resv_unlock(buf->dmabuf->resv);
	}
	pci_release_region(pdev, phys_test_pool.bar);
	phys_test_pool.pdev = NULL;
	phys_test_pool.size = 0;
	mutex_unlock(&phys_test_lock);
}

/* No ID table: this driver is bound only through driver_override. */
static struct pci_driver phys_test_pci_driver = {
	.name = DMA_BUF_PHYS_TEST_DRIVER,
	.probe = phys_test_probe,
	.remove = phys_test_remove,
};

static int __init phys_test_init(void)
{
	int ret;

	ret = misc_register(&phys_test_misc);
	if (ret)
		return ret;
	ret = pci_register_driver(&phys_test_pci_driver);
	if (ret)
		misc_deregister(&phys_test_misc);
	return ret;
}

static void __exit phys_test_exit(void)
{
	pci_unregister_driver(&phys_test_pci_driver);
	misc_deregister(&phys_test_misc);
}

module_init(phys_test_init);
module_exit(phys_test_exit);

MODULE_DESCRIPTION("Test exporter and importer for physical dma-buf importers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
