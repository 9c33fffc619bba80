// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/boot_timer.h"
#include "tests/unit/check_run.h"

#define NS_PER_S 1000000000ULL

struct report_log {
	int calls;
	uint64_t elapsed_ns;
};

static void record(void *opaque, uint64_t elapsed_ns)
{
	struct report_log *r = opaque;

	r->calls++;
	r->elapsed_ns = elapsed_ns;
}

static void write_byte(struct nb_boot_timer *bt, uint64_t offset, uint8_t v)
{
	nb_boot_timer_mmio_ops.write(bt, offset, &v, 1);
}

START_TEST(test_magic_reports_elapsed_time)
{
	struct report_log r = {0};
	struct nb_boot_timer bt;
	uint64_t start = nb_monotonic_ns() - 2 * NS_PER_S;

	nb_boot_timer_init(&bt, start, record, &r);
	ck_assert(!bt.fired);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert(__atomic_load_n(&bt.fired, __ATOMIC_ACQUIRE));
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_ge(r.elapsed_ns, 2 * NS_PER_S);
	ck_assert_uint_lt(r.elapsed_ns, 60 * NS_PER_S);
	ck_assert_uint_eq(__atomic_load_n(&bt.writes, __ATOMIC_RELAXED), 1);
}
END_TEST

/* A guest writing 123 in a loop is reported once; the rest are only counted. */
START_TEST(test_only_first_write_reports)
{
	struct report_log r = {0};
	struct nb_boot_timer bt;
	uint64_t first;

	nb_boot_timer_init(&bt, nb_monotonic_ns() - NS_PER_S, record, &r);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	first = r.elapsed_ns;
	for (int i = 0; i < 1000; i++)
		write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.elapsed_ns, first);
	ck_assert_uint_eq(__atomic_load_n(&bt.writes, __ATOMIC_RELAXED), 1001);
	ck_assert(bt.fired);
	/* Other values are not counted. */
	write_byte(&bt, 0, 0);
	ck_assert_uint_eq(bt.writes, 1001);
	/* init starts over. */
	nb_boot_timer_init(&bt, nb_monotonic_ns(), record, &r);
	ck_assert_uint_eq(bt.writes, 0);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert_int_eq(r.calls, 2);
}
END_TEST

START_TEST(test_other_writes_and_reads_ignored)
{
	static const uint8_t values[] = {0, 1, 122, 124, 255};
	struct report_log r = {0};
	struct nb_boot_timer bt;
	uint8_t buf[8];

	nb_boot_timer_init(&bt, nb_monotonic_ns(), record, &r);
	for (size_t i = 0; i < sizeof(values); i++)
		write_byte(&bt, 0, values[i]);
	write_byte(&bt, 1, NB_BOOT_TIMER_MAGIC);
	write_byte(&bt, 0xfff, NB_BOOT_TIMER_MAGIC);
	nb_mmio_le_put(buf, 4, 0x100 | NB_BOOT_TIMER_MAGIC);
	nb_boot_timer_mmio_ops.write(&bt, 0, buf, 4);
	memset(buf, 0xee, sizeof(buf));
	nb_boot_timer_mmio_ops.read(&bt, 0, buf, 8);
	ck_assert_uint_eq(nb_mmio_le_get(buf, 8), 0);
	ck_assert_int_eq(r.calls, 0);
	ck_assert(!bt.fired);

	/* A wider write of the value 123 counts too. */
	nb_mmio_le_put(buf, 4, NB_BOOT_TIMER_MAGIC);
	nb_boot_timer_mmio_ops.write(&bt, 0, buf, 4);
	ck_assert_int_eq(r.calls, 1);
}
END_TEST

START_TEST(test_odd_setups)
{
	struct report_log r = {0};
	struct nb_boot_timer bt;

	/* No callback: it only records that it fired. */
	nb_boot_timer_init(&bt, 0, NULL, NULL);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert(bt.fired);

	/* A start in the future reports zero, not a huge number. */
	nb_boot_timer_init(&bt, nb_monotonic_ns() + 3600 * NS_PER_S, record, &r);
	ck_assert(!bt.fired);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_uint_eq(r.elapsed_ns, 0);
}
END_TEST

START_TEST(test_log_line)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct nb_boot_timer bt;

	ck_assert_ptr_nonnull(f);
	nb_boot_timer_log(f, 1234567890ULL);
	ck_assert_str_eq(text, "Guest-boot-time = 1234567 us 1234 ms\n");
	nb_boot_timer_init(&bt, nb_monotonic_ns(), nb_boot_timer_log, f);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert_ptr_nonnull(strstr(text, "\nGuest-boot-time = "));
	/* Later writes add no line. */
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	write_byte(&bt, 0, NB_BOOT_TIMER_MAGIC);
	ck_assert_ptr_null(strstr(strstr(text, "\nGuest-boot-time = ") + 2, "Guest-boot-time"));
	ck_assert_int_eq(fclose(f), 0);
	free(text);
}
END_TEST

START_TEST(test_monotonic_ns)
{
	uint64_t a = nb_monotonic_ns(), b = nb_monotonic_ns();

	ck_assert_uint_gt(a, 0);
	ck_assert_uint_le(a, b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boot_timer");
	TCase *tc = tcase_create("boot_timer");

	tcase_add_test(tc, test_magic_reports_elapsed_time);
	tcase_add_test(tc, test_only_first_write_reports);
	tcase_add_test(tc, test_other_writes_and_reads_ignored);
	tcase_add_test(tc, test_odd_setups);
	tcase_add_test(tc, test_log_line);
	tcase_add_test(tc, test_monotonic_ns);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
