// SPDX-License-Identifier: Apache-2.0
/* "network-interfaces": the file section, the API parser, add and validate. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_run.h"
#include "vmm/config_dump.h"
#include "vmm/config_net.h"

#define BOOT "\"boot-source\": {\"kernel_image_path\": \"/k\"}"
#define IF(fields) "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\"" fields "}"
#define NETS(list) "{" BOOT ", \"network-interfaces\": [" list "]}"

static void expect_error(const char *json, const char *msg)
{
	struct nb_vm_config c;
	char err[512] = "";
	int ret;

	nb_config_init(&c);
	ret = nb_config_from_json(&c, json, err, sizeof(err));
	ck_assert_msg(ret == -EINVAL, "%s: returned %d, '%s'", json, ret, err);
	ck_assert_msg(!strcmp(err, msg), "error '%s', expected '%s'", err, msg);
	ck_assert_uint_eq(c.nr_net_ifaces, 0);
	nb_config_free(&c);
}

static void expect_ok(const char *json, struct nb_vm_config *c)
{
	char err[512] = "";

	nb_config_init(c);
	ck_assert_msg(!nb_config_from_json(c, json, err, sizeof(err)), "%s: %s", json, err);
	ck_assert_msg(!nb_config_validate(c, err, sizeof(err)), "%s: %s", json, err);
}

START_TEST(test_full_interface)
{
	struct nb_vm_config c;
	const struct nb_net_iface *n;
	static const uint8_t mac[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f};

	expect_ok(
	    NETS(IF(", \"guest_mac\": \"AA:bb:cc:dd:ee:0f\", "
		    "\"rx_rate_limiter\": {\"bandwidth\": {\"size\": 1000, \"refill_time\": 10}}, "
		    "\"tx_rate_limiter\": {\"ops\": {\"size\": 5, \"one_time_burst\": 7, "
		    "\"refill_time\": 100}}") ", {\"iface_id\": \"eth1\", \"host_dev_name\": "
					      "\"tap1\", \"guest_mac\": null, "
					      "\"rx_rate_limiter\": null}"),
	    &c);
	ck_assert_uint_eq(c.nr_net_ifaces, 2);
	n = &c.net_ifaces[0];
	ck_assert_str_eq(n->iface_id, "eth0");
	ck_assert_str_eq(n->host_dev_name, "tap0");
	ck_assert(n->has_mac);
	ck_assert_mem_eq(n->guest_mac, mac, 6);
	ck_assert(n->rx_rate_limiter.has_bandwidth && !n->rx_rate_limiter.has_ops);
	ck_assert_uint_eq(n->rx_rate_limiter.bandwidth.size, 1000);
	ck_assert_uint_eq(n->rx_rate_limiter.bandwidth.refill_time_ms, 10);
	ck_assert(n->tx_rate_limiter.has_ops && !n->tx_rate_limiter.has_bandwidth);
	ck_assert_uint_eq(n->tx_rate_limiter.ops.one_time_burst, 7);
	n = &c.net_ifaces[1];
	ck_assert(!n->has_mac && !n->rx_rate_limiter.has_bandwidth);
	nb_config_free(&c);
	ck_assert_uint_eq(c.nr_net_ifaces, 0);
	ck_assert_ptr_null(c.net_ifaces[0].iface_id);

	/* Unused, as tools write it. */
	expect_ok("{" BOOT ", \"network-interfaces\": null}", &c);
	ck_assert_uint_eq(c.nr_net_ifaces, 0);
	nb_config_free(&c);
	expect_ok(NETS(""), &c);
	ck_assert_uint_eq(c.nr_net_ifaces, 0);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_bad_interfaces)
{
	expect_error("{" BOOT ", \"network-interfaces\": {}}",
		     "network-interfaces: must be an array, not an object");
	expect_error(NETS("1"), "network-interfaces[0]: must be an object, not 1");
	expect_error(NETS("{\"host_dev_name\": \"tap0\"}"),
		     "network-interfaces[0].iface_id: is required");
	expect_error(NETS("{\"iface_id\": \"eth0\"}"),
		     "network-interfaces[0].host_dev_name: is required");
	expect_error(NETS(IF(", \"mtu\": 1500")), "network-interfaces[0].mtu: unknown field");
	expect_error(NETS("{\"iface_id\": \"eth-0\", \"host_dev_name\": \"tap0\"}"),
		     "network-interfaces[0].iface_id: must be 1 to 64 letters, digits or "
		     "underscores");
	expect_error(NETS("{\"iface_id\": \"\", \"host_dev_name\": \"tap0\"}"),
		     "network-interfaces[0].iface_id: must be 1 to 64 letters, digits or "
		     "underscores");
	expect_error(NETS("{\"iface_id\": 3, \"host_dev_name\": \"tap0\"}"),
		     "network-interfaces[0].iface_id: must be a string, not 3");
	static const char *const bad_names[] = {
	    "", "a/b", "a:b", "a b", ".", "..", "0123456789abcdef", "a\\tb"};
	char json[256];

	for (unsigned int i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++) {
		snprintf(json, sizeof(json),
			 NETS("{\"iface_id\": \"eth0\", \"host_dev_name\": \"%s\"}"), bad_names[i]);
		expect_error(json, "network-interfaces[0].host_dev_name: must be an interface "
				   "name of 1 to 15 bytes without '/', ':' or white space");
	}
	static const char *const bad_macs[] = {"aa:bb:cc:dd:ee",    "aa:bb:cc:dd:ee:ff:00",
					       "aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:fg",
					       "a:bb:cc:dd:ee:ff0", ""};

	for (unsigned int i = 0; i < sizeof(bad_macs) / sizeof(*bad_macs); i++) {
		char msg[160];

		snprintf(json, sizeof(json), NETS(IF(", \"guest_mac\": \"%s\"")), bad_macs[i]);
		snprintf(msg, sizeof(msg),
			 "network-interfaces[0].guest_mac: \"%s\" is not a MAC address like "
			 "\"06:00:ac:10:00:02\"",
			 bad_macs[i]);
		expect_error(json, msg);
	}
	expect_error(NETS(IF(", \"guest_mac\": 1")),
		     "network-interfaces[0].guest_mac: must be a string, not 1");
	expect_error(NETS(IF(", \"rx_rate_limiter\": {\"bandwidth\": {\"size\": 1}}")),
		     "network-interfaces[0].rx_rate_limiter.bandwidth.refill_time: is required");
	expect_error(NETS(IF(", \"tx_rate_limiter\": {\"x\": 1}")),
		     "network-interfaces[0].tx_rate_limiter.x: unknown field");
	/* Uniqueness: iface_id, host_dev_name, guest_mac. */
	expect_error(NETS(IF("") ", {\"iface_id\": \"eth0\", \"host_dev_name\": \"tap1\"}"),
		     "network-interfaces[1].iface_id: \"eth0\" is already used by "
		     "network-interfaces[0]");
	expect_error(NETS(IF("") ", {\"iface_id\": \"eth1\", \"host_dev_name\": \"tap0\"}"),
		     "network-interfaces[1].host_dev_name: \"tap0\" is already used by "
		     "network-interfaces[0]");
	expect_error(NETS(IF(", \"guest_mac\": \"06:00:00:00:00:01\"") ", {\"iface_id\": "
								       "\"eth1\", "
								       "\"host_dev_name\": "
								       "\"tap1\", \"guest_mac\": "
								       "\"06:00:00:00:00:01\"}"),
		     "network-interfaces[1].guest_mac: 06:00:00:00:00:01 is already used by "
		     "network-interfaces[0]");
	/* At most NB_MAX_NET_IFACES. */
	char big[2048] = "{" BOOT ", \"network-interfaces\": [";

	for (int i = 0; i <= NB_MAX_NET_IFACES; i++) {
		char one[96];

		snprintf(one, sizeof(one), "%s{\"iface_id\": \"e%d\", \"host_dev_name\": \"t%d\"}",
			 i ? ", " : "", i, i);
		strcat(big, one);
	}
	strcat(big, "]}");
	expect_error(big, "network-interfaces: at most 8 interfaces are supported");
}
END_TEST

