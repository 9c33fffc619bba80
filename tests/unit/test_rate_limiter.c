// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "devices/rate_limiter.h"
#include "tests/unit/check_run.h"

#define MS 1000000ULL

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static uint64_t timer_left_ns(const struct nb_rate_limiter *rl)
{
	struct itimerspec its;

	ck_assert_int_eq(timerfd_gettime(nb_rate_limiter_fd(rl), &its), 0);
	ck_assert_int_eq(its.it_interval.tv_sec, 0);
	ck_assert_int_eq(its.it_interval.tv_nsec, 0);
	return (uint64_t)its.it_value.tv_sec * 1000000000ULL + (uint64_t)its.it_value.tv_nsec;
}

static void setup(void)
{
	fake_now = 1000 * MS;
}

START_TEST(test_unlimited)
{
	struct nb_token_bucket_params zero_size = {.size = 0, .refill_time_ms = 100};
	struct nb_token_bucket_params zero_time = {.size = 100, .refill_time_ms = 0};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, NULL, NULL, fake_clock), 0);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), -1);
	for (int i = 0; i < 1000; i++) {
		ck_assert(nb_rate_limiter_consume(&rl, UINT64_MAX, NB_TOKENS_BYTES));
		ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	}
	nb_rate_limiter_replenish(&rl, 5, NB_TOKENS_BYTES);
	ck_assert(!nb_rate_limiter_is_blocked(&rl));
	nb_rate_limiter_destroy(&rl);

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &zero_size, &zero_time, NULL), 0);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), -1);
	ck_assert(nb_rate_limiter_consume(&rl, 1 << 30, NB_TOKENS_BYTES));
	ck_assert(nb_rate_limiter_consume(&rl, 1 << 30, NB_TOKENS_OPS));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_one_bucket_limited)
{
	struct nb_token_bucket_params ops = {.size = 2, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, NULL, &ops, fake_clock), 0);
	ck_assert_int_ge(nb_rate_limiter_fd(&rl), 0);
	/* Bytes stay unlimited. */
	ck_assert(nb_rate_limiter_consume(&rl, 1 << 20, NB_TOKENS_BYTES));
	ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	/* Blocked, but bytes are still let through. */
	ck_assert(nb_rate_limiter_consume(&rl, 1 << 20, NB_TOKENS_BYTES));
	nb_rate_limiter_destroy(&rl);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), -1);
}
END_TEST

