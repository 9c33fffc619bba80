/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake event loop for device tests (test_virtio_rng.c, balloon_harness.h):
 * the nb_event_ops a device sees, holding one fd at most, with what was
 * added and how often; the test calls fn itself.
 */
#ifndef NB_TESTS_UNIT_FAKE_LOOP_H
#define NB_TESTS_UNIT_FAKE_LOOP_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "devices/event_ops.h"

struct fake_loop {
	int fd;
	uint32_t events;
	nb_event_fn fn;
	void *ctx;
	int adds, removes;
	int fail_add; /* an -errno to return from add */
};

static inline int fake_add(void *lp, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct fake_loop *l = lp;

	if (l->fail_add)
		return l->fail_add;
	if (l->fd >= 0)
		return -EEXIST;
	l->fd = fd;
	l->events = events;
	l->fn = fn;
	l->ctx = ctx;
	l->adds++;
	return 0;
}

static inline int fake_modify(void *lp, int fd, uint32_t events)
{
	struct fake_loop *l = lp;

	if (fd != l->fd)
		return -ENOENT;
	l->events = events;
	return 0;
}

static inline int fake_remove(void *lp, int fd)
{
	struct fake_loop *l = lp;

	if (fd < 0 || fd != l->fd)
		return -ENOENT;
	l->fd = -1;
	l->fn = NULL;
	l->removes++;
	return 0;
}

/* Empties @l and returns the ops that drive it. */
static inline struct nb_event_ops fake_loop_ops(struct fake_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	return (struct nb_event_ops){
	    .add = fake_add, .modify = fake_modify, .remove = fake_remove, .loop = l};
}

#endif
