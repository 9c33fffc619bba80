// SPDX-License-Identifier: Apache-2.0
/*
 * Running a VM: one thread per vCPU in KVM_RUN (vcpu_thread.c's state
 * machine), and on this thread the event loop: signals, the stop request,
 * the console, device backends.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vmm/console.h"
#include "vmm/vm.h"

/* How long a pause may take before the VMM gives up on a vCPU. */
#define VCPU_COMMAND_TIMEOUT_MS 5000

/* Asks the VMM thread to stop the VM with @status (the first request wins). */
static void request_stop(struct nb_vm *vm, int status)
{
	uint64_t one = 1;
	bool expected = false;

	if (atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		atomic_store(&vm->exit_status, status);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		perror("nestbox: stop eventfd");
}

static void handle_mmio(struct nb_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	/* An access to nothing reads zeros and is otherwise ignored. */
	nb_mmio_bus_access(&v->vm->bus, run->mmio.phys_addr, run->mmio.data, len,
			   run->mmio.is_write);
}

static bool system_event(struct nb_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		request_stop(v->vm, 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		fprintf(stderr, "nestbox: the guest asked for a reboot: exiting\n");
		request_stop(v->vm, 0);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		fprintf(stderr, "nestbox: the guest crashed (PSCI SYSTEM_OFF, crash)\n");
		request_stop(v->vm, 1);
		break;
	default:
		fprintf(stderr, "nestbox: vCPU %u: system event %u: stopping\n", v->id,
			run->system_event.type);
		request_stop(v->vm, 1);
		break;
	}
	return false;
}

/* Returns false when the vCPU thread should end. */
static bool handle_exit(void *ctx)
{
	struct nb_vcpu *v = ctx;
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		return system_event(v);
	case KVM_EXIT_ARM_NISV:
		fprintf(
		    stderr,
		    "nestbox: vCPU %u: the guest accessed 0x%llx with an instruction KVM cannot "
		    "emulate (no valid syndrome; ESR ISS 0x%llx): device registers must be "
		    "accessed with plain loads and stores\n",
		    v->id, (unsigned long long)run->arm_nisv.fault_ipa,
		    (unsigned long long)run->arm_nisv.esr_iss);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "nestbox: vCPU %u: entry failed (reason 0x%llx)\n", v->id,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "nestbox: vCPU %u: KVM internal error %u\n", v->id,
			run->internal.suberror);
		break;
	default:
		fprintf(stderr, "nestbox: vCPU %u: unexpected exit reason %u\n", v->id,
			run->exit_reason);
		break;
	}
	request_stop(v->vm, 1);
	return false;
}

static enum nb_vcpu_run_result vcpu_run(void *ctx)
{
	struct nb_vcpu *v = ctx;

	if (ioctl(v->fd, KVM_RUN, 0) == 0)
		return NB_VCPU_RUN_EXIT;
	if (errno == EINTR || errno == EAGAIN)
		return NB_VCPU_RUN_KICKED;
	fprintf(stderr, "nestbox: vCPU %u: KVM_RUN: %s\n", v->id, strerror(errno));
	request_stop(v->vm, 1);
	return NB_VCPU_RUN_FAILED;
}

static void vcpu_set_immediate_exit(void *ctx, bool on)
{
	struct nb_vcpu *v = ctx;

	__atomic_store_n(&v->run->immediate_exit, on, __ATOMIC_SEQ_CST);
}

static void vcpu_exited(void *ctx)
{
	struct nb_vcpu *v = ctx;

	/* Without effect when the exit was asked for: the first request wins. */
	request_stop(v->vm, 1);
}

static const struct nb_vcpu_ops vcpu_ops = {
    .run = vcpu_run,
    .handle_exit = handle_exit,
    .set_immediate_exit = vcpu_set_immediate_exit,
    .exited = vcpu_exited,
};

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct nb_vm *vm = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	fprintf(stderr, "nestbox: %s: stopping the VM\n", strsignal((int)si.ssi_signo));
	request_stop(vm, 128 + (int)si.ssi_signo);
}

static void on_stop(void *ctx, int fd, uint32_t events)
{
	uint64_t v;

	(void)ctx;
	(void)events;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		perror("nestbox: stop eventfd");
}

static int start_vcpus(struct nb_vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = nb_vcpu_thread_start(&vm->vcpus[i].thread, &vcpu_ops, &vm->vcpus[i]);

		if (r) {
			fprintf(stderr, "nestbox: vCPU %u: thread: %s\n", i, strerror(-r));
			request_stop(vm, 1);
			return r;
		}
	}
	return 0;
}

static void stop_vcpus(struct nb_vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		nb_vcpus_exit(&vm->vcpus[i].thread, 1);
}

int nb_vm_pause(struct nb_vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = nb_vcpus_pause(&vm->vcpus[i].thread, 1, VCPU_COMMAND_TIMEOUT_MS);

		if (r)
			return r;
	}
	return 0;
}

int nb_vm_resume(struct nb_vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = nb_vcpus_resume(&vm->vcpus[i].thread, 1, VCPU_COMMAND_TIMEOUT_MS);

		if (r)
			return r;
	}
	return 0;
}

int nb_vm_run(struct nb_vm *vm)
{
	struct nb_console *console = NULL;
	sigset_t sigs, old;
	int sfd, r;

	/*
	 * vCPU threads inherit this mask: the kick and the stop signals are
	 * blocked everywhere but where they are wanted (KVM_RUN, the signalfd).
	 */
	nb_vcpu_thread_setup_signal();
	sigemptyset(&sigs);
	sigaddset(&sigs, NB_VCPU_KICK_SIGNAL);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	sigdelset(&sigs, NB_VCPU_KICK_SIGNAL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		perror("nestbox: signalfd");
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	r = nb_evmgr_add(&vm->em, sfd, EPOLLIN, on_signal, vm);
	if (!r)
		r = nb_evmgr_add(&vm->em, vm->stop_fd, EPOLLIN, on_stop, vm);
	if (!r && !(console = nb_console_new(vm->serial, vm->console_in, &vm->ev, stderr)))
		r = -errno;
	if (r) {
		fprintf(stderr, "nestbox: event loop: %s\n", strerror(-r));
		request_stop(vm, 1);
	}
	if (!r && start_vcpus(vm) == 0) {
		while (!atomic_load(&vm->stopping)) {
			r = nb_evmgr_run_once(&vm->em, -1);
			if (r < 0) {
				fprintf(stderr, "nestbox: event loop: epoll_wait: %s\n",
					strerror(-r));
				request_stop(vm, 1);
			}
		}
	}
	stop_vcpus(vm);
	if (console) {
		/* What the guest wrote last, if the output takes it now. */
		nb_console_flush(console);
		nb_console_free(console);
	}
	nb_evmgr_remove(&vm->em, vm->stop_fd);
	nb_evmgr_remove(&vm->em, sfd);
	close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return atomic_load(&vm->exit_status);
}