START_TEST(test_refill_over_time)
{
	struct nb_token_bucket_params bw = {.size = 1000, .refill_time_ms = 100};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	/* Starts full. */
	ck_assert(nb_rate_limiter_consume(&rl, 1000, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 0);

	/* 10 ms is 100 tokens. */
	fake_now += 10 * MS;
	ck_assert(!nb_rate_limiter_consume(&rl, 101, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 100); /* refilled, not taken */
	nb_rate_limiter_event(&rl);
	ck_assert(nb_rate_limiter_consume(&rl, 100, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 0);

	/* Fractions add up: 100 steps of 1.5 tokens, 1 taken each time. */
	for (int i = 0; i < 100; i++) {
		fake_now += 150000;
		ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_BYTES));
	}
	ck_assert_uint_eq(rl.bw.budget, 50);
	ck_assert(nb_rate_limiter_consume(&rl, 50, NB_TOKENS_BYTES));

	/* Never more than size, however long it waits. */
	fake_now += 3600 * 1000 * MS;
	ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 999);

	/* The clock going backwards earns nothing. */
	fake_now -= 50 * MS;
	ck_assert(nb_rate_limiter_consume(&rl, 999, NB_TOKENS_BYTES));
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_BYTES));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_burst_spent_first_never_refilled)
{
	struct nb_token_bucket_params bw = {
	    .size = 100, .one_time_burst = 500, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	ck_assert(nb_rate_limiter_consume(&rl, 300, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.burst, 200);
	ck_assert_uint_eq(rl.bw.budget, 100);
	/* The rest of the burst, then the budget. */
	ck_assert(nb_rate_limiter_consume(&rl, 250, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.burst, 0);
	ck_assert_uint_eq(rl.bw.budget, 50);
	ck_assert(!nb_rate_limiter_consume(&rl, 51, NB_TOKENS_BYTES));
	nb_rate_limiter_event(&rl);

	/* A long wait refills the budget, never the burst. */
	fake_now += 100000 * MS;
	ck_assert(nb_rate_limiter_consume(&rl, 100, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.burst, 0);
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_BYTES));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_failed_consume_keeps_burst)
{
	struct nb_token_bucket_params bw = {
	    .size = 100, .one_time_burst = 50, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	ck_assert(nb_rate_limiter_consume(&rl, 100, NB_TOKENS_BYTES)); /* 50 + 50 */
	ck_assert(!nb_rate_limiter_consume(&rl, 60, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.burst, 0);
	ck_assert_uint_eq(rl.bw.budget, 50);
	nb_rate_limiter_destroy(&rl);

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	/* 50 from the burst, 150 more than size from a full bucket: let through. */
	ck_assert(nb_rate_limiter_consume(&rl, 200, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.burst, 0);
	ck_assert_uint_eq(rl.bw.budget, 0);
	nb_rate_limiter_destroy(&rl);

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	ck_assert(nb_rate_limiter_consume(&rl, 80, NB_TOKENS_BYTES)); /* 50 + 30 */
	ck_assert(!nb_rate_limiter_consume(&rl, 71, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.burst, 0);
	ck_assert_uint_eq(rl.bw.budget, 70);
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_larger_than_size)
{
	struct nb_token_bucket_params bw = {.size = 100, .refill_time_ms = 100};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	/* A full bucket lets one oversized request through and is emptied. */
	ck_assert(nb_rate_limiter_consume(&rl, 1000, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 0);
	ck_assert(!nb_rate_limiter_is_blocked(&rl));

	/* Not full: blocked until it is (100 ms from empty). */
	fake_now += 40 * MS;
	ck_assert(!nb_rate_limiter_consume(&rl, 1000, NB_TOKENS_BYTES));
	ck_assert(nb_rate_limiter_is_blocked(&rl));
	ck_assert_uint_eq(rl.bw.budget, 40);
	ck_assert_uint_le(timer_left_ns(&rl), 60 * MS);
	ck_assert_uint_gt(timer_left_ns(&rl), 50 * MS);
	nb_rate_limiter_event(&rl);
	fake_now += 60 * MS;
	ck_assert(nb_rate_limiter_consume(&rl, 1000, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 0);
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_replenish)
{
	struct nb_token_bucket_params bw = {
	    .size = 100, .one_time_burst = 30, .refill_time_ms = 1000};
	struct nb_token_bucket_params ops = {.size = 10, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, &ops, fake_clock), 0);
	ck_assert(nb_rate_limiter_consume(&rl, 130, NB_TOKENS_BYTES));
	ck_assert_uint_eq(rl.bw.budget, 0);
	ck_assert_uint_eq(rl.bw.burst, 0);
	nb_rate_limiter_replenish(&rl, 60, NB_TOKENS_BYTES);
	ck_assert_uint_eq(rl.bw.budget, 60);
	/* Budget first, up to size; the rest back to the burst, up to its size. */
	nb_rate_limiter_replenish(&rl, 1000, NB_TOKENS_BYTES);
	ck_assert_uint_eq(rl.bw.budget, 100);
	ck_assert_uint_eq(rl.bw.burst, 30);

	ck_assert(nb_rate_limiter_consume(&rl, 10, NB_TOKENS_OPS));
	ck_assert_uint_eq(rl.ops.budget, 0);
	nb_rate_limiter_replenish(&rl, 1, NB_TOKENS_OPS);
	ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_blocked_arms_timer)
{
	struct nb_token_bucket_params ops = {.size = 10, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;
	uint64_t left;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, NULL, &ops, fake_clock), 0);
	ck_assert_uint_eq(timer_left_ns(&rl), 0); /* not armed yet */
	ck_assert(nb_rate_limiter_consume(&rl, 10, NB_TOKENS_OPS));
	ck_assert(!nb_rate_limiter_is_blocked(&rl));
	ck_assert(!nb_rate_limiter_consume(&rl, 3, NB_TOKENS_OPS));
	ck_assert(nb_rate_limiter_is_blocked(&rl));
	/* 3 ops at 10 per second: 300 ms. */
	left = timer_left_ns(&rl);
	ck_assert_uint_le(left, 300 * MS);
	ck_assert_uint_gt(left, 250 * MS);

	/* Blocked means no: even when the tokens are there already. */
	fake_now += 1000 * MS;
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_event_unblocks)
{
	struct nb_token_bucket_params bw = {.size = 1000, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;
	struct pollfd pfd;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, &bw, NULL, fake_clock), 0);
	ck_assert(nb_rate_limiter_consume(&rl, 1000, NB_TOKENS_BYTES));
	/* 2 bytes at 1000 per second: 2 ms, in real time. */
	ck_assert(!nb_rate_limiter_consume(&rl, 2, NB_TOKENS_BYTES));
	ck_assert(nb_rate_limiter_is_blocked(&rl));
	pfd.fd = nb_rate_limiter_fd(&rl);
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert(pfd.revents & POLLIN);
	nb_rate_limiter_event(&rl);
	ck_assert(!nb_rate_limiter_is_blocked(&rl));
	/* The timerfd was read: nothing left to report. */
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	fake_now += 2 * MS;
	ck_assert(nb_rate_limiter_consume(&rl, 2, NB_TOKENS_BYTES));

	/* A spurious event (timer not fired) just unblocks. */
	ck_assert(!nb_rate_limiter_consume(&rl, 500, NB_TOKENS_BYTES));
	nb_rate_limiter_event(&rl);
	ck_assert(!nb_rate_limiter_is_blocked(&rl));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

START_TEST(test_real_clock)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 1};
	struct nb_rate_limiter rl;

	ck_assert_int_eq(nb_rate_limiter_init(&rl, NULL, &ops, NULL), 0);
	ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	usleep(3000);
	ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	nb_rate_limiter_destroy(&rl);
}
END_TEST

/* Firecracker's live update: a NULL bucket unchanged, a given one afresh. */
START_TEST(test_update)
{
	struct nb_token_bucket_params ops = {.size = 2, .refill_time_ms = 1000};
	struct nb_token_bucket_params bw = {
	    .size = 100, .one_time_burst = 50, .refill_time_ms = 1000};
	struct nb_token_bucket_params off = {.size = 0, .refill_time_ms = 1000};
	struct nb_rate_limiter rl;
	int fd;

	/* Unlimited to limited: the timerfd appears. */
	ck_assert_int_eq(nb_rate_limiter_init(&rl, NULL, NULL, fake_clock), 0);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), -1);
	ck_assert_int_eq(nb_rate_limiter_update(&rl, NULL, NULL), 0);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), -1);
	ck_assert_int_eq(nb_rate_limiter_update(&rl, NULL, &ops), 0);
	fd = nb_rate_limiter_fd(&rl);
	ck_assert_int_ge(fd, 0);
	ck_assert(nb_rate_limiter_consume(&rl, 2, NB_TOKENS_OPS));
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	ck_assert(nb_rate_limiter_is_blocked(&rl));
	ck_assert_uint_gt(timer_left_ns(&rl), 0);

	/* Bandwidth only: ops keep their (empty) bucket, the block and timer go. */
	ck_assert_int_eq(nb_rate_limiter_update(&rl, &bw, NULL), 0);
	ck_assert(!nb_rate_limiter_is_blocked(&rl));
	ck_assert_uint_eq(timer_left_ns(&rl), 0);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), fd);
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	ck_assert_int_eq(nb_rate_limiter_update(&rl, NULL, NULL), 0);
	/* The new bandwidth bucket is full, with its burst. */
	ck_assert(nb_rate_limiter_consume(&rl, 150, NB_TOKENS_BYTES));
	ck_assert(!nb_rate_limiter_consume(&rl, 1, NB_TOKENS_BYTES));

	/* Size 0 turns a bucket off; both off: unlimited again, the fd kept. */
	ck_assert_int_eq(nb_rate_limiter_update(&rl, &off, &off), 0);
	ck_assert(!nb_rate_limiter_is_blocked(&rl));
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), fd);
	for (int i = 0; i < 100; i++) {
		ck_assert(nb_rate_limiter_consume(&rl, 1 << 20, NB_TOKENS_BYTES));
		ck_assert(nb_rate_limiter_consume(&rl, 1, NB_TOKENS_OPS));
	}
	nb_rate_limiter_destroy(&rl);
	ck_assert_int_eq(nb_rate_limiter_fd(&rl), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rate_limiter");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_unlimited);
	tcase_add_test(tc, test_one_bucket_limited);
	tcase_add_test(tc, test_refill_over_time);
	tcase_add_test(tc, test_burst_spent_first_never_refilled);
	tcase_add_test(tc, test_failed_consume_keeps_burst);
	tcase_add_test(tc, test_larger_than_size);
	tcase_add_test(tc, test_replenish);
	tcase_add_test(tc, test_blocked_arms_timer);
	tcase_add_test(tc, test_event_unblocks);
	tcase_add_test(tc, test_real_clock);
	tcase_add_test(tc, test_update);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
