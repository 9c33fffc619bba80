// SPDX-License-Identifier: Apache-2.0
/*
 * Firecracker's run-time device routes (api/runtime_routes.h): PATCH
 * /network-interfaces/{id}, GET|PATCH /balloon, GET|PATCH
 * /balloon/statistics, PATCH /balloon/hinting/{start,stop}, GET
 * /balloon/hinting/status, every error branch, against a fake VMM backend.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/runtime_routes.h"
#include "tests/unit/check_run.h"

struct fake {
	int net_calls, target_calls, interval_calls, config_calls, stats_calls;
	int fail; /* the next call fails with this errno */
	unsigned int net_index;
	bool net_rx, net_tx;
	struct nb_rate_limiter_config rx, tx;
	uint32_t target, interval;
	struct nb_api_balloon_stats stats;
	int hint_starts, hint_stops, hint_status_calls;
	bool hint_ack;
	struct nb_api_balloon_hint_status hint;
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

static int fake_update_net(void *b, unsigned int index, const struct nb_rate_limiter_config *rx,
			   const struct nb_rate_limiter_config *tx, char *err, size_t errlen)
{
	(void)b;
	fake.net_calls++;
	fake.net_index = index;
	fake.net_rx = rx;
	fake.net_tx = tx;
	fake.rx = rx ? *rx : (struct nb_rate_limiter_config){0};
	fake.tx = tx ? *tx : (struct nb_rate_limiter_config){0};
	return result("update_net", err, errlen);
}

static int fake_target(void *b, uint32_t mib, char *err, size_t errlen)
{
	(void)b;
	fake.target_calls++;
	fake.target = mib;
	return result("set_target", err, errlen);
}

static int fake_interval(void *b, uint32_t secs, char *err, size_t errlen)
{
	(void)b;
	fake.interval_calls++;
	fake.interval = secs;
	return result("set_interval", err, errlen);
}

static int fake_config(void *b, struct nb_balloon_config *out, char *err, size_t errlen)
{
	(void)b;
	fake.config_calls++;
	out->amount_mib = 7; /* the device's target, not the configured one */
	return result("config", err, errlen);
}

static int fake_stats(void *b, struct nb_api_balloon_stats *out, char *err, size_t errlen)
{
	(void)b;
	fake.stats_calls++;
	*out = fake.stats;
	return result("stats", err, errlen);
}

static int fake_hint_start(void *b, bool ack, char *err, size_t errlen)
{
	(void)b;
	fake.hint_starts++;
	fake.hint_ack = ack;
	return result("hint_start", err, errlen);
}

static int fake_hint_stop(void *b, char *err, size_t errlen)
{
	(void)b;
	fake.hint_stops++;
	return result("hint_stop", err, errlen);
}

static int fake_hint_status(void *b, struct nb_api_balloon_hint_status *out, char *err,
			    size_t errlen)
{
	(void)b;
	fake.hint_status_calls++;
	*out = fake.hint;
	return result("hint_status", err, errlen);
}

static const struct nb_api_backend_ops ops = {
    .update_net = fake_update_net,
    .balloon_set_target = fake_target,
    .balloon_set_stats_interval = fake_interval,
    .balloon_config = fake_config,
    .balloon_stats = fake_stats,
    .balloon_hint_start = fake_hint_start,
    .balloon_hint_stop = fake_hint_stop,
    .balloon_hint_status = fake_hint_status,
};
static const struct nb_api_backend_ops no_ops = {0};

static struct nb_vm_config cfg;
static struct nb_api_ctx ctx;
static struct nb_api_response resp;

static void setup(void)
{
	nb_config_init(&cfg);
	memset(&fake, 0, sizeof(fake));
	ctx = (struct nb_api_ctx){.ops = &ops, .backend = &fake, .cfg = &cfg, .version = "0"};
	resp = (struct nb_api_response){0};
}

static void teardown(void)
{
	free(resp.body);
	nb_config_free(&cfg);
}

static void call(enum nb_http_method m, const char *path, const char *body)
{
	free(resp.body);
	nb_api_route(&ctx, m, path, strlen(path), body, body ? strlen(body) : 0, &resp);
}

static void expect_ok(enum nb_http_method m, const char *path, const char *body)
{
	call(m, path, body);
	ck_assert_msg(resp.status == 204, "%s %s: %d %s", nb_http_method_name(m), path, resp.status,
		      resp.body ? resp.body : "");
}

