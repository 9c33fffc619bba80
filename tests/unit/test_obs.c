// SPDX-License-Identifier: Apache-2.0
/*
 * The logger and the metrics: their config sections (every field's
 * errors), the log line format, a log FIFO without a reader (never
 * blocks), and the metrics line parsed back with json-c.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/check_run.h"
#include "vmm/config.h"
#include "vmm/config_dump.h"
#include "vmm/logger.h"
#include "vmm/metrics.h"

static char err[512];

static int parse_logger(struct nb_logger_config *l, const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	int r;

	ck_assert_msg(o != NULL, "%s", text);
	err[0] = 0;
	r = nb_config_parse_logger(l, o, err, sizeof(err));
	json_object_put(o);
	return r;
}

static int parse_metrics(struct nb_metrics_config *m, const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	int r;

	ck_assert_msg(o || !strcmp(text, "null"), "%s", text);
	err[0] = 0;
	r = nb_config_parse_metrics(m, o, err, sizeof(err));
	json_object_put(o);
	return r;
}

static void logger_refused(const char *text, const char *msg)
{
	struct nb_logger_config l = {.level = NB_LOG_INFO};

	ck_assert_msg(parse_logger(&l, text) == -EINVAL, "%s accepted", text);
	ck_assert_str_eq(err, msg);
	ck_assert_ptr_null(l.log_path);
	ck_assert_ptr_null(l.module);
}

static void metrics_refused(const char *text, const char *msg)
{
	struct nb_metrics_config m = {0};

	ck_assert_msg(parse_metrics(&m, text) == -EINVAL, "%s accepted", text);
	ck_assert_str_eq(err, msg);
	ck_assert_ptr_null(m.metrics_path);
}

START_TEST(test_logger_parse)
{
	struct nb_logger_config l = {.level = NB_LOG_INFO};
	static const struct {
		const char *s;
		enum nb_log_level l;
	} levels[] = {{"Error", NB_LOG_ERROR}, {"warning", NB_LOG_WARN}, {"WARN", NB_LOG_WARN},
		      {"info", NB_LOG_INFO},   {"DeBuG", NB_LOG_DEBUG},	 {"trace", NB_LOG_TRACE},
		      {"OFF", NB_LOG_OFF}};
	char json[128];

	/* Every field is optional; level defaults to Info. */
	ck_assert_int_eq(parse_logger(&l, "{}"), 0);
	ck_assert_int_eq(l.level, NB_LOG_INFO);
	ck_assert_ptr_null(l.log_path);
	ck_assert(!l.show_level && !l.show_log_origin);
	ck_assert_int_eq(parse_logger(&l, "{\"log_path\": \"/tmp/l.fifo\", \"level\": \"Debug\", "
					  "\"show_level\": true, \"show_log_origin\": true, "
					  "\"module\": \"vmm/\"}"),
			 0);
	ck_assert_str_eq(l.log_path, "/tmp/l.fifo");
	ck_assert_int_eq(l.level, NB_LOG_DEBUG);
	ck_assert(l.show_level && l.show_log_origin);
	ck_assert_str_eq(l.module, "vmm/");
	/* On error the old section stays. */
	ck_assert_int_eq(parse_logger(&l, "{\"level\": \"loud\"}"), -EINVAL);
	ck_assert_str_eq(l.log_path, "/tmp/l.fifo");
	for (unsigned int i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(json, sizeof(json), "{\"level\": \"%s\", \"log_path\": null}",
			 levels[i].s);
		ck_assert_int_eq(parse_logger(&l, json), 0);
		ck_assert_int_eq(l.level, levels[i].l);
		ck_assert_ptr_null(l.log_path);
	}
	ck_assert_str_eq(nb_log_level_name(NB_LOG_WARN), "Warning");
	ck_assert_str_eq(nb_log_level_name(NB_LOG_OFF), "Off");
	nb_logger_config_free(&l);
	nb_logger_config_free(&l);
	ck_assert_int_eq(l.level, NB_LOG_INFO);
}
END_TEST

