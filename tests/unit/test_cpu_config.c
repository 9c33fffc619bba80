// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/sysreg.h"
#include "vmm/cpu_config.h"
#include "tests/unit/check_run.h"

/* Firecracker's documented example, and registers of each size. */
#define EXAMPLE_REG 0x603000000013c020ULL
#define EXAMPLE                                                                                    \
	"{\"kvm_capabilities\": [\"171\", \"!172\"], "                                             \
	"\"vcpu_features\": [{\"index\": 0, \"bitmap\": \"0b1100000\"}], "                         \
	"\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", "                                  \
	"\"bitmap\": \"0bx00100xxx1xxxx00xxx1xxxxxxxxxxx1\"}]}"
#define REG32 "0x60200000001000d4"  /* FPSR */
#define REG128 "0x6040000000100054" /* V0 */
#define REG(addr, bitmap)                                                                          \
	"{\"reg_modifiers\": [{\"addr\": \"" addr "\", \"bitmap\": \"" bitmap "\"}]}"
#define FEATURE(index, bitmap)                                                                     \
	"{\"vcpu_features\": [{\"index\": " index ", \"bitmap\": \"" bitmap "\"}]}"
#define CAPS(list) "{\"kvm_capabilities\": [" list "]}"

/* A template every failed parse must leave as it was. */
static void sentinel(struct nb_cpu_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nr_kvm_caps_required = 1;
	c->kvm_caps_required[0] = 99;
	c->nr_reg_modifiers = 1;
	c->reg_modifiers[0].addr = EXAMPLE_REG;
	c->reg_modifiers[0].reg_bits = 64;
}

static struct json_object *parse_json(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	ck_assert_msg(o || !strcmp(json, "null"), "test JSON does not parse: %s", json);
	return o;
}

/* Parses @json with @prefix, expects -EINVAL and exactly the error @want. */
static void expect_error_as(const char *json, const char *prefix, const char *want)
{
	struct nb_cpu_config c, before;
	struct json_object *o = parse_json(json);
	char err[512] = "";
	int ret;

	sentinel(&c);
	before = c;
	ret = nb_cpu_config_parse(&c, o, prefix, err, sizeof(err));
	json_object_put(o);
	ck_assert_msg(ret == -EINVAL, "%s: returned %d, '%s'", json, ret, err);
	ck_assert_msg(!strcmp(err, want), "%s:\n error '%s'\n  wanted '%s'", json, err, want);
	ck_assert(!memcmp(&c, &before, sizeof(c)));
}

static void expect_error(const char *json, const char *want)
{
	expect_error_as(json, "cpu-config", want);
}

static void expect_ok(const char *json, struct nb_cpu_config *c)
{
	struct json_object *o = parse_json(json);
	char err[512] = "";
	int ret;

	memset(c, 0, sizeof(*c));
	ret = nb_cpu_config_parse(c, o, "cpu-config", err, sizeof(err));
	json_object_put(o);
	ck_assert_msg(!ret, "%s: %s", json, err);
}

static void expect_bitmap(const char *s, uint64_t filter0, uint64_t value0, uint64_t filter1,
			  uint64_t value1, unsigned int width)
{
	struct nb_bitmap b;
	char err[256] = "";

	ck_assert_msg(!nb_bitmap_parse(s, NB_BITMAP_MAX_BITS, &b, err, sizeof(err)), "%s: %s", s,
		      err);
	ck_assert_uint_eq(b.filter[0], filter0);
	ck_assert_uint_eq(b.value[0], value0);
	ck_assert_uint_eq(b.filter[1], filter1);
	ck_assert_uint_eq(b.value[1], value1);
	ck_assert_uint_eq(b.width, width);
}

