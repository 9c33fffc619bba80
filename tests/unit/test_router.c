// SPDX-License-Identifier: Apache-2.0
/*
 * The REST routes: JSON to the configuration with the exact messages, the
 * state rules (before start, running, paused) against a fake VMM backend.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/router.h"
#include "tests/unit/check_run.h"
#include "vmm/config_dump.h"

struct fake {
	int starts, pauses, resumes, updates, creates, loads;
	bool load_resume;
	int fail; /* the next call fails with this errno */
	unsigned int upd_index;
	char upd_path[64];
	bool upd_rl;
	struct nb_api_ctx *ctx;
};

static int fake_result(struct fake *f, const char *what, char *err, size_t errlen)
{
	int r = f->fail;

	f->fail = 0;
	if (r)
		snprintf(err, errlen, "%s failed: %s", what, strerror(r));
	return -r;
}

static int fake_start(void *b, char *err, size_t errlen)
{
	struct fake *f = b;
	int r = fake_result(f, "start", err, errlen);

	f->starts++;
	if (!r)
		f->ctx->state = NB_API_RUNNING;
	return r;
}

static int fake_pause(void *b, char *err, size_t errlen)
{
	struct fake *f = b;
	int r = fake_result(f, "pause", err, errlen);

	f->pauses++;
	if (!r)
		f->ctx->state = NB_API_PAUSED;
	return r;
}

static int fake_resume(void *b, char *err, size_t errlen)
{
	struct fake *f = b;
	int r = fake_result(f, "resume", err, errlen);

	f->resumes++;
	if (!r)
		f->ctx->state = NB_API_RUNNING;
	return r;
}

static int fake_update(void *b, unsigned int index, const char *path,
		       const struct nb_rate_limiter_config *rl, char *err, size_t errlen)
{
	struct fake *f = b;

	f->updates++;
	f->upd_index = index;
	snprintf(f->upd_path, sizeof(f->upd_path), "%s", path ? path : "");
	f->upd_rl = rl;
	return fake_result(f, "update", err, errlen);
}

static int fake_create(void *b, const struct nb_snapshot_create_req *req, char *err, size_t errlen)
{
	struct fake *f = b;

	(void)req;
	f->creates++;
	return fake_result(f, "create", err, errlen);
}

static int fake_load(void *b, const struct nb_snapshot_load_req *req, char *err, size_t errlen)
{
	struct fake *f = b;
	int r = fake_result(f, "load", err, errlen);

	f->loads++;
	f->load_resume = req->resume_vm;
	if (!r)
		f->ctx->state = req->resume_vm ? NB_API_RUNNING : NB_API_PAUSED;
	return r;
}

static const struct nb_api_backend_ops fake_ops = {
    .start = fake_start,
    .pause = fake_pause,
    .resume = fake_resume,
    .update_drive = fake_update,
    .snapshot_create = fake_create,
    .snapshot_load = fake_load,
};

static struct nb_vm_config cfg;
static struct fake fake;
static struct nb_api_ctx ctx;
static struct nb_api_response resp;

static void setup(void)
{
	nb_config_init(&cfg);
	memset(&fake, 0, sizeof(fake));
	ctx = (struct nb_api_ctx){.ops = &fake_ops,
				  .backend = &fake,
				  .cfg = &cfg,
				  .state = NB_API_NOT_STARTED,
				  .version = "0.1.0"};
	fake.ctx = &ctx;
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
	ck_assert_ptr_null(resp.body);
}

/* A 400 whose fault_message is exactly @msg. */
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
#define BOOT "{\"kernel_image_path\": \"/k\", \"boot_args\": \"console=ttyS0\"}"

START_TEST(instance_info)
{
	call(GET, "/", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "{\"id\":\"anonymous-instance\",\"state\":\"Not started\","
				    "\"vmm_version\":\"0.1.0\",\"app_name\":\"Nestbox\"}");
	ctx.id = "vm-1";
	ctx.state = NB_API_PAUSED;
	call(GET, "", NULL);
	ck_assert_str_eq(resp.body, "{\"id\":\"vm-1\",\"state\":\"Paused\","
				    "\"vmm_version\":\"0.1.0\",\"app_name\":\"Nestbox\"}");
	call(GET, "/version", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "{\"firecracker_version\":\"0.1.0\"}");
}
END_TEST

