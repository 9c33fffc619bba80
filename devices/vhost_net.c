// SPDX-License-Identifier: Apache-2.0
#include "devices/vhost_net.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/net_hdr.h"
#include "devices/virtio_mmio.h"

#define BIT(n) (1ULL << (n))

_Static_assert(offsetof(struct nb_vhost_mem, regions) == offsetof(struct vhost_memory, regions) &&
		   offsetof(struct nb_vhost_mem, nregions) ==
		       offsetof(struct vhost_memory, nregions),
	       "struct nb_vhost_mem is a struct vhost_memory");
#define RING_FEATURES                                                                              \
	(BIT(NB_VIRTIO_F_VERSION_1) | BIT(NB_VIRTIO_F_EVENT_IDX) |                                 \
	 BIT(NB_VIRTIO_F_INDIRECT_DESC) | BIT(NB_VIRTIO_NET_F_MRG_RXBUF))

static int sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

/* One ioctl: 0 or -errno, remembering which failed. */
static int call(struct nb_vhost_net *v, unsigned long req, void *arg, const char *name)
{
	int r;

	do
		r = v->ioctl(v->fd, req, arg);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		return 0;
	r = errno ? -errno : -EIO;
	v->failed = name;
	return r;
}

static int fail(char *err, size_t errlen, int r, const char *what, const char *fmt, const char *arg)
{
	char why[200];

	snprintf(why, sizeof(why), fmt, arg);
	if (errlen)
		snprintf(err, errlen, "%s: %s", what, why);
	return r;
}

int nb_vhost_net_open(struct nb_vhost_net **out, const char *path, const char *what,
		      nb_vhost_ioctl_fn fn, char *err, size_t errlen)
{
	struct nb_vhost_net *v;
	char why[160];
	int r;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return fail(err, errlen, -ENOMEM, what, "%s", "out of memory");
	v->ioctl = fn ? fn : sys_ioctl;
	v->fd = open(path, O_RDWR | O_CLOEXEC);
	if (v->fd < 0) {
		r = -errno;
		free(v);
		switch (-r) {
		case ENOENT:
		case ENODEV:
		case ENXIO:
			return fail(err, errlen, r, what,
				    "%s is not there (load the kernel's vhost-net: modprobe "
				    "vhost_net), or drop vhost",
				    path);
		case EACCES:
		case EPERM:
			return fail(err, errlen, r, what,
				    "%s: permission denied (give nestbox's user access to it), or "
				    "drop vhost",
				    path);
		default:
			snprintf(why, sizeof(why), "open %s: %s", path, strerror(-r));
			return fail(err, errlen, r, what, "%s", why);
		}
	}
	r = call(v, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER");
	if (!r)
		r = call(v, VHOST_GET_FEATURES, &v->features, "VHOST_GET_FEATURES");
	if (r) {
		snprintf(why, sizeof(why), "%s on %s: %s", v->failed, path, strerror(-r));
		nb_vhost_net_free(v);
		return fail(err, errlen, r, what, "%s", why);
	}
	if (!(v->features & BIT(NB_VIRTIO_F_VERSION_1))) {
		nb_vhost_net_free(v);
		return fail(err, errlen, -ENOTSUP, what, "%s",
			    "this kernel's vhost-net lacks VIRTIO_F_VERSION_1 (a newer host "
			    "kernel), or drop vhost");
	}
	*out = v;
	return 0;
}

void nb_vhost_net_free(struct nb_vhost_net *v)
{
	if (!v)
		return;
	close(v->fd);
	free(v);
}

uint64_t nb_vhost_net_offer(uint64_t offered, uint64_t vhost)
{
	return offered & ~(RING_FEATURES & ~vhost);
}

uint64_t nb_vhost_net_ack(uint64_t acked, uint64_t vhost)
{
	return acked & vhost & RING_FEATURES;
}

int nb_vhost_mem_table(const struct nb_guest_mem *m, struct nb_vhost_mem *out)
{
	memset(out, 0, sizeof(*out));
	if (!m->nr || m->nr > NB_MEM_MAX_REGIONS)
		return -EINVAL;
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct nb_mem_region *r = &m->regions[i];

		out->regions[i].guest_phys_addr = r->gpa;
		out->regions[i].memory_size = r->size;
		out->regions[i].userspace_addr = (uint64_t)(uintptr_t)r->host;
	}
	out->nregions = m->nr;
	return 0;
}

/* The host address of @len bytes at @gpa, all in one region, or 0. */
static uint64_t host_addr(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len)
{
	return (uint64_t)(uintptr_t)nb_mem_ptr(m, gpa, len);
}