START_TEST(test_logger_errors)
{
	char json[NB_OBS_PATH_MAX + 64], big[NB_OBS_PATH_MAX + 2];

	logger_refused("[]", "logger: must be an object, not an array");
	logger_refused("{\"log_fifo\": \"/x\"}", "logger.log_fifo: unknown field");
	logger_refused("{\"log_path\": 1}", "logger.log_path: must be a string, not 1");
	logger_refused("{\"log_path\": \"\"}", "logger.log_path: must not be empty");
	logger_refused("{\"log_path\": \"/a\\u0000b\"}",
		       "logger.log_path: must not contain a NUL character");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(json, sizeof(json), "{\"log_path\": \"%s\"}", big);
	logger_refused(json, "logger.log_path: must be at most 4095 bytes");
	logger_refused("{\"level\": 3}", "logger.level: must be a string, not 3");
	logger_refused("{\"level\": \"loud\"}",
		       "logger.level: must be one of Error, Warning, Info, Debug, Trace, Off, not "
		       "\"loud\"");
	logger_refused("{\"level\": \"\"}",
		       "logger.level: must be one of Error, Warning, Info, Debug, Trace, Off, not "
		       "\"\"");
	logger_refused("{\"show_level\": \"yes\"}",
		       "logger.show_level: must be a boolean, not \"yes\"");
	logger_refused("{\"show_log_origin\": 1}",
		       "logger.show_log_origin: must be a boolean, not 1");
	logger_refused("{\"module\": false}", "logger.module: must be a string, not false");
	memset(big, 'm', 300);
	big[300] = 0;
	snprintf(json, sizeof(json), "{\"module\": \"%s\"}", big);
	logger_refused(json, "logger.module: must be at most 255 bytes");
}
END_TEST

START_TEST(test_metrics_parse)
{
	struct nb_metrics_config m = {0};
	char json[NB_OBS_PATH_MAX + 64], big[NB_OBS_PATH_MAX + 2];

	ck_assert_int_eq(parse_metrics(&m, "{\"metrics_path\": \"/tmp/m.json\"}"), 0);
	ck_assert_str_eq(m.metrics_path, "/tmp/m.json");
	ck_assert_int_eq(parse_metrics(&m, "{\"metrics_path\": \"\"}"), -EINVAL);
	ck_assert_str_eq(m.metrics_path, "/tmp/m.json");
	nb_metrics_config_free(&m);
	nb_metrics_config_free(&m);
	metrics_refused("null", "metrics: must be an object, not null");
	metrics_refused("{}", "metrics.metrics_path: is required");
	metrics_refused("{\"metrics_path\": null}",
			"metrics.metrics_path: must be a string, not null");
	metrics_refused("{\"metrics_path\": []}",
			"metrics.metrics_path: must be a string, not an array");
	metrics_refused("{\"metrics_path\": \"\"}", "metrics.metrics_path: must not be empty");
	metrics_refused("{\"metrics_path\": \"/m\", \"metrics_fifo\": \"/x\"}",
			"metrics.metrics_fifo: unknown field");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(json, sizeof(json), "{\"metrics_path\": \"%s\"}", big);
	metrics_refused(json, "metrics.metrics_path: must be at most 4095 bytes");
}
END_TEST

#define BOOT "\"boot-source\": {\"kernel_image_path\": \"/k\"}"

