// SPDX-License-Identifier: Apache-2.0
/* nestbox's command line into the configuration (vmm/cli.h). */
#include "vmm/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "api/server.h"
#include "vmm/config_obs.h"

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
	OPT_NO_SECCOMP,
	OPT_SECCOMP_FILTER,
	OPT_SECCOMP_LOG,
	OPT_MMDS_SIZE_LIMIT,
	OPT_METADATA,
	OPT_LEVEL,
	OPT_LOG_PATH,
	OPT_SHOW_LEVEL,
	OPT_SHOW_ORIGIN,
	OPT_METRICS_PATH,
	OPT_BOOT_TIMER,
};

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
    {"level", required_argument, NULL, OPT_LEVEL},
    {"log-path", required_argument, NULL, OPT_LOG_PATH},
    {"show-level", no_argument, NULL, OPT_SHOW_LEVEL},
    {"show-log-origin", no_argument, NULL, OPT_SHOW_ORIGIN},
    {"metrics-path", required_argument, NULL, OPT_METRICS_PATH},
    {"boot-timer", no_argument, NULL, OPT_BOOT_TIMER},
    {0},
};

/* What the flags give; applied after the file. */
struct flags {
	const char *file, *kernel, *initrd, *cmdline, *serial_out, *cpu_config;
	long long vcpus, mem, max_payload, mmds_limit;
	bool nested, e2h0, hide_nv2, no_api;
	/* The logger and the metrics. */
	const char *level, *log_path, *metrics_path;
	bool show_level, show_origin;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
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

/* A decimal number in [1, UINT32_MAX] into *@v; false when it is not. */
static bool parse_u32(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && end != s && !*end && *v >= 1 && *v <= UINT32_MAX;
}

static int replace_str(char **dst, const char *s)
{
	char *copy;

	if (!s)
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

/* One flag into @cli / @f; 0, or -1 with @err. */
static int take(int c, const char *arg, struct nb_cli *cli, struct flags *f, char *err,
		size_t errlen)
{
	long long *num = NULL;
	const char *flag = NULL;

	switch (c) {
	case OPT_CONFIG:
		f->file = arg;
		break;
	case OPT_NO_API:
		f->no_api = true;
		break;
	case OPT_API_SOCK:
		cli->api_sock = arg;
		break;
	case OPT_MAX_PAYLOAD:
		num = &f->max_payload, flag = "--http-api-max-payload-size";
		break;
	case OPT_MMDS_SIZE_LIMIT:
		num = &f->mmds_limit, flag = "--mmds-size-limit";
		break;
	case OPT_METADATA:
		cli->metadata_path = arg;
		break;
	case OPT_KERNEL:
		f->kernel = arg;
		break;
	case OPT_INITRD:
		f->initrd = arg;
		break;
	case OPT_CMDLINE:
		f->cmdline = arg;
		break;
	case OPT_VCPUS:
		num = &f->vcpus, flag = "--vcpus";
		break;
	case OPT_MEM:
		num = &f->mem, flag = "--mem";
		break;
	case OPT_NESTED:
		f->nested = true;
		break;
	case OPT_E2H0:
		f->nested = f->e2h0 = true;
		break;
	case OPT_HIDE_NV2:
		f->nested = f->hide_nv2 = true;
		break;
	case OPT_CPU_CONFIG:
		f->cpu_config = arg;
		break;
	case OPT_SERIAL_OUT:
		f->serial_out = arg;
		break;
	case OPT_DUMP_DTB:
		cli->dump_dtb = arg;
		break;
	case OPT_DUMP_REGS:
		cli->dump_regs = arg;
		break;
	case OPT_KVM:
		cli->kvm_path = arg;
		break;
	case OPT_ID:
		if (!valid_id(arg))
			return fail(err, errlen,
				    "--id: '%s' must be 1 to 64 letters, digits or '-'", arg);
		cli->id = arg;
		break;
	case OPT_NO_SECCOMP:
		cli->no_seccomp = true;
		break;
	case OPT_SECCOMP_FILTER:
		cli->seccomp_file = arg;
		break;
	case OPT_SECCOMP_LOG:
		cli->seccomp_log = true;
		break;
	case OPT_LEVEL:
		f->level = arg;
		break;
	case OPT_LOG_PATH:
		f->log_path = arg;
		break;
	case OPT_SHOW_LEVEL:
		f->show_level = true;
		break;
	case OPT_SHOW_ORIGIN:
		f->show_origin = true;
		break;
	case OPT_METRICS_PATH:
		f->metrics_path = arg;
		break;
	case OPT_BOOT_TIMER:
		cli->boot_timer = true;
		break;
	}
	if (num && !parse_u32(arg, num))
		return fail(err, errlen, "%s: '%s' is not a positive number", flag, arg);
	return 0;
}

/*
 * The section's message for a flag: "logger.log_path: ..." is the
 * --log-path flag's. @key is the section's field, @flag the flag's name.
 */
static int flag_fail(char *err, size_t errlen, const char *key, const char *flag)
{
	char msg[512];
	size_t n = strlen(key);

	if (strncmp(err, key, n) || err[n] != ':')
		return -1;
	snprintf(msg, sizeof(msg), "%s%s", flag, err + n);
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/* The logger and metrics flags over @cfg's sections, by the sections' rules. */
static int apply_obs(const struct flags *f, struct nb_vm_config *cfg, char *err, size_t errlen)
{
	struct nb_logger_config *l = &cfg->logger;
	bool logger = f->level || f->log_path || f->show_level || f->show_origin;
	enum nb_log_level level;

	if (f->level && nb_log_level_parse(f->level, &level))
		return fail(err, errlen,
			    "--level: must be one of Error, Warning, Info, Debug, Trace, Off, not "
			    "\"%.64s\"",
			    f->level);
	if (logger) {
		if (!cfg->has_logger)
			*l = (struct nb_logger_config){.level = NB_LOG_INFO};
		cfg->has_logger = true;
		if (f->level)
			l->level = level;
		l->show_level |= f->show_level;
		l->show_log_origin |= f->show_origin;
		if (replace_str(&l->log_path, f->log_path))
			return fail(err, errlen, "out of memory");
		if (nb_config_check_logger(l, err, errlen))
			return flag_fail(err, errlen, "logger.log_path", "--log-path");
	}
	if (f->metrics_path) {
		cfg->has_metrics = true;
		if (replace_str(&cfg->metrics.metrics_path, f->metrics_path))
			return fail(err, errlen, "out of memory");
		if (nb_config_check_metrics(&cfg->metrics, err, errlen))
			return flag_fail(err, errlen, "metrics.metrics_path", "--metrics-path");
	}
	return 0;
}

/* The quick flags over the file's configuration, then the whole of it checked. */
static int apply_quick(const struct flags *f, struct nb_vm_config *cfg,
		       const char *default_boot_args, char *err, size_t errlen)
{
	int r = 0;

	if (f->cpu_config) {
		if (nb_cpu_config_from_file(&cfg->cpu, f->cpu_config, err, errlen))
			return -1;
		cfg->has_cpu_config = true;
	}
	if (f->kernel) {
		r |= replace_str(&cfg->boot.kernel_image_path, f->kernel);
		cfg->has_boot = true;
	}
	r |= replace_str(&cfg->boot.initrd_path, f->initrd);
	r |= replace_str(&cfg->boot.boot_args, f->cmdline);
	if (!cfg->boot.boot_args)
		r |= replace_str(&cfg->boot.boot_args, default_boot_args);
	r |= replace_str(&cfg->serial_output_path, f->serial_out);
	if (r)
		return fail(err, errlen, "out of memory");
	if (f->vcpus)
		cfg->machine.vcpu_count = (uint32_t)f->vcpus;
	if (f->mem)
		cfg->machine.mem_size_mib = (uint32_t)f->mem;
	cfg->machine.nested |= f->nested;
	cfg->machine.el2_e2h0 |= f->e2h0;
	cfg->machine.hide_nv2 |= f->hide_nv2;
	return nb_config_validate(cfg, err, errlen) ? -1 : 0;
}

int nb_cli_parse(struct nb_cli *cli, int argc, char **argv, struct nb_vm_config *cfg,
		 const char *default_boot_args, char *err, size_t errlen)
{
	struct flags f = {.max_payload = NB_HTTP_DEFAULT_MAX_PAYLOAD, .mmds_limit = -1};
	int c;

	memset(cli, 0, sizeof(*cli));
	err[0] = 0;
	optind = 0; /* glibc: start afresh */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c == ':')
			return fail(err, errlen, "%s: needs a value (see --help)",
				    argv[optind - 1]);
		if (c == '?')
			return fail(err, errlen, "unknown flag '%s' (see --help)",
				    argv[optind - 1]);
		if (c == OPT_HELP || c == OPT_VERSION) {
			cli->help = c == OPT_HELP;
			cli->version = c == OPT_VERSION;
			return 0;
		}
		if (take(c, optarg, cli, &f, err, errlen))
			return -1;
	}
	if (optind != argc)
		return fail(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	/* Firecracker's API unless --no-api; the quick flags alone run without it. */
	cli->api_on = !f.no_api && (cli->api_sock || f.file || !f.kernel);
	cli->api_start = f.file || f.kernel;
	cli->max_payload = (size_t)f.max_payload;
	/* As Firecracker: the MMDS takes what one API request can carry. */
	cli->mmds_size_limit = (size_t)(f.mmds_limit >= 0 ? f.mmds_limit : f.max_payload);
	if (!cli->api_sock)
		cli->api_sock = NB_API_DEFAULT_SOCKET;
	if (!cli->api_on && !cli->api_start)
		return fail(err, errlen,
			    "nothing to boot: give --config-file FILE or --kernel PATH, or drop "
			    "--no-api (see --help)");
	if (f.file && nb_config_from_file(cfg, f.file, err, errlen))
		return -1;
	if (apply_obs(&f, cfg, err, errlen))
		return -1;
	if (!cli->api_start)
		return 0; /* the API fills the rest */
	return apply_quick(&f, cfg, default_boot_args, err, errlen);
}
