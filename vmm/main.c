// SPDX-License-Identifier: Apache-2.0
/* nestbox: the command line. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api/mmds_store.h"
#include "api/server.h"
#include "arch/aarch64/kvm_host.h"
#include "devices/boot_timer.h"
#include "vmm/cli.h"
#include "vmm/config.h"
#include "vmm/config_json.h"
#include "vmm/host_check.h"
#include "vmm/regs_dump.h"
#include "vmm/seccomp.h"
#include "vmm/version.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define DEFAULT_BOOT_ARGS "console=ttyS0 reboot=k panic=1"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: nestbox [--api-sock PATH] [--config-file FILE] [--no-api] [quick flags]\n"
	    "               [options]\n"
	    "       nestbox host-check [--json] [--kvm PATH]\n"
	    "       nestbox --help | --version\n"
	    "\n"
	    "Boots a microVM (or, with --nested, a guest hypervisor at virtual EL2) and\n"
	    "exits when the guest powers off. The configuration comes from Firecracker's\n"
	    "REST API on a Unix socket, a Firecracker-style JSON file (boot-source,\n"
	    "machine-config, drives, serial, entropy, cpu-config), quick flags, or\n"
	    "several (the flags override the file). With a config file the VM starts at\n"
	    "once and the API serves it; with neither a file nor --kernel nestbox waits\n"
	    "for the API's InstanceStart.\n"
	    "\n"
	    "  --api-sock PATH     the API socket (default " NB_API_DEFAULT_SOCKET "); a stale\n"
	    "                      socket file is replaced, a live one is an error\n"
	    "  --http-api-max-payload-size BYTES\n"
	    "                      the largest API request body (default 51200)\n"
	    "  --mmds-size-limit BYTES\n"
	    "                      the MMDS data store's limit (default: the payload size)\n"
	    "  --metadata FILE     the MMDS data store's first contents (JSON)\n"
	    "  --config-file FILE  the VM configuration (JSON)\n"
	    "  --no-api            no API socket: run from the configuration alone (the\n"
	    "                      quick flags without --config-file imply it unless\n"
	    "                      --api-sock is given)\n"
	    "quick flags:\n"
	    "  --kernel PATH       arm64 Image or Image.gz (boot-source.kernel_image_path)\n"
	    "  --initrd PATH       initramfs (boot-source.initrd_path)\n"
	    "  --cmdline ARGS      kernel command line (default \"" DEFAULT_BOOT_ARGS "\")\n"
	    "  --vcpus N           vCPUs (machine-config.vcpu_count, default 1)\n"
	    "  --mem MIB           guest RAM in MiB (machine-config.mem_size_mib, default 128)\n"
	    "  --nested            boot at virtual EL2: a guest hypervisor\n"
	    "  --el2-e2h0          ... without VHE (implies --nested)\n"
	    "  --hide-nv2          ... hiding FEAT_NV2, so that it cannot run guest\n"
	    "                      hypervisors itself (implies --nested)\n"
	    "  --cpu-config FILE   a custom CPU template (Firecracker's aarch64 JSON:\n"
	    "                      kvm_capabilities, vcpu_features, reg_modifiers)\n"
	    "  --serial-out FILE   the serial console to FILE instead of stdout\n"
	    "options:\n"
	    "  --dump-dtb FILE     write the generated device tree to FILE\n"
	    "  --dump-regs FILE    when the guest stops, write every vCPU register KVM\n"
	    "                      lists (EL2 state too) to FILE, one per line\n"
	    "  --kvm PATH          the KVM device (default " NB_KVM_DEFAULT_PATH ")\n"
	    "  --id ID             this microVM's id (1-64 letters, digits, '-'; the\n"
	    "                      jailer passes it)\n"
	    "  --level LEVEL       the log level: Error, Warning, Info (default), Debug,\n"
	    "                      Trace or Off (logger.level)\n"
	    "  --log-path PATH     log to the file or FIFO PATH instead of stderr\n"
	    "                      (logger.log_path)\n"
	    "  --show-level        prefix each log line with its level (logger.show_level)\n"
	    "  --show-log-origin   ... and with its source file and line\n"
	    "                      (logger.show_log_origin)\n"
	    "  --metrics-path PATH the metrics, one JSON line per flush, to the file or\n"
	    "                      FIFO PATH (metrics.metrics_path)\n"
	    "  --boot-timer        Firecracker's flag; nestbox's boot timer device is\n"
	    "                      always there (the \"Guest-boot-time\" line)\n"
	    "  --no-seccomp        no seccomp filters (they are on by default: each\n"
	    "                      thread may make only the syscalls its list names)\n"
	    "  --seccomp-filter FILE\n"
	    "                      the filters from FILE (JSON, the format of\n"
	    "                      resources/seccomp/aarch64.json) instead of the built-in\n"
	    "  --seccomp-log       filters that log what they lack instead of killing\n"
	    "                      nestbox (for deriving the lists; see the kernel log)\n"
	    "commands:\n"
	    "  host-check          what this host's KVM offers nestbox (see --help there)\n");
}

static void usage_host_check(FILE *out)
{
	fprintf(out, "usage: nestbox host-check [--json] [--kvm PATH]\n"
		     "  print what this host's KVM offers nestbox: plain microVMs and\n"
		     "  guest hypervisors (nested, vEL2), with the fix for what is missing\n"
		     "  --json       a JSON object instead of a table\n"
		     "  --kvm PATH   the KVM device (default " NB_KVM_DEFAULT_PATH ")\n");
}

static int cmd_host_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"kvm", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *kvm = NB_KVM_DEFAULT_PATH;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'k':
			kvm = optarg;
			break;
		case 'h':
			usage_host_check(stdout);
			return 0;
		default:
			usage_host_check(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nestbox: host-check: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	return nb_host_check(kvm, json, stdout);
}

static struct nb_seccomp *seccomp; /* the filters, NULL when off */

