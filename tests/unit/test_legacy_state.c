// SPDX-License-Identifier: Apache-2.0
/* Snapshot save and restore of the UART and the RTC. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "devices/legacy_state.h"
#include "tests/unit/check_run.h"
#include "tests/unit/irq_log.h"

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };

static uint8_t rd8(struct nb_serial *s, uint64_t off)
{
	uint8_t b = 0;

	nb_serial_mmio_ops.read(s, off, &b, 1);
	return b;
}

static void wr8(struct nb_serial *s, uint64_t off, uint8_t v)
{
	nb_serial_mmio_ops.write(s, off, &v, 1);
}

START_TEST(serial_round_trip)
{
	struct irq_log la = {0}, lb = {0};
	struct nb_serial *a = nb_serial_new(-1, irq_log_line(&la, 0));
	struct nb_serial *b = nb_serial_new(-1, irq_log_line(&lb, 0));
	struct nb_sbuf w, r;

	wr8(a, LCR, 0x80); /* DLAB: the divisor */
	wr8(a, RBR, 0x34);
	wr8(a, IER, 0x12);
	wr8(a, LCR, 0x03);
	wr8(a, SCR, 0x5a);
	wr8(a, IER, 0x01); /* received-data interrupt */
	ck_assert_uint_eq(nb_serial_input(a, (const uint8_t *)"hey", 3), 3);
	ck_assert(la.level);
	nb_sbuf_init(&w);
	nb_serial_save(a, &w);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_serial_restore(b, &r), 0);
	/* The line comes up again, the registers and the FIFO are back. */
	ck_assert(lb.level);
	ck_assert_uint_eq(rd8(b, SCR), 0x5a);
	ck_assert_uint_eq(rd8(b, LCR), 0x03);
	ck_assert_uint_eq(rd8(b, IER), 0x01);
	ck_assert_uint_eq(rd8(b, LSR) & 1, 1);
	ck_assert_uint_eq(rd8(b, RBR), 'h');
	ck_assert_uint_eq(rd8(b, RBR), 'e');
	ck_assert_uint_eq(rd8(b, RBR), 'y');
	ck_assert_uint_eq(rd8(b, LSR) & 1, 0);
	wr8(b, LCR, 0x80);
	ck_assert_uint_eq(rd8(b, RBR), 0x34);
	ck_assert_uint_eq(rd8(b, IER), 0x12);
	/* Truncated, or a FIFO count beyond the FIFO. */
	nb_sbuf_reader(&r, w.data, w.len - 1);
	ck_assert_int_eq(nb_serial_restore(b, &r), -EBADMSG);
	w.data[10] = NB_SERIAL_RX_FIFO_SIZE + 1;
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_serial_restore(b, &r), -EBADMSG);
	nb_sbuf_free(&w);
	nb_serial_free(a);
	nb_serial_free(b);
}
END_TEST

static time_t fake_now(void *ctx)
{
	return *(time_t *)ctx;
}

static uint32_t rtc_rd(struct nb_rtc *rtc, uint64_t off)
{
	uint8_t d[4];

	nb_rtc_mmio_ops.read(rtc, off, d, 4);
	return nb_mmio_le_get(d, 4);
}

static void rtc_wr(struct nb_rtc *rtc, uint64_t off, uint32_t v)
{
	uint8_t d[4];

	nb_mmio_le_put(d, 4, v);
	nb_rtc_mmio_ops.write(rtc, off, d, 4);
}

START_TEST(rtc_round_trip)
{
	time_t now = 1000;
	struct irq_log la = {0}, lb = {0};
	struct nb_rtc *a = nb_rtc_new(irq_log_line(&la, 1), fake_now, &now);
	struct nb_rtc *b = nb_rtc_new(irq_log_line(&lb, 1), fake_now, &now);
	struct nb_sbuf w, r;

	rtc_wr(a, 0x008, 5000); /* LR: the guest sets its clock */
	rtc_wr(a, 0x004, 5001); /* MR */
	rtc_wr(a, 0x010, 1);	/* IMSC */
	now++;
	ck_assert_uint_eq(rtc_rd(a, 0x000), 5001);
	ck_assert(la.level); /* the match fired */
	nb_sbuf_init(&w);
	nb_rtc_save(a, &w);
	now += 10; /* restored later: the clock went on */
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_rtc_restore(b, &r), 0);
	ck_assert(lb.level);
	ck_assert_uint_eq(rtc_rd(b, 0x000), 5011);
	ck_assert_uint_eq(rtc_rd(b, 0x004), 5001);
	ck_assert_uint_eq(rtc_rd(b, 0x008), 5000);
	ck_assert_uint_eq(rtc_rd(b, 0x014), 1);
	nb_sbuf_reader(&r, w.data, 5);
	ck_assert_int_eq(nb_rtc_restore(b, &r), -EBADMSG);
	nb_sbuf_free(&w);
	nb_rtc_free(a);
	nb_rtc_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("legacy_state");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, serial_round_trip);
	tcase_add_test(tc, rtc_round_trip);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
