// SPDX-License-Identifier: Apache-2.0
#include "devices/rate_limiter.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

static uint64_t monotonic_ns(void)
{
	struct timespec ts = {0};

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static bool bucket_unlimited(const struct nb_token_bucket *b)
{
	return b->p.size == 0 || b->p.refill_time_ms == 0;
}

static uint64_t refill_ns(const struct nb_token_bucket *b)
{
	uint64_t ms = b->p.refill_time_ms;

	/* Clamp so that ms * NS_PER_MS cannot overflow (about 584 years). */
	if (ms > UINT64_MAX / NS_PER_MS)
		ms = UINT64_MAX / NS_PER_MS;
	return ms * NS_PER_MS;
}

static void bucket_init(struct nb_token_bucket *b, const struct nb_token_bucket_params *p,
			uint64_t now)
{
	memset(b, 0, sizeof(*b));
	if (p)
		b->p = *p;
	b->budget = b->p.size;
	b->burst = b->p.one_time_burst;
	b->last_ns = now;
}

/*
 * Adds the tokens earned since last_ns, continuously: size tokens per
 * refill_time. last_ns moves on only by the time that whole tokens were
 * earned for, so fractions are not lost between calls.
 */
static void bucket_refill(struct nb_token_bucket *b, uint64_t now)
{
	uint64_t period = refill_ns(b), elapsed, add;

	if (now <= b->last_ns)
		return;
	if (b->budget >= b->p.size) {
		b->last_ns = now;
		return;
	}
	elapsed = now - b->last_ns;
	add = (uint64_t)((unsigned __int128)elapsed * b->p.size / period);
	if (add == 0)
		return;
	if (add >= b->p.size - b->budget) {
		b->budget = b->p.size;
		b->last_ns = now;
		return;
	}
	b->budget += add;
	b->last_ns += (uint64_t)((unsigned __int128)add * period / b->p.size);
}

/* Time until the bucket holds @want tokens (want <= size), at least 1 ns. */
static uint64_t bucket_wait_ns(const struct nb_token_bucket *b, uint64_t want)
{
	unsigned __int128 ns;
	uint64_t need = want > b->budget ? want - b->budget : 0;

	ns = ((unsigned __int128)need * refill_ns(b) + b->p.size - 1) / b->p.size;
	if (ns == 0)
		return 1;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

/* Takes @tokens, or returns the wait until they can be taken (never 0). */
static uint64_t bucket_consume(struct nb_token_bucket *b, uint64_t tokens, uint64_t now)
{
	uint64_t from_burst = tokens < b->burst ? tokens : b->burst;
	uint64_t rest = tokens - from_burst;

	if (rest == 0) {
		b->burst -= from_burst;
		return 0;
	}
	bucket_refill(b, now);
	if (rest > b->p.size) {
		/* Could never fit: let it through once the bucket is full. */
		if (b->budget < b->p.size)
			return bucket_wait_ns(b, b->p.size);
		b->burst -= from_burst;
		b->budget = 0;
		b->last_ns = now;
		return 0;
	}
	if (rest > b->budget)
		return bucket_wait_ns(b, rest);
	b->burst -= from_burst;
	b->budget -= rest;
	return 0;
}

static void bucket_replenish(struct nb_token_bucket *b, uint64_t tokens)
{
	uint64_t room = b->p.size - b->budget, back;

	if (tokens <= room) {
		b->budget += tokens;
		return;
	}
	b->budget = b->p.size;
	tokens -= room;
	/* The rest came from the burst: give it back there, never beyond it. */
	back = b->p.one_time_burst - b->burst;
	b->burst += tokens < back ? tokens : back;
}

int nb_rate_limiter_init(struct nb_rate_limiter *rl, const struct nb_token_bucket_params *bw,
			 const struct nb_token_bucket_params *ops, uint64_t (*now_ns)(void))
{
	uint64_t now;

	memset(rl, 0, sizeof(*rl));
	rl->now_ns = now_ns ? now_ns : monotonic_ns;
	rl->timer_fd = -1;
	now = rl->now_ns();
	bucket_init(&rl->bw, bw, now);
	bucket_init(&rl->ops, ops, now);
	if (bucket_unlimited(&rl->bw) && bucket_unlimited(&rl->ops))
		return 0;
	rl->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rl->timer_fd < 0) {
		int err = -errno;

		rl->timer_fd = -1;
		return err;
	}
	return 0;
}

void nb_rate_limiter_destroy(struct nb_rate_limiter *rl)
{
	if (rl->timer_fd >= 0)
		close(rl->timer_fd);
	rl->timer_fd = -1;
	rl->blocked = false;
}

static struct nb_token_bucket *bucket_of(struct nb_rate_limiter *rl, enum nb_token_type type)
{
	return type == NB_TOKENS_OPS ? &rl->ops : &rl->bw;
}

static void arm_timer(struct nb_rate_limiter *rl, uint64_t ns)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)(ns / NS_PER_S);
	its.it_value.tv_nsec = (long)(ns % NS_PER_S);
	/* Cannot fail for a valid timerfd and a normalised, non-zero value. */
	(void)timerfd_settime(rl->timer_fd, 0, &its, NULL);
}

bool nb_rate_limiter_consume(struct nb_rate_limiter *rl, uint64_t tokens, enum nb_token_type type)
{
	struct nb_token_bucket *b = bucket_of(rl, type);
	uint64_t wait;

	if (bucket_unlimited(b))
		return true;
	/* Blocked: wait for the timer rather than trickle through. */
	if (rl->blocked)
		return false;
	wait = bucket_consume(b, tokens, rl->now_ns());
	if (wait == 0)
		return true;
	rl->blocked = true;
	arm_timer(rl, wait);
	return false;
}

void nb_rate_limiter_replenish(struct nb_rate_limiter *rl, uint64_t tokens, enum nb_token_type type)
{
	struct nb_token_bucket *b = bucket_of(rl, type);

	if (!bucket_unlimited(b))
		bucket_replenish(b, tokens);
}

bool nb_rate_limiter_is_blocked(const struct nb_rate_limiter *rl)
{
	return rl->blocked;
}

int nb_rate_limiter_fd(const struct nb_rate_limiter *rl)
{
	return rl->timer_fd;
}

void nb_rate_limiter_event(struct nb_rate_limiter *rl)
{
	uint64_t expirations;
	ssize_t n;

	if (rl->timer_fd >= 0) {
		/* EAGAIN (a spurious wakeup) is fine: unblock and let it retry. */
		n = read(rl->timer_fd, &expirations, sizeof(expirations));
		(void)n;
	}
	rl->blocked = false;
}

int nb_rate_limiter_update(struct nb_rate_limiter *rl, const struct nb_token_bucket_params *bw,
			   const struct nb_token_bucket_params *ops)
{
	struct nb_token_bucket nbw = rl->bw, nops = rl->ops;
	struct itimerspec off = {0};
	uint64_t now = rl->now_ns();

	if (bw)
		bucket_init(&nbw, bw, now);
	if (ops)
		bucket_init(&nops, ops, now);
	if (rl->timer_fd < 0 && !(bucket_unlimited(&nbw) && bucket_unlimited(&nops))) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

		if (fd < 0)
			return -errno;
		rl->timer_fd = fd;
	}
	rl->bw = nbw;
	rl->ops = nops;
	if (rl->timer_fd >= 0)
		(void)timerfd_settime(rl->timer_fd, 0, &off, NULL);
	rl->blocked = false;
	return 0;
}
