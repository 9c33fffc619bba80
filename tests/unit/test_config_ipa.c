// SPDX-License-Identifier: Apache-2.0
/*
 * machine-config "ipa_bits": the size rules of arch/aarch64/ipa.h against
 * RAM and a host's KVM_CAP_ARM_VM_IPA_SIZE, the config file's parser and
 * nb_config_validate(), the dump, and the API's PUT/PATCH /machine-config
 * and GET /vm/config. Every refusal is one line.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/router.h"
#include "arch/aarch64/ipa.h"
#include "tests/unit/check_run.h"
#include "vmm/config.h"
#include "vmm/config_dump.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* nb_ipa_choose() expecting @want (bits, or -errno with the message @msg). */
static void expect_choose(unsigned int req, uint64_t ram, int host, int want, const char *msg)
{
	char err[256] = "";
	int r = nb_ipa_choose(req, ram, host, err, sizeof(err));

	ck_assert_msg(r == want, "ipa %u ram %llu host %d: %d, want %d (%s)", req,
		      (unsigned long long)ram, host, r, want, err);
	if (msg)
		ck_assert_str_eq(err, msg);
	else
		ck_assert_str_eq(err, "");
}

START_TEST(test_bits_needed)
{
	ck_assert_uint_eq(nb_ipa_bits_needed(16 * MIB), 32);
	ck_assert_uint_eq(nb_ipa_bits_needed(2 * GIB), 32); /* ends at 4 GiB exactly */
	ck_assert_uint_eq(nb_ipa_bits_needed(2 * GIB + MIB), 33);
	ck_assert_uint_eq(nb_ipa_bits_needed(6 * GIB), 33);
	ck_assert_uint_eq(nb_ipa_bits_needed(1024 * GIB - 2 * GIB), 40);
	ck_assert_uint_eq(nb_ipa_bits_needed(1024 * GIB), 41);
}
END_TEST

struct choose_case {
	unsigned int req;
	uint64_t ram;
	int host, want;
	const char *msg;
};

#define RANGE_MSG "machine-config.ipa_bits: must be between 32 and 52"
#define NO_CAP_MSG                                                                                 \
	"machine-config.ipa_bits: this host's KVM has no KVM_CAP_ARM_VM_IPA_SIZE: only 40 bits"
#define BEYOND_40_MSG                                                                              \
	"machine-config.mem_size_mib: guest RAM would end at 0x10080000000, beyond this host's "   \
	"40-bit guest address space (at most 1046528 MiB)"

/* Unset: the smallest that fits, 40 at least; with or without the capability. */
static const struct choose_case choose_default[] = {
    {0, 128 * MIB, 48, 40, NULL},
    {0, 128 * MIB, 0, 40, NULL},
    {0, 1024 * GIB, 48, 41, NULL},
    {0, 1024 * GIB, 0, -E2BIG, BEYOND_40_MSG},
    {0, 1024 * GIB, 40, -E2BIG, BEYOND_40_MSG},
};

static const struct choose_case choose_requested[] = {
    {32, 2 * GIB, 48, 32, NULL},
    {48, GIB, 48, 48, NULL},
    /* Out of range (a struct filled by hand). */
    {31, 128 * MIB, 52, -EINVAL, RANGE_MSG},
    {53, 128 * MIB, 52, -EINVAL, RANGE_MSG},
    /* RAM and the layout do not fit. */
    {32, 4 * GIB, 52, -EINVAL,
     "machine-config.ipa_bits: 32 bits hold at most 2048 MiB of RAM, mem_size_mib is 4096 "
     "(needs ipa_bits 33 or more)"},
    {40, 1024 * GIB, 52, -EINVAL,
     "machine-config.ipa_bits: 40 bits hold at most 1046528 MiB of RAM, mem_size_mib is "
     "1048576 (needs ipa_bits 41 or more)"},
    /* More than the host's KVM_CAP_ARM_VM_IPA_SIZE. */
    {48, 128 * MIB, 44, -E2BIG,
     "machine-config.ipa_bits: 48 exceeds this host's KVM limit of 44 bits "
     "(KVM_CAP_ARM_VM_IPA_SIZE)"},
    {52, 128 * MIB, 48, -E2BIG,
     "machine-config.ipa_bits: 52 bits need FEAT_LPA2 on the host (this host's KVM gives at "
     "most 48 bits)"},
    /* A host without the capability gives 40 bits and nothing else. */
    {40, 128 * MIB, 0, 40, NULL},
    {36, 128 * MIB, 0, -E2BIG, NO_CAP_MSG},
    {52, 128 * MIB, 0, -E2BIG, NO_CAP_MSG},
};

static void expect_chooses(const struct choose_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_choose(t[i].req, t[i].ram, t[i].host, t[i].want, t[i].msg);
}

