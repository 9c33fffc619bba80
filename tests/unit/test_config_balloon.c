// SPDX-License-Identifier: Apache-2.0
/* The "balloon" section: the file parser, the REST API's parsers, validation. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "vmm/config.h"
#include "tests/unit/check_run.h"

#define BOOT "\"boot-source\": {\"kernel_image_path\": \"/k\"}"
#define MEM "\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 256}"
#define BAL(fields) "{" BOOT ", " MEM ", \"balloon\": {" fields "}}"
#define REQ "\"amount_mib\": 64, \"deflate_on_oom\": true"

static int parse_file(const char *json, struct nb_vm_config *c, char *err, size_t n)
{
	nb_config_init(c);
	err[0] = 0;
	return nb_config_from_json(c, json, err, n);
}

/* The file is refused with -EINVAL and an error starting with @prefix. */
static void expect_error(const char *json, const char *prefix)
{
	struct nb_vm_config c;
	char err[256];
	int ret = parse_file(json, &c, err, sizeof(err));

	ck_assert_msg(ret == -EINVAL, "%s: returned %d, '%s'", json, ret, err);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "error '%s', expected '%s...'", err,
		      prefix);
	ck_assert_msg(!strchr(err, '\n'), "error '%s' is not one line", err);
	ck_assert(!c.has_balloon);
	nb_config_free(&c);
}

/* Parses and validates; the config is in *@c. */
static void expect_valid(const char *json, struct nb_vm_config *c)
{
	char err[256];

	ck_assert_msg(!parse_file(json, c, err, sizeof(err)), "%s: %s", json, err);
	ck_assert_msg(!nb_config_validate(c, err, sizeof(err)), "%s: %s", json, err);
}

/* Parses, then nb_config_validate() refuses with @prefix. */
static void expect_invalid(const char *json, const char *prefix)
{
	struct nb_vm_config c;
	char err[256];

	ck_assert_msg(!parse_file(json, &c, err, sizeof(err)), "%s: %s", json, err);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "error '%s', expected '%s...'", err,
		      prefix);
	nb_config_free(&c);
}

START_TEST(test_defaults_and_fields)
{
	struct nb_vm_config c;

	expect_valid(BAL(REQ), &c);
	ck_assert(c.has_balloon);
	ck_assert_uint_eq(c.balloon.amount_mib, 64);
	ck_assert(c.balloon.deflate_on_oom);
	ck_assert_uint_eq(c.balloon.stats_polling_interval_s, 0);
	ck_assert(!c.balloon.free_page_hinting && !c.balloon.free_page_reporting);
	nb_config_free(&c);

	expect_valid(BAL("\"amount_mib\": 256, \"deflate_on_oom\": false, "
			 "\"stats_polling_interval_s\": 65535, \"free_page_hinting\": true, "
			 "\"free_page_reporting\": true"),
		     &c);
	ck_assert_uint_eq(c.balloon.amount_mib, 256);
	ck_assert(!c.balloon.deflate_on_oom);
	ck_assert_uint_eq(c.balloon.stats_polling_interval_s, 65535);
	ck_assert(c.balloon.free_page_hinting && c.balloon.free_page_reporting);
	nb_config_free(&c);

	expect_valid(BAL("\"amount_mib\": 0, \"deflate_on_oom\": false"), &c);
	ck_assert(c.has_balloon && !c.balloon.amount_mib);
	nb_config_free(&c);

	/* null: no balloon, as tools write it. */
	expect_valid("{" BOOT ", \"balloon\": null}", &c);
	ck_assert(!c.has_balloon);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_bad_fields)
{
	expect_error(BAL("\"deflate_on_oom\": true"), "balloon.amount_mib: is required");
	expect_error(BAL("\"amount_mib\": 1"), "balloon.deflate_on_oom: is required");
	expect_error(BAL("\"amount_mib\": -1, \"deflate_on_oom\": true"),
		     "balloon.amount_mib: must be between 0 and 1048576");
	expect_error(BAL("\"amount_mib\": 1048577, \"deflate_on_oom\": true"),
		     "balloon.amount_mib: must be between 0 and 1048576");
	expect_error(BAL("\"amount_mib\": \"64\", \"deflate_on_oom\": true"),
		     "balloon.amount_mib: must be an integer");
	expect_error(BAL("\"amount_mib\": 1.5, \"deflate_on_oom\": true"),
		     "balloon.amount_mib: must be an integer");
	expect_error(BAL("\"amount_mib\": null, \"deflate_on_oom\": true"),
		     "balloon.amount_mib: must be an integer");
	expect_error(BAL("\"amount_mib\": 1, \"deflate_on_oom\": 1"),
		     "balloon.deflate_on_oom: must be a boolean");
	expect_error(BAL(REQ ", \"stats_polling_interval_s\": 65536"),
		     "balloon.stats_polling_interval_s: must be between 0 and 65535");
	expect_error(BAL(REQ ", \"stats_polling_interval_s\": true"),
		     "balloon.stats_polling_interval_s: must be an integer");
	expect_error(BAL(REQ ", \"free_page_reporting\": \"yes\""),
		     "balloon.free_page_reporting: must be a boolean");
	expect_error(BAL(REQ ", \"free_page_hinting\": 0"),
		     "balloon.free_page_hinting: must be a boolean");
	expect_error(BAL(REQ ", \"target\": 1"), "balloon.target: unknown field");
	expect_error("{" BOOT ", \"balloon\": []}", "balloon: must be an object");
	expect_error("{" BOOT ", \"balloon\": 64}", "balloon: must be an object");
}
END_TEST