START_TEST(generic_errors)
{
	expect_fault(GET, "/nothing", NULL, "Invalid request method and/or path: GET /nothing");
	expect_fault(PATCH, "/boot-source", "{}",
		     "Invalid request method and/or path: PATCH /boot-source");
	expect_fault(GET, "/drives/x", NULL, "Invalid request method and/or path: GET /drives/x");
	expect_fault(PUT, "/drives", "{}", "Invalid request method and/or path: PUT /drives");
	expect_fault(PUT, "/drives/a/b", "{}",
		     "Invalid request method and/or path: PUT /drives/a/b");
	expect_fault(GET, "/a/b/c/d/e", NULL, "Invalid request method and/or path: GET /a/b/c/d/e");
	expect_fault(GET, "/", "{}", "GET request cannot have a body");
	expect_fault(PUT, "/boot-source", NULL, "Empty PUT request");
	expect_fault(PATCH, "/vm", NULL, "Empty PATCH request");
	/* Trailing and doubled leading slashes are Firecracker's too. */
	call(GET, "//machine-config/", NULL);
	ck_assert_int_eq(resp.status, 200);
}
END_TEST

START_TEST(bad_json)
{
	expect_fault(PUT, "/boot-source", "{\"kernel_image_path\": ",
		     "request body: JSON syntax error at offset 22: unexpected end of data");
	expect_fault(PUT, "/boot-source", "{\"a\" 1}",
		     "request body: JSON syntax error at offset 5: object property name "
		     "separator ':' expected");
	expect_fault(PUT, "/boot-source", "{} {}",
		     "request body: JSON syntax error at offset 3: unexpected character");
	expect_fault(PUT, "/boot-source", "[]", "boot-source: must be an object, not an array");
	expect_fault(PUT, "/machine-config", "12", "machine-config: must be an object, not 12");
	free(resp.body);
	nb_api_route(&ctx, PATCH, "/vm", 3, "{}\0", 3, &resp);
	ck_assert_int_eq(resp.status, 400);
	ck_assert(strstr(resp.body, "must not contain a NUL byte"));
	/* Whitespace after the value is fine. */
	expect_ok(PUT, "/boot-source", BOOT " \r\n");
}
END_TEST

START_TEST(machine_config)
{
	expect_ok(PUT, "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}");
	ck_assert(cfg.has_machine);
	ck_assert_uint_eq(cfg.machine.vcpu_count, 2);
	expect_fault(PUT, "/machine-config", "{\"vcpu_count\": \"2\", \"mem_size_mib\": 256}",
		     "machine-config.vcpu_count: must be an integer, not \"2\"");
	expect_fault(PUT, "/machine-config", "{\"vcpu_count\": 2}",
		     "machine-config.mem_size_mib: is required");
	expect_fault(PUT, "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256, \"x\": 1}",
		     "machine-config.x: unknown field");
	expect_fault(PUT, "/machine-config",
		     "{\"vcpu_count\": 2, \"mem_size_mib\": 256, \"cpu_template\": \"T2\"}",
		     "machine-config.cpu_template: not supported yet");
	ck_assert_uint_eq(cfg.machine.mem_size_mib, 256);
	/* PATCH: the given fields over the current ones. */
	expect_ok(PATCH, "/machine-config", "{\"mem_size_mib\": 512, \"nested\": true}");
	ck_assert_uint_eq(cfg.machine.vcpu_count, 2);
	ck_assert_uint_eq(cfg.machine.mem_size_mib, 512);
	ck_assert(cfg.machine.nested);
	expect_fault(PATCH, "/machine-config", "{\"hide_nv2\": 1}",
		     "machine-config.hide_nv2: must be a boolean, not 1");
	expect_fault(PATCH, "/machine-config", "{\"nested\": false, \"el2_e2h0\": true}",
		     "machine-config.el2_e2h0: requires nested");
	expect_fault(PATCH, "/machine-config", "{\"vcpus\": 1}",
		     "machine-config.vcpus: unknown field");
	expect_fault(PATCH, "/machine-config", "[1]",
		     "machine-config: must be an object, not an array");
	call(GET, "/machine-config", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "{\"vcpu_count\":2,\"mem_size_mib\":512,\"smt\":false,"
				    "\"track_dirty_pages\":false,\"huge_pages\":\"None\","
				    "\"nested\":true,\"el2_e2h0\":false,\"hide_nv2\":false}");
}
END_TEST

