/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny real epoll loop behind struct nb_event_ops, for device tests:
 * test_loop_init(), then pass test_loop_ops(); loop_run() dispatches what is
 * ready. At most LOOP_MAX fds.
 */
#ifndef NB_TESTS_EPOLL_LOOP_H
#define NB_TESTS_EPOLL_LOOP_H

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices/event_ops.h"

#define LOOP_MAX 8
struct test_loop {
	int epfd;
	struct {
		int fd;
		nb_event_fn fn;
		void *ctx;
	} e[LOOP_MAX];
	int nr_fds;
};

static inline int loop_add(void *lp, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct test_loop *l = lp;

	for (int i = 0; i < LOOP_MAX; i++) {
		if (l->e[i].fn)
			continue;
		struct epoll_event ee = {.events = events, .data.u32 = (uint32_t)i};

		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
			return -errno;
		l->e[i].fd = fd;
		l->e[i].fn = fn;
		l->e[i].ctx = ctx;
		l->nr_fds++;
		return 0;
	}
	return -ENOSPC;
}

static inline int loop_modify(void *lp, int fd, uint32_t events)
{
	struct test_loop *l = lp;

	for (int i = 0; i < LOOP_MAX; i++) {
		struct epoll_event ee = {.events = events, .data.u32 = (uint32_t)i};

		if (l->e[i].fn && l->e[i].fd == fd)
			return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ee) < 0 ? -errno : 0;
	}
	return -ENOENT;
}

static inline int loop_remove(void *lp, int fd)
{
	struct test_loop *l = lp;

	for (int i = 0; i < LOOP_MAX; i++) {
		if (l->e[i].fn && l->e[i].fd == fd) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->e[i].fn = NULL;
			l->nr_fds--;
			return 0;
		}
	}
	return -ENOENT;
}

/* Dispatches what is ready within @ms; returns how many events ran. */
static inline int loop_run(struct test_loop *l, int ms)
{
	struct epoll_event ee[LOOP_MAX];
	int n = epoll_wait(l->epfd, ee, LOOP_MAX, ms);

	for (int i = 0; i < n; i++) {
		uint32_t k = ee[i].data.u32;

		if (l->e[k].fn)
			l->e[k].fn(l->e[k].ctx, l->e[k].fd, ee[i].events);
	}
	return n < 0 ? 0 : n;
}

static inline int test_loop_init(struct test_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

static inline struct nb_event_ops test_loop_ops(struct test_loop *l)
{
	return (struct nb_event_ops){
	    .add = loop_add, .modify = loop_modify, .remove = loop_remove, .loop = l};
}

#endif
