// SPDX-License-Identifier: Apache-2.0
/*
 * nb-uffd-handler: a page-fault handler for nestbox's Uffd snapshot memory
 * backend (Firecracker's protocol), for the emulated host; built static by
 * tests/integration/run.
 *
 *   nb-uffd-handler SOCK MEMFILE
 *       listens on SOCK (a stale socket file replaced), takes one VM's
 *       userfaultfd and region mappings (one message: a JSON array of
 *       {"base_host_virt_addr", "size", "offset", "page_size"} with the fd
 *       as SCM_RIGHTS), maps MEMFILE privately and serves each missing page
 *       from it (UFFDIO_COPY; an all-zero page with UFFDIO_ZEROPAGE), pages
 *       the balloon removed (UFFD_EVENT_REMOVE) with zeros. Exits 0 when the
 *       VM's side of the connection hangs up, printing "nb-uffd-handler: N
 *       copied, Z zero, R removed" on stderr; 1 on a bad handshake.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_REGIONS 8
#define MAX_PENDING 256

struct region {
	uint64_t base, size, offset, page;
	uint8_t *removed; /* a byte per page: given back by the balloon */
};

static struct region regions[MAX_REGIONS];
static unsigned int nr_regions;
static const uint8_t *file;
static uint64_t file_size;
static unsigned long copied, zeroed, removes;

static void die(const char *what)
{
	fprintf(stderr, "nb-uffd-handler: %s\n", what);
	exit(1);
}

/* The number after "KEY": inside [obj, end), or -1. */
static int field(const char *obj, const char *end, const char *key, uint64_t *out)
{
	char pat[40];
	const char *p;
	size_t n;

	n = (size_t)snprintf(pat, sizeof(pat), "\"%s\":", key);
	for (p = obj; p + n <= end; p++) {
		if (memcmp(p, pat, n))
			continue;
		p += n;
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		*out = strtoull(p, NULL, 10);
		return 0;
	}
	return -1;
}

/* Firecracker's mappings: [{...}, {...}]. */
static void parse_mappings(const char *json)
{
	const char *p = json;

	while ((p = strchr(p, '{')) != NULL) {
		const char *end = strchr(p, '}');
		struct region *r = &regions[nr_regions];

		if (!end || nr_regions == MAX_REGIONS)
			die("bad mappings");
		if (field(p, end, "base_host_virt_addr", &r->base) ||
		    field(p, end, "size", &r->size) || field(p, end, "offset", &r->offset) ||
		    (field(p, end, "page_size", &r->page) &&
		     field(p, end, "page_size_kib", &r->page)))
			die("a mapping lacks base_host_virt_addr, size, offset or page_size");
		if (!r->page || (r->page & (r->page - 1)) || (r->base | r->size) & (r->page - 1) ||
		    r->offset > file_size || r->size > file_size - r->offset)
			die("a mapping does not fit the memory file");
		r->removed = calloc(r->size / r->page, 1);
		if (!r->removed)
			die("out of memory");
		nr_regions++;
		p = end + 1;
	}
	if (!nr_regions)
		die("no mappings");
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1))
		die(strerror(errno));
	return fd;
}

/* The handshake: the mappings and the userfaultfd in one message. */
static int take_uffd(int conn)
{
	static char json[4096];
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = json, .iov_len = sizeof(json) - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		die("no userfaultfd in the handshake");
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	json[n] = 0;
	parse_mappings(json);
	return fd;
}

static struct region *find(uint64_t addr)
{
	for (unsigned int i = 0; i < nr_regions; i++)
		if (addr >= regions[i].base && addr - regions[i].base < regions[i].size)
			return &regions[i];
	return NULL;
}

static int all_zero(const uint8_t *p, uint64_t len)
{
	for (uint64_t i = 0; i < len; i += 8)
		if (*(const uint64_t *)(p + i))
			return 0;
	return 1;
}