static void expect_json(const char *path, const char *json)
{
	call(NB_HTTP_GET, path, NULL);
	ck_assert_msg(resp.status == 200, "GET %s: %d %s", path, resp.status,
		      resp.body ? resp.body : "");
	ck_assert_str_eq(resp.body, json);
}

static void expect_fault(enum nb_http_method m, const char *path, const char *body, const char *msg)
{
	struct json_object *o, *v;

	call(m, path, body);
	ck_assert_msg(resp.status == 400, "%s %s: %d", nb_http_method_name(m), path, resp.status);
	o = json_tokener_parse(resp.body);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "fault_message", &v));
	ck_assert_str_eq(json_object_get_string(v), msg);
	json_object_put(o);
}

#define GET NB_HTTP_GET
#define PUT NB_HTTP_PUT
#define PATCH NB_HTTP_PATCH
#define NET "/network-interfaces/eth1"
#define RX_OPS "{\"ops\": {\"size\": 5, \"refill_time\": 100}}"
#define BUCKET_JSON "{\"size\":5,\"one_time_burst\":0,\"refill_time\":100}"
#define PREBOOT " the requested operation is not supported before starting the microVM"

static void two_ifaces(void)
{
	expect_ok(PUT, "/network-interfaces/eth0",
		  "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\"}");
	expect_ok(PUT, NET, "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\"}");
}

START_TEST(net_state_and_body)
{
	two_ifaces();
	expect_fault(PATCH, NET, "{\"iface_id\": \"eth1\"}", "network-interfaces:" PREBOOT);
	ctx.state = NB_API_RUNNING;
	expect_fault(PATCH, "/network-interfaces/eth-1", "{}",
		     "API resource ids can only contain alphanumeric characters and underscores");
	expect_fault(PATCH, NET, "[]", "network-interfaces: must be an object");
	expect_fault(PATCH, NET, "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap9\"}",
		     "network-interfaces.host_dev_name: unknown field (PATCH takes iface_id, "
		     "rx_rate_limiter and tx_rate_limiter)");
	expect_fault(PATCH, NET, "{}", "network-interfaces.iface_id: is required (a string)");
	expect_fault(PATCH, NET, "{\"iface_id\": 1}",
		     "network-interfaces.iface_id: is required (a string)");
	expect_fault(PATCH, NET, "{\"iface_id\": \"eth0\"}",
		     "network-interfaces.iface_id: \"eth0\" does not match the path's id \"eth1\"");
	expect_fault(PATCH, "/network-interfaces/eth9", "{\"iface_id\": \"eth9\"}",
		     "network-interfaces.iface_id: there is no interface \"eth9\"");
	expect_fault(PATCH, NET, "{\"iface_id\": \"eth1\", \"rx_rate_limiter\": {\"ops\": {}}}",
		     "network-interfaces.rx_rate_limiter.ops.size: is required");
	expect_fault(PATCH, NET, "{\"iface_id\": \"eth1\", \"tx_rate_limiter\": 3}",
		     "network-interfaces.tx_rate_limiter: must be an object, not 3");
	/* Nothing to change: no call. */
	expect_ok(PATCH, NET, "{\"iface_id\": \"eth1\"}");
	expect_ok(PATCH, NET,
		  "{\"iface_id\": \"eth1\", \"rx_rate_limiter\": null, \"tx_rate_limiter\": {}}");
	ck_assert_int_eq(fake.net_calls, 0);
}
END_TEST