static void expect_bitmap_error(const char *s, unsigned int max_bits, const char *want)
{
	struct nb_bitmap b, before;
	char err[256] = "";

	memset(&b, 0xa5, sizeof(b));
	before = b;
	ck_assert_int_eq(nb_bitmap_parse(s, max_bits, &b, err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strcmp(err, want), "'%s': error '%s', wanted '%s'", s, err, want);
	ck_assert(!memcmp(&b, &before, sizeof(b)));
}

/* "0b" then @n copies of @ch, in @buf. */
static const char *bits(char *buf, size_t size, char ch, size_t n)
{
	ck_assert_uint_lt(n + 2, size);
	memcpy(buf, "0b", 2);
	memset(buf + 2, ch, n);
	buf[n + 2] = '\0';
	return buf;
}

START_TEST(test_bitmap_parse)
{
	char s[160];

	expect_bitmap("0b1100000", 0x7f, 0x60, 0, 0, 7);
	expect_bitmap("0b1x0", 0x5, 0x4, 0, 0, 3);
	expect_bitmap("0b1_x_0", 0x5, 0x4, 0, 0, 3);
	expect_bitmap("0b1111_0000", 0xff, 0xf0, 0, 0, 8);
	expect_bitmap("0bx", 0, 0, 0, 0, 1);
	expect_bitmap("0b0", 1, 0, 0, 0, 1);
	expect_bitmap("0bx00100xxx1xxxx00xxx1xxxxxxxxxxx1", 0x7c431001, 0x10401001, 0, 0, 32);
	/* 65 characters: the top one lands in the second word. */
	bits(s, sizeof(s), 'x', 65);
	s[2] = '1';
	expect_bitmap(s, 0, 0, 1, 1, 65);
	bits(s, sizeof(s), '1', 64);
	expect_bitmap(s, UINT64_MAX, UINT64_MAX, 0, 0, 64);
	bits(s, sizeof(s), '0', 128);
	s[2] = '1';
	expect_bitmap(s, UINT64_MAX, 0, UINT64_MAX, 1ULL << 63, 128);
	/* Underscores do not count toward the width. */
	bits(s, sizeof(s), '1', 128);
	memcpy(s + 2, "1_1_1_1", 7);
	expect_bitmap(s, UINT64_MAX, UINT64_MAX, UINT64_MAX >> 3, UINT64_MAX >> 3, 125);
}
END_TEST

START_TEST(test_bitmap_parse_errors)
{
	char s[160];
	struct nb_bitmap b;

	expect_bitmap_error("", 64, "must start with \"0b\"");
	expect_bitmap_error("1010", 64, "must start with \"0b\"");
	expect_bitmap_error("0B1", 64, "must start with \"0b\"");
	expect_bitmap_error("0x1", 64, "must start with \"0b\"");
	expect_bitmap_error("b01", 64, "must start with \"0b\"");
	expect_bitmap_error("0b", 64, "has no bits after \"0b\"");
	expect_bitmap_error("0b2", 64,
			    "bad character '2' at offset 2: only 0, 1, x and _ may follow \"0b\"");
	expect_bitmap_error("0b10X", 64,
			    "bad character 'X' at offset 4: only 0, 1, x and _ may follow \"0b\"");
	expect_bitmap_error("0b1 0", 64,
			    "bad character ' ' at offset 3: only 0, 1, x and _ may follow \"0b\"");
	expect_bitmap_error("0b10\n", 64,
			    "bad character '?' at offset 4: only 0, 1, x and _ may follow \"0b\"");
	expect_bitmap_error("0b1\xc3\xa9", 64,
			    "bad character '?' at offset 3: only 0, 1, x and _ may follow \"0b\"");
	expect_bitmap_error("0b0b1", 64,
			    "bad character 'b' at offset 3: only 0, 1, x and _ may follow \"0b\"");
	expect_bitmap_error("0b_1", 64, "'_' at offset 2 must stand between two bits");
	expect_bitmap_error("0b1_", 64, "'_' at offset 3 must stand between two bits");
	expect_bitmap_error("0b1__0", 64, "'_' at offset 3 must stand between two bits");
	expect_bitmap_error("0b_", 64, "'_' at offset 2 must stand between two bits");
	expect_bitmap_error(bits(s, sizeof(s), 'x', 33), 32, "has 33 bits, more than 32");
	expect_bitmap_error(bits(s, sizeof(s), '0', 65), 64, "has 65 bits, more than 64");
	expect_bitmap_error(bits(s, sizeof(s), '1', 129), 128, "has 129 bits, more than 128");
	/* A larger maximum is the format's. */
	expect_bitmap_error(bits(s, sizeof(s), '1', 129), 1000, "has 129 bits, more than 128");
	ck_assert_int_eq(nb_bitmap_parse(bits(s, sizeof(s), '1', 32), 32, &b, NULL, 0), 0);
	ck_assert_int_eq(nb_bitmap_parse("0b", 32, &b, NULL, 0), -EINVAL);
}
END_TEST

static struct nb_bitmap bitmap(const char *s)
{
	struct nb_bitmap b;
	char err[256] = "";

	ck_assert_msg(!nb_bitmap_parse(s, NB_BITMAP_MAX_BITS, &b, err, sizeof(err)), "%s", err);
	return b;
}

START_TEST(test_bitmap_apply)
{
	struct nb_bitmap b = bitmap("0b1x0");
	uint64_t v = 0xffff0000ffff0000ULL, w[2];
	uint32_t v32 = 0xfffffff3;
	char s[160];

	nb_bitmap_apply64(&b, &v);
	ck_assert_uint_eq(v, 0xffff0000ffff0004ULL);
	v = UINT64_MAX;
	nb_bitmap_apply64(&b, &v);
	ck_assert_uint_eq(v, UINT64_MAX - 1);
	nb_bitmap_apply32(&b, &v32);
	ck_assert_uint_eq(v32, 0xfffffff6);

	/* The example: bits not in the string and 'x' bits keep their value. */
	b = bitmap("0bx00100xxx1xxxx00xxx1xxxxxxxxxxx1");
	v = 0xabcdef0000000000ULL;
	nb_bitmap_apply64(&b, &v);
	ck_assert_uint_eq(v, 0xabcdef0010401001ULL);
	v = UINT64_MAX;
	nb_bitmap_apply64(&b, &v);
	ck_assert_uint_eq(v, 0xffffffff93fcffffULL);
	v32 = 0;
	nb_bitmap_apply32(&b, &v32);
	ck_assert_uint_eq(v32, 0x10401001);

	/* 128 bits: bit 127 and 63 set, bit 64 and 0 cleared, the rest kept. */
	bits(s, sizeof(s), 'x', 128);
	s[2] = '1';
	s[2 + 63] = '0';
	s[2 + 64] = '1';
	s[2 + 127] = '0';
	b = bitmap(s);
	w[0] = 1;
	w[1] = 1;
	nb_bitmap_apply128(&b, w);
	ck_assert_uint_eq(w[0], 1ULL << 63);
	ck_assert_uint_eq(w[1], 1ULL << 63);
	w[0] = UINT64_MAX;
	w[1] = 0x0123456789abcdefULL;
	nb_bitmap_apply128(&b, w);
	ck_assert_uint_eq(w[0], UINT64_MAX - 1);
	ck_assert_uint_eq(w[1], 0x8123456789abcdeeULL);

	/* A short bitmap leaves the upper word alone. */
	b = bitmap("0b0");
	w[0] = w[1] = UINT64_MAX;
	nb_bitmap_apply128(&b, w);
	ck_assert_uint_eq(w[0], UINT64_MAX - 1);
	ck_assert_uint_eq(w[1], UINT64_MAX);
}
END_TEST

START_TEST(test_parse_example)
{
	struct nb_cpu_config c;
	const struct nb_reg_modifier *r;

	expect_ok(EXAMPLE, &c);
	ck_assert(!nb_cpu_config_empty(&c));
	ck_assert_uint_eq(c.nr_kvm_caps_required, 1);
	ck_assert_uint_eq(c.kvm_caps_required[0], 171);
	ck_assert_uint_eq(c.nr_kvm_caps_removed, 1);
	ck_assert_uint_eq(c.kvm_caps_removed[0], 172);
	ck_assert_uint_eq(c.nr_vcpu_features, 1);
	ck_assert_uint_eq(c.vcpu_features[0].index, 0);
	ck_assert_uint_eq(c.vcpu_features[0].bitmap.filter[0], 0x7f);
	ck_assert_uint_eq(c.vcpu_features[0].bitmap.value[0], 0x60);
	ck_assert_uint_eq(c.nr_reg_modifiers, 1);
	r = &c.reg_modifiers[0];
	ck_assert_uint_eq(r->addr, EXAMPLE_REG);
	ck_assert_uint_eq(r->reg_bits, 64);
	ck_assert_uint_eq(r->bitmap.filter[0], 0x7c431001);
	ck_assert_uint_eq(r->bitmap.value[0], 0x10401001);
	ck_assert_uint_eq(r->bitmap.width, 32);
	ck_assert_int_eq(nb_cpu_config_check(&c, "cpu-config", NULL, 0), 0);
}
END_TEST

START_TEST(test_parse_sizes_and_order)
{
	struct nb_cpu_config c;
	char json[1024], s[160];

	expect_ok("{}", &c);
	ck_assert(nb_cpu_config_empty(&c));
	expect_ok("{\"kvm_capabilities\": [], \"vcpu_features\": [], \"reg_modifiers\": []}", &c);
	ck_assert(nb_cpu_config_empty(&c));

	/* u32, u64 and u128 registers at their full widths; upper-case hex. */
	snprintf(json, sizeof(json),
		 "{\"reg_modifiers\": [{\"addr\": \"" REG32 "\", \"bitmap\": \"%s\"}, "
		 "{\"addr\": \"0x603000000013C020\", \"bitmap\": \"0b1\"}, ",
		 bits(s, sizeof(s), '1', 32));
	snprintf(json + strlen(json), sizeof(json) - strlen(json),
		 "{\"addr\": \"" REG128 "\", \"bitmap\": \"%s\"}]}", bits(s, sizeof(s), '0', 128));
	expect_ok(json, &c);
	ck_assert_uint_eq(c.nr_reg_modifiers, 3);
	ck_assert_uint_eq(c.reg_modifiers[0].addr, NB_CORE_REG_FPSR);
	ck_assert_uint_eq(c.reg_modifiers[0].reg_bits, 32);
	ck_assert_uint_eq(c.reg_modifiers[0].bitmap.value[0], UINT32_MAX);
	ck_assert_uint_eq(c.reg_modifiers[1].addr, EXAMPLE_REG);
	ck_assert_uint_eq(c.reg_modifiers[1].reg_bits, 64);
	ck_assert_uint_eq(c.reg_modifiers[2].addr, NB_CORE_REG_V(0));
	ck_assert_uint_eq(c.reg_modifiers[2].reg_bits, 128);
	ck_assert_uint_eq(c.reg_modifiers[2].bitmap.filter[1], UINT64_MAX);

	/* Short addresses are fine when they are arm64 ids: every digit counts. */
	expect_ok(REG("0x6030000000130000", "0b1"), &c);

	/* Features keep their order; a 32-bit word at its width. */
	snprintf(json, sizeof(json),
		 "{\"vcpu_features\": [{\"index\": 6, \"bitmap\": \"0b1\"}, "
		 "{\"index\": 2, \"bitmap\": \"%s\"}]}",
		 bits(s, sizeof(s), 'x', 32));
	expect_ok(json, &c);
	ck_assert_uint_eq(c.nr_vcpu_features, 2);
	ck_assert_uint_eq(c.vcpu_features[0].index, 6);
	ck_assert_uint_eq(c.vcpu_features[1].index, 2);
	ck_assert_uint_eq(c.vcpu_features[1].bitmap.width, 32);

	expect_ok(CAPS("\"!1\", \"65535\", \"7\", \"!300\""), &c);
	ck_assert_uint_eq(c.nr_kvm_caps_required, 2);
	ck_assert_uint_eq(c.kvm_caps_required[0], 65535);
	ck_assert_uint_eq(c.kvm_caps_required[1], 7);
	ck_assert_uint_eq(c.nr_kvm_caps_removed, 2);
	ck_assert_uint_eq(c.kvm_caps_removed[0], 1);
	ck_assert_uint_eq(c.kvm_caps_removed[1], 300);
	ck_assert(!nb_cpu_config_empty(&c));
}
END_TEST

START_TEST(test_parse_replaces)
{
	struct nb_cpu_config c;
	struct json_object *o;
	char err[256];

	sentinel(&c);
	o = parse_json("{\"vcpu_features\": [{\"index\": 1, \"bitmap\": \"0b1\"}]}");
	ck_assert_int_eq(nb_cpu_config_parse(&c, o, "cpu-config", err, sizeof(err)), 0);
	json_object_put(o);
	/* The whole template is replaced, not merged. */
	ck_assert_uint_eq(c.nr_kvm_caps_required, 0);
	ck_assert_uint_eq(c.nr_reg_modifiers, 0);
	ck_assert_uint_eq(c.nr_vcpu_features, 1);
}
END_TEST

START_TEST(test_keys)
{
	expect_error("[]", "cpu-config: must be an object, not an array");
	expect_error("null", "cpu-config: must be an object, not null");
	expect_error("\"t.json\"", "cpu-config: must be an object, not \"t.json\"");
	expect_error("{\"foo\": 1}", "cpu-config.foo: unknown field");
	expect_error("{\"reg_modifier\": []}", "cpu-config.reg_modifier: unknown field");
	expect_error("{\"cpuid_modifiers\": []}", "cpu-config.cpuid_modifiers: x86_64 only");
	expect_error("{\"msr_modifiers\": []}", "cpu-config.msr_modifiers: x86_64 only");
	expect_error("{\"reg_modifiers\": [], \"msr_modifiers\": {}}",
		     "cpu-config.msr_modifiers: x86_64 only");
	expect_error("{\"kvm_capabilities\": \"171\"}",
		     "cpu-config.kvm_capabilities: must be an array, not \"171\"");
	expect_error("{\"vcpu_features\": {}}",
		     "cpu-config.vcpu_features: must be an array, not an object");
	expect_error("{\"reg_modifiers\": null}",
		     "cpu-config.reg_modifiers: must be an array, not null");
}
END_TEST

START_TEST(test_capabilities)
{
	static const char *const bad[] = {
	    "0",
	    "!",
	    "abc",
	    "65536",
	    "!0",
	    "!65536",
	    "0171",
	    "+1",
	    "-1",
	    " 1",
	    "1 ",
	    "!!1",
	    "",
	    "1e3",
	    "0x10",
	    "1000000",
	    "99999999999999999999",
	    "17a",
	};
	char json[256], want[256];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(json, sizeof(json), CAPS("\"1\", \"%s\""), bad[i]);
		snprintf(want, sizeof(want),
			 "cpu-config.kvm_capabilities[1]: must be \"N\" or \"!N\" with N a "
			 "capability number from 1 to 65535, not \"%s\"",
			 bad[i]);
		expect_error(json, want);
	}
	/* An embedded NUL must not make "171" of "171\0x". */
	expect_error(CAPS("\"171\\u0000x\""),
		     "cpu-config.kvm_capabilities[0]: must be \"N\" or \"!N\" with N a capability "
		     "number from 1 to 65535, not \"171\"");
	expect_error(CAPS("171"), "cpu-config.kvm_capabilities[0]: must be a string, not 171");
	expect_error(CAPS("\"1\", null"),
		     "cpu-config.kvm_capabilities[1]: must be a string, not null");
	expect_error(CAPS("[\"1\"]"),
		     "cpu-config.kvm_capabilities[0]: must be a string, not an array");
	expect_error(CAPS("\"171\", \"!171\""),
		     "cpu-config.kvm_capabilities: 171 is listed more than once");
	expect_error(CAPS("\"!5\", \"2\", \"!5\""),
		     "cpu-config.kvm_capabilities: 5 is listed more than once");
	expect_error(CAPS("\"3\", \"3\""),
		     "cpu-config.kvm_capabilities: 3 is listed more than once");
}
END_TEST