/* The filters the flags ask for (and the build's default) into @seccomp; 0 or 1 after a line. */
static int load_seccomp(const struct nb_cli *cli)
{
	enum nb_seccomp_mode mode = NB_SECCOMP_ON;
	bool on = true;
	char err[512];
	int r;

#if defined(NB_SECCOMP_DEFAULT_off)
	on = false;
#elif defined(NB_SECCOMP_DEFAULT_log)
	mode = NB_SECCOMP_LOG;
#endif
	if (cli->no_seccomp && (cli->seccomp_file || cli->seccomp_log)) {
		fprintf(stderr,
			"nestbox: --no-seccomp excludes --seccomp-filter and --seccomp-log\n");
		return 1;
	}
	if (cli->seccomp_file || cli->seccomp_log)
		on = true;
	if (cli->seccomp_file)
		mode = NB_SECCOMP_ON; /* the file's own default actions */
	if (cli->seccomp_log)
		mode = NB_SECCOMP_LOG;
	if (cli->no_seccomp || !on)
		return 0;
	if (cli->seccomp_file)
		r = nb_seccomp_from_file(&seccomp, cli->seccomp_file, mode, err, sizeof(err));
	else
		r = nb_seccomp_builtin(&seccomp, mode);
	if (r == -ENOMEM)
		snprintf(err, sizeof(err), "seccomp: out of memory");
	if (r) {
		fprintf(stderr, "nestbox: %s\n", err);
		return 1;
	}
	return 0;
}

/* The API thread's first call: named nb_api, filtered; a failure ends nestbox. */
static void api_thread_start(void *arg)
{
	if (nb_seccomp_thread_start(arg, NB_SECCOMP_API, 0))
		_exit(1);
}

static int dump_regs(const struct nb_vm *vm, const char *path)
{
	FILE *f = fopen(path, "we");
	int r;

	if (!f) {
		fprintf(stderr, "nestbox: --dump-regs %s: %s\n", path, strerror(errno));
		return -errno;
	}
	r = nb_vm_dump_regs(vm, f);
	if (fclose(f) && !r)
		r = -errno;
	if (r)
		fprintf(stderr, "nestbox: --dump-regs %s: %s\n", path, strerror(-r));
	return r;
}

static int put_metadata(void *mmds, const char *text, char *err, size_t errlen)
{
	struct json_object *root = NULL;
	int r = nb_cj_parse_text(text, "JSON", &root, err, errlen);

	if (!r)
		r = nb_mmds_put(mmds, root, err, errlen);
	json_object_put(root);
	return r;
}

/* --metadata FILE into the data store; 0, or -errno after one line. */
static int load_metadata(struct nb_mmds *mmds, const char *path)
{
	char err[512];
	int r = nb_cj_from_file(path, "--metadata", put_metadata, mmds, err, sizeof(err));

	if (r)
		fprintf(stderr, "nestbox: %s\n", err);
	return r;
}

