// SPDX-License-Identifier: Apache-2.0
/*
 * Running a VM: one thread per vCPU in KVM_RUN, the VMM thread serving the
 * console and waiting for the stop request. A vCPU is kicked out of KVM_RUN
 * with immediate_exit and a signal.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "devices/serial.h"
#include "vmm/vm.h"

#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

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

/* Returns false when the vCPU thread should end. */
static bool handle_exit(struct nb_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			request_stop(v->vm, 0);
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			fprintf(stderr, "nestbox: the guest asked for a reboot: exiting\n");
			request_stop(v->vm, 0);
			return false;
		case KVM_SYSTEM_EVENT_CRASH:
			fprintf(stderr, "nestbox: the guest crashed (PSCI SYSTEM_OFF, crash)\n");
			request_stop(v->vm, 1);
			return false;
		default:
			fprintf(stderr, "nestbox: vCPU %u: system event %u: stopping\n", v->id,
				run->system_event.type);
			request_stop(v->vm, 1);
			return false;
		}
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

static void *vcpu_thread(void *arg)
{
	struct nb_vcpu *v = arg;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (!atomic_load(&v->vm->stopping)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			fprintf(stderr, "nestbox: vCPU %u: KVM_RUN: %s\n", v->id, strerror(errno));
			request_stop(v->vm, 1);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

/* Console input: stdin into the serial port, raw while it is a terminal. */
struct console {
	int fd;
	bool raw;
	struct termios saved;
};

static void console_open(struct console *c, int fd)
{
	struct termios t;

	c->fd = fd;
	c->raw = false;
	if (fd < 0 || !isatty(fd) || tcgetattr(fd, &c->saved) < 0)
		return;
	t = c->saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR; /* our own messages stay readable */
	c->raw = tcsetattr(fd, TCSANOW, &t) == 0;
}

static void console_close(struct console *c)
{
	if (c->raw)
		tcsetattr(c->fd, TCSANOW, &c->saved);
}

static void console_read(struct console *c, struct nb_serial *serial)
{
	uint8_t buf[64];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			c->fd = -1; /* end of input: stop polling it */
		return;
	}
	/* Bytes the UART's FIFO cannot take are dropped, as on real hardware. */
	nb_serial_input(serial, buf, (size_t)n);
}

static int start_vcpus(struct nb_vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);

		if (r) {
			fprintf(stderr, "nestbox: vCPU %u: thread: %s\n", i, strerror(r));
			request_stop(vm, 1);
			return -r;
		}
		vm->vcpus[i].started = true;
	}
	return 0;
}

static void stop_vcpus(struct nb_vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		vm->vcpus[i].run->immediate_exit = 1;
		pthread_kill(vm->vcpus[i].thread, SIG_KICK);
	}
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].started = false;
	}
}

int nb_vm_run(struct nb_vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct console con;
	sigset_t sigs, old;
	int sfd;

	/*
	 * vCPU threads inherit this mask: SIG_KICK and the stop signals are
	 * blocked everywhere but where they are wanted (KVM_RUN, the signalfd).
	 */
	sigaction(SIG_KICK, &sa, NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIG_KICK);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	sigdelset(&sigs, SIG_KICK);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		perror("nestbox: signalfd");
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	console_open(&con, vm->console_in);
	if (start_vcpus(vm) == 0) {
		while (!atomic_load(&vm->stopping)) {
			struct pollfd p[3] = {
				{ .fd = vm->stop_fd, .events = POLLIN },
				{ .fd = sfd, .events = POLLIN },
				{ .fd = con.fd, .events = POLLIN },
			};

			if (poll(p, 3, -1) < 0 && errno != EINTR)
				break;
			if (p[1].revents & POLLIN) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					fprintf(stderr, "nestbox: %s: stopping the VM\n",
						strsignal((int)si.ssi_signo));
					request_stop(vm, 128 + (int)si.ssi_signo);
				}
			}
			if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
				console_read(&con, vm->serial);
		}
	}
	stop_vcpus(vm);
	console_close(&con);
	close(sfd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return atomic_load(&vm->exit_status);
}
