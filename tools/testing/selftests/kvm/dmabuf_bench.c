// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf slot against the VMA path, side by side in one VM process.
 *
 * On the BAR of the device bound to vfio-pci (our guests' ivshmem BAR2),
 * its first S GiB bound for each size S of -s (a prefix of S GiB is, for
 * KVM and for vfio-pci, what a BAR of S GiB would be: one range, one VMA):
 *
 *   fd           VFIO_DEVICE_FEATURE_DMA_BUF, bound with KVM_MEM_DMABUF;
 *   vma-aligned  mmapped at a 1 GiB-aligned address and bound as a plain
 *                slot, so that huge PFNMAP maps it as large as the
 *                architecture allows;
 *   vma-4k       mapped 4 KiB- but not 2 MiB-aligned, as a VMM that does not
 *                align gets (only while the window is at most -k MiB).
 *
 * On RAM, a memfd of S GiB for each size S of -m, fragmented so that no two
 * of its pages are physically adjacent (they were allocated alternately
 * with those of a second memfd, since closed), so that every fault maps
 * 4 KiB and the fault path's own cost shows:
 *
 *   udmabuf      a udmabuf of the memfd, bound with KVM_MEM_DMABUF, where
 *                a fault maps its group of 16 pages (kvm.dmabuf_fault_around);
 *   memfd-hva    the same memfd mmapped and bound as a plain slot;
 *   udmabuf-4k   udmabuf with kvm.dmabuf_fault_around=0: one page per
 *                fault, as memfd-hva, so that the fault paths compare.
 *
 * For each size, after one run that is not counted, and for each
 * repetition, variant (the variants of a size go first in turn) and vCPU
 * count (1, then 2 populating disjoint halves), a new VM:
 * bind (timed: the export, udmabuf creation or mmap, and the ioctl),
 * populate the window with one write per 4 KiB (timed), the same pass
 * again with everything mapped (timed), and once more after each vCPU
 * emptied its TLB (timed: a TLB as large as the window, as TCG's software
 * TLB is, makes the second pass cheaper than any first pass can be, since
 * the first starts cold), the counts, then on the BAR a
 * revoke by turning memory decode off (timed until the config write
 * returns, after which stage 2 must hold nothing of the slot) and on
 * again, and the slot delete (timed).  udmabuf never revokes: the RAM
 * variants have no revoke figure.
 *
 * Output: one CSV line per figure, prefixed "csv: ", with the columns
 * arch,variant,bar_gib,window_gib,vcpus,metric,median,min,max,unit, where
 * bar_gib is the size bound (of the BAR, or of the memfd); harness/bench.sh
 * collects them.  Timings are medians of the repetitions; under TCG they
 * are not absolute: compare ratios.
 *
 * Counts, the same method for every variant:
 *   host_pt_bytes   VmPTE delta of this process after populating;
 *   meminfo_pt_bytes PageTables delta in /proc/meminfo;
 *   kvm_pt_bytes    SecPageTables delta (KVM's stage-2 / TDP tables);
 *   faults          x86: pf_taken of the vCPUs.  arm64: their exits, since
 *                   6.12 counts no stage-2 fault: every fault is an exit,
 *                   and so is every host interrupt while the guest runs;
 *   leaves_4k/2m/1g the slot's leaves by size, from the VM's debugfs view
 *                   (dmabuf_mappings, which lists every slot), counted in
 *                   the slot's gfn range only.
 * With --check, fails unless the count goals hold: fd adds no host page
 * tables and maps the window with 1 GiB leaves only (one per GiB), and on
 * x86 takes at most one fault per GiB and vCPU, plus one per vCPU for the
 * VM's own memory, and vma-aligned maps no 4K leaf on x86 (so that the
 * reference is not a straw man).
 *
 * usage: dmabuf_bench [-r REPS] [-w WINDOW_MIB] [-k VMA4K_MAX_MIB]
 *                     [-s GIB,...] [-m GIB,...] [-v VARIANT,...] [--check]
 * (defaults: 5 repetitions, a window of 1024 MiB, vma-4k up to 1024 MiB,
 * the whole BAR, RAM of 1 GiB, every variant)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/udmabuf.h>
#include <linux/vfio.h>

#include "kvm_util.h"
#include "kvm_dmabuf_util.h"
#include "test_util.h"
#include "ucall_common.h"

#include "../drivers/dma-buf-phys/phys_util.h"

#define SLOT		10
#define TEST_GPA	0x800000000ULL	/* 32 GiB: 1 GiB-aligned */
#define MAX_VCPUS	2
#define MAX_REPS	15
#define MAX_SIZES	8
#define MIB		(1024ULL * 1024)
#define GIB		(1024 * MIB)
#define UDMABUF_LIMIT	"/sys/module/udmabuf/parameters/size_limit_mb"
#define AROUND_PARAM	"/sys/module/kvm/parameters/dmabuf_fault_around"

#ifdef __x86_64__
#define ARCH		"x86_64"
#define FAULT_STAT	"pf_taken"
#else
#define ARCH		"arm64"
#define FAULT_STAT	"exits"
#endif

enum variant {
	FD, VMA_ALIGNED, VMA_4K, UDMABUF, MEMFD_HVA, UDMABUF_4K, NR_VARIANTS
};

static const char * const variant_name[] = {
	"fd", "vma-aligned", "vma-4k", "udmabuf", "memfd-hva", "udmabuf-4k",
};

static bool on_ram(enum variant v)
{
	return v == UDMABUF || v == MEMFD_HVA || v == UDMABUF_4K;
}

enum metric {
	BIND_S, POPULATE_S, POPULATED_S, POPULATED_COLD_S, REVOKE_S, DELETE_S,
	HOST_PT, MEMINFO_PT, KVM_PT, FAULTS, LEAVES_4K, LEAVES_2M, LEAVES_1G,
	NR_METRICS
};

static const char * const metric_name[] = {
	"bind", "populate", "populate_mapped", "populate_mapped_cold",
	"revoke", "delete",
	"host_pt_bytes", "meminfo_pt_bytes", "kvm_pt_bytes", "faults",
	"leaves_4k", "leaves_2m", "leaves_1g",
};

static struct {
	int container, group, device;
	uint64_t bar_size, bar_offset, cfg_offset;
	uint16_t cmd;
} vfio;

/* One variant at one size: its figures, or why it did not run. */
struct bench_case {
	enum variant v;
	uint64_t size;		/* bytes bound */
	uint64_t window;	/* bytes populated */
	const char *skip;
	double fig[MAX_VCPUS][NR_METRICS][MAX_REPS];
};

static struct bench_case cases[NR_VARIANTS * MAX_SIZES];
static int nr_cases;
static int ram_memfd = -1;	/* the fragmented memfd of the RAM size at hand */

/* Set by the host before a pass: the guest empties its TLB first. */
static bool cold_tlb;

static void guest_flush_tlb(void)
{
#ifdef __x86_64__
	uint64_t cr3;

	/* The guest's mappings are not global: a CR3 write drops them. */
	asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
#else
	asm volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" : : : "memory");
#endif
}

/* vCPU @i of @n writes one word in each 4 KiB of its part of the window. */
static void guest_code(uint64_t i, uint64_t n, uint64_t size)
{
	uint64_t first = size / n * i, last = size / n * (i + 1), off;

	/*
	 * A first run that touches only the VM's own memory, cold_tlb's page
	 * included: the baseline.
	 */
	if (READ_ONCE(cold_tlb))
		guest_flush_tlb();
	GUEST_SYNC(0);
	for (;;) {
		if (READ_ONCE(cold_tlb))
			guest_flush_tlb();
		for (off = first; off < last; off += 4096)
			WRITE_ONCE(*(uint64_t *)(TEST_GPA + off), off);
		GUEST_SYNC(0);
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A "Name:  N kB" line of @path, in bytes. */
static uint64_t kb_field(const char *path, const char *name)
{
	char line[256];
	uint64_t kb = 0;
	size_t len = strlen(name);
	FILE *f = fopen(path, "r");

	TEST_ASSERT(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':')
			kb = strtoull(line + len + 1, NULL, 10);
	fclose(f);
	return kb * 1024;
}

/* The counter @name of a vCPU's binary stats. */
static uint64_t vcpu_stat(struct kvm_vcpu *vcpu, const char *name)
{
	int fd = vcpu_get_stats_fd(vcpu);
	struct kvm_stats_header h;
	struct kvm_stats_desc *descs, *d;
	uint64_t v = 0;
	int i;

	read_stats_header(fd, &h);
	descs = read_stats_descriptors(fd, &h);
	for (i = 0; i < h.num_desc; i++) {
		d = get_stats_descriptor(descs, i, &h);
		if (!strcmp(d->name, name)) {
			read_stat_data(fd, &h, d, &v, 1);
			break;
		}
	}
	TEST_ASSERT(i < h.num_desc, "no vCPU stat %s", name);
	free(descs);
	close(fd);
	return v;
}

/*
 * The leaves that map [TEST_GPA, TEST_GPA + @size) by size, 4K, 2M and 1G
 * (others are not counted), from the debugfs view.
 */
static void leaves(struct kvm_vm *vm, uint64_t size, uint64_t *n)
{
	uint64_t first = TEST_GPA / 4096, end = (TEST_GPA + size) / 4096;
	char path[PATH_MAX], line[256], attr[32];
	unsigned long g, p, sz;
	FILE *f;

	memset(n, 0, 3 * sizeof(*n));
	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/kvm/%d-%d/dmabuf_mappings", getpid(),
		 vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %lx %lx %31s", &g, &p, &sz, attr) == 4 &&
		    g >= first && g < end)
			n[sz == GIB ? 2 : sz == 2 * MIB ? 1 : 0]++;
	fclose(f);
}

static void set_decode(bool on)
{
	uint16_t cmd = on ? vfio.cmd : vfio.cmd & ~PCI_COMMAND_MEMORY;

	TEST_ASSERT(pwrite(vfio.device, &cmd, 2,
			   vfio.cfg_offset + PCI_COMMAND) == 2,
		    "memory decode %s: %s", on ? "on" : "off", strerror(errno));
}

/*
 * @len bytes of @fd at @offset mapped at an address that is 1 GiB-aligned,
 * or 4 KiB past one; *@res and *@res_len: the reservation to unmap
 * afterwards.
 */
static void *map_aligned(int fd, uint64_t offset, uint64_t len, bool aligned,
			 void **res, size_t *res_len)
{
	size_t rlen = len + 2 * GIB;
	char *r = mmap(NULL, rlen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);
	char *at;
	void *p;

	TEST_ASSERT(r != MAP_FAILED, "reserving %#zx bytes", rlen);
	at = (char *)(((uintptr_t)r + GIB - 1) & ~(GIB - 1));
	if (!aligned)
		at += 4096;
	p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 offset);
	TEST_ASSERT(p == at, "mmap of %#lx bytes at %p: %s",
		    (unsigned long)len, at, strerror(errno));
	*res = r;
	*res_len = rlen;
	return p;
}

/* A udmabuf of the first @size bytes of the RAM memfd. */
static int create_udmabuf(uint64_t size)
{
	struct udmabuf_create c = {
		.memfd = ram_memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = size,
	};
	int dev = open("/dev/udmabuf", O_RDWR), buf;

	TEST_ASSERT(dev >= 0, "/dev/udmabuf: %s", strerror(errno));
	buf = ioctl(dev, UDMABUF_CREATE, &c);
	TEST_ASSERT(buf >= 0, "udmabuf of %lu MiB: %s",
		    (unsigned long)(size / MIB), strerror(errno));
	close(dev);
	return buf;
}

/* The bind of @c, timed: a dma-buf fd in *@buf, or a mapping in *@res. */
static double bind(struct kvm_vm *vm, struct bench_case *c, int *buf,
		   void **res, size_t *res_len)
{
	double t0 = now();
	void *hva;

	switch (c->v) {
	case FD:
		*buf = kvm_dmabuf_vfio_export(vfio.device, O_RDWR | O_CLOEXEC,
					      c->size);
		TEST_ASSERT(*buf >= 0, "exporting %lu MiB of BAR2: %s",
			    (unsigned long)(c->size / MIB), strerror(errno));
		break;
	case UDMABUF:
	case UDMABUF_4K:
		*buf = create_udmabuf(c->size);
		break;
	case VMA_ALIGNED:
	case VMA_4K:
		hva = map_aligned(vfio.device, vfio.bar_offset, c->size,
				  c->v == VMA_ALIGNED, res, res_len);
		vm_set_user_memory_region(vm, SLOT, 0, TEST_GPA, c->size, hva);
		return now() - t0;
	case MEMFD_HVA:
		hva = map_aligned(ram_memfd, 0, c->size, true, res, res_len);
		vm_set_user_memory_region(vm, SLOT, 0, TEST_GPA, c->size, hva);
		return now() - t0;
	default:
		TEST_FAIL("variant %d", c->v);
	}
	vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA, c->size, *buf,
					 0);
	return now() - t0;
}

