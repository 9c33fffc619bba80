// SPDX-License-Identifier: Apache-2.0
/*
 * The console on a minimal epoll loop (the test's own struct nb_event_ops),
 * with real pipes: a stalled output reader, input larger than the FIFO, an
 * output file's byte limit, the last flush, inputs epoll cannot watch, and a
 * terminal's raw mode.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "arch/aarch64/layout.h"
#include "tests/unit/check_run.h"
#include "tests/unit/fill_pipe.h"
#include "tests/unit/irq_log.h"
#include "vmm/console.h"

enum { RBR, IER, IIR, LCR, MCR, LSR };

/* --- a minimal event loop ---------------------------------------------------- */

#define LOOP_SLOTS 64

struct loop {
	int epfd;
	int nr; /* slots are never reused: a stale event cannot misfire */
	struct {
		int fd;
		uint32_t events;
		nb_event_fn fn;
		void *ctx;
	} slot[LOOP_SLOTS];
};

static int loop_find(struct loop *l, int fd)
{
	for (int i = 0; i < l->nr; i++)
		if (l->slot[i].fd == fd)
			return i;
	return -1;
}

static int loop_add(void *opaque, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct loop *l = opaque;
	struct epoll_event e = {.events = events};

	if (loop_find(l, fd) >= 0)
		return -EEXIST;
	ck_assert_int_lt(l->nr, LOOP_SLOTS);
	e.data.u32 = (uint32_t)l->nr;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		return -errno;
	l->slot[l->nr].fd = fd;
	l->slot[l->nr].events = events;
	l->slot[l->nr].fn = fn;
	l->slot[l->nr].ctx = ctx;
	l->nr++;
	return 0;
}

static int loop_modify(void *opaque, int fd, uint32_t events)
{
	struct loop *l = opaque;
	int i = loop_find(l, fd);
	struct epoll_event e = {.events = events, .data.u32 = (uint32_t)i};

	if (i < 0)
		return -ENOENT;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &e) < 0)
		return -errno;
	l->slot[i].events = events;
	return 0;
}

static int loop_remove(void *opaque, int fd)
{
	struct loop *l = opaque;
	int i = loop_find(l, fd);

	if (i < 0)
		return -ENOENT;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->slot[i].fd = -1;
	return 0;
}

static void loop_init(struct loop *l, struct nb_event_ops *ops)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(l->epfd, 0);
	*ops = (struct nb_event_ops){loop_add, loop_modify, loop_remove, l};
}

/* Runs one round of callbacks; returns how many events there were. */
static int loop_run(struct loop *l, int timeout_ms)
{
	struct epoll_event e[16];
	int n = epoll_wait(l->epfd, e, 16, timeout_ms);

	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		int s = (int)e[i].data.u32;

		if (l->slot[s].fd >= 0)
			l->slot[s].fn(l->slot[s].ctx, l->slot[s].fd, e[i].events);
	}
	return n;
}

/* Runs until no event comes for a while; fails if the loop spins. */
static void loop_settle(struct loop *l)
{
	int rounds = 0;

	while (loop_run(l, 20) > 0)
		ck_assert_int_lt(++rounds, 1000);
}

static bool loop_watches(struct loop *l, int fd, uint32_t events)
{
	int i = loop_find(l, fd);

	return i >= 0 && (l->slot[i].events & events);
}

static int loop_count(struct loop *l)
{
	int n = 0;

	for (int i = 0; i < l->nr; i++)
		n += l->slot[i].fd >= 0;
	return n;
}

static void loop_destroy(struct loop *l)
{
	close(l->epfd);
}

/* --- helpers --------------------------------------------------------------- */

static struct irq_log irq;

static struct nb_serial *serial_to(int out_fd, uint64_t limit)
{
	struct nb_serial *s;

	s = nb_serial_new_limited(out_fd, irq_log_line(&irq, NB_SPI_SERIAL), limit);

	ck_assert_ptr_nonnull(s);
	return s;
}

static uint8_t rd(struct nb_serial *s, uint64_t off)
{
	uint8_t b = 0;

	nb_serial_mmio_ops.read(s, off, &b, 1);
	return b;
}

static void wr(struct nb_serial *s, uint64_t off, uint8_t v)
{
	nb_serial_mmio_ops.write(s, off, &v, 1);
}

static struct nb_console_stats stats(struct nb_console *c)
{
	struct nb_console_stats st;