int nb_vhost_vring_addr(const struct nb_virtq *q, unsigned int idx, const struct nb_guest_mem *m,
			struct vhost_vring_addr *out)
{
	uint64_t n = q->size, ev = q->event_idx ? 2 : 0;

	memset(out, 0, sizeof(*out));
	if (!n)
		return -EINVAL;
	out->index = idx;
	/* 2.7: descriptors 16 bytes each; avail flags, idx, ring[n]; used flags, idx, ring[n]. */
	out->desc_user_addr = host_addr(m, q->desc_addr, 16 * n);
	out->avail_user_addr = host_addr(m, q->avail_addr, 4 + 2 * n + ev);
	out->used_user_addr = host_addr(m, q->used_addr, 4 + 8 * n + ev);
	if (!out->desc_user_addr || !out->avail_user_addr || !out->used_user_addr)
		return -EINVAL;
	return 0;
}

/* Undoes what a start did, ignoring errors (the release cleans up the rest). */
static void unwind(struct nb_vhost_net *v, const struct nb_vhost_queues *qs, bool read_base)
{
	const char *failed = v->failed;

	for (unsigned int i = 0; i < NB_VHOST_NET_QUEUES; i++) {
		struct vhost_vring_file f = {.index = i, .fd = -1};
		struct vhost_vring_state s = {.index = i};

		call(v, VHOST_NET_SET_BACKEND, &f, "VHOST_NET_SET_BACKEND");
		if (read_base && !call(v, VHOST_GET_VRING_BASE, &s, "VHOST_GET_VRING_BASE"))
			qs->q[i]->next_avail = (uint16_t)s.num;
		f.fd = -1;
		call(v, VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK");
		f.fd = -1;
		call(v, VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL");
	}
	v->failed = failed;
}

static int start_queue(struct nb_vhost_net *v, const struct nb_guest_mem *m,
		       const struct nb_vhost_queues *qs, unsigned int i)
{
	struct nb_virtq *q = qs->q[i];
	struct vhost_vring_state s = {.index = i};
	struct vhost_vring_file f = {.index = i};
	struct vhost_vring_addr a;
	int r;

	if (!q || !q->ready) {
		v->failed = "a queue that is not ready";
		return -EINVAL;
	}
	if (nb_vhost_vring_addr(q, i, m, &a)) {
		v->failed = "the rings' addresses";
		return -EINVAL;
	}
	s.num = q->size;
	r = call(v, VHOST_SET_VRING_NUM, &s, "VHOST_SET_VRING_NUM");
	s.num = q->next_avail;
	if (!r)
		r = call(v, VHOST_SET_VRING_BASE, &s, "VHOST_SET_VRING_BASE");
	if (!r)
		r = call(v, VHOST_SET_VRING_ADDR, &a, "VHOST_SET_VRING_ADDR");
	f.fd = qs->kick[i];
	if (!r)
		r = call(v, VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK");
	f.fd = qs->call;
	if (!r)
		r = call(v, VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL");
	return r;
}

int nb_vhost_net_start(struct nb_vhost_net *v, const struct nb_guest_mem *m, uint64_t acked,
		       const struct nb_vhost_queues *qs)
{
	struct nb_vhost_mem mem;
	uint64_t f = nb_vhost_net_ack(acked, v->features);
	int r;

	if (v->running)
		return -EBUSY;
	v->failed = NULL;
	if (!(f & BIT(NB_VIRTIO_F_VERSION_1))) {
		v->failed = "VIRTIO_F_VERSION_1 (not acked)";
		return -EINVAL;
	}
	if (nb_vhost_mem_table(m, &mem)) {
		v->failed = "the memory table";
		return -EINVAL;
	}
	r = call(v, VHOST_SET_FEATURES, &f, "VHOST_SET_FEATURES");
	if (!r)
		r = call(v, VHOST_SET_MEM_TABLE, &mem, "VHOST_SET_MEM_TABLE");
	for (unsigned int i = 0; !r && i < NB_VHOST_NET_QUEUES; i++)
		r = start_queue(v, m, qs, i);
	for (unsigned int i = 0; !r && i < NB_VHOST_NET_QUEUES; i++) {
		struct vhost_vring_file b = {.index = i, .fd = qs->tap};

		r = call(v, VHOST_NET_SET_BACKEND, &b, "VHOST_NET_SET_BACKEND");
	}
	if (r) {
		unwind(v, qs, false);
		return r;
	}
	v->acked = f;
	v->running = true;
	return 0;
}

void nb_vhost_net_stop(struct nb_vhost_net *v, const struct nb_vhost_queues *qs)
{
	if (!v || !v->running)
		return;
	unwind(v, qs, true);
	v->running = false;
}
