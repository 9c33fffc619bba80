// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "arch/aarch64/layout.h"
#include "tests/unit/irq_log.h"
#include "devices/rtc_pl031.h"
#include "tests/unit/check_run.h"

#define DR 0x000
#define MR 0x004
#define LR 0x008
#define CR 0x00c
#define IMSC 0x010
#define RIS 0x014
#define MIS 0x018
#define ICR 0x01c

static time_t fake_now(void *ctx)
{
	return *(time_t *)ctx;
}

static struct nb_rtc *new_rtc(struct irq_log *l, time_t *clock)
{
	struct nb_irq irq = irq_log_line(l, NB_SPI_RTC);
	struct nb_rtc *rtc = nb_rtc_new(irq, clock ? fake_now : NULL, clock);

	ck_assert_ptr_nonnull(rtc);
	return rtc;
}

static uint32_t rd(struct nb_rtc *rtc, uint64_t off)
{
	uint8_t buf[4];

	nb_rtc_mmio_ops.read(rtc, off, buf, 4);
	return (uint32_t)nb_mmio_le_get(buf, 4);
}

static void wr(struct nb_rtc *rtc, uint64_t off, uint32_t v)
{
	uint8_t buf[4];

	nb_mmio_le_put(buf, 4, v);
	nb_rtc_mmio_ops.write(rtc, off, buf, 4);
}

START_TEST(test_primecell_ids)
{
	struct irq_log l = {0};
	time_t clock = 1000;
	struct nb_rtc *rtc = new_rtc(&l, &clock);
	uint32_t periph = 0, cell = 0;

	for (int i = 0; i < 4; i++) {
		uint32_t p = rd(rtc, 0xfe0 + 4 * i), c = rd(rtc, 0xff0 + 4 * i);

		ck_assert_uint_le(p, 0xff);
		ck_assert_uint_le(c, 0xff);
		periph |= p << (8 * i);
		cell |= c << (8 * i);
	}
	ck_assert_uint_eq(periph, 0x00041031);
	ck_assert_uint_eq(cell, 0xb105f00d);
	/* Read-only. */
	wr(rtc, 0xfe0, 0);
	ck_assert_uint_eq(rd(rtc, 0xfe0), 0x31);
	nb_rtc_free(rtc);
	nb_rtc_free(NULL);
}
END_TEST

START_TEST(test_load_sets_time)
{
	struct irq_log l = {0};
	time_t clock = 1000;
	struct nb_rtc *rtc = new_rtc(&l, &clock);

	ck_assert_uint_eq(rd(rtc, DR), 1000);
	ck_assert_uint_eq(rd(rtc, CR), 1);
	clock += 5;
	ck_assert_uint_eq(rd(rtc, DR), 1005);
	wr(rtc, LR, 5000);
	ck_assert_uint_eq(rd(rtc, DR), 5000);
	ck_assert_uint_eq(rd(rtc, LR), 5000);
	clock += 10;
	ck_assert_uint_eq(rd(rtc, DR), 5010);
	/* Back in time, and across the 32-bit wrap. */
	wr(rtc, LR, 7);
	ck_assert_uint_eq(rd(rtc, DR), 7);
	wr(rtc, LR, UINT32_MAX);
	clock += 2;
	ck_assert_uint_eq(rd(rtc, DR), 1);
	/* DR is read-only; the clock cannot be stopped. */
	wr(rtc, DR, 123);
	wr(rtc, CR, 0);
	ck_assert_uint_eq(rd(rtc, CR), 1);
	clock += 1;
	ck_assert_uint_eq(rd(rtc, DR), 2);
	ck_assert_int_eq(l.calls, 0);
	nb_rtc_free(rtc);
}
END_TEST

/*
 * The device's clock: time() may read a coarse clock that lags
 * CLOCK_REALTIME by a tick, so near a second boundary it can be behind DR.
 */
static uint32_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)ts.tv_sec;
}

START_TEST(test_wall_clock)
{
	struct irq_log l = {0};
	struct nb_rtc *rtc = new_rtc(&l, NULL);
	uint32_t before = now_s(), dr = rd(rtc, DR), after = now_s();

	ck_assert_uint_ge(dr, before);
	ck_assert_uint_le(dr, after);
	nb_rtc_free(rtc);
}
END_TEST