static int cmd_run(int argc, char **argv, uint64_t start_ns)
{
	struct nb_vm_config cfg;
	struct nb_vm_opts opts = {.start_ns = start_ns, .console_in = STDIN_FILENO};
	struct nb_cli cli;
	struct nb_api_server *server;
	struct nb_vmm vmm;
	char err[512];
	int status, r;

	nb_config_init(&cfg);
	if (nb_cli_parse(&cli, argc, argv, &cfg, DEFAULT_BOOT_ARGS, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_config_free(&cfg);
		return 1;
	}
	if (cli.help || cli.version) {
		if (cli.help)
			usage(stdout);
		else
			printf("nestbox %s\n", NB_VERSION);
		nb_config_free(&cfg);
		return 0;
	}
	if (load_seccomp(&cli)) {
		nb_config_free(&cfg);
		return 1;
	}
	opts.seccomp = seccomp;
	opts.dump_dtb = cli.dump_dtb;
	opts.dump_regs = cli.dump_regs;
	opts.kvm_path = cli.kvm_path;
	opts.id = cli.id;
	opts.mmds_size_limit = cli.mmds_size_limit;
	if (nb_vmm_init(&vmm, &opts, DEFAULT_BOOT_ARGS, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_config_free(&cfg);
		nb_vmm_destroy(&vmm);
		return 1;
	}
	nb_vmm_set_config(&vmm, &cfg);
	/* The logger and the metrics of the flags and the file: from the start. */
	if (nb_vmm_apply_obs(&vmm, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_vmm_destroy(&vmm);
		return 1;
	}
	if (cli.metadata_path && load_metadata(vmm.opts.mmds, cli.metadata_path)) {
		nb_vmm_destroy(&vmm);
		return 1;
	}
	/* The socket first: nothing heavy before a client can connect. */
	r = cli.api_on ? nb_api_server_new(&server, cli.api_sock, cli.max_payload, err, sizeof(err))
		       : 0;
	if (cli.api_on && !r) {
		nb_api_server_on_thread_start(server, api_thread_start, seccomp);
		r = nb_vmm_serve_api(&vmm, server, err, sizeof(err));
	}
	if (r) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_vmm_destroy(&vmm);
		return 1;
	}
	if (cli.api_start && nb_vmm_start(&vmm, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_vmm_destroy(&vmm);
		return 1;
	}
	status = nb_vmm_run(&vmm);
	if (vmm.vm_live && opts.dump_regs && dump_regs(&vmm.vm, opts.dump_regs) && !status)
		status = 1;
	nb_vmm_destroy(&vmm);
	return status;
}

/*
 * NESTBOX_CHECK_FDS=1 (for tests): at exit, every descriptor but 0-2 must be
 * closed and every thread joined; each leak is a line and exit status 3.
 */
static int check_leaks(int status)
{
	struct dirent *e;
	DIR *d;
	int leaks = 0;

	if (!getenv("NESTBOX_CHECK_FDS"))
		return status;
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		char target[PATH_MAX] = "?", link[64];

		if (e->d_name[0] == '.' || fd <= STDERR_FILENO || fd == dirfd(d))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if (readlink(link, target, sizeof(target) - 1) < 0)
			strcpy(target, "?");
		fprintf(stderr, "nestbox: leak check: fd %d (%s) still open\n", fd, target);
		leaks++;
	}
	if (d)
		closedir(d);
	/*
	 * A joined thread may stay listed for a moment while the kernel
	 * finishes its exit: look again for up to 200 ms (no sleeping: the
	 * VMM thread's seccomp filter has no need of it otherwise).
	 */
	for (uint64_t t0 = nb_monotonic_ns(); (d = opendir("/proc/self/task"));) {
		int threads = 0;
		bool last = nb_monotonic_ns() - t0 > 200000000;

		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) != getpid()) {
				threads++;
				if (last)
					fprintf(stderr,
						"nestbox: leak check: thread %s still running\n",
						e->d_name);
			}
		closedir(d);
		if (!threads || last) {
			leaks += threads;
			break;
		}
	}
	return leaks ? 3 : status;
}

int main(int argc, char **argv)
{
	uint64_t start_ns = nb_monotonic_ns();
	int status;

	/* The serial port writes to stdout, which may be a closed pipe. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "host-check") == 0)
		return cmd_host_check(argc - 1, argv + 1);
	status = cmd_run(argc, argv, start_ns);
	nb_seccomp_free(seccomp);
	return check_leaks(status);
}
