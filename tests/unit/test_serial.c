// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/aarch64/layout.h"
#include "tests/unit/fill_pipe.h"
#include "tests/unit/irq_log.h"
#include "devices/serial.h"
#include "tests/unit/check_run.h"

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define FCR IIR
#define DLL RBR
#define DLM IER

static struct nb_serial *new_serial(int out_fd, struct irq_log *l)
{
	struct nb_irq irq = irq_log_line(l, NB_SPI_SERIAL);
	struct nb_serial *s = nb_serial_new(out_fd, irq);

	ck_assert_ptr_nonnull(s);
	return s;
}

static uint8_t rd(struct nb_serial *s, uint64_t off)
{
	uint8_t b = 0xee;

	nb_serial_mmio_ops.read(s, off, &b, 1);
	return b;
}

static void wr(struct nb_serial *s, uint64_t off, uint8_t v)
{
	nb_serial_mmio_ops.write(s, off, &v, 1);
}

static void put(struct nb_serial *s, const char *str)
{
	while (*str)
		wr(s, RBR, (uint8_t)*str++);
}

/* A pipe whose read end does not block. */
static void open_pipe(int fds[2])
{
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

static ssize_t drain(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 && errno == EAGAIN ? 0 : n;
}

/* What the serial wrote to the pipe read by @fd, after the VMM's drain. */
static ssize_t output(struct nb_serial *s, int fd, char *buf, size_t len)
{
	ck_assert_int_eq(nb_serial_drain(s), 0);
	return drain(fd, buf, len);
}

static uint64_t eventfd_take(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static struct nb_serial_out_stats out_stats(struct nb_serial *s)
{
	struct nb_serial_out_stats st;

	nb_serial_out_stats(s, &st);
	return st;
}

START_TEST(test_thr_output_lands_in_pipe)
{
	struct irq_log l = {0};
	struct nb_serial *s;
	int fds[2];
	char buf[16];

	open_pipe(fds);
	s = new_serial(fds[1], &l);
	ck_assert_uint_eq(rd(s, LSR), 0x60); /* THRE | TEMT */
	put(s, "hi\n");
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	ck_assert_int_eq(output(s, fds[0], buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "hi\n", 3);
	ck_assert_int_eq(l.calls, 0);
	nb_serial_free(s);

	/* No output fd: bytes vanish. */
	s = new_serial(-1, &l);
	put(s, "lost");
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	nb_serial_free(s);
	nb_serial_free(NULL);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_output_errors_are_ignored)
{
	struct irq_log l = {0};
	struct nb_serial *s;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int fds[2];

	/* EPIPE: nobody reads any more; the bytes are dropped and counted. */
	open_pipe(fds);
	s = new_serial(fds[1], &l);
	close(fds[0]);
	put(s, "gone");
	ck_assert_int_eq(nb_serial_drain(s), 0);
	ck_assert_uint_eq(out_stats(s).dropped_error, 4);
	ck_assert_uint_eq(out_stats(s).pending, 0);
	wr(s, SCR, 0x5a);
	ck_assert_uint_eq(rd(s, SCR), 0x5a);
	nb_serial_free(s);
	close(fds[1]);

	/* A bad fd: the same. */
	s = new_serial(1000, &l);
	put(s, "bad");
	ck_assert_int_eq(nb_serial_drain(s), 0);
	ck_assert_uint_eq(out_stats(s).dropped_error, 3);
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	nb_serial_free(s);
	signal(SIGPIPE, old);
}
END_TEST

/*
 * A stalled reader: the pipe (blocking, as a shared stdout is) is full and
 * nobody reads. THR writes never block, the drain never blocks, bytes beyond
 * the buffer are dropped and counted, and what was buffered comes out in
 * order once the reader wakes up.
 */
START_TEST(test_stalled_reader_never_blocks)
{
	enum { TOTAL = NB_SERIAL_OUT_BUF_SIZE + 10000 };
	struct irq_log l = {0};
	struct nb_serial *s;
	struct nb_serial_out_stats st;
	static char got[NB_SERIAL_OUT_BUF_SIZE + 1];
	size_t filled, skipped = 0, have = 0;
	char buf[4096];
	int fds[2];
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	filled = fill_pipe(fds[1]);
	s = new_serial(fds[1], &l);
	alarm(10); /* the old serial blocked here for ever */
	for (int i = 0; i < TOTAL; i++)
		wr(s, RBR, (uint8_t)('a' + i % 26));
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	ck_assert_uint_eq(eventfd_take(nb_serial_out_eventfd(s)), 1); /* once */
	ck_assert_int_eq(nb_serial_drain(s), -EAGAIN);
	ck_assert_int_eq(nb_serial_drain(s), -EAGAIN);
	alarm(0);
	st = out_stats(s);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_uint_eq(st.pending, NB_SERIAL_OUT_BUF_SIZE);
	ck_assert_uint_eq(st.dropped_full, TOTAL - NB_SERIAL_OUT_BUF_SIZE);
	ck_assert_uint_eq(eventfd_take(nb_serial_out_eventfd(s)), 0);

	/* The reader wakes up: the old junk, then the buffer, in order. */
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	while (have < NB_SERIAL_OUT_BUF_SIZE) {
		int r = nb_serial_drain(s);

		ck_assert(r == 0 || r == -EAGAIN);
		n = read(fds[0], buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		for (ssize_t i = 0; i < n; i++) {
			if (skipped < filled)
				skipped++;
			else
				got[have++] = buf[i];
		}
	}
	ck_assert_int_eq(nb_serial_drain(s), 0);
	ck_assert_int_eq(drain(fds[0], buf, sizeof(buf)), 0);
	for (size_t i = 0; i < NB_SERIAL_OUT_BUF_SIZE; i++)
		ck_assert_int_eq(got[i], 'a' + (int)(i % 26));
	st = out_stats(s);
	ck_assert_uint_eq(st.written, NB_SERIAL_OUT_BUF_SIZE);
	ck_assert_uint_eq(st.pending, 0);

	/* Empty again: the next byte signals again. */
	put(s, "x");
	ck_assert_uint_eq(eventfd_take(nb_serial_out_eventfd(s)), 1);
	ck_assert_int_eq(output(s, fds[0], buf, sizeof(buf)), 1);
	nb_serial_free(s);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A file: written at once, up to the byte limit; the first drop signals. */
START_TEST(test_file_output_limit)
{
	struct irq_log l = {0};
	char path[] = "/tmp/nb-serial-XXXXXX";
	struct nb_serial *s;
	struct nb_serial_out_stats st;
	struct stat sb;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	s = nb_serial_new_limited(fd, irq_log_line(&l, NB_SPI_SERIAL), 100);
	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < 60; i++)
		wr(s, RBR, 'f');
	ck_assert_uint_eq(eventfd_take(nb_serial_out_eventfd(s)), 1);
	ck_assert_int_eq(nb_serial_drain(s), 0);
	for (int i = 0; i < 60; i++)
		wr(s, RBR, 'g');
	ck_assert_uint_eq(eventfd_take(nb_serial_out_eventfd(s)), 2); /* data, limit */
	ck_assert_int_eq(nb_serial_drain(s), 0);
	for (int i = 0; i < 1000; i++)
		wr(s, RBR, 'h');
	ck_assert_uint_eq(eventfd_take(nb_serial_out_eventfd(s)), 0);
	ck_assert_int_eq(nb_serial_drain(s), 0);
	st = out_stats(s);
	ck_assert_uint_eq(st.written, 100);
	ck_assert_uint_eq(st.dropped_limit, 1020);
	ck_assert_uint_eq(st.pending, 0);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	ck_assert_int_eq(sb.st_size, 100);
	nb_serial_free(s);
	close(fd);
}
END_TEST

/* The rx eventfd: signalled when the guest makes room after a partial input. */
START_TEST(test_rx_room_is_signalled)
{
	struct irq_log l = {0};
	struct nb_serial *s = new_serial(-1, &l);
	int efd = nb_serial_rx_eventfd(s);
	uint8_t in[NB_SERIAL_RX_FIFO_SIZE + 10] = {0};

	ck_assert_int_ge(efd, 0);
	ck_assert_uint_eq(nb_serial_input(s, in, 10), 10);
	rd(s, RBR);
	ck_assert_uint_eq(eventfd_take(efd), 0); /* nobody waited */
	ck_assert_uint_eq(nb_serial_input(s, in, sizeof(in)), NB_SERIAL_RX_FIFO_SIZE - 9);
	ck_assert_uint_eq(eventfd_take(efd), 0);
	rd(s, RBR);
	rd(s, RBR);
	ck_assert_uint_eq(eventfd_take(efd), 1); /* once */
	ck_assert_uint_eq(nb_serial_input(s, in, 2), 2);
	ck_assert_uint_eq(nb_serial_input(s, in, 1), 0);
	wr(s, FCR, 0x01); /* turning the FIFO on clears it: room */
	ck_assert_uint_eq(eventfd_take(efd), 1);
	/* In loopback the input waits for the loop to end. */
	wr(s, MCR, 0x10);
	ck_assert_uint_eq(nb_serial_input(s, in, 1), 0);
	put(s, "ab");
	rd(s, RBR);
	ck_assert_uint_eq(eventfd_take(efd), 0);
	wr(s, MCR, 0x00);
	ck_assert_uint_eq(eventfd_take(efd), 1);
	nb_serial_free(s);
}
END_TEST

START_TEST(test_rx_fifo_and_interrupt)
{
	struct irq_log l = {0};
	struct nb_serial *s = new_serial(-1, &l);

	ck_assert_uint_eq(rd(s, IIR), 0x01);
	/* Data without RDI enabled: DR, no interrupt. */
	ck_assert_uint_eq(nb_serial_input(s, (const uint8_t *)"ab", 2), 2);
	ck_assert_uint_eq(rd(s, LSR), 0x61);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	ck_assert_int_eq(l.calls, 0);
	/* Enabling RDI raises the line at once. */
	wr(s, IER, 0x01);
	ck_assert_int_eq(l.calls, 1);
	ck_assert(l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x04);
	ck_assert_uint_eq(rd(s, RBR), 'a');
	ck_assert(l.level);
	ck_assert_uint_eq(rd(s, RBR), 'b');
	ck_assert(!l.level);
	ck_assert_int_eq(l.calls, 2);
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	ck_assert_uint_eq(rd(s, RBR), 0); /* empty FIFO */
	/* More input raises it again; only level changes reach the line. */
	ck_assert_uint_eq(nb_serial_input(s, (const uint8_t *)"c", 1), 1);
	ck_assert_uint_eq(nb_serial_input(s, (const uint8_t *)"d", 1), 1);
	ck_assert_int_eq(l.calls, 3);
	ck_assert(l.level);
	wr(s, IER, 0);
	ck_assert(!l.level);
	ck_assert_int_eq(l.calls, 4);
	ck_assert_uint_eq(nb_serial_input(s, NULL, 0), 0);
	nb_serial_free(s);
}
END_TEST

START_TEST(test_thri_and_iir_priority)
{
	struct irq_log l = {0};
	struct nb_serial *s = new_serial(-1, &l);

	/* Enabling THRI with THR empty interrupts at once; reading IIR acks it. */
	wr(s, IER, 0x02);
	ck_assert(l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x02);
	ck_assert(!l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	/* A THR write empties at once: THRE interrupts again. */
	put(s, "x");
	ck_assert(l.level);
	/* Re-enabling THRI re-arms it (Linux's THRE re-assert test). */
	ck_assert_uint_eq(rd(s, IIR), 0x02);
	wr(s, IER, 0x02);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	wr(s, IER, 0x00);
	wr(s, IER, 0x02);
	ck_assert_uint_eq(rd(s, IIR), 0x02);

	/* Received data outranks THRE, which is not acked meanwhile. */
	put(s, "y");
	wr(s, IER, 0x03);
	nb_serial_input(s, (const uint8_t *)"r", 1);
	ck_assert_uint_eq(rd(s, IIR), 0x04);
	ck_assert_uint_eq(rd(s, IIR), 0x04);
	ck_assert_uint_eq(rd(s, RBR), 'r');
	ck_assert(l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x02);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	ck_assert(!l.level);

	/* Disabling THRI drops a pending THRE interrupt. */
	put(s, "z");
	ck_assert(l.level);
	wr(s, IER, 0x01);
	ck_assert(!l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	nb_serial_free(s);
}
END_TEST

START_TEST(test_line_and_modem_status_interrupts)
{
	struct irq_log l = {0};
	struct nb_serial *s = new_serial(-1, &l);

	/* Overrun (loopback only) is the top priority, cleared by reading LSR. */
	wr(s, MCR, 0x10);
	ck_assert_uint_eq(rd(s, MSR), 0x0b); /* DCD, DSR, CTS fell */
	for (int i = 0; i <= NB_SERIAL_RX_FIFO_SIZE; i++)
		wr(s, RBR, (uint8_t)i);
	wr(s, IER, 0x0f);
	ck_assert(l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x06);
	ck_assert_uint_eq(rd(s, LSR), 0x63); /* DR, OE, THRE, TEMT */
	ck_assert_uint_eq(rd(s, LSR), 0x61);
	ck_assert_uint_eq(rd(s, IIR), 0x04);
	for (int i = 0; i < NB_SERIAL_RX_FIFO_SIZE; i++)
		ck_assert_uint_eq(rd(s, RBR), (uint8_t)i);
	ck_assert_uint_eq(rd(s, IIR), 0x02);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	ck_assert(!l.level);

	/* Modem lines follow MCR in loopback; a change interrupts if MSI. */
	wr(s, MCR, 0x10 | 0x01 | 0x04); /* DTR -> DSR, OUT1 -> RI */
	ck_assert(l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x00);
	ck_assert_uint_eq(rd(s, MSR), 0x62); /* DSR, RI, delta DSR */
	ck_assert(!l.level);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	wr(s, MCR, 0x10 | 0x02 | 0x08);	     /* RTS -> CTS, OUT2 -> DCD */
	ck_assert_uint_eq(rd(s, MSR), 0x9f); /* CTS, DCD; every delta, RI trailing edge */
	ck_assert_uint_eq(rd(s, MSR), 0x90);
	/* Leaving loopback: DCD, DSR, CTS asserted. */
	wr(s, MCR, 0x00);
	ck_assert_uint_eq(rd(s, MSR), 0xb2);
	ck_assert_uint_eq(rd(s, MSR), 0xb0);
	ck_assert_uint_eq(rd(s, MCR), 0x00);
	wr(s, MCR, 0xff);
	ck_assert_uint_eq(rd(s, MCR), 0x1f);
	nb_serial_free(s);
}
END_TEST

START_TEST(test_dlab_divisor_latch)
{
	struct irq_log l = {0};
	struct nb_serial *s;
	int fds[2];
	char buf[4];

	open_pipe(fds);
	s = new_serial(fds[1], &l);
	wr(s, IER, 0x05);
	nb_serial_input(s, (const uint8_t *)"q", 1);
	wr(s, LCR, 0x83);
	ck_assert_uint_eq(rd(s, DLL), 12); /* 9600 baud at reset */
	ck_assert_uint_eq(rd(s, DLM), 0);
	wr(s, DLL, 0x34);
	wr(s, DLM, 0x12);
	ck_assert_uint_eq(rd(s, DLL), 0x34);
	ck_assert_uint_eq(rd(s, DLM), 0x12);
	ck_assert_uint_eq(rd(s, LCR), 0x83);
	wr(s, LCR, 0x03);
	/* The latch hid THR/RBR and IER, which kept their contents. */
	ck_assert_uint_eq(rd(s, IER), 0x05);
	ck_assert_uint_eq(rd(s, RBR), 'q');
	ck_assert_int_eq(output(s, fds[0], buf, sizeof(buf)), 0);
	wr(s, LCR, 0x80);
	ck_assert_uint_eq(rd(s, DLL), 0x34);
	ck_assert_uint_eq(rd(s, DLM), 0x12);
	nb_serial_free(s);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_loopback)
{
	struct irq_log l = {0};
	struct nb_serial *s;
	int fds[2];
	char buf[4];

	open_pipe(fds);
	s = new_serial(fds[1], &l);
	wr(s, MCR, 0x10);
	put(s, "lo");
	ck_assert_int_eq(output(s, fds[0], buf, sizeof(buf)), 0);
	ck_assert_uint_eq(rd(s, LSR) & 0x01, 0x01);
	ck_assert_uint_eq(rd(s, RBR), 'l');
	ck_assert_uint_eq(rd(s, RBR), 'o');
	ck_assert_uint_eq(rd(s, LSR) & 0x01, 0);
	/* The input side is disconnected meanwhile. */
	ck_assert_uint_eq(nb_serial_rx_space(s), 0);
	ck_assert_uint_eq(nb_serial_input(s, (const uint8_t *)"in", 2), 0);
	ck_assert_uint_eq(rd(s, LSR) & 0x01, 0);
	wr(s, MCR, 0x03);
	ck_assert_uint_eq(nb_serial_rx_space(s), NB_SERIAL_RX_FIFO_SIZE);
	put(s, "out");
	ck_assert_int_eq(output(s, fds[0], buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "out", 3);
	nb_serial_free(s);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_fifo_overflow_and_control)
{
	struct irq_log l = {0};
	struct nb_serial *s = new_serial(-1, &l);
	uint8_t in[100];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	ck_assert_uint_eq(nb_serial_rx_space(s), NB_SERIAL_RX_FIFO_SIZE);
	ck_assert_uint_eq(nb_serial_input(s, in, sizeof(in)), NB_SERIAL_RX_FIFO_SIZE);
	ck_assert_uint_eq(nb_serial_rx_space(s), 0);
	ck_assert_uint_eq(nb_serial_input(s, in, 1), 0);
	ck_assert_uint_eq(rd(s, LSR), 0x61); /* accepted bytes never overrun */
	ck_assert_uint_eq(rd(s, RBR), 0);
	ck_assert_uint_eq(nb_serial_input(s, in + 64, 2), 1);
	for (int i = 1; i <= NB_SERIAL_RX_FIFO_SIZE; i++)
		ck_assert_uint_eq(rd(s, RBR), (uint8_t)i);
	ck_assert_uint_eq(rd(s, LSR), 0x60);

	/* FCR: enabling shows in IIR and resets the FIFO... */
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	nb_serial_input(s, in, 4);
	wr(s, FCR, 0x01);
	ck_assert_uint_eq(rd(s, IIR), 0xc1);
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	/* ...as does CLEAR_RCVR with ENABLE... */
	nb_serial_input(s, in, 4);
	wr(s, FCR, 0x01);
	ck_assert_uint_eq(rd(s, LSR), 0x61);
	wr(s, FCR, 0x07);
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	/* ...and disabling; without ENABLE the other bits do nothing. */
	nb_serial_input(s, in, 4);
	wr(s, FCR, 0x00);
	ck_assert_uint_eq(rd(s, IIR), 0x01);
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	nb_serial_input(s, in, 4);
	wr(s, FCR, 0x02);
	ck_assert_uint_eq(rd(s, LSR), 0x61);
	nb_serial_free(s);
}
END_TEST

START_TEST(test_garbage_accesses_are_harmless)
{
	static const uint64_t offsets[] = {8, 9, 0xff, 0xfff, 0x1000, UINT64_MAX};
	static const uint32_t lens[] = {2, 4, 8};
	struct irq_log l = {0};
	struct nb_serial *s;
	struct nb_mmio_bus bus;
	uint8_t buf[8];
	int fds[2];

	open_pipe(fds);
	s = new_serial(fds[1], &l);
	wr(s, SCR, 0x42);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		ck_assert_uint_eq(rd(s, offsets[i]), 0);
		wr(s, offsets[i], 0xff);
	}
	/* Only byte accesses are decoded. */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (uint64_t off = 0; off < 8; off++) {
			memset(buf, 0xff, sizeof(buf));
			nb_serial_mmio_ops.write(s, off, buf, lens[i]);
			nb_serial_mmio_ops.read(s, off, buf, lens[i]);
			for (uint32_t j = 0; j < lens[i]; j++)
				ck_assert_uint_eq(buf[j], 0);
		}
	}
	/* LSR and MSR ignore writes; IER keeps its four bits. */
	wr(s, LSR, 0x00);
	wr(s, MSR, 0x00);
	ck_assert_uint_eq(rd(s, LSR), 0x60);
	ck_assert_uint_eq(rd(s, MSR), 0xb0);
	wr(s, IER, 0xf0);
	ck_assert_uint_eq(rd(s, IER), 0x00);
	ck_assert_uint_eq(rd(s, SCR), 0x42);
	ck_assert_uint_eq(rd(s, LCR), 0x00);
	ck_assert_uint_eq(rd(s, MCR), 0x00);
	ck_assert_int_eq(l.calls, 0);
	ck_assert_int_eq(output(s, fds[0], (char *)buf, sizeof(buf)), 0);

	/* Through the bus, in its 4 KiB slot. */
	nb_mmio_bus_init(&bus);
	ck_assert_int_eq(
	    nb_mmio_bus_add(&bus, NB_SERIAL_BASE, NB_MMIO_SLOT_SIZE, &nb_serial_mmio_ops, s), 0);
	buf[0] = '!';
	ck_assert_int_eq(nb_mmio_bus_access(&bus, NB_SERIAL_BASE, buf, 1, true), 0);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, NB_SERIAL_BASE + 0xffc, buf, 4, true), 0);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, NB_SERIAL_BASE + 5, buf, 1, false), 0);
	ck_assert_uint_eq(buf[0], 0x60);
	ck_assert_int_eq(output(s, fds[0], (char *)buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], '!');
	nb_mmio_bus_destroy(&bus);
	nb_serial_free(s);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_failed_irq_update_is_retried)
{
	struct irq_log l = {.fail = 1};
	struct nb_serial *s = new_serial(-1, &l);

	wr(s, IER, 0x01);
	ck_assert_uint_eq(nb_serial_input(s, (const uint8_t *)"a", 1), 1);
	ck_assert_int_eq(l.calls, 0);
	ck_assert_int_eq(l.fail, 0);
	ck_assert_uint_eq(rd(s, SCR), 0);
	ck_assert_int_eq(l.calls, 1);
	ck_assert(l.level);
	nb_serial_free(s);
}
END_TEST

/* The probe sequence of Linux's 8250 autoconfig() and startup, in short. */
START_TEST(test_linux_8250_probe)
{
	struct irq_log l = {0};
	struct nb_serial *s = new_serial(-1, &l);
	uint8_t save, lsr, iir, iir1;

	save = rd(s, IER);
	wr(s, IER, 0);
	ck_assert_uint_eq(rd(s, IER) & 0x0f, 0);
	wr(s, IER, 0x0f);
	ck_assert_uint_eq(rd(s, IER) & 0x0f, 0x0f);
	wr(s, IER, save);

	save = rd(s, MCR);
	wr(s, MCR, 0x10 | 0x0a);
	ck_assert_uint_eq(rd(s, MSR) & 0xf0, 0x90);
	wr(s, MCR, save);

	wr(s, LCR, 0);
	wr(s, FCR, 0x01);
	ck_assert_uint_eq(rd(s, IIR) >> 6, 3); /* a 16550A */
	wr(s, LCR, 0x80);
	ck_assert_uint_ne(rd(s, IIR), 0); /* no EFR: not a 16650 */
	wr(s, LCR, 0xbf);
	ck_assert_uint_ne(rd(s, IIR), 0);
	wr(s, LCR, 0);
	wr(s, FCR, 0x01 | 0x20);
	ck_assert_uint_eq(rd(s, IIR) >> 5, 6); /* not a 16750 */
	wr(s, IER, 0x40);
	ck_assert_uint_eq(rd(s, IER) & 0x40, 0); /* not an XScale */
	wr(s, IER, 0);

	/* Startup: THRE must interrupt when enabled and re-assert. */
	wr(s, IER, 0x02);
	lsr = rd(s, LSR);
	iir1 = rd(s, IIR);
	wr(s, IER, 0);
	wr(s, IER, 0x02);
	iir = rd(s, IIR);
	wr(s, IER, 0);
	ck_assert(!((lsr & 0x40) && (iir1 & 0x01)));
	ck_assert(!(!(iir1 & 0x01) && (iir & 0x01)));
	ck_assert(!l.level);
	nb_serial_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("serial");
	TCase *tc = tcase_create("16550a");

	tcase_add_test(tc, test_thr_output_lands_in_pipe);
	tcase_add_test(tc, test_output_errors_are_ignored);
	tcase_add_test(tc, test_stalled_reader_never_blocks);
	tcase_add_test(tc, test_file_output_limit);
	tcase_add_test(tc, test_rx_room_is_signalled);
	tcase_add_test(tc, test_rx_fifo_and_interrupt);
	tcase_add_test(tc, test_thri_and_iir_priority);
	tcase_add_test(tc, test_line_and_modem_status_interrupts);
	tcase_add_test(tc, test_dlab_divisor_latch);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_fifo_overflow_and_control);
	tcase_add_test(tc, test_garbage_accesses_are_harmless);
	tcase_add_test(tc, test_failed_irq_update_is_retried);
	tcase_add_test(tc, test_linux_8250_probe);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