START_TEST(test_validate)
{
	struct nb_vm_config c;
	char err[256];

	/* amount_mib against the guest's memory, whatever order they came in. */
	expect_invalid(BAL("\"amount_mib\": 257, \"deflate_on_oom\": true"),
		       "balloon.amount_mib: 257 is more than machine-config.mem_size_mib (256)");
	expect_invalid("{" BOOT ", \"balloon\": {\"amount_mib\": 129, \"deflate_on_oom\": true}}",
		       "balloon.amount_mib: 129 is more than machine-config.mem_size_mib (128)");

	/* A struct filled by hand (the API) is checked again. */
	expect_valid(BAL(REQ), &c);
	c.balloon.stats_polling_interval_s = 70000;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon.stats_polling_interval_s: must be between 0 and 65535");
	c.balloon.stats_polling_interval_s = 1;
	c.machine.mem_size_mib = 32;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err,
			 "balloon.amount_mib: 64 is more than machine-config.mem_size_mib (32)");
	c.machine.mem_size_mib = 64;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	nb_config_free(&c);
}
END_TEST

static struct json_object *json(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(test_api_parsers)
{
	struct nb_balloon_config b = {.amount_mib = 7};
	struct json_object *o;
	uint32_t v = 7;
	char err[256];

	/* PUT /balloon: the whole section; on error the target is unchanged. */
	o = json(
	    "{\"amount_mib\": 32, \"deflate_on_oom\": false, \"stats_polling_interval_s\": 5}");
	ck_assert_int_eq(nb_config_parse_balloon(&b, o, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.amount_mib, 32);
	ck_assert_uint_eq(b.stats_polling_interval_s, 5);
	json_object_put(o);
	o = json("{\"amount_mib\": 1}");
	ck_assert_int_eq(nb_config_parse_balloon(&b, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon.deflate_on_oom: is required");
	ck_assert_uint_eq(b.amount_mib, 32);
	json_object_put(o);

	/* PATCH /balloon */
	o = json("{\"amount_mib\": 100}");
	ck_assert_int_eq(nb_config_parse_balloon_update(&v, o, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 100);
	json_object_put(o);
	o = json("{}");
	ck_assert_int_eq(nb_config_parse_balloon_update(&v, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon.amount_mib: is required");
	json_object_put(o);
	o = json("{\"amount_mib\": 1, \"deflate_on_oom\": true}");
	ck_assert_int_eq(nb_config_parse_balloon_update(&v, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon.deflate_on_oom: unknown field");
	json_object_put(o);
	o = json("[1]");
	ck_assert_int_eq(nb_config_parse_balloon_update(&v, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon: must be an object, not an array");
	json_object_put(o);
	ck_assert_uint_eq(v, 100);

	/* PATCH /balloon/statistics */
	o = json("{\"stats_polling_interval_s\": 3}");
	ck_assert_int_eq(nb_config_parse_balloon_stats_update(&v, o, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 3);
	json_object_put(o);
	o = json("{\"stats_polling_interval_s\": 65536}");
	ck_assert_int_eq(nb_config_parse_balloon_stats_update(&v, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(
	    err, "balloon/statistics.stats_polling_interval_s: must be between 0 and 65535");
	json_object_put(o);
	o = json("{}");
	ck_assert_int_eq(nb_config_parse_balloon_stats_update(&v, o, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon/statistics.stats_polling_interval_s: is required");
	json_object_put(o);
	ck_assert_uint_eq(v, 3);

	/* nb_config_check_balloon on its own. */
	b = (struct nb_balloon_config){.amount_mib = 10};
	ck_assert_int_eq(nb_config_check_balloon(&b, 10, err, sizeof(err)), 0);
	ck_assert_int_eq(nb_config_check_balloon(&b, 9, err, sizeof(err)), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_balloon");
	TCase *tc = tcase_create("balloon");

	tcase_add_test(tc, test_defaults_and_fields);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_api_parsers);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
