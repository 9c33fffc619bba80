/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A running VM: KVM VM, guest memory, GICv3, vCPU threads, devices. The
 * builder (nb_vm_create) turns a validated configuration into a VM ready to
 * run; nb_vm_run starts the vCPUs and serves the console until the guest
 * powers off or the VMM is told to stop.
 */
#ifndef NB_VMM_VM_H
#define NB_VMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "devices/boot_timer.h"
#include "devices/mmio_bus.h"
#include "vmm/config.h"
#include "vmm/guest_mem.h"

struct nb_vm;

struct nb_vcpu {
	struct nb_vm *vm;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
};

/* How the VMM itself runs, beside the guest's configuration. */
struct nb_vm_opts {
	uint64_t start_ns;	/* when the VMM started (CLOCK_MONOTONIC) */
	const char *kvm_path;	/* NULL: /dev/kvm */
	const char *dump_dtb;	/* write the generated FDT here, or NULL */
	const char *dump_regs;	/* at exit, every vCPU's registers here, or NULL */
	int console_in;		/* fd read into the serial port, -1: none */
};

struct nb_vm {
	int kvm_fd, vm_fd, gic_fd;
	struct nb_guest_mem mem;
	uint32_t nr_vcpus;
	struct nb_vcpu *vcpus;
	size_t run_size;
	bool el2;

	struct nb_mmio_bus bus;
	struct nb_serial *serial;
	struct nb_rtc *rtc;
	struct nb_boot_timer boot_timer;
	int serial_out_fd; /* owned when it is a file */
	int console_in;

	int stop_fd;	    /* eventfd: a vCPU asks the VMM thread to stop */
	atomic_bool stopping;
	atomic_int exit_status;
};

/*
 * Builds the VM described by @cfg (already validated). On error writes one
 * line to @err and leaves nothing behind. Returns 0 or -errno.
 */
int nb_vm_create(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		 char *err, size_t errlen);

/*
 * Runs the VM until the guest powers off (exit status 0), resets (0: the
 * VMM exits rather than reboots), fails (1), or SIGINT/SIGTERM arrive.
 * Returns the process exit status.
 */
int nb_vm_run(struct nb_vm *vm);

/* Releases everything nb_vm_create built. Safe after a failed create. */
void nb_vm_destroy(struct nb_vm *vm);

#endif