START_TEST(sections)
{
	expect_ok(PUT, "/boot-source", BOOT);
	ck_assert(cfg.has_boot);
	ck_assert_str_eq(cfg.boot.kernel_image_path, "/k");
	expect_fault(PUT, "/boot-source", "{\"initrd_path\": \"/i\"}",
		     "boot-source.kernel_image_path: is required");
	ck_assert_str_eq(cfg.boot.kernel_image_path, "/k");
	expect_ok(PUT, "/cpu-config", "{\"kvm_capabilities\": [\"171\"]}");
	ck_assert(cfg.has_cpu_config);
	ck_assert_uint_eq(cfg.cpu.nr_kvm_caps_required, 1);
	expect_fault(PUT, "/cpu-config", "{\"cpuid_modifiers\": []}",
		     "cpu-config.cpuid_modifiers: x86_64 only");
	expect_ok(PUT, "/entropy",
		  "{\"rate_limiter\": {\"ops\": {\"size\": 10, "
		  "\"refill_time\": 100}}}");
	ck_assert(cfg.has_entropy);
	ck_assert(cfg.entropy.rate_limiter.has_ops);
	expect_fault(PUT, "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": 10}}}",
		     "entropy.rate_limiter.ops.refill_time: is required");
	expect_ok(PUT, "/serial", "{\"output_path\": \"/tmp/s.log\"}");
	ck_assert_str_eq(cfg.serial_output_path, "/tmp/s.log");
	expect_fault(PUT, "/serial", "{\"output_path\": 3}",
		     "serial.output_path: must be a string, not 3");
	expect_fault(PUT, "/serial", "{\"path\": \"/x\"}", "serial.path: unknown field");
}
END_TEST

#define DRIVE(id, root)                                                                            \
	"{\"drive_id\": \"" id "\", \"path_on_host\": \"/d\", \"is_root_device\": " root           \
	", \"is_read_only\": false}"

START_TEST(drives)
{
	expect_ok(PUT, "/drives/rootfs", DRIVE("rootfs", "true"));
	ck_assert_uint_eq(cfg.nr_drives, 1);
	expect_ok(PUT, "/drives/data", DRIVE("data", "false"));
	/* PUT again replaces. */
	expect_ok(PUT, "/drives/data",
		  "{\"drive_id\": \"data\", \"path_on_host\": \"/e\", \"is_root_device\": false, "
		  "\"is_read_only\": true}");
	ck_assert_uint_eq(cfg.nr_drives, 2);
	ck_assert(cfg.drives[1].is_read_only);
	expect_fault(PUT, "/drives/other", DRIVE("data", "false"),
		     "drives.drive_id: \"data\" does not match the path's id \"other\"");
	expect_fault(PUT, "/drives/a-b", DRIVE("a-b", "false"),
		     "API resource ids can only contain alphanumeric characters and underscores");
	expect_fault(PUT, "/drives/second", DRIVE("second", "true"),
		     "drives[2].is_root_device: drives[0] is already the root device");
	expect_fault(PUT, "/drives/x", "{\"drive_id\": \"x\", \"is_root_device\": false}",
		     "drives.path_on_host: is required");
	expect_fault(PUT, "/drives/x",
		     "{\"drive_id\": \"x\", \"path_on_host\": \"/d\", \"cache_type\": \"Fast\"}",
		     "drives.cache_type: must be \"Unsafe\" or \"Writeback\"");
	expect_fault(PUT, "/drives/x",
		     "{\"drive_id\": \"x\", \"path_on_host\": \"/d\", \"socket\": \"/s\"}",
		     "drives.socket: not supported yet");
	ck_assert_uint_eq(cfg.nr_drives, 2);
	expect_fault(PATCH, "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"/f\"}",
		     "drives: the requested operation is not supported before starting the "
		     "microVM");
	for (int i = 2; i < NB_MAX_DRIVES; i++) {
		char path[32], body[160];

		snprintf(path, sizeof(path), "/drives/d%d", i);
		snprintf(body, sizeof(body), "{\"drive_id\": \"d%d\", \"path_on_host\": \"/d\"}",
			 i);
		expect_ok(PUT, path, body);
	}
	expect_fault(PUT, "/drives/d99", "{\"drive_id\": \"d99\", \"path_on_host\": \"/d\"}",
		     "drives: at most 16 drives are supported");
}
END_TEST

