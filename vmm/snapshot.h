/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots of a whole VM, guest hypervisors included: Firecracker's
 * PUT /snapshot/create and PUT /snapshot/load.
 *
 * The state file (vmm/snapshot_file.h) holds, as sections: the VM's
 * configuration (the config file's JSON), the guest's counter, every vCPU
 * (all registers KVM lists, EL2 state included, and MP state), the vGIC
 * (distributor, redistributors, CPU interfaces with ICH_*_EL2, line
 * levels), the UART, RTC and boot timer, and each virtio device's transport
 * with its queues. The memory file is guest RAM, written sparsely (only the
 * pages the guest touched); a load maps it privately, so a restore reads
 * only what the guest touches, and several VMs can start from one file.
 *
 * Restore order (what KVM accepts): the VM and its vCPUs as the saved
 * configuration describes, guest RAM from the memory file, the VM-wide
 * counter offset before any timer register, the vCPUs, the vGIC, then the
 * devices (re-attached to their files, taps and sockets; a vsock device
 * gets the transport-reset event, as in Firecracker).
 */
#ifndef NB_VMM_SNAPSHOT_H
#define NB_VMM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/config.h"
#include "vmm/vm.h"

/*
 * Writes the state of the paused VM @vm, built from @cfg, to @state_path
 * and its memory to @mem_path: all of it, or with @diff (which needs
 * cfg->machine.track_dirty_pages) only the pages changed since the last
 * snapshot, the boot or the load, the rest of the file left as holes (lay
 * it over the previous snapshot's memory file to load it). 0 or -errno with
 * one line in @err.
 */
int nb_snapshot_create(struct nb_vm *vm, const struct nb_vm_config *cfg, const char *state_path,
		       const char *mem_path, bool diff, char *err, size_t errlen);

/*
 * Reads the configuration saved in @state_path into @cfg (initialised;
 * replaced on success). The caller may then change what a restore may
 * change (network_overrides: a tap's host_dev_name) before nb_snapshot_restore.
 */
int nb_snapshot_read_config(const char *state_path, struct nb_vm_config *cfg, char *err,
			    size_t errlen);

/*
 * Builds @vm from @cfg with guest RAM mapped from @mem_path, and restores
 * the state saved in @state_path into it. The vCPUs do not run yet:
 * nb_vm_start then runs them (paused first if the caller pauses). On error
 * nothing is left behind.
 */
int nb_snapshot_restore(struct nb_vm *vm, const struct nb_vm_config *cfg,
			const struct nb_vm_opts *opts, const char *state_path, const char *mem_path,
			char *err, size_t errlen);

#endif