/* The config file's sections, and GET /vm/config's view of them. */
START_TEST(test_config_file)
{
	struct nb_vm_config c;
	struct json_object *o, *v;

	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_json(&c, "{" BOOT ", \"logger\": null, \"metrics\": []}",
					     err, sizeof(err)),
			 0);
	ck_assert(!c.has_logger && !c.has_metrics);
	o = nb_config_to_json(&c);
	ck_assert(json_object_object_get_ex(o, "logger", &v) && !v);
	ck_assert(json_object_object_get_ex(o, "metrics", &v) && !v);
	json_object_put(o);
	ck_assert_int_eq(nb_config_from_json(&c,
					     "{" BOOT ", \"logger\": {\"log_path\": \"/l\", "
					     "\"level\": \"warn\", \"show_level\": true}, "
					     "\"metrics\": {\"metrics_path\": \"/m\"}}",
					     err, sizeof(err)),
			 0);
	ck_assert(c.has_logger && c.has_metrics);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	o = nb_config_to_json(&c);
	ck_assert(json_object_object_get_ex(o, "logger", &v));
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE),
			 "{\"log_path\":\"/l\",\"level\":\"Warning\",\"show_level\":true,"
			 "\"show_log_origin\":false,\"module\":null}");
	ck_assert(json_object_object_get_ex(o, "metrics", &v));
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE),
			 "{\"metrics_path\":\"/m\"}");
	json_object_put(o);
	/* Errors name the field; the config is unchanged. */
	ck_assert_int_eq(
	    nb_config_from_json(&c, "{" BOOT ", \"logger\": {\"level\": 1}}", err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "logger.level: must be a string, not 1");
	ck_assert_int_eq(nb_config_from_json(&c, "{" BOOT ", \"metrics\": {}}", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "metrics.metrics_path: is required");
	ck_assert_int_eq(nb_config_from_json(&c, "{" BOOT ", \"logger\": 0}", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "logger: must be an object, not 0");
	ck_assert_str_eq(c.logger.log_path, "/l");
	/* nb_config_validate() checks the sections again, however filled. */
	free(c.metrics.metrics_path);
	c.metrics.metrics_path = strdup("");
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "metrics.metrics_path: must not be empty");
	c.logger.level = (enum nb_log_level)42;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err,
			 "logger.level: must be one of Error, Warning, Info, Debug, Trace, Off");
	nb_config_free(&c);
}
END_TEST

START_TEST(test_line_format)
{
	struct nb_log_line l = {
	    .when = {.tv_sec = 1764632710, .tv_nsec = 123456789},
	    .instance_id = "anonymous-instance",
	    .thread = "nb_vcpu0",
	    .level = NB_LOG_WARN,
	    .msg = "hello",
	};
	char buf[256], small[40];
	size_t n;

	n = nb_log_format(buf, sizeof(buf), &l);
	ck_assert_str_eq(buf,
			 "2025-12-01T23:45:10.123456789 [anonymous-instance:nb_vcpu0] hello\n");
	ck_assert_uint_eq(n, strlen(buf));
	l.show_level = true;
	nb_log_format(buf, sizeof(buf), &l);
	ck_assert_str_eq(
	    buf, "2025-12-01T23:45:10.123456789 [anonymous-instance:nb_vcpu0:WARN] hello\n");
	l.origin = "vmm/run.c";
	l.origin_line = 55;
	l.level = NB_LOG_ERROR;
	nb_log_format(buf, sizeof(buf), &l);
	ck_assert_str_eq(buf, "2025-12-01T23:45:10.123456789 "
			      "[anonymous-instance:nb_vcpu0:ERROR:vmm/run.c:55] hello\n");
	l.show_level = false;
	nb_log_format(buf, sizeof(buf), &l);
	ck_assert_str_eq(buf, "2025-12-01T23:45:10.123456789 "
			      "[anonymous-instance:nb_vcpu0:vmm/run.c:55] hello\n");
	/* Cut to fit, the newline kept. */
	n = nb_log_format(small, sizeof(small), &l);
	ck_assert_uint_eq(n, sizeof(small) - 1);
	ck_assert_int_eq(small[n - 1], '\n');
	/* The date against gmtime_r() over 400 years, leap days and all. */
	for (int64_t t = -86400LL * 365 * 70; t < 86400LL * 365 * 330; t += 86400LL * 7 + 3671) {
		struct tm tm;
		time_t tt = (time_t)t;
		char want[64];

		gmtime_r(&tt, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.000000000 [",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		l.when.tv_sec = tt;
		l.when.tv_nsec = 0;
		nb_log_format(buf, sizeof(buf), &l);
		ck_assert_msg(!strncmp(buf, want, strlen(want)), "%s vs %s", buf, want);
	}
	ck_assert_str_eq(nb_log_origin("/no/such/tree/x.c"), "/no/such/tree/x.c");
	ck_assert_str_eq(nb_log_origin(__FILE__), "tests/unit/test_obs.c");
}
END_TEST

static char tmpdir[64];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nb-obs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	prctl(PR_SET_NAME, "nb_test", 0, 0, 0);
}

static void teardown(void)
{
	char cmd[128];

	nb_logger_close();
	nb_metrics_close();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static size_t read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	ck_assert_int_ge(fd, 0);
	r = read(fd, buf, n - 1);
	close(fd);
	ck_assert_int_ge(r, 0);
	buf[r] = 0;
	return (size_t)r;
}

/* A line of the configured format: "DATE [id:thread...] msg". */
static void check_line(const char *line, const char *tag, const char *msg)
{
	int y, mo, d, h, mi, s;
	long ns;
	char rest[512];

	ck_assert_msg(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%9ld %511[^\n]", &y, &mo, &d, &h, &mi,
			     &s, &ns, rest) == 8,
		      "bad line: %s", line);
	ck_assert_int_ge(y, 2024);
	ck_assert_int_eq(line[29], ' ');
	snprintf(err, sizeof(err), "[%s] %s", tag, msg);
	ck_assert_str_eq(rest, err);
}

