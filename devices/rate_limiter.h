/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker's rate limiter: two token buckets, bandwidth (bytes) and ops
 * (requests). A bucket of size S refills S tokens every refill_time_ms,
 * continuously; one_time_burst is extra budget spent first and never
 * refilled. A bucket with size 0 or refill_time_ms 0 is unlimited.
 *
 * When a consume fails the limiter is blocked and arms its timerfd for when
 * enough tokens will be there; the device registers nb_rate_limiter_fd() in
 * the event loop and, when it is readable, calls nb_rate_limiter_event() and
 * retries its queue. The clock is injectable for unit tests.
 */
#ifndef NB_DEVICES_RATE_LIMITER_H
#define NB_DEVICES_RATE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

struct nb_token_bucket_params {
	uint64_t size;		 /* tokens; 0: unlimited */
	uint64_t one_time_burst; /* extra tokens, once */
	uint64_t refill_time_ms; /* time to refill size tokens; 0: unlimited */
};

struct nb_token_bucket {
	struct nb_token_bucket_params p;
	uint64_t budget;  /* tokens now */
	uint64_t burst;	  /* one-time burst left */
	uint64_t last_ns; /* when budget was last refilled */
};

enum nb_token_type { NB_TOKENS_BYTES, NB_TOKENS_OPS };

struct nb_rate_limiter {
	struct nb_token_bucket bw, ops;
	int timer_fd; /* -1 when nothing is limited */
	bool blocked;
	uint64_t (*now_ns)(void); /* CLOCK_MONOTONIC, or a test's clock */
};

/*
 * Sets up @rl; @now_ns NULL means CLOCK_MONOTONIC. Creates the timerfd only
 * if a bucket is limited. 0 or -errno (and @rl needs no destroy then).
 */
int nb_rate_limiter_init(struct nb_rate_limiter *rl, const struct nb_token_bucket_params *bw,
			 const struct nb_token_bucket_params *ops, uint64_t (*now_ns)(void));
void nb_rate_limiter_destroy(struct nb_rate_limiter *rl);

/*
 * Takes @tokens of @type. True if there were enough (or the bucket is
 * unlimited); false leaves the budget as it was, blocks the limiter and arms
 * its timer. A request larger than the bucket's size is let through once
 * the bucket is full (it could never pass otherwise) and empties it.
 */
bool nb_rate_limiter_consume(struct nb_rate_limiter *rl, uint64_t tokens, enum nb_token_type type);
/* Gives back tokens taken for work that was not done. */
void nb_rate_limiter_replenish(struct nb_rate_limiter *rl, uint64_t tokens,
			       enum nb_token_type type);
bool nb_rate_limiter_is_blocked(const struct nb_rate_limiter *rl);
/* The timerfd to watch (EPOLLIN), or -1 for an unlimited limiter. */
int nb_rate_limiter_fd(const struct nb_rate_limiter *rl);
/* The timer fired: reads the timerfd and unblocks. */
void nb_rate_limiter_event(struct nb_rate_limiter *rl);

/*
 * Firecracker's update of a running limiter (PATCH of a device): each
 * bucket whose @bw / @ops is not NULL starts afresh with those parameters
 * (full, its one-time burst again; size or refill_time_ms 0: unlimited); a
 * NULL one stays as it is. The limiter is unblocked and its timer disarmed:
 * the device retries its queue. When a bucket becomes limited and there was
 * no timerfd, one is created (the device must then watch it). 0, or -errno
 * from timerfd_create (then nothing changed).
 */
int nb_rate_limiter_update(struct nb_rate_limiter *rl, const struct nb_token_bucket_params *bw,
			   const struct nb_token_bucket_params *ops);

#endif
