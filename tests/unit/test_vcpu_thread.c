// SPDX-License-Identifier: Apache-2.0
/* The vCPU state machine with a fake KVM_RUN. */
#include <check.h>
#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>

#include "tests/unit/check_run.h"
#include "vmm/vcpu_thread.h"

struct fake {
	atomic_bool immediate_exit;
	atomic_bool mmio_pending;   /* an MMIO read handled, not yet completed by a run */
	atomic_bool parked_pending; /* seen pending when the vCPU was paused */
	atomic_int exits_left;	    /* exits before the guest powers off (-1: never) */
	atomic_int handled, exited_calls;
	bool fail_run;
};

/* As KVM: a pending MMIO read completes on entry, then immediate_exit exits. */
static enum nb_vcpu_run_result fake_run(void *ctx)
{
	struct fake *f = ctx;

	if (f->fail_run)
		return NB_VCPU_RUN_FAILED;
	atomic_store(&f->mmio_pending, false);
	for (int i = 0; i < 20; i++) {
		if (atomic_load(&f->immediate_exit))
			return NB_VCPU_RUN_KICKED;
		usleep(100); /* "the guest runs"; a signal cuts it short */
	}
	return NB_VCPU_RUN_EXIT; /* an MMIO read */
}

static bool fake_handle(void *ctx)
{
	struct fake *f = ctx;

	atomic_fetch_add(&f->handled, 1);
	atomic_store(&f->mmio_pending, true);
	if (atomic_load(&f->exits_left) < 0)
		return true;
	return atomic_fetch_sub(&f->exits_left, 1) > 1;
}

static void fake_set_ie(void *ctx, bool on)
{
	atomic_store(&((struct fake *)ctx)->immediate_exit, on);
}

static void fake_exited(void *ctx)
{
	atomic_fetch_add(&((struct fake *)ctx)->exited_calls, 1);
}

static const struct nb_vcpu_ops ops = {fake_run, fake_handle, fake_set_ie, fake_exited, NULL};