START_TEST(actions_and_state)
{
	expect_ok(PUT, "/boot-source", BOOT);
	expect_fault(PATCH, "/vm", "{\"state\": \"Paused\"}",
		     "vm: the requested operation is not supported before starting the microVM");
	fake.fail = EINVAL;
	expect_fault(PUT, "/actions", "{\"action_type\": \"InstanceStart\"}",
		     "start failed: Invalid argument");
	ck_assert_int_eq(ctx.state, NB_API_NOT_STARTED);
	expect_ok(PUT, "/actions", "{\"action_type\": \"InstanceStart\"}");
	ck_assert_int_eq(fake.starts, 2);
	ck_assert_int_eq(ctx.state, NB_API_RUNNING);
	/* Pre-boot resources are closed now. */
	expect_fault(PUT, "/actions", "{\"action_type\": \"InstanceStart\"}",
		     "InstanceStart: the requested operation is not supported after starting "
		     "the microVM");
	expect_fault(PUT, "/boot-source", BOOT,
		     "boot-source: the requested operation is not supported after starting the "
		     "microVM");
	expect_fault(PUT, "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128}",
		     "machine-config: the requested operation is not supported after starting "
		     "the microVM");
	expect_fault(PATCH, "/machine-config", "{\"vcpu_count\": 1}",
		     "machine-config: the requested operation is not supported after starting "
		     "the microVM");
	expect_fault(PUT, "/drives/x", DRIVE("x", "false"),
		     "drives: the requested operation is not supported after starting the "
		     "microVM");
	expect_fault(PUT, "/cpu-config", "{}",
		     "cpu-config: the requested operation is not supported after starting the "
		     "microVM");
	expect_fault(PUT, "/entropy", "{}",
		     "entropy: the requested operation is not supported after starting the "
		     "microVM");
	expect_fault(PUT, "/serial", "{}",
		     "serial: the requested operation is not supported after starting the "
		     "microVM");
	/* Reading still works. */
	call(GET, "/machine-config", NULL);
	ck_assert_int_eq(resp.status, 200);
	call(GET, "/vm/config", NULL);
	ck_assert_int_eq(resp.status, 200);
	/* Pause and resume; the same state twice is a no-op. */
	expect_ok(PATCH, "/vm", "{\"state\": \"Paused\"}");
	ck_assert_int_eq(ctx.state, NB_API_PAUSED);
	expect_ok(PATCH, "/vm", "{\"state\": \"Paused\"}");
	ck_assert_int_eq(fake.pauses, 1);
	call(GET, "/", NULL);
	ck_assert(strstr(resp.body, "\"state\":\"Paused\""));
	fake.fail = ETIMEDOUT;
	expect_fault(PATCH, "/vm", "{\"state\": \"Resumed\"}",
		     "resume failed: Connection timed out");
	expect_ok(PATCH, "/vm", "{\"state\": \"Resumed\"}");
	ck_assert_int_eq(ctx.state, NB_API_RUNNING);
	expect_ok(PATCH, "/vm", "{\"state\": \"Resumed\"}");
	ck_assert_int_eq(fake.resumes, 2);
	expect_fault(PATCH, "/vm", "{\"state\": \"Stopped\"}",
		     "vm.state: must be \"Paused\" or \"Resumed\"");
	expect_fault(PATCH, "/vm", "{\"state\": 1}", "vm.state: must be \"Paused\" or \"Resumed\"");
	expect_fault(PATCH, "/vm", "{}", "vm.state: must be \"Paused\" or \"Resumed\"");
	expect_fault(PATCH, "/vm", "[]", "vm.state: must be \"Paused\" or \"Resumed\"");
	expect_fault(PATCH, "/vm", "{\"state\": \"Paused\", \"x\": 1}", "vm.x: unknown field");
}
END_TEST