START_TEST(net_update)
{
	two_ifaces();
	ctx.state = NB_API_PAUSED;
	expect_ok(PATCH, NET, "{\"iface_id\": \"eth1\", \"rx_rate_limiter\": " RX_OPS "}");
	ck_assert_int_eq(fake.net_calls, 1);
	ck_assert_uint_eq(fake.net_index, 1);
	ck_assert(fake.net_rx && !fake.net_tx);
	ck_assert(fake.rx.has_ops && !fake.rx.has_bandwidth);
	ck_assert_uint_eq(fake.rx.ops.size, 5);
	ck_assert_uint_eq(fake.rx.ops.refill_time_ms, 100);
	/* A bucket left out stays as it was: in the device and in GET /vm/config. */
	expect_ok(PATCH, NET,
		  "{\"iface_id\": \"eth1\", \"rx_rate_limiter\": {\"bandwidth\": {\"size\": 0, "
		  "\"refill_time\": 0}}, \"tx_rate_limiter\": " RX_OPS "}");
	ck_assert(fake.net_rx && fake.net_tx);
	ck_assert(fake.rx.has_bandwidth && !fake.rx.has_ops);
	call(GET, "/vm/config", NULL);
	ck_assert_msg(strstr(resp.body,
			     "{\"iface_id\":\"eth1\",\"host_dev_name\":\"tap1\","
			     "\"guest_mac\":null,\"rx_rate_limiter\":{\"bandwidth\":{"
			     "\"size\":0,\"one_time_burst\":0,\"refill_time\":0},"
			     "\"ops\":" BUCKET_JSON "},\"tx_rate_limiter\":{\"bandwidth\":"
			     "null,\"ops\":" BUCKET_JSON "}}"),
		      "%s", resp.body);
	ck_assert(!cfg.net_ifaces[0].rx_rate_limiter.has_ops);
	/* The backend's failure is the answer; the configuration keeps its values. */
	fake.fail = EIO;
	expect_fault(PATCH, NET,
		     "{\"iface_id\": \"eth1\", \"tx_rate_limiter\": {\"bandwidth\": {\"size\": 9, "
		     "\"refill_time\": 9}}}",
		     "update_net failed: Input/output error");
	ck_assert(!cfg.net_ifaces[1].tx_rate_limiter.has_bandwidth);
	ctx.ops = &no_ops;
	expect_fault(PATCH, NET, "{\"iface_id\": \"eth1\", \"rx_rate_limiter\": " RX_OPS "}",
		     "network-interfaces: not supported here");
}
END_TEST

#define BALLOON(stats)                                                                             \
	"{\"amount_mib\": 16, \"deflate_on_oom\": false, \"stats_polling_interval_s\": " #stats "}"

START_TEST(balloon_target)
{
	expect_fault(GET, "/balloon", NULL, "balloon: no balloon device is configured");
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 8}", "balloon:" PREBOOT);
	expect_ok(PUT, "/balloon", BALLOON(0));
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 8}", "balloon:" PREBOOT);
	/* Before the start, the configured balloon. */
	expect_json("/balloon", "{\"amount_mib\":16,\"deflate_on_oom\":false,"
				"\"stats_polling_interval_s\":0,\"free_page_hinting\":false,"
				"\"free_page_reporting\":false}");
	ck_assert_int_eq(fake.config_calls, 0);
	ctx.state = NB_API_RUNNING;
	/* After it, the device's. */
	expect_json("/balloon", "{\"amount_mib\":7,\"deflate_on_oom\":false,"
				"\"stats_polling_interval_s\":0,\"free_page_hinting\":false,"
				"\"free_page_reporting\":false}");
	fake.fail = EIO;
	expect_fault(GET, "/balloon", NULL, "config failed: Input/output error");
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 8, \"deflate_on_oom\": true}",
		     "balloon.deflate_on_oom: unknown field");
	expect_fault(PATCH, "/balloon", "{}", "balloon.amount_mib: is required");
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 129}",
		     "balloon.amount_mib: 129 is more than machine-config.mem_size_mib (128)");
	ck_assert_int_eq(fake.target_calls, 0);
	expect_ok(PATCH, "/balloon", "{\"amount_mib\": 128}");
	ck_assert_int_eq(fake.target_calls, 1);
	ck_assert_uint_eq(fake.target, 128);
	ck_assert_uint_eq(cfg.balloon.amount_mib, 128);
	fake.fail = ENODEV;
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 0}", "set_target failed: No such device");
	ck_assert_uint_eq(cfg.balloon.amount_mib, 128);
	ctx.ops = &no_ops;
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 0}", "balloon: not supported here");
	/* Without the backend's view, the configuration's. */
	call(GET, "/balloon", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert(strstr(resp.body, "\"amount_mib\":128,"));
}
END_TEST

