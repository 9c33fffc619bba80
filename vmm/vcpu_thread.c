// SPDX-License-Identifier: Apache-2.0
#include "vmm/vcpu_thread.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static void kick_handler(int sig)
{
	(void)sig;
}

int nb_vcpu_thread_setup_signal(void)
{
	struct sigaction sa = {.sa_handler = kick_handler};

	sigemptyset(&sa.sa_mask);
	return sigaction(NB_VCPU_KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

/* Lock held. Takes the pending command; false when the thread must end. */
static bool take_commands(struct nb_vcpu_thread *t)
{
	for (;;) {
		switch (t->cmd) {
		case NB_VCPU_CMD_PAUSE:
			t->state = NB_VCPU_PAUSED;
			break;
		case NB_VCPU_CMD_RESUME:
			t->state = NB_VCPU_RUNNING;
			break;
		case NB_VCPU_CMD_EXIT:
			t->state = NB_VCPU_EXITED;
			t->cmd = NB_VCPU_CMD_NONE;
			pthread_cond_broadcast(&t->cond);
			return false;
		case NB_VCPU_CMD_NONE:
			if (t->state == NB_VCPU_RUNNING)
				return true;
			pthread_cond_wait(&t->cond, &t->lock);
			continue;
		}
		t->cmd = NB_VCPU_CMD_NONE;
		pthread_cond_broadcast(&t->cond);
	}
}

static enum nb_vcpu_run_result enter(struct nb_vcpu_thread *t)
{
	enum nb_vcpu_run_result r = t->ops->run(t->ctx);

	__atomic_add_fetch(&t->entries, 1, __ATOMIC_RELAXED);
	return r;
}

static void *vcpu_main(void *arg)
{
	struct nb_vcpu_thread *t = arg;
	sigset_t kick;
	bool waiting;

	if (t->ops->thread_init && !t->ops->thread_init(t->ctx))
		goto done;
	sigemptyset(&kick);
	sigaddset(&kick, NB_VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	for (;;) {
		pthread_mutex_lock(&t->lock);
		if (!take_commands(t)) {
			pthread_mutex_unlock(&t->lock);
			return NULL; /* told to exit */
		}
		pthread_mutex_unlock(&t->lock);

		switch (enter(t)) {
		case NB_VCPU_RUN_KICKED:
			t->ops->set_immediate_exit(t->ctx, false);
			continue;
		case NB_VCPU_RUN_FAILED:
			goto done;
		case NB_VCPU_RUN_EXIT:
			break;
		}
		if (!t->ops->handle_exit(t->ctx))
			goto done;
		pthread_mutex_lock(&t->lock);
		waiting = t->cmd != NB_VCPU_CMD_NONE;
		pthread_mutex_unlock(&t->lock);
		if (waiting) {
			/* Let KVM finish the exit (an MMIO read's data) before parking. */
			t->ops->set_immediate_exit(t->ctx, true);
			if (enter(t) == NB_VCPU_RUN_EXIT && !t->ops->handle_exit(t->ctx))
				goto done;
			t->ops->set_immediate_exit(t->ctx, false);
		}
	}
done:
	if (t->ops->exited)
		t->ops->exited(t->ctx);
	pthread_mutex_lock(&t->lock);
	t->state = NB_VCPU_EXITED;
	t->cmd = NB_VCPU_CMD_NONE;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static int start(struct nb_vcpu_thread *t, const struct nb_vcpu_ops *ops, void *ctx, bool paused)
{
	pthread_condattr_t ca;
	int r;

	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->ctx = ctx;
	t->state = paused ? NB_VCPU_PAUSED : NB_VCPU_RUNNING;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	r = pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (r)
		return -r;
	r = pthread_mutex_init(&t->lock, NULL);
	if (r) {
		pthread_cond_destroy(&t->cond);
		return -r;
	}
	r = pthread_create(&t->thread, NULL, vcpu_main, t);
	if (r) {
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->cond);
		return -r;
	}
	t->started = true;
	return 0;
}

int nb_vcpu_thread_start(struct nb_vcpu_thread *t, const struct nb_vcpu_ops *ops, void *ctx)
{
	return start(t, ops, ctx, false);
}

int nb_vcpu_thread_start_paused(struct nb_vcpu_thread *t, const struct nb_vcpu_ops *ops, void *ctx)
{
	return start(t, ops, ctx, true);
}

static void kick(struct nb_vcpu_thread *t)
{
	t->ops->set_immediate_exit(t->ctx, true);
	pthread_kill(t->thread, NB_VCPU_KICK_SIGNAL);
}

/* Sends @cmd to every started vCPU, kicks them out of the guest if @kick. */
static int command(struct nb_vcpu_thread *ts, uint32_t n, enum nb_vcpu_cmd cmd, bool do_kick,
		   int timeout_ms)
{
	struct timespec deadline;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct nb_vcpu_thread *t = &ts[i];
		bool live;

		if (!t->started)
			continue;
		pthread_mutex_lock(&t->lock);
		live = t->state != NB_VCPU_EXITED;
		if (live)
			t->cmd = cmd;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		if (live && do_kick)
			kick(t);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct nb_vcpu_thread *t = &ts[i];

		if (!t->started)
			continue;
		pthread_mutex_lock(&t->lock);
		while (t->state != NB_VCPU_EXITED && t->cmd != NB_VCPU_CMD_NONE) {
			if (timeout_ms < 0) {
				pthread_cond_wait(&t->cond, &t->lock);
			} else if (pthread_cond_timedwait(&t->cond, &t->lock, &deadline) ==
				   ETIMEDOUT) {
				ret = -ETIMEDOUT;
				break;
			}
		}
		pthread_mutex_unlock(&t->lock);
	}
	return ret;
}

int nb_vcpus_pause(struct nb_vcpu_thread *t, uint32_t n, int timeout_ms)
{
	return command(t, n, NB_VCPU_CMD_PAUSE, true, timeout_ms);
}

int nb_vcpus_resume(struct nb_vcpu_thread *t, uint32_t n, int timeout_ms)
{
	return command(t, n, NB_VCPU_CMD_RESUME, false, timeout_ms);
}

void nb_vcpus_exit(struct nb_vcpu_thread *ts, uint32_t n)
{
	command(ts, n, NB_VCPU_CMD_EXIT, true, -1);
	for (uint32_t i = 0; i < n; i++) {
		struct nb_vcpu_thread *t = &ts[i];

		if (!t->started)
			continue;
		pthread_join(t->thread, NULL);
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->cond);
		t->started = false;
	}
}

enum nb_vcpu_state nb_vcpu_thread_state(struct nb_vcpu_thread *t)
{
	enum nb_vcpu_state s;

	if (!t->started)
		return NB_VCPU_EXITED;
	pthread_mutex_lock(&t->lock);
	s = t->state;
	pthread_mutex_unlock(&t->lock);
	return s;
}
