// SPDX-License-Identifier: Apache-2.0
/*
 * nestbox's command line: Firecracker's logger and metrics flags into the
 * configuration's sections (by their rules), and one line for every bad flag.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_run.h"
#include "vmm/cli.h"
#include "vmm/config_obs.h"

static struct nb_vm_config cfg;
static struct nb_cli cli;
static char err[512];

static void setup(void)
{
	nb_config_init(&cfg);
	err[0] = 0;
}

static void teardown(void)
{
	nb_config_free(&cfg);
}

/* Parses the NULL-terminated flags after "nestbox". */
static int parse(const char *first, ...)
{
	char *argv[32] = {"nestbox"};
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	nb_config_free(&cfg);
	nb_config_init(&cfg);
	return nb_cli_parse(&cli, argc, argv, &cfg, "console=ttyS0", err, sizeof(err));
}

static void expect_err(const char *msg)
{
	ck_assert_str_eq(err, msg);
}

START_TEST(test_logger_flags)
{
	ck_assert_int_eq(parse("--level", "debug", "--log-path", "/tmp/nb.log", "--show-level",
			       "--show-log-origin", NULL),
			 0);
	ck_assert(cfg.has_logger);
	ck_assert_int_eq(cfg.logger.level, NB_LOG_DEBUG);
	ck_assert_str_eq(cfg.logger.log_path, "/tmp/nb.log");
	ck_assert(cfg.logger.show_level && cfg.logger.show_log_origin);
	ck_assert(!cfg.has_metrics);
	/* Waiting for the API: the sections are filled all the same. */
	ck_assert(cli.api_on && !cli.api_start);
	ck_assert_str_eq(cli.api_sock, "/run/nestbox.socket");
	/* One flag alone: the other fields are the section's defaults. */
	ck_assert_int_eq(parse("--show-level", NULL), 0);
	ck_assert(cfg.has_logger && cfg.logger.show_level && !cfg.logger.show_log_origin);
	ck_assert_int_eq(cfg.logger.level, NB_LOG_INFO);
	ck_assert_ptr_null(cfg.logger.log_path);
	ck_assert_int_eq(parse("--level", "WARN", NULL), 0);
	ck_assert_int_eq(cfg.logger.level, NB_LOG_WARN);
	ck_assert_int_eq(parse("--level", "Off", NULL), 0);
	ck_assert_int_eq(cfg.logger.level, NB_LOG_OFF);
	/* No logger flag: no section. */
	ck_assert_int_eq(parse("--api-sock", "/tmp/s", NULL), 0);
	ck_assert(!cfg.has_logger && !cfg.has_metrics);
	ck_assert_str_eq(cli.api_sock, "/tmp/s");
}
END_TEST

START_TEST(test_metrics_and_boot_timer)
{
	ck_assert_int_eq(parse("--metrics-path", "/tmp/nb.metrics", "--boot-timer", NULL), 0);
	ck_assert(cfg.has_metrics && !cfg.has_logger);
	ck_assert_str_eq(cfg.metrics.metrics_path, "/tmp/nb.metrics");
	ck_assert(cli.boot_timer);
	ck_assert_int_eq(parse("--help", "--bogus", NULL), 0);
	ck_assert(cli.help);
	ck_assert_int_eq(parse("--version", NULL), 0);
	ck_assert(cli.version);
}
END_TEST

START_TEST(test_bad_flags)
{
	ck_assert_int_eq(parse("--level", "loud", NULL), -1);
	expect_err("--level: must be one of Error, Warning, Info, Debug, Trace, Off, not \"loud\"");
	ck_assert(!cfg.has_logger);
	ck_assert_int_eq(parse("--log-path", "", NULL), -1);
	expect_err("--log-path: must not be empty");
	ck_assert_int_eq(parse("--metrics-path", "", NULL), -1);
	expect_err("--metrics-path: must not be empty");
	ck_assert_int_eq(parse("--level", NULL), -1);
	expect_err("--level: needs a value (see --help)");
	ck_assert_int_eq(parse("--metrics-path", NULL), -1);
	expect_err("--metrics-path: needs a value (see --help)");
	ck_assert_int_eq(parse("--bogus", NULL), -1);
	expect_err("unknown flag '--bogus' (see --help)");
	ck_assert_int_eq(parse("--show-level=yes", NULL), -1);
	expect_err("unknown flag '--show-level=yes' (see --help)");
	ck_assert_int_eq(parse("extra", NULL), -1);
	expect_err("unexpected argument 'extra' (see --help)");
	ck_assert_int_eq(parse("--vcpus", "0", NULL), -1);
	expect_err("--vcpus: '0' is not a positive number");
	ck_assert_int_eq(parse("--http-api-max-payload-size", "1k", NULL), -1);
	expect_err("--http-api-max-payload-size: '1k' is not a positive number");
	ck_assert_int_eq(parse("--id", "a_b", NULL), -1);
	expect_err("--id: 'a_b' must be 1 to 64 letters, digits or '-'");
	ck_assert_int_eq(parse("--no-api", NULL), -1);
	expect_err("nothing to boot: give --config-file FILE or --kernel PATH, or drop --no-api "
		   "(see --help)");
}
END_TEST

/* The flags over the file's sections: the fields they give, the rest stays. */
START_TEST(test_flags_over_file)
{
	char path[] = "/tmp/nb-cli-XXXXXX";
	int fd = mkstemp(path);
	const char *json =
	    "{\"boot-source\": {\"kernel_image_path\": \"/k\"}, \"logger\": {\"level\": \"Error\", "
	    "\"log_path\": \"/a.log\", \"show_level\": true}, \"metrics\": {\"metrics_path\": "
	    "\"/m\"}}";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	ck_assert_int_eq(parse("--config-file", path, "--level", "trace", "--metrics-path", "/m2",
			       "--no-api", NULL),
			 0);
	ck_assert(cli.api_start && !cli.api_on);
	ck_assert_int_eq(cfg.logger.level, NB_LOG_TRACE);
	ck_assert_str_eq(cfg.logger.log_path, "/a.log");
	ck_assert(cfg.logger.show_level);
	ck_assert_str_eq(cfg.metrics.metrics_path, "/m2");
	ck_assert_str_eq(cfg.boot.boot_args, "console=ttyS0");
	/* The file's own errors name its field. */
	ck_assert_int_eq(parse("--config-file", "/nonexistent.json", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent.json"));
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("flags");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_logger_flags);
	tcase_add_test(tc, test_metrics_and_boot_timer);
	tcase_add_test(tc, test_bad_flags);
	tcase_add_test(tc, test_flags_over_file);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