START_TEST(test_capability_limit)
{
	char json[2048];
	struct nb_cpu_config c;
	size_t len;

	len = snprintf(json, sizeof(json), "{\"kvm_capabilities\": [");
	for (unsigned int i = 1; i <= NB_CPU_MAX_KVM_CAPS; i++)
		len += snprintf(json + len, sizeof(json) - len, "%s\"%s%u\"", i > 1 ? ", " : "",
				i % 2 ? "!" : "", i);
	snprintf(json + len, sizeof(json) - len, "]}");
	expect_ok(json, &c);
	ck_assert_uint_eq(c.nr_kvm_caps_required + c.nr_kvm_caps_removed, NB_CPU_MAX_KVM_CAPS);
	ck_assert_uint_eq(c.nr_kvm_caps_removed, NB_CPU_MAX_KVM_CAPS / 2);
	snprintf(json + len, sizeof(json) - len, ", \"1000\"]}");
	expect_error(json, "cpu-config.kvm_capabilities: at most 64 entries are supported");
}
END_TEST

START_TEST(test_vcpu_features)
{
	char json[512], s[160];
	struct nb_cpu_config c;
	size_t len;

	expect_error("{\"vcpu_features\": [1]}",
		     "cpu-config.vcpu_features[0]: must be an object, not 1");
	expect_error("{\"vcpu_features\": [{\"index\": 0, \"bitmap\": \"0b1\", \"mask\": 1}]}",
		     "cpu-config.vcpu_features[0].mask: unknown field");
	expect_error("{\"vcpu_features\": [{\"bitmap\": \"0b1\"}]}",
		     "cpu-config.vcpu_features[0].index: is required");
	expect_error("{\"vcpu_features\": [{\"index\": 0}]}",
		     "cpu-config.vcpu_features[0].bitmap: is required");
	expect_error(FEATURE("7", "0b1"),
		     "cpu-config.vcpu_features[0].index: must be between 0 and 6");
	expect_error(FEATURE("-1", "0b1"),
		     "cpu-config.vcpu_features[0].index: must be between 0 and 6");
	expect_error(FEATURE("\"0\"", "0b1"),
		     "cpu-config.vcpu_features[0].index: must be an integer, not \"0\"");
	expect_error(FEATURE("1.0", "0b1"),
		     "cpu-config.vcpu_features[0].index: must be an integer, not 1.0");
	expect_error("{\"vcpu_features\": [{\"index\": 0, \"bitmap\": 96}]}",
		     "cpu-config.vcpu_features[0].bitmap: must be a string, not 96");
	expect_error(FEATURE("0", "1100000"),
		     "cpu-config.vcpu_features[0].bitmap: must start with \"0b\"");
	expect_error(FEATURE("0", "0b"),
		     "cpu-config.vcpu_features[0].bitmap: has no bits after \"0b\"");
	expect_error(FEATURE("0", "0b1__1"),
		     "cpu-config.vcpu_features[0].bitmap: '_' at offset 3 must stand between two "
		     "bits");
	snprintf(json, sizeof(json), FEATURE("3", "%s"), bits(s, sizeof(s), 'x', 33));
	expect_error(json, "cpu-config.vcpu_features[0].bitmap: has 33 bits, more than the 32 of "
			   "a feature word");
	expect_error("{\"vcpu_features\": ["
		     "{\"index\": 0, \"bitmap\": \"0b1\"}, "
		     "{\"index\": 4, \"bitmap\": \"0b1\"}, {\"index\": 0, \"bitmap\": \"0b0\"}]}",
		     "cpu-config.vcpu_features[2].index: 0 is already used by vcpu_features[0]");

	/* Every word once; an eighth entry is too many. */
	len = snprintf(json, sizeof(json), "{\"vcpu_features\": [");
	for (unsigned int i = 0; i < NB_CPU_NR_FEATURE_WORDS; i++)
		len += snprintf(json + len, sizeof(json) - len,
				"%s{\"index\": %u, \"bitmap\": \"0b1\"}", i ? ", " : "", i);
	snprintf(json + len, sizeof(json) - len, "]}");
	expect_ok(json, &c);
	ck_assert_uint_eq(c.nr_vcpu_features, NB_CPU_NR_FEATURE_WORDS);
	snprintf(json + len, sizeof(json) - len, ", {\"index\": 0, \"bitmap\": \"0b1\"}]}");
	expect_error(json, "cpu-config.vcpu_features: at most 7 entries are supported");
}
END_TEST

