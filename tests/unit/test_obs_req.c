// SPDX-License-Identifier: Apache-2.0
/*
 * PUT /logger, PUT /metrics and FlushMetrics through the router, against a
 * fake backend: once each, before InstanceStart only, FlushMetrics only
 * once metrics are configured, errors naming the field, GET /vm/config.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/router.h"
#include "tests/unit/check_run.h"

struct fake {
	int loggers, metrics, flushes;
	int fail; /* the next call fails with this errno */
	char log_path[64];
	enum nb_log_level level;
};

static struct fake fake;

static int result(const char *what, char *err, size_t errlen)
{
	int r = fake.fail;

	fake.fail = 0;
	if (r)
		snprintf(err, errlen, "%s failed: %s", what, strerror(r));
	return -r;
}

static int fake_logger(void *b, const struct nb_logger_config *l, char *err, size_t errlen)
{
	(void)b;
	fake.loggers++;
	snprintf(fake.log_path, sizeof(fake.log_path), "%s", l->log_path ? l->log_path : "");
	fake.level = l->level;
	return result("logger", err, errlen);
}

static int fake_metrics(void *b, const struct nb_metrics_config *m, char *err, size_t errlen)
{
	(void)b, (void)m;
	fake.metrics++;
	return result("metrics", err, errlen);
}

static int fake_flush(void *b, char *err, size_t errlen)
{
	(void)b;
	fake.flushes++;
	return result("flush", err, errlen);
}

static int fake_start(void *b, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	return 0;
}

static const struct nb_api_backend_ops fake_ops = {
    .start = fake_start,
    .configure_logger = fake_logger,
    .configure_metrics = fake_metrics,
    .flush_metrics = fake_flush,
};

static const struct nb_api_backend_ops bare_ops = {.start = fake_start};

static struct nb_vm_config cfg;
static struct nb_api_ctx ctx;
static struct nb_api_response resp;

static void setup(void)
{
	nb_config_init(&cfg);
	memset(&fake, 0, sizeof(fake));
	ctx = (struct nb_api_ctx){.ops = &fake_ops, .cfg = &cfg, .version = "0.0"};
	resp.body = NULL;
}

static void teardown(void)
{
	free(resp.body);
	resp.body = NULL;
	nb_config_free(&cfg);
}

static void req(enum nb_http_method m, const char *path, const char *body)
{
	free(resp.body);
	nb_api_route(&ctx, m, path, strlen(path), body, body ? strlen(body) : 0, &resp);
}

static void expect_ok(enum nb_http_method m, const char *path, const char *body)
{
	req(m, path, body);
	ck_assert_msg(resp.status == 204, "%s %s: %d %s", path, body, resp.status,
		      resp.body ? resp.body : "");
}

static void expect_fault(enum nb_http_method m, const char *path, const char *body, const char *msg)
{
	struct json_object *o, *v;

	req(m, path, body);
	ck_assert_int_eq(resp.status, 400);
	o = json_tokener_parse(resp.body);
	ck_assert(json_object_object_get_ex(o, "fault_message", &v));
	ck_assert_str_eq(json_object_get_string(v), msg);
	json_object_put(o);
}

#define FLUSH "{\"action_type\": \"FlushMetrics\"}"