START_TEST(test_logger_file)
{
	struct nb_logger_config c = {.level = NB_LOG_WARN, .show_level = true};
	char path[128], buf[4096], *l2, *l3;

	snprintf(path, sizeof(path), "%s/log", tmpdir);
	c.log_path = path;
	ck_assert(!nb_logger_configured());
	ck_assert_int_eq(nb_logger_init(&c, "vm1", "v0", err, sizeof(err)), 0);
	ck_assert(nb_logger_configured());
	/* Once only. */
	ck_assert_int_eq(nb_logger_init(&c, "vm1", "v0", err, sizeof(err)), -EALREADY);
	ck_assert_str_eq(err, "logger: the logger can be configured only once");
	nb_log_info("not shown: below Warning");
	nb_log_warn("a warning %d", 1);
	nb_log_error("an error");
	nb_log_at(NB_LOG_OFF, __FILE__, __LINE__, "never");
	read_file(path, buf, sizeof(buf));
	l2 = strchr(buf, '\n');
	ck_assert_ptr_nonnull(l2);
	*l2++ = 0;
	l3 = strchr(l2, '\n');
	ck_assert_ptr_nonnull(l3);
	*l3++ = 0;
	check_line(buf, "vm1:nb_test:WARN", "a warning 1");
	check_line(l2, "vm1:nb_test:ERROR", "an error");
	ck_assert_str_eq(l3, "");
	nb_logger_close();
	ck_assert(!nb_logger_configured());
}
END_TEST

START_TEST(test_logger_origin_module)
{
	struct nb_logger_config c = {.level = NB_LOG_TRACE, .show_log_origin = true};
	char path[128], buf[4096], tag[128];
	int line;

	snprintf(path, sizeof(path), "%s/log", tmpdir);
	c.log_path = path;
	c.module = "tests/";
	ck_assert_int_eq(nb_logger_init(&c, NULL, "v1.2", err, sizeof(err)), 0);
	/* The first line says what runs (Info passes Trace). */
	read_file(path, buf, sizeof(buf));
	ck_assert_int_eq(buf[0], 0); /* ...but the module filter keeps only tests/ */
	line = __LINE__ + 1;
	nb_log_debug("from %s", "tests");
	nb_log_at(NB_LOG_ERROR, "/elsewhere/vmm/x.c", 1, "filtered out");
	read_file(path, buf, sizeof(buf));
	*strchr(buf, '\n') = 0;
	snprintf(tag, sizeof(tag), "anonymous-instance:nb_test:tests/unit/test_obs.c:%d", line);
	check_line(buf, tag, "from tests");
}
END_TEST

