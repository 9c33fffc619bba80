// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_manager.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define NB_EVMGR_BATCH 32

struct nb_evmgr_sub {
	int fd;
	bool removed;
	nb_event_fn fn;
	void *ctx;
	struct nb_evmgr_sub *next;
};

int nb_evmgr_init(struct nb_evmgr *em)
{
	em->subs = em->dead = NULL;
	em->dispatching = 0;
	em->epfd = epoll_create1(EPOLL_CLOEXEC);
	return em->epfd < 0 ? -errno : 0;
}

static void free_list(struct nb_evmgr_sub *s)
{
	while (s) {
		struct nb_evmgr_sub *next = s->next;

		free(s);
		s = next;
	}
}

void nb_evmgr_destroy(struct nb_evmgr *em)
{
	free_list(em->subs);
	free_list(em->dead);
	em->subs = em->dead = NULL;
	if (em->epfd >= 0)
		close(em->epfd);
	em->epfd = -1;
}

static struct nb_evmgr_sub **find(struct nb_evmgr *em, int fd)
{
	struct nb_evmgr_sub **p = &em->subs;

	while (*p && (*p)->fd != fd)
		p = &(*p)->next;
	return p;
}

int nb_evmgr_add(struct nb_evmgr *em, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct epoll_event ev = {.events = events};
	struct nb_evmgr_sub *s;

	if (fd < 0 || !fn)
		return -EBADF;
	if (*find(em, fd))
		return -EEXIST;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = fd;
	s->fn = fn;
	s->ctx = ctx;
	ev.data.ptr = s;
	if (epoll_ctl(em->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(s);
		return r;
	}
	s->next = em->subs;
	em->subs = s;
	return 0;
}

int nb_evmgr_modify(struct nb_evmgr *em, int fd, uint32_t events)
{
	struct nb_evmgr_sub *s = *find(em, fd);
	struct epoll_event ev = {.events = events};

	if (!s)
		return -ENOENT;
	ev.data.ptr = s;
	return epoll_ctl(em->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int nb_evmgr_remove(struct nb_evmgr *em, int fd)
{
	struct nb_evmgr_sub **p = find(em, fd), *s = *p;

	if (!s)
		return -ENOENT;
	/* The fd may be closed already: its epoll entry then went with it. */
	epoll_ctl(em->epfd, EPOLL_CTL_DEL, fd, NULL);
	*p = s->next;
	if (em->dispatching) {
		/* An event for it may still be in this batch: free it after. */
		s->removed = true;
		s->next = em->dead;
		em->dead = s;
	} else {
		free(s);
	}
	return 0;
}

size_t nb_evmgr_count(const struct nb_evmgr *em)
{
	size_t n = 0;

	for (const struct nb_evmgr_sub *s = em->subs; s; s = s->next)
		n++;
	return n;
}

int nb_evmgr_run_once(struct nb_evmgr *em, int timeout_ms)
{
	struct epoll_event evs[NB_EVMGR_BATCH];
	int n = epoll_wait(em->epfd, evs, NB_EVMGR_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	em->dispatching++;
	for (int i = 0; i < n; i++) {
		struct nb_evmgr_sub *s = evs[i].data.ptr;

		if (!s->removed)
			s->fn(s->ctx, s->fd, evs[i].events);
	}
	if (--em->dispatching == 0) {
		free_list(em->dead);
		em->dead = NULL;
	}
	return n;
}

static int ops_add(void *loop, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	return nb_evmgr_add(loop, fd, events, fn, ctx);
}

static int ops_modify(void *loop, int fd, uint32_t events)
{
	return nb_evmgr_modify(loop, fd, events);
}

static int ops_remove(void *loop, int fd)
{
	return nb_evmgr_remove(loop, fd);
}

struct nb_event_ops nb_evmgr_ops(struct nb_evmgr *em)
{
	return (struct nb_event_ops){ops_add, ops_modify, ops_remove, em};
}
