// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/unit/check_run.h"
#include "vmm/event_manager.h"

struct rec {
	struct nb_evmgr *em;
	int calls;
	uint32_t events;
	int remove_fd; /* on the first call, remove this fd (-1: none) */
};

static void on_event(void *ctx, int fd, uint32_t events)
{
	struct rec *r = ctx;
	uint64_t v;

	r->calls++;
	r->events = events;
	if (events & EPOLLIN)
		ck_assert_int_eq(read(fd, &v, sizeof(v)), sizeof(v));
	if (r->remove_fd >= 0) {
		ck_assert_int_eq(nb_evmgr_remove(r->em, r->remove_fd), 0);
		r->remove_fd = -1;
	}
}

static int kick(int fd)
{
	uint64_t one = 1;

	return (int)write(fd, &one, sizeof(one));
}

START_TEST(add_dispatch_modify_remove)
{
	struct nb_evmgr em;
	struct rec r = {.em = &em, .remove_fd = -1};
	int fd = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_eq(nb_evmgr_init(&em), 0);
	ck_assert_int_eq(nb_evmgr_add(&em, fd, EPOLLIN, on_event, &r), 0);
	ck_assert_int_eq(nb_evmgr_add(&em, fd, EPOLLIN, on_event, &r), -EEXIST);
	ck_assert_int_eq(nb_evmgr_count(&em), 1);
	/* Nothing ready: a timeout, no callback. */
	ck_assert_int_eq(nb_evmgr_run_once(&em, 0), 0);
	ck_assert_int_eq(r.calls, 0);
	kick(fd);
	ck_assert_int_eq(nb_evmgr_run_once(&em, 1000), 1);
	ck_assert_int_eq(r.calls, 1);
	ck_assert(r.events & EPOLLIN);
	/* Watching for output instead: an eventfd is always writable. */
	ck_assert_int_eq(nb_evmgr_modify(&em, fd, EPOLLOUT), 0);
	ck_assert_int_eq(nb_evmgr_run_once(&em, 1000), 1);
	ck_assert(r.events & EPOLLOUT);
	ck_assert_int_eq(nb_evmgr_remove(&em, fd), 0);
	ck_assert_int_eq(nb_evmgr_remove(&em, fd), -ENOENT);
	ck_assert_int_eq(nb_evmgr_modify(&em, fd, EPOLLIN), -ENOENT);
	ck_assert_int_eq(nb_evmgr_count(&em), 0);
	ck_assert_int_eq(nb_evmgr_run_once(&em, 0), 0);
	ck_assert_int_eq(r.calls, 2);
	nb_evmgr_destroy(&em);
	close(fd);
}
END_TEST

/* A callback removing another subscriber whose event is in the same batch. */
START_TEST(remove_during_dispatch)
{
	struct nb_evmgr em;
	struct rec a = {.em = &em}, b = {.em = &em};
	int fa = eventfd(0, EFD_NONBLOCK), fb = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_eq(nb_evmgr_init(&em), 0);
	a.remove_fd = fb;
	b.remove_fd = fa;
	ck_assert_int_eq(nb_evmgr_add(&em, fa, EPOLLIN, on_event, &a), 0);
	ck_assert_int_eq(nb_evmgr_add(&em, fb, EPOLLIN, on_event, &b), 0);
	kick(fa);
	kick(fb);
	nb_evmgr_run_once(&em, 1000);
	/* Whichever ran first removed the other, which did not run. */
	ck_assert_int_eq(a.calls + b.calls, 1);
	ck_assert_int_eq(nb_evmgr_count(&em), 1);
	nb_evmgr_destroy(&em);
	close(fa);
	close(fb);
}
END_TEST

/* Removing itself and adding again from a callback, through the ops. */
static void readd(void *ctx, int fd, uint32_t events)
{
	struct nb_event_ops *ops = ctx;
	uint64_t v;

	(void)events;
	ck_assert_int_eq(read(fd, &v, sizeof(v)), sizeof(v));
	ck_assert_int_eq(nb_event_remove(ops, fd), 0);
	ck_assert_int_eq(nb_event_add(ops, fd, EPOLLIN, readd, ctx), 0);
	ck_assert_int_eq(nb_event_modify(ops, fd, EPOLLIN), 0);
}