/* One VM, one case, @n vCPUs: every figure of repetition @rep. */
static void run_once(struct bench_case *c, int n, int rep)
{
	double *f[NR_METRICS];
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	uint64_t pte0, pt0, sec0, faults0 = 0, faults1 = 0, lv0[3], lv[3];
	uint64_t pages = c->window / 4096;
	size_t res_len = 0;
	void *res = NULL;
	struct kvm_vm *vm;
	double t0;
	int i, buf = -1, around = -1;

	for (i = 0; i < NR_METRICS; i++)
		f[i] = &c->fig[n - 1][i][rep];
	if (c->v == UDMABUF_4K) {
		around = kvm_dmabuf_param(AROUND_PARAM, -1);
		kvm_dmabuf_param(AROUND_PARAM, 0);
	}

	/*
	 * Room for the guest's page tables of the window, in 4K pages: the
	 * library sizes memslot 0's tables for @pages mapped elsewhere.
	 */
	vm = __vm_create_with_vcpus(VM_SHAPE_DEFAULT, n, pages, guest_code,
				    vcpus);
	kvm_dmabuf_virt_map(vm, TEST_GPA, TEST_GPA, c->window);
	for (i = 0; i < n; i++)
		vcpu_args_set(vcpus[i], 3, i, n, c->window);

	/*
	 * The baseline, once the vCPUs have run on the VM's own memory and
	 * their threads have been created once (glibc keeps the stacks).
	 */
	kvm_dmabuf_run_vcpus(vcpus, n, UCALL_SYNC);
	pte0 = kb_field("/proc/self/status", "VmPTE");
	pt0 = kb_field("/proc/meminfo", "PageTables");
	sec0 = kb_field("/proc/meminfo", "SecPageTables");
	for (i = 0; i < n; i++)
		faults0 += vcpu_stat(vcpus[i], FAULT_STAT);
	leaves(vm, c->size, lv0);
	TEST_ASSERT(!lv0[0] && !lv0[1] && !lv0[2],
		    "leaves in the slot's range before the bind");

	*f[BIND_S] = bind(vm, c, &buf, &res, &res_len);

	*f[POPULATE_S] = kvm_dmabuf_run_vcpus(vcpus, n, UCALL_SYNC);
	for (i = 0; i < n; i++)
		faults1 += vcpu_stat(vcpus[i], FAULT_STAT);
	*f[POPULATED_S] = kvm_dmabuf_run_vcpus(vcpus, n, UCALL_SYNC);
	cold_tlb = true;
	sync_global_to_guest(vm, cold_tlb);
	*f[POPULATED_COLD_S] = kvm_dmabuf_run_vcpus(vcpus, n, UCALL_SYNC);
	cold_tlb = false;

	*f[HOST_PT] = kb_field("/proc/self/status", "VmPTE") - pte0;
	*f[MEMINFO_PT] = (double)kb_field("/proc/meminfo", "PageTables") - pt0;
	*f[KVM_PT] = (double)kb_field("/proc/meminfo", "SecPageTables") - sec0;
	*f[FAULTS] = faults1 - faults0;
	leaves(vm, c->size, lv);
	*f[LEAVES_4K] = lv[0];
	*f[LEAVES_2M] = lv[1];
	*f[LEAVES_1G] = lv[2];

	if (!on_ram(c->v)) {
		t0 = now();
		set_decode(false);
		*f[REVOKE_S] = now() - t0;
		leaves(vm, c->size, lv);
		TEST_ASSERT(!lv[0] && !lv[1] && !lv[2],
			    "%s: stage 2 still maps %lu/%lu/%lu 4K/2M/1G leaves of the slot after the revoke",
			    variant_name[c->v], (unsigned long)lv[0],
			    (unsigned long)lv[1], (unsigned long)lv[2]);
		set_decode(true);
	}

	t0 = now();
	if (buf >= 0)
		vm_delete_dmabuf_slot(vm, SLOT);
	else
		vm_set_user_memory_region(vm, SLOT, 0, TEST_GPA, 0, NULL);
	*f[DELETE_S] = now() - t0;

	kvm_vm_free(vm);
	if (buf >= 0)
		close(buf);
	if (res)
		munmap(res, res_len);
	if (around >= 0)
		kvm_dmabuf_param(AROUND_PARAM, around);
}