START_TEST(actions_bad)
{
	expect_fault(PUT, "/actions", "{\"action_type\": \"FlushMetrics\"}",
		     "FlushMetrics: the metrics are not configured (PUT /metrics first)");
	expect_fault(PUT, "/actions", "{\"action_type\": \"SendCtrlAltDel\"}",
		     "SendCtrlAltDel: x86_64 only (an arm64 guest has no i8042 controller)");
	expect_fault(PUT, "/actions", "{\"action_type\": \"Reboot\"}",
		     "actions.action_type: must be \"InstanceStart\", \"FlushMetrics\" or "
		     "\"SendCtrlAltDel\"");
	expect_fault(PUT, "/actions", "{}",
		     "actions.action_type: must be \"InstanceStart\", \"FlushMetrics\" or "
		     "\"SendCtrlAltDel\"");
	expect_fault(PUT, "/actions", "{\"action_type\": \"InstanceStart\", \"now\": true}",
		     "actions.now: unknown field");
	expect_fault(PUT, "/actions", "\"InstanceStart\"", "actions: must be an object");
	ck_assert_int_eq(fake.starts, 0);
}
END_TEST

START_TEST(patch_drive_running)
{
	expect_ok(PUT, "/drives/data", DRIVE("data", "false"));
	ctx.state = NB_API_RUNNING;
	expect_ok(PATCH, "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"/new\"}");
	ck_assert_int_eq(fake.updates, 1);
	ck_assert_str_eq(fake.upd_path, "/new");
	ck_assert(!fake.upd_rl);
	ck_assert_str_eq(cfg.drives[0].path_on_host, "/new");
	expect_ok(PATCH, "/drives/data",
		  "{\"drive_id\": \"data\", \"rate_limiter\": {\"bandwidth\": {\"size\": 1000, "
		  "\"refill_time\": 10}}}");
	ck_assert(fake.upd_rl);
	ck_assert_str_eq(fake.upd_path, "");
	ck_assert(cfg.drives[0].rate_limiter.has_bandwidth);
	/* Only the drive_id: nothing to do. */
	expect_ok(PATCH, "/drives/data", "{\"drive_id\": \"data\"}");
	ck_assert_int_eq(fake.updates, 2);
	fake.fail = ENOTSUP;
	expect_fault(PATCH, "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": \"/x\"}",
		     "update failed: Operation not supported");
	ck_assert_str_eq(cfg.drives[0].path_on_host, "/new");
	expect_fault(PATCH, "/drives/nope", "{\"drive_id\": \"nope\", \"path_on_host\": \"/x\"}",
		     "drives.drive_id: there is no drive \"nope\"");
	expect_fault(PATCH, "/drives/data", "{\"drive_id\": \"other\"}",
		     "drives.drive_id: \"other\" does not match the path's id \"data\"");
	expect_fault(PATCH, "/drives/data", "{\"path_on_host\": \"/x\"}",
		     "drives.drive_id: is required (a string)");
	expect_fault(PATCH, "/drives/data", "{\"drive_id\": 7}",
		     "drives.drive_id: is required (a string)");
	/* A null limiter changes nothing; a bucket left out stays as it is. */
	expect_ok(PATCH, "/drives/data", "{\"drive_id\": \"data\", \"rate_limiter\": null}");
	expect_ok(PATCH, "/drives/data",
		  "{\"drive_id\": \"data\", \"rate_limiter\": {\"ops\": {\"size\": 5, "
		  "\"refill_time\": 10}}}");
	ck_assert(cfg.drives[0].rate_limiter.has_bandwidth && cfg.drives[0].rate_limiter.has_ops);
	ck_assert_uint_eq(cfg.drives[0].rate_limiter.bandwidth.size, 1000);
	expect_fault(PATCH, "/drives/data", "{\"drive_id\": \"data\", \"is_read_only\": true}",
		     "drives.is_read_only: unknown field (PATCH takes drive_id, path_on_host and "
		     "rate_limiter)");
	expect_fault(PATCH, "/drives/data", "{\"drive_id\": \"data\", \"path_on_host\": 1}",
		     "drives.path_on_host: must be a non-empty string");
	expect_fault(PATCH, "/drives/data",
		     "{\"drive_id\": \"data\", \"rate_limiter\": {\"ops\": {\"size\": -1, "
		     "\"refill_time\": 1}}}",
		     "drives.rate_limiter.ops.size: must be between 0 and 9223372036854775807");
	expect_fault(PATCH, "/drives/data", "[]", "drives: must be an object");
	ck_assert_int_eq(fake.updates, 4);
}
END_TEST

