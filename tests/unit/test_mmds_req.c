// SPDX-License-Identifier: Apache-2.0
/* The MMDS routes through the router: /mmds and /mmds/config. */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "api/mmds_store.h"
#include "api/router.h"
#include "tests/unit/check_run.h"

#define GET NB_HTTP_GET
#define PUT NB_HTTP_PUT
#define PATCH NB_HTTP_PATCH
#define NET "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\"}"

static struct nb_vm_config cfg;
static struct nb_mmds *store;
static struct nb_api_ctx ctx;
static struct nb_api_response resp;

static void setup(void)
{
	nb_config_init(&cfg);
	ck_assert_int_eq(nb_mmds_new(&store, 64), 0);
	ctx = (struct nb_api_ctx){
	    .cfg = &cfg, .state = NB_API_NOT_STARTED, .version = "0", .mmds = store};
	resp = (struct nb_api_response){0};
}

static void teardown(void)
{
	free(resp.body);
	nb_config_free(&cfg);
	nb_mmds_free(store);
}

static int call(enum nb_http_method m, const char *path, const char *body)
{
	free(resp.body);
	nb_api_route(&ctx, m, path, strlen(path), body, body ? strlen(body) : 0, &resp);
	return resp.status;
}

static void expect_fault(int status, enum nb_http_method m, const char *path, const char *body,
			 const char *msg)
{
	struct json_object *o, *v;

	ck_assert_int_eq(call(m, path, body), status);
	o = json_tokener_parse(resp.body);
	ck_assert(json_object_object_get_ex(o, "fault_message", &v));
	ck_assert_str_eq(json_object_get_string(v), msg);
	json_object_put(o);
}

START_TEST(test_data)
{
	ck_assert_int_eq(call(GET, "/mmds", NULL), 200);
	ck_assert_str_eq(resp.body, "{}");
	expect_fault(400, PATCH, "/mmds", "{\"a\": 1}", "The MMDS data store is not initialized.");
	ck_assert_int_eq(call(PUT, "/mmds", "{\"a\": {\"b\": \"c\"}}"), 204);
	ck_assert_int_eq(call(PATCH, "/mmds", "{\"a\": {\"d\": 1}}"), 204);
	ck_assert_int_eq(call(GET, "/mmds", NULL), 200);
	ck_assert_str_eq(resp.body, "{\"a\":{\"b\":\"c\",\"d\":1}}");
	/* Over the 64-byte limit: 413, nothing changed. */
	expect_fault(413, PUT, "/mmds",
		     "{\"a\": \"0123456789012345678901234567890123456789012345678901234567890\"}",
		     "The MMDS data store would hold 69 bytes: more than its limit of 64 bytes "
		     "(--mmds-size-limit)");
	expect_fault(413, PATCH, "/mmds",
		     "{\"x\": \"0123456789012345678901234567890123456789012345678901234567890\"}",
		     "The MMDS data store would hold 89 bytes: more than its limit of 64 bytes "
		     "(--mmds-size-limit)");
	ck_assert_int_eq(call(GET, "/mmds", NULL), 200);
	ck_assert_str_eq(resp.body, "{\"a\":{\"b\":\"c\",\"d\":1}}");
	expect_fault(400, PUT, "/mmds", "{\"a\": ",
		     "request body: JSON syntax error at offset 6: "
		     "unexpected end of data");
	/* Changing the data is fine on a running microVM. */
	ctx.state = NB_API_RUNNING;
	ck_assert_int_eq(call(PUT, "/mmds", "[]"), 204);
	/* Without a store. */
	ctx.mmds = NULL;
	expect_fault(400, GET, "/mmds", NULL, "mmds: the MMDS data store is not available");
	expect_fault(400, PUT, "/mmds", "{}", "mmds: the MMDS data store is not available");
	expect_fault(400, PATCH, "/mmds", "{}", "mmds: the MMDS data store is not available");
}
END_TEST

