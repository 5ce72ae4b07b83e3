// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf slot against the VMA path, side by side in one VM process,
 * on the BAR of the device bound to vfio-pci (our guests' ivshmem BAR2):
 *
 *   fd           VFIO_DEVICE_FEATURE_DMA_BUF, bound with KVM_MEM_DMABUF;
 *   vma-aligned  the BAR mmapped at a 1 GiB-aligned address and bound as a
 *                plain slot, so that huge PFNMAP maps it as large as the
 *                architecture allows;
 *   vma-4k       mapped 4 KiB- but not 2 MiB-aligned, as a VMM that does not
 *                align gets (only while the window is at most -k bytes).
 *
 * For each repetition, variant (each goes first in turn) and vCPU count
 * (1, then 2 populating disjoint halves), a new VM: bind (timed: the export or mmap, and the
 * ioctl), populate the window with one write per 4 KiB (timed), the same
 * pass again with everything mapped (timed), the counts (host page tables
 * of this process, KVM's own tables, faults, stage-2 leaves), revoke by
 * turning memory decode off (timed until the config write returns, after
 * which stage 2 must hold nothing of the slot) and on again, and the slot
 * delete (timed).
 *
 * Output: one CSV line per figure, prefixed "csv: ", with the columns
 * arch,variant,bar_gib,window_gib,vcpus,metric,median,min,max,unit;
 * harness/bench.sh collects them.  Counts are the same in every
 * repetition unless something is wrong; timings are medians of the
 * repetitions.  Under TCG the timings are not absolute: compare ratios.
 *
 * Counts, per architecture (the same method for every variant):
 *   host_pt_bytes   VmPTE delta of this process after populating;
 *   meminfo_pt_bytes PageTables delta in /proc/meminfo;
 *   kvm_pt_bytes    SecPageTables delta (KVM's stage-2 / TDP tables);
 *   faults          x86: pf_taken of the vCPUs; arm64: their exits (every
 *                   stage-2 fault is one; so is the odd interrupt);
 *   leaves_4k/2m/1g x86: the VM's pages_4k/2m/1g; arm64: the fd variant's
 *                   leaves from debugfs (dmabuf_mappings), the VMA variants
 *                   have no such view in 6.12 and report none.
 * With --check, fails unless the count goals hold: fd and vma-aligned map
 * no 4K leaf where the window is aligned, fd adds no host page tables, and
 * fd takes at most one fault per GiB (plus one per vCPU) on x86.
 *
 * usage: dmabuf_bench [-r REPS] [-w WINDOW_MIB] [-k VMA4K_MAX_MIB] [--check]
 * (defaults: 5 repetitions, a window of 1024 MiB, vma-4k up to 1024 MiB)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
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
#define MIB		(1024ULL * 1024)
#define GIB		(1024 * MIB)

#ifdef __x86_64__
#define ARCH		"x86_64"
#define FAULT_STAT	"pf_taken"
#define OWN_SLACK	64	/* leaves of the VM's own memory that may appear */
#else
#define ARCH		"arm64"
#define FAULT_STAT	"exits"
#define OWN_SLACK	0	/* the debugfs view has only dma-buf slots */
#endif

enum variant { FD, VMA_ALIGNED, VMA_4K, NR_VARIANTS };
static const char * const variant_name[] = { "fd", "vma-aligned", "vma-4k" };

enum metric {
	BIND_S, POPULATE_S, POPULATED_S, REVOKE_S, DELETE_S,
	HOST_PT, MEMINFO_PT, KVM_PT, FAULTS, LEAVES_4K, LEAVES_2M, LEAVES_1G,
	NR_METRICS
};

static const char * const metric_name[] = {
	"bind", "populate", "populate_mapped", "revoke", "delete",
	"host_pt_bytes", "meminfo_pt_bytes", "kvm_pt_bytes", "faults",
	"leaves_4k", "leaves_2m", "leaves_1g",
};

static struct {
	int container, group, device;
	uint64_t bar_size, bar_offset, cfg_offset;
	uint16_t cmd;
} vfio;

static uint64_t window;		/* bytes populated */
static double fig[NR_VARIANTS][MAX_VCPUS][NR_METRICS][MAX_REPS];

/* vCPU @i of @n writes one word in each 4 KiB of its part of the window. */
static void guest_code(uint64_t i, uint64_t n, uint64_t size)
{
	uint64_t first = size / n * i, last = size / n * (i + 1), off;

	/* A first run that touches only the VM's own memory: the baseline. */
	GUEST_SYNC(0);
	for (;;) {
		for (off = first; off < last; off += 4096)
			WRITE_ONCE(*(uint64_t *)(TEST_GPA + off), off);
		GUEST_SYNC(0);
	}
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	vcpu_run(vcpu);
	if (get_ucall(vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(uc.cmd == UCALL_SYNC, "exit %s, wanted the end of a pass",
		    exit_reason_str(vcpu->run->exit_reason));
	return NULL;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One pass of @n vCPUs over the window; seconds. */
static double populate(struct kvm_vcpu **vcpus, int n)
{
	pthread_t threads[MAX_VCPUS];
	double t0 = now();
	int i;

	for (i = 0; i < n; i++)
		pthread_create(&threads[i], NULL, vcpu_thread, vcpus[i]);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	return now() - t0;
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

/* Stage-2 leaves of the slot by size; 4K, 2M, 1G (others not counted). */
static void leaves(struct kvm_vm *vm, enum variant v, uint64_t *n)
{
#ifdef __x86_64__
	n[0] = vm_get_stat(vm, "pages_4k");
	n[1] = vm_get_stat(vm, "pages_2m");
	n[2] = vm_get_stat(vm, "pages_1g");
#else
	char path[PATH_MAX], line[256], attr[32];
	unsigned long g, p, sz;
	FILE *f;

	memset(n, 0, 3 * sizeof(*n));
	if (v != FD)
		return;
	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/kvm/%d-%d/dmabuf_mappings", getpid(),
		 vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %lx %lx %31s", &g, &p, &sz, attr) == 4)
			n[sz == GIB ? 2 : sz == 2ULL << 20 ? 1 : 0]++;
	fclose(f);
#endif
}

static void set_decode(bool on)
{
	uint16_t cmd = on ? vfio.cmd : vfio.cmd & ~PCI_COMMAND_MEMORY;

	TEST_ASSERT(pwrite(vfio.device, &cmd, 2,
			   vfio.cfg_offset + PCI_COMMAND) == 2,
		    "memory decode %s: %s", on ? "on" : "off", strerror(errno));
}

static int export_bar(void)
{
	int fd = kvm_dmabuf_vfio_export(vfio.device, O_RDWR | O_CLOEXEC,
					vfio.bar_size);

	TEST_ASSERT(fd >= 0, "exporting BAR2: %s", strerror(errno));
	return fd;
}

/*
 * The BAR mapped at an address that is 1 GiB-aligned, or 4 KiB past one;
 * *@res and *@res_len: the reservation to unmap afterwards.
 */
static void *map_bar(bool aligned, void **res, size_t *res_len)
{
	size_t len = vfio.bar_size + 2 * GIB;
	char *r = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);
	char *at;
	void *p;

	TEST_ASSERT(r != MAP_FAILED, "reserving %#zx bytes", len);
	at = (char *)(((uintptr_t)r + GIB - 1) & ~(GIB - 1));
	if (!aligned)
		at += 4096;
	p = mmap(at, vfio.bar_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, vfio.device, vfio.bar_offset);
	TEST_ASSERT(p == at, "mmap of BAR2 at %p: %s", at, strerror(errno));
	*res = r;
	*res_len = len;
	return p;
}

/* One VM, one variant, @n vCPUs: every figure of repetition @rep. */
static void run_once(enum variant v, int n, int rep)
{
	double *f[NR_METRICS];
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	uint64_t pte0, pt0, sec0, faults0 = 0, faults1 = 0, lv0[3], lv[3];
	uint64_t pages = window / 4096;
	size_t res_len = 0;
	void *res = NULL, *hva = NULL;
	struct kvm_vm *vm;
	double t0;
	int i, buf = -1;

	for (i = 0; i < NR_METRICS; i++)
		f[i] = &fig[v][n - 1][i][rep];

	/* Stage-1 tables of 4K pages on arm64: room for them. */
	vm = __vm_create_with_vcpus(VM_SHAPE_DEFAULT, n, pages / 512 + 64,
				    guest_code, vcpus);
	kvm_dmabuf_virt_map(vm, TEST_GPA, TEST_GPA, window);
	for (i = 0; i < n; i++)
		vcpu_args_set(vcpus[i], 3, i, n, window);

	/*
	 * The baseline, once the vCPUs have run on the VM's own memory and
	 * their threads have been created once (glibc keeps the stacks).
	 */
	populate(vcpus, n);
	pte0 = kb_field("/proc/self/status", "VmPTE");
	pt0 = kb_field("/proc/meminfo", "PageTables");
	sec0 = kb_field("/proc/meminfo", "SecPageTables");
	for (i = 0; i < n; i++)
		faults0 += vcpu_stat(vcpus[i], FAULT_STAT);
	leaves(vm, v, lv0);

	t0 = now();
	if (v == FD) {
		buf = export_bar();
		vm_set_user_memory_region_dmabuf(vm, SLOT, 0, TEST_GPA,
						 vfio.bar_size, buf, 0);
	} else {
		hva = map_bar(v == VMA_ALIGNED, &res, &res_len);
		vm_set_user_memory_region(vm, SLOT, 0, TEST_GPA, vfio.bar_size,
					  hva);
	}
	*f[BIND_S] = now() - t0;

	*f[POPULATE_S] = populate(vcpus, n);
	for (i = 0; i < n; i++)
		faults1 += vcpu_stat(vcpus[i], FAULT_STAT);
	*f[POPULATED_S] = populate(vcpus, n);

	*f[HOST_PT] = kb_field("/proc/self/status", "VmPTE") - pte0;
	*f[MEMINFO_PT] = (double)kb_field("/proc/meminfo", "PageTables") - pt0;
	*f[KVM_PT] = (double)kb_field("/proc/meminfo", "SecPageTables") - sec0;
	*f[FAULTS] = faults1 - faults0;
	leaves(vm, v, lv);
	*f[LEAVES_4K] = (double)lv[0] - lv0[0];
	*f[LEAVES_2M] = (double)lv[1] - lv0[1];
	*f[LEAVES_1G] = (double)lv[2] - lv0[2];

	t0 = now();
	set_decode(false);
	*f[REVOKE_S] = now() - t0;
	/*
	 * Stage 2 holds no more than the VM's own memory again: no 1G leaf
	 * (the VM's memory has none), and no more small ones than before the
	 * bind, give or take the few pages of its own that the passes touched
	 * for the first time.
	 */
	leaves(vm, v, lv);
	TEST_ASSERT(lv[2] == lv0[2] && lv[0] + lv[1] <= lv0[0] + lv0[1] + OWN_SLACK,
		    "%s: stage 2 still maps the BAR after the revoke (4K/2M/1G leaves %lu/%lu/%lu, %lu/%lu/%lu before the bind)",
		    variant_name[v], (unsigned long)lv[0], (unsigned long)lv[1],
		    (unsigned long)lv[2], (unsigned long)lv0[0],
		    (unsigned long)lv0[1], (unsigned long)lv0[2]);
	set_decode(true);

	t0 = now();
	if (v == FD)
		vm_delete_dmabuf_slot(vm, SLOT);
	else
		vm_set_user_memory_region(vm, SLOT, 0, TEST_GPA, 0, NULL);
	*f[DELETE_S] = now() - t0;

	kvm_vm_free(vm);
	if (buf >= 0)
		close(buf);
	if (res)
		munmap(res, res_len);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void print(enum variant v, int n, enum metric m, int reps)
{
	double r[MAX_REPS];
	bool secs = m <= DELETE_S;

	memcpy(r, fig[v][n - 1][m], reps * sizeof(*r));
	qsort(r, reps, sizeof(*r), cmp_double);
	printf("csv: %s,%s,%g,%g,%d,%s,%.9g,%.9g,%.9g,%s\n", ARCH,
	       variant_name[v], (double)vfio.bar_size / GIB,
	       (double)window / GIB, n, metric_name[m],
	       r[reps / 2], r[0], r[reps - 1],
	       secs ? "s" : strstr(metric_name[m], "bytes") ? "bytes" : "count");
}

/* The count goals of --check, on the median. */
static int check(enum variant v, int n, int reps)
{
	double fault_max = (window + GIB - 1) / GIB + n;
	int bad = 0;

	if (v == VMA_4K)
		return 0;
	qsort(fig[v][n - 1][LEAVES_4K], reps, sizeof(double), cmp_double);
	qsort(fig[v][n - 1][HOST_PT], reps, sizeof(double), cmp_double);
	qsort(fig[v][n - 1][FAULTS], reps, sizeof(double), cmp_double);
#ifdef __x86_64__
	if (fig[v][n - 1][LEAVES_4K][reps / 2] > 0) {
		ksft_print_msg("%s, %d vCPUs: %.0f 4K leaves\n",
			       variant_name[v], n,
			       fig[v][n - 1][LEAVES_4K][reps / 2]);
		bad++;
	}
	if (v == FD && fig[v][n - 1][FAULTS][reps / 2] > fault_max) {
		ksft_print_msg("fd, %d vCPUs: %.0f faults for %llu MiB\n", n,
			       fig[v][n - 1][FAULTS][reps / 2],
			       (unsigned long long)(window / MIB));
		bad++;
	}
#else
	if (v == FD && fig[v][n - 1][LEAVES_4K][reps / 2] > 0) {
		ksft_print_msg("fd, %d vCPUs: %.0f 4K leaves\n", n,
			       fig[v][n - 1][LEAVES_4K][reps / 2]);
		bad++;
	}
	(void)fault_max;
#endif
	if (v == FD && fig[v][n - 1][HOST_PT][reps / 2] > 0) {
		ksft_print_msg("fd, %d vCPUs: %.0f bytes of host page tables\n",
			       n, fig[v][n - 1][HOST_PT][reps / 2]);
		bad++;
	}
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
	char bdf[NAME_MAX + 1], path[PATH_MAX], link[PATH_MAX];
	ssize_t len;

	__TEST_REQUIRE(phys_bound_device("vfio-pci", bdf, sizeof(bdf)),
		       "no device bound to vfio-pci");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 bdf);
	len = readlink(path, link, sizeof(link) - 1);
	TEST_ASSERT(len > 0, "iommu_group of %s", bdf);
	link[len] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%s", basename(link));
	vfio.container = open("/dev/vfio/vfio", O_RDWR);
	vfio.group = open(path, O_RDWR);
	TEST_ASSERT(vfio.container >= 0 && vfio.group >= 0, "open %s", path);
	TEST_ASSERT(!ioctl(vfio.group, VFIO_GROUP_SET_CONTAINER,
			   &vfio.container) &&
		    !ioctl(vfio.container, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU),
		    "no-IOMMU container");
	vfio.device = ioctl(vfio.group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	TEST_ASSERT(vfio.device >= 0, "device %s", bdf);
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

int main(int argc, char *argv[])
{
	uint64_t window_mib = 1024, vma4k_max_mib = 1024;
	int reps = 5, i, n, rep;
	bool do_check = false;
	enum variant v;
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
		else
			TEST_FAIL("usage: %s [-r REPS] [-w MIB] [-k MIB] [--check]",
				  argv[0]);
	}
	TEST_ASSERT(reps > 0 && reps <= MAX_REPS, "1 to %d repetitions",
		    MAX_REPS);
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_DMABUF_MEMSLOT));
	open_vfio();
	TEST_ASSERT(window_mib && window_mib % 2 == 0, "-w: MiB, a multiple of 2");
	window = window_mib * MIB;
	if (window > vfio.bar_size)
		window = vfio.bar_size;

	ksft_print_header();
	ksft_set_plan(NR_VARIANTS);
	/* Each variant goes first in turn, against order effects. */
	for (rep = 0; rep < reps; rep++)
		for (i = 0; i < NR_VARIANTS; i++) {
			v = (rep + i) % NR_VARIANTS;
			if (v == VMA_4K && window > vma4k_max_mib * MIB)
				continue;
			for (n = 1; n <= MAX_VCPUS; n++)
				run_once(v, n, rep);
		}
	for (v = 0; v < NR_VARIANTS; v++) {
		if (v == VMA_4K && window > vma4k_max_mib * MIB) {
			ksft_test_result_skip("%s: window over -k %llu MiB\n",
					      variant_name[v],
					      (unsigned long long)vma4k_max_mib);
			continue;
		}
		for (n = 1; n <= MAX_VCPUS; n++)
			for (m = 0; m < NR_METRICS; m++)
				print(v, n, m, reps);
		i = 0;
		if (do_check)
			for (n = 1; n <= MAX_VCPUS; n++)
				i += check(v, n, reps);
		ksft_test_result(!i, "%s: %d repetitions, window %llu MiB%s\n",
				 variant_name[v], reps,
				 (unsigned long long)(window / MIB),
				 do_check ? ", count goals checked" : "");
	}
	set_decode(true);
	close(vfio.device);
	close(vfio.group);
	close(vfio.container);
	ksft_finished();
}
