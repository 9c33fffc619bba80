/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event loop as a device sees it: a device registers the fds its backend
 * waits on (io_uring completions, a tap, a Unix socket, a timerfd) with a
 * callback and its own context, and may change or remove them later. The
 * VMM's event manager (vmm/event_manager.h) implements it; unit tests can
 * pass their own. Callbacks run on the VMM thread, one at a time.
 */
#ifndef NB_DEVICES_EVENT_OPS_H
#define NB_DEVICES_EVENT_OPS_H

#include <stdint.h>

/* @events: the EPOLL* bits that are ready (EPOLLIN, EPOLLOUT, EPOLLHUP, ...). */
typedef void (*nb_event_fn)(void *ctx, int fd, uint32_t events);

struct nb_event_ops {
	/* Watches @fd for @events (EPOLLIN, ...); 0, -EEXIST or -errno. */
	int (*add)(void *loop, int fd, uint32_t events, nb_event_fn fn, void *ctx);
	/* Changes the events watched on a registered @fd; 0, -ENOENT or -errno. */
	int (*modify)(void *loop, int fd, uint32_t events);
	/* Stops watching @fd (the fd stays open, the caller's); 0 or -ENOENT. */
	int (*remove)(void *loop, int fd);
	void *loop;
};

static inline int nb_event_add(const struct nb_event_ops *ev, int fd, uint32_t events,
			       nb_event_fn fn, void *ctx)
{
	return ev->add(ev->loop, fd, events, fn, ctx);
}

static inline int nb_event_modify(const struct nb_event_ops *ev, int fd, uint32_t events)
{
	return ev->modify(ev->loop, fd, events);
}

static inline int nb_event_remove(const struct nb_event_ops *ev, int fd)
{
	return ev->remove(ev->loop, fd);
}

#endif