START_TEST(logger_once)
{
	expect_fault(NB_HTTP_PUT, "/logger", "{\"level\": \"chatty\"}",
		     "logger.level: must be one of Error, Warning, Info, Debug, Trace, Off, not "
		     "\"chatty\"");
	expect_fault(NB_HTTP_PUT, "/logger", "{\"log_fifo\": \"/x\"}",
		     "logger.log_fifo: unknown field");
	expect_fault(NB_HTTP_PUT, "/logger", "[]", "logger: must be an object, not an array");
	ck_assert_int_eq(fake.loggers, 0);
	/* The backend's failure (opening the file): nothing configured. */
	fake.fail = ENOENT;
	expect_fault(NB_HTTP_PUT, "/logger", "{\"log_path\": \"/x/y\"}",
		     "logger failed: No such file or directory");
	ck_assert(!cfg.has_logger);
	expect_ok(NB_HTTP_PUT, "/logger", "{\"log_path\": \"/tmp/l\", \"level\": \"debug\"}");
	ck_assert_int_eq(fake.loggers, 2);
	ck_assert_str_eq(fake.log_path, "/tmp/l");
	ck_assert_int_eq(fake.level, NB_LOG_DEBUG);
	ck_assert(cfg.has_logger);
	ck_assert_str_eq(cfg.logger.log_path, "/tmp/l");
	/* A second PUT is refused, as in Firecracker. */
	expect_fault(NB_HTTP_PUT, "/logger", "{\"log_path\": \"/tmp/m\"}",
		     "logger: the logger can be configured only once");
	ck_assert_int_eq(fake.loggers, 2);
	req(NB_HTTP_GET, "/vm/config", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(strstr(resp.body, "\"logger\":{\"log_path\":\"/tmp/l\",\"level\":"
						"\"Debug\",\"show_level\":false,"
						"\"show_log_origin\":false,\"module\":null}"));
}
END_TEST

START_TEST(metrics_and_flush)
{
	expect_fault(NB_HTTP_PUT, "/actions", FLUSH,
		     "FlushMetrics: the metrics are not configured (PUT /metrics first)");
	ck_assert_int_eq(fake.flushes, 0);
	expect_fault(NB_HTTP_PUT, "/metrics", "{}", "metrics.metrics_path: is required");
	expect_fault(NB_HTTP_PUT, "/metrics", "{\"metrics_path\": 5}",
		     "metrics.metrics_path: must be a string, not 5");
	fake.fail = EACCES;
	expect_fault(NB_HTTP_PUT, "/metrics", "{\"metrics_path\": \"/m\"}",
		     "metrics failed: Permission denied");
	expect_fault(NB_HTTP_PUT, "/actions", FLUSH,
		     "FlushMetrics: the metrics are not configured (PUT /metrics first)");
	expect_ok(NB_HTTP_PUT, "/metrics", "{\"metrics_path\": \"/m\"}");
	expect_fault(NB_HTTP_PUT, "/metrics", "{\"metrics_path\": \"/n\"}",
		     "metrics: the metrics can be configured only once");
	ck_assert_int_eq(fake.metrics, 2);
	expect_ok(NB_HTTP_PUT, "/actions", FLUSH);
	ck_assert_int_eq(fake.flushes, 1);
	fake.fail = EAGAIN;
	expect_fault(NB_HTTP_PUT, "/actions", FLUSH,
		     "flush failed: Resource temporarily unavailable");
	/* After InstanceStart too (FlushMetrics is for a running microVM). */
	expect_ok(NB_HTTP_PUT, "/actions", "{\"action_type\": \"InstanceStart\"}");
	ctx.state = NB_API_RUNNING;
	expect_ok(NB_HTTP_PUT, "/actions", FLUSH);
	ck_assert_int_eq(fake.flushes, 3);
	req(NB_HTTP_GET, "/vm/config", NULL);
	ck_assert_ptr_nonnull(strstr(resp.body, "\"metrics\":{\"metrics_path\":\"/m\"}"));
}
END_TEST

START_TEST(pre_boot_only)
{
	ctx.state = NB_API_RUNNING;
	expect_fault(NB_HTTP_PUT, "/logger", "{}",
		     "logger: the requested operation is not supported after starting the "
		     "microVM");
	expect_fault(NB_HTTP_PUT, "/metrics", "{\"metrics_path\": \"/m\"}",
		     "metrics: the requested operation is not supported after starting the "
		     "microVM");
	ck_assert_int_eq(fake.loggers + fake.metrics, 0);
}
END_TEST

START_TEST(no_backend)
{
	ctx.ops = &bare_ops;
	expect_fault(NB_HTTP_PUT, "/logger", "{}", "logger: not supported here");
	expect_fault(NB_HTTP_PUT, "/metrics", "{\"metrics_path\": \"/m\"}",
		     "metrics: not supported here");
	/* As if configured by the config file, but nothing to flush with. */
	cfg.has_metrics = true;
	expect_fault(NB_HTTP_PUT, "/actions", FLUSH,
		     "FlushMetrics: the metrics are not configured (PUT /metrics first)");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("obs_req");
	TCase *c = tcase_create("core");

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, logger_once);
	tcase_add_test(c, metrics_and_flush);
	tcase_add_test(c, pre_boot_only);
	tcase_add_test(c, no_backend);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return nb_check_run(suite());
}