START_TEST(test_logger_open_fails)
{
	struct nb_logger_config c = {.level = NB_LOG_INFO, .log_path = "/nonexistent/dir/log"};

	ck_assert_int_eq(nb_logger_init(&c, NULL, "v", err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err,
			 "logger.log_path: open /nonexistent/dir/log: No such file or directory");
	ck_assert(!nb_logger_configured());
}
END_TEST

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A FIFO nobody reads: lines are dropped and counted, never waited for. */
START_TEST(test_logger_fifo_no_reader)
{
	struct nb_logger_config c = {.level = NB_LOG_INFO};
	char path[128], msg[900];
	uint64_t t0, missed0 = nb_logger_missed();

	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	c.log_path = path;
	ck_assert_int_eq(nb_logger_init(&c, NULL, "v", err, sizeof(err)), 0);
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	t0 = now_ms();
	for (int i = 0; i < 1000; i++) /* ~1 MB: far more than a pipe holds */
		nb_log_warn("%s", msg);
	ck_assert_uint_lt(now_ms() - t0, 5000);
	ck_assert_uint_gt(nb_logger_missed(), missed0);
}
END_TEST

START_TEST(test_metrics_init_errors)
{
	struct nb_metrics_config m = {.metrics_path = "/nonexistent/dir/m"};

	ck_assert(!nb_metrics_configured());
	ck_assert_int_eq(nb_metrics_timer_fd(), -1);
	ck_assert_int_eq(nb_metrics_flush(NULL, NULL), -ENOTCONN);
	ck_assert_int_eq(nb_metrics_init(&m, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "metrics.metrics_path: open /nonexistent/dir/m: No such file or "
			      "directory");
	ck_assert(!nb_metrics_configured());
}
END_TEST

static uint64_t get(struct json_object *root, const char *group, const char *key)
{
	struct json_object *g, *v;

	ck_assert_msg(json_object_object_get_ex(root, group, &g), "no group %s", group);
	ck_assert_msg(json_object_object_get_ex(g, key, &v), "no %s.%s", group, key);
	ck_assert(json_object_is_type(v, json_type_int));
	return json_object_get_uint64(v);
}

static bool extra_groups(void *ctx, struct json_object *root)
{
	static const char *const names[] = {"read_count", "read_bytes"};
	static uint64_t prev[2];
	uint64_t *now = ctx;

	return nb_metrics_add_deltas(root, "block", names, now, prev, 2);
}

START_TEST(test_metrics_lines)
{
	struct nb_metrics_config m;
	static char buf[65536];
	char path[128], *l2;
	struct json_object *a, *b, *v;
	uint64_t blk[2] = {3, 4096};

	snprintf(path, sizeof(path), "%s/metrics", tmpdir);
	m.metrics_path = path;
	ck_assert_int_eq(nb_metrics_init(&m, err, sizeof(err)), 0);
	ck_assert(nb_metrics_configured());
	ck_assert_int_ge(nb_metrics_timer_fd(), 0);
	ck_assert_int_eq(nb_metrics_init(&m, err, sizeof(err)), -EALREADY);
	ck_assert_str_eq(err, "metrics: the metrics can be configured only once");
	nb_metrics_inc(NB_M_VCPU_EXIT_MMIO_READ);
	nb_metrics_add(NB_M_VCPU_EXIT_MMIO_WRITE, 5);
	nb_metrics_set(NB_M_LAT_PAUSE_US, 77);
	nb_metrics_api_request(1, "/drives/rootfs", 14, 204);
	nb_metrics_api_request(1, "drives/rootfs/", 14, 400);
	nb_metrics_api_request(0, "/", 1, 200);
	nb_metrics_api_request(2, "/machine-config", 15, 400);
	nb_metrics_api_request(0, "/drives/a/b", 11, 400);
	nb_metrics_api_request(1, "/actions", 8, 204);
	ck_assert_int_eq(nb_metrics_flush(extra_groups, blk), 0);
	blk[0] = 5;
	ck_assert_int_eq(nb_metrics_flush(extra_groups, blk), 0);
	read_file(path, buf, sizeof(buf));
	l2 = strchr(buf, '\n');
	ck_assert_ptr_nonnull(l2);
	*l2++ = 0;
	ck_assert_ptr_nonnull(strchr(l2, '\n'));
	*strchr(l2, '\n') = 0;
	a = json_tokener_parse(buf);
	b = json_tokener_parse(l2);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	/* The first line: what happened until then. */
	ck_assert(json_object_object_get_ex(a, "utc_timestamp_ms", &v));
	ck_assert_uint_gt(json_object_get_uint64(v), 1700000000000ull);
	ck_assert_uint_eq(get(a, "vcpu", "exit_mmio_read"), 1);
	ck_assert_uint_eq(get(a, "vcpu", "exit_mmio_write"), 5);
	ck_assert_uint_eq(get(a, "vcpu", "failures"), 0);
	ck_assert_uint_eq(get(a, "latencies_us", "vmm_pause_vm"), 77);
	ck_assert_uint_eq(get(a, "put_api_requests", "drive_count"), 2);
	ck_assert_uint_eq(get(a, "put_api_requests", "drive_fails"), 1);
	ck_assert_uint_eq(get(a, "put_api_requests", "actions_count"), 1);
	ck_assert_uint_eq(get(a, "put_api_requests", "actions_fails"), 0);
	ck_assert_uint_eq(get(a, "get_api_requests", "instance_info_count"), 1);
	ck_assert_uint_eq(get(a, "get_api_requests", "invalid_count"), 1);
	ck_assert_uint_eq(get(a, "get_api_requests", "invalid_fails"), 1);
	ck_assert_uint_eq(get(a, "patch_api_requests", "machine_cfg_count"), 1);
	ck_assert_uint_eq(get(a, "patch_api_requests", "machine_cfg_fails"), 1);
	ck_assert_uint_eq(get(a, "block", "read_count"), 3);
	ck_assert_uint_eq(get(a, "block", "read_bytes"), 4096);
	ck_assert_uint_eq(get(a, "logger", "missed_metrics_count"), 0);
	ck_assert_uint_eq(get(a, "logger", "metrics_fails"), 0);
	get(a, "logger", "missed_log_count");
	get(a, "signals", "sigterm");
	get(a, "api_server", "process_startup_time_us");
	ck_assert_uint_gt(get(a, "vmm", "rss_kib"), 0);
	/* The second: deltas since the first; values stay. */
	ck_assert_uint_eq(get(b, "vcpu", "exit_mmio_read"), 0);
	ck_assert_uint_eq(get(b, "vcpu", "exit_mmio_write"), 0);
	ck_assert_uint_eq(get(b, "latencies_us", "vmm_pause_vm"), 77);
	ck_assert_uint_eq(get(b, "put_api_requests", "drive_count"), 0);
	ck_assert_uint_eq(get(b, "block", "read_count"), 2);
	ck_assert_uint_eq(get(b, "block", "read_bytes"), 0);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

/* The 60 s timer, and a metrics FIFO nobody reads: lines dropped, never waited for. */
START_TEST(test_metrics_timer_and_fifo)
{
	struct nb_metrics_config m;
	struct itimerspec its;
	struct json_object *o;
	char path[128];
	uint64_t t0;
	int r = 0, i;

	snprintf(path, sizeof(path), "%s/mfifo", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	m.metrics_path = path;
	ck_assert_int_eq(nb_metrics_init(&m, err, sizeof(err)), 0);
	ck_assert_int_eq(timerfd_gettime(nb_metrics_timer_fd(), &its), 0);
	ck_assert_int_eq(its.it_interval.tv_sec, NB_METRICS_PERIOD_S);
	ck_assert_int_gt(its.it_value.tv_sec, NB_METRICS_PERIOD_S - 5);
	t0 = now_ms();
	for (i = 0; i < 1000 && !r; i++) /* a pipe holds 64 KiB: a few dozen lines */
		r = nb_metrics_flush(NULL, NULL);
	ck_assert_int_eq(r, -EAGAIN);
	ck_assert_int_lt(i, 1000);
	ck_assert_uint_lt(now_ms() - t0, 5000);
	o = nb_metrics_snapshot(NULL, NULL);
	ck_assert_uint_eq(get(o, "logger", "missed_metrics_count"), 1);
	json_object_put(o);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("obs");
	TCase *c = tcase_create("config");
	TCase *f = tcase_create("files");

	tcase_add_test(c, test_logger_parse);
	tcase_add_test(c, test_logger_errors);
	tcase_add_test(c, test_metrics_parse);
	tcase_add_test(c, test_config_file);
	tcase_add_test(c, test_line_format);
	suite_add_tcase(s, c);
	tcase_add_checked_fixture(f, setup, teardown);
	tcase_set_timeout(f, 30);
	tcase_add_test(f, test_logger_file);
	tcase_add_test(f, test_logger_origin_module);
	tcase_add_test(f, test_logger_open_fails);
	tcase_add_test(f, test_logger_fifo_no_reader);
	tcase_add_test(f, test_metrics_init_errors);
	tcase_add_test(f, test_metrics_lines);
	tcase_add_test(f, test_metrics_timer_and_fifo);
	suite_add_tcase(s, f);
	return s;
}

int main(void)
{
	return nb_check_run(suite());
}
