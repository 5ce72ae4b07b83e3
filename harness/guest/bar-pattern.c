// SPDX-License-Identifier: GPL-2.0
/*
 * The end-to-end runs' nested guest (L2) tests the BAR passed through to
 * it: BAR2 of the ivshmem device (1af4:1110), through its sysfs resource
 * file's mmap().
 *
 * usage: bar-pattern SEED LANE
 *   Write a pattern made from SEED at 64 places spread across the BAR, read
 *   it back, and ask the host (L0) to find it in the BAR's backing file.
 *   LANE (0-3) picks the word of each 32-byte block, so that the passes of
 *   one boot of L1 never write the same place.  Prints:
 *     bar-pattern: DEV BAR2, N MiB, gpa 0x..., seed 0x...
 *     bar-pattern: first access          just before the first store
 *     host-check ivshmem.bin 0xOFF HEX   per place (harness/report.sh)
 *     bar-pattern: done N places, M bad  and exits 1 if M > 0
 * usage: bar-pattern toggle N
 *   Turn the device's memory decoding off and on again N times, 50 ms
 *   each, while a second process reads and writes the BAR's first page
 *   without pause.  The BAR then works again if a pass after it finds its
 *   pattern.  Prints the toggles and the other process's accesses; exits 1
 *   if that process died (a SIGBUS, say) or never ran.
 * usage: bar-pattern reset N
 *   The same with N resets of the device through its sysfs reset file
 *   (with QEMU's vfio-pci behind a PCIe root port, a secondary bus reset,
 *   which QEMU passes on to the device in L1).
 * usage: bar-pattern poison SECONDS
 *   Read the BAR's last page, which the patterns leave alone, then say
 *     bar-pattern: poison BAR offset 0x..., waiting
 *   so that L1 poisons that page (harness/guest/e2e-qemu), and read it
 *   again every millisecond, in a process of its own, for at most SECONDS.
 *   QEMU turns the KVM_MEMORY_EXIT_FLAG_HWPOISON exit into a synchronous
 *   external abort (arm64) or a machine check (x86), so the reader must
 *   die of a SIGBUS: it prints the signal's si_code (arm64's abort gives
 *   BUS_OBJERR, x86's machine check BUS_MCEERR_AR) and dies of it, which
 *   the kernel logs with print-fatal-signals=1.  Exits 1 otherwise.
 *
 * One page is mapped at a time, so that a BAR of any size costs the guest
 * a page table of one page.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLACES	64
#define PAGE	4096UL

static char dev[256];

static int read_hex(const char *dir, const char *name, unsigned long *v)
{
	char path[512], buf[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	*v = ok ? strtoul(buf, NULL, 16) : 0;
	return ok;
}

static int find_device(void)
{
	unsigned long vendor, device;
	char path[512];
	struct dirent *e;
	DIR *d;

	d = opendir("/sys/bus/pci/devices");
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", e->d_name);
		if (read_hex(path, "vendor", &vendor) && vendor == 0x1af4 &&
		    read_hex(path, "device", &device) && device == 0x1110) {
			snprintf(dev, sizeof(dev), "%s", e->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
	if (!dev[0])
		printf("bar-pattern: no ivshmem device\n");
	return dev[0] ? 0 : -1;
}

/* A sysfs file of the device; @size: its size, or NULL for write-only */
static int open_file(const char *name, uint64_t *size)
{
	char path[512];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, name);
	fd = open(path, (size ? O_RDWR : O_WRONLY) | O_SYNC);
	if (fd < 0 || fstat(fd, &st)) {
		printf("bar-pattern: %s: %m\n", path);
		return -1;
	}
	if (size)
		*size = st.st_size;
	return fd;
}

