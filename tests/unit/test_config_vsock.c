// SPDX-License-Identifier: Apache-2.0
/* The "vsock" section: PUT /vsock's parser and the config file's. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_run.h"
#include "vmm/config.h"

static char err[256];

static int parse(struct nb_vsock_config *v, const char *text)
{
	struct json_object *o = json_tokener_parse(text);
	int r;

	ck_assert_ptr_nonnull(o);
	err[0] = 0;
	r = nb_config_parse_vsock(v, o, err, sizeof(err));
	json_object_put(o);
	return r;
}

static void refused(const char *text, const char *msg)
{
	struct nb_vsock_config v = {0};

	ck_assert_int_eq(parse(&v, text), -EINVAL);
	ck_assert_str_eq(err, msg);
	ck_assert_ptr_null(v.uds_path);
}

START_TEST(test_parse)
{
	struct nb_vsock_config v = {0};

	ck_assert_int_eq(parse(&v, "{\"guest_cid\": 3, \"uds_path\": \"/tmp/v.sock\"}"), 0);
	ck_assert_uint_eq(v.guest_cid, 3);
	ck_assert_str_eq(v.uds_path, "/tmp/v.sock");
	ck_assert_ptr_null(v.vsock_id);
	/* A second parse replaces the section. */
	ck_assert_int_eq(parse(&v, "{\"vsock_id\": \"vsock0\", \"guest_cid\": 4294967295, "
				   "\"uds_path\": \"/x\"}"),
			 0);
	ck_assert_uint_eq(v.guest_cid, 4294967295u);
	ck_assert_str_eq(v.uds_path, "/x");
	ck_assert_str_eq(v.vsock_id, "vsock0");
	/* On error the old one stays. */
	ck_assert_int_eq(parse(&v, "{\"guest_cid\": 2, \"uds_path\": \"/y\"}"), -EINVAL);
	ck_assert_str_eq(v.uds_path, "/x");
	ck_assert_int_eq(parse(&v, "{\"guest_cid\": 5, \"uds_path\": \"/z\", \"vsock_id\": null}"),
			 0);
	ck_assert_ptr_null(v.vsock_id);
	nb_vsock_config_free(&v);
	nb_vsock_config_free(&v);
}
END_TEST

START_TEST(test_errors)
{
	char text[300], path[200];

	refused("{\"uds_path\": \"/v\"}", "vsock.guest_cid: is required");
	refused("{\"guest_cid\": 2, \"uds_path\": \"/v\"}",
		"vsock.guest_cid: must be between 3 and 4294967295");
	refused("{\"guest_cid\": 4294967296, \"uds_path\": \"/v\"}",
		"vsock.guest_cid: must be between 3 and 4294967295");
	refused("{\"guest_cid\": -1, \"uds_path\": \"/v\"}",
		"vsock.guest_cid: must be between 3 and 4294967295");
	refused("{\"guest_cid\": \"3\", \"uds_path\": \"/v\"}",
		"vsock.guest_cid: must be an integer, not \"3\"");
	refused("{\"guest_cid\": 3}", "vsock.uds_path: is required");
	refused("{\"guest_cid\": 3, \"uds_path\": null}",
		"vsock.uds_path: must be a string, not null");
	refused("{\"guest_cid\": 3, \"uds_path\": \"\"}", "vsock.uds_path: must not be empty");
	refused("{\"guest_cid\": 3, \"uds_path\": 7}", "vsock.uds_path: must be a string, not 7");
	memset(path, 'a', 108);
	path[108] = 0;
	snprintf(text, sizeof(text), "{\"guest_cid\": 3, \"uds_path\": \"/%s\"}", path);
	refused(text, "vsock.uds_path: must be at most 107 bytes (a Unix socket path)");
	refused("{\"guest_cid\": 3, \"uds_path\": \"/v\", \"vsock_id\": 1}",
		"vsock.vsock_id: must be a string, not 1");
	refused("{\"guest_cid\": 3, \"uds_path\": \"/v\", \"cid\": 1}", "vsock.cid: unknown field");
	refused("[]", "vsock: must be an object, not an array");
}
END_TEST

START_TEST(test_config_file)
{
	struct nb_vm_config c;
	const char *base = "{\"boot-source\": {\"kernel_image_path\": \"/k\"}, \"vsock\": ";
	char text[512];

	nb_config_init(&c);
	snprintf(text, sizeof(text), "%s{\"guest_cid\": 52, \"uds_path\": \"/v.sock\"}}", base);
	ck_assert_int_eq(nb_config_from_json(&c, text, err, sizeof(err)), 0);
	ck_assert(c.has_vsock);
	ck_assert_uint_eq(c.vsock.guest_cid, 52);
	ck_assert_str_eq(c.vsock.uds_path, "/v.sock");
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	/* Checked again, however it was filled. */
	c.vsock.guest_cid = 1;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "vsock.guest_cid: must be between 3 and 4294967295");
	c.vsock.guest_cid = 3;
	free(c.vsock.uds_path);
	c.vsock.uds_path = NULL;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "vsock.uds_path: is required");
	/* null: no device, as tools write it. */
	snprintf(text, sizeof(text), "%snull}", base);
	ck_assert_int_eq(nb_config_from_json(&c, text, err, sizeof(err)), 0);
	ck_assert(!c.has_vsock);
	ck_assert_ptr_null(c.vsock.uds_path);
	snprintf(text, sizeof(text), "%s[]}", base);
	ck_assert_int_eq(nb_config_from_json(&c, text, err, sizeof(err)), 0);
	ck_assert(!c.has_vsock);
	snprintf(text, sizeof(text), "%s{\"guest_cid\": 0, \"uds_path\": \"/v\"}}", base);
	ck_assert_int_eq(nb_config_from_json(&c, text, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "vsock.guest_cid: must be between 3 and 4294967295");
	nb_config_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_vsock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_config_file);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