START_TEST(ops_from_callback)
{
	struct nb_evmgr em;
	struct nb_event_ops ops;
	int fd = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_eq(nb_evmgr_init(&em), 0);
	ops = nb_evmgr_ops(&em);
	ck_assert_int_eq(nb_event_add(&ops, fd, EPOLLIN, readd, &ops), 0);
	for (int i = 0; i < 3; i++) {
		kick(fd);
		ck_assert_int_eq(nb_evmgr_run_once(&em, 1000), 1);
	}
	ck_assert_int_eq(nb_evmgr_count(&em), 1);
	nb_evmgr_destroy(&em);
	close(fd);
}
END_TEST

START_TEST(bad_fds_and_failed_wait)
{
	struct nb_evmgr em;
	struct rec r = {.remove_fd = -1};
	int fd = eventfd(0, 0);

	ck_assert_int_eq(nb_evmgr_init(&em), 0);
	ck_assert_int_eq(nb_evmgr_add(&em, -1, EPOLLIN, on_event, &r), -EBADF);
	ck_assert_int_eq(nb_evmgr_add(&em, fd, EPOLLIN, NULL, &r), -EBADF);
	close(fd);
	ck_assert_int_eq(nb_evmgr_add(&em, fd, EPOLLIN, on_event, &r), -EBADF);
	ck_assert_int_eq(nb_evmgr_count(&em), 0);
	/* A wait that fails is an error the caller sees, not a quiet 0. */
	close(em.epfd);
	ck_assert_int_eq(nb_evmgr_run_once(&em, 0), -EBADF);
	em.epfd = -1;
	nb_evmgr_destroy(&em);
}
END_TEST

/*
 * Another thread (a vCPU activating or resetting a device) adds and removes
 * ready fds while the loop runs: no event reaches a removed subscription,
 * nothing is used after it is freed (ASan watches).
 */
struct churn {
	struct nb_evmgr *em;
	int fds[4];
	atomic_bool stop;
	struct rec recs[4];
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;

	for (int i = 0; i < 2000; i++) {
		int k = i % 4;

		c->recs[k] = (struct rec){.em = c->em, .remove_fd = -1};
		if (nb_evmgr_add(c->em, c->fds[k], EPOLLIN, on_event, &c->recs[k]) == 0)
			nb_evmgr_remove(c->em, c->fds[k]);
	}
	atomic_store(&c->stop, true);
	return NULL;
}

static void on_ready(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)fd;
	(void)events;
}

START_TEST(add_remove_from_another_thread)
{
	struct nb_evmgr em;
	struct churn c = {.em = &em};
	int always = eventfd(1, EFD_NONBLOCK); /* always readable: the loop spins */
	pthread_t t;

	ck_assert_int_eq(nb_evmgr_init(&em), 0);
	for (int k = 0; k < 4; k++) {
		c.fds[k] = eventfd(1, EFD_NONBLOCK); /* ready: events come at once */
		ck_assert_int_ge(c.fds[k], 0);
	}
	ck_assert_int_eq(nb_evmgr_add(&em, always, EPOLLIN, on_ready, NULL), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, churn_thread, &c), 0);
	while (!atomic_load(&c.stop))
		ck_assert_int_ge(nb_evmgr_run_once(&em, 10), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(nb_evmgr_count(&em), 1);
	nb_evmgr_destroy(&em);
	for (int k = 0; k < 4; k++)
		close(c.fds[k]);
	close(always);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("event_manager");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, add_dispatch_modify_remove);
	tcase_add_test(tc, remove_during_dispatch);
	tcase_add_test(tc, ops_from_callback);
	tcase_add_test(tc, bad_fds_and_failed_wait);
	tcase_add_test(tc, add_remove_from_another_thread);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