START_TEST(test_choose_default)
{
	expect_chooses(choose_default, sizeof(choose_default) / sizeof(choose_default[0]));
}
END_TEST

START_TEST(test_choose_requested)
{
	/* Every size KVM allows, where the host gives it. */
	for (unsigned int b = NB_IPA_MIN_BITS; b <= NB_IPA_MAX_BITS; b++)
		expect_choose(b, 128 * MIB, 52, (int)b, NULL);
	expect_chooses(choose_requested, sizeof(choose_requested) / sizeof(choose_requested[0]));
	/* NULL err. */
	ck_assert_int_eq(nb_ipa_choose(53, MIB, 52, NULL, 0), -EINVAL);
}
END_TEST

#define MACHINE(mem, fields)                                                                       \
	"{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": " #mem fields "}}"

static void expect_parsed(const char *json, uint32_t bits)
{
	struct nb_vm_config c;
	char err[256] = "";

	nb_config_init(&c);
	ck_assert_msg(!nb_config_from_json(&c, json, err, sizeof(err)), "%s: %s", json, err);
	ck_assert_uint_eq(c.machine.ipa_bits, bits);
	nb_config_free(&c);
}

static void expect_refused(const char *json, const char *msg)
{
	struct nb_vm_config c;
	char err[256] = "";

	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_json(&c, json, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, msg);
	ck_assert(!c.has_machine);
	ck_assert_uint_eq(c.machine.ipa_bits, 0);
	nb_config_free(&c);
}

START_TEST(test_config_file)
{
	static const struct {
		const char *fields;
		uint32_t bits;
	} parsed[] = {{"", 0},
		      {", \"ipa_bits\": null", 0},
		      {", \"ipa_bits\": 32", 32},
		      {", \"ipa_bits\": 52", 52}};
	static const struct {
		const char *fields, *msg;
	} refused[] = {
	    {", \"ipa_bits\": 0", RANGE_MSG},
	    {", \"ipa_bits\": 31", RANGE_MSG},
	    {", \"ipa_bits\": 53", RANGE_MSG},
	    {", \"ipa_bits\": 4294967336", RANGE_MSG},
	    {", \"ipa_bits\": -40", RANGE_MSG},
	    {", \"ipa_bits\": \"48\"", "machine-config.ipa_bits: must be an integer, not \"48\""},
	    {", \"ipa_bits\": 48.0", "machine-config.ipa_bits: must be an integer, not 48.0"},
	};
	char json[256];

	for (size_t i = 0; i < sizeof(parsed) / sizeof(parsed[0]); i++) {
		snprintf(json, sizeof(json), MACHINE(128, "%s"), parsed[i].fields);
		expect_parsed(json, parsed[i].bits);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(json, sizeof(json), MACHINE(128, "%s"), refused[i].fields);
		expect_refused(json, refused[i].msg);
	}
	expect_parsed(MACHINE(2048, ", \"ipa_bits\": 32"), 32);
	expect_refused(MACHINE(2049, ", \"ipa_bits\": 32"),
		       "machine-config.ipa_bits: 32 bits hold at most 2048 MiB of RAM, "
		       "mem_size_mib is 2049 (needs ipa_bits 33 or more)");
}
END_TEST

START_TEST(test_validate)
{
	struct nb_vm_config c;
	char err[256] = "";

	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_json(&c,
					     "{\"boot-source\": {\"kernel_image_path\": \"/k\"}}",
					     err, sizeof(err)),
			 0);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	/* A struct the CLI filled by hand goes through the same rules. */
	c.machine.ipa_bits = 60;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, RANGE_MSG);
	c.machine.ipa_bits = 32;
	c.machine.mem_size_mib = 4096;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "machine-config.ipa_bits: 32 bits hold at most 2048 MiB of RAM, "
			      "mem_size_mib is 4096 (needs ipa_bits 33 or more)");
	c.machine.ipa_bits = 33;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	nb_config_free(&c);
}
END_TEST

/* @o's "ipa_bits" as JSON text into @buf, "absent" without it. */
static const char *ipa_text(struct json_object *o, char *buf, size_t n)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, "ipa_bits", &v))
		snprintf(buf, n, "%s", json_object_to_json_string(v));
	else
		snprintf(buf, n, "absent");
	return buf;
}

/* The dump's "ipa_bits" as JSON text. */
static const char *dumped(const struct nb_machine_config *m, char *buf, size_t n)
{
	struct json_object *o = nb_config_machine_to_json(m);

	ck_assert_ptr_nonnull(o);
	ipa_text(o, buf, n);
	json_object_put(o);
	return buf;
}

