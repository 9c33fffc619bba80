/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VM: KVM VM, guest memory, GICv3, vCPU threads, devices, and the VMM
 * thread's event loop. The builder runs in three steps, one function each:
 *
 *   nb_vm_create     the VM, its memory, vCPUs, vGIC and devices
 *   nb_vm_boot_load  kernel, initrd, FDT, boot registers (a snapshot
 *                    restore will take this step's place)
 *   nb_vm_run        vCPU threads in KVM_RUN, the event loop on this thread
 *
 * then nb_vm_destroy. Everything arm64-specific sits behind arch/aarch64/.
 */
#ifndef NB_VMM_VM_H
#define NB_VMM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/boot_timer.h"
#include "devices/mmio_bus.h"
#include "vmm/config.h"
#include "vmm/device_manager.h"
#include "vmm/event_manager.h"
#include "vmm/guest_mem.h"
#include "vmm/vcpu_thread.h"

struct nb_vm;

struct nb_vcpu {
	struct nb_vm *vm;
	uint32_t id;
	int fd;
	struct kvm_run *run;
	struct nb_vcpu_thread thread;
};

/* How the VMM itself runs, beside the guest's configuration. */
struct nb_vm_opts {
	uint64_t start_ns;     /* when the VMM started (CLOCK_MONOTONIC) */
	const char *kvm_path;  /* NULL: /dev/kvm */
	const char *dump_dtb;  /* write the generated FDT here, or NULL */
	const char *dump_regs; /* at exit, every vCPU's registers here, or NULL */
	int console_in;	       /* fd read into the serial port, -1: none */
	const char *id;	       /* the instance id (--id), or NULL */
};

struct nb_vm {
	int kvm_fd, vm_fd, gic_fd;
	struct nb_guest_mem mem;
	uint64_t ram_size;
	uint32_t nr_vcpus;
	struct nb_vcpu *vcpus;
	size_t run_size;
	bool el2;

	struct nb_evmgr em;
	struct nb_event_ops ev; /* devices keep a pointer to it */
	bool em_ready;
	struct nb_mmio_bus bus;
	struct nb_devmgr devices;
	bool devices_ready;
	struct nb_serial *serial;
	struct nb_rtc *rtc;
	struct nb_boot_timer boot_timer;
	int serial_out_fd; /* owned when it is a file */
	int console_in;	   /* the caller's */

	int stop_fd; /* eventfd: a vCPU asks the VMM thread to stop */
	atomic_bool stopping;
	atomic_int exit_status;
};

/*
 * Builds the VM described by @cfg (already validated): KVM VM, memory,
 * vCPUs, vGIC (and the CPU template), devices. On error writes one line to
 * @err and leaves nothing behind (@vm is then as after nb_vm_destroy).
 * Returns 0 or -errno.
 */
int nb_vm_create(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		 char *err, size_t errlen);

/*
 * Loads the kernel and initrd, builds the FDT (with root=/dev/vda for a
 * root drive) and sets the boot vCPU's registers. 0 or -errno with @err.
 */
int nb_vm_boot_load(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		    char *err, size_t errlen);

/*
 * Runs the VM until the guest powers off (exit status 0), resets (0: the
 * VMM exits rather than reboots), fails (1), the event loop fails (1), or
 * SIGINT/SIGTERM arrive (128 + signal). Returns the process exit status.
 */
int nb_vm_run(struct nb_vm *vm);

/*
 * From the VMM thread while nb_vm_run runs (the REST API's PATCH /vm):
 * every vCPU parked (a pending MMIO read completed first) or running
 * again. 0, or -ETIMEDOUT when a vCPU did not answer.
 */
int nb_vm_pause(struct nb_vm *vm);
int nb_vm_resume(struct nb_vm *vm);

/* Releases everything nb_vm_create built. Safe after a failed create. */
void nb_vm_destroy(struct nb_vm *vm);

#endif