/*
 * A memfd of @size bytes whose pages were allocated alternately with those
 * of a second memfd, which is then closed: no two of its pages are
 * physically adjacent, unless the allocator returned them out of order.
 */
static int fragmented_memfd(uint64_t size)
{
	int a = memfd_create("bench-ram", MFD_ALLOW_SEALING);
	int b = memfd_create("bench-gaps", 0);
	uint64_t *pa, *pb, off;

	TEST_ASSERT(a >= 0 && b >= 0 && !ftruncate(a, size) &&
		    !ftruncate(b, size), "two memfds of %lu MiB",
		    (unsigned long)(size / MIB));
	pa = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	pb = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	TEST_ASSERT(pa != MAP_FAILED && pb != MAP_FAILED, "mapping the memfds");
	for (off = 0; off < size; off += 4096) {
		pa[off / 8] = off;
		pb[off / 8] = off;
	}
	munmap(pa, size);
	munmap(pb, size);
	close(b);
	TEST_ASSERT(!fcntl(a, F_ADD_SEALS, F_SEAL_SHRINK), "sealing the memfd");
	return a;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of metric @m of @c with @n vCPUs; *@lo and *@hi the range. */
static double median(struct bench_case *c, int n, enum metric m, int reps,
		     double *lo, double *hi)
{
	double r[MAX_REPS];

	memcpy(r, c->fig[n - 1][m], reps * sizeof(*r));
	qsort(r, reps, sizeof(*r), cmp_double);
	if (lo)
		*lo = r[0];
	if (hi)
		*hi = r[reps - 1];
	return r[reps / 2];
}

static void print(struct bench_case *c, int n, enum metric m, int reps)
{
	double lo, hi, med = median(c, n, m, reps, &lo, &hi);
	bool secs = m <= DELETE_S;

	if (m == REVOKE_S && on_ram(c->v))
		return;
	printf("csv: %s,%s,%g,%g,%d,%s,%.9g,%.9g,%.9g,%s\n", ARCH,
	       variant_name[c->v], (double)c->size / GIB,
	       (double)c->window / GIB, n, metric_name[m], med, lo, hi,
	       secs ? "s" : strstr(metric_name[m], "bytes") ? "bytes" : "count");
}

/* The count goals of --check, on the medians: the number missed. */
static int check(struct bench_case *c, int n, int reps)
{
	double l4 = median(c, n, LEAVES_4K, reps, NULL, NULL);
	double l2 = median(c, n, LEAVES_2M, reps, NULL, NULL);
	double l1 = median(c, n, LEAVES_1G, reps, NULL, NULL);
	double gib = (c->window + GIB - 1) / GIB;
	int bad = 0;

	if (c->v == FD) {
		double pt = median(c, n, HOST_PT, reps, NULL, NULL);

		if (pt > 0) {
			ksft_print_msg("fd, %d vCPUs: %.0f bytes of host page tables\n",
				       n, pt);
			bad++;
		}
		if (l4 || l2 || l1 != gib) {
			ksft_print_msg("fd/%d: 4K/2M/1G leaves %.0f/%.0f/%.0f, not 0/0/%.0f\n",
				       n, l4, l2, l1, gib);
			bad++;
		}
#ifdef __x86_64__
		/*
		 * pf_taken counts the VM's faults: with one vCPU, one per GiB
		 * and one of the VM's own memory (so does vma-aligned); with
		 * more, each may fault on a GiB before another's leaf is in.
		 */
		if (median(c, n, FAULTS, reps, NULL, NULL) > n * (gib + 1)) {
			ksft_print_msg("fd, %d vCPUs: %.0f faults, wanted %.0f at most\n",
				       n, median(c, n, FAULTS, reps, NULL, NULL),
				       n * (gib + 1));
			bad++;
		}
#endif
	}
#ifdef __x86_64__
	if (c->v == VMA_ALIGNED && l4) {
		ksft_print_msg("vma-aligned, %d vCPUs: %.0f 4K leaves\n", n, l4);
		bad++;
	}
#endif
	return bad;
}

static void open_vfio(void)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar),
		.index = VFIO_PCI_BAR2_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	char bdf[NAME_MAX + 1];

	__TEST_REQUIRE(phys_bound_device("vfio-pci", bdf, sizeof(bdf)),
		       "no device bound to vfio-pci");
	vfio.device = kvm_dmabuf_vfio_open(bdf, &vfio.container, &vfio.group);
	TEST_ASSERT(!ioctl(vfio.device, VFIO_DEVICE_GET_REGION_INFO, &bar) &&
		    !ioctl(vfio.device, VFIO_DEVICE_GET_REGION_INFO, &cfg),
		    "region info");
	vfio.bar_size = bar.size;
	vfio.bar_offset = bar.offset;
	vfio.cfg_offset = cfg.offset;
	TEST_ASSERT(pread(vfio.device, &vfio.cmd, 2,
			  vfio.cfg_offset + PCI_COMMAND) == 2,
		    "reading the command register");
	vfio.cmd |= PCI_COMMAND_MEMORY;
	set_decode(true);
	printf("# %s: BAR2 of %llu MiB\n", bdf,
	       (unsigned long long)(vfio.bar_size / MIB));
}