	nb_console_stats(c, &st);
	return st;
}

static int pipe_queued(int rfd)
{
	int n = -1;

	ck_assert_int_eq(ioctl(rfd, FIONREAD, &n), 0);
	return n;
}

static char pattern(size_t i)
{
	return (char)('A' + i % 23);
}

/* The guest reads the FIFO until @len bytes came, running the loop between. */
static void guest_reads(struct loop *l, struct nb_serial *s, char *got, size_t len)
{
	size_t have = 0;
	int idle = 0;

	while (have < len) {
		if (rd(s, LSR) & 0x01) {
			got[have++] = (char)rd(s, RBR);
			idle = 0;
		} else {
			ck_assert_int_lt(idle++, 50);
			loop_run(l, 20);
		}
	}
}

/* --- tests ----------------------------------------------------------------- */

/*
 * stdout is a pipe (blocking, shared with the shell) that is full and never
 * read. The guest writes more than the buffer: no write blocks, the loop is
 * not blocked, the excess is counted, and once the reader reads, everything
 * buffered arrives in order and the console stops watching EPOLLOUT.
 */
START_TEST(test_stalled_reader_blocks_nothing)
{
	enum { TOTAL = NB_SERIAL_OUT_BUF_SIZE * 2 + 123 };
	static char got[NB_SERIAL_OUT_BUF_SIZE];
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;
	struct nb_console *c;
	struct nb_console_stats st;
	size_t filled, skipped = 0, have = 0;
	char buf[8192];
	int out[2];
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	loop_init(&l, &ops);
	ck_assert_int_eq(pipe(out), 0);
	filled = fill_pipe(out[1]);
	s = serial_to(out[1], 0);
	c = nb_console_new(s, -1, &ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(loop_count(&l), 2); /* the two eventfds */

	alarm(20); /* a blocking write or drain would end the test here */
	for (size_t i = 0; i < TOTAL; i++) {
		wr(s, RBR, (uint8_t)pattern(i));
		if (i % 4096 == 0)
			loop_run(&l, 0);
	}
	loop_settle(&l);
	alarm(0);
	ck_assert(loop_watches(&l, out[1], EPOLLOUT));
	st = stats(c);
	ck_assert_uint_eq(st.out.written, 0);
	ck_assert_uint_eq(st.out.pending, NB_SERIAL_OUT_BUF_SIZE);
	ck_assert_uint_eq(st.out.dropped_full, TOTAL - NB_SERIAL_OUT_BUF_SIZE);
	ck_assert_int_eq(nb_console_flush(c), -EAGAIN); /* at exit: never blocks */

	/* The reader wakes up. */
	ck_assert_int_eq(fcntl(out[0], F_SETFL, O_NONBLOCK), 0);
	while (have < sizeof(got)) {
		loop_run(&l, 20);
		n = read(out[0], buf, sizeof(buf));
		ck_assert(n > 0 || errno == EAGAIN);
		for (ssize_t i = 0; i < n; i++) {
			if (skipped < filled)
				skipped++;
			else
				got[have++] = buf[i];
		}
	}
	for (size_t i = 0; i < sizeof(got); i++)
		ck_assert_int_eq(got[i], pattern(i));
	loop_settle(&l);
	ck_assert(!loop_watches(&l, out[1], EPOLLOUT));
	st = stats(c);
	ck_assert_uint_eq(st.out.written, NB_SERIAL_OUT_BUF_SIZE);
	ck_assert_uint_eq(st.out.pending, 0);

	/* Output flows again, through the eventfd alone. */
	wr(s, RBR, 'k');
	loop_settle(&l);
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], 'k');

	nb_console_free(c);
	ck_assert_int_eq(loop_count(&l), 0);
	nb_serial_free(s);
	close(out[0]);
	close(out[1]);
	loop_destroy(&l);
}
END_TEST

/*
 * Input larger than the FIFO: the console stops reading the pipe while the
 * FIFO is full (the rest waits in the pipe, not lost) and resumes as the
 * guest reads, until every byte arrived in order; at the end of the input it
 * stops watching it.
 */