START_TEST(net)
{
	expect_ok(PUT, "/network-interfaces/eth0",
		  "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\", \"guest_mac\": "
		  "\"AA:fc:00:00:00:01\", \"rx_rate_limiter\": {\"ops\": {\"size\": 1, "
		  "\"refill_time\": 2}}}");
	ck_assert_uint_eq(cfg.nr_net_ifaces, 1);
	expect_ok(PUT, "/network-interfaces/eth1",
		  "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\"}");
	expect_fault(PUT, "/network-interfaces/eth2",
		     "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap2\"}",
		     "network-interfaces.iface_id: \"eth1\" does not match the path's id \"eth2\"");
	expect_fault(PUT, "/network-interfaces/eth-2", "{}",
		     "API resource ids can only contain alphanumeric characters and underscores");
	call(PUT, "/network-interfaces/eth2",
	     "{\"iface_id\": \"eth2\", \"host_dev_name\": \"tap1\"}");
	ck_assert_int_eq(resp.status, 400);
	ck_assert_uint_eq(cfg.nr_net_ifaces, 2);
	expect_fault(PATCH, "/network-interfaces/eth0", "{\"iface_id\": \"eth0\"}",
		     "network-interfaces: the requested operation is not supported before "
		     "starting the microVM");
	call(GET, "/vm/config", NULL);
	ck_assert(strstr(resp.body,
			 "\"network-interfaces\":[{\"iface_id\":\"eth0\","
			 "\"host_dev_name\":\"tap0\",\"guest_mac\":\"aa:fc:00:00:00:01\","
			 "\"rx_rate_limiter\":{\"bandwidth\":null,\"ops\":{\"size\":1,"
			 "\"one_time_burst\":0,\"refill_time\":2}},\"tx_rate_limiter\":null},"
			 "{\"iface_id\":\"eth1\""));
	ctx.state = NB_API_RUNNING;
	expect_fault(PUT, "/network-interfaces/eth1",
		     "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\"}",
		     "network-interfaces: the requested operation is not supported after "
		     "starting the microVM");
	/* The run-time routes are test_runtime_routes.c's; this backend has none. */
	expect_ok(PATCH, "/network-interfaces/eth0", "{\"iface_id\": \"eth0\"}");
	expect_fault(PATCH, "/network-interfaces/eth0",
		     "{\"iface_id\": \"eth0\", \"tx_rate_limiter\": {\"ops\": {\"size\": 1, "
		     "\"refill_time\": 2}}}",
		     "network-interfaces: not supported here");
}
END_TEST

