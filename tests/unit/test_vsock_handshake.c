// SPDX-License-Identifier: Apache-2.0
/*
 * The hybrid vsock's handshake deadline (devices/vsock_mux.h) on a real
 * epoll loop and real Unix sockets: a client that sends nothing, or only
 * part of its "CONNECT <port>\n" line, is closed once its time is up; one
 * that sends its line in time becomes a connection and stays; deadlines
 * that come one after another each fire; nothing waits on the clients.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "devices/vsock_mux.h"
#include "tests/unit/check_run.h"
#include "tests/unit/epoll_loop.h"

#define TIMEOUT_MS 100

static struct test_loop loop;
static struct nb_event_ops ev;
static struct nb_vsock_mux *m;
static char dir[64], path[100];

static void lock(void *ctx)
{
	(void)ctx;
}

static void rx_ready(void *ctx)
{
	(void)ctx;
}

static void setup(void)
{
	struct nb_vsock_mux_hooks hooks = {.lock = lock, .unlock = lock, .rx_ready = rx_ready};
	char err[256];

	ck_assert_int_eq(test_loop_init(&loop), 0);
	ev = test_loop_ops(&loop);
	snprintf(dir, sizeof(dir), "/tmp/nb-vsock-hs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/v.sock", dir);
	ck_assert_int_eq(nb_vsock_mux_new(&m, 3, path, &ev, &hooks, err, sizeof(err)), 0);
	nb_vsock_mux_set_handshake_timeout(m, TIMEOUT_MS);
	ck_assert_int_eq(nb_vsock_mux_start(m), 0);
}

static void teardown(void)
{
	nb_vsock_mux_free(m);
	close(loop.epfd);
	rmdir(dir);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the loop for about @ms. */
static void run_for(unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		loop_run(&loop, (int)(end - now_ms()) + 1);
}

/* A client connected to uds_path that sent @line (NULL: nothing). */
static int client(const char *line)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (line)
		ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	return fd;
}

/* Whether the mux closed the client's socket (EOF), without waiting. */
static bool closed(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static struct nb_vsock_mux_stats stats(void)
{
	struct nb_vsock_mux_stats s;

	nb_vsock_mux_get_stats(m, &s);
	return s;
}

START_TEST(test_silent_and_partial_dropped)
{
	int silent = client(NULL), partial = client("CONNECT 5"), good;
	uint64_t t0 = now_ms();

	run_for(20);
	good = client("CONNECT 7\n");
	run_for(20);
	ck_assert_uint_eq(nb_vsock_mux_nr_conns(m), 1);
	ck_assert(!closed(silent) && !closed(partial) && !closed(good));
	/* Past the deadline: the two are closed, the connection stays. */
	run_for(TIMEOUT_MS);
	ck_assert(closed(silent));
	ck_assert(closed(partial));
	ck_assert(!closed(good));
	ck_assert_uint_eq(nb_vsock_mux_nr_conns(m), 1);
	ck_assert_uint_eq(stats().handshake_timeouts, 2);
	ck_assert_uint_eq(stats().bad_handshakes, 0);
	/* Bounded: the loop never waited on a client. */
	ck_assert_uint_lt(now_ms() - t0, 1000);
	/* Later clients get their own time. */
	close(silent);
	silent = client(NULL);
	run_for(TIMEOUT_MS / 2);
	ck_assert(!closed(silent));
	run_for(TIMEOUT_MS);
	ck_assert(closed(silent));
	ck_assert_uint_eq(stats().handshake_timeouts, 3);
	close(silent);
	close(partial);
	close(good);
}
END_TEST

START_TEST(test_staggered_deadlines)
{
	int a = client(NULL), b;

	run_for(TIMEOUT_MS / 2);
	b = client("CONN");
	/* a's deadline: a goes, b (half its time left) stays. */
	run_for(TIMEOUT_MS / 2 + 20);
	ck_assert(closed(a));
	ck_assert(!closed(b));
	ck_assert_uint_eq(stats().handshake_timeouts, 1);
	/* The timer was armed again for b. */
	run_for(TIMEOUT_MS / 2);
	ck_assert(closed(b));
	ck_assert_uint_eq(stats().handshake_timeouts, 2);
	close(a);
	close(b);
}
END_TEST

START_TEST(test_line_completed_in_time)
{
	int fd = client("CONNECT ");

	run_for(TIMEOUT_MS / 2);
	ck_assert_int_eq(write(fd, "42\n", 3), 3);
	run_for(TIMEOUT_MS);
	/* The line came in time: a connection (waiting for the guest). */
	ck_assert(!closed(fd));
	ck_assert_uint_eq(nb_vsock_mux_nr_conns(m), 1);
	ck_assert_uint_eq(stats().handshake_timeouts, 0);
	/* A stop drops everything and disarms; a start arms again. */
	nb_vsock_mux_stop(m);
	ck_assert(closed(fd));
	close(fd);
	ck_assert_int_eq(nb_vsock_mux_start(m), 0);
	fd = client(NULL);
	run_for(TIMEOUT_MS + 30);
	ck_assert(closed(fd));
	ck_assert_uint_eq(stats().handshake_timeouts, 1);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vsock_handshake");
	TCase *tc = tcase_create("deadline");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_silent_and_partial_dropped);
	tcase_add_test(tc, test_staggered_deadlines);
	tcase_add_test(tc, test_line_completed_in_time);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
