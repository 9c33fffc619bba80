/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The controller on the VMM thread: it owns the event loop, the pre-boot
 * configuration and the VM, and serves the API channel. Requests change
 * the configuration until InstanceStart (the state rules are api/router.c's),
 * which validates it, builds, boots and starts the VM; PATCH /vm pauses and
 * resumes the vCPUs. The loop runs until the VM stops (the guest powers
 * off: nestbox exits with the VM's status, as Firecracker does) or, before
 * a VM runs, SIGINT or SIGTERM arrives (128 + signal).
 *
 *   nb_vmm_init        the loop and the signalfd (SIGINT/SIGTERM blocked in
 *                      this thread, and so in every thread it starts)
 *   nb_vmm_set_config  a configuration from the file and flags, if any
 *   nb_vmm_apply_obs   its logger and metrics, from the start
 *   nb_vmm_serve_api   the API server's channel joins the loop, its thread starts
 *   nb_vmm_start       InstanceStart (also what --config-file does at once)
 *   nb_vmm_run         the loop; returns the exit status
 *   nb_vmm_destroy
 */
#ifndef NB_VMM_VMM_H
#define NB_VMM_VMM_H

#include <stdbool.h>
#include <stddef.h>

#include "api/router.h"
#include "api/server.h"
#include "vmm/config.h"
#include "vmm/event_manager.h"
#include "vmm/vm.h"

struct nb_vmm {
	struct nb_evmgr em;
	bool em_ready;
	int sfd; /* SIGINT, SIGTERM */
	struct nb_vm_config cfg;
	struct nb_vm_opts opts;
	const char *default_boot_args;
	struct nb_vm vm;
	bool vm_live; /* started: nb_vm_stop and nb_vm_destroy are due */
	struct nb_api_server *api;
	struct nb_api_ctx ctx;
	bool quit;
	int status;
};

/*
 * @opts (copied; its em is set to the controller's loop) and
 * @default_boot_args (for a boot source without boot_args; kept) describe
 * how VMs are built. 0 or -errno with @err.
 */
int nb_vmm_init(struct nb_vmm *v, const struct nb_vm_opts *opts, const char *default_boot_args,
		char *err, size_t errlen);

/* Takes @cfg's content (it is left empty, as nb_config_init() does). */
void nb_vmm_set_config(struct nb_vmm *v, struct nb_vm_config *cfg);

/*
 * The configuration's logger and metrics sections (flags, file), unless
 * already applied; nb_vmm_start does it too. 0 or -errno with @err.
 */
int nb_vmm_apply_obs(struct nb_vmm *v, char *err, size_t errlen);

/* Takes @s: its channel joins the loop and its thread starts. 0 or -errno with @err. */
int nb_vmm_serve_api(struct nb_vmm *v, struct nb_api_server *s, char *err, size_t errlen);

/* InstanceStart. 0, or -errno with @err (then nothing runs and the config can change). */
int nb_vmm_start(struct nb_vmm *v, char *err, size_t errlen);

/* Runs the loop until the VM stops or, before a VM runs, a signal. The exit status. */
int nb_vmm_run(struct nb_vmm *v);

/* Stops the API thread, destroys the VM and the loop, frees the config. */
void nb_vmm_destroy(struct nb_vmm *v);

#endif