START_TEST(vsock_balloon)
{
	expect_ok(PUT, "/vsock", "{\"guest_cid\": 3, \"uds_path\": \"/tmp/v.sock\"}");
	ck_assert(cfg.has_vsock);
	ck_assert_uint_eq(cfg.vsock.guest_cid, 3);
	expect_fault(PUT, "/vsock", "{\"guest_cid\": 3}", "vsock.uds_path: is required");
	expect_fault(GET, "/balloon", NULL, "balloon: no balloon device is configured");
	expect_ok(PUT, "/balloon", "{\"amount_mib\": 16, \"deflate_on_oom\": true}");
	ck_assert(cfg.has_balloon);
	expect_fault(PUT, "/balloon", "{\"amount_mib\": 16}",
		     "balloon.deflate_on_oom: is required");
	call(GET, "/balloon", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body, "{\"amount_mib\":16,\"deflate_on_oom\":true,"
				    "\"stats_polling_interval_s\":0,\"free_page_hinting\":false,"
				    "\"free_page_reporting\":false}");
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 8}",
		     "balloon: the requested operation is not supported before starting the "
		     "microVM");
	expect_fault(GET, "/balloon/statistics", NULL,
		     "balloon/statistics: the requested operation is not supported before "
		     "starting the microVM");
	call(GET, "/vm/config", NULL);
	ck_assert(strstr(resp.body, "\"vsock\":{\"guest_cid\":3,\"uds_path\":\"/tmp/v.sock\","
				    "\"vsock_id\":null},\"balloon\":{\"amount_mib\":16,"));
	ctx.state = NB_API_RUNNING;
	expect_fault(PUT, "/vsock", "{\"guest_cid\": 3, \"uds_path\": \"/tmp/v.sock\"}",
		     "vsock: the requested operation is not supported after starting the microVM");
	expect_fault(PUT, "/balloon", "{\"amount_mib\": 16, \"deflate_on_oom\": true}",
		     "balloon: the requested operation is not supported after starting the "
		     "microVM");
	expect_fault(PATCH, "/balloon", "{\"amount\": 8}", "balloon.amount: unknown field");
	/* The run-time routes are test_runtime_routes.c's; this backend has none. */
	expect_fault(PATCH, "/balloon", "{\"amount_mib\": 8}", "balloon: not supported here");
	expect_fault(GET, "/balloon/statistics", NULL,
		     "balloon/statistics: statistics are not enabled (the balloon was configured "
		     "with stats_polling_interval_s 0)");
}
END_TEST

START_TEST(not_supported)
{
	static const struct {
		enum nb_http_method m;
		const char *path, *msg;
	} t[] = {
	    {PUT, "/pmem/pm0", "pmem: not supported yet"},
	    {GET, "/hotplug/memory", "memory hotplug: not supported yet"},
	    {PUT, "/hotplug/memory", "memory hotplug: not supported yet"},
	    {PATCH, "/hotplug/memory", "memory hotplug: not supported yet"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_fault(t[i].m, t[i].path, t[i].m == GET ? NULL : "{}", t[i].msg);
}
END_TEST

/* GET /vm/config is what a config file with the same content gives. */
START_TEST(vm_config_round_trip)
{
	struct nb_vm_config file;
	struct json_object *o;
	char err[256];

	expect_ok(PUT, "/boot-source", BOOT);
	expect_ok(PUT, "/machine-config",
		  "{\"vcpu_count\": 2, \"mem_size_mib\": 256, \"huge_pages\": \"2M\"}");
	expect_ok(PUT, "/drives/rootfs",
		  "{\"drive_id\": \"rootfs\", \"path_on_host\": \"/r\", \"is_root_device\": true, "
		  "\"is_read_only\": true, \"partuuid\": \"ab-12\", \"cache_type\": \"Writeback\", "
		  "\"io_engine\": \"Sync\", \"rate_limiter\": {\"bandwidth\": {\"size\": 5, "
		  "\"one_time_burst\": 7, \"refill_time\": 9}, \"ops\": null}}");
	expect_ok(PUT, "/entropy", "{}");
	expect_ok(PUT, "/serial", "{\"output_path\": \"/s\"}");
	expect_ok(PUT, "/cpu-config",
		  "{\"kvm_capabilities\": [\"171\", \"!172\"], \"vcpu_features\": [{\"index\": 0, "
		  "\"bitmap\": \"0b1x0\"}], \"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", "
		  "\"bitmap\": \"0bx00100xxx1xxxx00xxx1xxxxxxxxxxx1\"}]}");
	call(GET, "/vm/config", NULL);
	ck_assert_int_eq(resp.status, 200);
	nb_config_init(&file);
	ck_assert_msg(!nb_config_from_json(&file, resp.body, err, sizeof(err)), "%s", err);
	o = nb_config_to_json(&file);
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE),
			 resp.body);
	ck_assert(strstr(resp.body, "\"bitmap\":\"0bx00100xxx1xxxx00xxx1xxxxxxxxxxx1\""));
	ck_assert(strstr(resp.body, "\"kvm_capabilities\":[\"171\",\"!172\"]"));
	ck_assert(strstr(resp.body, "\"network-interfaces\":[],\"vsock\":null,\"balloon\":null"));
	json_object_put(o);
	nb_config_free(&file);
}
END_TEST

