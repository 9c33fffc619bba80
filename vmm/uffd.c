// SPDX-License-Identifier: Apache-2.0
#include "vmm/uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

void nb_uffd_init(struct nb_uffd *u)
{
	u->fd = u->conn = -1;
}

static int open_uffd(void)
{
	int fd = -ENOSYS, dev, e;

#ifdef SYS_userfaultfd
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		return fd;
	fd = -errno;
#endif
	/* Without CAP_SYS_PTRACE and vm.unprivileged_userfaultfd, the device may still serve. */
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return fd;
	e = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	if (e < 0)
		e = -errno;
	close(dev);
	return e >= 0 ? e : fd;
}

int nb_uffd_create(void)
{
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_EVENT_REMOVE};
	int fd = open_uffd(), r;

	if (fd < 0)
		return fd;
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!(api.ioctls & (1ULL << _UFFDIO_REGISTER))) {
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}

int nb_uffd_register(int uffd, void *addr, uint64_t len)
{
	struct uffdio_register reg = {
	    .range = {.start = (uintptr_t)addr, .len = len},
	    .mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		return -errno;
	/* The handler resolves faults with these two. */
	if (!(reg.ioctls & (1ULL << _UFFDIO_COPY)) || !(reg.ioctls & (1ULL << _UFFDIO_ZEROPAGE)))
		return -EOPNOTSUPP;
	return 0;
}

int nb_uffd_mappings_json(const struct nb_guest_mem *m, uint64_t page_size, char *buf, size_t len)
{
	uint64_t offset = 0;
	size_t pos = 0;
	int n;

	n = snprintf(buf, len, "[");
	for (unsigned int i = 0; i < m->nr && n >= 0 && (size_t)n < len - pos; i++) {
		const struct nb_mem_region *r = &m->regions[i];

		pos += (size_t)n;
		n = snprintf(buf + pos, len - pos,
			     "%s{\"base_host_virt_addr\":%llu,\"size\":%llu,\"offset\":%llu,"
			     "\"page_size\":%llu,\"page_size_kib\":%llu}",
			     i ? "," : "", (unsigned long long)(uintptr_t)r->host,
			     (unsigned long long)r->size, (unsigned long long)offset,
			     (unsigned long long)page_size, (unsigned long long)page_size);
		offset += r->size;
	}
	if (n < 0 || (size_t)n >= len - pos)
		return -ENOSPC;
	pos += (size_t)n;
	n = snprintf(buf + pos, len - pos, "]");
	if (n < 0 || (size_t)n >= len - pos)
		return -ENOSPC;
	return (int)(pos + (size_t)n);
}

int nb_uffd_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Non-blocking: a handler whose backlog is full is an error, not a hang. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int nb_uffd_send(int sock, const char *msg, size_t len, int uffd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr mh = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	size_t done = 0;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &uffd, sizeof(int));
	while (done < len) {
		ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		/* The fd went with the first byte; the rest (if any) follows plainly. */
		done += (size_t)w;
		iov.iov_base = (char *)msg + done;
		iov.iov_len = len - done;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	return 0;
}

int nb_uffd_setup(struct nb_uffd *u, const struct nb_guest_mem *m, const char *path, char *err,
		  size_t errlen)
{
	char msg[NB_MEM_MAX_REGIONS * 160 + 4];
	long page = sysconf(_SC_PAGESIZE);
	int r, n;

	nb_uffd_init(u);
	r = nb_uffd_create();
	if (r < 0) {
		snprintf(err, errlen,
			 "mem_backend: cannot create a userfaultfd: %s (root, "
			 "vm.unprivileged_userfaultfd=1 or access to /dev/userfaultfd)",
			 strerror(-r));
		return r;
	}
	u->fd = r;
	for (unsigned int i = 0; i < m->nr; i++) {
		r = nb_uffd_register(u->fd, m->regions[i].host, m->regions[i].size);
		if (r) {
			snprintf(err, errlen, "mem_backend: cannot register guest memory: %s",
				 strerror(-r));
			goto fail;
		}
	}
	n = nb_uffd_mappings_json(m, (uint64_t)(page > 0 ? page : 4096), msg, sizeof(msg));
	if (n < 0) {
		r = n;
		snprintf(err, errlen, "mem_backend: the region mappings do not fit");
		goto fail;
	}
	r = nb_uffd_connect(path);
	if (r < 0) {
		if (r == -ENAMETOOLONG)
			snprintf(
			    err, errlen,
			    "mem_backend.backend_path %s: too long for a Unix socket (%zu bytes "
			    "at most)",
			    path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		else
			snprintf(err, errlen,
				 "mem_backend.backend_path %s: no page-fault handler there: %s",
				 path, strerror(-r));
		goto fail;
	}
	u->conn = r;
	r = nb_uffd_send(u->conn, msg, (size_t)n, u->fd);
	if (r) {
		snprintf(err, errlen,
			 "mem_backend.backend_path %s: the page-fault handler did not take the "
			 "userfaultfd: %s",
			 path, strerror(-r));
		goto fail;
	}
	return 0;
fail:
	nb_uffd_close(u);
	return r;
}

void nb_uffd_close(struct nb_uffd *u)
{
	if (u->conn >= 0)
		close(u->conn);
	if (u->fd >= 0)
		close(u->fd);
	nb_uffd_init(u);
}