/* "1,16,64": sizes in GiB into @gib; their number. */
static int parse_sizes(const char *arg, uint64_t *gib)
{
	char *end;
	int n = 0;

	do {
		TEST_ASSERT(n < MAX_SIZES, "at most %d sizes", MAX_SIZES);
		gib[n] = strtoull(arg, &end, 0);
		TEST_ASSERT(gib[n] && (*end == ',' || !*end),
			    "sizes: GiB, separated by commas: %s", arg);
		n++;
		arg = end + 1;
	} while (*end);
	return n;
}

/* "fd,vma-aligned": the variants chosen, as a mask. */
static unsigned int parse_variants(const char *arg)
{
	unsigned int mask = 0;
	char *list = strdup(arg), *s, *save;
	int v;

	for (s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		for (v = 0; v < NR_VARIANTS; v++)
			if (!strcmp(s, variant_name[v]))
				break;
		TEST_ASSERT(v < NR_VARIANTS, "no variant %s", s);
		mask |= 1u << v;
	}
	free(list);
	return mask;
}

/* The cases of one size, for the variants of @mask in [@first, @last]. */
static int add_cases(uint64_t gib, unsigned int mask, enum variant first,
		     enum variant last, uint64_t window, uint64_t vma4k_max)
{
	int n = 0, v;

