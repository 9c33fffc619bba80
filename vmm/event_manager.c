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
	int r;

	em->subs = em->dead = NULL;
	em->rounds = 0;
	r = pthread_mutex_init(&em->lock, NULL);
	if (r)
		return -r;
	em->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (em->epfd < 0) {
		r = -errno;
		pthread_mutex_destroy(&em->lock);
		return r;
	}
	return 0;
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
	if (em->epfd >= 0) {
		close(em->epfd);
		pthread_mutex_destroy(&em->lock);
	}
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

	int r = 0;

	if (fd < 0 || !fn)
		return -EBADF;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = fd;
	s->fn = fn;
	s->ctx = ctx;
	ev.data.ptr = s;
	pthread_mutex_lock(&em->lock);
	if (*find(em, fd))
		r = -EEXIST;
	else if (epoll_ctl(em->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		r = -errno;
	if (!r) {
		s->next = em->subs;
		em->subs = s;
	}
	pthread_mutex_unlock(&em->lock);
	if (r)
		free(s);
	return r;
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
	struct nb_evmgr_sub **p, *s;

	pthread_mutex_lock(&em->lock);
	p = find(em, fd);
	s = *p;
	if (!s) {
		pthread_mutex_unlock(&em->lock);
		return -ENOENT;
	}
	/* The fd may be closed already: its epoll entry then went with it. */
	epoll_ctl(em->epfd, EPOLL_CTL_DEL, fd, NULL);
	*p = s->next;
	s->removed = true;
	if (em->rounds) {
		/* The loop may hold an event for it: free it after the round. */
		s->next = em->dead;
		em->dead = s;
		s = NULL;
	}
	pthread_mutex_unlock(&em->lock);
	free(s);
	return 0;
}

size_t nb_evmgr_count(const struct nb_evmgr *em)
{
	size_t n = 0;

	pthread_mutex_lock((pthread_mutex_t *)&em->lock);
	for (const struct nb_evmgr_sub *s = em->subs; s; s = s->next)
		n++;
	pthread_mutex_unlock((pthread_mutex_t *)&em->lock);
	return n;
}

int nb_evmgr_run_once(struct nb_evmgr *em, int timeout_ms)
{
	struct epoll_event evs[NB_EVMGR_BATCH];
	struct nb_evmgr_sub *dead = NULL;
	int n, err;

	/* From before the wait: what it returns stays allocated until the end. */
	pthread_mutex_lock(&em->lock);
	em->rounds++;
	pthread_mutex_unlock(&em->lock);
	n = epoll_wait(em->epfd, evs, NB_EVMGR_BATCH, timeout_ms);
	err = errno;
	for (int i = 0; i < n; i++) {
		struct nb_evmgr_sub *s = evs[i].data.ptr;
		bool removed;

		pthread_mutex_lock(&em->lock);
		removed = s->removed;
		pthread_mutex_unlock(&em->lock);
		if (!removed)
			s->fn(s->ctx, s->fd, evs[i].events);
	}
	pthread_mutex_lock(&em->lock);
	if (--em->rounds == 0) {
		dead = em->dead;
		em->dead = NULL;
	}
	pthread_mutex_unlock(&em->lock);
	free_list(dead);
	if (n < 0)
		return err == EINTR ? 0 : -err;
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
