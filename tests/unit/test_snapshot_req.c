// SPDX-License-Identifier: Apache-2.0
/* The bodies of PUT /snapshot/create and /snapshot/load, field by field. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "api/snapshot_req.h"
#include "tests/unit/check_run.h"

static struct json_object *J(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	ck_assert_ptr_nonnull(o);
	return o;
}

#define CREATE_ERR(text, msg)                                                                      \
	do {                                                                                       \
		struct nb_snapshot_create_req req;                                                 \
		struct json_object *o = J(text);                                                   \
		char err[256] = "";                                                                \
		ck_assert_int_eq(nb_snapshot_create_req_parse(o, &req, err, sizeof(err)),          \
				 -EINVAL);                                                         \
		ck_assert_msg(strstr(err, msg), "%s: got \"%s\"", text, err);                      \
		json_object_put(o);                                                                \
	} while (0)

#define LOAD_ERR(text, msg)                                                                        \
	do {                                                                                       \
		struct nb_snapshot_load_req req;                                                   \
		struct json_object *o = J(text);                                                   \
		char err[256] = "";                                                                \
		ck_assert_int_eq(nb_snapshot_load_req_parse(o, &req, err, sizeof(err)), -EINVAL);  \
		ck_assert_msg(strstr(err, msg), "%s: got \"%s\"", text, err);                      \
		json_object_put(o);                                                                \
	} while (0)

START_TEST(create)
{
	struct nb_snapshot_create_req req;
	struct json_object *o = J("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\"}");
	char err[256];

	ck_assert_int_eq(nb_snapshot_create_req_parse(o, &req, err, sizeof(err)), 0);
	ck_assert_str_eq(req.snapshot_path, "/s");
	ck_assert_str_eq(req.mem_file_path, "/m");
	ck_assert(!req.diff);
	json_object_put(o);
	o = J(
	    "{\"snapshot_type\": \"Diff\", \"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\"}");
	ck_assert_int_eq(nb_snapshot_create_req_parse(o, &req, err, sizeof(err)), 0);
	ck_assert(req.diff);
	json_object_put(o);

	CREATE_ERR("[]", "snapshot/create: must be an object");
	CREATE_ERR("{\"mem_file_path\": \"/m\"}", "snapshot/create.snapshot_path: is required");
	CREATE_ERR("{\"snapshot_path\": \"/s\"}", "snapshot/create.mem_file_path: is required");
	CREATE_ERR("{\"snapshot_path\": 3, \"mem_file_path\": \"/m\"}",
		   "snapshot/create.snapshot_path: must be");
	CREATE_ERR("{\"snapshot_path\": \"\", \"mem_file_path\": \"/m\"}",
		   "snapshot/create.snapshot_path: must not be empty");
	CREATE_ERR(
	    "{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"snapshot_type\": \"Half\"}",
	    "snapshot/create.snapshot_type: must be \"Full\" or \"Diff\"");
	CREATE_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"version\": \"1.0\"}",
		   "snapshot/create.version: unknown field");
}
END_TEST

START_TEST(load)
{
	struct nb_snapshot_load_req req;
	struct json_object *o =
	    J("{\"snapshot_path\": \"/s\", \"mem_backend\": {\"backend_type\": \"File\", "
	      "\"backend_path\": \"/m\"}, \"resume_vm\": true, \"track_dirty_pages\": false, "
	      "\"network_overrides\": [{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap7\"}]}");
	char err[256];

	ck_assert_int_eq(nb_snapshot_load_req_parse(o, &req, err, sizeof(err)), 0);
	ck_assert_str_eq(req.snapshot_path, "/s");
	ck_assert_str_eq(req.mem_path, "/m");
	ck_assert(req.resume_vm && !req.uffd && !req.track_dirty_pages);
	ck_assert_uint_eq(req.nr_overrides, 1);
	ck_assert_str_eq(req.overrides[0].iface_id, "eth0");
	ck_assert_str_eq(req.overrides[0].host_dev_name, "tap7");
	json_object_put(o);
	/* The older form. */
	o = J("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"enable_diff_snapshots\": "
	      "true}");
	ck_assert_int_eq(nb_snapshot_load_req_parse(o, &req, err, sizeof(err)), 0);
	ck_assert_str_eq(req.mem_path, "/m");
	ck_assert(req.track_dirty_pages && !req.resume_vm);
	json_object_put(o);

	LOAD_ERR("{\"mem_file_path\": \"/m\"}", "snapshot/load.snapshot_path: is required");
	LOAD_ERR("{\"snapshot_path\": \"/s\"}", "give one of mem_backend and mem_file_path");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"mem_backend\": "
		 "{\"backend_type\": \"File\", \"backend_path\": \"/m\"}}",
		 "give one of mem_backend and mem_file_path");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_backend\": {\"backend_type\": \"Disk\", "
		 "\"backend_path\": \"/m\"}}",
		 "snapshot/load.mem_backend.backend_type: must be \"File\" or \"Uffd\"");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_backend\": {\"backend_type\": \"File\"}}",
		 "snapshot/load.mem_backend.backend_path: is required");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_backend\": 7}",
		 "snapshot/load.mem_backend: must be an object");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"resume_vm\": 1}",
		 "snapshot/load.resume_vm: must be");
	LOAD_ERR(
	    "{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"network_overrides\": {}}",
	    "snapshot/load.network_overrides: must be an array");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"network_overrides\": "
		 "[{\"iface_id\": \"eth0\"}]}",
		 "snapshot/load.network_overrides[0].host_dev_name: is required");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"network_overrides\": "
		 "[{\"iface_id\": \"eth0\", \"host_dev_name\": \"t\", \"mac\": 1}]}",
		 "snapshot/load.network_overrides[0].mac: unknown field");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"network_overrides\": "
		 "[{},{},{},{},{},{},{},{},{}]}",
		 "snapshot/load.network_overrides: at most");
	LOAD_ERR("{\"snapshot_path\": \"/s\", \"mem_file_path\": \"/m\", \"vsock_override\": 1}",
		 "snapshot/load.vsock_override: unknown field");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_req");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, create);
	tcase_add_test(tc, load);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