START_TEST(test_input_back_pressure)
{
	enum { TOTAL = 5000 };
	static char sent[TOTAL], got[TOTAL];
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;
	struct nb_console *c;
	struct nb_console_stats st;
	int in[2];

	loop_init(&l, &ops);
	ck_assert_int_eq(pipe(in), 0);
	for (size_t i = 0; i < TOTAL; i++)
		sent[i] = pattern(i * 7);
	ck_assert_int_eq(write(in[1], sent, TOTAL), TOTAL);
	s = serial_to(-1, 0);
	wr(s, IER, 0x01);
	c = nb_console_new(s, in[0], &ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert(loop_watches(&l, in[0], EPOLLIN));

	/* The guest does not read yet: the FIFO fills, then reading stops. */
	loop_settle(&l);
	ck_assert(!loop_watches(&l, in[0], EPOLLIN));
	st = stats(c);
	ck_assert_uint_eq(st.in_bytes, 2 * NB_SERIAL_RX_FIFO_SIZE);
	ck_assert_uint_eq(st.in_pending, NB_SERIAL_RX_FIFO_SIZE);
	ck_assert_int_eq(pipe_queued(in[0]), TOTAL - 2 * NB_SERIAL_RX_FIFO_SIZE);
	ck_assert(irq.level);

	/* The guest reads: everything arrives, in order. */
	guest_reads(&l, s, got, TOTAL);
	ck_assert_mem_eq(got, sent, TOTAL);
	ck_assert_int_eq(pipe_queued(in[0]), 0);
	st = stats(c);
	ck_assert_uint_eq(st.in_bytes, TOTAL);
	ck_assert_uint_eq(st.in_pending, 0);
	ck_assert(loop_watches(&l, in[0], EPOLLIN));

	/* More input later, then its end: no longer watched, no spinning. */
	ck_assert_int_eq(write(in[1], "end", 3), 3);
	close(in[1]);
	loop_settle(&l);
	guest_reads(&l, s, got, 3);
	ck_assert_mem_eq(got, "end", 3);
	loop_settle(&l);
	ck_assert_int_eq(loop_find(&l, in[0]), -1);
	ck_assert_int_eq(loop_run(&l, 0), 0);

	nb_console_free(c);
	ck_assert_int_eq(loop_count(&l), 0);
	nb_serial_free(s);
	close(in[0]);
	loop_destroy(&l);
}
END_TEST

/*
 * serial.output_path: at most the limit reaches the file, the rest is
 * counted, and the console says so once.
 */
START_TEST(test_output_file_limit)
{
	enum { LIMIT = 1000, TOTAL = 5000 };
	static const char said[] = "nestbox: serial output: reached its limit of 1000 bytes: "
				   "further console output is dropped\n";
	char path[] = "/tmp/nb-console-XXXXXX";
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;
	struct nb_console *c;
	struct nb_console_stats st;
	struct stat sb;
	char *text = NULL;
	size_t size = 0;
	FILE *log = open_memstream(&text, &size);
	int fd = mkstemp(path);

	ck_assert_ptr_nonnull(log);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	loop_init(&l, &ops);
	s = serial_to(fd, LIMIT);
	c = nb_console_new(s, -1, &ops, log);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < TOTAL; i++) {
		wr(s, RBR, 'x');
		if (i % 300 == 0)
			loop_run(&l, 0);
	}
	loop_settle(&l);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	ck_assert_int_eq(sb.st_size, LIMIT);
	st = stats(c);
	ck_assert_uint_eq(st.out.written, LIMIT);
	ck_assert_uint_eq(st.out.dropped_limit, TOTAL - LIMIT);
	ck_assert_uint_eq(st.out.pending, 0);
	fflush(log);
	ck_assert_str_eq(text, said);
	/* More output: counted, said no more. */
	for (int i = 0; i < 100; i++)
		wr(s, RBR, 'y');
	loop_settle(&l);
	ck_assert_int_eq(nb_console_flush(c), 0);
	fflush(log);
	ck_assert_str_eq(text, said);
	ck_assert_uint_eq(stats(c).out.dropped_limit, TOTAL - LIMIT + 100);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	ck_assert_int_eq(sb.st_size, LIMIT);

	nb_console_free(c);
	nb_serial_free(s);
	close(fd);
	fclose(log);
	free(text);
	loop_destroy(&l);
}
END_TEST