START_TEST(balloon_stats_off)
{
	expect_fault(GET, "/balloon/statistics", NULL, "balloon/statistics:" PREBOOT);
	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 1}",
		     "balloon/statistics:" PREBOOT);
	ctx.state = NB_API_RUNNING;
	expect_fault(GET, "/balloon/statistics", NULL, "balloon: no balloon device is configured");
	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 1}",
		     "balloon: no balloon device is configured");
	ctx.state = NB_API_NOT_STARTED;
	expect_ok(PUT, "/balloon", BALLOON(0));
	ctx.state = NB_API_RUNNING;
	expect_fault(GET, "/balloon/statistics", NULL,
		     "balloon/statistics: statistics are not enabled (the balloon was configured "
		     "with stats_polling_interval_s 0)");
	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 1}",
		     "balloon/statistics.stats_polling_interval_s: statistics cannot be turned on "
		     "after the microVM started (the balloon was configured with "
		     "stats_polling_interval_s 0)");
	expect_ok(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 0}");
	ck_assert_int_eq(fake.interval_calls + fake.stats_calls, 0);
}
END_TEST

START_TEST(balloon_stats_on)
{
	expect_ok(PUT, "/balloon", BALLOON(2));
	ctx.state = NB_API_PAUSED;
	fake.stats = (struct nb_api_balloon_stats){
	    .target_pages = 2048, .actual_pages = 1024, .target_mib = 8, .actual_mib = 4};
	/* No guest values yet: the sizes only. */
	expect_json("/balloon/statistics", "{\"target_pages\":2048,\"actual_pages\":1024,"
					   "\"target_mib\":8,\"actual_mib\":4}");
	fake.stats.guest[0] = 1;
	fake.stats.guest[4] = 50000000;
	fake.stats.guest[5] = 120000000;
	fake.stats.guest[9] = 3;
	fake.stats.guest[8] = 99; /* not present: not shown */
	fake.stats.present = 1u << 0 | 1u << 4 | 1u << 5 | 1u << 9;
	expect_json("/balloon/statistics",
		    "{\"target_pages\":2048,\"actual_pages\":1024,\"target_mib\":8,"
		    "\"actual_mib\":4,\"swap_in\":1,\"free_memory\":50000000,"
		    "\"total_memory\":120000000,\"hugetlb_failures\":3}");
	fake.stats.present = (1u << NB_API_BALLOON_GUEST_STATS) - 1;
	call(GET, "/balloon/statistics", NULL);
	ck_assert(strstr(resp.body, "\"swap_out\":0,\"major_faults\":0,\"minor_faults\":0,"
				    "\"free_memory\":50000000,\"total_memory\":120000000,"
				    "\"available_memory\":0,\"disk_caches\":0,"
				    "\"hugetlb_allocations\":99,\"hugetlb_failures\":3}"));
	fake.fail = EIO;
	expect_fault(GET, "/balloon/statistics", NULL, "stats failed: Input/output error");

	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 0}",
		     "balloon/statistics.stats_polling_interval_s: statistics cannot be turned off "
		     "after the microVM started (the balloon was configured with "
		     "stats_polling_interval_s 2)");
	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 65536}",
		     "balloon/statistics.stats_polling_interval_s: must be between 0 and 65535");
	expect_fault(PATCH, "/balloon/statistics", "{\"interval\": 1}",
		     "balloon/statistics.interval: unknown field");
	expect_ok(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 2}");
	ck_assert_int_eq(fake.interval_calls, 0); /* unchanged: no call */
	expect_ok(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 5}");
	ck_assert_int_eq(fake.interval_calls, 1);
	ck_assert_uint_eq(fake.interval, 5);
	ck_assert_uint_eq(cfg.balloon.stats_polling_interval_s, 5);
	fake.fail = EINVAL;
	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 6}",
		     "set_interval failed: Invalid argument");
	ck_assert_uint_eq(cfg.balloon.stats_polling_interval_s, 5);
	ctx.ops = &no_ops;
	expect_fault(PATCH, "/balloon/statistics", "{\"stats_polling_interval_s\": 6}",
		     "balloon/statistics: not supported here");
	expect_fault(GET, "/balloon/statistics", NULL, "balloon/statistics: not supported here");
}
END_TEST

#define HSTART "/balloon/hinting/start"
#define HSTOP "/balloon/hinting/stop"
#define HSTATUS "/balloon/hinting/status"
#define HINT_OFF                                                                                   \
	"balloon/hinting: free page hinting is not enabled (the balloon was configured with "      \
	"free_page_hinting false)"