START_TEST(vm_config_empty)
{
	call(GET, "/vm/config", NULL);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_str_eq(resp.body,
			 "{\"boot-source\":null,\"machine-config\":{\"vcpu_count\":1,"
			 "\"mem_size_mib\":128,\"smt\":false,\"track_dirty_pages\":false,"
			 "\"huge_pages\":\"None\",\"nested\":false,\"el2_e2h0\":false,"
			 "\"hide_nv2\":false},\"drives\":[],\"serial\":null,\"entropy\":null,"
			 "\"cpu-config\":null,\"network-interfaces\":[],\"vsock\":null,"
			 "\"balloon\":null,\"logger\":null,\"metrics\":null,\"mmds-config\":null}");
}
END_TEST

#define SNAP "{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\"}"
#define LOAD_BODY                                                                                  \
	"{\"snapshot_path\": \"/s\", \"mem_backend\": {\"backend_type\": \"File\", "               \
	"\"backend_path\": \"/m\"}, \"resume_vm\": false}"

/* Create needs a paused microVM; load a fresh, unconfigured one. */
START_TEST(snapshot_state_rules)
{
	expect_fault(PUT, "/snapshot/create", SNAP,
		     "snapshot/create: the microVM must be paused first (PATCH /vm {\"state\": "
		     "\"Paused\"})");
	expect_fault(PUT, "/snapshot/create",
		     "{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"snapshot_type\": "
		     "\"Diff\"}",
		     "snapshot/create.snapshot_type: Diff snapshots need dirty page tracking "
		     "(machine-config track_dirty_pages, or track_dirty_pages at snapshot/load)");
	expect_fault(PUT, "/snapshot/load", "{\"snapshot_path\": \"/s\"}",
		     "snapshot/load: give one of mem_backend and mem_file_path");
	/* Uffd goes to the backend: a handler that is not there is its answer, nothing starts. */
	fake.fail = ECONNREFUSED;
	expect_fault(PUT, "/snapshot/load",
		     "{\"snapshot_path\": \"/s\", \"mem_backend\": {\"backend_type\": \"Uffd\", "
		     "\"backend_path\": \"/u\"}}",
		     "load failed: Connection refused");
	ck_assert_int_eq(ctx.state, NB_API_NOT_STARTED);
	/* A load into a fresh VMM, paused; then a snapshot of it; then no second load. */
	expect_ok(PUT, "/snapshot/load", LOAD_BODY);
	ck_assert_int_eq(fake.loads, 2);
	ck_assert(!fake.load_resume);
	ck_assert_int_eq(ctx.state, NB_API_PAUSED);
	expect_ok(PUT, "/snapshot/create", SNAP);
	ck_assert_int_eq(fake.creates, 1);
	expect_fault(PUT, "/snapshot/load", LOAD_BODY,
		     "snapshot/load: the microVM is already started: load a snapshot into a fresh "
		     "nestbox");
	/* The backend's failure is the answer. */
	fake.fail = EIO;
	expect_fault(PUT, "/snapshot/create", SNAP, "create failed: Input/output error");
}
END_TEST

START_TEST(snapshot_load_after_configuring)
{
	expect_ok(PUT, "/boot-source", BOOT);
	expect_fault(PUT, "/snapshot/load", LOAD_BODY,
		     "snapshot/load: loading a snapshot is not allowed after configuring "
		     "boot-specific resources");
	ck_assert_int_eq(fake.loads, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, instance_info);
	tcase_add_test(tc, generic_errors);
	tcase_add_test(tc, bad_json);
	tcase_add_test(tc, machine_config);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, drives);
	tcase_add_test(tc, actions_and_state);
	tcase_add_test(tc, actions_bad);
	tcase_add_test(tc, patch_drive_running);
	tcase_add_test(tc, net);
	tcase_add_test(tc, vsock_balloon);
	tcase_add_test(tc, not_supported);
	tcase_add_test(tc, snapshot_state_rules);
	tcase_add_test(tc, snapshot_load_after_configuring);
	tcase_add_test(tc, vm_config_round_trip);
	tcase_add_test(tc, vm_config_empty);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
