/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestbox's command line (the run command): Firecracker's flags (--api-sock,
 * --config-file, --no-api, --id, --level, --log-path, --show-level,
 * --show-log-origin, --metrics-path, --boot-timer,
 * --http-api-max-payload-size, --mmds-size-limit, --metadata, --help,
 * --version) and nestbox's own (the quick flags, seccomp, debugging).
 *
 * The flags feed the configuration the config file and the API feed: the
 * logger flags fill its "logger" section (the fields they give, over the
 * file's), --metrics-path its "metrics" section, checked by the sections'
 * own rules (vmm/config_obs.h); they are applied when nestbox starts, so a
 * later PUT /logger or PUT /metrics is refused as a second configuration.
 * The quick flags apply after the file, whatever their order.
 *
 * Portable (no KVM): tests drive it natively.
 */
#ifndef NB_VMM_CLI_H
#define NB_VMM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/config.h"

struct nb_cli {
	/* The API: --api-sock, --no-api, --http-api-max-payload-size. */
	const char *api_sock; /* the default when not given */
	bool api_on;	      /* serve the API */
	bool api_start;	      /* a configuration was given: start it at once */
	size_t max_payload;
	size_t mmds_size_limit; /* --mmds-size-limit, else max_payload */
	const char *metadata_path;
	/* The VM's options. */
	const char *dump_dtb, *dump_regs, *kvm_path, *id;
	/* Seccomp: --seccomp-filter FILE, --no-seccomp, --seccomp-log. */
	const char *seccomp_file;
	bool no_seccomp, seccomp_log;
	bool boot_timer; /* --boot-timer (nestbox's boot timer is always there) */
	bool help, version;
};

/*
 * Parses @argv (getopt_long from argv[1]; resets getopt's state first) into
 * @cli and @cfg (the config file's, the flags' sections, validated when a
 * configuration is to start at once). @default_boot_args is the command
 * line when none is given. 0, or -1 with one line in @err ("--level: must
 * be one of ..."); with --help or --version it stops there (0).
 */
int nb_cli_parse(struct nb_cli *cli, int argc, char **argv, struct nb_vm_config *cfg,
		 const char *default_boot_args, char *err, size_t errlen);

#endif
