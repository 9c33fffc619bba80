/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vCPU thread as a small state machine: Running, Paused or Exited. The
 * VMM thread sends it commands (pause, resume, exit) through a channel and
 * waits for the acknowledgement; a kick gets it out of KVM_RUN: the
 * run-struct's immediate_exit set first, then a signal (the signal alone
 * could land just before KVM_RUN is entered and be lost).
 *
 * The thread knows nothing of KVM: it calls the ops (KVM_RUN and the exit
 * handler for real, a fake in unit tests).
 *
 * Pausing: a vCPU that has just handled an MMIO read must re-enter KVM_RUN
 * once (with immediate_exit set) so KVM completes the read into the guest's
 * register before the vCPU is parked: its saved state is then consistent.
 * The thread does that after every handled exit whenever a command waits.
 */
#ifndef NB_VMM_VCPU_THREAD_H
#define NB_VMM_VCPU_THREAD_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define NB_VCPU_KICK_SIGNAL SIGUSR1

enum nb_vcpu_state { NB_VCPU_RUNNING, NB_VCPU_PAUSED, NB_VCPU_EXITED };
enum nb_vcpu_cmd { NB_VCPU_CMD_NONE, NB_VCPU_CMD_PAUSE, NB_VCPU_CMD_RESUME, NB_VCPU_CMD_EXIT };

/* What comes back from one entry into the guest. */
enum nb_vcpu_run_result {
	NB_VCPU_RUN_EXIT,   /* an exit for handle_exit */
	NB_VCPU_RUN_KICKED, /* EINTR: immediate_exit or a signal */
	NB_VCPU_RUN_FAILED, /* KVM_RUN failed: the vCPU stops */
};

struct nb_vcpu_ops {
	enum nb_vcpu_run_result (*run)(void *ctx);
	/* Handles the exit; false when this vCPU is done (guest shutdown, error). */
	bool (*handle_exit)(void *ctx);
	void (*set_immediate_exit)(void *ctx, bool on);
	/* The thread ends (its state is Exited): e.g. ask the VMM to stop. May be NULL. */
	void (*exited)(void *ctx);
	/*
	 * The thread's first call, before anything else (e.g. name the thread,
	 * install its seccomp filter); false: the thread ends at once (Exited,
	 * exited() called). May be NULL.
	 */
	bool (*thread_init)(void *ctx);
};

struct nb_vcpu_thread {
	const struct nb_vcpu_ops *ops;
	void *ctx;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* commands in, acknowledgements out */
	enum nb_vcpu_cmd cmd; /* the pending command */
	enum nb_vcpu_state state;
	uint64_t entries; /* run() calls, for tests and stats */
};

/*
 * Installs the (empty) kick signal handler; call once per process before
 * starting vCPU threads. The signal must be blocked in every other thread.
 */
int nb_vcpu_thread_setup_signal(void);

/* Starts the thread in Running state. 0 or -errno (nothing left behind). */
int nb_vcpu_thread_start(struct nb_vcpu_thread *t, const struct nb_vcpu_ops *ops, void *ctx);
/* The same, but Paused until resumed: it never enters the guest before. */
int nb_vcpu_thread_start_paused(struct nb_vcpu_thread *t, const struct nb_vcpu_ops *ops, void *ctx);

/*
 * Pause, resume or stop @n vCPUs: each gets the command and a kick, then
 * the call waits until every one has acknowledged (Paused, Running again,
 * Exited). A vCPU that exited on its own acknowledges every command. exit
 * also joins the threads. 0, or -ETIMEDOUT when a vCPU did not answer in
 * @timeout_ms (then its state is unknown).
 */
int nb_vcpus_pause(struct nb_vcpu_thread *t, uint32_t n, int timeout_ms);
int nb_vcpus_resume(struct nb_vcpu_thread *t, uint32_t n, int timeout_ms);
void nb_vcpus_exit(struct nb_vcpu_thread *t, uint32_t n);

enum nb_vcpu_state nb_vcpu_thread_state(struct nb_vcpu_thread *t);

#endif
