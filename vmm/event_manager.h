/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM thread's event loop (rust-vmm's event-manager shape): one epoll
 * set; a subscriber registers an fd with a callback and its own context,
 * and may add, change and remove fds at any time, from its own callbacks
 * too. There is no central switch over subscribers: signals (signalfd),
 * the console, device backends, timers and the API channel all come in
 * as fds.
 *
 * One thread runs the loop. Any thread may add, change and remove fds (a
 * device activated or reset by a vCPU's MMIO write registers or drops its
 * backend's fds): the subscription list has its own lock, never held while
 * a callback runs. A subscription removed while the loop waits or
 * dispatches is freed after that round, so an event already fetched for it
 * is dropped, never delivered to a stale context.
 */
#ifndef NB_VMM_EVENT_MANAGER_H
#define NB_VMM_EVENT_MANAGER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/event_ops.h"

struct nb_evmgr_sub;

struct nb_evmgr {
	int epfd;
	struct nb_evmgr_sub *subs; /* live subscriptions */
	struct nb_evmgr_sub *dead; /* removed during a round, freed after it */
	int rounds;		   /* nb_evmgr_run_once calls under way */
	pthread_mutex_t lock;	   /* subs, dead, rounds, each sub's removed flag */
};

/* 0 or -errno. */
int nb_evmgr_init(struct nb_evmgr *em);
/* Frees every subscription (their fds stay open: they are the subscribers'). */
void nb_evmgr_destroy(struct nb_evmgr *em);

/* @events: EPOLLIN, EPOLLOUT, ... 0, -EEXIST (fd already there), -EBADF or -errno. */
int nb_evmgr_add(struct nb_evmgr *em, int fd, uint32_t events, nb_event_fn fn, void *ctx);
/* 0, -ENOENT or -errno. */
int nb_evmgr_modify(struct nb_evmgr *em, int fd, uint32_t events);
/* 0 or -ENOENT. A removed fd's pending event in this dispatch is not delivered. */
int nb_evmgr_remove(struct nb_evmgr *em, int fd);

/* How many fds are registered. */
size_t nb_evmgr_count(const struct nb_evmgr *em);

/*
 * Waits up to @timeout_ms (-1: for ever) and runs the callback of every
 * ready fd. Returns how many ran (0 on timeout or EINTR), or -errno when
 * the wait itself failed: the caller must then stop with an error.
 */
int nb_evmgr_run_once(struct nb_evmgr *em, int timeout_ms);

/* The struct nb_event_ops devices use to reach this loop. */
struct nb_event_ops nb_evmgr_ops(struct nb_evmgr *em);

#endif
