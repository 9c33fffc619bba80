// SPDX-License-Identifier: Apache-2.0
#include "devices/virtio_rng.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>

struct nb_virtio_rng {
	struct nb_rate_limiter rl;
	const struct nb_event_ops *ev;
	struct nb_virtio_mmio *t; /* set by the first activate, never cleared */
	bool active;		  /* between activate and reset, under t's lock */
	bool timer_registered;
	struct nb_virtio_rng_stats stats; /* updated with relaxed atomics */
	struct nb_virtq_chain chain;	  /* too big for the stack */
};

static void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* Fills @len bytes at @p without blocking; returns how many it wrote. */
static size_t fill_random(uint8_t *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, GRND_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/* Writes up to NB_VIRTIO_RNG_MAX_REQUEST random bytes into @c's writable buffers. */
static uint32_t fill_chain(struct nb_virtio_rng *rng, const struct nb_virtq_chain *c, uint32_t want)
{
	uint32_t done = 0;

	for (uint16_t i = c->nr_read; i < c->nr && done < want; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];
		uint32_t n = b->len < want - done ? b->len : want - done;
		size_t got = fill_random(b->host, n);

		done += (uint32_t)got;
		if (got < n) {
			stat_add(&rng->stats.host_errors, 1);
			break;
		}
	}
	return done;
}

/*
 * Takes chains until the queue is empty (true) or the limiter or a broken
 * queue stops it (false). *@pushed tells whether anything was pushed.
 */
static bool drain(struct nb_virtio_rng *rng, struct nb_virtq *q, const struct nb_guest_mem *m,
		  bool *pushed)
{
	struct nb_virtq_chain *c = &rng->chain;

	for (;;) {
		bool was_blocked = nb_rate_limiter_is_blocked(&rng->rl);
		uint32_t want, done;
		int r;

		if (!nb_virtq_has_avail(q, m))
			return true;
		if (!nb_rate_limiter_consume(&rng->rl, 1, NB_TOKENS_OPS)) {
			if (!was_blocked)
				stat_add(&rng->stats.rate_limited, 1);
			return false;
		}
		r = nb_virtq_pop(q, m, c);
		if (r == 0) {
			nb_rate_limiter_replenish(&rng->rl, 1, NB_TOKENS_OPS);
			return true;
		}
		if (r < 0 && r != -EINVAL) { /* -EIO: the queue is broken */
			nb_rate_limiter_replenish(&rng->rl, 1, NB_TOKENS_OPS);
			nb_virtio_mmio_needs_reset(rng->t);
			return false;
		}
		if (r == -EINVAL || c->nr_read > 0 || c->write_len == 0) {
			stat_add(&rng->stats.bad_requests, 1);
			if (nb_virtq_push(q, m, c->head, 0) < 0) {
				nb_virtio_mmio_needs_reset(rng->t);
				return false;
			}
			*pushed = true;
			continue;
		}
		want = c->write_len < NB_VIRTIO_RNG_MAX_REQUEST ? (uint32_t)c->write_len
								: NB_VIRTIO_RNG_MAX_REQUEST;
		if (!nb_rate_limiter_consume(&rng->rl, want, NB_TOKENS_BYTES)) {
			nb_rate_limiter_replenish(&rng->rl, 1, NB_TOKENS_OPS);
			/*
			 * Give the chain back: the avail entry is still the
			 * driver's and is taken again once the timer fires.
			 */
			q->next_avail--;
			if (!was_blocked)
				stat_add(&rng->stats.rate_limited, 1);
			return false;
		}
		done = fill_chain(rng, c, want);
		if (done < want)
			nb_rate_limiter_replenish(&rng->rl, want - done, NB_TOKENS_BYTES);
		if (nb_virtq_push(q, m, c->head, done) < 0) {
			nb_virtio_mmio_needs_reset(rng->t);
			return false;
		}
		*pushed = true;
		stat_add(&rng->stats.requests, 1);
		stat_add(&rng->stats.bytes, done);
	}
}

/* Lock held. Serves the queue as far as the limiter lets it. */
static void process(struct nb_virtio_rng *rng)
{
	struct nb_virtio_mmio *t = rng->t;
	struct nb_virtq *q;
	bool pushed = false;

	if (!rng->active)
		return;
	q = nb_virtio_mmio_queue(t, 0);
	if (!q || !q->ready)
		return;
	for (;;) {
		if (!drain(rng, q, t->mem, &pushed))
			break;
		/* Empty: ask for notifications, then close the race. */
		nb_virtq_enable_notify(q, t->mem, true);
		if (!nb_virtq_has_avail(q, t->mem))
			break;
	}
	if (pushed)
		nb_virtio_mmio_signal_used(t, 0);
}