START_TEST(test_match_interrupt)
{
	struct irq_log l = {0};
	time_t clock = 1000;
	struct nb_rtc *rtc = new_rtc(&l, &clock);

	wr(rtc, MR, 1005);
	ck_assert_uint_eq(rd(rtc, MR), 1005);
	wr(rtc, IMSC, 0xffffffff);
	ck_assert_uint_eq(rd(rtc, IMSC), 1);
	clock += 4;
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	ck_assert(!l.level);
	clock += 1;
	ck_assert_uint_eq(rd(rtc, RIS), 1);
	ck_assert_uint_eq(rd(rtc, MIS), 1);
	ck_assert(l.level);
	ck_assert_int_eq(l.calls, 1);
	/* Cleared, it stays clear: the counter went through MR only once. */
	wr(rtc, ICR, 0xfffffffe);
	ck_assert(l.level);
	wr(rtc, ICR, 1);
	ck_assert(!l.level);
	ck_assert_uint_eq(rd(rtc, ICR), 0);
	clock += 100;
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	ck_assert_int_eq(l.calls, 2);

	/* A match seen late still latches; masked, it does not raise the line. */
	wr(rtc, IMSC, 0);
	wr(rtc, MR, 1200);
	clock += 1000;
	ck_assert_uint_eq(rd(rtc, RIS), 1);
	ck_assert_uint_eq(rd(rtc, MIS), 0);
	ck_assert(!l.level);
	wr(rtc, IMSC, 1);
	ck_assert(l.level);
	wr(rtc, IMSC, 0);
	ck_assert(!l.level);
	wr(rtc, ICR, 1);
	wr(rtc, IMSC, 1);
	ck_assert(!l.level);
	/* RIS and MIS are read-only. */
	wr(rtc, RIS, 1);
	wr(rtc, MIS, 1);
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	nb_rtc_free(rtc);
}
END_TEST

START_TEST(test_jumps_do_not_match)
{
	struct irq_log l = {0};
	time_t clock = 1000;
	struct nb_rtc *rtc = new_rtc(&l, &clock);

	wr(rtc, IMSC, 1);
	wr(rtc, MR, 990);
	/* The host clock steps back past MR: no match. */
	clock -= 20;
	ck_assert_uint_eq(rd(rtc, DR), 980);
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	/* Loading LR jumps the counter over MR: no match either. */
	wr(rtc, LR, 2000);
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	/* Setting MR to the present does not match until the counter wraps. */
	wr(rtc, MR, 2000);
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	clock += 1;
	ck_assert_uint_eq(rd(rtc, RIS), 0);
	ck_assert_int_eq(l.calls, 0);
	nb_rtc_free(rtc);
}
END_TEST

START_TEST(test_bad_accesses_are_harmless)
{
	static const uint64_t offsets[] = {0x020, 0x7fc, 0xfdc, 0x1000, UINT64_MAX - 3};
	static const uint32_t lens[] = {1, 2, 8};
	struct irq_log l = {0};
	time_t clock = 1000;
	struct nb_rtc *rtc = new_rtc(&l, &clock);
	uint8_t buf[8];

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		wr(rtc, offsets[i], 0xffffffff);
		ck_assert_uint_eq(rd(rtc, offsets[i]), 0);
	}
	/* Unaligned and non-32-bit accesses read 0 and write nothing. */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, 0xff, sizeof(buf));
		nb_rtc_mmio_ops.write(rtc, LR, buf, lens[i]);
		nb_rtc_mmio_ops.write(rtc, MR, buf, lens[i]);
		nb_rtc_mmio_ops.read(rtc, DR, buf, lens[i]);
		for (uint32_t j = 0; j < lens[i]; j++)
			ck_assert_uint_eq(buf[j], 0);
	}
	wr(rtc, LR + 2, 5);
	ck_assert_uint_eq(rd(rtc, DR + 1), 0);
	ck_assert_uint_eq(rd(rtc, 0xfe2), 0);
	ck_assert_uint_eq(rd(rtc, DR), 1000);
	ck_assert_uint_eq(rd(rtc, MR), 0);
	ck_assert_uint_eq(rd(rtc, LR), 0);
	nb_rtc_free(rtc);
}
END_TEST

START_TEST(test_failed_irq_update_is_retried)
{
	struct irq_log l = {.fail = 1};
	time_t clock = 1000;
	struct nb_rtc *rtc = new_rtc(&l, &clock);

	wr(rtc, MR, 1001);
	wr(rtc, IMSC, 1);
	clock += 1;
	ck_assert_uint_eq(rd(rtc, MIS), 1);
	ck_assert_int_eq(l.calls, 0);
	ck_assert_int_eq(l.fail, 0);
	ck_assert_uint_eq(rd(rtc, CR), 1);
	ck_assert_int_eq(l.calls, 1);
	ck_assert(l.level);
	nb_rtc_free(rtc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtc_pl031");
	TCase *tc = tcase_create("pl031");

	tcase_add_test(tc, test_primecell_ids);
	tcase_add_test(tc, test_load_sets_time);
	tcase_add_test(tc, test_wall_clock);
	tcase_add_test(tc, test_match_interrupt);
	tcase_add_test(tc, test_jumps_do_not_match);
	tcase_add_test(tc, test_bad_accesses_are_harmless);
	tcase_add_test(tc, test_failed_irq_update_is_retried);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