	for (v = first; v <= last; v++) {
		struct bench_case *c = &cases[nr_cases];

		if (!(mask & (1u << v)))
			continue;
		c->v = v;
		c->size = gib * GIB;
		c->window = window < c->size ? window : c->size;
		if (!on_ram(v) && c->size > vfio.bar_size)
			c->skip = "larger than the BAR";
		else if (v == VMA_4K && c->window > vma4k_max)
			c->skip = "window over -k";
		nr_cases++;
		n++;
	}
	return n;
}

/*
 * Every repetition of the @n cases from @first, each going first in turn,
 * after a run of the first that is not counted: the first VM of a size
 * pays for what the later ones find warm (in L1 under TCG, the
 * translation of the code it runs).
 */
static void run_cases(struct bench_case *first, int n, int reps)
{
	int rep, i, k;

	for (i = 0; i < n; i++)
		if (!first[i].skip) {
			run_once(&first[i], 1, 0);
			break;
		}
	for (rep = 0; rep < reps; rep++)
		for (i = 0; i < n; i++) {
			struct bench_case *c = &first[(rep + i) % n];

			if (c->skip)
				continue;
			for (k = 1; k <= MAX_VCPUS; k++)
				run_once(c, k, rep);
		}
}

int main(int argc, char *argv[])
{
	uint64_t window_mib = 1024, vma4k_max_mib = 1024;
	uint64_t bar_gib[MAX_SIZES], ram_gib[MAX_SIZES] = { 1 };
	int reps = 5, nr_bar = 0, nr_ram = 1, i, k, n, bad;
	unsigned int mask = (1u << NR_VARIANTS) - 1;
	bool do_check = false;
	long limit = -1;
	enum metric m;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			do_check = true;
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			window_mib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-k") && i + 1 < argc)
			vma4k_max_mib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			nr_bar = parse_sizes(argv[++i], bar_gib);
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			nr_ram = parse_sizes(argv[++i], ram_gib);
		else if (!strcmp(argv[i], "-v") && i + 1 < argc)
			mask = parse_variants(argv[++i]);
		else
			TEST_FAIL("usage: %s [-r REPS] [-w MIB] [-k MIB] %s",
				  argv[0],
				  "[-s GIB,...] [-m GIB,...] [-v VARIANT,...] [--check]");
	}
	TEST_ASSERT(reps > 0 && reps <= MAX_REPS, "1 to %d repetitions",
		    MAX_REPS);
	TEST_ASSERT(window_mib && window_mib % 2 == 0,
		    "-w: MiB, a multiple of 2");
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_MEMSLOT));
	open_vfio();
	if (!nr_bar) {
		bar_gib[0] = vfio.bar_size / GIB;
		nr_bar = 1;
	}

	for (i = 0; i < nr_bar; i++)
		add_cases(bar_gib[i], mask, FD, VMA_4K, window_mib * MIB,
			  vma4k_max_mib * MIB);
	k = nr_cases;
	for (i = 0; i < nr_ram; i++)
		add_cases(ram_gib[i], mask, UDMABUF, UDMABUF_4K,
			  window_mib * MIB, vma4k_max_mib * MIB);

	ksft_print_header();
	ksft_set_plan(nr_cases);
	for (i = 0; i < k; i += n) {
		for (n = 1; i + n < k && cases[i + n].size == cases[i].size; n++)
			;
		run_cases(&cases[i], n, reps);
	}
	for (i = k; i < nr_cases; i += n) {
		for (n = 1; i + n < nr_cases &&
		     cases[i + n].size == cases[i].size; n++)
			;
		if (limit < 0)
			limit = kvm_dmabuf_param(UDMABUF_LIMIT, -1);
		if (cases[i].size / MIB > (uint64_t)limit)
			kvm_dmabuf_param(UDMABUF_LIMIT, cases[i].size / MIB);
		ram_memfd = fragmented_memfd(cases[i].size);
		run_cases(&cases[i], n, reps);
		close(ram_memfd);
	}
	if (limit >= 0)
		kvm_dmabuf_param(UDMABUF_LIMIT, limit);

	for (i = 0; i < nr_cases; i++) {
		struct bench_case *c = &cases[i];

		if (c->skip) {
			ksft_test_result_skip("%s, %lu GiB: %s\n",
					      variant_name[c->v],
					      (unsigned long)(c->size / GIB),
					      c->skip);
			continue;
		}
		bad = 0;
		for (n = 1; n <= MAX_VCPUS; n++) {
			for (m = 0; m < NR_METRICS; m++)
				print(c, n, m, reps);
			if (do_check)
				bad += check(c, n, reps);
		}
		ksft_test_result(!bad, "%s, %lu GiB: %d repetitions, window %lu MiB%s\n",
				 variant_name[c->v],
				 (unsigned long)(c->size / GIB), reps,
				 (unsigned long)(c->window / MIB),
				 do_check ? ", count goals checked" : "");
	}
	set_decode(true);
	close(vfio.device);
	close(vfio.group);
	close(vfio.container);
	ksft_finished();
}