/* What the guest wrote last, with no loop round after it, goes out at exit. */
START_TEST(test_flush_at_exit)
{
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;
	struct nb_console *c;
	char buf[16];
	int out[2];

	loop_init(&l, &ops);
	ck_assert_int_eq(pipe(out), 0);
	s = serial_to(out[1], 0);
	/* Written before the console exists: drained when it starts. */
	wr(s, RBR, '<');
	c = nb_console_new(s, -1, &ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 1);
	ck_assert_int_eq(buf[0], '<');
	wr(s, RBR, 'b');
	wr(s, RBR, 'y');
	wr(s, RBR, 'e');
	ck_assert_int_eq(nb_console_flush(c), 0);
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "bye", 3);
	ck_assert_int_eq(loop_run(&l, 0), 0); /* the flush cleared the eventfd */
	nb_console_free(c);
	nb_serial_free(s);
	close(out[0]);
	close(out[1]);
	loop_destroy(&l);
}
END_TEST

/*
 * Inputs epoll cannot watch: /dev/null ends at once; a regular file is fed
 * as the guest reads, completely.
 */
START_TEST(test_unpollable_inputs)
{
	enum { TOTAL = 1000 };
	static char sent[TOTAL], got[TOTAL];
	char path[] = "/tmp/nb-console-in-XXXXXX";
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;
	struct nb_console *c;
	int fd;

	loop_init(&l, &ops);
	s = serial_to(-1, 0);
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	c = nb_console_new(s, fd, &ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(loop_count(&l), 2);
	ck_assert_uint_eq(nb_serial_rx_space(s), NB_SERIAL_RX_FIFO_SIZE);
	nb_console_free(c);
	close(fd);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	for (size_t i = 0; i < TOTAL; i++)
		sent[i] = pattern(i * 3);
	ck_assert_int_eq(write(fd, sent, TOTAL), TOTAL);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	c = nb_console_new(s, fd, &ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(nb_serial_rx_space(s), 0);
	guest_reads(&l, s, got, TOTAL);
	ck_assert_mem_eq(got, sent, TOTAL);
	loop_settle(&l);
	ck_assert_uint_eq(stats(c).in_bytes, TOTAL);
	nb_console_free(c);
	nb_serial_free(s);
	close(fd);
	loop_destroy(&l);
}
END_TEST

/* A terminal as input: raw while the console lives, restored after. */
START_TEST(test_terminal_raw_mode)
{
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;
	struct nb_console *c;
	struct termios before, during, after;
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;

	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	ck_assert_int_eq(tcgetattr(slave, &before), 0);
	ck_assert(before.c_lflag & ICANON);

	loop_init(&l, &ops);
	s = serial_to(-1, 0);
	c = nb_console_new(s, slave, &ops, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(tcgetattr(slave, &during), 0);
	ck_assert(!(during.c_lflag & (ICANON | ECHO | ISIG)));
	ck_assert(during.c_oflag & OPOST);
	/* A key arrives as typed, no newline needed. */
	ck_assert_int_eq(write(master, "q", 1), 1);
	loop_settle(&l);
	ck_assert_uint_eq(rd(s, LSR) & 0x01, 0x01);
	ck_assert_uint_eq(rd(s, RBR), 'q');
	nb_console_free(c);
	ck_assert_int_eq(tcgetattr(slave, &after), 0);
	ck_assert_uint_eq(after.c_lflag, before.c_lflag);
	ck_assert_uint_eq(after.c_iflag, before.c_iflag);
	nb_serial_free(s);
	close(slave);
	close(master);
	loop_destroy(&l);
}
END_TEST

/* A loop that refuses: nothing stays registered. */
static int refuse_second(void *opaque, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct loop *l = opaque;

	if (loop_count(l) == 1)
		return -ENOMEM;
	return loop_add(opaque, fd, events, fn, ctx);
}

START_TEST(test_new_fails_cleanly)
{
	struct nb_event_ops ops;
	struct loop l;
	struct nb_serial *s;

	loop_init(&l, &ops);
	ops.add = refuse_second;
	s = serial_to(-1, 0);
	errno = 0;
	ck_assert_ptr_null(nb_console_new(s, -1, &ops, NULL));
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(loop_count(&l), 0);
	nb_serial_free(s);
	loop_destroy(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("console");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stalled_reader_blocks_nothing);
	tcase_add_test(tc, test_input_back_pressure);
	tcase_add_test(tc, test_output_file_limit);
	tcase_add_test(tc, test_flush_at_exit);
	tcase_add_test(tc, test_unpollable_inputs);
	tcase_add_test(tc, test_terminal_raw_mode);
	tcase_add_test(tc, test_new_fails_cleanly);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