START_TEST(test_reg_addr)
{
	static const char *const bad[] = {
	    "603000000013c020",
	    "0x",
	    "0X603000000013c020",
	    "0x603000000013c02g",
	    "0x0603000000013c020",
	    "0x-1",
	    " 0x1",
	    "0x1 ",
	    "",
	    "0x603000000013c020h",
	};
	char json[256], want[256];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(json, sizeof(json), REG("%s", "0b1"), bad[i]);
		snprintf(want, sizeof(want),
			 "cpu-config.reg_modifiers[0].addr: must be \"0x\" and 1 to 16 hex digits, "
			 "not \"%s\"",
			 bad[i]);
		expect_error(json, want);
	}
	expect_error("{\"reg_modifiers\": [{\"addr\": 6917529027642245152, \"bitmap\": \"0b1\"}]}",
		     "cpu-config.reg_modifiers[0].addr: must be a string, not 6917529027642245152");
	expect_error("{\"reg_modifiers\": [{\"bitmap\": \"0b1\"}]}",
		     "cpu-config.reg_modifiers[0].addr: is required");
	expect_error("{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\"}]}",
		     "cpu-config.reg_modifiers[0].bitmap: is required");
	expect_error("{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": "
		     "\"0b1\\u00000\"}]}",
		     "cpu-config.reg_modifiers[0].bitmap: must not contain a NUL character");
	expect_error("{\"reg_modifiers\": [{\"addr\": \"0x6030\\u0000000000013c020\", \"bitmap\": "
		     "\"0b1\"}]}",
		     "cpu-config.reg_modifiers[0].addr: must not contain a NUL character");
	expect_error(REG("0x1", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x1 is not an arm64 KVM register id");
	/* x86 (0x2000...) and riscv (0x8000...) ids. */
	expect_error(REG("0x2030000000000010", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x2030000000000010 is not an arm64 KVM "
		     "register id");
	expect_error(REG("0x8030000000000010", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x8030000000000010 is not an arm64 KVM "
		     "register id");
	expect_error(REG("0x6100000000000000", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x6100000000000000 is not an arm64 KVM "
		     "register id");
	expect_error(REG("0x6000000000130000", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x6000000000130000 has size field 0, not 2 "
		     "(u32), 3 (u64) or 4 (u128)");
	expect_error(REG("0x601000000013c020", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x601000000013c020 has size field 1, not 2 "
		     "(u32), 3 (u64) or 4 (u128)");
	/* An SVE Z register is u2048. */
	expect_error(REG("0x6080000000150000", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x6080000000150000 has size field 8, not 2 "
		     "(u32), 3 (u64) or 4 (u128)");
	expect_error(REG("0x6050000000150000", "0b1"),
		     "cpu-config.reg_modifiers[0].addr: 0x6050000000150000 has size field 5, not 2 "
		     "(u32), 3 (u64) or 4 (u128)");
}
END_TEST

START_TEST(test_reg_bitmap)
{
	char json[512], s[160];
	struct nb_cpu_config c;

	expect_error("{\"reg_modifiers\": [\"0x603000000013c020\"]}",
		     "cpu-config.reg_modifiers[0]: must be an object, not \"0x603000000013c020\"");
	expect_error("{\"reg_modifiers\": [null]}",
		     "cpu-config.reg_modifiers[0]: must be an object, not null");
	expect_error("{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": \"0b1\", "
		     "\"mask\": \"0b1\"}]}",
		     "cpu-config.reg_modifiers[0].mask: unknown field");
	expect_error("{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": true}]}",
		     "cpu-config.reg_modifiers[0].bitmap: must be a string, not true");
	expect_error(
	    REG("0x603000000013c020", "0b1z"),
	    "cpu-config.reg_modifiers[0].bitmap: bad character 'z' at offset 3: only 0, 1, "
	    "x and _ may follow \"0b\"");
	expect_error(REG("0x603000000013c020", "0b_1"),
		     "cpu-config.reg_modifiers[0].bitmap: '_' at offset 2 must stand between two "
		     "bits");
	expect_error(REG("0x603000000013c020", "0b1_"),
		     "cpu-config.reg_modifiers[0].bitmap: '_' at offset 3 must stand between two "
		     "bits");
	expect_error(REG("0x603000000013c020", "0x1"),
		     "cpu-config.reg_modifiers[0].bitmap: must start with \"0b\"");
	expect_error(REG("0x603000000013c020", ""),
		     "cpu-config.reg_modifiers[0].bitmap: must start with \"0b\"");

	snprintf(json, sizeof(json), REG(REG32, "%s"), bits(s, sizeof(s), 'x', 33));
	expect_error(json, "cpu-config.reg_modifiers[0].bitmap: has 33 bits, more than the 32 of "
			   "register 0x60200000001000d4");
	snprintf(json, sizeof(json), REG("0x603000000013c020", "%s"), bits(s, sizeof(s), '1', 65));
	expect_error(json, "cpu-config.reg_modifiers[0].bitmap: has 65 bits, more than the 64 of "
			   "register 0x603000000013c020");
	snprintf(json, sizeof(json), REG(REG128, "%s"), bits(s, sizeof(s), '1', 129));
	expect_error(json, "cpu-config.reg_modifiers[0].bitmap: has 129 bits, more than 128");
	/* Underscores do not make a bitmap wider than its register. */
	snprintf(json, sizeof(json), REG(REG32, "0b1_%s"), bits(s, sizeof(s), '0', 31) + 2);
	expect_ok(json, &c);
	ck_assert_uint_eq(c.reg_modifiers[0].bitmap.width, 32);
	ck_assert_uint_eq(c.reg_modifiers[0].bitmap.value[0], 1ULL << 31);
}
END_TEST

START_TEST(test_reg_duplicates_and_limit)
{
	static char json[256 * 64 + 256];
	struct nb_cpu_config c;
	size_t len;

	expect_error(
	    "{\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", \"bitmap\": \"0b1\"}, "
	    "{\"addr\": \"0x603000000013c028\", \"bitmap\": \"0b1\"}, "
	    "{\"addr\": \"0x603000000013C020\", \"bitmap\": \"0b0\"}]}",
	    "cpu-config.reg_modifiers[2].addr: 0x603000000013c020 is already used by "
	    "reg_modifiers[0]");

	len = snprintf(json, sizeof(json), "{\"reg_modifiers\": [");
	for (unsigned int i = 0; i < NB_CPU_MAX_REG_MODIFIERS; i++)
		len += snprintf(json + len, sizeof(json) - len,
				"%s{\"addr\": \"0x%llx\", \"bitmap\": \"0b1\"}", i ? ", " : "",
				(unsigned long long)(NB_SYSREG(3, 0, 0, 0, 0) + i));
	snprintf(json + len, sizeof(json) - len, "]}");
	expect_ok(json, &c);
	ck_assert_uint_eq(c.nr_reg_modifiers, NB_CPU_MAX_REG_MODIFIERS);
	ck_assert_uint_eq(c.reg_modifiers[255].addr, NB_SYSREG(3, 0, 0, 0, 0) + 255);
	snprintf(json + len, sizeof(json) - len,
		 ", {\"addr\": \"0x603000000013c020\", \"bitmap\": \"0b1\"}]}");
	expect_error(json, "cpu-config.reg_modifiers: at most 256 entries are supported");
}
END_TEST

START_TEST(test_bare_prefix)
{
	expect_error_as("42", "", "must be an object, not 42");
	expect_error_as("{\"foo\": 1}", "", "foo: unknown field");
	expect_error_as("{\"cpuid_modifiers\": []}", "", "cpuid_modifiers: x86_64 only");
	expect_error_as("{\"reg_modifiers\": 1}", "", "reg_modifiers: must be an array, not 1");
	expect_error_as(REG("0x1", "0b1"), "",
			"reg_modifiers[0].addr: 0x1 is not an arm64 KVM "
			"register id");
	expect_error_as(CAPS("\"1\", \"1\""), "", "kvm_capabilities: 1 is listed more than once");
	expect_error_as(FEATURE("9", "0b1"), "", "vcpu_features[0].index: must be between 0 and 6");
	/* Any caller's prefix, e.g. a future API object holding a template. */
	expect_error_as(FEATURE("9", "0b1"), "vm.cpu",
			"vm.cpu.vcpu_features[0].index: must be between 0 and 6");
}
END_TEST

/* Checks a hand-filled @c, expects -EINVAL and exactly @want. */
static void expect_invalid(const struct nb_cpu_config *c, const char *want)
{
	char err[256] = "";

	ck_assert_int_eq(nb_cpu_config_check(c, "cpu-config", err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strcmp(err, want), "error '%s', wanted '%s'", err, want);
}

START_TEST(test_check)
{
	static struct nb_cpu_config c;
	char err[256];

	memset(&c, 0, sizeof(c));
	ck_assert(nb_cpu_config_empty(&c));
	ck_assert_int_eq(nb_cpu_config_check(&c, "cpu-config", err, sizeof(err)), 0);

	c.nr_kvm_caps_required = 2;
	c.kvm_caps_required[0] = 1;
	c.kvm_caps_required[1] = 0;
	expect_invalid(&c, "cpu-config.kvm_capabilities: 0 is not a capability number from 1 to "
			   "65535");
	c.kvm_caps_required[1] = 65536;
	expect_invalid(&c, "cpu-config.kvm_capabilities: 65536 is not a capability number from 1 "
			   "to 65535");
	c.kvm_caps_required[1] = 2;
	c.nr_kvm_caps_removed = 1;
	c.kvm_caps_removed[0] = 2;
	expect_invalid(&c, "cpu-config.kvm_capabilities: 2 is listed more than once");
	c.kvm_caps_removed[0] = 3;
	ck_assert_int_eq(nb_cpu_config_check(&c, "cpu-config", err, sizeof(err)), 0);
	c.nr_kvm_caps_required = 40;
	c.nr_kvm_caps_removed = 25;
	expect_invalid(&c, "cpu-config.kvm_capabilities: at most 64 entries are supported");
	c.nr_kvm_caps_required = 0;
	c.nr_kvm_caps_removed = UINT32_MAX; /* no wrap-around in the sum */
	expect_invalid(&c, "cpu-config.kvm_capabilities: at most 64 entries are supported");
	c.nr_kvm_caps_removed = 0;

	c.nr_vcpu_features = 1;
	c.vcpu_features[0].index = 7;
	expect_invalid(&c, "cpu-config.vcpu_features[0].index: must be between 0 and 6");
	c.vcpu_features[0].index = 6;
	c.vcpu_features[0].bitmap.filter[0] = 1ULL << 32; /* beyond its width of 0 */
	expect_invalid(&c, "cpu-config.vcpu_features[0].bitmap: has 33 bits, more than the 32 of "
			   "a feature word");
	c.vcpu_features[0].bitmap.filter[0] = 0;
	c.vcpu_features[0].bitmap.value[1] = 1;
	expect_invalid(&c, "cpu-config.vcpu_features[0].bitmap: has 65 bits, more than the 32 of "
			   "a feature word");
	c.vcpu_features[0].bitmap.value[1] = 0;
	ck_assert_int_eq(nb_cpu_config_check(&c, "cpu-config", err, sizeof(err)), 0);
	c.nr_vcpu_features = 8;
	expect_invalid(&c, "cpu-config.vcpu_features: at most 7 entries are supported");
	c.nr_vcpu_features = 0;

	c.nr_reg_modifiers = 1;
	c.reg_modifiers[0].addr = NB_CORE_REG_FPSR;
	c.reg_modifiers[0].reg_bits = 64;
	expect_invalid(&c, "cpu-config.reg_modifiers[0]: reg_bits is 64, not the 32 of its addr");
	c.reg_modifiers[0].reg_bits = 32;
	c.reg_modifiers[0].bitmap.width = 8;
	c.reg_modifiers[0].bitmap.filter[0] = 1ULL << 40;
	expect_invalid(&c, "cpu-config.reg_modifiers[0].bitmap: has 41 bits, more than the 32 of "
			   "register 0x60200000001000d4");
	c.reg_modifiers[0].bitmap.filter[0] = 0xff;
	ck_assert_int_eq(nb_cpu_config_check(&c, "cpu-config", err, sizeof(err)), 0);
	c.reg_modifiers[0].addr = 0x7020000000000000ULL;
	expect_invalid(&c, "cpu-config.reg_modifiers[0].addr: 0x7020000000000000 is not an arm64 "
			   "KVM register id");
	c.reg_modifiers[0].addr = NB_CORE_REG_FPSR;
	c.nr_reg_modifiers = 2;
	c.reg_modifiers[1] = c.reg_modifiers[0];
	expect_invalid(&c,
		       "cpu-config.reg_modifiers[1].addr: 0x60200000001000d4 is already used by "
		       "reg_modifiers[0]");
	c.nr_reg_modifiers = NB_CPU_MAX_REG_MODIFIERS + 1;
	expect_invalid(&c, "cpu-config.reg_modifiers: at most 256 entries are supported");
	c.nr_reg_modifiers = 0;
	ck_assert(nb_cpu_config_empty(&c));
	ck_assert_int_eq(nb_cpu_config_check(&c, "cpu-config", NULL, 0), 0);
}
END_TEST

/* A file holding @text in a fresh temporary folder; the caller removes both. */
static void temp_file(char *path, size_t n, const char *text)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;

	snprintf(path, n, "%s/nb-test-cpu-XXXXXX", dir ? dir : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(path));
	strncat(path, "/t.json", n - strlen(path) - 1);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void remove_temp_file(char *path)
{
	ck_assert_int_eq(unlink(path), 0);
	*strrchr(path, '/') = '\0';
	ck_assert_int_eq(rmdir(path), 0);
}

/* Loads @text from a file; expects @ret and, on error, "cpu-config PATH: @msg". */
static void expect_file(const char *text, int want_ret, const char *msg)
{
	struct nb_cpu_config c, before;
	char path[PATH_MAX], err[PATH_MAX + 256] = "", want[PATH_MAX + 256];

	temp_file(path, sizeof(path), text);
	sentinel(&c);
	before = c;
	ck_assert_int_eq(nb_cpu_config_from_file(&c, path, err, sizeof(err)), want_ret);
	if (want_ret) {
		snprintf(want, sizeof(want), "cpu-config %s: %s", path, msg);
		ck_assert_str_eq(err, want);
		ck_assert(!memcmp(&c, &before, sizeof(c)));
	} else {
		ck_assert_uint_eq(c.nr_kvm_caps_required, 1);
		ck_assert_uint_eq(c.kvm_caps_required[0], 171);
		ck_assert_uint_eq(c.nr_reg_modifiers, 1);
	}
	remove_temp_file(path);
}

START_TEST(test_from_file)
{
	struct nb_cpu_config c;
	char err[256];

	expect_file(EXAMPLE, 0, NULL);
	expect_file("{\n  \"kvm_capabilities\": [\"171\",]\n}", -EINVAL,
		    "JSON syntax error at line 2, column 30: unexpected character");
	expect_file("", -EINVAL, "JSON syntax error at line 1, column 1: unexpected end of data");
	expect_file("[]", -EINVAL, "must be an object, not an array");
	expect_file(REG("0x1", "0b1"), -EINVAL,
		    "reg_modifiers[0].addr: 0x1 is not an arm64 KVM register id");
	expect_file("{\"msr_modifiers\": []}", -EINVAL, "msr_modifiers: x86_64 only");

	sentinel(&c);
	ck_assert_int_eq(nb_cpu_config_from_file(&c, "/nonexistent/t.json", err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "cpu-config /nonexistent/t.json: No such file or directory");
	ck_assert_int_eq(nb_cpu_config_from_file(&c, "/", err, sizeof(err)), -EISDIR);
	ck_assert_str_eq(err, "cpu-config /: Is a directory");
	ck_assert_int_eq(nb_cpu_config_from_file(&c, "/nonexistent/a\nb", err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "cpu-config /nonexistent/a?b: No such file or directory");
	ck_assert_int_eq(nb_cpu_config_from_file(&c, "/nonexistent", NULL, 0), -ENOENT);
	ck_assert_uint_eq(c.kvm_caps_required[0], 99);
}
END_TEST

START_TEST(test_error_buffer)
{
	struct nb_cpu_config c;
	struct json_object *o = parse_json(CAPS("\"0\""));
	char err[16];

	memset(err, 'X', sizeof(err));
	ck_assert_int_eq(nb_cpu_config_parse(&c, o, "cpu-config", err, 8), -EINVAL);
	ck_assert_str_eq(err, "cpu-con");
	ck_assert_int_eq(err[8], 'X');
	ck_assert_int_eq(nb_cpu_config_parse(&c, o, "cpu-config", NULL, 0), -EINVAL);
	json_object_put(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_config");
	TCase *tc = tcase_create("cpu_config");

	tcase_add_test(tc, test_bitmap_parse);
	tcase_add_test(tc, test_bitmap_parse_errors);
	tcase_add_test(tc, test_bitmap_apply);
	tcase_add_test(tc, test_parse_example);
	tcase_add_test(tc, test_parse_sizes_and_order);
	tcase_add_test(tc, test_parse_replaces);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_capabilities);
	tcase_add_test(tc, test_capability_limit);
	tcase_add_test(tc, test_vcpu_features);
	tcase_add_test(tc, test_reg_addr);
	tcase_add_test(tc, test_reg_bitmap);
	tcase_add_test(tc, test_reg_duplicates_and_limit);
	tcase_add_test(tc, test_bare_prefix);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_from_file);
	tcase_add_test(tc, test_error_buffer);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