/* Resolves the fault at @addr: 0, or -EAGAIN (retry once the events are read). */
static int serve(int uffd, uint64_t addr)
{
	struct region *r = find(addr);
	uint64_t page, idx;
	const uint8_t *src;
	int ret;

	if (!r)
		die("a fault outside every mapping");
	page = addr & ~(r->page - 1);
	idx = (page - r->base) / r->page;
	src = file + r->offset + (page - r->base);
	if (r->removed[idx] || all_zero(src, r->page)) {
		struct uffdio_zeropage z = {.range = {.start = page, .len = r->page}};

		ret = ioctl(uffd, UFFDIO_ZEROPAGE, &z);
		zeroed += !ret;
	} else {
		struct uffdio_copy c = {.dst = page, .src = (uintptr_t)src, .len = r->page};

		ret = ioctl(uffd, UFFDIO_COPY, &c);
		copied += !ret;
	}
	if (!ret)
		return 0;
	if (errno == EAGAIN)
		return -EAGAIN;
	if (errno == EEXIST) {
		/* Already there (another vCPU's fault): wake whoever waits. */
		struct uffdio_range w = {.start = page, .len = r->page};

		ioctl(uffd, UFFDIO_WAKE, &w);
		return 0;
	}
	fprintf(stderr, "nb-uffd-handler: page 0x%llx: %s\n", (unsigned long long)page,
		strerror(errno));
	exit(1);
}

static void removed(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end;) {
		struct region *r = find(a);

		if (!r)
			break;
		r->removed[(a - r->base) / r->page] = 1;
		a = (a & ~(r->page - 1)) + r->page;
	}
	removes++;
}

int main(int argc, char **argv)
{
	uint64_t pending[MAX_PENDING];
	unsigned int npending = 0;
	struct stat st;
	int lfd, conn, uffd, mfd;

	if (argc != 3) {
		fprintf(stderr, "usage: nb-uffd-handler SOCK MEMFILE\n");
		return 2;
	}
	mfd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (mfd < 0 || fstat(mfd, &st) || !st.st_size)
		die("cannot open the memory file");
	file_size = (uint64_t)st.st_size;
	file = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, mfd, 0);
	if (file == MAP_FAILED)
		die(strerror(errno));
	lfd = listen_on(argv[1]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die(strerror(errno));
	close(lfd);
	uffd = take_uffd(conn);
	fprintf(stderr, "nb-uffd-handler: %u region(s), %llu MiB, %llu-byte pages\n", nr_regions,
		(unsigned long long)(regions[0].size >> 20), (unsigned long long)regions[0].page);
	for (;;) {
		struct pollfd p[2] = {{.fd = uffd, .events = POLLIN},
				      {.fd = conn, .events = POLLIN}};
		struct uffd_msg msgs[16];
		unsigned int keep = 0;
		ssize_t n;
		char c;

		if (poll(p, 2, npending ? 1 : -1) < 0 && errno != EINTR)
			die(strerror(errno));
		/* nestbox never writes again: readable means it hung up (the VM is gone). */
		if (p[1].revents) {
			n = recv(conn, &c, 1, MSG_DONTWAIT);
			if (!n || (n < 0 && errno != EAGAIN && errno != EINTR))
				break;
		}
		while ((n = read(uffd, msgs, sizeof(msgs))) > 0) {
			for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++) {
				struct uffd_msg *m = &msgs[i];

				if (m->event == UFFD_EVENT_REMOVE)
					removed(m->arg.remove.start, m->arg.remove.end);
				else if (m->event == UFFD_EVENT_PAGEFAULT &&
					 serve(uffd, m->arg.pagefault.address) &&
					 npending < MAX_PENDING)
					pending[npending++] = m->arg.pagefault.address;
			}
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			die(strerror(errno));
		/* Faults that met a change of the address space: again, now that it is read. */
		for (unsigned int i = 0; i < npending; i++)
			if (serve(uffd, pending[i]))
				pending[keep++] = pending[i];
		npending = keep;
	}
	fprintf(stderr, "nb-uffd-handler: %lu copied, %lu zero, %lu removed\n", copied, zeroed,
		removes);
	return 0;
}