/* The API's path: parse one object, then add (replace by iface_id). */
START_TEST(test_api_parse_and_add)
{
	struct nb_vm_config c;
	struct nb_net_iface n = {0};
	struct json_object *o;
	char err[256] = "";

	nb_config_init(&c);
	o = json_tokener_parse(IF(", \"guest_mac\": \"06:00:00:00:00:01\""));
	ck_assert_int_eq(nb_config_parse_net_iface(&n, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert_int_eq(nb_config_add_net_iface(&c, &n, true, err, sizeof(err)), 0);
	ck_assert_ptr_null(n.iface_id);
	ck_assert_uint_eq(c.nr_net_ifaces, 1);

	/* A parse error names the section, and leaves the target alone. */
	o = json_tokener_parse("{\"iface_id\": \"eth0\"}");
	ck_assert_int_eq(nb_config_parse_net_iface(&n, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces.host_dev_name: is required");
	ck_assert_ptr_null(n.iface_id);
	json_object_put(o);

	/* Same id again: replaced with replace, refused without. */
	o = json_tokener_parse("{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap9\"}");
	ck_assert_int_eq(nb_config_parse_net_iface(&n, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert_int_eq(nb_config_add_net_iface(&c, &n, false, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].iface_id: \"eth0\" is already used by "
			      "network-interfaces[0]");
	ck_assert_int_eq(nb_config_add_net_iface(&c, &n, true, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.nr_net_ifaces, 1);
	ck_assert_str_eq(c.net_ifaces[0].host_dev_name, "tap9");
	ck_assert(!c.net_ifaces[0].has_mac);

	/* Another id whose tap is taken. */
	o = json_tokener_parse("{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap9\"}");
	ck_assert_int_eq(nb_config_parse_net_iface(&n, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert_int_eq(nb_config_add_net_iface(&c, &n, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].host_dev_name: \"tap9\" is already used by "
			      "network-interfaces[0]");
	ck_assert_str_eq(n.iface_id, "eth1"); /* unchanged on error */
	nb_net_iface_free(&n);
	nb_net_iface_free(&n);

	/* Full. */
	for (unsigned int i = 1; i < NB_MAX_NET_IFACES; i++) {
		n.iface_id = strdup("x");
		n.iface_id[0] = (char)('a' + i);
		n.host_dev_name = strdup(n.iface_id);
		ck_assert_int_eq(nb_config_add_net_iface(&c, &n, true, err, sizeof(err)), 0);
	}
	n.iface_id = strdup("z");
	n.host_dev_name = strdup("z");
	ck_assert_int_eq(nb_config_add_net_iface(&c, &n, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces: at most 8 interfaces are supported");
	nb_net_iface_free(&n);
	/* A bad one by hand is refused by add as by validate. */
	n.iface_id = strdup("bad id");
	n.host_dev_name = strdup("t");
	ck_assert_int_eq(nb_config_add_net_iface(&c, &n, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[8].iface_id: must be 1 to 64 letters, digits "
			      "or underscores");
	nb_net_iface_free(&n);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_validate)
{
	struct nb_vm_config c;
	char err[256] = "";

	expect_ok(NETS(IF("") ", {\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\"}"), &c);
	/* Filled by hand afterwards: validate checks everything again. */
	free(c.net_ifaces[1].host_dev_name);
	c.net_ifaces[1].host_dev_name = strdup("tap0");
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].host_dev_name: \"tap0\" is already used by "
			      "network-interfaces[0]");
	free(c.net_ifaces[1].host_dev_name);
	c.net_ifaces[1].host_dev_name = NULL;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].host_dev_name: is required");
	c.net_ifaces[1].host_dev_name = strdup("tap1");
	free(c.net_ifaces[1].iface_id);
	c.net_ifaces[1].iface_id = NULL;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].iface_id: is required");
	c.net_ifaces[1].iface_id = strdup("eth1");
	c.net_ifaces[1].tx_rate_limiter.has_ops = true;
	c.net_ifaces[1].tx_rate_limiter.ops.size = UINT64_MAX;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].tx_rate_limiter.ops.size: must be between 0 "
			      "and 9223372036854775807");
	c.net_ifaces[1].tx_rate_limiter.ops.size = 1;
	c.net_ifaces[0].rx_rate_limiter.has_bandwidth = true;
	c.net_ifaces[0].rx_rate_limiter.bandwidth.refill_time_ms = UINT64_MAX;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[0].rx_rate_limiter.bandwidth.refill_time: must "
			      "be between 0 and 9223372036854775807");
	c.net_ifaces[0].rx_rate_limiter.bandwidth.refill_time_ms = 1;
	c.net_ifaces[0].has_mac = c.net_ifaces[1].has_mac = true;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[1].guest_mac: 00:00:00:00:00:00 is already used "
			      "by network-interfaces[0]");
	c.net_ifaces[1].guest_mac[5] = 1;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.nr_net_ifaces = NB_MAX_NET_IFACES + 1;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces: at most 8 interfaces are supported");
	c.nr_net_ifaces = 2;
	nb_config_free(&c);
}
END_TEST

/* nestbox's "vhost": a boolean, shown only when set, and what it cannot go with. */
START_TEST(test_vhost)
{
	struct nb_vm_config c;
	struct json_object *o;
	char err[512] = "";

	expect_ok(NETS(IF(", \"vhost\": true") ", {\"iface_id\": \"eth1\", \"host_dev_name\": "
					       "\"tap1\", \"vhost\": null}"),
		  &c);
	ck_assert(c.net_ifaces[0].vhost && !c.net_ifaces[1].vhost);
	o = nb_config_net_iface_to_json(&c.net_ifaces[0]);
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 "{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap0\",\"guest_mac\":null,"
			 "\"rx_rate_limiter\":null,\"tx_rate_limiter\":null,\"vhost\":true}");
	json_object_put(o);
	o = nb_config_net_iface_to_json(&c.net_ifaces[1]);
	ck_assert_ptr_null(strstr(json_object_to_json_string(o), "vhost"));
	json_object_put(o);
	nb_config_free(&c);
	expect_ok(NETS(IF(", \"vhost\": false, \"rx_rate_limiter\": {\"ops\": {\"size\": 1, "
			  "\"refill_time\": 1}}")),
		  &c);
	ck_assert(!c.net_ifaces[0].vhost);
	nb_config_free(&c);

	expect_error(NETS(IF(", \"vhost\": \"yes\"")),
		     "network-interfaces[0].vhost: must be a boolean, not \"yes\"");
	expect_error(NETS(IF(", \"vhost\": 1")),
		     "network-interfaces[0].vhost: must be a boolean, not 1");
	expect_error(
	    NETS(IF(", \"vhost\": true, \"tx_rate_limiter\": {\"ops\": {\"size\": 1, "
		    "\"refill_time\": 1}}")),
	    "network-interfaces[0].vhost: rate limiters cannot work with vhost (the kernel "
	    "moves the frames): drop rx_rate_limiter and tx_rate_limiter, or vhost");
	expect_error(
	    NETS(IF(", \"vhost\": true, \"rx_rate_limiter\": {\"bandwidth\": "
		    "{\"size\": 1, \"refill_time\": 1}}")),
	    "network-interfaces[0].vhost: rate limiters cannot work with vhost (the kernel "
	    "moves the frames): drop rx_rate_limiter and tx_rate_limiter, or vhost");

	/* The MMDS and dirty page tracking: refused by validate (other sections). */
	nb_config_init(&c);
	ck_assert_int_eq(
	    nb_config_from_json(
		&c,
		"{" BOOT ", \"network-interfaces\": [" IF(
		    ", \"vhost\": true") "], "
					 "\"mmds-config\": {\"network_interfaces\": [\"eth0\"]}}",
		err, sizeof(err)),
	    0);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[0].vhost: the MMDS cannot answer on a vhost "
			      "interface (the kernel moves its frames): take \"eth0\" out of "
			      "mmds-config.network_interfaces, or drop vhost");
	nb_config_free(&c);
	nb_config_init(&c);
	ck_assert_int_eq(
	    nb_config_from_json(&c,
				"{" BOOT ", \"network-interfaces\": [" IF(
				    ", \"vhost\": true") "], "
							 "\"machine-config\": {\"vcpu_count\": 1, "
							 "\"mem_size_mib\": 128, "
							 "\"track_dirty_pages\": true}}",
				err, sizeof(err)),
	    0);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "network-interfaces[0].vhost: machine-config.track_dirty_pages "
			      "cannot see what vhost-net writes into guest memory: drop one of "
			      "them");
	c.machine.track_dirty_pages = false;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	/* Rate limiters added afterwards (by hand) are caught again. */
	c.net_ifaces[0].rx_rate_limiter.has_ops = true;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_parse_mac)
{
	uint8_t m[6] = {1, 2, 3, 4, 5, 6}, z[6] = {1, 2, 3, 4, 5, 6};

	ck_assert_int_eq(nb_parse_mac("ff:FF:00:10:a0:0A", m), 0);
	ck_assert_uint_eq(m[0], 0xff);
	ck_assert_uint_eq(m[4], 0xa0);
	ck_assert_uint_eq(m[5], 0x0a);
	memcpy(m, z, 6);
	ck_assert_int_eq(nb_parse_mac("ff:ff:00:10:a0:0", m), -EINVAL);
	ck_assert_int_eq(nb_parse_mac("ff:ff:00:10:a0:0a ", m), -EINVAL);
	ck_assert_int_eq(nb_parse_mac("ff:ff:00:10:a0;0a", m), -EINVAL);
	ck_assert_int_eq(nb_parse_mac("gf:ff:00:10:a0:0a", m), -EINVAL);
	ck_assert_mem_eq(m, z, 6); /* unchanged on error */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_net");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, test_full_interface);
	tcase_add_test(tc, test_bad_interfaces);
	tcase_add_test(tc, test_api_parse_and_add);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_parse_mac);
	tcase_add_test(tc, test_vhost);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