/* @m dumped and parsed back: the same ipa_bits. */
static void expect_round_trip(const struct nb_machine_config *m)
{
	struct nb_machine_config back = {0};
	struct json_object *o = nb_config_machine_to_json(m);
	char err[256] = "";

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(nb_config_parse_machine(&back, o, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.ipa_bits, m->ipa_bits);
	json_object_put(o);
}

START_TEST(test_dump_round_trip)
{
	struct nb_machine_config m = {.vcpu_count = 1, .mem_size_mib = 128};
	char buf[32];

	ck_assert_str_eq(dumped(&m, buf, sizeof(buf)), "absent");
	m.ipa_bits = 48;
	ck_assert_str_eq(dumped(&m, buf, sizeof(buf)), "48");
	expect_round_trip(&m);
	m.ipa_bits = 0;
	expect_round_trip(&m);
}
END_TEST

/* ---- the API ---- */

static struct nb_vm_config cfg;
static struct nb_api_ctx ctx;
static struct nb_api_response resp;

static void call(enum nb_http_method m, const char *path, const char *body)
{
	free(resp.body);
	resp = (struct nb_api_response){0};
	nb_api_route(&ctx, m, path, strlen(path), body, body ? strlen(body) : 0, &resp);
}

static void expect_status(enum nb_http_method m, const char *path, const char *body, int status)
{
	call(m, path, body);
	ck_assert_msg(resp.status == status, "%s: %d %s", path, resp.status,
		      resp.body ? resp.body : "");
}

static void expect_fault(enum nb_http_method m, const char *body, const char *msg)
{
	struct json_object *o, *v;

	expect_status(m, "/machine-config", body, 400);
	o = json_tokener_parse(resp.body);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "fault_message", &v));
	ck_assert_str_eq(json_object_get_string(v), msg);
	json_object_put(o);
}

/* GET @path's machine-config "ipa_bits" as JSON text. */
static const char *api_ipa(const char *path, char *buf, size_t n)
{
	struct json_object *o, *mc, *v;

	expect_status(NB_HTTP_GET, path, NULL, 200);
	o = json_tokener_parse(resp.body);
	ck_assert_ptr_nonnull(o);
	mc = o;
	if (json_object_object_get_ex(o, "machine-config", &v))
		mc = v;
	ipa_text(mc, buf, n);
	json_object_put(o);
	return buf;
}

START_TEST(test_api)
{
	char buf[32];

	nb_config_init(&cfg);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	ctx.state = NB_API_NOT_STARTED;
	ctx.version = "0.1.0";

	ck_assert_str_eq(api_ipa("/machine-config", buf, sizeof(buf)), "absent");
	expect_status(NB_HTTP_PUT, "/machine-config",
		      "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"ipa_bits\": 52}", 204);
	ck_assert_str_eq(api_ipa("/machine-config", buf, sizeof(buf)), "52");
	ck_assert_str_eq(api_ipa("/vm/config", buf, sizeof(buf)), "52");
	/* PATCH keeps it, and checks RAM against it. */
	expect_status(NB_HTTP_PATCH, "/machine-config", "{\"vcpu_count\": 2}", 204);
	ck_assert_str_eq(api_ipa("/machine-config", buf, sizeof(buf)), "52");
	expect_status(NB_HTTP_PATCH, "/machine-config", "{\"ipa_bits\": 32}", 204);
	expect_fault(NB_HTTP_PATCH, "{\"mem_size_mib\": 3072}",
		     "machine-config.ipa_bits: 32 bits hold at most 2048 MiB of RAM, "
		     "mem_size_mib is 3072 (needs ipa_bits 33 or more)");
	expect_fault(NB_HTTP_PATCH, "{\"ipa_bits\": 64}", RANGE_MSG);
	expect_fault(NB_HTTP_PUT, "{\"vcpu_count\": 1, \"mem_size_mib\": 8192, \"ipa_bits\": 33}",
		     "machine-config.ipa_bits: 33 bits hold at most 6144 MiB of RAM, "
		     "mem_size_mib is 8192 (needs ipa_bits 34 or more)");
	ck_assert_str_eq(api_ipa("/machine-config", buf, sizeof(buf)), "32");
	/* null: back to the smallest that fits. */
	expect_status(NB_HTTP_PATCH, "/machine-config", "{\"ipa_bits\": null}", 204);
	ck_assert_str_eq(api_ipa("/vm/config", buf, sizeof(buf)), "absent");
	/* A PUT without it resets it too (a PUT replaces the section). */
	expect_status(NB_HTTP_PATCH, "/machine-config", "{\"ipa_bits\": 44}", 204);
	expect_status(NB_HTTP_PUT, "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128}",
		      204);
	ck_assert_str_eq(api_ipa("/machine-config", buf, sizeof(buf)), "absent");
	free(resp.body);
	resp.body = NULL;
	nb_config_free(&cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_ipa");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bits_needed);
	tcase_add_test(tc, test_choose_default);
	tcase_add_test(tc, test_choose_requested);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_dump_round_trip);
	tcase_add_test(tc, test_api);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
