// SPDX-License-Identifier: Apache-2.0
/*
 * Running a VM: one thread per vCPU in KVM_RUN (vcpu_thread.c's state
 * machine); the stop request and the console on the caller's event loop
 * (the controller, vmm/vmm.c, runs it with signals and the API channel).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <unistd.h>

#include "vmm/console.h"
#include "vmm/logger.h"
#include "vmm/metrics.h"
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
	nb_metrics_inc(run->mmio.is_write ? NB_M_VCPU_EXIT_MMIO_WRITE : NB_M_VCPU_EXIT_MMIO_READ);
	/* An access to nothing reads zeros and is otherwise ignored. */
	nb_mmio_bus_access(&v->vm->bus, run->mmio.phys_addr, run->mmio.data, len,
			   run->mmio.is_write);
}

static bool system_event(struct nb_vcpu *v)
{
	struct kvm_run *run = v->run;

	nb_metrics_inc(NB_M_VCPU_EXIT_SYSTEM_EVENT);
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		request_stop(v->vm, 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		nb_log_warn("the guest asked for a reboot: exiting");
		request_stop(v->vm, 0);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		nb_log_error("the guest crashed (PSCI SYSTEM_OFF, crash)");
		request_stop(v->vm, 1);
		break;
	default:
		nb_log_error("vCPU %u: system event %u: stopping", v->id, run->system_event.type);
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
		nb_metrics_inc(NB_M_VCPU_EXIT_KICKED);
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		return system_event(v);
	case KVM_EXIT_ARM_NISV:
		nb_log_error(
		    "vCPU %u: the guest accessed 0x%llx with an instruction KVM cannot "
		    "emulate (no valid syndrome; ESR ISS 0x%llx): device registers must be "
		    "accessed with plain loads and stores",
		    v->id, (unsigned long long)run->arm_nisv.fault_ipa,
		    (unsigned long long)run->arm_nisv.esr_iss);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		nb_log_error("vCPU %u: entry failed (reason 0x%llx)", v->id,
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		nb_log_error("vCPU %u: KVM internal error %u", v->id, run->internal.suberror);
		break;
	default:
		nb_log_error("vCPU %u: unexpected exit reason %u", v->id, run->exit_reason);
		break;
	}
	nb_metrics_inc(NB_M_VCPU_FAILURES);
	request_stop(v->vm, 1);
	return false;
}

static enum nb_vcpu_run_result vcpu_run(void *ctx)
{
	struct nb_vcpu *v = ctx;

	if (ioctl(v->fd, KVM_RUN, 0) == 0)
		return NB_VCPU_RUN_EXIT;
	if (errno == EINTR || errno == EAGAIN) {
		nb_metrics_inc(NB_M_VCPU_EXIT_KICKED);
		return NB_VCPU_RUN_KICKED;
	}
	nb_metrics_inc(NB_M_VCPU_FAILURES);
	nb_log_error("vCPU %u: KVM_RUN: %s", v->id, strerror(errno));
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

/* Named nb_vcpuN, filtered before the first KVM_RUN. */
static bool vcpu_thread_init(void *ctx)
{
	struct nb_vcpu *v = ctx;

	return nb_seccomp_thread_start(v->vm->seccomp, NB_SECCOMP_VCPU, v->id) == 0;
}

static const struct nb_vcpu_ops vcpu_ops = {
    .run = vcpu_run,
    .handle_exit = handle_exit,
    .set_immediate_exit = vcpu_set_immediate_exit,
    .exited = vcpu_exited,
    .thread_init = vcpu_thread_init,
};

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
		struct nb_vcpu *v = &vm->vcpus[i];
		int r = vm->start_paused ? nb_vcpu_thread_start_paused(&v->thread, &vcpu_ops, v)
					 : nb_vcpu_thread_start(&v->thread, &vcpu_ops, v);

		if (r)
			return r;
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

void nb_vm_request_stop(struct nb_vm *vm, int status)
{
	request_stop(vm, status);
}

bool nb_vm_stopping(struct nb_vm *vm)
{
	return atomic_load(&vm->stopping);
}

int nb_vm_start(struct nb_vm *vm, char *err, size_t errlen)
{
	sigset_t kick;
	int r;

	/*
	 * vCPU threads inherit this thread's mask: the kick signal is blocked
	 * everywhere but in KVM_RUN (and SIGINT/SIGTERM by the caller, who
	 * reads them from a signalfd).
	 */
	/* Both programs built before any thread needs one (and before a filter holds). */
	if (vm->seccomp && ((r = nb_seccomp_compile(vm->seccomp, NB_SECCOMP_VCPU, err, errlen)) ||
			    (r = nb_seccomp_compile(vm->seccomp, NB_SECCOMP_VMM, err, errlen))))
		return r;
	nb_vcpu_thread_setup_signal();
	sigemptyset(&kick);
	sigaddset(&kick, NB_VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	r = nb_evmgr_add(vm->em, vm->stop_fd, EPOLLIN, on_stop, vm);
	if (r) {
		snprintf(err, errlen, "event loop: %s", strerror(-r));
		return r;
	}
	vm->console = nb_console_new(vm->serial, vm->console_in, &vm->ev, stderr);
	if (!vm->console) {
		r = -errno;
		snprintf(err, errlen, "console: %s", strerror(-r));
		nb_evmgr_remove(vm->em, vm->stop_fd);
		return r;
	}
	r = start_vcpus(vm);
	if (r)
		snprintf(err, errlen, "vCPU thread: %s", strerror(-r));
	/*
	 * The VMM thread's filter last: threads inherit their creator's
	 * filters, and this thread handles guest I/O only once this returns.
	 */
	if (!r)
		r = nb_seccomp_apply(vm->seccomp, NB_SECCOMP_VMM, err, errlen);
	if (r) {
		request_stop(vm, 1);
		nb_vm_stop(vm);
	}
	return r;
}

int nb_vm_stop(struct nb_vm *vm)
{
	stop_vcpus(vm);
	if (vm->console) {
		/* What the guest wrote last, if the output takes it now. */
		nb_console_flush(vm->console);
		nb_console_free(vm->console);
		vm->console = NULL;
	}
	nb_evmgr_remove(vm->em, vm->stop_fd);
	return atomic_load(&vm->exit_status);
}
