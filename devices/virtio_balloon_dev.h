/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-balloon's insides, shared by virtio_balloon.c (the queues, the
 * device's callbacks) and virtio_balloon_api.c (the REST API's functions,
 * the snapshot's state). Not for other modules: devices/virtio_balloon.h
 * is the interface.
 */
#ifndef NB_DEVICES_VIRTIO_BALLOON_DEV_H
#define NB_DEVICES_VIRTIO_BALLOON_DEV_H

#include <pthread.h>
#include <sys/timerfd.h>

#include "devices/virtio_balloon.h"

struct nb_virtio_balloon {
	pthread_mutex_t lock; /* s and guest: taken after the transport's lock */
	struct nb_virtio_balloon_state s;
	struct nb_balloon_guest_stats guest;
	struct nb_virtio_balloon_counters cnt; /* relaxed atomics */
	const struct nb_event_ops *ev;
	int timer_fd; /* -1 without statistics */
	/* Under the transport's lock: */
	struct nb_virtio_mmio *t; /* set by the first activate, never cleared */
	bool active;
	bool timer_registered;
	int q_stats, q_hint, q_report; /* queue indices, -1: not negotiated */
	bool stats_held;	       /* the guest's stats buffer, waiting for the timer */
	uint16_t stats_head;
	struct nb_virtq_chain chain;
	uint32_t pfns[NB_BALLOON_MAX_PFNS];
	struct nb_balloon_range ranges[NB_BALLOON_MAX_PFNS];
};

static inline void count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

#define HINT_F (1ULL << NB_VIRTIO_BALLOON_F_FREE_PAGE_HINT)

/* A run's id, not STOP or DONE. */
static inline bool hint_run(uint32_t cmd)
{
	return cmd != NB_BALLOON_HINT_CMD_STOP && cmd != NB_BALLOON_HINT_CMD_DONE;
}

/* Both locks held: the host's command, told to a running driver. */
static inline void hint_set_cmd(struct nb_virtio_balloon *b, uint32_t cmd)
{
	b->s.hint_host_cmd = cmd;
	if (b->active)
		nb_virtio_mmio_signal_config(b->t);
}

static inline void arm_timer(struct nb_virtio_balloon *b, uint32_t secs)
{
	struct itimerspec its = {.it_interval.tv_sec = secs, .it_value.tv_sec = secs};

	timerfd_settime(b->timer_fd, 0, &its, NULL);
}

/* Both locks, or b->lock alone before the first activate. */
static inline struct nb_virtio_mmio *lock_both(struct nb_virtio_balloon *b)
{
	struct nb_virtio_mmio *t = __atomic_load_n(&b->t, __ATOMIC_ACQUIRE);

	if (t)
		nb_virtio_mmio_lock(t);
	pthread_mutex_lock(&b->lock);
	return t;
}

static inline void unlock_both(struct nb_virtio_balloon *b, struct nb_virtio_mmio *t)
{
	pthread_mutex_unlock(&b->lock);
	if (t)
		nb_virtio_mmio_unlock(t);
}

#endif