/* splitmix64: a word of the pattern from the seed and the place */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int pattern(uint64_t seed, uint64_t lane)
{
	unsigned long gpa = 0;
	uint64_t size, stride;
	char path[512];
	int fd, i, bad = 0;
	FILE *f;

	fd = open_file("resource2", &size);
	if (fd < 0)
		return 1;
	/* The last page is poison()'s. */
	stride = (size - PAGE) / PLACES & ~(PAGE - 1);
	if (size <= PAGE || !stride) {
		printf("bar-pattern: a BAR of %llu bytes is too small\n",
		       (unsigned long long)size);
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", dev);
	f = fopen(path, "r");
	for (i = 0; f && i < 3; i++)
		if (fscanf(f, "%lx %*x %*x", &gpa) != 1)
			gpa = 0;
	if (f)
		fclose(f);
	printf("bar-pattern: %s BAR2, %llu MiB, gpa %#lx, seed %#llx\n", dev,
	       (unsigned long long)(size >> 20), gpa, (unsigned long long)seed);
	printf("bar-pattern: first access\n");
	fflush(stdout);
	for (i = 0; i < PLACES; i++) {
		uint64_t h = mix(seed ^ i), v = mix(h);
		/* block 0 is toggle()'s */
		uint64_t off = i * stride + 32 + (h % (stride - 32) & ~31ULL) +
			       8 * lane;
		uint64_t page = off & ~(PAGE - 1);
		volatile uint64_t *p;
		char *m;

		m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
		if (m == MAP_FAILED) {
			printf("bar-pattern: mmap at %#llx: %m\n",
			       (unsigned long long)page);
			return 1;
		}
		p = (volatile uint64_t *)(m + (off - page));
		*p = v;
		if (*p != v) {
			printf("bar-pattern: at %#llx: wrote %#llx, read %#llx\n",
			       (unsigned long long)off, (unsigned long long)v,
			       (unsigned long long)*p);
			bad++;
		}
		munmap(m, PAGE);
		/* little-endian: the file holds the low byte first */
		printf("host-check ivshmem.bin %#llx ", (unsigned long long)off);
		for (int b = 0; b < 8; b++)
			printf("%02x", (unsigned int)(v >> (8 * b)) & 0xff);
		printf("\n");
	}
	close(fd);
	printf("bar-pattern: done %d places, %d bad\n", PLACES, bad);
	return bad ? 1 : 0;
}

/* Turn memory decoding off and on again; 0 or -1 with errno. */
static int toggle_once(int cfg)
{
	uint16_t cmd, off;

	if (pread(cfg, &cmd, 2, 4) != 2)
		return -1;
	off = cmd & ~2;			/* PCI_COMMAND_MEMORY */
	if (pwrite(cfg, &off, 2, 4) != 2)
		return -1;
	usleep(50000);
	if (pwrite(cfg, &cmd, 2, 4) != 2)
		return -1;
	usleep(50000);
	return 0;
}

/* Reset the device through sysfs; 0 or -1 with errno. */
static int reset_once(int rst)
{
	return pwrite(rst, "1", 1, 0) == 1 ? 0 : -1;
}

/*
 * @n times @what on the file @name of the device, while another process
 * reads and writes the BAR's first page.
 */
static int disturb(const char *what, const char *name, int (*once)(int), int n)
{
	volatile uint64_t *count, *p;
	uint64_t bar_size, file_size;
	int fd, file, i, status;
	pid_t pid;

	fd = open_file("resource2", &bar_size);
	file = open_file(name, strcmp(name, "reset") ? &file_size : NULL);
	if (fd < 0 || file < 0)
		return 1;
	count = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (count == MAP_FAILED || p == MAP_FAILED) {
		printf("bar-pattern: mmap: %m\n");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		printf("bar-pattern: fork: %m\n");
		return 1;
	}
	if (!pid) {
		for (;;) {	/* block 0: pattern() writes none of it */
			p[1] = p[0] + 1;
			(*count)++;
		}
	}
	for (i = 0; i < n; i++)
		if (once(file))
			break;
	if (i < n)
		printf("bar-pattern: %s: %m\n", what);
	usleep(50000);
	if (waitpid(pid, &status, WNOHANG)) {
		printf("bar-pattern: the process on the BAR died (status %#x)\n",
		       status);
		return 1;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("bar-pattern: %s %d times, the other process made %llu accesses\n",
	       what, i, (unsigned long long)*count);
	return i == n && *count ? 0 : 1;
}

/* The reader's SIGBUS: say which, then die of it. */
static void poison_sigbus(int sig, siginfo_t *si, void *uc)
{
	char msg[80];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg), "bar-pattern: poison: SIGBUS, si_code %d%s\n",
		     si->si_code, si->si_code == BUS_OBJERR ? " (BUS_OBJERR)" :
		     si->si_code == BUS_MCEERR_AR ? " (BUS_MCEERR_AR)" : "");
	if (write(1, msg, n) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int poison(int seconds)
{
	struct sigaction sa = {
		.sa_sigaction = poison_sigbus,
		.sa_flags = SA_SIGINFO,
	};
	volatile uint64_t *reads, *p;
	uint64_t size, last;
	int fd, status, i;
	pid_t pid;

	fd = open_file("resource2", &size);
	if (fd < 0)
		return 1;
	last = size - PAGE;
	reads = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, last);
	if (reads == MAP_FAILED || p == MAP_FAILED) {
		printf("bar-pattern: mmap: %m\n");
		return 1;
	}
	(void)*p;
	/* The line ends in a word: L1 reads it while it is being written. */
	printf("bar-pattern: poison BAR offset %#llx, waiting\n",
	       (unsigned long long)last);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("bar-pattern: fork: %m\n");
		return 1;
	}
	if (!pid) {
		sigaction(SIGBUS, &sa, NULL);
		for (;;) {
			(void)*p;
			(*reads)++;
			usleep(1000);
		}
	}
	for (i = 0; i < seconds * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (i == seconds * 10) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("bar-pattern: poison: the reader made %llu reads in %d s and got no signal\n",
		       (unsigned long long)*reads, seconds);
		return 1;
	}
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS) {
		printf("bar-pattern: poison: the reader ended with status %#x, wanted a SIGBUS\n",
		       status);
		return 1;
	}
	printf("bar-pattern: poison: the reader died of a SIGBUS after %llu reads\n",
	       (unsigned long long)*reads);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bar-pattern SEED LANE | toggle N | reset N | poison SECONDS\n");
		return 2;
	}
	if (find_device())
		return 1;
	if (!strcmp(argv[1], "toggle"))
		return disturb("toggled memory decoding", "config",
			       toggle_once, atoi(argv[2]));
	if (!strcmp(argv[1], "reset"))
		return disturb("reset the device", "reset", reset_once,
			       atoi(argv[2]));
	if (!strcmp(argv[1], "poison"))
		return poison(atoi(argv[2]));
	return pattern(strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0) & 3);
}
