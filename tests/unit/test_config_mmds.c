// SPDX-License-Identifier: Apache-2.0
/* The mmds-config section: parsing, defaults, errors, the interfaces' existence, the dump. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/config_dump.h"
#include "vmm/config_net.h"
#include "tests/unit/check_run.h"

#define BOOT "\"boot-source\": {\"kernel_image_path\": \"/k\"}"
#define NET "\"network-interfaces\": [{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\"}]"

static void expect_error(const char *section, const char *msg)
{
	struct nb_vm_config c;
	char json[1024], err[256] = "";

	snprintf(json, sizeof(json), "{" BOOT ", " NET ", \"mmds-config\": %s}", section);
	nb_config_init(&c);
	ck_assert_int_ne(nb_config_from_json(&c, json, err, sizeof(err)), 0);
	ck_assert_str_eq(err, msg);
	ck_assert(!c.has_mmds);
	nb_config_free(&c);
}

START_TEST(test_defaults_and_dump)
{
	struct nb_vm_config c;
	struct json_object *o, *v;
	char err[256] = "";

	nb_config_init(&c);
	ck_assert_int_eq(
	    nb_config_from_json(
		&c, "{" BOOT ", " NET ", \"mmds-config\": {\"network_interfaces\": [\"eth0\"]}}",
		err, sizeof(err)),
	    0);
	ck_assert(c.has_mmds);
	ck_assert(!c.mmds.v2);
	ck_assert(!c.mmds.imds_compat);
	ck_assert_uint_eq(c.mmds.ipv4, 0xa9fea9fe);
	ck_assert(nb_mmds_config_has_iface(&c.mmds, "eth0"));
	ck_assert(!nb_mmds_config_has_iface(&c.mmds, "eth1"));
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	o = nb_config_to_json(&c);
	ck_assert(json_object_object_get_ex(o, "mmds-config", &v));
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			 "{\"version\":\"V1\",\"network_interfaces\":[\"eth0\"],\"ipv4_address\":"
			 "\"169.254.169.254\",\"imds_compat\":false}");
	json_object_put(o);
	ck_assert_int_eq(
	    nb_config_from_json(&c,
				"{" BOOT ", " NET ", \"mmds-config\": {\"version\": "
				"\"V2\", \"network_interfaces\": [\"eth0\"], "
				"\"ipv4_address\": \"169.254.170.2\", \"imds_compat\": "
				"true}}",
				err, sizeof(err)),
	    0);
	ck_assert(c.mmds.v2 && c.mmds.imds_compat);
	ck_assert_uint_eq(c.mmds.ipv4, 0xa9feaa02);
	/* The interface went away: validate says so. */
	nb_net_iface_free(&c.net_ifaces[0]);
	c.nr_net_ifaces = 0;
	ck_assert_int_ne(nb_config_validate(&c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "mmds-config.network_interfaces[0]: \"eth0\" does not correspond to "
			      "any existing network interface");
	nb_config_free(&c);
	/* null and [] are unused, as tools write them. */
	nb_config_init(&c);
	ck_assert_int_eq(
	    nb_config_from_json(&c, "{" BOOT ", \"mmds-config\": null}", err, sizeof(err)), 0);
	ck_assert(!c.has_mmds);
	o = nb_config_to_json(&c);
	ck_assert(json_object_object_get_ex(o, "mmds-config", &v));
	ck_assert_ptr_null(v);
	json_object_put(o);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_errors)
{
	expect_error("{}", "mmds-config.network_interfaces: is required");
	expect_error("{\"network_interfaces\": []}",
		     "mmds-config.network_interfaces: the list of network interface IDs that "
		     "allow forwarding MMDS requests is empty");
	expect_error("{\"network_interfaces\": \"eth0\"}",
		     "mmds-config.network_interfaces: must be an array of interface ids, not "
		     "\"eth0\"");
	expect_error("{\"network_interfaces\": [1]}",
		     "mmds-config.network_interfaces[0]: must be an interface id, not 1");
	expect_error("{\"network_interfaces\": [\"\"]}",
		     "mmds-config.network_interfaces[0]: must be an interface id, not \"\"");
	expect_error("{\"network_interfaces\": [\"eth1\"]}",
		     "mmds-config.network_interfaces[0]: \"eth1\" does not correspond to any "
		     "existing network interface");
	expect_error("{\"network_interfaces\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
		     "\"i\"]}",
		     "mmds-config.network_interfaces: at most 8 entries are supported");
	expect_error("{\"network_interfaces\": [\"eth0\"], \"version\": \"V3\"}",
		     "mmds-config.version: must be \"V1\" or \"V2\", not \"V3\"");
	expect_error("{\"network_interfaces\": [\"eth0\"], \"version\": 2}",
		     "mmds-config.version: must be a string, not 2");
	expect_error("{\"network_interfaces\": [\"eth0\"], \"ipv4_address\": \"10.0.0.1\"}",
		     "mmds-config.ipv4_address: the MMDS IPv4 address is not link local "
		     "(169.254.0.0/16)");
	expect_error("{\"network_interfaces\": [\"eth0\"], \"ipv4_address\": \"169.254.1\"}",
		     "mmds-config.ipv4_address: \"169.254.1\" is not an IPv4 address");
	expect_error("{\"network_interfaces\": [\"eth0\"], \"imds_compat\": 1}",
		     "mmds-config.imds_compat: must be a boolean, not 1");
	expect_error("{\"network_interfaces\": [\"eth0\"], \"x\": 1}",
		     "mmds-config.x: unknown field");
	expect_error("1", "mmds-config: must be an object, not 1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_mmds");
	TCase *tc = tcase_create("mmds");

	tcase_add_test(tc, test_defaults_and_dump);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
