/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VM: KVM VM, guest memory, GICv3, vCPU threads and devices, on the
 * caller's event loop (the controller's, vmm/vmm.h, which runs it). The
 * builder runs in steps, one function each:
 *
 *   nb_vm_create     the VM, its memory, vCPUs, vGIC and devices
 *   nb_vm_boot_load  kernel, initrd, FDT, boot registers (a snapshot
 *                    restore will take this step's place)
 *   nb_vm_start      the console and the vCPU threads in KVM_RUN; the
 *                    caller runs the event loop until nb_vm_stopping()
 *   nb_vm_stop       vCPU threads joined, the console flushed
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
#include "vmm/console.h"
#include "vmm/device_manager.h"
#include "vmm/event_manager.h"
#include "vmm/guest_mem.h"
#include "vmm/uffd.h"
#include "vmm/seccomp.h"
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
	uint64_t start_ns;	    /* when the VMM started (CLOCK_MONOTONIC) */
	const char *kvm_path;	    /* NULL: /dev/kvm */
	const char *dump_dtb;	    /* write the generated FDT here, or NULL */
	const char *dump_regs;	    /* at exit, every vCPU's registers here, or NULL */
	int console_in;		    /* fd read into the serial port, -1: none */
	const char *id;		    /* the instance id (--id), or NULL */
	const char *mem_file;	    /* guest RAM from this file (a snapshot's), or NULL */
	const char *uffd_path;	    /* or served by the page-fault handler there (Uffd) */
	struct nb_evmgr *em;	    /* the VMM thread's event loop (required) */
	struct nb_seccomp *seccomp; /* filters installed by nb_vm_start, or NULL */
	struct nb_mmds *mmds;	    /* the MMDS data store (nb_vmm's), or NULL */
	size_t mmds_size_limit;	    /* --mmds-size-limit; 0: the default */
};

struct nb_vm {
	int kvm_fd, vm_fd, gic_fd;
	struct nb_guest_mem mem;
	uint64_t ram_size;
	uint32_t nr_vcpus;
	struct nb_vcpu *vcpus;
	size_t run_size;
	bool el2;
	bool mem_from_file;  /* RAM is not a memfd: a privately mapped file, or Uffd's */
	struct nb_uffd uffd; /* the Uffd backend's userfaultfd and handler connection */
	bool start_paused;   /* nb_vm_start leaves the vCPUs paused (a snapshot load) */

	struct nb_evmgr *em;	    /* the caller's */
	struct nb_event_ops ev;	    /* devices keep a pointer to it */
	struct nb_console *console; /* between nb_vm_start and nb_vm_stop */
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
	struct nb_seccomp *seccomp; /* opts->seccomp */
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
 * Starts the VM on its event loop: the stop request and the console join
 * the loop, the vCPU threads enter the guest. The calling thread must have
 * SIGINT and SIGTERM blocked (the controller reads them from a signalfd);
 * the vCPUs' kick signal is blocked here. 0, or -errno with @err (nothing
 * is left running then).
 */
int nb_vm_start(struct nb_vm *vm, char *err, size_t errlen);

/*
 * Whether the VM asked to stop: the guest powered off (exit status 0),
 * reset (0: the VMM exits rather than reboots), failed (1), or
 * nb_vm_request_stop() was called. Check it after each round of the loop.
 */
bool nb_vm_stopping(struct nb_vm *vm);

/* Asks the VM to stop with @status (the first request wins); any thread. */
void nb_vm_request_stop(struct nb_vm *vm, int status);

/*
 * Stops and joins the vCPU threads, flushes the console and leaves the
 * loop. Returns the exit status (see nb_vm_stopping()). Safe after a
 * failed nb_vm_start().
 */
int nb_vm_stop(struct nb_vm *vm);

/*
 * From the VMM thread between nb_vm_start and nb_vm_stop (the REST API's PATCH /vm):
 * every vCPU parked (a pending MMIO read completed first) or running
 * again. 0, or -ETIMEDOUT when a vCPU did not answer.
 */
int nb_vm_pause(struct nb_vm *vm);
int nb_vm_resume(struct nb_vm *vm);

/* Releases everything nb_vm_create built. Safe after a failed create. */
void nb_vm_destroy(struct nb_vm *vm);

#endif
