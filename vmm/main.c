// SPDX-License-Identifier: Apache-2.0
/* nestbox: the command line. */
#include <ctype.h>
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

/* Firecracker's instance ids (the jailer's --id): [A-Za-z0-9-]{1,64}. */
static bool valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

/* A decimal number in [1, UINT32_MAX] for flag @flag, or -1 after an error line. */
static long long parse_u32(const char *flag, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > UINT32_MAX) {
		fprintf(stderr, "nestbox: %s: '%s' is not a positive number\n", flag, s);
		return -1;
	}
	return v;
}

static int replace_str(char **dst, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

enum {
	OPT_CONFIG = 256,
	OPT_NO_API,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_VCPUS,
	OPT_MEM,
	OPT_NESTED,
	OPT_E2H0,
	OPT_HIDE_NV2,
	OPT_CPU_CONFIG,
	OPT_SERIAL_OUT,
	OPT_DUMP_DTB,
	OPT_DUMP_REGS,
	OPT_KVM,
	OPT_ID,
	OPT_HELP,
	OPT_VERSION,
	OPT_API_SOCK,
	OPT_MAX_PAYLOAD,
};

/* --no-seccomp, --seccomp-filter FILE, --seccomp-log. */
enum { OPT_NO_SECCOMP = 512, OPT_SECCOMP_FILTER, OPT_SECCOMP_LOG };
enum { OPT_MMDS_SIZE_LIMIT = 768, OPT_METADATA };

/* --metadata: the MMDS data store's first contents. */
static const char *metadata_path;
static struct {
	const char *file;
	bool no, log;
} seccomp_args;
static struct nb_seccomp *seccomp; /* the filters, NULL when off */

/* The filters the flags ask for (and the build's default) into @seccomp; 0 or 1 after a line. */
static int load_seccomp(void)
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
	if (seccomp_args.no && (seccomp_args.file || seccomp_args.log)) {
		fprintf(stderr,
			"nestbox: --no-seccomp excludes --seccomp-filter and --seccomp-log\n");
		return 1;
	}
	if (seccomp_args.file || seccomp_args.log)
		on = true;
	if (seccomp_args.file)
		mode = NB_SECCOMP_ON; /* the file's own default actions */
	if (seccomp_args.log)
		mode = NB_SECCOMP_LOG;
	if (seccomp_args.no || !on)
		return 0;
	if (seccomp_args.file)
		r = nb_seccomp_from_file(&seccomp, seccomp_args.file, mode, err, sizeof(err));
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

/* How the API runs: --api-sock, --no-api, --http-api-max-payload-size. */
struct api_args {
	const char *sock;
	bool on;    /* serve the API */
	bool start; /* a configuration was given: start it at once */
	size_t max_payload;
};

/* Fills @cfg, @opts and @api from the command line; 0, or 1 (the exit status) on error. */
static int parse_run_args(int argc, char **argv, struct nb_vm_config *cfg, struct nb_vm_opts *opts,
			  struct api_args *api)
{
	static const struct option lopts[] = {
	    {"config-file", required_argument, NULL, OPT_CONFIG},
	    {"no-api", no_argument, NULL, OPT_NO_API},
	    {"kernel", required_argument, NULL, OPT_KERNEL},
	    {"initrd", required_argument, NULL, OPT_INITRD},
	    {"cmdline", required_argument, NULL, OPT_CMDLINE},
	    {"vcpus", required_argument, NULL, OPT_VCPUS},
	    {"mem", required_argument, NULL, OPT_MEM},
	    {"nested", no_argument, NULL, OPT_NESTED},
	    {"el2-e2h0", no_argument, NULL, OPT_E2H0},
	    {"hide-nv2", no_argument, NULL, OPT_HIDE_NV2},
	    {"cpu-config", required_argument, NULL, OPT_CPU_CONFIG},
	    {"serial-out", required_argument, NULL, OPT_SERIAL_OUT},
	    {"dump-dtb", required_argument, NULL, OPT_DUMP_DTB},
	    {"dump-regs", required_argument, NULL, OPT_DUMP_REGS},
	    {"kvm", required_argument, NULL, OPT_KVM},
	    {"id", required_argument, NULL, OPT_ID},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
	    {"seccomp-filter", required_argument, NULL, OPT_SECCOMP_FILTER},
	    {"seccomp-log", no_argument, NULL, OPT_SECCOMP_LOG},
	    {"api-sock", required_argument, NULL, OPT_API_SOCK},
	    {"http-api-max-payload-size", required_argument, NULL, OPT_MAX_PAYLOAD},
	    {"mmds-size-limit", required_argument, NULL, OPT_MMDS_SIZE_LIMIT},
	    {"metadata", required_argument, NULL, OPT_METADATA},
	    {0},
	};
	/* Flags apply after the file, whatever their order. */
	const char *file = NULL, *kernel = NULL, *initrd = NULL, *cmdline = NULL;
	const char *serial_out = NULL, *cpu_config = NULL;
	long long vcpus = 0, mem = 0;
	bool nested = false, e2h0 = false, hide_nv2 = false, no_api = false;
	long long max_payload = NB_HTTP_DEFAULT_MAX_PAYLOAD, mmds_limit = -1;
	char err[512];
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			file = optarg;
			break;
		case OPT_NO_API:
			no_api = true;
			break;
		case OPT_API_SOCK:
			api->sock = optarg;
			break;
		case OPT_MAX_PAYLOAD:
			if ((max_payload = parse_u32("--http-api-max-payload-size", optarg)) < 0)
				return 1;
			break;
		case OPT_MMDS_SIZE_LIMIT:
			if ((mmds_limit = parse_u32("--mmds-size-limit", optarg)) < 0)
				return 1;
			break;
		case OPT_METADATA:
			metadata_path = optarg;
			break;
		case OPT_KERNEL:
			kernel = optarg;
			break;
		case OPT_INITRD:
			initrd = optarg;
			break;
		case OPT_CMDLINE:
			cmdline = optarg;
			break;
		case OPT_VCPUS:
			if ((vcpus = parse_u32("--vcpus", optarg)) < 0)
				return 1;
			break;
		case OPT_MEM:
			if ((mem = parse_u32("--mem", optarg)) < 0)
				return 1;
			break;
		case OPT_NESTED:
			nested = true;
			break;
		case OPT_E2H0:
			nested = e2h0 = true;
			break;
		case OPT_HIDE_NV2:
			nested = hide_nv2 = true;
			break;
		case OPT_CPU_CONFIG:
			cpu_config = optarg;
			break;
		case OPT_SERIAL_OUT:
			serial_out = optarg;
			break;
		case OPT_DUMP_DTB:
			opts->dump_dtb = optarg;
			break;
		case OPT_DUMP_REGS:
			opts->dump_regs = optarg;
			break;
		case OPT_KVM:
			opts->kvm_path = optarg;
			break;
		case OPT_ID:
			if (!valid_id(optarg)) {
				fprintf(stderr,
					"nestbox: --id: '%s' must be 1 to 64 letters, digits "
					"or '-'\n",
					optarg);
				return 1;
			}
			opts->id = optarg;
			break;
		case OPT_NO_SECCOMP:
			seccomp_args.no = true;
			break;
		case OPT_SECCOMP_FILTER:
			seccomp_args.file = optarg;
			break;
		case OPT_SECCOMP_LOG:
			seccomp_args.log = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("nestbox %s\n", NB_VERSION);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nestbox: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 1;
	}
	/* Firecracker's API unless --no-api; the quick flags alone run without it. */
	api->on = !no_api && (api->sock || file || !kernel);
	api->start = file || kernel;
	api->max_payload = (size_t)max_payload;
	/* As Firecracker: the MMDS takes what one API request can carry. */
	opts->mmds_size_limit = (size_t)(mmds_limit >= 0 ? mmds_limit : max_payload);
	if (!api->sock)
		api->sock = NB_API_DEFAULT_SOCKET;
	if (!api->on && !api->start) {
		fprintf(stderr, "nestbox: nothing to boot: give --config-file FILE or --kernel "
				"PATH, or drop --no-api (see --help)\n");
		return 1;
	}
	if (!api->start)
		return 0; /* the API fills the configuration */
	if (file && nb_config_from_file(cfg, file, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		return 1;
	}
	if (cpu_config) {
		if (nb_cpu_config_from_file(&cfg->cpu, cpu_config, err, sizeof(err))) {
			fprintf(stderr, "nestbox: %s\n", err);
			return 1;
		}
		cfg->has_cpu_config = true;
	}
	if (kernel) {
		r |= replace_str(&cfg->boot.kernel_image_path, kernel);
		cfg->has_boot = true;
	}
	if (initrd)
		r |= replace_str(&cfg->boot.initrd_path, initrd);
	if (cmdline)
		r |= replace_str(&cfg->boot.boot_args, cmdline);
	if (!cfg->boot.boot_args)
		r |= replace_str(&cfg->boot.boot_args, DEFAULT_BOOT_ARGS);
	if (serial_out)
		r |= replace_str(&cfg->serial_output_path, serial_out);
	if (r) {
		fprintf(stderr, "nestbox: out of memory\n");
		return 1;
	}
	if (vcpus)
		cfg->machine.vcpu_count = (uint32_t)vcpus;
	if (mem)
		cfg->machine.mem_size_mib = (uint32_t)mem;
	if (nested)
		cfg->machine.nested = true;
	if (e2h0)
		cfg->machine.el2_e2h0 = true;
	if (hide_nv2)
		cfg->machine.hide_nv2 = true;
	if (nb_config_validate(cfg, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		return 1;
	}
	return 0;
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
	struct api_args api = {0};
	struct nb_api_server *server;
	struct nb_vmm vmm;
	char err[512];
	int status, r;

	nb_config_init(&cfg);
	if (parse_run_args(argc, argv, &cfg, &opts, &api) || load_seccomp()) {
		nb_config_free(&cfg);
		return 1;
	}
	opts.seccomp = seccomp;
	if (nb_vmm_init(&vmm, &opts, DEFAULT_BOOT_ARGS, err, sizeof(err))) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_config_free(&cfg);
		nb_vmm_destroy(&vmm);
		return 1;
	}
	nb_vmm_set_config(&vmm, &cfg);
	if (metadata_path && load_metadata(vmm.opts.mmds, metadata_path)) {
		nb_vmm_destroy(&vmm);
		return 1;
	}
	/* The socket first: nothing heavy before a client can connect. */
	r = api.on ? nb_api_server_new(&server, api.sock, api.max_payload, err, sizeof(err)) : 0;
	if (api.on && !r) {
		nb_api_server_on_thread_start(server, api_thread_start, seccomp);
		r = nb_vmm_serve_api(&vmm, server, err, sizeof(err));
	}
	if (r) {
		fprintf(stderr, "nestbox: %s\n", err);
		nb_vmm_destroy(&vmm);
		return 1;
	}
	if (api.start && nb_vmm_start(&vmm, err, sizeof(err))) {
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