START_TEST(test_config)
{
	struct json_object *o, *v;

	expect_fault(400, PUT, "/mmds/config", "{\"network_interfaces\": [\"eth0\"]}",
		     "mmds-config.network_interfaces[0]: \"eth0\" does not correspond to any "
		     "existing network interface");
	ck_assert(!cfg.has_mmds);
	ck_assert_int_eq(call(PUT, "/network-interfaces/eth0", NET), 204);
	ck_assert_int_eq(
	    call(PUT, "/mmds/config", "{\"network_interfaces\": [\"eth0\"], \"version\": \"V2\"}"),
	    204);
	ck_assert(cfg.has_mmds && cfg.mmds.v2);
	expect_fault(400, PUT, "/mmds/config", "{\"network_interfaces\": []}",
		     "mmds-config.network_interfaces: the list of network interface IDs that allow "
		     "forwarding MMDS requests is empty");
	expect_fault(400, PUT, "/mmds/config",
		     "{\"network_interfaces\": [\"eth0\", \"eth1\"], \"version\": \"V1\"}",
		     "mmds-config.network_interfaces[1]: \"eth1\" does not correspond to any "
		     "existing network interface");
	ck_assert(cfg.has_mmds && cfg.mmds.v2); /* unchanged */
	ck_assert_int_eq(call(GET, "/vm/config", NULL), 200);
	o = json_tokener_parse(resp.body);
	ck_assert(json_object_object_get_ex(o, "mmds-config", &v));
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			 "{\"version\":\"V2\",\"network_interfaces\":[\"eth0\"],\"ipv4_address\":"
			 "\"169.254.169.254\",\"imds_compat\":false}");
	json_object_put(o);
	ctx.state = NB_API_RUNNING;
	expect_fault(400, PUT, "/mmds/config", "{\"network_interfaces\": [\"eth0\"]}",
		     "mmds-config: the requested operation is not supported after starting the "
		     "microVM");
}
END_TEST

/* A JSON null is a value: PUT /mmds takes it as Firecracker (the store holds null). */
START_TEST(test_null_body)
{
	expect_fault(400, PATCH, "/mmds", "null", "The MMDS data store is not initialized.");
	ck_assert_int_eq(call(PUT, "/mmds", "null"), 204);
	ck_assert_int_eq(call(GET, "/mmds", NULL), 200);
	ck_assert_str_eq(resp.body, "null");
	ck_assert_int_eq(call(PUT, "/mmds", "{\"a\": 1}"), 204);
	ck_assert_int_eq(call(PATCH, "/mmds", " null "), 204); /* merge-patch: all removed */
	ck_assert_int_eq(call(GET, "/mmds", NULL), 200);
	ck_assert_str_eq(resp.body, "null");
	expect_fault(400, PUT, "/mmds/config", "null", "mmds-config: must be an object, not null");
}
END_TEST

/* Every route with a body answers a null one (never status 0), before start and after. */
START_TEST(test_null_everywhere)
{
	static const struct nb_api_backend_ops none = {0};
	static const struct {
		enum nb_http_method m;
		const char *path;
	} routes[] = {
	    {PUT, "/actions"},
	    {PUT, "/boot-source"},
	    {PUT, "/cpu-config"},
	    {PUT, "/drives/rootfs"},
	    {PATCH, "/drives/rootfs"},
	    {PUT, "/machine-config"},
	    {PATCH, "/machine-config"},
	    {PUT, "/entropy"},
	    {PUT, "/serial"},
	    {PATCH, "/vm"},
	    {PUT, "/snapshot/create"},
	    {PUT, "/snapshot/load"},
	    {PUT, "/network-interfaces/eth0"},
	    {PATCH, "/network-interfaces/eth0"},
	    {PUT, "/vsock"},
	    {PUT, "/balloon"},
	    {PATCH, "/balloon"},
	    {PATCH, "/balloon/statistics"},
	    {PUT, "/logger"},
	    {PUT, "/metrics"},
	    {PUT, "/mmds/config"},
	};

	ctx.ops = &none;
	for (int st = 0; st < 2; st++) {
		ctx.state = st ? NB_API_RUNNING : NB_API_NOT_STARTED;
		for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
			int status = call(routes[i].m, routes[i].path, "null");

			if (status != 400)
				ck_abort_msg("%s %s null: status %d",
					     nb_http_method_name(routes[i].m), routes[i].path,
					     status);
			ck_assert_ptr_nonnull(strstr(resp.body, "fault_message"));
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmds_req");
	TCase *tc = tcase_create("routes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_data);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_null_body);
	tcase_add_test(tc, test_null_everywhere);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