START_TEST(balloon_hinting)
{
	/* Before the start, without a balloon, without hinting. */
	expect_fault(PATCH, HSTART, NULL, "balloon/hinting:" PREBOOT);
	expect_fault(PATCH, HSTOP, NULL, "balloon/hinting:" PREBOOT);
	expect_fault(GET, HSTATUS, NULL, "balloon/hinting:" PREBOOT);
	ctx.state = NB_API_RUNNING;
	expect_fault(PATCH, HSTART, NULL, "balloon: no balloon device is configured");
	ctx.state = NB_API_NOT_STARTED;
	expect_ok(PUT, "/balloon", BALLOON(0));
	ctx.state = NB_API_RUNNING;
	expect_fault(PATCH, HSTART, "{}", HINT_OFF);
	expect_fault(PATCH, HSTOP, NULL, HINT_OFF);
	expect_fault(GET, HSTATUS, NULL, HINT_OFF);
	ck_assert_int_eq(fake.hint_starts + fake.hint_stops + fake.hint_status_calls, 0);

	ctx.state = NB_API_NOT_STARTED;
	expect_ok(PUT, "/balloon",
		  "{\"amount_mib\": 0, \"deflate_on_oom\": false, \"free_page_hinting\": true}");
	ctx.state = NB_API_RUNNING;
	/* No body and an empty object: acknowledge_on_stop true. */
	expect_ok(PATCH, HSTART, NULL);
	ck_assert(fake.hint_ack);
	fake.hint_ack = false;
	expect_ok(PATCH, HSTART, "{}");
	ck_assert(fake.hint_ack);
	expect_ok(PATCH, HSTART, "{\"acknowledge_on_stop\": false}");
	ck_assert(!fake.hint_ack);
	ck_assert_int_eq(fake.hint_starts, 3);
	expect_fault(PATCH, HSTART, "{\"acknowledge_on_stop\": 1}",
		     "balloon/hinting/start.acknowledge_on_stop: must be a boolean");
	expect_fault(PATCH, HSTART, "{\"ack\": true}", "balloon/hinting/start.ack: unknown field");
	expect_fault(PATCH, HSTART, "[true]", "balloon/hinting/start: must be an object");
	ck_assert_int_eq(fake.hint_starts, 3);
	fake.fail = EAGAIN;
	expect_fault(PATCH, HSTART, NULL, "hint_start failed: Resource temporarily unavailable");

	/* Stop: any body is ignored, as in Firecracker. */
	expect_ok(PATCH, HSTOP, NULL);
	expect_ok(PATCH, HSTOP, "{\"x\": 1}");
	ck_assert_int_eq(fake.hint_stops, 2);
	fake.fail = EAGAIN;
	expect_fault(PATCH, HSTOP, NULL, "hint_stop failed: Resource temporarily unavailable");

	/* Status: guest_cmd only once the guest sent one. */
	expect_json(HSTATUS, "{\"host_cmd\":0}");
	fake.hint = (struct nb_api_balloon_hint_status){
	    .host_cmd = 2, .guest_cmd = 0, .has_guest_cmd = true};
	expect_json(HSTATUS, "{\"host_cmd\":2,\"guest_cmd\":0}");
	fake.fail = EIO;
	expect_fault(GET, HSTATUS, NULL, "hint_status failed: Input/output error");
	expect_fault(GET, HSTATUS, "{}", "GET request cannot have a body");
	/* Other methods are not routes; other PATCHes still need a body. */
	expect_fault(PUT, HSTART, "{}",
		     "Invalid request method and/or path: PUT /balloon/hinting/start");
	expect_fault(PATCH, "/balloon", NULL, "Empty PATCH request");

	/* Without the backend's operations. */
	ctx.ops = &no_ops;
	expect_fault(PATCH, HSTART, NULL, "balloon/hinting: not supported here");
	expect_fault(PATCH, HSTOP, NULL, "balloon/hinting: not supported here");
	expect_fault(GET, HSTATUS, NULL, "balloon/hinting: not supported here");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runtime_routes");
	TCase *tc = tcase_create("routes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, net_state_and_body);
	tcase_add_test(tc, net_update);
	tcase_add_test(tc, balloon_target);
	tcase_add_test(tc, balloon_stats_off);
	tcase_add_test(tc, balloon_stats_on);
	tcase_add_test(tc, balloon_hinting);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