static void setup(void)
{
	sigset_t s;

	ck_assert_int_eq(nb_vcpu_thread_setup_signal(), 0);
	sigemptyset(&s);
	sigaddset(&s, NB_VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
}

START_TEST(pause_resume_exit)
{
	struct fake f[2] = {{.exits_left = -1}, {.exits_left = -1}};
	struct nb_vcpu_thread t[2];
	uint64_t e[2];

	setup();
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(nb_vcpu_thread_start(&t[i], &ops, &f[i]), 0);
	/*
	 * Each has run the guest to an exit once (on a loaded machine a 3 ms
	 * slice below may never be long enough for one).
	 */
	for (int i = 0, waited = 0; i < 2; i++)
		while (!atomic_load(&f[i].handled) && waited++ < 5000)
			usleep(1000);
	for (int round = 0; round < 20; round++) {
		ck_assert_int_eq(nb_vcpus_pause(t, 2, 5000), 0);
		for (int i = 0; i < 2; i++) {
			ck_assert_int_eq(nb_vcpu_thread_state(&t[i]), NB_VCPU_PAUSED);
			/* Parked only after KVM completed the pending MMIO read. */
			ck_assert(!atomic_load(&f[i].mmio_pending));
			e[i] = __atomic_load_n(&t[i].entries, __ATOMIC_SEQ_CST);
		}
		usleep(5000);
		for (int i = 0; i < 2; i++)
			ck_assert_uint_eq(__atomic_load_n(&t[i].entries, __ATOMIC_SEQ_CST), e[i]);
		ck_assert_int_eq(nb_vcpus_resume(t, 2, 5000), 0);
		for (int i = 0; i < 2; i++)
			ck_assert_int_eq(nb_vcpu_thread_state(&t[i]), NB_VCPU_RUNNING);
		usleep(3000);
	}
	ck_assert_int_gt(atomic_load(&f[0].handled), 0);
	nb_vcpus_exit(t, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(nb_vcpu_thread_state(&t[i]), NB_VCPU_EXITED);
		/* Told to exit: not an exit of its own. */
		ck_assert_int_eq(atomic_load(&f[i].exited_calls), 0);
	}
}
END_TEST

/* Exit while paused. */
START_TEST(exit_from_paused)
{
	struct fake f = {.exits_left = -1};
	struct nb_vcpu_thread t;

	setup();
	ck_assert_int_eq(nb_vcpu_thread_start(&t, &ops, &f), 0);
	ck_assert_int_eq(nb_vcpus_pause(&t, 1, 5000), 0);
	nb_vcpus_exit(&t, 1);
	ck_assert_int_eq(nb_vcpu_thread_state(&t), NB_VCPU_EXITED);
}
END_TEST

/* The guest powers off: the vCPU exits on its own and still answers commands. */
START_TEST(guest_exit_then_commands)
{
	struct fake f = {.exits_left = 3};
	struct nb_vcpu_thread t;

	setup();
	ck_assert_int_eq(nb_vcpu_thread_start(&t, &ops, &f), 0);
	for (int i = 0; i < 500 && atomic_load(&f.exited_calls) == 0; i++)
		usleep(2000);
	ck_assert_int_eq(atomic_load(&f.exited_calls), 1);
	ck_assert_int_eq(atomic_load(&f.handled), 3);
	ck_assert_int_eq(nb_vcpus_pause(&t, 1, 1000), 0);
	ck_assert_int_eq(nb_vcpu_thread_state(&t), NB_VCPU_EXITED);
	ck_assert_int_eq(nb_vcpus_resume(&t, 1, 1000), 0);
	nb_vcpus_exit(&t, 1);
}
END_TEST

START_TEST(run_failure)
{
	struct fake f = {.exits_left = -1, .fail_run = true};
	struct nb_vcpu_thread t;

	setup();
	ck_assert_int_eq(nb_vcpu_thread_start(&t, &ops, &f), 0);
	for (int i = 0; i < 500 && atomic_load(&f.exited_calls) == 0; i++)
		usleep(2000);
	ck_assert_int_eq(atomic_load(&f.exited_calls), 1);
	ck_assert_int_eq(nb_vcpu_thread_state(&t), NB_VCPU_EXITED);
	nb_vcpus_exit(&t, 1);
}
END_TEST

/* A thread_init that fails (a seccomp filter not installed): the vCPU never runs. */
static bool failing_init(void *ctx)
{
	(void)ctx;
	return false;
}

START_TEST(thread_init_failure)
{
	static const struct nb_vcpu_ops failing = {fake_run, fake_handle, fake_set_ie, fake_exited,
						   failing_init};
	struct fake f = {.exits_left = -1};
	struct nb_vcpu_thread t;

	setup();
	ck_assert_int_eq(nb_vcpu_thread_start(&t, &failing, &f), 0);
	for (int i = 0; i < 500 && atomic_load(&f.exited_calls) == 0; i++)
		usleep(2000);
	ck_assert_int_eq(atomic_load(&f.exited_calls), 1);
	ck_assert_int_eq(nb_vcpu_thread_state(&t), NB_VCPU_EXITED);
	ck_assert_uint_eq(t.entries, 0);
	ck_assert_int_eq(nb_vcpus_pause(&t, 1, 1000), 0);
	nb_vcpus_exit(&t, 1);
}
END_TEST

/* A vCPU stuck in the guest (its run ignores kicks) times the pause out. */
static enum nb_vcpu_run_result stuck_run(void *ctx)
{
	struct fake *f = ctx;

	atomic_fetch_add(&f->handled, 1); /* "in the guest" */
	while (!atomic_load(&f->parked_pending))
		usleep(1000);
	return NB_VCPU_RUN_KICKED;
}

START_TEST(pause_timeout)
{
	static const struct nb_vcpu_ops stuck = {stuck_run, fake_handle, fake_set_ie, NULL, NULL};
	struct fake f = {.exits_left = -1};
	struct nb_vcpu_thread t;

	setup();
	ck_assert_int_eq(nb_vcpu_thread_start(&t, &stuck, &f), 0);
	while (!atomic_load(&f.handled))
		usleep(1000);
	ck_assert_int_eq(nb_vcpus_pause(&t, 1, 50), -ETIMEDOUT);
	atomic_store(&f.parked_pending, true); /* it answers now */
	nb_vcpus_exit(&t, 1);
}
END_TEST

/* Started paused (a snapshot loaded without resume_vm): no entry until resumed. */
START_TEST(start_paused)
{
	struct fake f = {.exits_left = -1};
	struct nb_vcpu_thread t;

	setup();
	ck_assert_int_eq(nb_vcpu_thread_start_paused(&t, &ops, &f), 0);
	usleep(20000);
	ck_assert_int_eq(nb_vcpu_thread_state(&t), NB_VCPU_PAUSED);
	ck_assert_uint_eq(__atomic_load_n(&t.entries, __ATOMIC_SEQ_CST), 0);
	ck_assert_int_eq(nb_vcpus_resume(&t, 1, 5000), 0);
	for (int i = 0; i < 500 && !__atomic_load_n(&t.entries, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	ck_assert_uint_gt(__atomic_load_n(&t.entries, __ATOMIC_SEQ_CST), 0);
	nb_vcpus_exit(&t, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vcpu_thread");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pause_resume_exit);
	tcase_add_test(tc, exit_from_paused);
	tcase_add_test(tc, guest_exit_then_commands);
	tcase_add_test(tc, run_failure);
	tcase_add_test(tc, thread_init_failure);
	tcase_add_test(tc, pause_timeout);
	tcase_add_test(tc, start_paused);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
