// SPDX-License-Identifier: Apache-2.0
/* The MMDS data store: PUT, PATCH (RFC 7396), GET, the size limit, session tokens. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "api/mmds_store.h"
#include "tests/unit/check_run.h"

static struct json_object *J(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	ck_assert_msg(o || !strcmp(s, "null"), "bad test JSON %s", s);
	return o;
}

static char *str(struct json_object *o)
{
	return strdup(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "null");
}

/* RFC 7396, appendix A, and a few more. */
START_TEST(test_merge_patch_rfc)
{
	static const char *const cases[][3] = {
	    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
	    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
	    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
	    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
	    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
	    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
	    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
	    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
	    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
	    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
	    {"{\"a\":\"foo\"}", "null", "null"},
	    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
	    {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
	    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
	    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *t = J(cases[i][0]), *p = J(cases[i][1]), *r;
		char *before = str(t), *s;
		bool oom;

		r = nb_json_merge_patch(t, p, &oom);
		ck_assert(!oom);
		s = str(r);
		ck_assert_str_eq(s, cases[i][2]);
		free(s);
		s = str(t);
		ck_assert_str_eq(s, before); /* the target is unchanged */
		free(s);
		free(before);
		json_object_put(t);
		json_object_put(p);
		json_object_put(r);
	}
}
END_TEST

START_TEST(test_put_patch_get)
{
	struct nb_mmds *m;
	struct json_object *o;
	char err[256], *s;

	ck_assert_int_eq(nb_mmds_new(&m, 1000), 0);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "{}");
	free(s);
	o = J("{\"a\":1}");
	ck_assert_int_eq(nb_mmds_patch(m, o, err, sizeof(err)), -ENODATA);
	ck_assert_str_eq(err, "The MMDS data store is not initialized.");
	json_object_put(o);

	o = J("{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-1\",\"rid\":\"r-1\"}}}");
	ck_assert_int_eq(nb_mmds_put(m, o, err, sizeof(err)), 0);
	/* The store keeps a copy: changing the request's object changes nothing. */
	json_object_object_add(o, "x", json_object_new_int(1));
	json_object_put(o);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-1\",\"rid\":\"r-1\"}}}");
	free(s);

	o = J("{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-2\",\"rid\":null}}}");
	ck_assert_int_eq(nb_mmds_patch(m, o, err, sizeof(err)), 0);
	json_object_put(o);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-2\"}}}");
	free(s);

	/* PUT replaces everything. */
	o = J("[1,2,3]");
	ck_assert_int_eq(nb_mmds_put(m, o, err, sizeof(err)), 0);
	json_object_put(o);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "[1,2,3]");
	free(s);
	/* JSON null is data too. */
	ck_assert_int_eq(nb_mmds_put(m, NULL, err, sizeof(err)), 0);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "null");
	free(s);
	nb_mmds_free(m);
	nb_mmds_free(NULL);
}
END_TEST

START_TEST(test_size_limit)
{
	struct nb_mmds *m;
	struct json_object *o;
	char err[256], *s;

	ck_assert_int_eq(nb_mmds_new(&m, 20), 0);
	ck_assert_uint_eq(nb_mmds_size_limit(m), 20);
	o = J("{\"a\":\"0123456789abcdef\"}"); /* 24 bytes */
	ck_assert_int_eq(nb_mmds_put(m, o, err, sizeof(err)), -EFBIG);
	ck_assert_str_eq(err, "The MMDS data store would hold 24 bytes: more than its limit of 20 "
			      "bytes (--mmds-size-limit)");
	json_object_put(o);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "{}");
	free(s);
	o = J("{\"a\":\"0123456789ab\"}"); /* exactly 20 */
	ck_assert_int_eq(nb_mmds_put(m, o, err, sizeof(err)), 0);
	json_object_put(o);
	/* A PATCH that would grow it past the limit changes nothing. */
	o = J("{\"b\":1}");
	ck_assert_int_eq(nb_mmds_patch(m, o, err, sizeof(err)), -EFBIG);
	json_object_put(o);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "{\"a\":\"0123456789ab\"}");
	free(s);
	/* One that shrinks it is fine. */
	o = J("{\"a\":null,\"b\":1}");
	ck_assert_int_eq(nb_mmds_patch(m, o, err, sizeof(err)), 0);
	json_object_put(o);
	s = nb_mmds_get_json(m);
	ck_assert_str_eq(s, "{\"b\":1}");
	free(s);
	nb_mmds_free(m);
}
END_TEST

START_TEST(test_tokens)
{
	char a[NB_MMDS_TOKEN_LEN + 1], b[NB_MMDS_TOKEN_LEN + 1];
	struct nb_mmds *m;

	ck_assert_int_eq(nb_mmds_new(&m, 100), 0);
	ck_assert_int_eq(nb_mmds_token_new(m, 0, 1000, a), -EINVAL);
	ck_assert_int_eq(nb_mmds_token_new(m, NB_MMDS_TOKEN_TTL_MAX + 1, 1000, a), -EINVAL);
	ck_assert_int_eq(nb_mmds_token_new(m, 10, 1000, a), 0);
	ck_assert_uint_eq(strlen(a), NB_MMDS_TOKEN_LEN);
	ck_assert_int_eq(nb_mmds_token_new(m, NB_MMDS_TOKEN_TTL_MAX, 1000, b), 0);
	ck_assert_str_ne(a, b);
	ck_assert(nb_mmds_token_valid(m, a, strlen(a), 1000));
	ck_assert(nb_mmds_token_valid(m, a, strlen(a), 10999));
	ck_assert(!nb_mmds_token_valid(m, a, strlen(a), 11000)); /* expired */
	ck_assert(nb_mmds_token_valid(m, b, strlen(b), 11000));
	ck_assert(!nb_mmds_token_valid(m, b, strlen(b) - 1, 1000));
	b[5] ^= 1;
	ck_assert(!nb_mmds_token_valid(m, b, strlen(b), 1000));
	ck_assert(!nb_mmds_token_valid(m, "", 0, 1000));
	/* A full table: the token that expires first makes room. */
	b[5] ^= 1;
	for (int i = 0; i < NB_MMDS_MAX_TOKENS; i++)
		ck_assert_int_eq(nb_mmds_token_new(m, 100 + (uint32_t)i, 2000, a), 0);
	ck_assert(nb_mmds_token_valid(m, a, strlen(a), 2000));
	ck_assert(nb_mmds_token_valid(m, b, strlen(b), 2000));
	/* A version change ends every session. */
	nb_mmds_set_version(m, NB_MMDS_V2, true);
	ck_assert_int_eq(nb_mmds_version(m), NB_MMDS_V2);
	ck_assert(nb_mmds_imds_compat(m));
	ck_assert(!nb_mmds_token_valid(m, a, strlen(a), 2000));
	nb_mmds_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmds_store");
	TCase *tc = tcase_create("store");

	tcase_add_test(tc, test_merge_patch_rfc);
	tcase_add_test(tc, test_put_patch_get);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_tokens);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