static void rng_timer(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_rng *rng = ctx;

	(void)fd;
	(void)events;
	nb_virtio_mmio_lock(rng->t);
	nb_rate_limiter_event(&rng->rl);
	process(rng);
	nb_virtio_mmio_unlock(rng->t);
}

static void unregister_timer(struct nb_virtio_rng *rng)
{
	if (!rng->timer_registered)
		return;
	nb_event_remove(rng->ev, nb_rate_limiter_fd(&rng->rl));
	rng->timer_registered = false;
}

static void rng_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	(void)dev;
	(void)off;
	memset(data, 0, len); /* no config space */
}

static int rng_activate(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_rng *rng = dev;
	int fd = nb_rate_limiter_fd(&rng->rl);

	rng->t = t;
	if (fd >= 0 && !rng->timer_registered) {
		int r = nb_event_add(rng->ev, fd, EPOLLIN, rng_timer, rng);

		if (r < 0)
			return r;
		rng->timer_registered = true;
	}
	/*
	 * Chains the driver made available before DRIVER_OK are served at its
	 * first notification: the transport cannot interrupt the driver
	 * until activate has returned.
	 */
	rng->active = true;
	return 0;
}

static void rng_notify(void *dev, struct nb_virtio_mmio *t, uint16_t queue)
{
	struct nb_virtio_rng *rng = dev;

	(void)t;
	if (queue == 0)
		process(rng);
}

static void rng_reset(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_rng *rng = dev;

	(void)t;
	rng->active = false;
	unregister_timer(rng);
}

static const struct nb_virtio_dev_ops rng_ops = {
    .config_read = rng_config_read,
    .config_write = NULL,
    .activate = rng_activate,
    .notify = rng_notify,
    .reset = rng_reset,
};

struct nb_virtio_rng *nb_virtio_rng_new(const struct nb_token_bucket_params *bw,
					const struct nb_token_bucket_params *ops,
					const struct nb_event_ops *ev)
{
	struct nb_virtio_rng *rng = calloc(1, sizeof(*rng));
	int r;

	if (!rng)
		return NULL;
	r = nb_rate_limiter_init(&rng->rl, bw, ops, NULL);
	if (r < 0) {
		free(rng);
		errno = -r;
		return NULL;
	}
	if (nb_rate_limiter_fd(&rng->rl) >= 0 && !ev) {
		nb_rate_limiter_destroy(&rng->rl);
		free(rng);
		errno = EINVAL;
		return NULL;
	}
	rng->ev = ev;
	return rng;
}

void nb_virtio_rng_free(struct nb_virtio_rng *rng)
{
	if (!rng)
		return;
	unregister_timer(rng);
	nb_rate_limiter_destroy(&rng->rl);
	free(rng);
}

struct nb_virtio_device nb_virtio_rng_device(struct nb_virtio_rng *rng)
{
	struct nb_virtio_device d = {
	    .device_id = NB_VIRTIO_ID_RNG,
	    .features = (1ULL << NB_VIRTIO_F_EVENT_IDX) | (1ULL << NB_VIRTIO_F_INDIRECT_DESC),
	    .nr_queues = 1,
	    .queue_max_size = NB_VIRTIO_RNG_QUEUE_SIZE,
	    .config_size = 0,
	    .ops = &rng_ops,
	    .dev = rng,
	};

	return d;
}

void nb_virtio_rng_get_stats(const struct nb_virtio_rng *rng, struct nb_virtio_rng_stats *out)
{
	out->bytes = __atomic_load_n(&rng->stats.bytes, __ATOMIC_RELAXED);
	out->requests = __atomic_load_n(&rng->stats.requests, __ATOMIC_RELAXED);
	out->bad_requests = __atomic_load_n(&rng->stats.bad_requests, __ATOMIC_RELAXED);
	out->rate_limited = __atomic_load_n(&rng->stats.rate_limited, __ATOMIC_RELAXED);
	out->host_errors = __atomic_load_n(&rng->stats.host_errors, __ATOMIC_RELAXED);
}
